"""Torch-free sequential generator: first- and second-order item transitions.

Co-visitation counts pairs in both directions and leaves the counts raw; a Markov chain asks
the narrower question "given the item(s) just seen, what comes *next*" and normalises each
context's outgoing counts into probabilities, so a niche item with three followers is not
drowned by a blockbuster's thousand. It is the classic sequential baseline (FPMC without the
factorisation, Rendle et al. 2010) and what a shop without torch gets for "next item".

Two context lengths are mixed:

* first order, P(j | i), from forward pairs at most ``window`` positions apart (lag-decayed),
  applied to each of the user's ``recent`` latest items with weight ``recency_decay ** age``;
* second order, P(k | i, j), from consecutive triples, applied to the user's last two items
  with weight ``second_order_weight`` — sharper when the pair has been seen, silent otherwise.

Consecutive repeats of the same item (a re-view, two lines of one invoice) are collapsed
before counting, since "a then a" says nothing about what follows ``a``. Probabilities use
additive smoothing in the denominator (``smoothing``), which discounts contexts seen rarely.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.base import Interactions, Recommends, recent_weights
from shopmind.recommend.itemknn import keep_top_per_row


def collapse_repeats(data: Interactions) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, items) of every user's sequence with consecutive duplicate items removed."""
    items = data.seq_items
    users = np.repeat(np.arange(data.n_users), np.diff(data.seq_indptr))
    keep = np.ones(len(items), dtype=bool)
    keep[1:] = ~((users[1:] == users[:-1]) & (items[1:] == items[:-1]))
    indptr = np.zeros(data.n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(users[keep], minlength=data.n_users), out=indptr[1:])
    return indptr, items[keep]


def _row_normalise(m: sp.csr_matrix, smoothing: float) -> sp.csr_matrix:
    total = np.asarray(m.sum(axis=1)).ravel() + smoothing
    inv = np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
    return (sp.diags(inv.astype(np.float32)) @ m).tocsr().astype(np.float32)


class Markov(Recommends):
    """Recency-weighted first-order plus second-order transition probabilities.

    Args:
        window: forward pairs (i earlier, j later) at most ``window`` positions apart count
            towards P(j | i), weighted ``lag_decay ** (lag - 1)``.
        recent: how many of the user's latest (repeat-collapsed) items are used as contexts.
        recency_decay: weight of the context ``age`` steps from the end.
        second_order_weight: weight of P(k | last two items); 0 disables the second order.
        smoothing: added to each context's total count before normalising.
        neighbours: most probable successors kept per first-order context.
    """

    name = "markov"
    sparse_scores = True  # 0 = no evidence (fusion ignores such slots)

    def __init__(
        self,
        window: int = 1,
        lag_decay: float = 0.5,
        recent: int = 3,
        recency_decay: float = 0.5,
        second_order_weight: float = 1.0,
        smoothing: float = 1.0,
        neighbours: int = 200,
    ) -> None:
        self.window = window
        self.lag_decay = lag_decay
        self.recent = recent
        self.recency_decay = recency_decay
        self.second_order_weight = second_order_weight
        self.smoothing = smoothing
        self.neighbours = neighbours
        self.data: Interactions | None = None
        self.first: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.second: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.pair_keys: np.ndarray = np.empty(0, dtype=np.int64)  # sorted (i * n + j) of second.rows
        self._indptr: np.ndarray = np.zeros(1, dtype=np.int64)
        self._items: np.ndarray = np.empty(0, dtype=np.int32)

    def fit(self, data: Interactions) -> Self:
        self.data = data
        n = data.n_items
        indptr, items = collapse_repeats(data)
        self._indptr, self._items = indptr, items
        users = np.repeat(np.arange(data.n_users), np.diff(indptr))
        rows, cols, vals = [], [], []
        for lag in range(1, self.window + 1):
            a, b = slice(0, len(items) - lag), slice(lag, len(items))
            ok = (users[a] == users[b]) & (items[a] != items[b])
            rows.append(items[a][ok])
            cols.append(items[b][ok])
            vals.append(np.full(int(ok.sum()), self.lag_decay ** (lag - 1), dtype=np.float32))
        first = sp.csr_matrix(
            (np.concatenate(vals) if vals else np.empty(0, np.float32),
             (np.concatenate(rows) if rows else np.empty(0, np.int64),
              np.concatenate(cols) if cols else np.empty(0, np.int64))),
            shape=(n, n), dtype=np.float32,
        )  # fmt: skip
        first.sum_duplicates()
        self.first = keep_top_per_row(_row_normalise(first, self.smoothing), self.neighbours)

        if self.second_order_weight > 0 and len(items) >= 3:
            a, b, c = items[:-2], items[1:-1], items[2:]
            ok = (users[:-2] == users[2:]) & (c != b)
            keys = a[ok].astype(np.int64) * n + b[ok]
            self.pair_keys, pair_row = np.unique(keys, return_inverse=True)
            second = sp.csr_matrix(
                (np.ones(len(keys), dtype=np.float32), (pair_row, c[ok])),
                shape=(len(self.pair_keys), n),
            )
            second.sum_duplicates()
            self.second = _row_normalise(second, self.smoothing)
        else:
            self.pair_keys = np.empty(0, dtype=np.int64)
            self.second = sp.csr_matrix((0, n), dtype=np.float32)
        return self

    def context_matrix(self, user_rows: np.ndarray) -> sp.csr_matrix:
        """users x items weights of each user's last ``recent`` distinct-in-a-row items."""
        assert self.data is not None, "fit first"
        return recent_weights(
            self._indptr, self._items, user_rows, self.recent, self.recency_decay, self.data.n_items
        )

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        assert self.data is not None, "fit first"
        rows = np.asarray(user_rows)
        out = (self.context_matrix(rows) @ self.first).toarray().astype(np.float32)
        if self.second.shape[0] and self.second_order_weight > 0:
            safe = np.where(rows >= 0, rows, 0)
            ends = self._indptr[safe + 1]
            ok = (rows >= 0) & (ends - self._indptr[safe] >= 2)
            n = self.data.n_items
            keys = np.full(len(rows), -1, dtype=np.int64)
            keys[ok] = self._items[ends[ok] - 2].astype(np.int64) * n + self._items[ends[ok] - 1]
            at = np.searchsorted(self.pair_keys, keys)
            at = np.minimum(at, len(self.pair_keys) - 1)
            hit = ok & (self.pair_keys[at] == keys)
            if hit.any():
                out[hit] += self.second_order_weight * self.second[at[hit]].toarray()
        out[rows < 0] = 0.0
        return out
