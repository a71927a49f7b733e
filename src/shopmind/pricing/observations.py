"""Weekly (item, week) observations from accepted purchases, and weekly in-stock shares.

Why a module of its own: turning events (and an optional inventory history) into the panel the
elasticity model reads is data preparation with its own rules (median line price, promo flag,
exposure of partly stocked weeks, half a day for a sell-out day) and its own errors naming the
column at fault; the estimator in :mod:`shopmind.pricing.elasticity` only reads its output.
``POOLED`` is the category of products without one (and of small categories in the estimator).
"""

from __future__ import annotations

import polars as pl

from shopmind.pricing.errors import PricingError

POOLED = "*"


def weekly_observations(
    events: pl.DataFrame,
    categories: pl.DataFrame | None = None,
    promo: str | None = None,
    stock: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Accepted purchase events -> one row per (item, ISO week) with quantity, median price, promo
    and ``avail``, the share of the week the product was in stock.

    ``events`` needs item_id, timestamp, quantity, price (type, when present, keeps purchases only);
    ``categories`` (item_id, category) is optional; ``promo`` names a boolean/0-1 event column;
    ``stock`` is the shop's inventory history (see :func:`weekly_availability`). Without it every
    week counts as fully in stock. With it, a week without a sale that was out of stock some or all
    of the time is kept as a row with ``qty = 0``, no price and its ``avail``, so no estimator reads
    it as "no demand at this price" (the Poisson fit weighs it by its in-stock share; all week out:
    left out), and a partly stocked week's sales are read as a rate over its in-stock days.
    """
    for col in ("item_id", "timestamp", "quantity", "price"):
        if col not in events.columns:
            raise PricingError(f"events: missing column {col!r}")
    if promo is not None and promo not in events.columns:
        raise PricingError(f"events: promo column {promo!r} not found")
    ev = events.with_columns(pl.col("item_id").cast(pl.Utf8))
    if "type" in ev.columns:
        ev = ev.filter(pl.col("type") == "purchase")
    ts = pl.col("timestamp")
    if ev.schema["timestamp"] == pl.Utf8:
        ts = ts.str.to_datetime(strict=False)
    ev = ev.with_columns(
        pl.col("quantity").cast(pl.Float64).alias("_q"),
        pl.col("price").cast(pl.Float64).alias("_p"),
        ts.dt.truncate("1w").cast(pl.Date).alias("week"),
        (pl.col(promo).cast(pl.Float64) if promo else pl.lit(0.0)).alias("_promo"),
    ).filter((pl.col("_q") > 0) & (pl.col("_p") > 0) & pl.col("week").is_not_null())
    out = (
        ev.group_by("item_id", "week")
        .agg(
            pl.col("_q").sum().alias("qty"),
            pl.col("_p").median().alias("price"),
            pl.col("_promo").max().alias("promo"),
        )
        .sort("item_id", "week")
    )
    if stock is not None:
        avail = weekly_availability(stock)
        out = out.join(avail, on=["item_id", "week"], how="left").with_columns(
            # a week with a sale had stock: end-of-day snapshots of 0 on every day mean it was
            # restocked and sold out between two of them, half a day as at any sell-out (reading
            # the week as fully stocked instead doubled the simulator's error at 5 % stock-outs)
            pl.when(pl.col("avail").is_null())
            .then(1.0)
            .otherwise(pl.col("avail").clip(0.5 / 7, 1.0))
            .alias("avail")
        )
        gone = avail.filter(pl.col("avail") < 1).join(
            out.select("item_id", "week"), on=["item_id", "week"], how="anti"
        )
        out = pl.concat(
            [
                out,
                gone.select(
                    "item_id",
                    "week",
                    pl.lit(0.0).alias("qty"),
                    pl.lit(None, pl.Float64).alias("price"),
                    pl.lit(0.0).alias("promo"),
                    "avail",
                ),
            ]
        ).sort("item_id", "week")
    else:
        out = out.with_columns(pl.lit(1.0).alias("avail"))
    if categories is not None:
        out = out.join(
            categories.select("item_id", pl.col("category").cast(pl.Utf8)), on="item_id", how="left"
        )
    else:
        out = out.with_columns(pl.lit(None, pl.Utf8).alias("category"))
    return out.with_columns(pl.col("category").fill_null(POOLED), pl.col("item_id").cast(pl.Utf8))


def weekly_availability(stock: pl.DataFrame) -> pl.DataFrame:
    """Inventory snapshots -> (item_id, week, avail): the share of each week's days in stock.

    ``stock`` has ``item_id``, a ``date`` (or ``timestamp``) column and either ``in_stock``
    (boolean/0-1) or ``stock`` (units on hand at the end of the day; > 0 is in stock). A snapshot is
    a state: each day takes the item's latest snapshot at or before it (several on one day: the
    last), from the item's first snapshot to its last; days outside that span are not covered (their
    weeks count as in stock). The day a product runs out (in stock the evening before, out this
    evening) counts as half a day in stock: it sold until some time that day, on average midday
    (counting it as 0 or 1 day biased the demand rate of sell-out weeks, which are the low-price ones).
    Why a share and not a flag: a product that sells out on Wednesday sold its week's units in 2.5
    days, which is a demand rate, not low demand.
    """
    when = "timestamp" if "timestamp" in stock.columns and "date" not in stock.columns else "date"
    level = "in_stock" if "in_stock" in stock.columns else "stock"
    for col in ("item_id", when, level):
        if col not in stock.columns:
            raise PricingError(
                f"stock: missing column {col!r} (needs item_id, date or timestamp, in_stock or stock)"
            )
    day = pl.col(when)
    if stock.schema[when] == pl.Utf8:
        day = day.str.to_datetime(strict=False)
    try:
        snaps = stock.select(
            pl.col("item_id").cast(pl.Utf8),
            day.cast(pl.Date).alias("day"),
            (pl.col(level).cast(pl.Float64) > 0).alias("ok"),
        )
    except pl.exceptions.PolarsError as exc:
        raise PricingError(f"stock: column {level!r} must be numeric or boolean ({exc})") from None
    bad = snaps.filter(pl.col("day").is_null() | pl.col("ok").is_null())
    if bad.height:
        raise PricingError(f"stock: {bad.height} snapshot(s) with an unreadable {when} or {level}")
    snaps = snaps.group_by("item_id", "day", maintain_order=True).last()
    span = snaps.group_by("item_id").agg(pl.col("day").min().alias("a"), pl.col("day").max().alias("b"))
    days = span.select("item_id", pl.date_ranges("a", "b", "1d").alias("day")).explode("day")
    daily = (
        days.join(snaps, on=["item_id", "day"], how="left")
        .sort("item_id", "day")
        .with_columns(pl.col("ok").forward_fill().over("item_id").cast(pl.Float64))
        .with_columns(
            pl.when((pl.col("ok") == 0) & (pl.col("ok").shift(1).over("item_id") == 1))
            .then(0.5)
            .otherwise(pl.col("ok"))
            .alias("ok")
        )
    )
    return (
        daily.with_columns(pl.col("day").dt.truncate("1w").alias("week"))
        .group_by("item_id", "week")
        .agg(pl.col("ok").mean().alias("avail"))
    )


def negative_stock(stock: pl.DataFrame) -> pl.DataFrame:
    """The products whose inventory history holds units below zero: ``item_id``, ``snapshots``
    (how many) and ``lowest``, most snapshots first.

    :func:`weekly_availability` reads a negative count as out of stock (> 0 is in stock), which
    is what oversold or back-ordered units mean for demand; but it is also what a booking error
    looks like, and the fit then treats those days as unexposed. Said, not repaired: the shop
    knows which it is. An ``in_stock`` history has no counts and no such rows."""
    if "stock" not in stock.columns or "in_stock" in stock.columns or "item_id" not in stock.columns:
        return pl.DataFrame(schema={"item_id": pl.Utf8, "snapshots": pl.UInt32, "lowest": pl.Float64})
    units = pl.col("stock").cast(pl.Float64, strict=False)
    return (
        stock.filter(units < 0)
        .group_by(pl.col("item_id").cast(pl.Utf8))
        .agg(pl.len().alias("snapshots"), units.min().alias("lowest"))
        .sort(["snapshots", "item_id"], descending=[True, False])
    )


def negative_stock_note(stock: pl.DataFrame, shown: int = 10) -> str | None:
    """One line saying which products had stock below zero and how it was read, or None."""
    neg = negative_stock(stock)
    if neg.height == 0:
        return None
    ids = ", ".join(
        f"{r['item_id']} ({r['snapshots']}x, lowest {r['lowest']:g})"
        for r in neg.head(shown).iter_rows(named=True)
    )
    more = f" and {neg.height - shown} more" if neg.height > shown else ""
    total = int(neg["snapshots"].sum())
    return (
        f"stock: {total} snapshot(s) of {neg.height} product(s) below 0 read as out of stock: {ids}{more}; "
        "oversold or back-ordered units are, a booking error is not: check those products' inventory"
    )
