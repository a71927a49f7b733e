"""Home Depot search relevance: ``products.csv`` plus judgment files of graded relevance.

Kaggle's train file was split into a public development part and held-out parts of the same
columns. A folder is read with its ONE judgment file (``judgments*.csv``: the development split's
``judgments_dev.csv``, or a held-out folder's own file); a folder holding several is refused with their
names, the development file among them. Why: every ``judgments*.csv`` was read, so a held-out folder
holding a second judgment file mixed two sets into one figure; preferring ``judgments_dev.csv`` there
would score the development set while the user meant the other file - a wrong figure with a note is
worse than an error that says which files to choose from. A path to one judgment file (any name:
``test.csv``) reads that file alone with the ``products.csv`` beside it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import encodings_meta, malformed_meta, require_columns
from shopmind.data.model import SOURCE_LINE, Batch
from shopmind.data.readers import InputError, ReadResult, read_head, read_table

NAME = "home-depot"
PRODUCTS_FILE = "products.csv"
JUDGMENTS_GLOB = "judgments*.csv"


def load(path: Path) -> Batch:
    path = Path(path)
    if path.is_file() and path.name != PRODUCTS_FILE and _is_judgments(path):
        products_file, judgment_files = _products_file(path.parent), [path]
    else:
        products_file = _products_file(path)
        judgment_files = _folder_judgments(products_file.parent)
    products = read_table(products_file, fmt="csv")
    judgments = [read_table(f, fmt="csv") for f in judgment_files]
    return Batch(
        source=NAME,
        products=_products(products, products_file),
        judgments=_judgments(judgments, judgment_files) if judgments else None,
        meta={
            "files": [str(products_file)] + [str(f) for f in judgment_files],
            "encodings": encodings_meta([products_file, *judgment_files], [products, *judgments]),
            "relevance_scale": (1.0, 3.0),
            "malformed": malformed_meta("products", products) + malformed_meta("judgments", *judgments),
            "notes": ["relevance is the mean of >= 3 raters' grades 1..3"],
            **({} if judgment_files else {"judgments_missing": _no_judgments(products_file)}),
        },
    )


def _folder_judgments(folder: Path) -> list[Path]:
    """The one judgment file a folder is read with (its only ``judgments*.csv``); several: an error
    naming them, the development split's ``judgments_dev.csv`` among them or not (never a mix, never a guess)."""
    found = sorted(folder.glob(JUDGMENTS_GLOB))
    if len(found) > 1:
        raise InputError(
            f"{folder} holds {len(found)} judgment files ({', '.join(f.name for f in found)}): pass the one "
            f"to evaluate by its path (they are never mixed)"
        )
    return found


def _no_judgments(products_file: Path) -> str:
    """Why a folder gave no judgments and what to pass instead (a held-out file named ``test.csv``)."""
    others = sorted(f.name for f in products_file.parent.glob("*.csv") if f.name != products_file.name)
    listed = f" (other CSVs there: {', '.join(others[:5])}; pass the judgment file itself)" if others else ""
    return f"no judgment file ({JUDGMENTS_GLOB}) beside {products_file}{listed}"


def _is_judgments(path: Path) -> bool:
    """A file whose header has the judgment columns (search_term, product_uid, relevance): read the head only."""
    try:
        columns = set(read_head(path).frame.columns)
    except InputError:
        return False
    return {"search_term", "product_uid", "relevance"} <= columns


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
