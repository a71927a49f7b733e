"""The static encoder fitted to the catalog (issue 17 item 2): deterministic, closer to the
teacher's title vectors on held-out titles than the unfitted static encoder, versioned by its
fit, and usable by a search engine build."""

import hashlib

import numpy as np
import polars as pl
import pytest

from shopmind.search import engine as engine_mod
from shopmind.search.dense import ENCODERS, VectorCache, l2_normalise
from shopmind.search.dense_static import zh_pieces
from shopmind.search.dense_static_fit import FittedStaticEncoder, extra_sample, fit_sample, regression_error

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


def test_mix_gives_the_fit_samples_titles_their_own_teacher_vector_in_one_space(tmp_path):
    teacher = TitleTeacher()
    catalog = titles(200, seed=8)
    plain = FittedStaticEncoder(teacher=teacher, max_titles=80)
    mixed = FittedStaticEncoder(teacher=teacher, max_titles=80, mix=1.0)
    plain.fit(catalog)
    mixed.fit(catalog)
    assert np.array_equal(plain.w, mixed.w) and mixed.name != plain.name and "-mix1" in mixed.name
    sample = fit_sample(catalog, 80)
    y = teacher.encode_passages(sample).astype(np.float64)
    own = l2_normalise(y - y.mean(axis=0))
    assert np.allclose(mixed.encode_passages(sample), own, atol=1e-5)  # the head: the teacher's
    rest = [t for t in dict.fromkeys(catalog) if t not in set(sample)]
    assert np.allclose(
        mixed.encode_passages(rest), plain.encode_passages(rest), atol=1e-6
    )  # the tail: the fit
    half = FittedStaticEncoder(teacher=teacher, max_titles=80, mix=0.5)
    half.fit(catalog)
    v = half.encode_passages(sample[:5])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.all(np.sum(v * own[:5], axis=1) > np.sum(plain.encode_passages(sample[:5]) * own[:5], axis=1))
    mixed.save_state(tmp_path / "enc")
    loaded = FittedStaticEncoder(teacher=teacher, max_titles=80, mix=1.0)
    assert loaded.load_state(tmp_path / "enc") and loaded.name == mixed.name
    assert np.allclose(loaded.encode_passages(sample[:3]), own[:3], atol=1e-3)
    with pytest.raises(ValueError, match=r"within \[0, 1\]"):
        FittedStaticEncoder(teacher=teacher, mix=1.5)
    head = FittedStaticEncoder(teacher=teacher, max_titles=80, mix=1.0, mix_titles=10)
    head.fit(catalog)
    assert "-mix1x10" in head.name and head.name != mixed.name
    v = head.encode_passages(sample)
    assert np.allclose(v[:10], own[:10], atol=1e-5)  # the first 10 by sha1: the teacher's
    assert np.allclose(v[10:], plain.encode_passages(sample[10:]), atol=1e-6)  # the rest: the fit


def renamed(text: str) -> str:
    """The same title in a shopper's words: every made-up word 'wXY' said as 'zXY'."""
    return " ".join("z" + w[1:] for w in text.split())


def top1(q: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(np.argmax(q @ p.T, axis=1) == np.arange(len(q))))


def test_a_query_map_from_pairs_brings_held_out_queries_to_their_titles(tmp_path):
    teacher = TitleTeacher()
    catalog = list(dict.fromkeys(titles(500, seed=9)))
    enc = FittedStaticEncoder(teacher=teacher, max_titles=200)
    enc.fit(catalog)
    before_name, w = enc.name, enc.w.copy()
    train, held = catalog[:300], catalog[300:]
    held_q = [renamed(t) for t in held]
    p = enc.encode_passages(held)
    without = top1(enc.encode_queries(held_q), p)
    enc.fit_queries([(renamed(t), t, 1.0) for t in train], ridge=0.01)
    assert enc.wq is not None and np.array_equal(enc.w, w)  # titles keep their map
    assert enc.name != before_name and enc.name.startswith(before_name)
    assert np.allclose(enc.encode_passages(held), p)
    with_map = top1(enc.encode_queries(held_q), p)
    assert with_map > 3 * max(without, 1.0 / len(held)), (without, with_map)
    assert np.allclose(enc.encode_query(held_q[0]), enc.encode_queries(held_q[:1])[0], atol=1e-5)
    enc.save_state(tmp_path / "enc")
    loaded = FittedStaticEncoder(teacher=teacher, max_titles=200)
    assert loaded.load_state(tmp_path / "enc") and loaded.name == enc.name
    assert np.allclose(loaded.encode_queries(held_q[:4]), enc.encode_queries(held_q[:4]), atol=1e-3)


def test_a_query_map_needs_a_title_map_and_enough_pairs():
    enc = FittedStaticEncoder(teacher=TitleTeacher(), max_titles=50)
    with pytest.raises(RuntimeError, match="title map first"):
        enc.fit_queries([("zaa", "waa", 1.0)] * 30, ridge=0.1)
    enc.fit(titles(100, seed=10))
    name = enc.name
    with pytest.raises(ValueError, match="at least 20"):
        enc.fit_queries([("zaa zab", "waa wab", 1.0)] * 5 + [("zac", "wac", 0.0)] * 30, ridge=0.1)
    assert enc.wq is None and enc.name == name  # no partial state


def test_query_pairs_given_up_front_are_fitted_in_prepare(tmp_path):
    teacher = TitleTeacher()
    catalog = list(dict.fromkeys(titles(200, seed=11)))
    pairs = [(renamed(t), t, 2.0) for t in catalog[:100]]
    a = FittedStaticEncoder(teacher=teacher, max_titles=100, query_pairs=pairs, query_ridge=0.1)
    cache = VectorCache(tmp_path)
    cache.passages(a, catalog)
    assert a.wq is not None and "-q" in a.name
    b = FittedStaticEncoder(teacher=teacher, max_titles=100)
    b.fit(catalog)
    b.fit_queries(pairs, ridge=0.1)
    assert a.name == b.name and np.allclose(a.wq, b.wq)


def test_mix_extra_sends_more_titles_digits_first_through_the_teacher(tmp_path):
    teacher = TitleTeacher()
    catalog = titles(200, seed=9) + [f"{t} 3{i}in" for i, t in enumerate(titles(40, seed=10))]
    plain = FittedStaticEncoder(teacher=teacher, max_titles=80, mix=1.0)
    plain.fit(catalog)
    more = FittedStaticEncoder(teacher=teacher, max_titles=80, mix=1.0, mix_extra=20)
    info = more.fit(list(reversed(catalog)))
    assert info["mix_extra"] == 20 and "-mix1+20d" in more.name and more.name != plain.name
    assert np.array_equal(plain.w, more.w)  # the same fit: the extras only take the mix
    sample = fit_sample(catalog, 80)
    extra = extra_sample(catalog, sample, 20)
    assert len(extra) == 20 and not set(extra) & set(sample)
    digits = [t for t in dict.fromkeys(catalog) if t not in set(sample) and any(c.isdigit() for c in t)]
    assert len(digits) > 20 and set(extra) < set(digits)  # titles with a digit first
    y = teacher.encode_passages(sample).astype(np.float64)
    own = l2_normalise(teacher.encode_passages(extra).astype(np.float64) - y.mean(axis=0))
    assert np.allclose(more.encode_passages(extra), own, atol=1e-5)  # the teacher's, centred as the fit
    rest = [t for t in dict.fromkeys(catalog) if t not in set(sample) | set(extra)]
    assert np.allclose(more.encode_passages(rest), plain.encode_passages(rest), atol=1e-6)
    any_ = extra_sample(catalog, sample, 20, pick="sha1")
    assert any_ == extra_sample(list(reversed(catalog)), sample, 20, pick="sha1") and any_ != extra
    more.save_state(tmp_path / "enc")
    loaded = FittedStaticEncoder(teacher=teacher, max_titles=80, mix=1.0, mix_extra=20)
    assert loaded.load_state(tmp_path / "enc") and loaded.name == more.name
    assert np.allclose(loaded.encode_passages(extra[:3]), own[:3], atol=1e-3)
    with pytest.raises(ValueError, match="needs mix > 0"):
        FittedStaticEncoder(teacher=teacher, mix_extra=10)
    with pytest.raises(ValueError, match="mix_pick"):
        FittedStaticEncoder(teacher=teacher, mix=1.0, mix_extra=10, mix_pick="longest")


def test_zh_units_add_a_chinese_words_characters_or_bigrams():
    assert zh_pieces("前列腺癌", "words") == ["前列腺癌"]
    assert zh_pieces("前列腺癌", "chars") == ["前列腺癌", "前", "列", "腺", "癌"]
    assert zh_pieces("前列腺癌", "bigrams") == ["前列腺癌", "前列", "列腺", "腺癌"]
    assert zh_pieces("转移", "bigrams") == ["转移"] and zh_pieces("能", "chars") == ["能"]
    assert zh_pieces("drill", "chars") == ["drill"] and zh_pieces("v0", "bigrams") == ["v0"]
    plain, chars = (FittedStaticEncoder(teacher=TitleTeacher(), zh_units=u) for u in ("words", "chars"))
    assert "-zhc-" in chars.name and "-zh" not in plain.name
    assert chars.base.tokens("转移 drill") == ["转移", "转", "移", "drill"]
    with pytest.raises(ValueError, match="zh_units"):
        FittedStaticEncoder(teacher=TitleTeacher(), zh_units="jieba-search")


def test_the_mlp_map_is_seeded_named_by_its_weights_and_reloads(tmp_path):
    catalog = titles(400, seed=11) + [f"{t} 3{i}in" for i, t in enumerate(titles(60, seed=12))]
    ridge = FittedStaticEncoder(teacher=TitleTeacher(), max_titles=300)
    ridge.fit(catalog)
    a, b = (FittedStaticEncoder(teacher=TitleTeacher(), max_titles=300, fit_map="mlp") for _ in range(2))
    info = a.fit(catalog)
    b.fit(list(reversed(catalog)))
    assert a.name == b.name and "-mlp-" in a.name and a.name != ridge.name
    assert np.array_equal(a.mlp.bb, b.mlp.bb) and np.array_equal(a.w, ridge.w)  # the title map is kept
    # the kept epoch is the held-out tenth's best: never worse than the ridge map alone
    assert info["mlp_val_cosine_error"] <= info["mlp_val_cosine_error_ridge"]
    held = titles(20, seed=13)
    assert np.allclose(np.linalg.norm(a.encode_passages(held), axis=1), 1.0, atol=1e-5)
    if info["mlp_epoch"]:
        assert not np.allclose(a.encode_passages(held), ridge.encode_passages(held), atol=1e-4)
    a.save_state(tmp_path / "enc")
    loaded = FittedStaticEncoder(teacher=TitleTeacher(), max_titles=300, fit_map="mlp")
    assert loaded.load_state(tmp_path / "enc") and loaded.name == a.name
    assert np.allclose(loaded.encode_passages(held), a.encode_passages(held), atol=1e-3)
    with pytest.raises(ValueError, match="fit_map"):
        FittedStaticEncoder(teacher=TitleTeacher(), fit_map="procrustes")  # measured, refused, not kept


def test_the_centred_map_takes_the_samples_static_mean_off_and_reloads(tmp_path):
    catalog = titles(300, seed=14)
    plain = FittedStaticEncoder(teacher=TitleTeacher(), max_titles=200)
    plain.fit(catalog)
    enc = FittedStaticEncoder(teacher=TitleTeacher(), max_titles=200, fit_map="centred")
    enc.fit(catalog)
    x = enc.base.encode_passages(fit_sample(catalog, 200))
    assert np.allclose(enc.x_mean, x.mean(axis=0), atol=1e-5) and "-centred-" in enc.name
    held = titles(10, seed=15)
    want = l2_normalise((enc.base.encode_passages(held) - enc.x_mean) @ enc.w)
    assert np.allclose(enc.encode_passages(held), want, atol=1e-5)
    assert not np.allclose(enc.encode_passages(held), plain.encode_passages(held), atol=1e-3)
    enc.save_state(tmp_path / "enc")
    loaded = FittedStaticEncoder(teacher=TitleTeacher(), max_titles=200, fit_map="centred")
    assert loaded.load_state(tmp_path / "enc") and loaded.name == enc.name
    assert np.allclose(loaded.encode_passages(held), want, atol=1e-3)
