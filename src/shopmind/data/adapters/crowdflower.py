"""CrowdFlower search relevance (Kaggle 2015 ``train.csv``): one (query, product) pair per row.

Rows repeat the same product under several queries and carry no product id, so the id is a
hash of title + description: identical products share an id (the gate keeps one), and the
raw HTML description is passed on for the gate's HTML repair to see and count.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import (
    content_id,
    encodings_meta,
    malformed_meta,
    require_columns,
    resolve_one,
)
from shopmind.data.model import SOURCE_LINE, Batch
from shopmind.data.readers import read_table

NAME = "crowdflower"
COLUMNS = ("query", "product_title", "product_description", "median_relevance")


def load(path: Path) -> Batch:
    file = resolve_one(path, "*.csv", "CrowdFlower CSV")
    result = read_table(file, fmt="csv")
    rows = result.frame
    require_columns(rows, COLUMNS, file)
    rows = rows.with_columns(content_id(rows, ["product_title", "product_description"]).alias("product_id"))
    return Batch(
        source=NAME,
        products=rows.select(
            "product_id",
            pl.col("product_title").alias("title"),
            pl.col("product_description").alias("description"),
            pl.lit("en").alias("language"),
            SOURCE_LINE,
        ),
        judgments=rows.select(
            "query",
            "product_id",
            pl.col("median_relevance").alias("relevance"),
            SOURCE_LINE,
        ),
        meta={
            "files": [str(file)],
            "encodings": encodings_meta([file], [result]),
            "relevance_scale": (1.0, 4.0),
            "malformed": malformed_meta("judgments", result),
            "notes": ["product_id = hash of (title, description); relevance = median of raters' grades"],
        },
    )
