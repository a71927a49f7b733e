"""The shop-tuned query adapter (issue 12 item 1): it learns what the frozen map gets wrong,
is deterministic, never trains on reported queries, and a release keeps the frozen encoder
when the adapter loses."""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.search.adapt import model as adapt_model
from shopmind.search.adapt.encoder import AdaptedEncoder, attach, attach_saved_adapter
from shopmind.search.adapt.evaluate import training_queries
from shopmind.search.adapt.model import (
    AdapterParams,
    QueryAdapter,
    fit_adapter,
    pairs_from_grades,
    query_split,
    retrieval_ndcg,
    train_adapter,
)
from shopmind.search.adapt.release import fit_from_qrels
from shopmind.search.dense_encoders import l2_normalise
from shopmind.search.evaluate import tuning_half
from shopmind.search.ltr.features import normalise_query


def _task(n: int = 300, d: int = 16, k: int = 12, seed: int = 3):
    """Products = random unit vectors; the query of product i is product i seen through a
    random rotation of a ``k``-dim subspace (plus noise): the frozen map (identity) is wrong."""
    rng = np.random.default_rng(seed)
    P = l2_normalise(rng.standard_normal((n, d)))
    basis, _ = np.linalg.qr(rng.standard_normal((d, k)))
    A = rng.standard_normal((k, k))
    rot, _ = np.linalg.qr(A - A.T)  # a random orthogonal map of the subspace
    R = np.eye(d) + basis @ (rot - np.eye(k)) @ basis.T
    Q = l2_normalise(P @ R.T + 0.1 * rng.standard_normal((n, d)))
    queries = [f"q{i}" for i in range(n)]
    qrels = {q: {f"p{i}": 2.0} for i, q in enumerate(queries)}
    pos = {f"p{i}": i for i in range(n)}
    return P.astype(np.float32), Q.astype(np.float32), queries, qrels, pos


FAST = (AdapterParams(rank=8, lr=1e-2, epochs=25, patience=6, batch_size=64, hard_negatives=4),)


def test_adapter_fixes_a_wrong_frozen_map_on_unseen_queries() -> None:
    P, Q, queries, qrels, pos = _task()
    train, test = queries[:220], queries[220:]
    pairs = pairs_from_grades(qrels, pos, 1.0, 0.0, train)
    res = fit_adapter({q: Q[int(q[1:])] for q in train}, P, pairs, grid=FAST)
    tp = pairs_from_grades(qrels, pos, 1.0, 0.0, test)
    Qt = np.vstack([Q[int(q[1:])] for q in tp.queries])
    frozen = retrieval_ndcg(Qt, P, tp.grades)
    adapted = retrieval_ndcg(res.adapter.apply(Qt), P, tp.grades)
    assert not res.adapter.is_identity
    assert frozen < 0.3  # the frozen map really is wrong here
    assert adapted > frozen + 0.5, (frozen, adapted)


def test_training_is_deterministic_with_a_seed() -> None:
    P, Q, queries, qrels, pos = _task(n=120)
    pairs = pairs_from_grades(qrels, pos, 1.0, 0.0, queries)
    p = AdapterParams(rank=4, epochs=3, batch_size=32, hard_negatives=2, seed=7)
    a = train_adapter(Q[:120], P, pairs, p).adapter
    b = train_adapter(Q[:120], P, pairs, p).adapter
    c = train_adapter(Q[:120], P, pairs, AdapterParams(rank=4, epochs=3, batch_size=32, hard_negatives=2, seed=8)).adapter  # fmt: skip
    assert np.array_equal(a.U, b.U) and np.array_equal(a.V, b.V)
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


def test_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(0)
    U = rng.standard_normal((8, 3)) * 0.1
    V = rng.standard_normal((8, 3))
    Qb = l2_normalise(rng.standard_normal((4, 8))).astype(np.float64)
    C = l2_normalise(rng.standard_normal((10, 8))).astype(np.float64)
    mask = np.zeros((4, 10), dtype=bool)
    mask[0, 5] = True
    w = np.array([1.0, 0.5, 1.0, 1.0])
    loss, dU, _dV = adapt_model._loss_grad(U, V, Qb, C, np.arange(4), w, mask, 0.1)
    U2 = U.copy()
    U2[2, 1] += 1e-6
    loss2, _, _ = adapt_model._loss_grad(U2, V, Qb, C, np.arange(4), w, mask, 0.1)
    assert (loss2 - loss) / 1e-6 == pytest.approx(float(dU[2, 1]), rel=1e-3)


def test_no_signal_keeps_the_identity_or_loses_in_release() -> None:
    """Random clicks: validation finds nothing to learn, or held-out says it lost."""
    rng = np.random.default_rng(5)
    P = l2_normalise(rng.standard_normal((200, 16))).astype(np.float32)
    queries = [f"q{i}" for i in range(150)]
    qv = {q: l2_normalise(rng.standard_normal(16)).astype(np.float32) for q in queries}
    qrels = {q: {f"p{rng.integers(200)}": 1.0} for q in queries}
    pos = {f"p{i}": i for i in range(200)}
    adapter, facts = fit_from_qrels(qrels, pos, P, qv, min_queries=50, min_pairs=50)
    if adapter is None:
        assert facts["adapter"] == "frozen" and facts["reason"]
    else:  # attached only with a real held-out win
        assert facts["heldout_ndcg10_adapted"] > facts["heldout_ndcg10_frozen"]


def test_release_keeps_the_frozen_encoder_when_the_adapter_loses(monkeypatch) -> None:
    P, Q, queries, qrels, pos = _task(n=200)
    qv = {q: Q[i] for i, q in enumerate(queries)}
    # an adapter that scrambles query vectors: it must lose on held-out queries
    bad = QueryAdapter(np.eye(16, dtype=np.float32)[:, ::-1] * 3, np.eye(16, dtype=np.float32), {})

    def fake_fit(*_a, **_k):
        return adapt_model.FitResult(bad, {"kept": "epoch 1", "seconds": 0.0})

    monkeypatch.setattr("shopmind.search.adapt.release.fit_adapter", fake_fit)
    adapter, facts = fit_from_qrels(qrels, pos, P, qv)
    assert adapter is None
    assert facts["adapter"] == "frozen" and "lost on held-out" in facts["reason"]
    assert facts["heldout_ndcg10_adapted"] < facts["heldout_ndcg10_frozen"]


def test_release_attaches_an_adapter_that_wins_and_refuses_too_few_pairs() -> None:
    P, Q, queries, qrels, pos = _task()
    qv = {q: Q[i] for i, q in enumerate(queries)}
    small = {q: qrels[q] for q in queries[:20]}
    adapter, facts = fit_from_qrels(small, pos, P, qv)
    assert adapter is None and facts["reason"].startswith("too few search clicks")
    import shopmind.search.adapt.release as rel

    adapter, facts = rel.fit_from_qrels(qrels, pos, P, qv)
    assert facts["adapter"] == "attached", facts
    assert facts["heldout_ndcg10_adapted"] > facts["heldout_ndcg10_frozen"] + 0.1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="aAbB cC", min_size=1, max_size=6), min_size=1, max_size=40, unique=True))
def test_report_queries_never_in_training(queries: list[str]) -> None:
    train, held = training_queries(queries)
    assert not {normalise_query(q) for q in train} & {normalise_query(q) for q in held}
    assert set(held) == {q for q in queries if not tuning_half(q)}
    assert all(tuning_half(q) for q in train)
    rest, val = query_split(train, 0.3)
    assert sorted(rest + val) == sorted(train) and not set(rest) & set(val)


class ToyEncoder:
    name = "toy-8"
    dim = 8

    def _vec(self, text: str) -> np.ndarray:
        seed = int(hashlib.md5(text.encode()).hexdigest()[:8], 16)
        return l2_normalise(np.random.default_rng(seed).standard_normal(self.dim))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vec(t) for t in texts]) if texts else np.zeros((0, 8), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self._vec(text)


def test_adapter_saved_with_the_engine_is_served_after_load(tmp_path, monkeypatch) -> None:
    from shopmind.search.dense import ENCODERS
    from shopmind.search.engine import SearchConfig, SearchEngine

    monkeypatch.setitem(ENCODERS, "toy", ToyEncoder)
    prods = pl.DataFrame(
        {"product_id": [f"p{i}" for i in range(30)], "title": [f"lamp {i}" for i in range(30)]}
    )
    eng = SearchEngine.build(
        prods, None, SearchConfig(encoder="toy", understand=False), cache_dir=tmp_path / "c"
    )
    rng = np.random.default_rng(2)
    adapter = QueryAdapter(rng.standard_normal((8, 2)).astype(np.float32), rng.standard_normal((8, 2)).astype(np.float32))  # fmt: skip
    frozen = ToyEncoder().encode_query("lamp 3")
    enc = attach(eng, adapter, ToyEncoder())
    assert isinstance(enc, AdaptedEncoder) and enc.name.startswith("toy-8+qa-")
    assert np.allclose(enc.encode_query("lamp 3"), adapter.apply(frozen), atol=1e-6)
    eng.save(tmp_path / "search")
    loaded = SearchEngine.load(tmp_path / "search")
    assert attach_saved_adapter(loaded, tmp_path / "search")
    assert np.allclose(loaded.encoder.encode_query("lamp 3"), adapter.apply(frozen), atol=1e-6)
    # a release without an adapter serves the frozen encoder
    plain = SearchEngine.build(
        prods, None, SearchConfig(encoder="toy", understand=False), cache_dir=tmp_path / "c"
    )
    plain.save(tmp_path / "plain")
    loaded2 = SearchEngine.load(tmp_path / "plain")
    assert not attach_saved_adapter(loaded2, tmp_path / "plain")
    assert np.allclose(loaded2.encoder.encode_query("lamp 3"), frozen, atol=1e-6)


def test_saved_adapter_with_tampered_weights_is_refused(tmp_path) -> None:
    a = QueryAdapter(np.ones((4, 1), np.float32), np.ones((4, 1), np.float32))
    a.save(tmp_path)
    assert QueryAdapter.load(tmp_path).fingerprint() == a.fingerprint()
    np.savez(tmp_path / "adapter.npz", U=np.zeros((4, 1), np.float32), V=np.ones((4, 1), np.float32))
    with pytest.raises(ValueError, match="fingerprint"):
        QueryAdapter.load(tmp_path)


def _click_log(n_queries: int, seed: int = 0) -> pl.DataFrame:
    """One search session per query: search, then a click and a purchase of product p{k}."""
    rows = []
    rng = np.random.default_rng(seed)
    for i in range(n_queries):
        k = int(rng.integers(30))
        for t, (typ, q, item) in enumerate([("search", f"lamp query {i}", None), ("click", None, f"p{k}"), ("purchase", None, f"p{k}")]):  # fmt: skip
            rows.append(
                {"session_id": f"s{i}", "type": typ, "timestamp": i * 10 + t, "item_id": item, "query": q}
            )
    return pl.DataFrame(rows)


def test_release_adapter_from_click_log(tmp_path, monkeypatch) -> None:
    """Through the build's entry point: too few clicks, then clicks with nothing to
    generalise (random products per query): the frozen encoder is kept, with the reason, and
    the engine's query vectors stay the frozen ones."""
    from shopmind.search.adapt.release import click_qrels, fit_release_adapter
    from shopmind.search.dense import ENCODERS
    from shopmind.search.engine import SearchConfig, SearchEngine

    monkeypatch.setitem(ENCODERS, "toy", ToyEncoder)
    prods = pl.DataFrame(
        {"product_id": [f"p{i}" for i in range(30)], "title": [f"lamp {i}" for i in range(30)]}
    )
    eng = SearchEngine.build(
        prods, None, SearchConfig(encoder="toy", understand=False), cache_dir=tmp_path / "c"
    )
    # a past-query vector as an earlier release's adapter left it: reset to the frozen one
    eng._qvecs["lamp 1"] = -ToyEncoder().encode_query("lamp 1")
    few = fit_release_adapter(eng, ToyEncoder(), _click_log(10), tmp_path / "c")
    assert few["adapter"] == "frozen"
    assert "10 queries (need 50)" in few["reason"]
    assert np.allclose(eng._qvecs["lamp 1"], ToyEncoder().encode_query("lamp 1"))
    qr = click_qrels(_click_log(120))
    assert len(qr) == 120 and all(list(v.values()) == [3.0] for v in qr.values())  # purchase grade
    facts = fit_release_adapter(eng, ToyEncoder(), _click_log(120), tmp_path / "c")
    assert facts["queries_with_clicks"] == 120 and facts["pairs"] == 120
    assert facts["adapter"] == "frozen"
    assert facts["reason"].startswith("validation chose the frozen encoder: identity")
    assert facts["heldout_queries"] + facts["train_queries"] == 120
    assert not isinstance(eng.encoder, AdaptedEncoder)
    assert np.allclose(eng._qvecs["lamp 1"], ToyEncoder().encode_query("lamp 1"))


def test_evaluate_methods_train_only_on_the_tuning_half(tmp_path, monkeypatch) -> None:
    """``dense+adapt`` and ``fusion+adapt+ltr`` run through ``evaluate``; the adapter sees
    only tuning-half queries, never a reported (held-out) one."""
    from shopmind.search.adapt import evaluate as adapt_eval
    from shopmind.search.evaluate import evaluate, prepare

    rng = np.random.default_rng(1)
    words = ["red", "blue", "oak", "steel", "lamp", "shoe", "desk", "sink"]
    titles = [" ".join(rng.choice(words, 3)) for _ in range(60)]
    prods = pl.DataFrame({"product_id": [str(i) for i in range(60)], "title": titles})
    qs, pids, rel = [], [], []
    for a in words:
        for b in words:
            for i, t in enumerate(titles[:30]):
                qs.append(f"{a} {b}")
                pids.append(str(i))
                rel.append(float(a in t) + float(b in t))
    data = prepare(
        prods, pl.DataFrame({"query": qs, "product_id": pids, "relevance": rel}), "toy", (0.0, 2.0)
    )
    seen: list[str] = []
    real_fit = adapt_eval.fit_adapter

    def spy(qvecs, P, pairs, *a, **k):
        seen.extend(pairs.queries)
        return real_fit(qvecs, P, pairs, *a, grid=FAST, **k)

    monkeypatch.setattr(adapt_eval, "fit_adapter", spy)
    dense = adapt_eval.AdaptedDense(ToyEncoder(), tmp_path / "v", name="dense-toy+adapt")
    ltr = adapt_eval.adapted_ltr(ToyEncoder(), tmp_path / "v")
    ltr.num_rounds = 5
    out = evaluate(data, [dense, ltr], ("retrieval",), progress=False)
    assert seen and all(tuning_half(q) for q in seen)
    held = {q for q in data.qrels if not tuning_half(q)}
    assert held and not held & set(seen)
    assert ltr.name == "fusion-toy-8+adapt+ltr"
    for name in ("dense-toy+adapt", "fusion-toy-8+adapt+ltr"):
        tuning = out["methods"][name]["tuning"]
        assert "tuning half only" in str(tuning.get("protocol", "")) + str(tuning.get("protocol_adapter", ""))
        assert tuning["adapter"]["train_queries"] + tuning["adapter"]["val_queries"] <= len(data.qrels) - len(
            held
        )


def test_a_chance_validation_gain_keeps_the_identity() -> None:
    from shopmind.search.adapt.model import significant_gain

    rng = np.random.default_rng(0)
    before = rng.uniform(0, 1, 40)
    noisy = before + np.tile([0.21, -0.19], 20)  # +0.01 on average, far inside the noise
    assert not significant_gain(before, noisy)[0]
    assert significant_gain(before, before + 0.05 + rng.normal(0, 0.01, 40))[0]
    assert not significant_gain(before, before - 0.05)[0]


def test_release_build_records_the_adapter_decision(tmp_path) -> None:
    """A real build (small demo shop, USE vectors): the manifest says whether the adapter was
    attached and why; an attached one is in the release folder and served after load;
    it is off unless ``[search] adapter = 1``."""
    from shopmind.config import GateConfig
    from shopmind.demo.generator import generate
    from shopmind.quality.gate import publish, run_gate
    from shopmind.release.build import build_release
    from shopmind.release.components import build_catalog, build_search
    from shopmind.serve.state import load_release
    from shopmind.store.store import Store

    shop = generate(seed=7, n_products=300, n_users=300, days=20)
    ws, cache = tmp_path / "ws", tmp_path / "vectors"
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    comps = [("catalog", build_catalog), ("search", build_search)]
    manifest = build_release(ws, comps, settings={"search": {"encoder": "use", "ltr": "off", "adapter": 1}}, force=True, cache_dir=cache)  # fmt: skip
    facts = manifest["components"]["search"]["adapter"]
    folder = ws / "releases" / manifest["id"]
    assert facts["adapter"] in ("attached", "frozen")
    assert facts["queries_with_clicks"] > 0
    if facts["adapter"] == "frozen":
        assert facts["reason"]
    else:
        assert facts["heldout_ndcg10_adapted"] > facts["heldout_ndcg10_frozen"]
    assert (folder / "search" / "encoder" / "adapter.json").exists() == (facts["adapter"] == "attached")
    served = load_release(folder).engine
    assert isinstance(served.encoder, AdaptedEncoder) == (facts["adapter"] == "attached")
    off = build_release(ws, comps, settings={"search": {"encoder": "use", "ltr": "off"}}, force=True, cache_dir=cache)  # fmt: skip
    assert off["components"]["search"]["adapter"]["adapter"] == "off"  # opt-in: off by default
    assert "[search] adapter = 0" in off["components"]["search"]["adapter"]["reason"]
    assert not (ws / "releases" / off["id"] / "search" / "encoder" / "adapter.json").exists()
