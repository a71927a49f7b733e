"""The interleaving log: for every served interleaved list, which items it showed and which ranker's
team each came from, so a later click, cart or purchase can be credited to a ranker.

One row per served list (not per item): ``items`` is a JSON array of product ids in the order
shown, ``teams`` a string of ``A``/``B`` of the same length (``A`` = the experiment's first variant),
``p_b`` for a probabilistic merge a JSON array of each position's posterior that B placed the item
(``interleave_prob``: what its credit reads), NULL for team draft (a file written before the column
existed gets it on first open).
It lives in the exposure log's SQLite file (``exposure.FILE``) and is written the same way, off the
request path (``store.buffered.BufferedTable``: no fsync), so ``shopmind forget`` reaches it there.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import polars as pl

from shopmind.experiments.exposure import FILE, has_table, timestamped
from shopmind.store.buffered import BufferedTable

TABLE = "interleavings"
_COLS = ("experiment", "unit_id", "session_id", "request_id", "kind", "items", "teams", "p_b", "ts_us")
SCHEMA = {
    "experiment": pl.Utf8,
    "unit_id": pl.Utf8,
    "session_id": pl.Utf8,
    "request_id": pl.Utf8,
    "kind": pl.Utf8,
    "items": pl.List(pl.Utf8),
    "teams": pl.Utf8,
    "p_b": pl.List(pl.Float64),
    "timestamp": pl.Datetime("us", "UTC"),
}


def _add_p_b(path: Path) -> None:
    """Give an interleavings table written before ``p_b`` existed that column (idempotent; two
    workers racing: the loser sees 'duplicate column')."""
    if not path.exists():
        return
    db = sqlite3.connect(path, timeout=30)
    try:
        if has_table(db, TABLE) and "p_b" not in {r[1] for r in db.execute(f"PRAGMA table_info({TABLE})")}:
            try:
                db.execute(f"ALTER TABLE {TABLE} ADD COLUMN p_b TEXT")
                db.commit()
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):
                    raise
    finally:
        db.close()


class InterleaveLog(BufferedTable):
    """Append on the request path, written by a background thread; ``read_interleavings`` reads it."""

    def __init__(self, workspace: Path | str, flush_seconds: float = 1.0) -> None:
        _add_p_b(Path(workspace) / FILE)
        super().__init__(
            Path(workspace) / FILE,
            TABLE,
            _COLS,
            (
                f"CREATE TABLE IF NOT EXISTS {TABLE} (experiment TEXT, unit_id TEXT, session_id TEXT, "
                "request_id TEXT, kind TEXT, items TEXT, teams TEXT, ts_us INTEGER, p_b TEXT)",
                f"CREATE INDEX IF NOT EXISTS {TABLE}_experiment ON {TABLE}(experiment)",
            ),
            flush_seconds,
            name="interleave-log",
        )

    def record(
        self,
        experiment: str,
        unit_id: str | None,
        session_id: str | None,
        request_id: str | None,
        kind: str,
        items: list[str],
        teams: list[int] | tuple[int, ...],
        p_b: list[float] | tuple[float, ...] | None = None,
    ) -> int:
        """Buffer one served list (``teams[i]`` is 0 for the first variant's ranker, 1 for the second;
        ``p_b``: a probabilistic merge's posteriors, None for team draft)."""
        if len(items) != len(teams) or (p_b is not None and len(p_b) != len(items)):
            raise ValueError(f"{len(items)} items but {len(teams)} team marks / {len(p_b or [])} posteriors")
        row = (
            experiment,
            unit_id,
            session_id,
            request_id,
            kind,
            json.dumps(list(items), ensure_ascii=False),
            "".join("AB"[t] for t in teams),
            None if p_b is None else json.dumps([float(x) for x in p_b]),
            time.time_ns() // 1000,
        )
        return self.append([row])


def read_interleavings(workspace: Path | str, experiment: str | None = None) -> pl.DataFrame:
    """The flushed lists of a workspace (all, or one experiment's) in ``SCHEMA``."""
    path = Path(workspace) / FILE
    rows: list[tuple] = []
    if path.exists():
        db = sqlite3.connect(path, timeout=30)
        try:
            if has_table(db, TABLE):
                have = {r[1] for r in db.execute(f"PRAGMA table_info({TABLE})")}
                cols = [c if c in have else f"NULL AS {c}" for c in _COLS]  # a file from before p_b
                sql = f"SELECT {', '.join(cols)} FROM {TABLE}"
                rows = (
                    db.execute(sql + " WHERE experiment = ?", (experiment,)).fetchall()
                    if experiment
                    else db.execute(sql).fetchall()
                )
        finally:
            db.close()
    return timestamped(
        [(*r[:5], json.loads(r[5]), r[6], None if r[7] is None else json.loads(r[7]), r[8]) for r in rows],
        _COLS,
        SCHEMA,
    )


def forget(db: sqlite3.Connection, ids: list[str]) -> int:
    """Delete the lists of these units or sessions on an open connection to the exposure file
    (``exposure.forget`` calls this in its transaction). Returns the rows deleted."""
    if not has_table(db, TABLE):
        return 0
    marks = ", ".join("?" * len(ids))
    cur = db.execute(f"DELETE FROM {TABLE} WHERE unit_id IN ({marks}) OR session_id IN ({marks})", ids + ids)
    return cur.rowcount
