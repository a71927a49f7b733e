"""ours-v1: weighted reciprocal-rank fusion of the candidate generators.

Scores of different generators live on different scales (counts, cosines, dot products),
so they are fused by rank: item i gets sum_g w_g / (c + rank_g(i)) over the generators whose
top-``depth`` list holds it. Weights and c are chosen on the validation split (FIELD.md:
never trust a default fusion constant). The learned LightGBM ranker replaces this later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import numpy as np

from shopmind.recommend.base import Generator, Interactions, Recommends, mask_seen, top_k


def fuse_lists(
    lists: Mapping[str, np.ndarray], weights: Mapping[str, float], c: float, n_items: int, k: int
) -> np.ndarray:
    """Top-k item indices per user from per-generator ranked lists (users x depth each).

    An index of -1 is an empty slot (the generator had no evidence for more items): it takes
    a rank but adds nothing, so a generator is never credited for filler items.
    """
    n = next(iter(lists.values())).shape[0]
    k = min(k, n_items)
    out = np.empty((n, k), dtype=np.int64)
    batch = max(1, 20_000_000 // max(n_items, 1))
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        fused = np.zeros((stop - start, n_items + 1), dtype=np.float32)  # last column: empty slots
        rows = np.arange(stop - start)[:, None]
        for name, idx in lists.items():
            w = weights.get(name, 0.0)
            if w == 0:
                continue
            depth = idx.shape[1]
            contrib = (w / (c + np.arange(1, depth + 1))).astype(np.float32)
            fused[rows, idx[start:stop]] += contrib  # items are distinct within a list; -1 -> last
        out[start:stop] = top_k(fused[:, :n_items], k)[0]
    return out


def candidates(gen: object, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """A ranked list as fusion input: slots that carry no evidence become -1.

    That is a masked (-inf) slot, or a zero score from a generator whose zero means "no
    evidence" (``sparse_scores``: neighbourhood and co-visitation scores, popularity counts).
    """
    empty = ~np.isfinite(vals)
    if getattr(gen, "sparse_scores", False):
        empty |= vals <= 0
    return np.where(empty, -1, idx)


class RankFusion(Recommends):
    """A generator made of fitted generators, fused by weighted reciprocal rank."""

    name = "ours-v1"

    def __init__(
        self,
        generators: Mapping[str, Generator],
        weights: Mapping[str, float],
        c: float = 20.0,
        depth: int = 100,
        exclude_seen: bool = True,
    ) -> None:
        self.generators = dict(generators)
        self.weights = dict(weights)
        self.c = c
        self.depth = depth
        self.exclude_seen = exclude_seen
        self.data: Interactions | None = None

    def fit(self, data: Interactions) -> Self:
        self.data = data
        for gen in self.generators.values():
            gen.fit(data)
        return self

    def lists(self, user_rows: np.ndarray) -> dict[str, np.ndarray]:
        """Each weighted generator's top-``depth`` (seen items masked when asked)."""
        assert self.data is not None, "fit first"
        out = {}
        for name, gen in self.generators.items():
            if self.weights.get(name, 0.0) == 0:
                continue
            scores = gen.score(user_rows)
            if self.exclude_seen:
                mask_seen(scores, self.data.seen(user_rows))
            idx, vals = top_k(scores, self.depth)
            out[name] = candidates(gen, idx, vals)
        return out

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        assert self.data is not None, "fit first"
        fused = np.zeros((len(user_rows), self.data.n_items + 1), dtype=np.float32)
        rows = np.arange(len(user_rows))[:, None]
        for name, idx in self.lists(user_rows).items():
            contrib = (self.weights[name] / (self.c + np.arange(1, idx.shape[1] + 1))).astype(np.float32)
            fused[rows, idx] += contrib
        return np.ascontiguousarray(fused[:, :-1])
