"""Co-visitation's fusable top-k lists straight from its sparse scores (the tuner's hot path).

Why: in a Beauty trial, co-visitation's lists cost 6.5 of ~9.5 CPU-s per slice of 5,600
validation users (2026-12-04): ``ranked_lists`` turns each user's few hundred non-zero
scores into a dense 12,101-wide row, and ``top_k`` sends every row whose ``depth``-th value
is tied (62 % of Beauty's validation rows) or that has fewer than ``depth`` non-zeros
through ``argpartition`` over the whole row. The fused list only reads the non-zero,
unmasked slots (``fusion.candidates`` turns the rest into -1), so they can be ranked from
the sparse product itself.

Same lists as ``ranked_lists(gen, pd_, depth)[1]`` except one documented choice: positive
scores are ranked by value, ties by item index (the order ``top_k`` gives its selection),
and when the ``depth``-th value is tied with items left out, the lowest item indices get
the last slots, where ``top_k`` keeps ``argpartition``'s (arbitrary, pivot-dependent)
choice. So every row has the same items in the same order down to the tied value, and the
same scores in every slot (``tests/test_tune_sparse_lists.py``, on real data). The tuner
uses this path; the test-phase figures of ``bench/tune_recs.py`` use ``ranked_lists``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.eval_steps import BATCH, PhaseData


def covisit_fusable(gen: CoVisitation, pd_: PhaseData, depth: int) -> np.ndarray:
    """``ranked_lists(gen, pd_, depth)[1]`` for a fitted co-visitation generator: per
    evaluated user, the item indices of the ``depth`` best positive unmasked scores, -1 after."""
    depth = min(depth, pd_.data.n_items)  # as ``top_k`` clips k
    out = np.full((len(pd_.rows), depth), -1, dtype=np.int64)
    for start in range(0, len(pd_.rows), BATCH):
        chunk = pd_.rows[start : start + BATCH]
        mask = pd_.mask[start : start + BATCH] if pd_.mask is not None else None
        scores = (gen.recent_matrix(chunk) @ gen.neighbours_matrix).tocsr()
        out[start : start + len(chunk)] = _rank_block(scores, mask, depth)
    return out


def _rank_block(scores: sp.csr_matrix, mask: sp.csr_matrix | None, depth: int) -> np.ndarray:
    """Per row: the ``depth`` best positive entries of ``scores`` not in ``mask`` (by value,
    then item index), -1 after."""
    n_rows, n_items = scores.shape
    coo = scores.tocoo()
    vals = coo.data.astype(np.float32)  # what ``CoVisitation.score`` hands ``top_k``
    keep = vals > 0
    if mask is not None and mask.nnz:
        m = mask.tocoo()
        seen = np.unique(m.row.astype(np.int64) * n_items + m.col)
        keys = coo.row.astype(np.int64) * n_items + coo.col
        pos = np.minimum(np.searchsorted(seen, keys), len(seen) - 1)
        keep &= seen[pos] != keys
    row, col, vals = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64), vals[keep]
    order = np.lexsort((col, -vals, row))  # per row: value descending, then item index
    row, col, vals = row[order], col[order], vals[order]
    counts = np.bincount(row, minlength=n_rows)
    first = np.cumsum(counts) - counts
    rank = np.arange(len(row)) - np.repeat(first, counts)
    out = np.full((n_rows, depth), -1, dtype=np.int64)
    top = rank < depth
    out[row[top], rank[top]] = col[top]
    return out


__all__ = ["covisit_fusable"]
