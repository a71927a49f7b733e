"""Per-user profiles from accepted events: decayed interests, RFM value, lifecycle segment.

A profile answers "who is this shopper to the shop": what they look at (categories, brands,
the price band within a category, the language of what they read), what they are worth
(recency, frequency, monetary: RFM) and where they are in their life with the shop (new,
active, at risk, lapsed). It is computed from the events the quality gate accepted (the store,
as ``shopmind build`` reads it) and kept current from the live log (``profiles.live``).

**Time.** The reference time ``as_of`` is the newest event in the data, not the wall clock: a
historical import (Online Retail ends in 2011) would otherwise make every customer "lapsed",
and the same events always give the same profiles. Live events move it forward.

**Decay.** An event's weight is its type's weight (the recommenders' ``EVENT_WEIGHTS``: a
purchase counts 4 views) halved every ``half_life_days`` before ``as_of``. Weights are stored
relative to a fixed reference time ``ref`` (``w * 2^((t - ref) / half_life)``), so a live event
is one addition and reading at any later ``as_of`` is one multiplication — no rescan.

**Segments** (from the last event of any kind, ``recency``, and the first, ``tenure``):
``lapsed`` when recency > ``lapsed_days``; else ``at_risk`` when recency > ``active_days``;
else ``new`` when tenure <= ``new_days``; else ``active``. Boundaries are inclusive on the
active side (recency exactly ``active_days`` is still active).

**RFM** counts purchases: R = days since the last purchase, F = orders (distinct
``order_id``, else distinct purchase sessions, else purchase events), M = the net of
``price * quantity`` over purchases and returns in the user's most used currency. Each gets a
1-5 score against quintile cut points of the purchasers at build time (R: fewer days is
better), kept with the profiles so live updates are scored on the same scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import polars as pl

from shopmind.recommend.base import EVENT_WEIGHTS

SEGMENTS: tuple[str, ...] = ("new", "active", "at_risk", "lapsed")
#: Interest kinds kept per user (the top ``top_k`` of each, by decayed weight).
KINDS: tuple[str, ...] = ("categories", "brands", "languages")
PRICE_BANDS: tuple[str, ...] = ("low", "mid", "high")
_DAY_S = 86_400.0


@dataclass(frozen=True)
class ProfileConfig:
    """How profiles are computed (``[profiles]`` in the shop TOML)."""

    half_life_days: float = 30.0
    new_days: float = 30.0
    active_days: float = 30.0
    lapsed_days: float = 90.0
    top_k: int = 10

    def __post_init__(self) -> None:
        for name in ("half_life_days", "new_days", "active_days", "lapsed_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{name} must be a number > 0, not {value!r}")
        if self.lapsed_days < self.active_days:
            raise ValueError("lapsed_days must be >= active_days")
        if isinstance(self.top_k, bool) or not isinstance(self.top_k, int) or self.top_k < 1:
            raise ValueError(f"top_k must be an integer >= 1, not {self.top_k!r}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def segment(recency_days: float, tenure_days: float, cfg: ProfileConfig) -> str:
    """The lifecycle segment of a user last seen ``recency_days`` and first seen
    ``tenure_days`` before the reference time (see the module docstring)."""
    if recency_days > cfg.lapsed_days:
        return "lapsed"
    if recency_days > cfg.active_days:
        return "at_risk"
    if tenure_days <= cfg.new_days:
        return "new"
    return "active"


def rfm_score(value: float | None, cuts: list[float], higher_is_better: bool = True) -> int | None:
    """1-5 from four quintile cut points (``value`` above k cuts scores k + 1; for recency,
    where fewer days is better, the scale is turned round). None for a non-purchaser."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or not cuts:
        return None
    above = sum(1 for c in cuts if value > c)
    return above + 1 if higher_is_better else 5 - above


def quintile_cuts(values: pl.Series) -> list[float]:
    """The 20/40/60/80 % quantiles of ``values`` (empty for no values)."""
    v = values.drop_nulls()
    if v.is_empty():
        return []
    return [float(v.quantile(q, interpolation="linear")) for q in (0.2, 0.4, 0.6, 0.8)]


def price_band(position: float | None) -> str | None:
    """``low``/``mid``/``high`` from a price position within the category (0 = cheapest)."""
    if position is None or (isinstance(position, float) and math.isnan(position)):
        return None
    return PRICE_BANDS[min(2, int(position * 3))]


def _has_cjk(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)  # type: ignore[union-attr]


def item_table(products: pl.DataFrame) -> pl.DataFrame:
    """What a profile needs of each product: category path, brand, language, and the price's
    position within its category (0 = cheapest, 1 = dearest; 0.5 for a lone product)."""
    cols = set(products.columns)
    f = products.select(
        pl.col("product_id").cast(pl.Utf8).alias("item_id"),
        (pl.col("category_path") if "category_path" in cols else pl.lit(None))
        .cast(pl.Utf8)
        .alias("category"),
        (pl.col("brand") if "brand" in cols else pl.lit(None)).cast(pl.Utf8).alias("brand"),
        (pl.col("price") if "price" in cols else pl.lit(None)).cast(pl.Float64).alias("price"),
        (pl.col("language") if "language" in cols else pl.lit(None)).cast(pl.Utf8).alias("language"),
        pl.col("title").cast(pl.Utf8).alias("_title")
        if "title" in cols
        else pl.lit(None, pl.Utf8).alias("_title"),
    ).unique("item_id", keep="last", maintain_order=True)
    lang = pl.when(pl.col("language").is_not_null()).then(
        pl.col("language").str.slice(0, 2).str.to_lowercase()
    )
    lang = lang.when(pl.col("_title").str.contains("[\u4e00-\u9fff]")).then(pl.lit("zh"))
    lang = lang.when(pl.col("_title").is_not_null()).then(pl.lit("en"))
    rank = pl.col("price").rank("average").over("category")
    n = pl.col("price").count().over("category")
    pos = pl.when(n > 1).then((rank - 1) / (n - 1)).when(n == 1).then(pl.lit(0.5))
    return f.with_columns(lang.alias("language"), pos.alias("price_pos")).drop("_title", "price")


def _top(frame: pl.DataFrame, key: str, top_k: int) -> pl.DataFrame:
    """Per user, the ``top_k`` values of ``key`` by summed weight, as a list of {name, w}."""
    g = (
        frame.filter(pl.col(key).is_not_null() & (pl.col("w") > 0))
        .group_by("user_id", key)
        .agg(pl.col("w").sum())
        .sort(["user_id", "w", key], descending=[False, True, False])
        .group_by("user_id", maintain_order=True)
        .head(top_k)
    )
    return g.group_by("user_id", maintain_order=True).agg(
        pl.struct(pl.col(key).alias("name"), pl.col("w")).alias(key + "_list")
    )


def compute_profiles(
    events: pl.DataFrame,
    products: pl.DataFrame,
    cfg: ProfileConfig | None = None,
    as_of: datetime | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Profiles of every user with an event: (one row per user, meta with ``ref``/``as_of``,
    the RFM cut points, the config and counts per segment). Pure: same input, same output."""
    cfg = cfg or ProfileConfig()
    ev = events.filter(pl.col("user_id").is_not_null() & (pl.col("user_id").cast(pl.Utf8) != ""))
    cols = set(ev.columns)

    def col(name: str, dtype: pl.DataType) -> pl.Expr:
        return (pl.col(name) if name in cols else pl.lit(None)).cast(dtype).alias(name)

    ev = ev.select(
        pl.col("user_id").cast(pl.Utf8),
        pl.col("type").cast(pl.Utf8),
        pl.col("timestamp"),
        col("item_id", pl.Utf8),
        col("session_id", pl.Utf8),
        col("order_id", pl.Utf8),
        col("quantity", pl.Float64),
        col("price", pl.Float64),
        col("currency", pl.Utf8),
        col("query", pl.Utf8),
    )
    if as_of is None:
        as_of = ev["timestamp"].max() if ev.height else None  # type: ignore[assignment]
    ref = as_of
    meta: dict[str, Any] = {
        "config": cfg.as_dict(),
        "ref": ref.isoformat() if ref is not None else None,
        "as_of": as_of.isoformat() if as_of is not None else None,
        "rfm_cuts": {"recency_days": [], "frequency": [], "monetary": []},
        "users": 0,
        "segments": dict.fromkeys(SEGMENTS, 0),
    }
    if not ev.height or ref is None:
        return _empty(), meta
    items = item_table(products)
    weights = pl.col("type").replace_strict(dict(EVENT_WEIGHTS), default=0.0, return_dtype=pl.Float64)
    age_days = (pl.lit(ref) - pl.col("timestamp")).dt.total_microseconds() / (_DAY_S * 1e6)
    decay = 2.0 ** (-age_days / cfg.half_life_days)
    ev = ev.with_columns((weights * decay).alias("w"), decay.alias("_decay"))
    # a search's language is its query's; an item event's is the item's
    ev = ev.join(items, on="item_id", how="left").with_columns(
        pl.when(pl.col("query").is_not_null() & pl.col("item_id").is_null())
        .then(
            pl.when(pl.col("query").str.contains("[\u4e00-\u9fff]"))
            .then(pl.lit("zh"))
            .otherwise(pl.lit("en"))
        )
        .otherwise(pl.col("language"))
        .alias("languages"),
        pl.when(pl.col("type") == "search").then(pl.col("_decay")).otherwise(pl.col("w")).alias("w_lang"),
    )
    buys = pl.col("type").is_in(["purchase", "return"])
    purchase = pl.col("type") == "purchase"
    order_key = pl.coalesce(pl.col("order_id"), pl.col("session_id"), pl.col("timestamp").cast(pl.Utf8))
    base = ev.group_by("user_id").agg(
        pl.col("timestamp").min().alias("first_seen"),
        pl.col("timestamp").max().alias("last_seen"),
        pl.col("timestamp").filter(purchase).max().alias("last_purchase"),
        pl.len().alias("events"),
        pl.col("session_id").drop_nulls().n_unique().alias("sessions"),
        order_key.filter(purchase).drop_nulls().n_unique().alias("orders"),
        pl.col("currency").filter(buys).drop_nulls().mode().first().alias("currency"),
        (pl.col("price_pos") * pl.col("w"))
        .filter(pl.col("price_pos").is_not_null())
        .sum()
        .alias("price_wsum"),
        pl.col("w").filter(pl.col("price_pos").is_not_null()).sum().alias("price_w"),
    )
    money = (
        ev.filter(buys & pl.col("price").is_not_null())
        .join(base.select("user_id", "currency"), on="user_id")
        .filter(pl.col("currency").is_null() | (pl.col("currency") == pl.col("currency_right")))
        .group_by("user_id")
        .agg((pl.col("price") * pl.col("quantity").fill_null(1.0)).sum().alias("monetary"))
    )
    base = base.join(money, on="user_id", how="left").with_columns(pl.col("monetary").fill_null(0.0))
    for kind, key in (("categories", "category"), ("brands", "brand")):
        top = _top(ev.rename({key: kind}), kind, cfg.top_k)
        base = base.join(top, on="user_id", how="left")
    lang = _top(ev.drop("w").rename({"w_lang": "w"}), "languages", cfg.top_k)
    base = base.join(lang, on="user_id", how="left")
    base = base.rename({f"{k}_list": k for k in KINDS}).sort("user_id")
    recency = (pl.lit(as_of) - pl.col("last_purchase")).dt.total_microseconds() / (_DAY_S * 1e6)
    buyers = base.filter(pl.col("orders") > 0)
    meta["rfm_cuts"] = {
        "recency_days": quintile_cuts(buyers.select(recency.alias("r"))["r"]),
        "frequency": quintile_cuts(buyers["orders"].cast(pl.Float64)),
        "monetary": quintile_cuts(buyers["monetary"]),
    }
    meta["users"] = base.height
    counts = dict.fromkeys(SEGMENTS, 0)
    for first, last in base.select("first_seen", "last_seen").iter_rows():
        counts[segment(_days(as_of, last), _days(as_of, first), cfg)] += 1
    meta["segments"] = counts
    return base, meta


def _days(later: datetime, earlier: datetime | None) -> float:
    if earlier is None:
        return math.inf
    return (later - earlier).total_seconds() / _DAY_S


def _empty() -> pl.DataFrame:
    ts = pl.Datetime("us", "UTC")
    pair = pl.List(pl.Struct({"name": pl.Utf8, "w": pl.Float64}))
    return pl.DataFrame(
        schema={
            "user_id": pl.Utf8, "first_seen": ts, "last_seen": ts, "last_purchase": ts, "events": pl.UInt32,
            "sessions": pl.UInt32, "orders": pl.UInt32, "currency": pl.Utf8, "price_wsum": pl.Float64,
            "price_w": pl.Float64, "monetary": pl.Float64, "categories": pair, "brands": pair, "languages": pair,
        }
    )  # fmt: skip


def present(
    row: Mapping[str, Any], meta: Mapping[str, Any], cfg: ProfileConfig, as_of: datetime, ref: datetime
) -> dict[str, Any]:
    """A stored profile row as the API shows it, read at ``as_of`` (weights decayed from
    ``ref``, normalised to shares that sum to 1 per kind; segment and RFM scores)."""
    scale = 2.0 ** (-_days(as_of, ref) / cfg.half_life_days) if as_of >= ref else 1.0

    def shares(pairs: Any) -> list[dict[str, Any]]:
        items = [(p["name"], float(p["w"])) for p in (pairs or []) if p["w"] and p["w"] > 0]
        total = sum(w for _n, w in items)
        items.sort(key=lambda x: (-x[1], x[0]))
        return [{"name": n, "weight": round(w * scale, 6), "share": round(w / total, 4)} for n, w in items]

    recency = _days(as_of, row["last_seen"])
    tenure = _days(as_of, row["first_seen"])
    r_days = _days(as_of, row.get("last_purchase")) if row.get("last_purchase") is not None else None
    cuts = meta.get("rfm_cuts", {})
    orders = int(row.get("orders") or 0)
    pos = row["price_wsum"] / row["price_w"] if row.get("price_w") else None
    langs = shares(row.get("languages"))
    return {
        "user_id": row["user_id"],
        "segment": segment(recency, tenure, cfg),
        "first_seen": row["first_seen"],
        "last_seen": row["last_seen"],
        "recency_days": round(recency, 3),
        "tenure_days": round(tenure, 3),
        "events": int(row.get("events") or 0),
        "sessions": int(row.get("sessions") or 0),
        "interests": {
            "categories": shares(row.get("categories")),
            "brands": shares(row.get("brands")),
            "price_band": price_band(pos),
            "price_position": None if pos is None else round(pos, 4),
            "language": langs[0]["name"] if langs else None,
            "languages": langs,
        },
        "rfm": {
            "recency_days": None if r_days is None else round(r_days, 3),
            "frequency": orders,
            "monetary": round(float(row.get("monetary") or 0.0), 2),
            "currency": row.get("currency"),
            "r": rfm_score(r_days, cuts.get("recency_days", []), higher_is_better=False) if orders else None,
            "f": rfm_score(float(orders), cuts.get("frequency", [])) if orders else None,
            "m": rfm_score(float(row.get("monetary") or 0.0), cuts.get("monetary", [])) if orders else None,
        },
        "as_of": as_of,
    }
