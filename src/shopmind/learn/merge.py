"""Growing an ``Interactions`` by a batch of newer events without rebuilding it.

Why by hand: ``Interactions.from_events`` sorts and joins every event again (the slow part of
a refit on a long history). Here only the new events go through it — with the old user and
item universes fixed, so old rows and columns keep their index and new ids are appended —
and the two are merged with one stable argsort on the user row: each user's old events,
then their new ones. That is the full build's order whenever the new events are not older
than the user's last old one (the case of "events since the last release"). Session codes of
the new events are shifted past the old ones (a session spanning the cut becomes two).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.recommend.base import EVENT_WEIGHTS, Interactions


def grow(m: sp.csr_matrix, shape: tuple[int, int]) -> sp.csr_matrix:
    """``m`` as a larger matrix (new rows and columns empty), sharing ``m``'s data and column
    arrays: only the row pointer grows (a round trip through COO copied and re-sorted the
    whole pair matrix on every update)."""
    m = sp.csr_matrix(m)
    if shape[0] < m.shape[0] or shape[1] < m.shape[1]:
        raise ValueError(f"cannot grow a {m.shape} matrix to {shape}")
    indptr = np.full(shape[0] + 1, m.indptr[-1], dtype=m.indptr.dtype)
    indptr[: len(m.indptr)] = m.indptr
    return sp.csr_matrix((m.data, m.indices, indptr), shape=shape, dtype=m.dtype)


def _owner(indptr: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))


def tail_positions(indptr: np.ndarray, rows: np.ndarray, last: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the last ``last`` sequence entries (all when None) of each row, in order,
    and how many each row has."""
    ends = indptr[rows + 1]
    starts = indptr[rows] if last is None else np.maximum(indptr[rows], ends - last)
    lengths = ends - starts
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + offsets, lengths


def added(
    old: Interactions, events: pl.DataFrame, weights: Mapping[str, float] = EVENT_WEIGHTS
) -> Interactions:
    """The new events alone, indexed in ``old``'s user and item universes (new ids appended)."""
    add = Interactions.from_events(events, items=old.item_ids, users=old.user_ids, weights=weights)
    if len(old.seq_sessions):
        add.seq_sessions = add.seq_sessions + int(old.seq_sessions.max()) + 1
    return add


def merge(old: Interactions, add: Interactions) -> Interactions:
    """``old`` followed by ``add`` (built by ``added``): matrix summed, sequences interleaved."""
    shape = (add.n_users, add.n_items)
    len_old = np.zeros(add.n_users, dtype=np.int64)
    len_old[: old.n_users] = np.diff(old.seq_indptr)
    len_add = np.diff(add.seq_indptr)
    indptr = np.zeros(add.n_users + 1, dtype=np.int64)
    np.cumsum(len_old + len_add, out=indptr[1:])
    # each user's old events, then their new ones: every entry's slot by arithmetic (a stable
    # argsort of the whole history by user gave the same order at O(N log N) per update)
    slot_old = np.repeat(indptr[: old.n_users] - old.seq_indptr[:-1], len_old[: old.n_users])
    slot_old += np.arange(len(slot_old))
    slot_add = np.repeat(indptr[:-1] + len_old - add.seq_indptr[:-1], len_add) + np.arange(int(len_add.sum()))

    def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.empty(len(a) + len(b), dtype=np.result_type(a, b))
        out[slot_old], out[slot_add] = a, b
        return out

    kinds = None
    if old.seq_kinds is not None and add.seq_kinds is not None:
        kinds = cat(old.seq_kinds, add.seq_kinds)
    category = None
    if old.item_category is not None:
        category = np.concatenate([old.item_category, np.full(add.n_items - old.n_items, -1)])
    matrix = grow(old.matrix, shape) + add.matrix
    matrix.sum_duplicates()
    return Interactions(
        user_ids=add.user_ids,
        item_ids=add.item_ids,
        matrix=matrix.tocsr(),
        seq_indptr=indptr,
        seq_items=cat(old.seq_items, add.seq_items),
        seq_times=cat(old.seq_times, add.seq_times),
        seq_weights=cat(old.seq_weights, add.seq_weights),
        seq_sessions=cat(old.seq_sessions, add.seq_sessions),
        item_category=category,
        categories=old.categories,
        seq_kinds=kinds,
    )


def boundary(old: Interactions, add: Interactions, window: int) -> tuple[Interactions, Interactions]:
    """For the users with new events: (their last ``window`` old events + the new ones, the
    same old events alone), as sequences over the merged universe. Co-visitation pairs of
    the first minus those of the second = exactly the pairs the new events create."""
    rows = np.flatnonzero(np.diff(add.seq_indptr) > 0)
    rows_old = rows[rows < old.n_users]
    pos_old, len_old = tail_positions(old.seq_indptr, rows_old, window)
    n_old = np.zeros(len(rows), dtype=np.int64)
    n_old[np.searchsorted(rows, rows_old)] = len_old
    pos_new, len_new = tail_positions(add.seq_indptr, rows, None)
    # interleave per user: old tail then new events
    lengths = n_old + len_new
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    slot_old = np.repeat(starts, n_old) + (
        np.arange(int(n_old.sum())) - np.repeat(np.cumsum(n_old) - n_old, n_old)
    )
    slot_new = np.repeat(starts + n_old, len_new) + (
        np.arange(int(len_new.sum())) - np.repeat(np.cumsum(len_new) - len_new, len_new)
    )
    total = int(lengths.sum())

    def seq(a_old: np.ndarray, a_new: np.ndarray) -> np.ndarray:
        out = np.empty(total, dtype=a_new.dtype)
        out[slot_old] = a_old[pos_old]
        out[slot_new] = a_new[pos_new]
        return out

    def build(
        indptr: np.ndarray, items: np.ndarray, times: np.ndarray, w: np.ndarray, s: np.ndarray
    ) -> Interactions:
        n = len(indptr) - 1
        return Interactions(
            user_ids=np.arange(n).astype(object),
            item_ids=add.item_ids,
            matrix=sp.csr_matrix((n, add.n_items), dtype=np.float32),
            seq_indptr=indptr,
            seq_items=items,
            seq_times=times,
            seq_weights=w,
            seq_sessions=s,
        )

    indptr_full = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    full = build(
        indptr_full,
        seq(old.seq_items, add.seq_items),
        seq(old.seq_times, add.seq_times),
        seq(old.seq_weights, add.seq_weights),
        seq(old.seq_sessions, add.seq_sessions),
    )
    indptr_tail = np.concatenate([[0], np.cumsum(n_old)]).astype(np.int64)
    tail = build(
        indptr_tail,
        old.seq_items[pos_old],
        old.seq_times[pos_old],
        old.seq_weights[pos_old],
        old.seq_sessions[pos_old],
    )
    return full, tail


def _top_entries(m: sp.csr_matrix, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, columns, kept per row) of the ``n`` largest entries of each of ``rows``
    (canonical CSR ``m``), rows in the given order, each row by value descending then column.

    (row, value descending, column) is packed into one int64 per entry (the float32's bits
    made order-preserving) and sorted by value with ``np.sort`` (several times faster than
    an argsort); matrices too wide to pack fall back to a lexsort."""
    pos, lengths = tail_positions(m.indptr, rows, None)
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    data, indices = m.data[pos], m.indices[pos].astype(np.int64)
    bits = data.view(np.uint32).astype(np.int64)
    ordered = np.where(bits & 0x80000000, bits ^ 0xFFFFFFFF, bits | 0x80000000)  # ascending like v
    rb, cb = max(len(rows) - 1, 1).bit_length(), max(int(m.shape[1] - 1).bit_length(), 1)
    if rb + cb + 32 <= 63:
        key = (owner << (32 + cb)) | ((0xFFFFFFFF - ordered) << cb) | indices
        key.sort()
        cols = key & ((1 << cb) - 1)
        vbits = 0xFFFFFFFF - ((key >> cb) & 0xFFFFFFFF)
        raw = np.where(vbits & 0x80000000, vbits ^ 0x80000000, vbits ^ 0xFFFFFFFF).astype(np.uint32)
        vals = raw.view(np.float32)
    else:
        srt = np.lexsort((indices, -ordered, owner))
        cols, vals = indices[srt], data[srt]
    # sorted entries keep each row's count, so an entry's place in its row is its offset
    rank = np.arange(len(pos)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    keep = rank < n
    return vals[keep], cols[keep], np.minimum(lengths, n)


def _canonical(matrix: sp.csr_matrix) -> sp.csr_matrix:
    m = matrix.tocsr().astype(np.float32)
    m.sum_duplicates()
    m.eliminate_zeros()
    return m


def _csr(vals: np.ndarray, cols: np.ndarray, counts: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    out = sp.csr_matrix((vals.astype(np.float32), cols, indptr), shape=shape, dtype=np.float32)
    out.sort_indices()
    return out


def top_per_row(matrix: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """The ``n`` largest entries of each row, ties by column: the same matrix as
    ``itemknn.keep_top_per_row`` (tested), in numpy on the CSR arrays.

    Why not that function: it ranks every entry with a polars window expression, ~4x the
    CPU of this on Online Retail's 1.4M co-visitation pairs (a large share of a warm update).
    """
    m = _canonical(matrix)
    vals, cols, counts = _top_entries(m, np.arange(m.shape[0]), n)
    return _csr(vals, cols, counts, m.shape)


def retrim_rows(old_top: sp.csr_matrix, pairs: sp.csr_matrix, rows: np.ndarray, n: int) -> sp.csr_matrix:
    """``top_per_row(pairs, n)`` given ``old_top`` = the same of a matrix that differs from
    ``pairs`` only in ``rows``: those rows are re-trimmed, the others copied (``old_top`` may
    have fewer rows and columns: new items). Why: an update changes the pair weights of the
    items its events touch only; the other items' neighbours cannot change."""
    shape = pairs.shape
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    m = _canonical(pairs)
    old = _canonical(old_top)
    touched = np.zeros(shape[0], dtype=bool)
    touched[rows] = True
    touched[old.shape[0] :] = True  # rows the old trim does not have (empty unless in ``rows``)
    fresh_rows = np.flatnonzero(touched)
    f_vals, f_cols, f_counts = _top_entries(m, fresh_rows, n)
    same = np.flatnonzero(~touched)
    pos, s_counts = tail_positions(old.indptr, same, None)
    counts = np.zeros(shape[0], dtype=np.int64)
    counts[fresh_rows], counts[same] = f_counts, s_counts
    indptr = np.concatenate([[0], np.cumsum(counts)])
    # destination slot of each entry: its row's start in the output + its offset in the row
    seg = np.concatenate([fresh_rows, same])
    lens = np.concatenate([f_counts, s_counts])
    slots = np.repeat(indptr[seg], lens) + (
        np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
    )
    vals = np.empty(int(indptr[-1]), dtype=np.float32)
    cols = np.empty(int(indptr[-1]), dtype=np.int64)
    vals[slots] = np.concatenate([f_vals, old.data[pos]])
    cols[slots] = np.concatenate([f_cols, old.indices[pos]])
    return _csr(vals, cols, counts, shape)


def update_top_general(
    old_top: sp.csr_matrix, pairs: sp.csr_matrix, delta: sp.csr_matrix, n: int
) -> sp.csr_matrix:
    """``top_per_row(pairs, n)`` given ``old_top`` = ``top_per_row(old, n)`` and ``pairs`` =
    ``old + delta`` (``old_top`` may be smaller: new items), reading only the candidates.

    Why it is exact: where ``delta`` is >= 0, no entry gets smaller, so an entry that was
    outside a row's old top ``n`` and that ``delta`` did not raise is still beaten by the ``n``
    that beat it; the new top ``n`` of a row is among its old top ``n`` and its ``delta``
    entries (their values read from ``pairs``). A row where ``delta`` has a negative entry is
    re-trimmed from all of ``pairs``. Co-visitation only adds pair weight, so in a warm update
    this reads ~40 % of what ``retrim_rows`` reads (Online Retail: 100 kept neighbours + the
    month's new pairs per touched row, instead of every partner the row has). ``update_top``
    is the same result without its whole-matrix sorts; this one serves a ``delta`` with a
    negative entry (those rows re-read whole) and is the reference the tests compare with."""
    if n < 1:
        return top_per_row(pairs, n)
    shape = pairs.shape
    m = _canonical(pairs)
    d = _canonical(sp.csr_matrix(delta, shape=shape))
    owner = _owner(d.indptr)
    rows = np.unique(owner)
    negative = np.unique(owner[d.data < 0])
    old = _canonical(old_top)
    old.resize(shape)
    pattern = [old, d]
    if len(negative):
        whole = np.zeros(shape[0], dtype=np.float32)
        whole[negative] = 1.0
        pattern.append(sp.diags(whole, format="csr") @ m)
    mask = pattern[0].astype(bool)
    for p in pattern[1:]:
        mask = mask + p.astype(bool)
    candidates = m.multiply(mask).tocsr()
    # a candidate below its row's old n-th value cannot enter: the old top n all beat it
    counts = np.diff(old.indptr)
    floor = np.full(shape[0], -np.inf, dtype=np.float64)
    full = np.flatnonzero(counts == n)  # a trim keeps at most n per row
    floor[full] = old.data[tail_positions(old.indptr, full, None)[0]].reshape(-1, n).min(axis=1)
    floor[negative] = -np.inf
    keep = candidates.data >= floor[_owner(candidates.indptr)]
    candidates.data[~keep] = 0.0
    candidates.eliminate_zeros()
    return retrim_rows(old_top, candidates, rows, n)


def update_top(old_top: sp.csr_matrix, pairs: sp.csr_matrix, delta: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """``update_top_general``'s result (= ``top_per_row(pairs, n)``; tested equal) with sorting
    only the rows that got more than ``n`` candidates, and only their candidates.

    Why: in a warm update the general path sorted every touched row's candidates and then the
    whole output matrix by column (``sort_indices``): ~60 % of the co-visitation re-trim's CPU
    on Online Retail. Here the candidates (old top ``n`` and ``delta``'s entries, valued from
    ``pairs``, at or above the row's old ``n``-th value) stay in their canonical column order;
    an untouched row's candidates are its old neighbours with unchanged values, and a row with
    at most ``n`` candidates keeps them all, so the output is the candidates with the surplus of
    over-full rows masked out. Exact for the same reason as the general path (pair weights only
    grow); a ``delta`` with a negative entry goes to the general path."""
    if n < 1:
        return top_per_row(pairs, n)
    shape = pairs.shape
    d = sp.csr_matrix(delta, shape=shape, dtype=np.float64, copy=True)
    d.sum_duplicates()
    if (d.data.astype(np.float32) < 0).any():
        return update_top_general(old_top, pairs, delta, n)
    d.data = (d.data.astype(np.float32) != 0).astype(np.float32)  # the pattern of nonzero changes
    d.eliminate_zeros()
    old = sp.csr_matrix(old_top, dtype=np.float32, copy=True)
    old.sum_duplicates()
    old.eliminate_zeros()
    old = grow(old, shape)
    m = sp.csr_matrix(pairs)
    m.sum_duplicates()
    cand = m.multiply(old.astype(bool) + d.astype(bool)).tocsr()
    cand.sum_duplicates()
    vals = cand.data.astype(np.float32)
    owner = _owner(cand.indptr)
    # a candidate below its row's old n-th value cannot enter: the old top n all beat it
    counts = np.diff(old.indptr)
    floor = np.full(shape[0], -np.inf, dtype=np.float32)
    full = np.flatnonzero(counts == n)  # a trim keeps at most n per row
    floor[full] = old.data[tail_positions(old.indptr, full, None)[0]].reshape(-1, n).min(axis=1)
    keep = (vals >= floor[owner]) & (vals != 0)
    kept = np.bincount(owner[keep], minlength=shape[0])
    over = np.flatnonzero(kept > n)
    if len(over):
        pos = np.flatnonzero(keep & (kept > n)[owner])  # the over-full rows' candidates, in order
        keep[pos] = False
        group = np.zeros(shape[0], dtype=np.int64)
        group[over] = np.arange(len(over))
        keep[pos[_top_of_rows(vals[pos], owner[pos], group[owner[pos]], n)]] = True
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.minimum(kept, n), out=indptr[1:])
    out = sp.csr_matrix((vals[keep], cand.indices[keep], indptr), shape=shape, dtype=np.float32)
    out.has_sorted_indices = True  # candidates were canonical; masking keeps the column order
    return out


def _top_of_rows(vals: np.ndarray, owner: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Which of these entries (grouped by row, each row's in column order; ``group`` = row's
    rank among the rows present) are their row's ``n`` largest by value, ties to the lower
    column: the order ``_top_entries`` keeps. The offset in the row stands for the column."""
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    lengths = np.diff(np.r_[starts, len(owner)])
    offset = np.arange(len(owner)) - np.repeat(starts, lengths)
    bits = vals.view(np.uint32).astype(np.int64)
    ordered = np.where(bits & 0x80000000, bits ^ 0xFFFFFFFF, bits | 0x80000000)  # ascending like v
    ob = max(int(lengths.max()) - 1, 1).bit_length()
    if max(int(group.max()), 1).bit_length() + ob + 32 <= 63:
        key = (group << (32 + ob)) | ((0xFFFFFFFF - ordered) << ob) | offset
        key.sort()
        srt = np.repeat(starts, lengths) + (key & ((1 << ob) - 1))  # back to positions
    else:
        srt = np.lexsort((offset, -ordered, group))
    rank = np.arange(len(owner)) - np.repeat(starts, lengths)  # sorted: each row keeps its span
    return srt[rank < n]
