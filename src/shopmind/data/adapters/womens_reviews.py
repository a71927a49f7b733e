"""Women's E-Commerce Clothing Reviews (Parquet, or Kaggle's CSV): anonymous ratings of clothing items.

The dataset is published as a CSV (``Womens Clothing E-Commerce Reviews.csv``, with the pandas index as
a first unnamed column); the shared copy is that table as Parquet. A folder is read with its one
Parquet file, else its one CSV: a CSV copy was refused ("no reviews Parquet file") though its columns
are the same (t1g, session 34).

There are no users, times or product names: each review is its own session, timestamps
only keep the file order, and titles are built from the class name and the item id (all
said in the meta). The category path is the item's Division > Department > Class.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import (
    first_occurrence,
    most_frequent,
    require_columns,
    resolve_one,
    synthetic_time,
)
from shopmind.data.model import CATEGORY_SEP, SOURCE_LINE, Batch
from shopmind.data.readers import read_table

NAME = "womens-reviews"
ITEM = "Clothing ID"
LEVELS = ("Division Name", "Department Name", "Class Name")
REVIEW_COLUMNS = [ITEM, "Rating"]


def load(path: Path) -> Batch:
    file = _reviews_file(Path(path))
    reviews = read_table(file, fmt="parquet" if ".parquet" in file.name.lower() else None).frame
    require_columns(reviews, [*REVIEW_COLUMNS, *LEVELS], file)
    reviews = reviews.with_columns(
        pl.col(ITEM).cast(pl.Utf8).alias("_item"),
        pl.concat_str([pl.col(c) for c in LEVELS], separator=CATEGORY_SEP, ignore_nulls=True).alias("_path"),
    ).with_columns(pl.when(pl.col("_path") != "").then(pl.col("_path")).alias("_path"))
    return Batch(
        source=NAME,
        events=_events(reviews),
        products=_products(reviews),
        meta={
            "files": [str(file)],
            "rating_scale": (1.0, 5.0),
            "synthetic_timestamps": True,
            "titles_synthetic": True,
            "malformed": [],
            "notes": [
                "reviews are anonymous: user_id is empty, event_id = session_id = review-<row>; identical "
                "rows are kept as separate reviews (almost all are text-less ratings, not copies)",
                "timestamps are 2000-01-01 UTC + row number seconds (file order only)",
                "titles are '<Class Name> <Clothing ID>'; category_path = the item's commonest "
                "Division > Department > Class",
            ],
        },
    )


def _reviews_file(path: Path) -> Path:
    """The Parquet file (a path, or a folder's one ``*.parquet*``), else a folder's one CSV or a CSV given."""
    if path.is_dir() and not any(p.is_file() for p in path.glob("*.parquet*")):
        return resolve_one(path, "*.csv", "reviews file (Parquet, or Kaggle's CSV)")
    return resolve_one(path, "*.parquet*", "reviews Parquet file")


def _events(reviews: pl.DataFrame) -> pl.DataFrame:
    return reviews.select(
        pl.format("review-{}", pl.col(SOURCE_LINE)).alias("event_id"),
        pl.lit("rate").alias("type"),
        synthetic_time(pl.col(SOURCE_LINE)).alias("timestamp"),
        pl.lit(None, pl.Utf8).alias("user_id"),
        pl.format("review-{}", pl.col(SOURCE_LINE)).alias("session_id"),
        pl.col("_item").alias("item_id"),
        pl.col("Rating").cast(pl.Float64).alias("rating"),
        SOURCE_LINE,
    )


def _products(reviews: pl.DataFrame) -> pl.DataFrame:
    paths = most_frequent(reviews, "_item", "_path")
    classes = most_frequent(reviews.filter(pl.col("_path").is_not_null()), "_item", "Class Name")
    return (
        first_occurrence(reviews, "_item")
        .join(paths, on="_item", how="left")
        .join(classes, on="_item", how="left")
        .select(
            pl.col("_item").alias("product_id"),
            pl.format("{} {}", pl.col("Class Name").fill_null("Item"), pl.col("_item")).alias("title"),
            pl.col("_path").alias("category_path"),
            pl.lit("en").alias("language"),
            SOURCE_LINE,
        )
    )
