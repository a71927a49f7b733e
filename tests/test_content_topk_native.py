"""The content neighbours' C selection (``recommend/topk_native.py``, ``topk_tiles.c``) gives the
numpy selection's lists bit for bit: same columns, same values, ties in column order, empty
items without lists, whatever the tile size (issue 17: HD's lists 20 -> ~11 CPU-s)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.recommend import content, topk_native
from shopmind.recommend.content import top_neighbours

pytestmark = pytest.mark.skipif(
    topk_native._library() is None, reason="the C selection was not built (setup.py build_ext)"
)


def _numpy_lists(v: np.ndarray, n: int, monkeypatch: pytest.MonkeyPatch) -> tuple[np.ndarray, np.ndarray]:
    with monkeypatch.context() as m:
        m.setenv("SHOPMIND_TOPK_NUMPY", "1")
        assert not topk_native.available()
        return top_neighbours(v, n)


def _catalog(rows: int, dim: int, seed: int, *, grid: bool = False) -> np.ndarray:
    """Unit-ish float32 vectors; ``grid``: values on a coarse grid, so many cosines tie exactly."""
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(rows, dim))
    if grid:
        v = np.round(v * 2) / 4  # quarter steps: small integer sums, exact in float32
    else:
        v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.astype(np.float32)


@pytest.mark.parametrize(
    ("rows", "dim", "n", "block", "grid"),
    [
        (70, 8, 6, 16, False),
        (1500, 12, 50, 256, False),
        (2100, 4, 30, None, True),  # ties everywhere (4 grid dimensions)
        (3300, 12, 40, 512, False),
        (5000, 16, 50, 1000, True),
    ],
)
def test_c_selection_equals_the_numpy_selection_bit_for_bit(
    rows: int, dim: int, n: int, block: int | None, grid: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    v = _catalog(rows, dim, rows, grid=grid)
    v[: rows // 10] = v[0]  # a tenth of the catalog identical: all ties at the top
    v[[3, rows // 2, rows - 1]] = 0.0  # items without text: no vector, no list, in no list
    assert topk_native.available()
    idx, val = top_neighbours(v, n, block)
    ref_idx, ref_val = _numpy_lists(v, n, monkeypatch)
    assert np.array_equal(idx, ref_idx)
    assert np.array_equal(val.view(np.uint32), ref_val.view(np.uint32))
    assert (idx[[3, rows // 2, rows - 1]] == -1).all()
    assert not np.isin(idx, [3, rows // 2, rows - 1]).any()
    if not grid:  # the identical unit vectors list each other first, in column order
        assert idx[1, :5].tolist() == [0, 2, 4, 5, 6]


def test_c_selection_pads_a_catalog_smaller_than_n_and_keeps_full_sort_order() -> None:
    v = _catalog(9, 5, 1)
    v[4] = 0.0
    idx, val = top_neighbours(v, 20)
    assert idx.shape == (9, 8)
    sims = v @ v.T
    sims[:, 4] = -np.inf
    np.fill_diagonal(sims, -np.inf)
    for i in range(9):
        if i == 4:
            assert (idx[i] == -1).all() and (val[i] == 0).all()
            continue
        expected = np.argsort(-sims[i], kind="stable")[:7]
        assert idx[i, :7].tolist() == expected.tolist()
        assert idx[i, 7] == -1 and val[i, 7] == 0.0  # 7 other items with a vector


def test_tile_size_does_not_change_the_c_lists() -> None:
    """The default tile with the C selection (``NATIVE_TILE``) against one tile for everything."""
    v = _catalog(2600, 24, 7)
    a = top_neighbours(v, 50)
    b = top_neighbours(v, 50, block=len(v))
    c = top_neighbours(v, 50, block=content.NATIVE_TILE // 3)
    for other in (b, c):
        assert np.array_equal(a[0], other[0])
        assert np.allclose(a[1], other[1], rtol=0, atol=1e-6)
