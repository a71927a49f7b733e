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

This module keeps the class with training, persistence and the contexts; the rest is split
by job: ``config`` (value types), ``derive`` (the arrays ``fit`` precomputes for requests),
``intake`` (``record``: live events), ``scoring``, ``attribution`` (which signal explains an
item) and ``assemble`` (rules, exploration, live slot), mixed into the class.
"""

from __future__ import annotations

import functools
import json
import pickle
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from shopmind.data.model import EVENT_TYPES
from shopmind.recommend.als import ALS
from shopmind.recommend.assemble import Assembler, relabel
from shopmind.recommend.attribution import Attribution
from shopmind.recommend.base import Generator, Interactions
from shopmind.recommend.config import Ranked, Recommendation, RecsConfig
from shopmind.recommend.content import ContentIndex, item_text, make_encoder
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.derive import Derived, dominant_kind
from shopmind.recommend.explain import co_event_reason
from shopmind.recommend.explore import Explorer
from shopmind.recommend.intake import POSITIVE_TYPES, EventIntake, _rows
from shopmind.recommend.itemknn import ItemKNN
from shopmind.recommend.live import LiveState
from shopmind.recommend.popularity import CategoryPopularity, Popularity
from shopmind.recommend.rules import Catalog, Filters, RecsError
from shopmind.recommend.sasrec import EXTRA_HINT, release_sasrec, torch_available
from shopmind.recommend.scoring import Scoring

# RecsConfig and Recommendation live in ``config``; they are re-exported here because callers
# import them from this module and releases pickled before the split name
# ``shopmind.recommend.service.RecsConfig``. ``dominant_kind`` and ``POSITIVE_TYPES`` moved to
# ``derive`` and ``intake``; re-exported for code that imported them from here.
__all__ = [
    "MAKERS",
    "POSITIVE_TYPES",
    "Recommendation",
    "RecommendationService",
    "RecsConfig",
    "RecsError",
    "dominant_kind",
    "single_threaded_blas",
]

MAX_K = 200


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
    # sequential transformer (defaults: ``sasrec.RELEASE_DEFAULTS``); optional extra (torch):
    # without it the service is fitted without SASRec and says so in ``notes`` (see ``fit``)
    "sasrec": release_sasrec,
}

#: generators whose constructor needs an optional extra: name -> (available?, install hint)
OPTIONAL: dict[str, tuple[Callable[[], bool], str]] = {"sasrec": (torch_available, EXTRA_HINT)}


class RecommendationService(Derived, EventIntake, Scoring, Attribution, Assembler):
    """Fit once, then answer requests and absorb events (see the module docstring)."""

    def __init__(self) -> None:
        self.config = RecsConfig()
        self.catalog: Catalog
        self.data: Interactions
        self.generators: dict[str, Generator] = {}
        self.ranker: Any = None
        #: the ranker's held-out guard in this fit (``ranker_guard.release_holdout``), if read
        self.ranker_guard: dict[str, Any] = {}
        self.content: ContentIndex | None = None
        self.live: LiveState
        self.explorer: Explorer
        self.timings: dict[str, float] = {}
        #: what the fit left out and why (an optional extra missing); shown in the release manifest
        self.notes: list[str] = []
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
        names = [n for n in cfg.generators if n not in OPTIONAL or OPTIONAL[n][0]()]
        self.notes = [f"{n} not fitted: {OPTIONAL[n][1]}" for n in cfg.generators if n not in names]
        self.notes += [f"{n} fitted but has no fusion weight in [recs.weights]: it does not affect answers"
                       for n in names if n in OPTIONAL and not cfg.weights.get(n) and not cfg.ranker]  # fmt: skip
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

        ranked = cfg.ranker
        if cfg.ranker and cfg.ranker_guard:  # served only past its held-out guard
            from shopmind.recommend.ranker_guard import release_holdout, release_said

            t = time.perf_counter()
            self.ranker_guard = release_holdout({n: maker(n) for n in names}, self.data, cfg)
            self.timings["ranker_guard_s"] = time.perf_counter() - t
            if "skipped" in self.ranker_guard:
                self.notes.append(
                    f"ranker guard not read ({self.ranker_guard['skipped']}): the ranker serves"
                )
            elif not self.ranker_guard["served"]:
                ranked = False
                self.notes.append(release_said(self.ranker_guard, cfg.ranker_label_days))
        if ranked:
            from shopmind.recommend.ranker import LearnedRanker

            t = time.perf_counter()
            self.ranker = LearnedRanker({n: maker(n) for n in names}, depth=cfg.depth,
                                        label_days=cfg.ranker_label_days, num_rounds=cfg.ranker_rounds).fit(self.data)  # fmt: skip
            self.generators = dict(self.ranker.generators)
            self.timings["ranker_s"] = time.perf_counter() - t
        else:
            for name in names:
                t = time.perf_counter()
                self.generators[name] = pre[name] if name in pre else maker(name)().fit(self.data)
                self.timings[f"{name}_s"] = time.perf_counter() - t
        for name, gen in self.generators.items():  # a wall-time cut makes the model load-dependent: say so
            if getattr(gen, "stop_reason", "") == "max_seconds":
                self.notes.append(f"{name} stopped by max_seconds ({gen.max_seconds:.0f} s wall) after "
                                  f"{len(gen.history)} of {gen.epochs} epochs: the model depends on the machine's load")  # fmt: skip
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
        for name, gen in self.generators.items():  # saved with an extra this process lacks
            if getattr(gen, "available", True) is False and name in OPTIONAL:
                self.notes.append(f"{name} saved but not used here: {OPTIONAL[name][1]}")
        return self

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
        weights = self._content_weighted(self.config.weights, ranked.recent)
        return self._finish(
            ranked, k, flt, user_id, weights, self._backfill_for([r for r, _, _ in ranked.recent])
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
        weights = self._content_weighted(weights, recent)
        seen = np.array(sorted({r for r, _, _ in recent}), dtype=np.int64)
        lists = self._lists(scores, seen)
        items, vals = self._fuse(lists, weights)
        ranked = Ranked(items, vals, lists, recent)
        return self._finish(ranked, k, flt, visitor, weights, self._backfill_for(seen.tolist()), exclude=seen)

    def similar_items(
        self, item_id: str, k: int = 10, filters: Filters | Mapping[str, Any] | None = None
    ) -> list[Recommendation]:
        """ "Similar to X": co-visitation neighbours that are plausibly alike (``_alike``: not of
        another top category unless they read alike — a phone bought by dress shoppers is not
        "similar"), then content neighbours filling what behaviour leaves empty (with the default
        ``content_behaviour_k = 0``; an item nobody touched: content at full weight). Co-visitation
        reasons name the event type the pairs were counted over ("Often viewed with", "Customers
        who bought ... also bought")."""
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
        weights = self._content_weighted({"covisit": 1.0, "content": 0.7}, recent)
        lists = self._lists(scores, np.array([i]))
        items, vals = self._fuse(lists, weights)
        ranked = Ranked(items, vals, lists, recent)
        out = self._finish(ranked, k, flt, None, weights, self._backfill_for([i]), exclude=[i], explore=False)
        code = co_event_reason(getattr(self, "covisit_kind", "view"))
        return [relabel(r, {"viewed": code}, self.catalog) for r in out]

    def _alike(self, i: int, cand: np.ndarray) -> np.ndarray:
        """Which of ``cand`` may be called similar to ``i``: a co-visitation neighbour of another
        top category (both items have one and they differ) passes only if its content cosine is
        at least that of ``i``'s ``similar_content_rank``-th content neighbour (a rank, not a
        cosine, because cosine scales differ by encoder); the others pass. Why not the text check
        on every neighbour: without categories (Online Retail, Groceries) it dropped nearly all
        co-visitation neighbours and content filled the slots — similar hit@10 on validation
        0.258 -> 0.436 on Online Retail, 0.219 -> 0.662 on Groceries without it, the demo shop
        (all categorised) unchanged (bench/recs_content_weight.py, session 25)."""
        top = self.catalog.top_code
        ok = ~((top[i] >= 0) & (top[cand] >= 0) & (top[cand] != top[i]))
        content = self.content
        if content is not None and content.vectors[i].any() and not ok.all():
            _, sims = content.similar(i, getattr(self.config, "similar_content_rank", 10))
            if len(sims):
                ok |= content.vectors[cand] @ content.vectors[i] >= float(sims[-1])
        return ok

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


def single_threaded_blas() -> None:
    """Limit BLAS to one thread for the whole process (a serving process wants this).

    Request-time algebra is tiny (a 128-dim solve, one matrix-vector product over the
    catalog); multi-threaded OpenBLAS on a loaded 2-core box busy-waits and turns a 1 ms
    fold-in into a 600 ms tail (measured here: p99 622 ms with 2 threads, 26 ms with 1).
    """
    threadpool_limits(1, "blas")
