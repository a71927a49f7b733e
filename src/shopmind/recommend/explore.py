"""An exploration slot for new items: Thompson sampling over a Beta posterior per item.

A new item has no interactions, so no collaborative generator ever ranks it, so it never
gets interactions (Gorse #357 is the user-side twin of this). A bounded share of each list
(default 1 slot in 10) goes to a new item drawn by Thompson sampling: each candidate's click
rate has a Beta(prior_a + clicks, prior_b + impressions - clicks) posterior; one draw per
candidate, the best draws win. Items that get clicked are shown more, items that are shown
and ignored fade — without a hand-tuned schedule. The RNG is seeded and its state is part of
the saved state, so a reloaded service draws the same items.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Explorer:
    """Per-item impression/click counts and the seeded RNG for Thompson draws."""

    def __init__(self, share: float = 0.1, prior_a: float = 1.0, prior_b: float = 1.0, seed: int = 0) -> None:
        if not 0.0 <= share <= 0.5:
            raise ValueError(f"exploration share must be within [0, 0.5], got {share}")
        self.share = share
        self.prior_a = prior_a
        self.prior_b = prior_b
        self.impressions: dict[str, int] = {}
        self.clicks: dict[str, int] = {}
        self.rng = np.random.default_rng(seed)

    def slots(self, k: int) -> int:
        """Slots of a k-list given to exploration: floor(k * share) (0 below 1/share)."""
        return int(np.floor(k * self.share + 1e-9))

    def choose(self, candidates: list[str], n: int) -> list[str]:
        """Up to ``n`` candidates with the highest Thompson draws (candidate order breaks ties)."""
        if n <= 0 or not candidates:
            return []
        shown = np.array([self.impressions.get(c, 0) for c in candidates], dtype=np.float64)
        won = np.array([self.clicks.get(c, 0) for c in candidates], dtype=np.float64)
        won = np.minimum(won, shown)
        draws = self.rng.beta(self.prior_a + won, self.prior_b + shown - won)
        order = np.argsort(-draws, kind="stable")[:n]
        return [candidates[i] for i in order]

    def impression(self, items: list[str]) -> None:
        for item in items:
            self.impressions[item] = self.impressions.get(item, 0) + 1

    def click(self, item: str) -> None:
        """A click (or any positive event) on ``item``; only counted for items that were shown."""
        if self.impressions.get(item, 0) > self.clicks.get(item, 0):
            self.clicks[item] = self.clicks.get(item, 0) + 1

    def posterior_mean(self, item: str) -> float:
        shown, won = self.impressions.get(item, 0), self.clicks.get(item, 0)
        return (self.prior_a + won) / (self.prior_a + self.prior_b + shown)

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state (counts and the RNG position)."""
        return {
            "share": self.share,
            "prior_a": self.prior_a,
            "prior_b": self.prior_b,
            "impressions": dict(self.impressions),
            "clicks": dict(self.clicks),
            "rng": self.rng.bit_generator.state,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Explorer:
        out = cls(state["share"], state["prior_a"], state["prior_b"])
        out.impressions = {str(k): int(v) for k, v in state["impressions"].items()}
        out.clicks = {str(k): int(v) for k, v in state["clicks"].items()}
        out.rng.bit_generator.state = state["rng"]
        return out
