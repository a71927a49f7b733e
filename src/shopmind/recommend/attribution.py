"""Attribution: which signal earned each recommended item its slot, and through which of the
visitor's recent items — the facts ``explain`` turns into a reason code and a sentence.

Per item, the source with the largest fused share wins; for neighbour-based sources
(co-visitation, purchases, content, ALS, item-kNN) the recent item that contributed most
becomes the related item ("Because you viewed X"). ``Attribution`` is the mixin of
``RecommendationService`` doing this; it reads the catalog, the neighbour matrices, the live
state, the content vectors and the ALS item factors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from shopmind.recommend.explain import Reason, history_reason, reason
from shopmind.recommend.rules import Filters

__all__ = ["Attribution"]


class Attribution:
    """Explanation methods of ``RecommendationService`` (see the module docstring)."""

    def _explain(self, item: int, origin: str, ranks: Mapping[str, Mapping[int, int]], weights: Mapping[str, float],
                 recent: list[tuple[int, str, float]], filters: Filters,
                 rows: dict[tuple[str, int], Any]) -> tuple[Reason, tuple[str, ...]]:  # fmt: skip
        """The reason from the strongest contributing signal, and every source that had the item.

        ``ranks``: per source, item -> 0-based rank in its list; ``rows``: per-request cache of
        neighbour rows used to find which recent item contributed most.
        """
        cat = self.catalog
        sources = tuple(n for n, rk in ranks.items() if item in rk)
        if origin == "pinned":
            return reason("pinned"), sources
        if origin == "explore":
            return reason("new_arrival"), ("explore",)
        if origin == "backfill" or not sources:
            if recent and any(r == item for r, _, _ in recent):
                bought = any(r == item and ty == "purchase" for r, ty, _ in recent)
                return reason("buy_again" if bought else "recently_viewed"), sources or ("history",)
            # backfill is ordered by the recent items' categories first: say so when it is one
            top = int(cat.top_code[item])
            own = top >= 0 and any(int(cat.top_code[r]) == top for r, _, _ in recent)
            code = "popular_category" if filters.categories or own else "popular"
            return reason(code, category=cat.top_category(item)), sources or ("popularity",)
        order = list(ranks)
        c = self.config.rrf_c
        best = max(sources, key=lambda n: (weights.get(n, 0.0) / (c + 1 + ranks[n][item]), -order.index(n)))
        if best in ("covisit", "content", "als", "item-knn", "bought") and recent:
            related = self._related(best, item, recent, rows)
            if related is not None:
                r, ty = related
                title = cat.titles[r]
                code = {"covisit": history_reason(ty), "content": "similar", "bought": "bought_with"}.get(
                    best, "interest"
                )
                return reason(code, title=title, related=str(cat.ids[r])), sources
        if best == "sasrec":  # the sequence model reads the history newest-first: name its newest item
            newest = next((r for r, _, _ in recent if r != item), None)
            if newest is not None:
                return reason("interest", title=cat.titles[newest], related=str(cat.ids[newest])), sources
        if best in ("trending", "category-popularity"):
            code = "trending_category" if best == "trending" else "popular_category"
            return reason(code, category=cat.top_category(item)), sources
        return reason("popular"), sources

    def _merged_row(self, source: str, r: int) -> tuple[np.ndarray, np.ndarray]:
        """Neighbour row ``r`` of a sparse source, batch matrix + live table, summed per column
        (columns ascending)."""
        m = {"covisit": self.covisit, "bought": self.cobought}.get(source)
        if m is None:
            m = self.generators["item-knn"].similarity  # type: ignore[attr-defined]
        lo, hi = m.indptr[r], m.indptr[r + 1]
        c, v = m.indices[lo:hi].astype(np.int64), m.data[lo:hi].astype(np.float64)
        live = {"covisit": self.live.covisit, "bought": self.live.cobought}.get(source)
        if live is not None:
            lc, lv = live.row_arrays(r)
            c, v = np.concatenate([c, lc]), np.concatenate([v, lv])
        u, inv = np.unique(c, return_inverse=True)
        return u, np.bincount(inv, weights=v, minlength=len(u))

    def _row(self, source: str, r: int, rows: dict[tuple[str, int], Any]) -> dict[int, float]:
        """``_merged_row`` as a dict, cached per request."""
        key = (source, r)
        if key not in rows:
            u, s = self._merged_row(source, r)
            rows[key] = dict(zip(u.tolist(), s.tolist(), strict=True))
        return rows[key]

    def _related(self, source: str, item: int, recent: list[tuple[int, str, float]],
                 rows: dict[tuple[str, int], Any]) -> tuple[int, str] | None:  # fmt: skip
        """The visitor's recent item that contributed most to ``item`` under ``source``."""
        cand = [(r, ty, w) for r, ty, w in recent if r != item]
        if not cand:
            return None
        if source in ("content", "als"):
            mat = self.content.vectors if source == "content" and self.content is not None else getattr(
                self, "item_factors", None)  # fmt: skip
            if mat is None:
                return None
            v = (mat[[r for r, _, _ in cand]] @ mat[item]) * np.array([w for _, _, w in cand])
        else:
            keys, vals = self._pair_keys(source, recent, rows)
            n = len(self.catalog)
            q = np.arange(len(recent), dtype=np.int64) * n + item
            at = np.minimum(np.searchsorted(keys, q), max(len(keys) - 1, 0))
            hit = keys[at] == q if len(keys) else np.zeros(len(q), dtype=bool)
            v = np.where(hit, vals[at] if len(keys) else 0.0, 0.0)
            v = v[[p for p, (r, _, _) in enumerate(recent) if r != item]] * np.array([w for _, _, w in cand])
        j = int(np.argmax(v))
        return (cand[j][0], cand[j][1]) if v[j] > 0 else None

    def _pair_keys(self, source: str, recent: list[tuple[int, str, float]],
                   rows: dict[tuple[str, int], Any]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """For every position ``p`` of ``recent``: its row of ``source`` (batch + live, summed
        per column) as sorted keys ``p * n_items + column`` and values — built once per request
        and source, so each explained item costs one vectorised lookup. (Building a dict per
        recent row, as before, was ~60 % of a recommendation request once live rows grew.)"""
        key = (source, -1)
        if key not in rows:
            n = len(self.catalog)
            merged: dict[int, tuple[np.ndarray, np.ndarray]] = {}
            ks, vs = [], []
            for p, (r, _, _) in enumerate(recent):
                if r not in merged:
                    merged[r] = self._merged_row(source, r)
                u, sv = merged[r]
                ks.append(p * n + u)
                vs.append(sv)
            rows[key] = (np.concatenate(ks) if ks else np.zeros(0, dtype=np.int64),
                         np.concatenate(vs) if vs else np.zeros(0))  # fmt: skip
        return rows[key]
