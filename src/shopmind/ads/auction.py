"""Sponsored slots for one request: eligibility, a generalized second-price auction, the blended list.

An ad is eligible for a request only when all of these hold:

- its campaign is active and inside its schedule, and its pacer lets it in (``pacing.py``);
- it is *targeted* at the request: a keyword whose analysed tokens are all in the query (the same
  analyzer as search), or one of the campaign's categories among the request's categories;
- it passes the **relevance floor**: the organic engine itself found the product for this request
  with a score of at least ``floor x`` the top organic score. Money never buys relevance: an ad
  can only lift a product the organic ranking already judged a good match.

Eligible ads (one per product, one per campaign) are ranked by ``bid x quality`` (quality from the
position-based click model, so this is bid x predicted CTR at any slot). The winner of slot ``i``
pays per click ``max(reserve, bid_{i+1} x quality_{i+1} / quality_i)`` — the generalized second
price, never above its own bid. At most ``max_slots`` ads win, placed at ``positions`` of the
blended list; a sponsored product is removed from its organic place (no duplicates), and every
sponsored item carries ``sponsored=True`` and its campaign.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from shopmind.ads.campaign import Campaign
from shopmind.ads.clickmodel import PositionClickModel
from shopmind.ads.pacing import Pacer
from shopmind.text.analysis import Analyzer


@dataclass(frozen=True)
class AuctionSettings:
    """Guardrails: the relevance floor, how many sponsored slots and where (0-based), the reserve price."""

    floor: float = 0.5
    max_slots: int = 2
    positions: tuple[int, ...] = (0, 4)
    reserve: float = 0.01

    def __post_init__(self) -> None:
        if not 0 <= self.floor <= 1:
            raise ValueError(f"floor: expected 0..1, got {self.floor!r}")
        if self.max_slots < 0:
            raise ValueError(f"max_slots: expected >= 0, got {self.max_slots!r}")
        if list(self.positions) != sorted(set(self.positions)) or any(p < 0 for p in self.positions):
            raise ValueError(
                f"positions: expected increasing distinct positions >= 0, got {self.positions!r}"
            )
        if self.reserve < 0:
            raise ValueError(f"reserve: expected >= 0, got {self.reserve!r}")


@dataclass(frozen=True)
class Placement:
    """A won sponsored slot: what is shown, where, who pays and how much per click."""

    product_id: str
    campaign_id: str
    position: int
    price: float
    bid: float
    quality: float
    predicted_ctr: float


class Item(NamedTuple):
    """One entry of the blended list; ``sponsored`` is the label the API and storefront show.

    A NamedTuple, not a frozen dataclass: a request builds ~100 of them and that init is 5x slower.
    """

    product_id: str
    sponsored: bool = False
    campaign_id: str | None = None
    price: float | None = None


@dataclass(frozen=True)
class AuctionResult:
    placements: tuple[Placement, ...]
    items: tuple[Item, ...]

    def ids(self) -> list[str]:
        return [i.product_id for i in self.items]


def gsp_prices(bids: Sequence[float], qualities: Sequence[float], n_win: int, reserve: float) -> list[float]:
    """Per-click GSP prices of the first ``n_win`` of ads already sorted by ``bid x quality``.

    Slot i pays the least bid that would still keep it above slot i+1: ``bid_{i+1} q_{i+1} / q_i``
    (``reserve`` when nobody is below), never more than its own bid.
    """
    out = []
    for i in range(n_win):
        nxt = bids[i + 1] * qualities[i + 1] / qualities[i] if i + 1 < len(bids) else 0.0
        out.append(min(bids[i], max(reserve, nxt)))
    return out


@dataclass
class Auction:
    """The campaigns of one shop, indexed for per-request eligibility."""

    campaigns: Sequence[Campaign]
    clicks: PositionClickModel
    settings: AuctionSettings = AuctionSettings()
    analyzer: Analyzer = field(default_factory=Analyzer)
    _by_product: dict[str, list[Campaign]] = field(default_factory=dict, init=False)
    _keywords: dict[str, list[frozenset[str]]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for c in self.campaigns:
            for p in c.products:
                self._by_product.setdefault(p, []).append(c)
            self._keywords[c.id] = [t for t in (frozenset(self.analyzer.tokens(k)) for k in c.keywords) if t]

    def targeted(self, campaign: Campaign, query_tokens: frozenset[str], categories: frozenset[str]) -> bool:
        """Whether ``campaign`` targets the request (a keyword fully in the query, or a shared category)."""
        if any(k <= query_tokens for k in self._keywords[campaign.id]):
            return True
        return bool(categories.intersection(campaign.categories))

    def run(
        self,
        query: str | None,
        organic: Sequence[tuple[str, float]],
        *,
        categories: Sequence[str] = (),
        when: datetime | None = None,
        pacers: Mapping[str, Pacer] | None = None,
        t: float = 0.0,
        draw: Callable[[], float] | None = None,
    ) -> AuctionResult:
        """Sponsored slots for a request and the blended list.

        ``organic`` is the organic engine's ranked ``(product_id, score)`` candidates (search: the
        query's matches; recs: the context's candidates with ``query=None`` and ``categories``).
        ``pacers`` (campaign id -> Pacer) throttle at time of day ``t`` with uniform draws from ``draw``.
        """
        s = self.settings
        ranked_ids = [p for p, _ in organic]
        slots = min(s.max_slots, len(s.positions))
        if not organic or slots == 0:
            return AuctionResult((), tuple(Item(p) for p in ranked_ids))
        top = max(score for _, score in organic)
        qtokens = frozenset(self.analyzer.tokens(query)) if query else frozenset()
        cats = frozenset(categories)
        best: dict[str, tuple[float, float, float, str, str]] = {}  # campaign -> (bid x q, bid, q, pid, id)
        allowed: dict[str, bool] = {}
        for pid, score in organic:
            if top <= 0 or score < s.floor * top or score <= 0:
                continue
            for c in self._by_product.get(pid, ()):
                if c.status != "active" or c.bid < s.reserve:
                    continue
                if when is not None and not c.schedule.active(when):
                    continue
                if not self.targeted(c, qtokens, cats):
                    continue
                if c.id not in allowed:
                    pacer = pacers.get(c.id) if pacers is not None else None
                    allowed[c.id] = pacer is None or pacer.allow(t, draw() if draw else 0.0)
                if not allowed[c.id]:
                    continue
                q = self.clicks.quality(pid)
                cand = (c.bid * q, c.bid, q, pid, c.id)
                if c.id not in best or cand > best[c.id]:
                    best[c.id] = cand
        # One ad per product: the campaign with the best bid x quality keeps it.
        per_product: dict[str, tuple[float, float, float, str, str]] = {}
        for cand in best.values():
            if cand[3] not in per_product or cand > per_product[cand[3]]:
                per_product[cand[3]] = cand
        ranked = sorted(per_product.values(), key=lambda x: (-x[0], x[4]))
        n_win = min(slots, len(ranked))
        prices = gsp_prices([r[1] for r in ranked], [r[2] for r in ranked], n_win, s.reserve)
        won = {r[3] for r in ranked[:n_win]}
        rest = [Item(p) for p in ranked_ids if p not in won]
        items: list[Item] = []
        placements: list[Placement] = []
        for i, r in enumerate(ranked[:n_win]):
            pos = min(s.positions[i], len(rest) + i)
            placements.append(Placement(r[3], r[4], pos, prices[i], r[1], r[2], self.clicks.ctr(r[3], pos)))
        it = iter(rest)
        slot_at = {p.position: p for p in placements}
        total = len(rest) + len(placements)
        for pos in range(total):
            pl = slot_at.get(pos)
            items.append(Item(pl.product_id, True, pl.campaign_id, pl.price) if pl else next(it))
        return AuctionResult(tuple(placements), tuple(items))
