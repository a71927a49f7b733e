"""QBQTC (CLUE) Chinese query-title relevance, JSON lines ``{id, query, title, label}`` (or a JSON array).

Web search rather than shop data: titles become products (id = hash of the title, so a title
judged under several queries is one product) to exercise Chinese text in search.

A folder is read with its ONE ``*.json`` file; a folder holding several is refused with their names,
as Home Depot's folder of several judgment files is. Why: every ``*.json`` was read as one set, so
CLUE's folder (``train.json``, ``dev.json``, ``test.json``, ``test_public.json``) mixed the training
split into an evaluation and ``test.json`` has no labels; a held-out file copied beside ``dev.json``
was scored together with it. Pass the split to read by its path (``qbqtc-zh/dev.json``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import content_id, malformed_meta, require_columns, resolve_files
from shopmind.data.model import SOURCE_LINE, Batch
from shopmind.data.readers import InputError, read_table

NAME = "qbqtc"


def load(path: Path) -> Batch:
    file = _one_file(path)
    result = read_table(file, fmt="jsonl")
    require_columns(result.frame, ["query", "title", "label"], file)
    rows = result.frame.select(pl.col("query", "title", "label").cast(pl.Utf8), _line(result.frame))
    rows = rows.with_columns(content_id(rows, ["title"]).alias("product_id"))
    return Batch(
        source=NAME,
        products=rows.select("product_id", "title", pl.lit("zh").alias("language"), SOURCE_LINE),
        judgments=rows.select("query", "product_id", pl.col("label").alias("relevance"), SOURCE_LINE),
        meta={
            "files": [str(file)],
            "relevance_scale": (0.0, 2.0),
            "malformed": malformed_meta("judgments", result),
            "notes": ["product_id = hash of the title; one product row per judgment row"],
        },
    )


def _one_file(path: Path) -> Path:
    """The file, or a folder's one ``*.json``; several are refused naming a dev split to pass (module docstring)."""
    files = resolve_files(path, "*.json", "QBQTC JSON lines")
    if len(files) > 1:
        names = ", ".join(f.name for f in files)
        example = next((f for f in files if f.stem.startswith("dev")), files[0])
        raise InputError(
            f"{path} holds {len(files)} QBQTC files ({names}): pass the one to read by its path, e.g. "
            f"{example} (splits are never mixed into one set)"
        )
    return files[0]


def _line(frame: pl.DataFrame) -> pl.Expr:
    """The JSON line of each pair; a JSON array (one value, no line stands alone) numbers its records.
    Why: a copy saved as ``[{...}, ...]`` instead of JSON lines was a polars ColumnNotFoundError
    traceback ('unable to find column "_line"') before any pair was read (t1e, session 33)."""
    if SOURCE_LINE in frame.columns:
        return pl.col(SOURCE_LINE)
    return pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(SOURCE_LINE)
