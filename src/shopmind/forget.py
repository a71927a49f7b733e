"""``shopmind forget USER``: remove one customer from everything a workspace holds.

What a customer leaves behind, and what happens to it:

* **the store** (DuckDB): their events, and the events of every session they had, are dropped;
  quarantined rows and repair-audit rows that name them (raw or pseudonymised) are dropped;
  anywhere else a run summary, check detail or column profile names them, the name becomes
  ``[forgotten]``. DuckDB keeps deleted rows' bytes in free blocks, so the store is *rewritten*
  into a fresh file (schema copied, rows filtered) which replaces the old one by one rename;
* **the live log** (SQLite): their events, the quarantine entries of those events and any
  idempotency answer naming them are deleted with ``secure_delete`` on (freed pages zeroed), and
  the write-ahead log is truncated;
* **reports** (JSON summaries and HTML) and evaluation files: every mention is replaced;
* **profiles** in every release folder: their row is removed (one rename per file);
* **other logs and data kept in the workspace**: the experiments' exposure log
  (``exposures.sqlite``: their rows deleted, the file compacted), JSON Lines such as the
  assistant's hand-offs (a line naming them goes whole), the assistant's turn log (turns of
  their conversations or with their customer id, both stored as pseudonyms) and Parquet data
  outside the releases and caches such as the assistant's orders (rows naming them dropped);
* **models** (recommendations, search): at the next ``shopmind build``, which refits every model
  without reuse and then deletes every older release (rolling back to one would bring the
  customer back). A marker without any id (``forget.pending.json``) tells the build. A release a
  running server still serves cannot be deleted under it: the build dooms it and it is deleted as
  soon as the server swaps to the new release or stops (``release/leases.py``); the report names the
  releases servers hold now (``held``), the build's those it left (``held_back``).

A customer is named by the id the shop knows; the workspace's keyed pseudonym of it is searched
too (the form a pseudonymising workspace stores, and the one every report shows), as are their
sessions' ids. **All or nothing:** everything is prepared first (the new store file, the set
of rows to delete) and a failure while preparing changes nothing; then the switch-over is a
SQLite transaction and a few atomic renames. The command is idempotent: run again, it finds
nothing and changes nothing, and it completes a switch-over that was interrupted. It takes the
releases lock, so it never runs during a build. What is outside the store and the live log
(text files, Parquet data, the exposure log, profiles) is found and staged by ``forget_files``.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from shopmind.forget_files import (
    MARK,
    boundary_re,
    data_parquets,
    exposure_count,
    file_plan,
    forget_exposures,
    parquet_hits,
    profile_files,
    stage_file,
    stage_parquet,
    stage_profiles,
)
from shopmind.privacy import ERASURE_MARKER, pseudonymise, workspace_secret
from shopmind.release.leases import held_releases
from shopmind.release.releases import Releases
from shopmind.store.livelog import LOG_FILE
from shopmind.store.store import DB_FILE

#: Tables whose rows are *about* a person when they name one: dropped, not edited.
_DROP_TABLES = ("quarantine", "audit")


class ForgetError(Exception):
    """The workspace cannot be changed now (no store, a build running, the store in use)."""


@dataclass
class ForgetReport:
    """What a forget found (``dry_run``) or removed, per place."""

    user: str
    tokens: int = 0
    store: dict[str, int] = field(default_factory=dict)
    live_log: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    profiles: int = 0
    applied: bool = False
    #: releases a running server serves now: the next build deletes them only once it lets go
    held: list[str] = field(default_factory=list)

    @property
    def found(self) -> int:
        """Rows and files that name the customer (0: nothing to forget)."""
        return sum(self.store.values()) + sum(self.live_log.values()) + len(self.files) + self.profiles

    def as_dict(self) -> dict[str, Any]:
        return {"store": self.store, "live_log": self.live_log, "files": self.files, "profiles": self.profiles,
                "found": self.found, "applied": self.applied, "held": self.held}  # fmt: skip


def _re2(tokens: Iterable[str]) -> str:
    """The same pattern for DuckDB's RE2 (no look-behind): the boundaries are captured."""
    alts = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    return r"(^|[^\w~-])(" + alts + r")($|[^\w-])"


# ------------------------------------------------------------------ who
def identities(workspace: Path, user: str) -> set[str]:
    """Every string that stands for the customer: their id, its pseudonym, their sessions' ids
    (as stored) and those ids' pseudonyms (as reports show them)."""
    key = workspace_secret(workspace)
    ids = {user, pseudonymise(user, key)}
    sessions: set[str] = set()
    if (workspace / DB_FILE).exists():
        con = duckdb.connect(str(workspace / DB_FILE), read_only=True)
        try:
            rows = con.execute(
                "SELECT DISTINCT session_id FROM events WHERE user_id IN (SELECT unnest(?)) AND session_id IS NOT NULL",
                [sorted(ids)],
            ).fetchall()
            # a quarantined row of theirs may carry a session no accepted event has
            payloads = con.execute(
                "SELECT CAST(payload AS VARCHAR) FROM quarantine WHERE regexp_matches(CAST(payload AS VARCHAR), ?)",
                [_re2(ids)],
            ).fetchall()
        finally:
            con.close()
        sessions |= {str(r[0]) for r in rows if r[0] != ""}
        for (text,) in payloads:
            try:
                row = json.loads(text)
            except (TypeError, ValueError):
                continue
            if (
                isinstance(row, dict)
                and str(row.get("user_id")) in ids
                and row.get("session_id") not in (None, "")
            ):
                sessions.add(str(row["session_id"]))
    for _seq, e in _log_events(workspace):
        if str(e.get("user_id")) in ids and e.get("session_id") not in (None, ""):
            sessions.add(str(e["session_id"]))
    return ids | sessions | {pseudonymise(s, key) for s in sessions}


def _log_events(workspace: Path) -> list[tuple[int, dict[str, Any]]]:
    path = workspace / LOG_FILE
    if not path.exists():
        return []
    con = sqlite3.connect(path, timeout=30)
    try:
        return [(s, json.loads(p)) for s, p in con.execute("SELECT seq, payload FROM events")]
    finally:
        con.close()


# ------------------------------------------------------------------ the store
def _text_columns(con: duckdb.DuckDBPyConnection, db: str, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND table_name = ?",
        [db, table],
    ).fetchall()
    return [c for c, t in rows if t in ("VARCHAR", "JSON")]


@contextmanager
def _attached(workspace: Path, hold: bool) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A connection with the store attached as ``old``: read-only to count; read-write (never
    written) to ``hold`` it — DuckDB's file lock then keeps an ingest from writing into the old
    file between our copy and the rename. None without a store."""
    if not (workspace / DB_FILE).exists():
        yield None
        return
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{workspace / DB_FILE}' AS old" + ("" if hold else " (READ_ONLY)"))
        yield con
    finally:
        con.close()


def _stage_store(
    con: duckdb.DuckDBPyConnection | None, tokens: set[str], staging: Path | None
) -> dict[str, int]:
    """Count (``staging`` None) or write into ``staging`` a copy of the store (attached as
    ``old``) without the customer: per table, rows dropped or edited."""
    if con is None:
        return {}
    pattern = _re2(tokens)
    ids = sorted(tokens)
    if staging is not None:
        con.execute(f"ATTACH '{staging}' AS fresh")
        con.execute("COPY FROM DATABASE old TO fresh (SCHEMA)")
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'old' AND schema_name = 'main'"
    ).fetchall()]  # fmt: skip
    counts: dict[str, int] = {}
    for t in tables:
        cols = _text_columns(con, "old", t)
        # NULL-safe: a NULL column must not make the whole condition NULL (NOT NULL drops the row)
        hit = (
            " OR ".join(f'coalesce(regexp_matches(CAST("{c}" AS VARCHAR), $pat), false)' for c in cols)
            or "false"
        )
        if t == "events":
            cond = "coalesce(user_id IN (SELECT unnest($ids)) OR session_id IN (SELECT unnest($ids)), false)"
            cond = f"({cond} OR {hit})"
            drop = True
        else:
            cond, drop = f"({hit})", t in _DROP_TABLES
        params = _used({"pat": pattern, "ids": ids}, cond)
        n = con.execute(f'SELECT count(*) FROM old.main."{t}" WHERE {cond}', params).fetchone()[0]  # type: ignore[index]
        if n:
            counts[t] = int(n)
        if staging is None:
            continue
        if drop:
            con.execute(f'INSERT INTO fresh.main."{t}" SELECT * FROM old.main."{t}" WHERE NOT {cond}', params)
            continue
        all_cols = [r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'old' AND table_name = ? "
            "ORDER BY column_index", [t]).fetchall()]  # fmt: skip
        exprs = []
        for c in all_cols:
            if c in cols:  # twice: adjacent mentions share a boundary character
                once = f"regexp_replace(CAST(\"{c}\" AS VARCHAR), $pat, '\\1{MARK}\\3', 'g')"
                twice = f"regexp_replace({once}, $pat, '\\1{MARK}\\3', 'g')"
                exprs.append(f'CASE WHEN "{c}" IS NULL THEN NULL ELSE {twice} END')
            else:
                exprs.append(f'"{c}"')
        sql = f'INSERT INTO fresh.main."{t}" SELECT {", ".join(exprs)} FROM old.main."{t}"'
        con.execute(sql, _used({"pat": pattern}, sql))
    if staging is not None:
        con.execute("CHECKPOINT fresh")
        con.execute("DETACH fresh")
    return counts


def _used(params: dict[str, Any], sql: str) -> dict[str, Any]:
    """The named parameters ``sql`` mentions (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


# ------------------------------------------------------------------ the live log
def _log_plan(workspace: Path, tokens: set[str]) -> dict[str, list[Any]]:
    """Which live-log rows name the customer: event seqs, idempotency keys."""
    rx = boundary_re(tokens)
    seqs = [s for s, e in _log_events(workspace) if any(
        str(e.get(c)) in tokens for c in ("user_id", "session_id")) or rx.search(json.dumps(e, ensure_ascii=False))]  # fmt: skip
    keys: list[str] = []
    path = workspace / LOG_FILE
    if path.exists():
        con = sqlite3.connect(path, timeout=30)
        try:
            keys = [
                k
                for k, r in con.execute("SELECT key, response FROM idempotency")
                if rx.search(r) or rx.search(k)
            ]
        finally:
            con.close()
    return {"events": seqs, "idempotency": keys}


def _apply_log(workspace: Path, plan: dict[str, list[Any]]) -> None:
    path = workspace / LOG_FILE
    if not path.exists() or not any(plan.values()):
        return
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA secure_delete=ON")  # freed pages are zeroed, not left readable
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany("DELETE FROM events WHERE seq = ?", [(s,) for s in plan["events"]])
            con.executemany(
                "DELETE FROM quarantine WHERE kind = 'events' AND seq = ?", [(s,) for s in plan["events"]]
            )
            con.executemany("DELETE FROM idempotency WHERE key = ?", [(k,) for k in plan["idempotency"]])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the WAL holds the old pages until then
        con.execute("VACUUM")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


# ------------------------------------------------------------------ the command
def forget_user(workspace: Path | str, user: str, apply: bool = True) -> ForgetReport:
    """Find (``apply=False``) or remove everything naming ``user`` (see the module docstring)."""
    workspace = Path(workspace)
    if not user or not user.strip():
        raise ForgetError("the customer id is empty")
    if not (workspace / DB_FILE).exists() and not (workspace / LOG_FILE).exists():
        raise ForgetError(f"no shopmind workspace at {workspace} (no store, no live log)")
    releases = Releases(workspace)
    try:
        with releases.lock():
            return _forget_locked(workspace, user, apply)
    except duckdb.IOException as exc:
        raise ForgetError(
            f"the store is in use by another process ({exc}); retry when the ingest is done"
        ) from None


def _forget_locked(workspace: Path, user: str, apply: bool) -> ForgetReport:
    tokens = identities(workspace, user)
    report = ForgetReport(user=user, tokens=len(tokens))
    with _attached(workspace, hold=False) as con:
        report.store = _stage_store(con, tokens, None)
    log_plan = _log_plan(workspace, tokens)
    report.live_log = {k: len(v) for k, v in log_plan.items() if v}
    files = file_plan(workspace, tokens)
    import polars as pl

    for p in data_parquets(workspace):
        hit = parquet_hits(p, tokens)
        if hit is not None and pl.read_parquet(p).filter(hit).height:
            files.append(p)
    report.files = [str(p.relative_to(workspace)) for p in files]
    exposures = exposure_count(workspace, tokens)
    if exposures:
        report.live_log["exposures"] = exposures
    from shopmind.assistant import turnlog

    if turns := turnlog.count(workspace, tokens):  # pseudonymised conversation/customer ids
        report.live_log["assistant_turns"] = turns
    from shopmind.ads import ledger as ads_ledger

    if ad_rows := ads_ledger.count_units(workspace, tokens):  # keyed hashes on ad impressions/clicks
        report.live_log["ad_impressions_clicks"] = ad_rows
    profile_hits = []

    for p in profile_files(workspace):
        n = pl.read_parquet(p, columns=["user_id"]).filter(pl.col("user_id").is_in(sorted(tokens))).height
        if n:
            profile_hits.append(p)
            report.profiles += n
    if not apply or not report.found:
        return report
    with _attached(workspace, hold=True) as con:  # no ingest writes the store until the rename
        staged = _prepare(workspace, con, tokens, report, files, profile_hits)
        # ---- switch over: the marker first (so the next build refits even if we stop half-way),
        # the log in one transaction, then one rename per file
        mark_erasure(workspace)
        _apply_log(workspace, log_plan)
        if report.live_log.get("exposures"):
            forget_exposures(workspace, tokens)
        if report.live_log.get("assistant_turns"):
            turnlog.forget(workspace, tokens)
        if report.live_log.get("ad_impressions_clicks"):
            ads_ledger.forget_units(workspace, tokens)
        for tmp, dst in staged:
            if dst.name == DB_FILE:
                Path(str(dst) + ".wal").unlink(missing_ok=True)
            os.replace(tmp, dst)
    report.applied = True
    report.held = sorted(held_releases(workspace / "releases"))
    return report


def _prepare(
    workspace: Path,
    con: duckdb.DuckDBPyConnection | None,
    tokens: set[str],
    report: ForgetReport,
    files: list[Path],
    profile_hits: list[Path],
) -> list[tuple[Path, Path]]:
    """Write every changed file beside its original: (new file, original) pairs. On any
    failure the new files are removed and the error raised: nothing has changed."""
    staged: list[tuple[Path, Path]] = []
    store_tmp = workspace / f".{DB_FILE}.forget.tmp"
    try:
        store_tmp.unlink(missing_ok=True)
        if report.store:
            _stage_store(con, tokens, store_tmp)
            staged.append((store_tmp, workspace / DB_FILE))
        for p in files:
            staged.append((stage_parquet(p, tokens) if p.suffix == ".parquet" else stage_file(p, tokens), p))
        for p in profile_hits:
            _n, tmp = stage_profiles(p, tokens)
            if tmp is not None:
                staged.append((tmp, p))
    except BaseException:
        store_tmp.unlink(missing_ok=True)
        for tmp, _dst in staged:
            tmp.unlink(missing_ok=True)
        raise
    return staged


def mark_erasure(workspace: Path) -> None:
    """Tell the next build that a customer was forgotten (no id is written: a count and a time)."""
    path = workspace / ERASURE_MARKER
    try:
        prev = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        prev = {}
    data = {
        "forgotten": int(prev.get("forgotten", 0)) + 1,
        "since": prev.get("since") or datetime.now(UTC).isoformat(),
    }
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)
