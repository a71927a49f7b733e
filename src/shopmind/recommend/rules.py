"""Business rules applied after ranking: what a shop may show, not what a model prefers.

Gorse leaves filters to the caller (FIELD.md: #637, #834); a shop needs them inside the
service so that a filtered request still gets ``k`` items. The flow per request is:

1. ``eligible_mask``: one boolean per catalog item — request filters (category prefixes,
   brands, price range, explicit exclusions), stock, already-purchased items (except in
   categories where re-buying is normal, e.g. consumables). Vectorised over the catalog via
   per-value index lists built once, so a filter costs microseconds, not a scan of strings.
2. ``select``: boosts, then the ranked candidates that are eligible, with a per-category cap
   and/or MMR on content vectors for diversity; backfill from a popularity order restricted
   to eligible items; the cap is relaxed only if it alone would leave the list short; pinned
   items go to their positions last. The result has exactly ``min(k, eligible)`` distinct
   items, every one of them eligible (property-tested).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from shopmind.data.model import CATEGORY_SEP


class RecsError(ValueError):
    """A bad request to the recommendation service; ``param`` names the culprit."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param


def _norm(value: object) -> str:
    return str(value).strip().casefold()


@dataclass
class Catalog:
    """Per-item product facts, index-aligned with ``Interactions.item_ids``.

    ``stock`` NaN means unknown (treated as available); ``category`` is the full path.
    """

    ids: np.ndarray
    titles: list[str]
    category: list[str]
    brand: list[str]
    price: np.ndarray
    stock: np.ndarray
    created: np.ndarray  # epoch seconds, NaN unknown
    has_product: np.ndarray  # False for items only seen in events
    index: dict[str, int] = field(default_factory=dict)
    by_prefix: dict[str, np.ndarray] = field(default_factory=dict)
    by_brand: dict[str, np.ndarray] = field(default_factory=dict)
    top_code: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    top_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.index = {str(x): i for i, x in enumerate(self.ids)}
        prefixes: dict[str, list[int]] = {}
        brands: dict[str, list[int]] = {}
        tops: dict[str, int] = {}
        codes = np.full(len(self.ids), -1, dtype=np.int64)
        for i, (path, brand) in enumerate(zip(self.category, self.brand, strict=True)):
            if path:
                parts = [p.strip() for p in path.split(CATEGORY_SEP.strip())]
                for depth in range(1, len(parts) + 1):
                    prefixes.setdefault(_norm(CATEGORY_SEP.join(parts[:depth])), []).append(i)
                codes[i] = tops.setdefault(parts[0], len(tops))
            if brand:
                brands.setdefault(_norm(brand), []).append(i)
        self.by_prefix = {k: np.asarray(v, dtype=np.int64) for k, v in prefixes.items()}
        self.by_brand = {k: np.asarray(v, dtype=np.int64) for k, v in brands.items()}
        self.top_code = codes
        self.top_names = list(tops)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_products(cls, products: pl.DataFrame | None, item_ids: Sequence[str] = ()) -> Catalog:
        """Products first (in frame order, first row per id), then ids only seen in events."""
        cols = {
            "title": pl.Utf8,
            "category_path": pl.Utf8,
            "brand": pl.Utf8,
            "price": pl.Float64,
            "stock": pl.Float64,
        }
        if products is None or products.height == 0:
            frame = pl.DataFrame(schema={"product_id": pl.Utf8, **cols, "created": pl.Float64})
        else:
            exprs = [pl.col("product_id").cast(pl.Utf8)]
            for name, dtype in cols.items():
                exprs.append(
                    pl.col(name).cast(dtype) if name in products.columns else pl.lit(None, dtype).alias(name)
                )
            if "created_at" in products.columns and products["created_at"].dtype.is_temporal():
                exprs.append(pl.col("created_at").dt.epoch("s").cast(pl.Float64).alias("created"))
            else:
                exprs.append(pl.lit(None, pl.Float64).alias("created"))
            frame = products.select(exprs).drop_nulls("product_id").unique("product_id", keep="first",
                                                                            maintain_order=True)  # fmt: skip
        known = set(frame["product_id"].to_list())
        extra = [str(x) for x in dict.fromkeys(item_ids) if str(x) not in known]
        ids = frame["product_id"].to_list() + extra
        n_p, n_x = frame.height, len(extra)
        titles = [t if t else pid for t, pid in zip(frame["title"].to_list(), frame["product_id"].to_list(),
                                                    strict=True)] + extra  # fmt: skip
        return cls(
            ids=np.asarray(ids, dtype=object),
            titles=titles,
            category=[c or "" for c in frame["category_path"].to_list()] + [""] * n_x,
            brand=[b or "" for b in frame["brand"].to_list()] + [""] * n_x,
            price=np.concatenate([frame["price"].fill_null(np.nan).to_numpy(), np.full(n_x, np.nan)]),
            stock=np.concatenate([frame["stock"].fill_null(np.nan).to_numpy(), np.full(n_x, np.nan)]),
            created=np.concatenate([frame["created"].fill_null(np.nan).to_numpy(), np.full(n_x, np.nan)]),
            has_product=np.concatenate([np.ones(n_p, dtype=bool), np.zeros(n_x, dtype=bool)]),
        )

    def top_category(self, i: int) -> str:
        c = int(self.top_code[i])
        return self.top_names[c] if c >= 0 else ""

    def knows_category(self, prefix: str) -> bool:
        """Whether an item's category path is ``prefix`` or below it (as ``in_prefixes`` matches)."""
        return (
            _norm(CATEGORY_SEP.join(s.strip() for s in str(prefix).split(CATEGORY_SEP.strip())))
            in self.by_prefix
        )

    def knows_brand(self, brand: str) -> bool:
        """Whether an item has this brand (as the brand filter matches)."""
        return _norm(brand) in self.by_brand

    def in_prefixes(self, prefixes: Sequence[str]) -> np.ndarray:
        """Items whose category path is one of ``prefixes`` or below it (case-insensitive)."""
        mask = np.zeros(len(self.ids), dtype=bool)
        for p in prefixes:
            key = _norm(CATEGORY_SEP.join(s.strip() for s in str(p).split(CATEGORY_SEP.strip())))
            idx = self.by_prefix.get(key)
            if idx is not None:
                mask[idx] = True
        return mask


@dataclass(frozen=True)
class Filters:
    """Per-request filters. Empty tuples / None mean "no constraint"."""

    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    in_stock: bool | None = None  # None: the service default (RulesConfig.in_stock_only)
    exclude: tuple[str, ...] = ()

    KEYS = ("categories", "brands", "price_min", "price_max", "in_stock", "exclude")

    @classmethod
    def parse(cls, raw: Filters | Mapping[str, Any] | None) -> Filters:
        """Validate a filters mapping; any problem is a ``RecsError`` naming the key."""
        if raw is None:
            return cls()
        if isinstance(raw, Filters):
            return raw
        if not isinstance(raw, Mapping):
            raise RecsError(
                "filters", f"expected a mapping of {', '.join(cls.KEYS)}, got {type(raw).__name__}"
            )
        unknown = sorted(set(raw) - set(cls.KEYS))
        if unknown:
            raise RecsError("filters", f"unknown key(s) {unknown}; allowed: {', '.join(cls.KEYS)}")

        def strings(key: str) -> tuple[str, ...]:
            value = raw.get(key)
            if value is None:
                return ()
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, Sequence) or not all(isinstance(v, str) and v.strip() for v in value):
                raise RecsError(f"filters.{key}", "expected a non-empty string or a list of them")
            return tuple(value)

        def number(key: str) -> float | None:
            value = raw.get(key)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise RecsError(f"filters.{key}", f"expected a finite number, got {value!r}")
            if value < 0:
                raise RecsError(f"filters.{key}", f"must be >= 0, got {value!r}")
            return float(value)

        lo, hi = number("price_min"), number("price_max")
        if lo is not None and hi is not None and lo > hi:
            raise RecsError("filters.price_min", f"{lo} is above price_max {hi}")
        in_stock = raw.get("in_stock")
        if in_stock is not None and not isinstance(in_stock, bool):
            raise RecsError("filters.in_stock", f"expected true/false, got {in_stock!r}")
        return cls(strings("categories"), strings("brands"), lo, hi, in_stock, strings("exclude"))


@dataclass
class RulesConfig:
    """Shop-level rule defaults (one per service; requests add ``Filters``).

    Attributes:
        exclude_purchased: never re-recommend what the user bought...
        rebuy_categories: ...except in these category prefixes (consumables).
        in_stock_only: hide items with stock <= 0 (unknown stock counts as available).
        max_per_category: at most this many items per top-level category (None: no cap).
        mmr_lambda: if set (0..1), re-rank by MMR on content vectors: lambda * relevance -
            (1 - lambda) * max cosine to items already chosen; 1 = no diversity.
        pins: item id -> 0-based position it is forced to (if eligible).
        boosts: ``"item:<id>"``, ``"brand:<name>"`` or ``"category:<prefix>"`` -> score multiplier.
    """

    exclude_purchased: bool = True
    rebuy_categories: tuple[str, ...] = ()
    in_stock_only: bool = True
    max_per_category: int | None = None
    mmr_lambda: float | None = None
    pins: dict[str, int] = field(default_factory=dict)
    boosts: dict[str, float] = field(default_factory=dict)


def boost_vector(catalog: Catalog, boosts: Mapping[str, float]) -> np.ndarray | None:
    """Per-item score multipliers from ``RulesConfig.boosts`` (None when there are none)."""
    if not boosts:
        return None
    out = np.ones(len(catalog), dtype=np.float64)
    for key, factor in boosts.items():
        kind, _, value = key.partition(":")
        if kind == "item" and value in catalog.index:
            out[catalog.index[value]] *= factor
        elif kind == "brand" and _norm(value) in catalog.by_brand:
            out[catalog.by_brand[_norm(value)]] *= factor
        elif kind == "category":
            out[catalog.in_prefixes([value])] *= factor
        else:
            raise RecsError("rules.boosts", f"{key!r}: expected item:<id>, brand:<name> or category:<path> "
                                            "that exists in the catalog")  # fmt: skip
    return out


def eligible_mask(
    catalog: Catalog,
    filters: Filters,
    rules: RulesConfig,
    purchased: Sequence[int] | np.ndarray = (),
    exclude: Sequence[int] | np.ndarray = (),
) -> np.ndarray:
    """Which catalog items may be shown for this request (filters, stock, purchases)."""
    n = len(catalog)
    # an item only seen in events is no product for sale when the shop has a catalogue (one it removed,
    # drafted or archived: its orders teach the models, but it is not shown); without one, every item is
    mask = catalog.has_product.copy() if catalog.has_product.any() else np.ones(n, dtype=bool)
    if filters.categories:
        mask &= catalog.in_prefixes(filters.categories)
    if filters.brands:
        allowed = np.zeros(n, dtype=bool)
        for b in filters.brands:
            idx = catalog.by_brand.get(_norm(b))
            if idx is not None:
                allowed[idx] = True
        mask &= allowed
    if filters.price_min is not None:
        mask &= catalog.price >= filters.price_min  # NaN price fails a price filter
    if filters.price_max is not None:
        mask &= catalog.price <= filters.price_max
    in_stock = rules.in_stock_only if filters.in_stock is None else filters.in_stock
    if in_stock:
        mask &= ~(catalog.stock <= 0)
    for item in filters.exclude:
        if item in catalog.index:
            mask[catalog.index[item]] = False
    bought = np.asarray(purchased, dtype=np.int64)
    if rules.exclude_purchased and len(bought):
        if rules.rebuy_categories:
            bought = bought[~catalog.in_prefixes(rules.rebuy_categories)[bought]]
        mask[bought] = False
    ex = np.asarray(exclude, dtype=np.int64)
    if len(ex):
        mask[ex] = False
    return mask


def _mmr(order: list[int], rel: list[float], vectors: np.ndarray, lam: float, k: int) -> list[int]:
    """Greedy maximal marginal relevance over a candidate pool (relevance min-max scaled)."""
    if len(order) <= 1:
        return order
    r = np.asarray(rel, dtype=np.float64)
    r = (r - r.min()) / (r.max() - r.min()) if r.max() > r.min() else np.ones_like(r)
    v = vectors[np.asarray(order)]
    sims = v @ v.T
    chosen: list[int] = []
    best_sim = np.full(len(order), -np.inf)
    left = np.ones(len(order), dtype=bool)
    for _ in range(min(k, len(order))):
        penalty = np.where(np.isfinite(best_sim), best_sim, 0.0)
        value = np.where(left, lam * r - (1 - lam) * penalty, -np.inf)
        j = int(np.argmax(value))
        chosen.append(j)
        left[j] = False
        best_sim = np.maximum(best_sim, sims[j])
    return [order[j] for j in chosen] + [order[j] for j in np.flatnonzero(left)]


def select(
    ranked: np.ndarray,
    scores: np.ndarray,
    eligible: np.ndarray,
    k: int,
    catalog: Catalog,
    rules: RulesConfig,
    backfill: np.ndarray,
    boosts: np.ndarray | None = None,
    vectors: np.ndarray | None = None,
) -> list[tuple[int, str]]:
    """The final list: (item index, origin) with origin "ranked", "backfill" or "pinned".

    ``ranked`` are candidate item indices with their ``scores`` (any order, any scale);
    ``backfill`` is an item order (e.g. all items by popularity) used when candidates run out.
    """
    target = min(k, int(eligible.sum()))
    if target == 0:
        return []
    ranked = np.asarray(ranked, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    keep = eligible[ranked] if len(ranked) else np.zeros(0, dtype=bool)
    ranked, scores = ranked[keep], scores[keep]
    if boosts is not None and len(ranked):
        # scores may be negative (LightGBM) or on any scale: map to [0.5, 1] before
        # multiplying, so a boost of 2 lifts the weakest candidate level with the best
        span = scores.max() - scores.min()
        scores = (0.5 + 0.5 * ((scores - scores.min()) / span if span > 0 else 1.0)) * boosts[ranked]
    order = np.argsort(-scores, kind="stable")
    ranked, scores = ranked[order], scores[order]
    pins = {
        catalog.index[i]: p
        for i, p in rules.pins.items()
        if i in catalog.index and eligible[catalog.index[i]]
    }
    slots = target - min(len(pins), target)
    cand, rel = ranked.tolist(), scores.tolist()
    if rules.mmr_lambda is not None and vectors is not None and len(cand) > 1:
        pool = min(len(cand), 3 * k + 20)
        cand = _mmr(cand[:pool], rel[:pool], vectors, float(rules.mmr_lambda), slots) + cand[pool:]
    cap = rules.max_per_category
    chosen: list[tuple[int, str]] = []
    taken: set[int] = set(pins)
    per_cat: dict[int, int] = {}

    def take(items: list[int] | np.ndarray, origin: str, capped: bool) -> None:
        for i in items:
            if len(chosen) >= slots:
                return
            i = int(i)
            if i in taken:
                continue
            c = int(catalog.top_code[i])
            if capped and cap is not None and c >= 0 and per_cat.get(c, 0) >= cap:
                continue
            chosen.append((i, origin))
            taken.add(i)
            per_cat[c] = per_cat.get(c, 0) + 1

    fill = np.asarray(backfill, dtype=np.int64)
    fill = fill[eligible[fill]]
    take(cand, "ranked", True)
    take(fill, "backfill", True)
    if len(chosen) < slots:  # the category cap alone would leave the list short: relax it
        take(cand, "ranked", False)
        take(fill, "backfill", False)
    if len(chosen) < slots:  # backfill order did not cover every eligible item
        take(np.flatnonzero(eligible), "backfill", False)
    for item, pos in sorted(pins.items(), key=lambda kv: kv[1])[:target]:
        chosen.insert(min(max(pos, 0), len(chosen)), (item, "pinned"))
    return chosen[:target]
