"""The durable log of what the API accepted: events, product changes, idempotency keys.

SQLite in WAL mode with ``synchronous=FULL``: a commit is on disk when it returns, so an
event acknowledged to a client survives ``kill -9`` and power loss of the process. Why not
the DuckDB store: DuckDB allows one writing process, and ``shopmind ingest``/``build`` must
keep working while a server runs. ``shopmind build`` drains this log into the store through
the quality gate and records the last sequence number it included; a server loading that
release replays only what came after.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOG_FILE = "live.sqlite"

_DDL = (
    """CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        received_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS products (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        product_id TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
        payload TEXT,
        received_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS idempotency (
        key TEXT PRIMARY KEY,
        response TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    # entries the gate quarantined when `shopmind build` drained them: row by row, with the
    # reasons, so an operator can list and purge them (`shopmind live quarantine|purge`)
    """CREATE TABLE IF NOT EXISTS quarantine (
        kind TEXT NOT NULL CHECK (kind IN ('events', 'products')),
        seq INTEGER NOT NULL,
        key TEXT,
        codes TEXT NOT NULL,
        detail TEXT,
        run_id TEXT,
        quarantined_at TEXT NOT NULL,
        PRIMARY KEY (kind, seq))""",
)
#: The log tables a quarantined entry can come from.
KINDS = ("events", "products")


def _plain(value: Any) -> Any:
    """JSON for what validation produces: datetimes as ISO 8601 (readable back by the
    recommenders and the gate; ``str()`` would give a space-separated form), else ``str``."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class EventLog:
    """Thread-safe append-only log (one connection guarded by a lock)."""

    def __init__(self, workspace: Path | str) -> None:
        self.path = Path(workspace) / LOG_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=FULL")
        for ddl in _DDL:
            self._con.execute(ddl)
        self._data_version = self._con.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._con.close()

    # ---------------------------------------------------------------- writes
    def append_events(
        self, events: Iterable[Mapping[str, Any]], idempotency_key: str | None = None, response: Any = None
    ) -> tuple[list[int], Any | None]:
        """Append events (skipping event_ids already logged) in one transaction.

        Returns (sequence numbers of the newly logged events, None), or ``([], stored
        response)`` when ``idempotency_key`` was seen before — then nothing is written.
        ``response`` is what to remember for the key; it is stored in the same transaction.
        """
        now = datetime.now(UTC).isoformat()
        with self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                if idempotency_key is not None:
                    row = cur.execute(
                        "SELECT response FROM idempotency WHERE key = ?", (idempotency_key,)
                    ).fetchone()
                    if row is not None:
                        cur.execute("ROLLBACK")
                        return [], json.loads(row[0])
                seqs = []
                for e in events:
                    cur.execute(
                        "INSERT OR IGNORE INTO events (event_id, payload, received_at) VALUES (?, ?, ?)",
                        (str(e["event_id"]), json.dumps(e, default=_plain), now),
                    )
                    if cur.rowcount:
                        seqs.append(int(cur.lastrowid))
                if idempotency_key is not None:
                    cur.execute(
                        "INSERT INTO idempotency (key, response, created_at) VALUES (?, ?, ?)",
                        (idempotency_key, json.dumps(response, default=str), now),
                    )
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return seqs, None

    def append_products(self, changes: Iterable[tuple[str, str, Mapping[str, Any] | None]]) -> list[int]:
        """Append (product_id, op, payload) changes in one transaction."""
        now = datetime.now(UTC).isoformat()
        with self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                seqs = []
                for pid, op, payload in changes:
                    cur.execute(
                        "INSERT INTO products (product_id, op, payload, received_at) VALUES (?, ?, ?, ?)",
                        (pid, op, None if payload is None else json.dumps(payload, default=_plain), now),
                    )
                    seqs.append(int(cur.lastrowid))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return seqs

    def record_quarantine(self, rows: Iterable[Mapping[str, Any]], run_id: str | None) -> int:
        """Remember log entries the gate quarantined: dicts of kind, seq, key, codes, detail."""
        now = datetime.now(UTC).isoformat()
        values = [
            (
                r["kind"],
                int(r["seq"]),
                r.get("key"),
                json.dumps(list(r["codes"])),
                r.get("detail"),
                run_id,
                now,
            )
            for r in rows
        ]
        with self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                cur.executemany("INSERT OR REPLACE INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?)", values)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return len(values)

    def quarantined(
        self, code: str | None = None, seqs: Iterable[int] | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        """Quarantined entries (oldest first) with their payload while it is still in the log;
        optionally only those with ``code``, those ``seqs`` or one ``kind``."""
        wanted = None if seqs is None else {int(x) for x in seqs}
        with self._lock:
            rows = self._con.execute(
                "SELECT q.kind, q.seq, q.key, q.codes, q.detail, q.run_id, q.quarantined_at, "
                "coalesce(e.payload, p.payload) FROM quarantine q "
                "LEFT JOIN events e ON q.kind = 'events' AND e.seq = q.seq "
                "LEFT JOIN products p ON q.kind = 'products' AND p.seq = q.seq "
                "ORDER BY q.quarantined_at, q.kind, q.seq"
            ).fetchall()
        out = []
        for k, seq, key, codes, detail, run_id, at, payload in rows:
            code_list = json.loads(codes)
            if (code is not None and code not in code_list) or (wanted is not None and seq not in wanted):
                continue
            if kind is not None and k != kind:
                continue
            out.append(
                {"kind": k, "seq": seq, "key": key, "codes": code_list, "detail": detail, "run_id": run_id,
                 "quarantined_at": at, "payload": None if payload is None else json.loads(payload)}
            )  # fmt: skip
        return out

    def purge(self, entries: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        """Remove quarantined entries (kind + seq) from the log and from the quarantine list,
        in one transaction. Only quarantined entries can be purged: an accepted entry is part
        of the shop's history and stays."""
        keys = [(str(e["kind"]), int(e["seq"])) for e in entries]
        removed = {k: 0 for k in KINDS}
        with self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for kind, seq in keys:
                    if kind not in KINDS:
                        raise ValueError(f"unknown log table {kind!r}")
                    hit = cur.execute("DELETE FROM quarantine WHERE kind = ? AND seq = ?", (kind, seq))
                    if hit.rowcount:
                        cur.execute(f"DELETE FROM {kind} WHERE seq = ?", (seq,))  # kind is one of KINDS
                        removed[kind] += 1
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return removed

    # ---------------------------------------------------------------- reads
    def changed(self) -> bool:
        """Whether another connection (another server worker, ``shopmind build``'s drain)
        committed since the last call. SQLite's ``data_version`` answers this without reading
        a table (~2 µs), so every request can afford to ask; our own commits do not count."""
        with self._lock:
            v = self._con.execute("PRAGMA data_version").fetchone()[0]
        if v == self._data_version:
            return False
        self._data_version = v
        return True

    def events_after(self, seq: int, limit: int | None = None) -> list[tuple[int, dict[str, Any]]]:
        lim = f"LIMIT {int(limit)}" if limit else ""
        with self._lock:
            rows = self._con.execute(
                f"SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq {lim}", (seq,)
            ).fetchall()
        return [(s, json.loads(p)) for s, p in rows]

    def products_after(self, seq: int) -> list[tuple[int, str, str, dict[str, Any] | None]]:
        with self._lock:
            rows = self._con.execute(
                "SELECT seq, product_id, op, payload FROM products WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()
        return [(s, pid, op, None if p is None else json.loads(p)) for s, pid, op, p in rows]

    def last_seq(self) -> dict[str, int]:
        with self._lock:
            ev = self._con.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
            pr = self._con.execute("SELECT coalesce(max(seq), 0) FROM products").fetchone()[0]
        return {"events": int(ev), "products": int(pr)}

    def count_events(self) -> int:
        with self._lock:
            return int(self._con.execute("SELECT count(*) FROM events").fetchone()[0])


def net_product_changes(
    changes: Iterable[tuple[str, str, Mapping[str, Any] | None]],
) -> tuple[list[dict[str, Any]], list[str]]:
    """(products to upsert, ids to delete) after applying ``(product_id, op, payload)`` changes
    in log order: the last change of a product wins."""
    final: dict[str, tuple[str, Mapping[str, Any] | None]] = {}
    for pid, op, payload in changes:
        final[pid] = (op, payload)
    upserts = [dict(p) for op, p in final.values() if op == "upsert" and p is not None]
    deletes = [pid for pid, (op, _p) in final.items() if op == "delete"]
    return upserts, deletes
