"""DIGINETICA (CIKM Cup 2016) item views: ``session_id;user_id;item_id;timeframe;eventdate``.

``timeframe`` is milliseconds since the session's first query and ``eventdate`` the event's
day; the time of day a session starts is not published. Timestamps are therefore the
session's first ``eventdate`` (midnight, zone unknown, taken as UTC) plus ``timeframe``: this
keeps the order and the exact gaps within a session (what near-duplicate and bot checks
read), at the price of absolute times off by up to a day. A row whose own date or timeframe
does not parse keeps its raw text so the gate reports the cell.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import content_id, malformed_meta, require_columns, resolve_one
from shopmind.data.model import SOURCE_LINE, Batch
from shopmind.data.readers import read_table

NAME = "diginetica"
COLUMNS = ("sessionid", "userid", "itemid", "timeframe", "eventdate")
MISSING_USER = "NA"


def load(path: Path) -> Batch:
    file = resolve_one(path, "*.csv", "DIGINETICA item-views CSV")
    result = read_table(file, fmt="csv")
    # The full CIKM file says sessionId/userId, the SR-GNN sample session_id/user_id.
    views = result.frame.rename(lambda c: c if c == SOURCE_LINE else c.replace("_", "").lower())
    require_columns(views, COLUMNS, file)
    return Batch(
        source=NAME,
        events=_events(views),
        meta={
            "files": [str(file)],
            "timezone": "UTC",
            "malformed": malformed_meta("events", result),
            "notes": [
                "timestamp = session's first eventdate (UTC midnight) + timeframe ms: order and gaps "
                "within a session are exact, the time of day is not",
                f"user_id '{MISSING_USER}' is read as missing",
            ],
        },
    )


def _events(views: pl.DataFrame) -> pl.DataFrame:
    typed = views.with_columns(
        pl.col("eventdate").str.strip_chars().str.to_date("%Y-%m-%d", strict=False).alias("_date"),
        pl.col("timeframe").str.strip_chars().cast(pl.Int64, strict=False).alias("_ms"),
    ).with_columns(pl.col("_date").min().over("sessionid").alias("_start"))
    computed = (
        pl.col("_start").cast(pl.Datetime("ms")) + pl.duration(milliseconds=pl.col("_ms"))
    ).dt.strftime("%Y-%m-%dT%H:%M:%S%.3f")
    raw = pl.format("{} +{}ms", pl.col("eventdate"), pl.col("timeframe"))
    ordered = typed.sort(
        pl.col("sessionid").cast(pl.Int64, strict=False), "sessionid", "_ms", SOURCE_LINE, nulls_last=True
    )
    return ordered.select(
        content_id(ordered, ["sessionid", "userid", "itemid", "timeframe", "eventdate"]).alias("event_id"),
        pl.lit("view").alias("type"),
        pl.when(pl.col("_date").is_not_null() & pl.col("_ms").is_not_null())
        .then(computed)
        .otherwise(raw)
        .alias("timestamp"),
        pl.when(pl.col("userid").str.strip_chars() != MISSING_USER).then(pl.col("userid")).alias("user_id"),
        pl.col("sessionid").alias("session_id"),
        pl.col("itemid").alias("item_id"),
        SOURCE_LINE,
    )
