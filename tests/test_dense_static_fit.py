"""The static encoder fitted to the catalog (issue 17 item 2): deterministic, closer to the
teacher's title vectors on held-out titles than the unfitted static encoder, versioned by its
fit, and usable by a search engine build."""

import hashlib

import numpy as np
import polars as pl
import pytest

from shopmind.search import engine as engine_mod
from shopmind.search.dense import ENCODERS, VectorCache, l2_normalise
from shopmind.search.dense_static_fit import FittedStaticEncoder, fit_sample, regression_error

WORDS = [f"w{chr(97 + i)}{chr(97 + j)}" for i in range(8) for j in range(8)]  # 64 made-up words


def titles(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(2, 6)), replace=False)) for _ in range(n)]


class TitleTeacher:
    """Fake e5: a single word gets a vector from its sha1; a longer text gets a fixed linear
    transform of its words' sum (so a linear map from the static vector can learn it)."""

    name = "title-teacher-v1"
    dim = 32

    def __init__(self) -> None:
        self.texts = 0
        self.mix = np.random.default_rng(5).normal(size=(self.dim, self.dim))

    def _word(self, w: str) -> np.ndarray:
        seed = int(hashlib.sha1(w.encode()).hexdigest()[:8], 16)
        return np.random.default_rng(seed).normal(size=self.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        out = []
        for t in texts:
            words = t.split()
            v = self._word(t) if len(words) == 1 else sum(self._word(w) for w in words) @ self.mix
            out.append(v)
        return l2_normalise(np.vstack(out))

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_passages([text])[0]


def test_the_fit_is_deterministic_and_versions_the_name():
    catalog = titles(300, seed=1)
    a, b = (
        FittedStaticEncoder(teacher=TitleTeacher(), max_titles=120),
        FittedStaticEncoder(teacher=TitleTeacher(), max_titles=120),
    )
    unfitted = a.name
    a.fit(catalog)
    b.fit(list(reversed(catalog)))  # the sample does not depend on row order
    assert a.name == b.name and a.name != unfitted and a.name.startswith(unfitted)
    assert np.array_equal(a.w, b.w)
    c = FittedStaticEncoder(teacher=TitleTeacher(), max_titles=120)
    c.fit(titles(300, seed=2))
    assert c.name != a.name  # another catalog, another fit: cached vectors never mix


def test_the_fit_brings_held_out_titles_closer_to_the_teacher():
    teacher = TitleTeacher()
    enc = FittedStaticEncoder(teacher=teacher, max_titles=200)
    info = enc.fit(titles(400, seed=3))
    assert info["titles"] == 200
    held_out = [t for t in titles(200, seed=4) if t not in set(fit_sample(titles(400, seed=3), 200))]
    target = teacher.encode_passages(held_out).astype(np.float64)
    # the same centring as the fit (the sample's mean e5 direction carries no relevance)
    target -= target.mean(axis=0)
    before = regression_error(enc.base.encode_passages(held_out), None, target)
    after = regression_error(enc.encode_passages(held_out), None, target)
    assert after < 0.5 * before, (before, after)


def test_an_unfitted_encoder_refuses_to_encode_and_a_tiny_catalog_is_a_clear_error():
    enc = FittedStaticEncoder(teacher=TitleTeacher())
    with pytest.raises(RuntimeError, match="no fit yet"):
        enc.encode_query("waa wab")
    with pytest.raises(ValueError, match="at least 10 distinct"):
        enc.fit(["waa wab", "wac", ""])
    assert enc.w is None


def test_the_cache_keys_vectors_by_the_fit(tmp_path):
    cache = VectorCache(tmp_path)
    enc = FittedStaticEncoder(teacher=TitleTeacher(), max_titles=100)
    catalog = titles(150, seed=6)
    v = cache.passages(enc, catalog)
    assert enc.w is not None and cache.count(enc.name, enc.dim) == len(set(catalog))
    assert np.allclose(v, enc.encode_passages(catalog), atol=1e-5)
    # the fit's teacher vectors went to the teacher's own namespace: e5 shares them
    assert cache.count(TitleTeacher.name, TitleTeacher.dim) == 100


PRODUCTS = pl.DataFrame(
    {
        "product_id": [f"p{i}" for i in range(40)],
        "title": titles(37, seed=7) + ["oak table lamp", "red cotton dress", "steel kitchen faucet"],
        "description": [None] * 40,
        "price": [10.0 + i for i in range(40)],
        "currency": ["USD"] * 40,
        "category_path": ["Home > Things"] * 40,
    }
)


def test_a_build_with_the_fitted_encoder_answers_searches_and_reloads(tmp_path, monkeypatch):
    teacher = TitleTeacher()
    monkeypatch.setitem(engine_mod.ENCODERS, "static-fit", lambda: FittedStaticEncoder(teacher=teacher))
    cfg = engine_mod.SearchConfig(encoder="static-fit", ltr="off", dense_floor=0.0)
    eng = engine_mod.SearchEngine.build(PRODUCTS, config=cfg, cache_dir=tmp_path / "cache")
    assert eng.encoder.w is not None
    res = eng.search("oak lamp")
    assert res.hits and res.hits[0].product_id == "p37"
    eng.save(tmp_path / "search")
    loaded = engine_mod.SearchEngine.load(tmp_path / "search")
    assert loaded.search("oak lamp").hits[0].product_id == "p37"
    assert loaded.encoder.name == eng.encoder.name
    assert np.allclose(
        loaded.encoder.encode_query("oak lamp"), eng.encoder.encode_query("oak lamp"), atol=2e-3
    )


def test_static_fit_is_a_registered_encoder():
    assert "static-fit" in ENCODERS


def test_shipped_common_components_serve_only_the_bundled_teacher():
    from shopmind.search.dense_static import SHIPPED_COMPONENTS, StaticEncoder, _shipped_components

    assert SHIPPED_COMPONENTS.exists()
    e5 = StaticEncoder()  # the bundled e5 as teacher: components without any e5 call
    c = e5.common_components()
    assert c.shape == (10, e5.dim) and np.allclose(c @ c.T, np.eye(10), atol=1e-4)
    assert e5.stats["teacher_words"] == 0 and e5._teacher is None
    assert _shipped_components("another-teacher/word-passage", 10) is None
    assert _shipped_components(e5.word_namespace, 10_000) is None  # more than shipped: computed
