"""Non-personalised generators: global popularity, trending (time-decayed) and per category.

They are the fallback for cold users and the anchor every paper reports (PopRec): a
popularity number far from the published one means a protocol bug, not a weak model.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from shopmind.recommend.base import Interactions, Recommends


class Popularity(Recommends):
    """Items ranked by how many distinct users interacted with them (PopRec).

    ``half_life_days`` turns it into *trending*: each event counts ``0.5 ** (age / half_life)``
    with age measured from the newest event in the data, so last week's bestsellers beat
    last year's. ``weighted`` sums event-type weights instead of counting users.
    """

    def __init__(self, half_life_days: float | None = None, weighted: bool = False) -> None:
        self.sparse_scores = True  # 0 = nobody interacted
        self.half_life_days = half_life_days
        self.weighted = weighted
        self.name = "trending" if half_life_days else "popularity"
        self.item_scores: np.ndarray = np.empty(0, dtype=np.float32)
        self.data: Interactions | None = None

    def fit(self, data: Interactions) -> Self:
        self.data = data
        if self.half_life_days:
            age_days = (data.seq_times.max(initial=0) - data.seq_times) / 86400.0
            decay = np.power(0.5, age_days / self.half_life_days)
            w = decay * (data.seq_weights if self.weighted else 1.0)
            scores = np.bincount(data.seq_items, weights=w, minlength=data.n_items)
        elif self.weighted:
            scores = np.asarray(data.matrix.sum(axis=0)).ravel()
        else:
            scores = data.item_user_counts()
        self.item_scores = scores.astype(np.float32)
        return self

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.item_scores, (len(user_rows), len(self.item_scores))).copy()


class CategoryPopularity(Recommends):
    """Popular items of the categories the user interacts with.

    score(u, i) = share of u's events in category(i) * popularity(i) / max popularity in that
    category, plus a small global-popularity term so that items of categories the user never
    touched (and cold users) are still ordered by popularity rather than arbitrarily.
    Needs ``Interactions.item_category``; without categories it is plain popularity.
    """

    name = "category-popularity"

    def __init__(self, global_weight: float = 0.01) -> None:
        self.global_weight = global_weight
        self.data: Interactions | None = None
        self.item_scores = np.empty(0, dtype=np.float32)
        self.in_category = np.empty(0, dtype=np.float32)

    def fit(self, data: Interactions) -> Self:
        self.data = data
        pop = data.item_user_counts()
        self.item_scores = (pop / max(pop.max(initial=0), 1.0)).astype(np.float32)
        if data.item_category is not None:
            cats = data.item_category
            n_cat = len(data.categories) if data.categories is not None else 0
            top = np.zeros(n_cat + 1)
            np.maximum.at(top, np.where(cats >= 0, cats, n_cat), pop)
            norm = top[np.where(cats >= 0, cats, n_cat)]
            self.in_category = np.where(norm > 0, pop / np.maximum(norm, 1e-12), 0).astype(np.float32)
        return self

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        assert self.data is not None, "fit first"
        data = self.data
        base = self.global_weight * np.broadcast_to(self.item_scores, (len(user_rows), data.n_items))
        if data.item_category is None or data.categories is None or len(data.categories) == 0:
            return np.array(base, dtype=np.float32)  # no categories: plain popularity
        n_cat = len(data.categories)
        cats = data.item_category
        seen = data.seen(user_rows)
        # user x category shares: seen (users x items) @ one-hot(items x categories)
        known = cats >= 0
        onehot = np.zeros((data.n_items, n_cat), dtype=np.float32)
        onehot[np.flatnonzero(known), cats[known]] = 1.0
        counts = np.asarray(seen @ onehot)
        shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        per_item = np.where(known, shares[:, np.where(known, cats, 0)], 0.0)
        return (base + per_item * self.in_category).astype(np.float32)
