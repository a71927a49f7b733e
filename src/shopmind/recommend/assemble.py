"""Assembling a response: ranked candidates -> rules, exploration, reasons, the live slot.

After scoring, every context hands its ``Ranked`` candidates to ``Assembler._finish``: the
business rules pick the eligible items (``rules.select``), a bounded share of slots goes to
new items (Thompson sampling), each item gets its reason (``Attribution``), and the visitor's
newest live event is guaranteed a slot. ``relabel`` rewords reasons for item-to-item contexts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from shopmind.recommend.config import Ranked, Recommendation
from shopmind.recommend.explain import CROWD_REASONS, Reason, catalog_reason, history_reason, reason
from shopmind.recommend.rules import Catalog, Filters, eligible_mask, select

__all__ = ["Assembler", "relabel"]


class Assembler:
    """Assembling methods of ``RecommendationService``; they read its catalog, config, rules
    boosts, content vectors, new items, popularity orders, purchases, live state and explorer."""

    def _finish(self, ranked: Ranked, k: int, filters: Filters, visitor: str | None, weights: Mapping[str, float],
                backfill: np.ndarray, exclude: Sequence[int] = (), explore: bool = True,
                cold: bool = False) -> list[Recommendation]:  # fmt: skip
        """Rules, exploration slot, explanations -> the response."""
        cat = self.catalog
        eligible = eligible_mask(
            cat, filters, self.config.rules, self._purchased(visitor), np.asarray(exclude, dtype=np.int64)
        )
        vectors = self.content.vectors if self.content is not None else None
        boosts, stockout = self.boosts, getattr(self, "stockout", None)
        if stockout is not None:  # forecast stock-out risk (shopmind.forecast.stockout): hide or de-boost
            eligible, boosts = stockout.recs_rules(cat, eligible, boosts)
        chosen = select(
            ranked.items, ranked.scores, eligible, k, cat, self.config.rules, backfill, boosts, vectors
        )
        if explore and chosen:
            chosen = self._explore(chosen, k, eligible)
        score_of = dict(zip(ranked.items.tolist(), ranked.scores.tolist(), strict=True))
        ranks = {
            name: dict(zip(idx.tolist(), range(len(idx)), strict=True)) for name, idx in ranked.lists.items()
        }
        rows: dict[tuple[str, int], dict[int, float]] = {}
        out = []
        for i, origin in chosen:
            why, sources = self._explain(i, origin, ranks, weights, ranked.recent, filters, rows)
            if cold and origin != "explore" and origin != "pinned":
                why = Reason("cold_start", why.text if why.code in ("trending_category", "popular_category")
                             else "Popular right now", None)  # fmt: skip
            if why.code in CROWD_REASONS and not self._touched(i):
                why = catalog_reason(cat.top_category(i))  # no shopper has touched it: not "popular"
            score = float(score_of.get(i, 0.0)) if origin == "ranked" else 0.0
            out.append(Recommendation(str(cat.ids[i]), score if np.isfinite(score) else 0.0, why.text, why.code,
                                      sources, why.related_item, cat.titles[i]))  # fmt: skip
        if stockout is not None:
            out = stockout.recs_reasons(cat, out)
        if self.config.live_slot and visitor is not None and out:
            out = self._live_slot(out, visitor, eligible)
        shown_new = [r.item_id for r in out if self._is_new(r.item_id)]
        if shown_new:
            self.explorer.impression(shown_new)
        return out

    def _live_slot(
        self, out: list[Recommendation], visitor: str, eligible: np.ndarray
    ) -> list[Recommendation]:
        """Make sure the visitor's newest live event shows: if no item's reason names it, its
        best eligible co-visitation (else content) neighbour takes the last ordinary slot."""
        events = self.live.events.get(visitor)
        if not events:
            return out
        x, type_ = int(events[-1][0]), str(events[-1][1])
        x_id = str(self.catalog.ids[x])
        if any(r.related_item == x_id for r in out):
            return out
        slots = [
            p for p in range(len(out) - 1, -1, -1) if out[p].reason_code not in ("pinned", "new_arrival")
        ]
        if not slots:
            return out
        taken = {self.catalog.index[r.item_id] for r in out}
        row = self._row("covisit", x, {})
        cands = sorted(row, key=lambda j: (-row[j], j))
        source = "covisit"
        if self.content is not None:
            cands += [int(j) for j in self.content.similar(x, self.config.depth)[0]]
        pick = next((j for j in cands if eligible[j] and j not in taken and j != x), None)
        if pick is None:
            return out
        if pick not in row:
            source = "content"
        code = history_reason(type_) if source == "covisit" else "similar"
        why = reason(code, title=self.catalog.titles[x], related=x_id)
        new = list(out)
        new[slots[0]] = Recommendation(str(self.catalog.ids[pick]), 0.0, why.text, why.code, (source, "live"),
                                       x_id, self.catalog.titles[pick])  # fmt: skip
        return new

    def _is_new(self, item_id: str) -> bool:
        if not hasattr(self, "_new_set"):
            self._new_set = {str(self.catalog.ids[i]) for i in self.new_items}
        return item_id in self._new_set

    def _explore(self, chosen: list[tuple[int, str]], k: int, eligible: np.ndarray) -> list[tuple[int, str]]:
        n = min(self.explorer.slots(k), len(chosen))
        if n == 0 or not len(self.new_items):
            return chosen
        taken = {i for i, _ in chosen}
        pool = [int(i) for i in self.new_items[eligible[self.new_items]][:200] if int(i) not in taken]
        picks = self.explorer.choose([str(self.catalog.ids[i]) for i in pool], n)
        if not picks:
            return chosen
        out = list(chosen)
        slots = [p for p in range(len(out) - 1, -1, -1) if out[p][1] != "pinned"][: len(picks)]
        for p, item in zip(slots, picks, strict=False):
            out[p] = (self.catalog.index[item], "explore")
        return out

    def _backfill_for(self, items: Sequence[int]) -> np.ndarray:
        """Popular items of the given items' categories first, then everything by popularity."""
        codes = {int(self.catalog.top_code[i]) for i in items if self.catalog.top_code[i] >= 0}
        if not codes:
            return self.popular_order
        first = np.concatenate([self.cat_order[c] for c in sorted(codes)])
        return np.concatenate([first, self.popular_order])

    def _touched(self, i: int) -> bool:
        """Whether any shopper interacted with item ``i`` (in the training events or live since)."""
        batch = self.popularity[i] if i < len(self.popularity) else 0.0
        live = self.live.popularity[i] if i < len(self.live.popularity) else 0.0
        return bool(batch + live > 0)

    def _purchased(self, visitor: str | None) -> np.ndarray:
        if visitor is None:
            return np.empty(0, dtype=np.int64)
        base = self.purchased.get(visitor, np.empty(0, dtype=np.int64))
        live = self.live.purchased.get(visitor, [])
        return np.concatenate([base, np.asarray(live, dtype=np.int64)]) if live else base


def relabel(rec: Recommendation, mapping: Mapping[str, str], catalog: Catalog) -> Recommendation:
    """Reword a history reason in item-to-item contexts: ``mapping`` takes a reason code to the
    code to use instead (``{"viewed": "also_bought"}`` -> "Customers who bought X also bought this")."""
    if rec.reason_code not in mapping or rec.related_item is None:
        return rec
    title = catalog.titles[catalog.index[rec.related_item]]
    why = reason(mapping[rec.reason_code], title=title, related=rec.related_item)
    return Recommendation(
        rec.item_id, rec.score, why.text, why.code, rec.sources, rec.related_item, rec.title
    )
