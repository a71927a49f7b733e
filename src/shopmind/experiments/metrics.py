"""Per-unit metric columns for an experiment, from its exposure records and the shop's events.

Why per unit: the variance of every metric must be computed over the randomisation unit (user or
session); session- or request-level metrics become ratios of per-unit sums (``stats.compare`` with a
denominator, i.e. the delta method).

Exposure frame (one row per served search/recs response in the experiment; see ``exposure.py``):
``experiment, variant, unit_id, session_id, request_id, kind ('search' | 'recs'), n_results, timestamp``.
Event frame: the canonical events table (``type, timestamp, user_id, session_id, price, quantity``;
optionally ``request_id``, as ``POST /v1/events`` takes it).

Attribution: a click that carries a ``request_id`` (the X-Request-ID of the response it was on; the
storefront echoes it) belongs to the exposure logged for that request, and to none when that
request was not one of this experiment's exposures (a recommendation row clicked during a search
experiment); a click without one belongs to the latest exposure of its session at most
``CLICK_WINDOW`` before it. Sessions, carts, purchases and revenue count from the unit's first
exposure on.

Money across currencies: an amount is only comparable to an amount of the same currency, and the
readout converts nothing. The events' ``currency`` column (optional) names each purchase's currency.
When the purchases name at most one currency, revenue is one column (``revenue``) as always: a
purchase without a currency counts in the one named (the shop's). When they name several (a shop
export can mix EUR and USD), revenue is one column per currency (``revenue:EUR``, ``revenue:USD``;
``revenue_columns``), each summing only the purchases in that currency, and the readout shows each
as its own ``revenue_per_user`` row with its ``currency``; a purchase without a currency is then in
no currency's revenue (the readout counts it in a note). There is never a sum of two currencies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import polars as pl

CLICK_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class MetricDef:
    """A metric as per-unit columns: ``sum(numerator) / sum(denominator)`` (plain mean when no
    denominator); ``currency``: the one currency a money metric is in (None: not money, or unknown)."""

    name: str
    numerator: str
    denominator: str | None
    label: str
    currency: str | None = None


METRICS: tuple[MetricDef, ...] = (
    MetricDef("conversion", "purchase_sessions", "sessions", "conversion per session"),
    MetricDef("add_to_cart", "cart_sessions", "sessions", "add-to-cart per session"),
    MetricDef("revenue_per_user", "revenue", None, "revenue per unit"),  # per currency: metric_defs
    MetricDef("search_ctr", "search_clicks", "searches", "search click-through"),
    MetricDef("zero_result_rate", "zero_results", "searches", "zero-result rate"),
    MetricDef("recs_ctr", "recs_clicks", "recs_shown", "recs click-through"),
)
COLUMNS = ("sessions", "purchase_sessions", "cart_sessions", "revenue", "searches", "search_clicks",
           "zero_results", "recs_shown", "recs_clicks")  # fmt: skip
PRE_COLUMNS = ("sessions", "purchase_sessions", "cart_sessions", "revenue")

EXPOSURE_SCHEMA = {
    "experiment": pl.Utf8,
    "variant": pl.Utf8,
    "unit_id": pl.Utf8,
    "session_id": pl.Utf8,
    "request_id": pl.Utf8,
    "kind": pl.Utf8,
    "n_results": pl.Int64,
    "timestamp": pl.Datetime("us", "UTC"),
}


MONEY_METRICS = frozenset({"revenue_per_user"})


def revenue_currencies(events: pl.DataFrame) -> tuple[str, ...]:
    """The currencies the events' purchases name (ISO codes upper-cased, sorted); two or more
    mean revenue is read per currency (module docstring)."""
    if "currency" not in events.columns or "type" not in events.columns:
        return ()
    codes = (
        events.filter(pl.col("type") == "purchase")
        .select(pl.col("currency").cast(pl.Utf8).str.strip_chars().str.to_uppercase())
        .to_series()
        .drop_nulls()
    )
    return tuple(sorted(c for c in codes.unique().to_list() if c))


def revenue_columns(currencies: tuple[str, ...]) -> tuple[str, ...]:
    """The unit table's revenue columns: ``revenue`` for at most one currency, else one per currency."""
    return ("revenue",) if len(currencies) < 2 else tuple(f"revenue:{c}" for c in currencies)


def _with_revenue(columns: tuple[str, ...], currencies: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(x for c in columns for x in (revenue_columns(currencies) if c == "revenue" else (c,)))


def metric_defs(currencies: tuple[str, ...]) -> tuple[MetricDef, ...]:
    """``METRICS`` for events in ``currencies``: a money metric in the one currency, or one row per currency."""
    out: list[MetricDef] = []
    for m in METRICS:
        if m.name not in MONEY_METRICS:
            out.append(m)
        elif len(currencies) < 2:
            out.append(replace(m, currency=currencies[0] if currencies else None))
        else:
            out.extend(
                replace(m, numerator=f"{m.numerator}:{c}", label=f"{m.label} ({c})", currency=c)
                for c in currencies
            )
    return tuple(out)


def _unit_key(unit: str) -> str:
    return "user_id" if unit == "user" else "session_id"


def _event_frame(events: pl.DataFrame) -> pl.DataFrame:
    cols = {
        "user_id": pl.Utf8,
        "session_id": pl.Utf8,
        "price": pl.Float64,
        "quantity": pl.Int64,
        "request_id": pl.Utf8,
        "currency": pl.Utf8,
    }
    ev = events.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in cols.items() if c not in events.columns
    )
    return ev.with_columns(
        (pl.col("price").fill_null(0.0) * pl.col("quantity").fill_null(1).cast(pl.Float64)).alias("_amount"),
        pl.col("currency").cast(pl.Utf8).str.strip_chars().str.to_uppercase().alias("_cur"),
        pl.col("timestamp").dt.replace_time_zone(None).dt.replace_time_zone("UTC")
        if ev.schema["timestamp"] == pl.Datetime("us")
        else pl.col("timestamp"),
    )


def _session_counts(ev: pl.DataFrame, key: str, currencies: tuple[str, ...]) -> pl.DataFrame:
    """Per unit: sessions, sessions with a cart / a purchase, and purchase revenue (one column per
    currency when there are several: ``revenue_columns``)."""
    bought = pl.col("type") == "purchase"
    names = revenue_columns(currencies)
    only = [bought] if len(names) == 1 else [bought & (pl.col("_cur") == c) for c in currencies]
    per_session = ev.group_by(list(dict.fromkeys((key, "session_id")))).agg(
        bought.any().alias("_p"),
        (pl.col("type") == "add_to_cart").any().alias("_c"),
        *(pl.col("_amount").filter(f).sum().alias(f"_{n}") for n, f in zip(names, only, strict=True)),
    )
    return per_session.group_by(key).agg(
        pl.col("session_id").n_unique().alias("sessions"),
        pl.col("_p").sum().cast(pl.Float64).alias("purchase_sessions"),
        pl.col("_c").sum().cast(pl.Float64).alias("cart_sessions"),
        *(pl.col(f"_{n}").sum().alias(n) for n in names),
    )


def unit_table(
    exposures: pl.DataFrame,
    events: pl.DataFrame,
    unit: str,
    until: datetime | None = None,
    currencies: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """One row per exposed unit: ``unit_id, variant`` and the ``COLUMNS`` counts (as floats), with
    revenue per currency when ``currencies`` (default: ``revenue_currencies(events)``) has several.

    A unit seen in two variants (a changed salt, a bug) keeps its first variant; ``until`` cuts both
    frames (a daily look reads the data as it stood at the end of that day).
    """
    if currencies is None:
        currencies = revenue_currencies(events)
    columns = _with_revenue(COLUMNS, currencies)
    if until is not None:
        exposures = exposures.filter(pl.col("timestamp") < until)
        events = events.filter(pl.col("timestamp") < until)
    key = _unit_key(unit)
    if "request_id" not in exposures.columns:  # an exposure file written elsewhere may lack it
        exposures = exposures.with_columns(pl.lit(None, dtype=pl.Utf8).alias("request_id"))
    exposures = exposures.sort("timestamp")
    first = exposures.group_by("unit_id", maintain_order=True).agg(
        pl.col("variant").first(), pl.col("timestamp").first().alias("_first")
    )
    ev = _event_frame(events).filter(pl.col(key).is_not_null())
    ev = ev.join(first.rename({"unit_id": key}), on=key, how="inner").filter(
        pl.col("timestamp") >= pl.col("_first")
    )
    counts = _session_counts(ev, key, currencies).rename({key: "unit_id"})

    all_clicks = ev.filter(pl.col("type") == "click")
    indexed = exposures.with_row_index("_exp")
    # by request id: exactly the exposure of that request (an unknown id: a response outside the experiment)
    by_rid = all_clicks.filter(pl.col("request_id").is_not_null()).join(
        indexed.filter(pl.col("request_id").is_not_null()).select("request_id", "_exp"), on="request_id"
    )
    clicks = (
        all_clicks.filter(pl.col("request_id").is_null()).select("session_id", "timestamp").sort("timestamp")
    )
    exp_rows = indexed.filter(pl.col("session_id").is_not_null()).sort("timestamp")
    hit = clicks.join_asof(
        exp_rows.select("session_id", "timestamp", "_exp"),
        on="timestamp",
        by="session_id",
        strategy="backward",
        tolerance=CLICK_WINDOW,
        check_sortedness=False,  # both sides are sorted by timestamp above
    )
    clicked = set(hit["_exp"].drop_nulls().to_list()) | set(by_rid["_exp"].to_list())
    exp_rows = exposures.with_row_index("_exp").with_columns(
        pl.col("_exp").is_in(list(clicked)).alias("_clicked")
    )
    per_req = exp_rows.group_by("unit_id").agg(
        (pl.col("kind") == "search").sum().cast(pl.Float64).alias("searches"),
        ((pl.col("kind") == "search") & pl.col("_clicked")).sum().cast(pl.Float64).alias("search_clicks"),
        ((pl.col("kind") == "search") & (pl.col("n_results") == 0))
        .sum()
        .cast(pl.Float64)
        .alias("zero_results"),
        (pl.col("kind") == "recs").sum().cast(pl.Float64).alias("recs_shown"),
        ((pl.col("kind") == "recs") & pl.col("_clicked")).sum().cast(pl.Float64).alias("recs_clicks"),
        pl.col("session_id").drop_nulls().n_unique().alias("_exp_sessions"),
    )
    out = (
        first.select("unit_id", "variant")
        .join(per_req, on="unit_id", how="left")
        .join(counts, on="unit_id", how="left")
    )
    # a session with an exposure but no event is still a session (a shopper who saw results and left)
    out = out.with_columns(
        pl.max_horizontal(pl.col("sessions").fill_null(0), pl.col("_exp_sessions").fill_null(0)).alias(
            "sessions"
        )
    ).drop("_exp_sessions")
    return out.with_columns(pl.col(c).fill_null(0.0).cast(pl.Float64) for c in columns).select(
        "unit_id", "variant", *columns
    )


def pre_period(
    events: pl.DataFrame, unit: str, start: datetime, days: int, currencies: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """Per unit, the ``PRE_COLUMNS`` over the ``days`` before ``start`` (revenue per currency as in
    ``unit_table``): CUPED's covariates (``pre_<column>``); a unit without history gets zeros when joined."""
    if currencies is None:
        currencies = revenue_currencies(events)
    key = _unit_key(unit)
    ev = _event_frame(events).filter(
        pl.col(key).is_not_null(),
        pl.col("timestamp") < start,
        pl.col("timestamp") >= start - timedelta(days=days),
    )
    counts = _session_counts(ev, key, currencies).rename({key: "unit_id"})
    return counts.select(
        "unit_id",
        *(pl.col(c).cast(pl.Float64).alias(f"pre_{c}") for c in _with_revenue(PRE_COLUMNS, currencies)),
    )
