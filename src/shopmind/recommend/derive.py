"""Fit-time derived arrays: what every recommendation request reads instead of scoring the catalog.

After the generators are fitted, ``RecommendationService.fit`` precomputes popularity and
trending vectors, per-category popularity orders, the co-visitation neighbour matrix (and its
transpose), purchase co-occurrence (same order, else session, else user-day, top-N per item),
each user's purchases, the new-item list, the ALS factors and the boost vector. Why a module of
its own: this is the bridge between batch training and request time, and the service module
was past ~500 lines with it. ``Derived`` is the mixin of ``RecommendationService`` holding it;
the arrays it sets are pickled with the service (``save``), so their names must not change.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.recommend.als import ALS
from shopmind.recommend.base import EVENT_KINDS, Interactions
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.itemknn import keep_top_per_row
from shopmind.recommend.live import DAY
from shopmind.recommend.rules import boost_vector

__all__ = ["Derived", "dominant_kind"]


class Derived:
    """Derived-array methods of ``RecommendationService`` (see the module docstring)."""

    def _derive(self, events: pl.DataFrame, cobought: sp.csr_matrix | None = None) -> None:
        """Arrays every request reads: neighbour lists, popularity orders, purchases, new items
        (``cobought``: the co-purchase matrix when it was computed elsewhere)."""
        cfg, data, n = self.config, self.data, len(self.catalog)
        self.fit_now = float(data.seq_times.max(initial=0))
        self.popularity = np.asarray(data.matrix.sum(axis=0)).ravel().astype(np.float64)
        age = (self.fit_now - data.seq_times) / DAY
        hl = self._trend_half_life()
        self.trend = np.bincount(
            data.seq_items, weights=data.seq_weights * np.power(0.5, age / hl), minlength=n
        )
        self.popular_order = np.lexsort((np.arange(n), -self.popularity))
        self.cat_order: dict[int, np.ndarray] = {}
        codes = self.catalog.top_code[self.popular_order]
        for c in range(len(self.catalog.top_names)):
            self.cat_order[c] = self.popular_order[codes == c]
        cv = self.generators.get("covisit")
        self.covisit = (
            cv.neighbours_matrix
            if isinstance(cv, CoVisitation)
            else CoVisitation().fit(data).neighbours_matrix
        )
        self.covisit_t = self.covisit.T.tocsr()
        self.cobought = cobought if cobought is not None else self._cobought(events)
        self.covisit_kind = dominant_kind(data)
        bought = events.filter((pl.col("type") == "purchase") & pl.col("user_id").is_not_null()
                               & pl.col("item_id").is_not_null())  # fmt: skip
        self.purchased: dict[str, np.ndarray] = {}
        if bought.height:
            idx = self.catalog.index
            for user, items in bought.group_by("user_id").agg(pl.col("item_id").unique()).iter_rows():
                self.purchased[str(user)] = np.array(sorted(idx[str(i)] for i in items if str(i) in idx))
        created = self.catalog.created
        newest = np.nanmax(created) if np.isfinite(created).any() else self.fit_now
        ref = max(self.fit_now, float(newest))
        counts = np.asarray((data.matrix > 0).sum(axis=0)).ravel()
        self.item_users = counts  # distinct shoppers per item (``Scoring._content_trust``)
        is_new = (created >= ref - cfg.new_item_days * DAY) | ((counts == 0) & self.catalog.has_product)
        self.new_items = np.flatnonzero(is_new)
        self.new_items = self.new_items[
            np.argsort(-np.nan_to_num(created[self.new_items], nan=-1), kind="stable")
        ]
        als = self.generators.get("als")
        if isinstance(als, ALS):
            self.item_factors = np.ascontiguousarray(np.asarray(als.model.item_factors), dtype=np.float32)
            self.user_factors = np.asarray(als.model.user_factors, dtype=np.float32)
            self.yty = (self.item_factors.T @ self.item_factors).astype(np.float64)
        self.boosts = boost_vector(self.catalog, cfg.rules.boosts)

    def _cobought(self, events: pl.DataFrame) -> sp.csr_matrix:
        """Item x item purchase co-occurrence (same order, else session, else user-day), top-N."""
        n = len(self.catalog)
        frame = events.filter((pl.col("type") == "purchase") & pl.col("item_id").is_not_null())
        if frame.height == 0:
            return sp.csr_matrix((n, n), dtype=np.float32)
        key = [pl.col(c).cast(pl.Utf8) for c in ("order_id", "session_id") if c in frame.columns]
        ts = pl.col("timestamp")
        day = (
            ts.dt.date().cast(pl.Utf8)
            if frame["timestamp"].dtype.is_temporal()
            else (ts // 86400).cast(pl.Utf8)
        )
        key.append(pl.concat_str([pl.col("user_id").cast(pl.Utf8).fill_null(""), day], separator="|"))
        frame = frame.select(pl.coalesce(key).alias("basket"), pl.col("item_id").cast(pl.Utf8)).unique()
        idx = self.catalog.index
        items = np.array([idx.get(i, -1) for i in frame["item_id"].to_list()])
        baskets = frame["basket"].cast(pl.Categorical).to_physical().to_numpy()
        ok = items >= 0
        b = sp.csr_matrix((np.ones(int(ok.sum()), dtype=np.float32), (baskets[ok], items[ok])),
                          shape=(int(baskets.max()) + 1, n))  # fmt: skip
        co = (b.T @ b).tocsr()
        co.setdiag(0)
        co.eliminate_zeros()
        return keep_top_per_row(co, self.config.bought_neighbours)


def dominant_kind(data: Interactions) -> str:
    """The event type co-visitation pairs are mostly counted over: "view" when the shop logs
    views or clicks, else its most frequent weighted type (Online Retail: "purchase")."""
    kinds = getattr(data, "seq_kinds", None)
    if kinds is None or not len(kinds):
        return "view"
    counts = np.bincount(kinds[kinds >= 0].astype(np.int64), minlength=len(EVENT_KINDS))
    present = {EVENT_KINDS[c] for c in np.flatnonzero(counts)}
    if present & {"view", "click"} or not present:
        return "view"
    return EVENT_KINDS[int(np.argmax(counts))]
