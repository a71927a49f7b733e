"""Exposure log: which experiment and variant each served search/recs response was in, with its
request id, so every later click, cart and purchase can be attributed (``metrics.unit_table``).

Why not the live log: an exposure is analytics, written on *every* read request, so it goes
to a ``store.buffered.BufferedTable`` (in-memory append on the request path, a thread writes
SQLite WAL with ``synchronous=OFF``: no fsync). A crash loses at most the last interval's
exposures; the readout's SRM check would notice a variant-dependent loss.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.experiments.assign import Assignment
from shopmind.experiments.metrics import EXPOSURE_SCHEMA
from shopmind.store.buffered import BufferedTable

FILE = "exposures.sqlite"
_COLS = ("experiment", "variant", "unit_id", "session_id", "request_id", "kind", "n_results", "ts_us")


class ExposureLog(BufferedTable):
    """Append on the request path, written by a background thread (``store.buffered``);
    ``frame()`` reads it back."""

    def __init__(self, workspace: Path | str, flush_seconds: float = 1.0) -> None:
        super().__init__(
            Path(workspace) / FILE,
            "exposures",
            _COLS,
            (
                "CREATE TABLE IF NOT EXISTS exposures (experiment TEXT, variant TEXT, unit_id TEXT, "
                "session_id TEXT, request_id TEXT, kind TEXT, n_results INTEGER, ts_us INTEGER)",
                "CREATE INDEX IF NOT EXISTS exposures_experiment ON exposures(experiment)",
            ),
            flush_seconds,
            name="exposure-log",
        )

    def record(
        self,
        assignments: Iterable[Assignment],
        unit_id: str | None,
        session_id: str | None,
        request_id: str | None,
        kind: str,
        n_results: int,
    ) -> int:
        """Buffer one exposure per assignment (the unit id is the one the experiment hashed)."""
        now = time.time_ns() // 1000
        rows = [
            (a.experiment, a.variant, (unit_id or session_id) if a.unit == "user" else session_id, session_id,
             request_id, kind, int(n_results), now)
            for a in assignments
        ]  # fmt: skip
        return self.append(rows)

    def frame(self, experiment: str | None = None) -> pl.DataFrame:
        """The logged exposures (flushed ones) in ``metrics.EXPOSURE_SCHEMA``."""
        return read_exposures(self.path.parent, experiment)


def read_exposures(workspace: Path | str, experiment: str | None = None) -> pl.DataFrame:
    """Exposures of a workspace (all, or one experiment's), without starting a writer thread."""
    path = Path(workspace) / FILE
    if not path.exists():
        return pl.DataFrame(schema=EXPOSURE_SCHEMA)
    db = sqlite3.connect(path, timeout=30)
    try:
        if not has_table(db, "exposures"):  # the file holds only interleaved lists so far
            return pl.DataFrame(schema=EXPOSURE_SCHEMA)
        sql = f"SELECT {', '.join(_COLS)} FROM exposures"
        rows = (
            db.execute(sql + " WHERE experiment = ?", (experiment,)).fetchall()
            if experiment
            else db.execute(sql).fetchall()
        )
    finally:
        db.close()
    return timestamped(rows, _COLS, EXPOSURE_SCHEMA)


def timestamped(rows: list[tuple], columns: tuple[str, ...], schema: dict[str, Any]) -> pl.DataFrame:
    """Rows read from a log table whose last column is ``ts_us`` (epoch microseconds) as a frame in
    ``schema``, with ``timestamp`` a UTC datetime."""
    frame = pl.DataFrame(
        rows, schema={**{c: schema[c] for c in columns[:-1]}, "ts_us": pl.Int64}, orient="row"
    )
    return (
        frame.with_columns(
            pl.from_epoch(pl.col("ts_us"), time_unit="us").dt.replace_time_zone("UTC").alias("timestamp")
        )
        .drop("ts_us")
        .select(list(schema))
    )


def has_table(db: sqlite3.Connection, name: str) -> bool:
    """Whether the exposure file has table ``name`` yet (each log creates its own on first write)."""
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()
        is not None
    )


def forget(workspace: Path | str, unit_ids: Iterable[str]) -> int:
    """Delete every exposure of these units (user or session ids, as logged): for ``shopmind forget``.
    Returns the number of rows deleted. A running server's unflushed buffer is not reached; run it
    with the server stopped, or again after a second."""
    path = Path(workspace) / FILE
    ids = list(unit_ids)
    if not path.exists() or not ids:
        return 0
    db = sqlite3.connect(path, timeout=30)
    try:
        with db:
            marks = ", ".join("?" * len(ids))
            deleted = 0
            if has_table(db, "exposures"):  # an interleaving-only workspace has just the lists' table
                deleted = db.execute(
                    f"DELETE FROM exposures WHERE unit_id IN ({marks}) OR session_id IN ({marks})", ids + ids
                ).rowcount
            # the interleaved lists live in the same file (interleave_log.py)
            from shopmind.experiments.interleave_log import forget as forget_lists

            return deleted + forget_lists(db, ids)
    finally:
        db.close()
