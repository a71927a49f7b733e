"""Re-trimming co-visitation neighbours in a warm update: the fast trim equals the engine's
``keep_top_per_row`` (property-tested, ties and the wide-matrix fallback included), and the
update that re-trims only the rows its events touched equals trimming the whole new matrix
(real data: the groceries baskets; skipped only without $SHOPMIND_DATA)."""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from continual_util import groceries_events
from shopmind.learn.merge import retrim_rows, top_per_row, update_top
from shopmind.learn.recs import BehaviourModels, LearnConfig
from shopmind.recommend.itemknn import keep_top_per_row


@st.composite
def sparse(draw: st.DrawFn, wide: bool = False) -> sp.csr_matrix:
    rows = draw(st.integers(1, 12))
    cols = draw(st.integers(1, 12))
    k = draw(st.integers(0, rows * cols))
    r = np.array(draw(st.lists(st.integers(0, rows - 1), min_size=k, max_size=k)), dtype=np.int64)
    c = np.array(draw(st.lists(st.integers(0, cols - 1), min_size=k, max_size=k)), dtype=np.int64)
    # few distinct values (ties), both signs, tiny and large magnitudes
    pool = st.sampled_from([1.0, 2.0, 0.5, -1.0, 3.25, 1e-30, -7.5, 1e6, 2.0000002])
    v = np.array(draw(st.lists(pool, min_size=k, max_size=k)), dtype=np.float32)
    if wide:  # too wide to pack (row, value, column) in 63 bits: the lexsort path
        r, c, rows, cols = r * 4099, c * 4099, rows * 4099, cols * 4099
    return sp.csr_matrix((v, (r, c)), shape=(rows, cols), dtype=np.float32)


def _same(a: sp.csr_matrix, b: sp.csr_matrix) -> None:
    a, b = a.tocsr(), b.tocsr()
    a.eliminate_zeros()
    b.eliminate_zeros()
    assert a.shape == b.shape
    assert (a != b).nnz == 0, (a.toarray(), b.toarray())


@settings(max_examples=200, deadline=None, derandomize=True)
@given(sparse(), st.integers(1, 6))
def test_top_per_row_equals_keep_top_per_row(m: sp.csr_matrix, n: int) -> None:
    _same(top_per_row(m, n), keep_top_per_row(m, n))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(sparse(wide=True), st.integers(1, 3))
def test_top_per_row_wide_fallback_equals_keep_top_per_row(m: sp.csr_matrix, n: int) -> None:
    _same(top_per_row(m, n), keep_top_per_row(m, n))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(sparse(), sparse(), st.integers(1, 4))
def test_retrim_rows_equals_a_full_trim(before: sp.csr_matrix, change: sp.csr_matrix, n: int) -> None:
    """Rows outside the changed ones are copied from the old trim; the result is the trim of
    the new matrix (which may be larger: new items)."""
    shape = (max(before.shape[0], change.shape[0]), max(before.shape[1], change.shape[1]))
    grown = sp.csr_matrix(before, shape=before.shape)
    grown.resize(shape)
    change = change.copy()
    change.resize(shape)
    after = (grown + change).tocsr()
    touched = np.unique(change.tocoo().row)
    _same(retrim_rows(top_per_row(before, n), after, touched, n), top_per_row(after, n))


def test_update_retrims_only_touched_rows_and_equals_a_full_trim() -> None:
    """The warm update's neighbours (only rows its events changed re-trimmed) equal trimming
    its whole pair matrix, and equal a refit's neighbours (same pairs up to rounding)."""
    ev = groceries_events()
    t = ev["timestamp"]
    cut = t.min() + (t.max() - t.min()) * 0.9
    cfg = LearnConfig(warm_iterations=0, als={"factors": 8, "regularization": 0.05, "iterations": 1})
    cfg.covisit = {"window": 3, "neighbours": 10}
    old_ev, new_ev = ev.filter(pl.col("timestamp") < cut), ev.filter(pl.col("timestamp") >= cut)
    old = BehaviourModels.fit(old_ev, cfg)
    new = old.update(new_ev)
    got = new.generators["covisit"].neighbours_matrix  # type: ignore[attr-defined]
    _same(got, top_per_row(new.pairs, 10))
    # some rows were not touched (so copying them is exercised), and the old rows did change
    old_nb = old.generators["covisit"].neighbours_matrix  # type: ignore[attr-defined]
    grown = sp.csr_matrix(old_nb)
    grown.resize(got.shape)
    differs = np.unique((grown != got).tocoo().row)
    assert 0 < len(differs) < got.shape[0]
    full = BehaviourModels.fit(ev, cfg)
    at = {item: i for i, item in enumerate(full.data.item_ids)}
    perm = np.array([at[item] for item in new.data.item_ids])  # refit rows in the update's order
    refit = full.generators["covisit"].neighbours_matrix[perm][:, perm]  # type: ignore[attr-defined]
    assert refit.shape == got.shape
    np.testing.assert_allclose(refit.toarray(), got.toarray(), rtol=1e-5, atol=1e-4)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(sparse(), sparse(), st.integers(1, 4), st.booleans())
def test_update_top_equals_a_full_trim(
    before: sp.csr_matrix, change: sp.csr_matrix, n: int, only_added: bool
) -> None:
    """Re-trimming from the old top ``n`` and the change alone equals trimming the new matrix:
    with only added weight (co-visitation) and with negative changes (rows re-read whole)."""
    shape = (max(before.shape[0], change.shape[0]), max(before.shape[1], change.shape[1]))
    grown = sp.csr_matrix(before, shape=before.shape)
    grown.resize(shape)
    change = change.copy()
    change.resize(shape)
    if only_added:
        change.data = np.abs(change.data)
    after = (grown + change).tocsr()
    _same(update_top(top_per_row(before, n), after, change, n), top_per_row(after, n))
