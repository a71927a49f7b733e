"""Home Depot search relevance: ``products.csv`` plus judgment files of graded relevance.

Kaggle's train file was split into a public development part and held-out parts of the same
columns; any ``judgments*.csv`` beside the products is read, so a held-out file just works.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import malformed_meta, require_columns
from shopmind.data.model import SOURCE_LINE, Batch
from shopmind.data.readers import InputError, ReadResult, read_table

NAME = "home-depot"
PRODUCTS_FILE = "products.csv"
JUDGMENTS_GLOB = "judgments*.csv"


def load(path: Path) -> Batch:
    products_file = _products_file(Path(path))
    judgment_files = sorted(products_file.parent.glob(JUDGMENTS_GLOB))
    products = read_table(products_file, fmt="csv")
    judgments = [read_table(f, fmt="csv") for f in judgment_files]
    return Batch(
        source=NAME,
        products=_products(products, products_file),
        judgments=_judgments(judgments, judgment_files) if judgments else None,
        meta={
            "files": [str(products_file)] + [str(f) for f in judgment_files],
            "relevance_scale": (1.0, 3.0),
            "malformed": malformed_meta("products", products) + malformed_meta("judgments", *judgments),
            "notes": ["relevance is the mean of >= 3 raters' grades 1..3"],
        },
    )


def _products_file(path: Path) -> Path:
    if path.is_dir():
        path = path / PRODUCTS_FILE
    if not path.is_file():
        raise InputError(
            f"Home Depot products file not found: {path} (pass the folder or its {PRODUCTS_FILE})"
        )
    return path


def _products(result: ReadResult, file: Path) -> pl.DataFrame:
    require_columns(result.frame, ["product_uid", "product_title"], file)
    return result.frame.select(
        pl.col("product_uid").alias("product_id"),
        pl.col("product_title").alias("title"),
        pl.lit("en").alias("language"),
        SOURCE_LINE,
    )


def _judgments(results: list[ReadResult], files: list[Path]) -> pl.DataFrame:
    frames = []
    for result, file in zip(results, files, strict=True):
        require_columns(result.frame, ["search_term", "product_uid", "relevance"], file)
        frames.append(
            result.frame.select(
                pl.col("search_term").alias("query"),
                pl.col("product_uid").alias("product_id"),
                "relevance",
                SOURCE_LINE,
            )
        )
    return pl.concat(frames)
