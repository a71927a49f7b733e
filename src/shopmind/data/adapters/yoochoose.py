"""YOOCHOOSE clicks as prepared by session-rec: tab-separated ``SessionId, ItemId, Time``.

A folder is read as all its ``*.txt`` splits (train, test, ...) in name order; ``_line``
counts within each file, listed in ``meta["files"]``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import (
    content_id,
    malformed_meta,
    numeric_if_clean,
    require_columns,
    resolve_files,
)
from shopmind.data.model import SOURCE_LINE, Batch
from shopmind.data.readers import read_table

NAME = "yoochoose"
COLUMNS = ("SessionId", "ItemId", "Time")


def load(path: Path) -> Batch:
    files = resolve_files(path, "*.txt", "YOOCHOOSE click file")
    results = [read_table(f, fmt="csv") for f in files]
    for result, file in zip(results, files, strict=True):
        require_columns(result.frame, COLUMNS, file)
    clicks = pl.concat([r.frame.select(*COLUMNS, SOURCE_LINE) for r in results])
    return Batch(
        source=NAME,
        events=clicks.select(
            content_id(clicks, list(COLUMNS)).alias("event_id"),
            pl.lit("click").alias("type"),
            pl.lit(numeric_if_clean(clicks["Time"])).alias("timestamp"),
            pl.col("SessionId").alias("session_id"),
            pl.col("ItemId").alias("item_id"),
            SOURCE_LINE,
        ),
        meta={
            "files": [str(f) for f in files],
            "malformed": malformed_meta("events", *results),
            "notes": ["Time is unix seconds (float); no user ids"],
        },
    )
