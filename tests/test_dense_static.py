"""The static (per-word, distilled from e5) encoder, encoder concatenation and batched queries."""

import hashlib

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.search import engine as engine_mod
from shopmind.search.dense import ENCODERS, ConcatEncoder, StaticEncoder, VectorCache, l2_normalise
from shopmind.search.dense_static import sif_weight


class WordTeacher:
    """Deterministic fake teacher: a text's vector from its sha1; records every call."""

    name = "teacher-v1"
    dim = 16

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def _vec(self, text: str) -> np.ndarray:
        seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
        return l2_normalise(np.random.default_rng(seed).normal(size=self.dim))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.vstack([self._vec(t) for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_passages([text])[0]


class NoTeacher(WordTeacher):
    def encode_passages(self, texts: list[str]) -> np.ndarray:
        raise AssertionError(f"the teacher was asked for {texts}")


def manual(enc: StaticEncoder, teacher: WordTeacher, text: str) -> np.ndarray:
    """SIF-weighted mean of the teacher's word vectors, minus its common components."""
    words = enc.tokens(text)
    acc = np.asarray(sum(sif_weight(w, enc.a, enc.digit_weight) * teacher._vec(w) for w in words))
    common = enc.common_components().astype(np.float64)
    acc = acc - common.T @ (common @ acc)
    return l2_normalise(np.asarray(acc, dtype=np.float32))


def test_pooled_vector_is_the_sif_weighted_mean_of_word_vectors(tmp_path):
    t = WordTeacher()
    enc = StaticEncoder(teacher=t, cache=VectorCache(tmp_path))
    texts = ["Red cotton dress", "the red dress for summer", "红色连衣裙 长款"]
    got = enc.encode_passages(texts)
    for i, text in enumerate(texts):
        assert np.allclose(got[i], manual(enc, t, text), atol=1e-6)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # stop words are dropped, Chinese is cut by jieba (precise mode), no stemming
    assert enc.tokens("the red dresses for summer") == ["red", "dresses", "summer"]
    assert enc.tokens("红色连衣裙") == ["红色", "连衣裙"]
    # a frequent word weighs less than a rare one (SIF)
    assert sif_weight("red") < sif_weight("dress") < sif_weight("zzqxw") == 1.0


def test_each_distinct_word_goes_through_the_teacher_once_and_is_cached(tmp_path):
    t = WordTeacher()
    enc = StaticEncoder(teacher=t, cache=VectorCache(tmp_path))
    enc.encode_passages(["red dress", "blue dress", "red shoe"])
    enc.encode_passages(["blue shoe", "red dress"])
    encoded = [w for call in t.calls for w in call]
    reference = set(enc.reference_words())  # the common components' vocabulary, encoded once
    catalog = [w for w in encoded if w not in reference]
    assert sorted(catalog) == sorted({"red", "dress", "blue", "shoe"} - reference)
    assert sorted(encoded) == sorted(reference | {"red", "dress", "blue", "shoe"})  # once each
    # the first batch's words in one call, then the reference words (in the cache's chunks)
    assert t.calls[0] == ["red", "dress", "blue", "shoe"]
    assert all(w in reference for call in t.calls[1:] for w in call)
    # another process with the same folder: word vectors come from the cache, no teacher call
    again = StaticEncoder(teacher=NoTeacher(), cache=VectorCache(tmp_path))
    v = again.encode_passages(["red dress"])
    assert np.allclose(v[0], enc.encode_passages(["red dress"])[0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["red", "dress", "blue", "oak", "lamp", "2x4", "1/2 in.", "灯", "红色"]), min_size=1, max_size=6), st.integers(0, 5))  # fmt: skip
def test_a_text_vector_depends_only_on_its_text(words, pad):
    """Weights are fixed (not fitted on the batch), so a title's vector is the same alone, in
    any batch and in any order: safe to cache by content hash and to upsert one product."""
    t = WordTeacher()
    # components=0: the fixed common components are tested on their own (catalog-independent)
    enc = StaticEncoder(teacher=t, components=0)
    text = " ".join(words)
    alone = enc.encode_passages([text])[0]
    others = [f"filler {i} oak" for i in range(pad)]
    batch = enc.encode_passages([*others, text, *others])
    assert np.allclose(batch[pad], alone, atol=1e-6)
    again = StaticEncoder(teacher=WordTeacher(), components=0)
    assert np.allclose(again.encode_passages([text])[0], alone, atol=1e-6)


def test_unseen_query_word_goes_through_the_teacher_without_writing_the_cache(tmp_path):
    t = WordTeacher()
    cache = VectorCache(tmp_path)
    enc = StaticEncoder(teacher=t, cache=cache)
    enc.encode_passages(["red dress"])
    t.calls.clear()
    saved = VectorCache(tmp_path).count(enc.word_namespace, enc.dim)
    q = enc.encode_query("red gown")
    assert t.calls == [["gown"]]  # only the unseen word
    assert np.allclose(q, manual(enc, t, "red gown"), atol=1e-6)
    assert VectorCache(tmp_path).count(enc.word_namespace, enc.dim) == saved  # nothing saved
    enc.encode_query("red gown")
    assert t.calls == [["gown"]]  # now in the table


def test_empty_and_stopword_only_texts_give_zero_rows():
    enc = StaticEncoder(teacher=WordTeacher())
    v = enc.encode_passages(["", "the of and", "lamp"])
    assert np.all(v[0] == 0) and np.all(v[1] == 0) and np.isclose(np.linalg.norm(v[2]), 1.0)


def test_state_round_trip_answers_known_words_without_the_teacher(tmp_path):
    t = WordTeacher()
    enc = StaticEncoder(teacher=t)
    enc.encode_passages(["oak lamp", "steel faucet"])
    enc.save_state(tmp_path / "state")
    loaded = StaticEncoder(teacher=NoTeacher())
    assert loaded.load_state(tmp_path / "state")
    # stored in float16: equal to ~1e-3
    assert np.allclose(loaded.encode_query("steel lamp"), enc.encode_query("steel lamp"), atol=2e-3)
    other = StaticEncoder(teacher=NoTeacher(), a=1e-4)  # other settings: another name, not loaded
    assert not other.load_state(tmp_path / "state")


def test_concat_cosine_is_the_mean_of_the_parts():
    a, b = StaticEncoder(teacher=WordTeacher()), WordTeacher()
    both = ConcatEncoder([a, b])
    texts = ["red dress", "blue oak lamp"]
    p = both.encode_passages(texts)
    q = both.encode_query("red lamp")
    assert p.shape == (2, both.dim) and np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    want = ((a.encode_passages(texts) @ a.encode_query("red lamp")) + (b.encode_passages(texts) @ b.encode_query("red lamp"))) / 2  # fmt: skip
    assert np.allclose(p @ q, want, atol=1e-5)
    assert both.name == f"{a.name}+{b.name}"


def test_cache_queries_are_batched_through_encode_queries(tmp_path):
    class Batched(WordTeacher):
        name = "batched-v1"

        def encode_queries(self, texts: list[str]) -> np.ndarray:
            return self.encode_passages(texts)

        def encode_query(self, text: str) -> np.ndarray:
            raise AssertionError("one call per query")

    enc = Batched()
    v = VectorCache(tmp_path).queries(enc, [f"q{i}" for i in range(300)])
    assert v.shape == (300, enc.dim) and len(enc.calls) == 2  # chunks of 256


PRODUCTS = pl.DataFrame(
    {
        "product_id": ["p1", "p2", "p3"],
        "title": ["Red cotton dress", "Oak table lamp", "Steel kitchen faucet"],
        "description": [None, None, None],
        "price": [20.0, 35.0, 80.0],
        "currency": ["USD", "USD", "USD"],
        "category_path": ["Clothing > Dresses", "Home > Lamps", "Kitchen > Faucets"],
    }
)


def test_engine_saves_the_word_table_and_serves_known_words_without_the_teacher(tmp_path, monkeypatch):
    t = WordTeacher()
    monkeypatch.setitem(engine_mod.ENCODERS, "static", lambda: StaticEncoder(teacher=t))
    cfg = engine_mod.SearchConfig(encoder="static", ltr="off", dense_floor=0.0)
    eng = engine_mod.SearchEngine.build(PRODUCTS, config=cfg, cache_dir=tmp_path / "cache")
    eng.save(tmp_path / "search")
    monkeypatch.setitem(engine_mod.ENCODERS, "static", lambda: StaticEncoder(teacher=NoTeacher()))
    loaded = engine_mod.SearchEngine.load(tmp_path / "search")
    res = loaded.search("oak lamp")
    assert res.hits and res.hits[0].product_id == "p2"
    assert np.allclose(loaded._qvecs["oak lamp"], eng.encoder.encode_query("oak lamp"), atol=2e-3)


def test_warm_up_loads_the_encoder_and_leaves_no_warm_up_query_behind(tmp_path, monkeypatch):
    class Counting(StaticEncoder):
        warmed = 0

        def warm(self) -> None:
            Counting.warmed += 1
            super().warm()

    monkeypatch.setitem(engine_mod.ENCODERS, "static", lambda: Counting(teacher=WordTeacher()))
    cfg = engine_mod.SearchConfig(encoder="static", ltr="off")
    eng = engine_mod.SearchEngine.build(PRODUCTS, config=cfg, cache_dir=tmp_path / "cache")
    eng.save(tmp_path / "search")
    loaded = engine_mod.SearchEngine.load(tmp_path / "search")
    steps = loaded.warm_up()
    assert Counting.warmed == 1 and set(steps) >= {"encoder", "search warm up"}
    assert "warm up" not in loaded._qvecs


def test_static_is_a_registered_encoder():
    assert {"static", "e5", "use", "static+use"} <= set(ENCODERS)


@pytest.mark.parametrize("word", ["1/2in", "2x4", "18v"])
def test_digit_weight_scales_tokens_with_digits(word):
    assert sif_weight(word, digit_weight=0.5) == pytest.approx(0.5 * sif_weight(word))


def test_static_encoders_have_a_calibrated_dense_floor():
    """Without its common components the static encoder's cosines spread over ~0.03-0.42: e5's
    floor (0.80) would admit no product."""
    assert engine_mod.SearchConfig(encoder="static").floor() == pytest.approx(0.19)
    assert engine_mod.SearchConfig(encoder="static+use").floor() == pytest.approx(0.27)
    assert engine_mod.SearchConfig(encoder="static-fit").floor() == pytest.approx(0.017)


class SharedDirection(WordTeacher):
    """A teacher whose every word vector leans on one shared direction, as e5's do."""

    name = "shared-v1"
    dim = 32

    def _vec(self, text: str) -> np.ndarray:
        own = super()._vec(text)
        shared = np.zeros(self.dim)
        shared[0] = 1.0
        return l2_normalise(own + 3.0 * shared)


def test_common_components_come_from_the_reference_words_and_spread_the_cosines():
    t = SharedDirection()
    plain = StaticEncoder(teacher=t, components=0)
    enc = StaticEncoder(teacher=t)
    assert enc.components == 2 and plain.components == 0 and enc.name != plain.name
    common = enc.common_components()
    assert common.shape == (2, 32)
    assert np.allclose(common @ common.T, np.eye(2), atol=1e-5)
    assert abs(common[0, 0]) > 0.9  # the shared direction is the first component
    # independent of what the encoder saw before: a catalog never moves the components
    other = StaticEncoder(teacher=SharedDirection())
    other.encode_passages(["oak lamp", "steel faucet", "红色连衣裙"])
    assert np.allclose(other.common_components(), common, atol=1e-6)
    texts = ["oak lamp", "steel faucet", "velvet sofa", "garden hose"]

    def mean_cos(e: StaticEncoder) -> float:
        v = e.encode_passages(texts)
        c = v @ v.T
        return float(c[np.triu_indices(len(texts), 1)].mean())

    assert mean_cos(plain) > 0.8 > 0.3 > mean_cos(enc)  # one shared direction dominated


def test_warm_up_of_a_lexical_only_engine_loads_no_model(monkeypatch):
    def boom():
        raise AssertionError("a model was loaded for an engine without vectors")

    monkeypatch.setitem(engine_mod.ENCODERS, "static", boom)
    eng = engine_mod.SearchEngine.build(PRODUCTS, config=engine_mod.SearchConfig(encoder=None, ltr="off"))
    eng.config.encoder = "static"  # e.g. a progressive release whose vectors are not built yet
    assert eng.vectors is None
    assert eng.warm_up()["encoder"] >= 0.0


@pytest.mark.parametrize(
    ("word", "residue"),
    [("18-gauge", "gauge"), ("3/4in", "in"), ("2x4", "x"), ("1234", ""), ("drill", "drill"), ("3米", "米")],
)
def test_digit_residue_keeps_a_digit_words_letters(word, residue):
    from shopmind.search.dense_static import digit_residue

    assert digit_residue(word) == residue


def test_digit_residues_send_a_catalogs_numbers_through_the_teacher_as_shared_units():
    teacher = WordTeacher()
    enc = StaticEncoder(teacher=teacher, digit_residue=True)
    plain = StaticEncoder(teacher=WordTeacher())
    assert enc.name != plain.name and "-dres" in enc.name  # cached vectors of the two never mix
    texts = ["12 gauge steel wire", "14 gauge steel wire", "16 gauge copper wire"]
    enc.encode_passages(texts)
    sent = {w for call in teacher.calls for w in call} - set(enc.reference_words())
    assert "gauge" in sent
    assert not any(c.isdigit() for w in sent for c in w)
    # three sizes, one residue word: fewer teacher words than the plain split's
    plain.encode_passages(texts)
    assert len(enc) < len(plain)
    tokens = enc.tokens("3/4-in. x 10 ft. copper pipe")
    assert "copper" in tokens and "pipe" in tokens
    assert tokens and not any(c.isdigit() for w in tokens for c in w)
