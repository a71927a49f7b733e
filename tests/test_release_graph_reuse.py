"""A rebuild extends the previous release's HNSW graph instead of building it again (issue 17).

``extended_graph`` restores the saved graph when the previous release's vectors are exactly
the first rows of the new ones (same encoder), inserts only the new rows, and declines
(None: build from scratch) otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopmind.release.search_component import extended_graph
from shopmind.search.dense import ANNConfig, DenseIndex, l2_normalise
from shopmind.search.engine import SearchConfig, SearchEngine

THRESHOLD = 200


def _vectors(n: int, seed: int = 3) -> np.ndarray:
    return l2_normalise(np.random.default_rng(seed).normal(size=(n, 32)).astype(np.float32))


def _previous(tmp_path: Path, vecs: np.ndarray, encoder: str = "enc-a", name: str = "search") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    index = DenseIndex([str(i) for i in range(len(vecs))], vecs, ANNConfig(threshold=THRESHOLD))
    assert index.save_hnsw(folder / "hnsw.usearch")
    np.save(folder / "vectors.npy", vecs)
    (folder / "engine.json").write_text(json.dumps({"encoder": encoder}), encoding="utf-8")
    return folder


def test_the_previous_graph_is_restored_and_extended(tmp_path) -> None:
    vecs = _vectors(1000)
    prev = _previous(tmp_path, vecs[:950])
    index = extended_graph(THRESHOLD, vecs, "enc-a", prev)
    assert index is not None
    assert index.ann_info["restored"] is True and index.ann_info["extended_by"] == 50
    assert len(index) == 1000 and index.approximate
    np.testing.assert_array_equal(index.vectors, vecs)
    # every new row is found by its own vector, through the graph
    # (an approximate graph: CI once missed one self-match at k=1, so count them in the top 5)
    found = sum(int(r in index.search_rows(vecs[r], 5)[0]) for r in range(950, 1000))
    assert found >= 48, found
    # and the extended graph answers like an exact search on the whole set
    queries = _vectors(40, seed=9)
    recall = []
    for q in queries:
        got, _ = index.search_rows(q, 10)
        want = np.argsort(-(vecs @ q), kind="stable")[:10]
        recall.append(len(set(got.tolist()) & set(want.tolist())) / 10)
    assert np.mean(recall) >= 0.9


@pytest.mark.parametrize(
    "case",
    ["other vectors", "other encoder", "too much new", "no graph", "below threshold", "no previous"],
)
def test_a_graph_that_does_not_fit_is_built_from_scratch(tmp_path, case) -> None:
    vecs = _vectors(1000)
    prev = _previous(tmp_path, vecs[:950], encoder="enc-b" if case == "other encoder" else "enc-a")
    new = vecs.copy()
    if case == "other vectors":
        new[7] = -new[7]  # an old row whose text (and so vector) differs
    elif case == "too much new":
        prev = _previous(tmp_path, vecs[:700], name="older")  # 30 % new rows: past INCREMENTAL_MAX_SHARE
    elif case == "no graph":
        (prev / "hnsw.usearch").unlink()
    if case == "below threshold":
        assert extended_graph(2000, new, "enc-a", prev) is None
    elif case == "no previous":
        assert extended_graph(THRESHOLD, new, "enc-a", None) is None
    else:
        assert extended_graph(THRESHOLD, new, "enc-a", prev) is None


def test_an_engine_refuses_a_graph_over_other_vectors() -> None:
    vecs = _vectors(300)
    index = DenseIndex([str(i) for i in range(300)], vecs, ANNConfig(threshold=THRESHOLD))
    products = pl.DataFrame(
        {"product_id": [f"p{i}" for i in range(300)], "title": [f"item number {i}" for i in range(300)]}
    )
    engine = SearchEngine.build(products, None, SearchConfig(encoder=None, ann_threshold=THRESHOLD))
    other = vecs.copy()
    other[0] = -other[0]
    with pytest.raises(ValueError, match="not over these vectors"):
        engine.attach_vectors(other, None, ann=index)
    engine.attach_vectors(vecs, None, ann=index)
    assert engine._ann is index
