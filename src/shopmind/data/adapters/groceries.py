"""Groceries baskets: ``Member_number, Date (dd-mm-yyyy, or with slashes), itemDescription`` per bought item.

Items have only a name, so the item id is a slug of it; a member's lines on one date form a
basket (the session). Dates are rewritten to ISO so the gate need not guess day-first order;
one that does not parse keeps its raw text for the gate to report.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import (
    content_id,
    first_occurrence,
    malformed_meta,
    most_frequent,
    require_columns,
    resolve_one,
    slug,
)
from shopmind.data.formats import resolve_slash_dates
from shopmind.data.model import SOURCE_LINE, Batch
from shopmind.data.readers import read_table

NAME = "groceries"
COLUMNS = ("Member_number", "Date", "itemDescription")
DATE_FORMAT = "%d-%m-%Y"


def load(path: Path) -> Batch:
    file = resolve_one(path, "*.csv", "groceries CSV")
    result = read_table(file, fmt="csv")
    lines = result.frame
    require_columns(lines, COLUMNS, file)
    order = _date_order(lines, file)
    parsed = pl.col("Date").str.strip_chars().str.to_date(order, strict=False).dt.to_string("%Y-%m-%d")
    lines = lines.with_columns(
        pl.coalesce(parsed, pl.col("Date")).alias("_date"),
        slug(pl.col("itemDescription")).alias("_item"),
    ).with_columns(pl.when(pl.col("_item") != "").then(pl.col("_item")).alias("_item"))
    return Batch(
        source=NAME,
        events=lines.select(
            content_id(lines, list(COLUMNS)).alias("event_id"),
            pl.lit("purchase").alias("type"),
            pl.col("_date").alias("timestamp"),
            pl.col("Member_number").alias("user_id"),
            pl.format("{}:{}", pl.col("Member_number"), pl.col("_date")).alias("session_id"),
            pl.col("_item").alias("item_id"),
            SOURCE_LINE,
        ),
        products=_products(lines),
        meta={
            "files": [str(file)],
            "malformed": malformed_meta("events", result),
            "notes": [
                "item_id = slug of itemDescription; session_id = member:date (a basket)",
                "identical lines (same member, date, item) share an event_id",
            ],
        },
    )


def _date_order(lines: pl.DataFrame, file: Path) -> str:
    """The Date column's format: the file's own dd-mm-yyyy, or the same dates written with slashes (a copy
    saved by a spreadsheet: ``21/07/2015``; month first only where a second number above 12 says so,
    ``data.formats.resolve_slash_dates``). Why: a slash-dated copy had every line quarantined, 0 events
    accepted, and evaluate recs stopped with 'no user has the events' (t1e, session 33)."""
    dates = lines.select(pl.col("Date").cast(pl.Utf8).alias("timestamp"))
    formats = resolve_slash_dates(dates, "events", None, file, unclear="day")
    return formats.dates.get("timestamp", DATE_FORMAT) if formats else DATE_FORMAT


def _products(lines: pl.DataFrame) -> pl.DataFrame:
    titles = most_frequent(lines, "_item", "itemDescription")
    return (
        first_occurrence(lines, "_item")
        .join(titles, on="_item", how="left")
        .select(
            pl.col("_item").alias("product_id"),
            pl.col("itemDescription").alias("title"),
            pl.lit("en").alias("language"),
            SOURCE_LINE,
        )
    )
