"""Item-to-item co-visitation: "people who interacted with X then (or also) interacted with Y".

The workhorse of e-commerce candidate generation (it won most Kaggle shop competitions, e.g.
OTTO 2023): count item pairs that occur close together in users' time-ordered histories,
weighting each pair by the strength of the event type, by how close in time the two events
were, and by whether they fell in the same session. The matrix is built from shifted copies
of the sorted event arrays (one numpy pass per lag, never a Python loop over events), then
only the ``neighbours`` strongest partners of each item are kept.

Scoring a user is a weighted sum of the neighbour rows of their most recent items, with a
geometric recency decay: what you looked at last matters most for what you want next.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.base import Interactions, Recommends, recent_weights
from shopmind.recommend.itemknn import keep_top_per_row


class CoVisitation(Recommends):
    """Co-visitation neighbours with session, time-gap and event-type weights.

    Args:
        window: pairs are formed between events at most ``window`` positions apart in a
            user's history.
        forward_weight / backward_weight: weight of (earlier -> later) and (later -> earlier)
            pairs; sequential data rewards a forward bias.
        gap_half_life_s: a pair's weight halves every ``gap_half_life_s`` seconds between the
            two events (None: no time decay).
        cross_session_weight: weight of pairs whose events are in different sessions.
        lag_decay: extra weight ``lag_decay ** (lag - 1)`` for pairs further apart in position.
        neighbours: strongest partners kept per item.
        recent: how many of the user's latest distinct events are used to score.
        recency_decay: weight ``recency_decay ** age`` of the item ``age`` steps from the end.
        normalise: divide each row by its item's total pair weight (damps blockbusters).
    """

    name = "covisit"
    sparse_scores = True  # 0 = no evidence (fusion ignores such slots)

    def __init__(
        self,
        window: int = 5,
        forward_weight: float = 1.0,
        backward_weight: float = 0.5,
        gap_half_life_s: float | None = None,
        cross_session_weight: float = 0.5,
        lag_decay: float = 0.8,
        neighbours: int = 100,
        recent: int = 10,
        recency_decay: float = 0.7,
        normalise: bool = False,
    ) -> None:
        self.window = window
        self.forward_weight = forward_weight
        self.backward_weight = backward_weight
        self.gap_half_life_s = gap_half_life_s
        self.cross_session_weight = cross_session_weight
        self.lag_decay = lag_decay
        self.neighbours = neighbours
        self.recent = recent
        self.recency_decay = recency_decay
        self.normalise = normalise
        self.data: Interactions | None = None
        self.neighbours_matrix: sp.csr_matrix = sp.csr_matrix((0, 0))

    def pair_matrix(self, data: Interactions) -> sp.csr_matrix:
        """The full (untrimmed) item x item co-visitation weights (float32)."""
        return self.pair_sums(data).astype(np.float32)

    def pair_sums(self, data: Interactions) -> sp.csr_matrix:
        """``pair_matrix`` before its one rounding: float64 sums of float32 terms (exact while a
        total's terms span less than ~2^29 in size, as with the defaults), so a sum of parts
        (a warm update's old pairs + new pairs) rounds to the same float32 as the whole."""
        items, times, sess, w = data.seq_items, data.seq_times, data.seq_sessions, data.seq_weights
        user = np.repeat(np.arange(data.n_users), np.diff(data.seq_indptr))
        rows, cols, vals = [], [], []
        # no lag beyond the sequence: a shop with fewer events than the window made slice(0, -k)
        # count from the end, and 'operands could not be broadcast' ended evaluate recs
        for lag in range(1, min(self.window, len(items) - 1) + 1):
            a, b = slice(0, len(items) - lag), slice(lag, len(items))
            ok = (user[a] == user[b]) & (items[a] != items[b])
            if not ok.any():
                continue
            weight = (self.lag_decay ** (lag - 1)) * w[b][ok]  # the later event's type strength
            if self.gap_half_life_s:
                gap = np.abs(times[b][ok] - times[a][ok]).astype(np.float64)
                weight = weight * np.power(0.5, gap / self.gap_half_life_s)
            weight = weight * np.where(sess[a][ok] == sess[b][ok], 1.0, self.cross_session_weight)
            src, dst = items[a][ok], items[b][ok]
            rows += [src, dst]
            cols += [dst, src]
            vals += [weight * self.forward_weight, weight * self.backward_weight]
        n = data.n_items
        if not rows:
            return sp.csr_matrix((n, n), dtype=np.float64)
        # each term is a float32 value; summed in float64 (exact for these values) and rounded
        # once, so a total does not depend on scipy's summation order: summed in float32, equal
        # totals came out an ulp apart and exact ties were ordered by rounding noise
        m = sp.csr_matrix(
            (
                np.concatenate(vals).astype(np.float32).astype(np.float64),
                (np.concatenate(rows), np.concatenate(cols)),
            ),
            shape=(n, n),
        )
        m.sum_duplicates()
        return m

    def fit(self, data: Interactions) -> Self:
        self.data = data
        m = self.pair_matrix(data)
        if self.normalise:
            total = np.asarray(m.sum(axis=1)).ravel()
            m = (sp.diags(1.0 / np.maximum(total, 1e-12)) @ m).tocsr()
        self.neighbours_matrix = keep_top_per_row(m, self.neighbours)
        return self

    def recent_matrix(self, user_rows: np.ndarray) -> sp.csr_matrix:
        """users x items weights of each user's last ``recent`` events (decayed by age)."""
        assert self.data is not None, "fit first"
        data = self.data
        return recent_weights(
            data.seq_indptr, data.seq_items, user_rows, self.recent, self.recency_decay, data.n_items
        )

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return (self.recent_matrix(user_rows) @ self.neighbours_matrix).toarray().astype(np.float32)
