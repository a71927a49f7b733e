"""The online recommendation service a shop calls: one object, five contexts, live updates.

Gorse's shape (FIELD.md: candidate generators -> ranker -> fallback) plus what it lacks:
explanations on every item, cold start for new users *and* new items, business rules inside
the service, and events that change the very next response.

- ``fit`` trains the batch models once (ALS, co-visitation, popularity/trending, optionally
  the LightGBM ``LearnedRanker`` over them), precomputes per-item neighbour lists
  (co-visitation, purchase co-occurrence, content) so a request reads lists instead of
  scoring the catalog, and starts an empty ``LiveState``.
- ``record`` applies events to the live state immediately; every context call reads batch
  arrays plus live deltas (ALS users are folded in from their live events with the exact
  ALS normal equations, a 64-128-dim solve).
- Contexts: ``for_user`` (known -> generators fused by the ranker or weighted reciprocal
  rank; unknown with live events -> session path; unknown -> trending, labelled cold start),
  ``similar_items``, ``bought_together``, ``for_session``. Each returns ``Recommendation``s
  with a reason naming the strongest signal; rules apply after ranking; a bounded share of
  slots explores new items by Thompson sampling.

Requests are validated (``RecsError`` names the bad parameter); odd events in ``record`` are
reported per event in ``last_record_errors``, never raised.

This module keeps the class with training, persistence, events and the contexts; the rest
is split by job: ``config`` (value types), ``scoring``, ``attribution`` (which signal explains
an item) and ``assemble`` (rules, exploration, live slot), mixed into the class.
"""

from __future__ import annotations

import functools
import json
import pickle
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from shopmind.data.model import EVENT_TYPES, ITEMLESS_EVENT_TYPES
from shopmind.recommend.als import ALS
from shopmind.recommend.assemble import Assembler, relabel
from shopmind.recommend.attribution import Attribution
from shopmind.recommend.base import EVENT_KINDS, Generator, Interactions
from shopmind.recommend.config import Ranked, Recommendation, RecsConfig
from shopmind.recommend.content import ContentIndex, item_text, make_encoder
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.explain import co_event_reason
from shopmind.recommend.explore import Explorer
from shopmind.recommend.itemknn import ItemKNN, keep_top_per_row
from shopmind.recommend.live import DAY, LiveState
from shopmind.recommend.popularity import CategoryPopularity, Popularity
from shopmind.recommend.rules import Catalog, Filters, RecsError, boost_vector
from shopmind.recommend.scoring import Scoring

# RecsConfig and Recommendation live in ``config``; they are re-exported here because callers
# import them from this module and releases pickled before the split name
# ``shopmind.recommend.service.RecsConfig``.
__all__ = ["Recommendation", "RecommendationService", "RecsConfig", "RecsError", "single_threaded_blas"]

MAX_K = 200
POSITIVE_TYPES = frozenset({"view", "click", "add_to_cart", "wishlist", "purchase"})


def _trending(half_life_days: float = 7.0) -> Popularity:
    """Weighted, time-decayed popularity (a module-level function so that models pickle).

    A fitted ranker pickles its makers, naming this ``shopmind.recommend.service._trending``:
    it stays in this module so that saved releases keep loading.
    """
    return Popularity(half_life_days=half_life_days, weighted=True)


#: generator name -> constructor (params come from ``RecsConfig.generators``).
MAKERS: dict[str, Callable[..., Generator]] = {
    "als": ALS,
    "covisit": CoVisitation,
    "item-knn": ItemKNN,
    "popularity": Popularity,
    "trending": _trending,
    "category-popularity": CategoryPopularity,
}


class RecommendationService(Scoring, Attribution, Assembler):
    """Fit once, then answer requests and absorb events (see the module docstring)."""

    def __init__(self) -> None:
        self.config = RecsConfig()
        self.catalog: Catalog
        self.data: Interactions
        self.generators: dict[str, Generator] = {}
        self.ranker: Any = None
        self.content: ContentIndex | None = None
        self.live: LiveState
        self.explorer: Explorer
        self.timings: dict[str, float] = {}
        self.last_record_errors: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ training
    @classmethod
    def fit(
        cls,
        products: pl.DataFrame | None,
        events: pl.DataFrame,
        config: RecsConfig | None = None,
        cache_dir: Path | str | None = None,
        trained: Callable[[Interactions], Mapping[str, Any]] | None = None,
    ) -> RecommendationService:
        """Train every component on canonical ``products`` and accepted ``events``.

        ``trained`` (optional) is given the interactions once they are indexed and returns parts
        trained elsewhere, aligned to those rows and columns (``engine/spark/train.py`` computes
        them on Spark): fitted generators by name, used as they are, and ``"bought-together"``,
        the item x item co-purchase matrix; anything it does not return is fitted here. Not used
        with ``config.ranker`` (the ranker refits its generators on inner splits)."""
        self = cls()
        cfg = self.config = config or RecsConfig()
        single_threaded_blas()
        unknown = sorted(set(cfg.generators) - set(MAKERS))
        if unknown:
            raise RecsError("config.generators", f"unknown {unknown}; known: {sorted(MAKERS)}")
        t = time.perf_counter()
        ev_items = events["item_id"].drop_nulls().cast(pl.Utf8).unique(maintain_order=True).to_list()
        self.catalog = Catalog.from_products(products, ev_items)
        tops = pl.DataFrame(
            {
                "item_id": self.catalog.ids.astype(str),
                "category": [self.catalog.top_category(i) or None for i in range(len(self.catalog))],
            }  # fmt: skip
        )
        has_categories = tops["category"].drop_nulls().len() > 0  # (CategoryPopularity needs >= 1)
        self.data = Interactions.from_events(
            events,
            items=self.catalog.ids,
            weights=cfg.event_weights,
            item_categories=tops if has_categories else None,
        )
        self.user_index = {str(u): i for i, u in enumerate(self.data.user_ids)}
        self.timings["interactions_s"] = time.perf_counter() - t
        pre: Mapping[str, Any] = {}
        if trained is not None and not cfg.ranker:
            t = time.perf_counter()
            pre = trained(self.data)
            self.timings["trained_elsewhere_s"] = time.perf_counter() - t

        def maker(name: str) -> Callable[[], Generator]:
            return functools.partial(MAKERS[name], **cfg.generators[name])  # picklable, unlike a lambda

        if cfg.ranker:
            from shopmind.recommend.ranker import LearnedRanker

            t = time.perf_counter()
            self.ranker = LearnedRanker({n: maker(n) for n in cfg.generators}, depth=cfg.depth,
                                        label_days=cfg.ranker_label_days, num_rounds=cfg.ranker_rounds).fit(self.data)  # fmt: skip
            self.generators = dict(self.ranker.generators)
            self.timings["ranker_s"] = time.perf_counter() - t
        else:
            for name in cfg.generators:
                t = time.perf_counter()
                self.generators[name] = pre[name] if name in pre else maker(name)().fit(self.data)
                self.timings[f"{name}_s"] = time.perf_counter() - t
        t = time.perf_counter()
        self._derive(events, pre.get("bought-together"))
        self.timings["derived_s"] = time.perf_counter() - t
        if cfg.encoder:
            t = time.perf_counter()
            c = self.catalog
            texts = [item_text(c.titles[i], c.category[i], c.brand[i]) if c.has_product[i] else ""
                     for i in range(len(c))]  # fmt: skip
            self.content = ContentIndex.build(
                texts, make_encoder(cfg.encoder), cache_dir, cfg.content_neighbours
            )
            self.timings["content_s"] = time.perf_counter() - t
        cv = self.generators.get("covisit")
        self.live = LiveState(
            len(self.catalog),
            cfg.event_weights,
            window=getattr(cv, "window", 5),
            recent=max(cfg.recent, 20),
            lag_decay=getattr(cv, "lag_decay", 0.8),
            forward_weight=getattr(cv, "forward_weight", 1.0),
            backward_weight=getattr(cv, "backward_weight", 0.5),
            half_life_days=self._trend_half_life(),
            now=self.fit_now,
        )
        self.explorer = Explorer(cfg.explore_share, seed=cfg.seed)
        return self

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

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path | str) -> Path:
        """Models as a pickle (trusted folders only), live state and exploration as JSON."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        state = {
            k: v
            for k, v in self.__dict__.items()
            if k not in ("live", "explorer", "_trend_cache", "_new_set")
        }
        with open(out / "models.pkl", "wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
        (out / "live.json").write_text(json.dumps(self.live.to_dict()), encoding="utf-8")
        (out / "explore.json").write_text(json.dumps(self.explorer.state()), encoding="utf-8")
        (out / "config.json").write_text(
            json.dumps(asdict(self.config), indent=2, default=str), encoding="utf-8"
        )
        return out

    @classmethod
    def load(cls, folder: Path | str) -> RecommendationService:
        src = Path(folder)
        single_threaded_blas()
        self = cls()
        with open(src / "models.pkl", "rb") as f:
            self.__dict__.update(pickle.load(f))
        self.live = LiveState.from_dict(json.loads((src / "live.json").read_text(encoding="utf-8")))
        self.explorer = Explorer.from_state(json.loads((src / "explore.json").read_text(encoding="utf-8")))
        return self

    # ------------------------------------------------------------------ events
    def record(self, events: pl.DataFrame | Iterable[Mapping[str, Any]]) -> int:
        """Apply events to the live state now; returns how many were applied.

        Problems (unknown type or item, no user/session, bad timestamp) are listed per event
        in ``last_record_errors`` as ``{"index", "error", ...}``; they never raise.
        """
        self.last_record_errors = []
        applied = 0
        for pos, ev in enumerate(_rows(events)):
            problem, parsed = self._parse_event(ev)
            if problem:
                self.last_record_errors.append({"index": pos, "error": problem, "item_id": ev.get("item_id")
                                                if isinstance(ev, Mapping) else None})  # fmt: skip
                continue
            if parsed is None:  # valid but nothing to learn (a search)
                applied += 1
                continue
            visitor, item, type_, t, order = parsed
            self.live.add(visitor, item, type_, t, order)
            if type_ in POSITIVE_TYPES:
                self.explorer.click(str(self.catalog.ids[item]))
            applied += 1
        return applied

    def _parse_event(self, ev: Any) -> tuple[str | None, tuple[str, int, str, float, str | None] | None]:
        if not isinstance(ev, Mapping):
            return f"expected a mapping, got {type(ev).__name__}", None
        type_ = ev.get("type")
        if type_ not in EVENT_TYPES:
            return f"unknown event type {type_!r}", None
        user, session = ev.get("user_id"), ev.get("session_id")
        if not user and not session:
            return "needs user_id or session_id", None
        visitor = str(user) if user else f"session:{session}"
        ts = ev.get("timestamp")
        if ts is None:
            t = self.live.now
        elif isinstance(ts, datetime):
            t = ts.timestamp()
        elif isinstance(ts, int | float) and not isinstance(ts, bool) and np.isfinite(ts):
            t = float(ts) / (1e6 if ts > 1e14 else 1e3 if ts > 1e11 else 1.0)
        elif isinstance(ts, str):  # ISO 8601, as the live log stores it (naive = UTC)
            try:
                dt = datetime.fromisoformat(ts.strip().replace("Z", "+00:00"))
            except ValueError:
                return f"bad timestamp {ts!r}", None
            t = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
        else:
            return f"bad timestamp {ts!r}", None
        item = ev.get("item_id")
        if type_ in ITEMLESS_EVENT_TYPES and item is None:
            return None, None
        if item is None or str(item) not in self.catalog.index:
            return f"unknown item {item!r}", None
        order = ev.get("order_id") or ev.get("session_id")
        return None, (visitor, self.catalog.index[str(item)], str(type_), t, str(order) if order else None)

    # ------------------------------------------------------------------ validation
    def _k(self, k: Any) -> int:
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= int(k) <= MAX_K:
            raise RecsError("k", f"must be an integer in 1..{MAX_K}, got {k!r}")
        return int(k)

    def _item(self, item_id: Any, param: str = "item_id") -> int:
        if not isinstance(item_id, str) or item_id not in self.catalog.index:
            raise RecsError(param, f"unknown item {item_id!r}")
        return self.catalog.index[item_id]

    # ------------------------------------------------------------------ contexts
    def for_user(
        self, user_id: str, k: int = 10, filters: Filters | Mapping[str, Any] | None = None
    ) -> list[Recommendation]:
        """Personal recommendations; unknown users fall back to the session path or trending."""
        k = self._k(k)
        flt = Filters.parse(filters)
        if not isinstance(user_id, str) or not user_id:
            raise RecsError("user_id", f"expected a non-empty string, got {user_id!r}")
        row = self.user_index.get(user_id, -1)
        if row < 0:
            if self.live.events.get(user_id):
                recent = self._recent(-1, user_id)
                return self._session(recent, k, flt, user_id)
            return self._cold(k, flt)
        ranked = self._rank_user(row, user_id)
        return self._finish(
            ranked, k, flt, user_id, self.config.weights, self._backfill_for([r for r, _, _ in ranked.recent])
        )

    def _cold(self, k: int, flt: Filters) -> list[Recommendation]:
        trend = self._trending_now()
        lists = self._lists({"trending": trend}, np.empty(0, dtype=np.int64))
        order = lists["trending"]
        ranked = Ranked(order, trend[order], lists, [])
        return self._finish(ranked, k, flt, None, {"trending": 1.0}, self.popular_order, cold=True)

    def for_session(self, events: pl.DataFrame | Iterable[Mapping[str, Any]], k: int = 10,
                    filters: Filters | Mapping[str, Any] | None = None) -> list[Recommendation]:  # fmt: skip
        """An anonymous visitor known only by ``events`` (not recorded): recent items ->
        co-visitation + content + trending in their categories. Unknown items are ignored."""
        k = self._k(k)
        flt = Filters.parse(filters)
        seq = []
        for ev in _rows(events):
            if not isinstance(ev, Mapping) or ev.get("type", "view") not in EVENT_TYPES:
                continue
            item = ev.get("item_id")
            if isinstance(item, str) and item in self.catalog.index:
                seq.append((self.catalog.index[item], str(ev.get("type", "view")), 0.0))
        if not seq:
            return self._cold(k, flt)
        recent = self._recent(-1, None, seq)
        return self._session(recent, k, flt, None)

    def _session(
        self, recent: list[tuple[int, str, float]], k: int, flt: Filters, visitor: str | None
    ) -> list[Recommendation]:
        scores = {"covisit": self._covisit_scores(recent), "trending": self._category_trending(recent)}
        if self.content is not None:
            scores["content"] = self._content_scores(recent)
        weights = {"covisit": self.config.weights.get("covisit", 1.0) or 1.0,
                   "content": self.config.weights.get("content", 0.5) or 0.5, "trending": 0.3}  # fmt: skip
        seen = np.array(sorted({r for r, _, _ in recent}), dtype=np.int64)
        lists = self._lists(scores, seen)
        items, vals = self._fuse(lists, weights)
        ranked = Ranked(items, vals, lists, recent)
        return self._finish(ranked, k, flt, visitor, weights, self._backfill_for(seen.tolist()), exclude=seen)

    def similar_items(
        self, item_id: str, k: int = 10, filters: Filters | Mapping[str, Any] | None = None
    ) -> list[Recommendation]:
        """ "Similar to X": content neighbours + co-visitation neighbours that are plausibly alike
        (same top category or among X's content neighbours: a phone bought by dress shoppers is
        not "similar"); cold items: content only. Co-visitation reasons name the event type the
        pairs were counted over ("Often viewed with", "Customers who bought ... also bought")."""
        k = self._k(k)
        flt = Filters.parse(filters)
        i = self._item(item_id)
        recent = [(i, "view", 1.0)]
        covisit = self._covisit_scores(recent)
        cand = np.flatnonzero(covisit > 0)
        covisit[cand[~self._alike(i, cand)]] = 0.0
        scores = {"covisit": covisit}
        if self.content is not None:
            scores["content"] = self._content_scores(recent)
        weights = {"covisit": 1.0, "content": 0.7}
        lists = self._lists(scores, np.array([i]))
        items, vals = self._fuse(lists, weights)
        ranked = Ranked(items, vals, lists, recent)
        out = self._finish(ranked, k, flt, None, weights, self._backfill_for([i]), exclude=[i], explore=False)
        code = co_event_reason(getattr(self, "covisit_kind", "view"))
        return [relabel(r, {"viewed": code}, self.catalog) for r in out]

    def _alike(self, i: int, cand: np.ndarray) -> np.ndarray:
        """Which of ``cand`` may be called similar to ``i``: same top category, or a content
        cosine at least that of ``i``'s ``similar_content_rank``-th content neighbour (a rank,
        not a cosine, because cosine scales differ by encoder). With neither a category nor
        text for ``i`` there is nothing to check against, so all pass."""
        top = self.catalog.top_code
        ok = np.zeros(len(cand), dtype=bool)
        checked = False
        if top[i] >= 0:
            ok |= top[cand] == top[i]
            checked = True
        content = self.content
        if content is not None and content.vectors[i].any():
            _, sims = content.similar(i, getattr(self.config, "similar_content_rank", 10))
            if len(sims):
                ok |= content.vectors[cand] @ content.vectors[i] >= float(sims[-1])
                checked = True
        return ok if checked else np.ones(len(cand), dtype=bool)

    def bought_together(self, item_ids: str | Sequence[str], k: int = 10,
                        filters: Filters | Mapping[str, Any] | None = None) -> list[Recommendation]:  # fmt: skip
        """ "Often bought with Y": purchase co-occurrence (same order, else session, else
        user-day; batch + live) only. Slots it cannot fill go to the popular items of Y's
        category, labelled as such ("Popular in Dresses") — never co-views passed off as
        purchases."""
        k = self._k(k)
        flt = Filters.parse(filters)
        ids = [item_ids] if isinstance(item_ids, str) else item_ids
        if not isinstance(ids, Sequence) or not ids:
            raise RecsError("item_ids", "expected an item id or a non-empty list of them")
        rows = [self._item(x, "item_ids") for x in ids]
        recent = [(r, "purchase", 1.0) for r in dict.fromkeys(rows)]
        n = len(self.catalog)
        bought = np.zeros(n)
        bought += np.asarray(self.cobought[np.array(rows)].sum(axis=0)).ravel()
        for r in rows:
            for j, v in self.live.cobought.get(r, {}).items():
                bought[j] += v
        weights = {"bought": 1.0}
        lists = self._lists({"bought": bought}, np.array(rows))
        items, vals = self._fuse(lists, weights)
        ranked = Ranked(items, vals, lists, recent)
        return self._finish(
            ranked, k, flt, None, weights, self._backfill_for(rows), exclude=rows, explore=False
        )


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


def single_threaded_blas() -> None:
    """Limit BLAS to one thread for the whole process (a serving process wants this).

    Request-time algebra is tiny (a 128-dim solve, one matrix-vector product over the
    catalog); multi-threaded OpenBLAS on a loaded 2-core box busy-waits and turns a 1 ms
    fold-in into a 600 ms tail (measured here: p99 622 ms with 2 threads, 26 ms with 1).
    """
    threadpool_limits(1, "blas")


def _rows(events: Any) -> Iterable[Any]:
    if isinstance(events, pl.DataFrame):
        return events.iter_rows(named=True)
    if isinstance(events, Mapping):
        return [events]
    return events
