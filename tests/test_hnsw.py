"""HNSW (usearch) behind DenseIndex: recall against exact search, and filters that never
return too few results."""

import numpy as np
import pytest

from shopmind.search.dense import ANNConfig, DenseIndex, l2_normalise

N, DIM = 20_000, 64


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    vecs = l2_normalise(rng.normal(size=(N, DIM)))
    queries = l2_normalise(rng.normal(size=(100, DIM)))
    ids = [f"p{i}" for i in range(N)]
    # exact_rows small so that filters on this 20k set exercise the over-fetch path too
    idx = DenseIndex(ids, vecs, ANNConfig(threshold=10_000, exact_rows=200))
    return vecs, queries, ids, idx


def test_recall_at_10_vs_exact(data):
    vecs, queries, ids, idx = data
    assert idx.approximate and idx.ann_info["vectors"] == N
    recalls = []
    for q in queries:
        got, scores = idx.search(q, 10)
        exact, _ = idx.search(q, 10, exact=True)
        assert len(got) == 10 and len(set(got)) == 10
        rows = [int(g[1:]) for g in got]
        # scores are the exact inner products of the rows found, best first
        assert np.allclose(scores, vecs[rows] @ q, atol=1e-6)
        assert scores == sorted(scores, reverse=True)
        recalls.append(len(set(got) & set(exact)) / 10)
    assert np.mean(recalls) >= 0.95, np.mean(recalls)
    assert idx.ann_stats["hnsw"] >= len(queries)


def test_exact_flag_matches_brute_force(data):
    vecs, queries, ids, idx = data
    q = queries[0]
    got, _ = idx.search(q, 10, exact=True)
    assert got == [ids[i] for i in np.argsort(-(vecs @ q), kind="stable")[:10]]


@pytest.mark.parametrize("share", [0.5, 0.05, 0.004, 0.0002])
def test_filtered_search_returns_only_allowed_and_k_of_them(data, share):
    vecs, queries, ids, idx = data
    rng = np.random.default_rng(int(share * 1e6))
    mask = rng.random(N) < share
    allowed = np.flatnonzero(mask)
    for q in queries[:20]:
        got, scores = idx.search(q, 10, mask)
        rows = [int(g[1:]) for g in got]
        assert all(mask[r] for r in rows)
        assert len(got) == min(10, len(allowed)) and len(set(got)) == len(got)
        assert np.isfinite(scores).all()
        if len(allowed) <= 200:  # selective filters are answered exactly
            expect = allowed[np.argsort(-(vecs[allowed] @ q), kind="stable")[:10]]
            assert rows == expect.tolist()


def test_over_fetch_falls_back_to_exact_when_the_graph_finds_too_few(data):
    vecs, queries, ids, idx = data
    q = queries[1]
    # allow 30% of rows, but none of the 6,000 nearest: every graph fetch (up to max_fetch
    # = 4,096) is filtered away, and the answer must still be the exact top 10 allowed
    near = np.argsort(-(vecs @ q))[:6000]
    rng = np.random.default_rng(3)
    mask = rng.random(N) < 0.3
    mask[near] = False
    before = dict(idx.ann_stats)
    got, _ = idx.search(q, 10, mask)
    allowed = np.flatnonzero(mask)
    expect = allowed[np.argsort(-(vecs[allowed] @ q), kind="stable")[:10]]
    assert [int(g[1:]) for g in got] == expect.tolist()
    assert idx.ann_stats["exact"] == before["exact"] + 1


def test_below_threshold_stays_exact():
    rng = np.random.default_rng(1)
    vecs = l2_normalise(rng.normal(size=(500, 16)))
    idx = DenseIndex([str(i) for i in range(500)], vecs)  # default threshold 200k
    assert not idx.approximate and idx.ann_info == {}
    q = vecs[3]
    assert idx.search(q, 1)[0] == ["3"]
    never = DenseIndex([str(i) for i in range(500)], vecs, ANNConfig(threshold=None))
    assert not never.approximate


def test_small_graph_and_k_larger_than_index():
    rng = np.random.default_rng(2)
    vecs = l2_normalise(rng.normal(size=(50, 8)))
    idx = DenseIndex([str(i) for i in range(50)], vecs, ANNConfig(threshold=10))
    assert idx.approximate
    got, _ = idx.search(vecs[0], 80)
    assert sorted(got, key=int) == [str(i) for i in range(50)]
    mask = np.zeros(50, dtype=bool)
    mask[[4, 9]] = True
    assert sorted(idx.search(vecs[0], 5, mask)[0]) == ["4", "9"]
    assert idx.search(vecs[0], 0) == ([], [])
