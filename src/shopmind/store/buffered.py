"""An append-only SQLite table written off the request path: analytics logs (the experiments'
exposures, the assistant's turns).

Why not the live log: the live log fsyncs every commit before the answer because events are the
shop's data; an analytics record is written on *every* request of its kind, so the request path
only appends to an in-memory buffer (~1 µs) and a daemon thread writes batches to SQLite (WAL,
``synchronous=OFF``: no fsync at all) every ``flush_seconds``. A crash loses at most the last
interval's records. Several worker processes may each run one writer on the same file (WAL).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path


class BufferedTable:
    """Rows of one table: ``append`` on the request path, a thread ``flush``-es them in batches."""

    def __init__(
        self,
        path: Path | str,
        table: str,
        columns: Sequence[str],
        schema: Iterable[str],
        flush_seconds: float = 1.0,
        name: str = "buffered-log",
    ) -> None:
        """``schema``: the SQL statements that create the table and its indexes (``IF NOT EXISTS``)."""
        self.path = Path(path)
        self.table = table
        self.columns = tuple(columns)
        self._buf: list[tuple] = []
        self._lock = threading.Lock()
        self._flush_seconds = flush_seconds
        self._stop = threading.Event()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self._connect()
        try:
            with db:
                for sql in schema:
                    db.execute(sql)
        finally:
            db.close()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        return db

    def append(self, rows: Sequence[tuple]) -> int:
        """Buffer rows (tuples in ``columns`` order); nothing touches the disk here."""
        if rows:
            with self._lock:
                self._buf.extend(rows)
        return len(rows)

    def flush(self) -> int:
        """Write what is buffered (the thread calls this; readers in this process and shutdown may too)."""
        with self._lock:
            rows, self._buf = self._buf, []
        if rows:
            db = self._connect()
            try:
                with db:
                    marks = ", ".join("?" * len(self.columns))
                    db.executemany(
                        f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({marks})", rows
                    )
            finally:
                db.close()
        return len(rows)

    def _run(self) -> None:
        while not self._stop.wait(self._flush_seconds):
            self.flush()

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.flush()
