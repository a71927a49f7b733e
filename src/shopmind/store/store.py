"""The embedded store: one DuckDB file in the workspace folder.

It holds the accepted tables, the quarantine, the repair audit log, the history of quality
runs with per-check metrics, and column profiles used as the drift reference of the next run.
All writes of one gate run happen in a single transaction, so a crash or a held batch never
leaves a half-published state; readers only ever see whole runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from shopmind.data.model import ATTRIBUTES, FLAGS, ROW, SCHEMAS, TableName

DB_FILE = "shopmind.duckdb"
#: Context column the gate adds per row: NULL (key not in the store), 'same' (the store holds
#: this row unchanged) or 'differs' (the store holds another row under the same key).
STORED = "_stored"

_DUCK_TYPES = {
    pl.Utf8: "VARCHAR",
    pl.Float64: "DOUBLE",
    pl.Int64: "BIGINT",
}


def _duck_type(dtype: pl.DataType) -> str:
    if dtype == ATTRIBUTES:
        return "STRUCT(key VARCHAR, value VARCHAR)[]"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ"
    return _DUCK_TYPES[dtype]


def _table_ddl(name: TableName) -> str:
    schema = SCHEMAS[name]
    cols = [f'"{c}" {_duck_type(t)}' for c, t in schema.columns.items()]
    cols += [f"{FLAGS} VARCHAR[]", "_run_id VARCHAR"]
    return f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(cols)})"


_META_DDL = (
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY, source VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
        status VARCHAR, exit_code INTEGER, input_rows BIGINT, accepted BIGINT, quarantined BIGINT,
        repaired_cells BIGINT, fingerprint VARCHAR, summary JSON, config JSON, report_path VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS run_checks (
        run_id VARCHAR, table_name VARCHAR, code VARCHAR, action VARCHAR, severity VARCHAR,
        failed BIGINT, fraction DOUBLE, threshold DOUBLE, crossed BOOLEAN, detail JSON)""",
    """CREATE TABLE IF NOT EXISTS quarantine (
        run_id VARCHAR, table_name VARCHAR, row_no BIGINT, line BIGINT, codes VARCHAR[], detail VARCHAR,
        payload JSON)""",
    """CREATE TABLE IF NOT EXISTS audit (
        run_id VARCHAR, table_name VARCHAR, row_no BIGINT, column_name VARCHAR, code VARCHAR,
        old_value VARCHAR, new_value VARCHAR)""",
    # products a shop's export lists as not for sale (draft, archived: a mapping's [listed]); kept out of
    # the catalogue, known to the gate so their orders stay purchases (quality code EVT_ITEM_UNLISTED)
    """CREATE TABLE IF NOT EXISTS unlisted_products (
        product_id VARCHAR PRIMARY KEY, attributes STRUCT(key VARCHAR, value VARCHAR)[], status VARCHAR,
        _run_id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS profiles (
        run_id VARCHAR, source VARCHAR, table_name VARCHAR, column_name VARCHAR, kind VARCHAR,
        rows BIGINT, profile JSON)""",
)


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if there still is one.

    Why: a COMMIT that fails (the disk filled while DuckDB wrote its WAL) has already ended the
    transaction, so a plain ROLLBACK raised "cannot rollback - no transaction is active" and that
    error, not "No space left on device", was what `shopmind ingest` showed, as a traceback."""
    # nothing open: the failed statement ended it, and nothing of it was written
    with suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


@dataclass(frozen=True)
class ParquetRows:
    """Rows in Parquet part files (a Spark run's output), which DuckDB reads out of core.

    Why: a Spark batch can be larger than the driver's memory; handing the store the files
    instead of a frame lets DuckDB stream, sort (``order``, spilling to disk) and insert them
    without the rows ever being collected into Python. ``rename`` maps file columns to the
    store's (the audit's ``_row`` is the store's ``row_no``)."""

    files: list[str]
    order: tuple[str, ...]
    rename: dict[str, str] = field(default_factory=dict)


#: DuckDB's memory while it sorts and inserts a Spark run's Parquet parts (it spills past it)
PARQUET_MEMORY = "2GB"

#: what a table's rows are handed to the store as
Incoming = pl.DataFrame | ParquetRows


class _Result:
    """A query result readable as a Polars frame (DuckDB 2 dropped ``.pl()`` on connections)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> None:
        self._con, self._sql, self._params = con, sql, params

    def frame(self) -> pl.DataFrame:
        return self._con.sql(self._sql, params=self._params).pl()

    def fetchone(self) -> tuple[object, ...] | None:
        rows = self.fetchall()  # fetch everything: DuckDB 2 refuses new work while a result is open
        return rows[0] if rows else None

    def fetchall(self) -> list[tuple[object, ...]]:
        return self._con.execute(self._sql, self._params).fetchall()


class StoreBusy(duckdb.IOException):
    """Another process holds the store's lock (DuckDB admits one writer, and no reader beside it).

    Why: a second `shopmind ingest` (or a build, `runs`, `quarantine`) while one ingest wrote the
    store ended in DuckDB's lock error as a traceback; ``shopmind.cli.main`` says it in one line."""

    def __init__(self, path: Path, detail: str) -> None:
        import re

        found = re.search(r"PID (\d+)", detail)
        holder = f" (PID {found.group(1)})" if found else ""
        super().__init__(
            f"the store {path} is in use by another shopmind command{holder}: one command uses it at a "
            "time; run this one again when that one is done"
        )


class Store:
    """A workspace folder with the DuckDB file; open one per process (DuckDB has one writer)."""

    def __init__(self, workspace: Path, read_only: bool = False) -> None:
        self.workspace = Path(workspace)
        self.path = self.workspace / DB_FILE
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"no shopmind store at {self.path} (run `shopmind ingest` first)")
        self.workspace.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "Could not set lock" not in str(exc):
                raise
            raise StoreBusy(self.path, str(exc)) from None
        if not read_only:
            self.con.execute("SET TimeZone = 'UTC'")
            for name in SCHEMAS:
                self.con.execute(_table_ddl(name))
            for ddl in _META_DDL:
                self.con.execute(ddl)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads -------------------------------------------------------------------------------
    def _q(self, sql: str, params: list[object] | None = None) -> _Result:
        return _Result(self.con, sql, params or [])

    def count(self, table: str) -> int:
        return int(self._q(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]

    def table(self, name: TableName, columns: list[str] | None = None, where: str = "") -> pl.DataFrame:
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        frame = self._q(f"SELECT {cols} FROM {name} {where}").frame()
        return frame

    def variant_skus(self, key: str) -> pl.DataFrame:
        """product_id and the ``key`` attribute (one entry, or none) of every accepted product, and of
        every product kept as not for sale: the variant SKUs an order line may name instead of the
        product (``quality.skus``)."""
        return self._q(
            "SELECT product_id, list_filter(attributes, lambda a: a.key = ?) AS attributes FROM products "
            "UNION ALL SELECT product_id, list_filter(attributes, lambda a: a.key = ?) FROM unlisted_products "
            "WHERE product_id NOT IN (SELECT product_id FROM products)",
            [key, key],
        ).frame()

    def catalog(self) -> pl.DataFrame:
        """product_id, created_at, price of every accepted product (for referential checks), and
        ``unlisted``: False for them, True for the products kept as not for sale (no date, no price)."""
        return self._q(
            "SELECT product_id, created_at, price, FALSE AS unlisted FROM products UNION ALL "
            "SELECT product_id, NULL, NULL, TRUE FROM unlisted_products "
            "WHERE product_id NOT IN (SELECT product_id FROM products)"
        ).frame()

    def category_paths(self) -> pl.DataFrame:
        return self._q(
            "SELECT category_path, count(*) AS n FROM products WHERE category_path IS NOT NULL GROUP BY 1"
        ).frame()

    def first_purchases(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """Earliest stored purchase per (user_id, item_id) among ``pairs``."""
        if pairs.is_empty():
            return pl.DataFrame(
                schema={"user_id": pl.Utf8, "item_id": pl.Utf8, "_first_buy": pl.Datetime("us", "UTC")}
            )
        self.con.register("_pairs", pairs.to_arrow())
        try:
            return self._q(
                """SELECT e.user_id, e.item_id, min(e.timestamp) AS _first_buy FROM events e
                   JOIN _pairs p ON e.user_id = p.user_id AND e.item_id = p.item_id
                   WHERE e.type = 'purchase' GROUP BY 1, 2"""
            ).frame()
        finally:
            self.con.unregister("_pairs")

    def stored_status(self, name: TableName, frame: pl.DataFrame) -> pl.Series:
        """Per row of ``frame`` (canonical columns + ``_row``): is its key stored, and unchanged?

        For events a 'differs' is an ``EVT_ID_CONFLICT`` (an event id is a fact's identity and
        events are never replaced); for every table a 'same' is a row a re-ingest does not
        write, which the account reports as already stored.
        """
        schema = SCHEMAS[name]
        if frame.is_empty() or self.count(name) == 0:
            return pl.Series(STORED, [None] * frame.height, dtype=pl.Utf8)
        cols = list(schema.columns)
        key = " AND ".join(f'i."{k}" = t."{k}"' for k in schema.key)
        same = " AND ".join(f'i."{c}" IS NOT DISTINCT FROM t."{c}"' for c in cols)
        self.con.register("_probe", frame.select(ROW, *cols).to_arrow())
        try:
            found = self._q(
                f"SELECT i.{ROW} AS {ROW}, bool_or({same}) AS same FROM _probe i "
                f"JOIN {name} t ON {key} GROUP BY i.{ROW}"
            ).frame()
        finally:
            self.con.unregister("_probe")
        status = found.select(
            pl.col(ROW).cast(pl.Int64),
            pl.when(pl.col("same")).then(pl.lit("same")).otherwise(pl.lit("differs")).alias(STORED),
        )
        return frame.select(ROW).join(status, on=ROW, how="left", maintain_order="left")[STORED]

    def previous_run(self, source: str, tables: Iterable[str] | None = None) -> dict[str, Any] | None:
        """The feed's latest published run; with ``tables``, the latest that fed those very tables. A
        feed named after a file's stem may be two exports (RecBole's ``ml-100k.item`` then ``.inter``):
        the events run's volume was compared with the products run's (1,682 -> 100,000 rows, "+5,845 %")."""
        rows = self._q(
            "SELECT run_id, input_rows, accepted, summary FROM runs WHERE source = ? AND status = 'published' "
            "ORDER BY finished_at DESC LIMIT 50",
            [source],
        ).fetchall()
        wanted = None if tables is None else set(tables)
        for row in rows:
            summary = json.loads(row[3])
            if wanted is None or set(summary.get("account") or {}) == wanted:
                return {"run_id": row[0], "input_rows": row[1], "accepted": row[2], "summary": summary}
        return None

    def profiles_of(self, run_id: str) -> dict[tuple[str, str], dict[str, Any]]:
        rows = self._q(
            "SELECT table_name, column_name, kind, rows, profile FROM profiles WHERE run_id = ?", [run_id]
        ).fetchall()
        return {(t, c): {"kind": k, "rows": n, **json.loads(p)} for t, c, k, n, p in rows}

    def runs(self, limit: int = 50, source: str | None = None) -> pl.DataFrame:
        where = "WHERE source = ?" if source else ""
        params = [source] if source else []
        return self._q(
            f"SELECT run_id, source, started_at, finished_at, status, exit_code, input_rows, accepted, quarantined, "
            f"repaired_cells, report_path FROM runs {where} ORDER BY started_at DESC LIMIT {int(limit)}",
            params,
        ).frame()

    def run(self, run_id: str) -> dict[str, Any] | None:
        row = self._q("SELECT summary, report_path, status FROM runs WHERE run_id = ?", [run_id]).fetchone()
        if row is None:
            return None
        return {"summary": json.loads(row[0]), "report_path": row[1], "status": row[2]}

    def quarantine(self, run_id: str | None = None, limit: int | None = None) -> pl.DataFrame:
        where = "WHERE run_id = ?" if run_id else ""
        lim = f"LIMIT {int(limit)}" if limit else ""
        return self._q(
            f"SELECT * FROM quarantine {where} ORDER BY table_name, row_no {lim}", [run_id] if run_id else []
        ).frame()

    # --- the one write path ------------------------------------------------------------------
    def commit_run(
        self,
        run: dict[str, Any],
        checks: list[dict[str, Any]],
        accepted: dict[TableName, Incoming],
        quarantine: list[Incoming],
        audit: list[Incoming],
        profiles: list[dict[str, Any]],
        publish: bool,
        unlisted: pl.DataFrame | None = None,
    ) -> dict[str, int]:
        """Record a run; when ``publish``, upsert its accepted rows. All or nothing.

        Returns per table how many rows were new or changed in the store (re-ingesting the
        same batch writes zero: events are insert-if-absent by event_id, products and
        judgments are replaced by key). ``quarantine`` and ``audit`` are one part per table,
        inserted in that order (``row_no`` order within a part).
        """
        written: dict[str, int] = {}
        con = self.con
        parts = any(isinstance(r, ParquetRows) for r in [*accepted.values(), *quarantine, *audit])
        with self._parquet_memory(parts):
            con.execute("BEGIN TRANSACTION")
            try:
                if publish:
                    for name, frame in accepted.items():
                        written[name] = self._upsert(name, frame, run["run_id"])
                    self._unlisted(unlisted, run["run_id"])
                con.execute(
                    "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        run["run_id"], run["source"], run["started_at"], run["finished_at"], run["status"],
                        run["exit_code"], run["input_rows"], run["accepted"], run["quarantined"],
                        run["repaired_cells"], run["fingerprint"], json.dumps(run["summary"], default=str),
                        json.dumps(run["config"], default=str), run["report_path"],
                    ],
                )  # fmt: skip
                if checks:
                    con.executemany(
                        "INSERT INTO run_checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            [run["run_id"], c["table"], c["code"], c["action"], c["severity"], c["failed"],
                             c["fraction"], c["threshold"], c["crossed"], json.dumps(c.get("detail", {}), default=str)]
                            for c in checks
                        ],
                    )  # fmt: skip
                for part in quarantine:
                    self._insert_frame("quarantine", part, run["run_id"],
                                       ["table_name", "row_no", "line", "codes", "detail", "payload"])  # fmt: skip
                for part in audit:
                    self._insert_frame("audit", part, run["run_id"],
                                       ["table_name", "row_no", "column_name", "code", "old_value", "new_value"])  # fmt: skip
                if publish and profiles:
                    con.executemany(
                        "INSERT INTO profiles VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [
                            [run["run_id"], run["source"], p["table"], p["column"], p["kind"], p["rows"],
                             json.dumps(p["profile"])]
                            for p in profiles
                        ],
                    )  # fmt: skip
                con.execute("COMMIT")
            except BaseException:
                rollback(con)
                raise
        return written

    def _unlisted(self, unlisted: pl.DataFrame | None, run_id: str) -> None:
        """Products the batch lists as not for sale replace their earlier record; a product this run
        accepted for sale again is no longer one. (One stored before, now archived, stays in ``products``
        until ``ingest --full-catalog`` removes it, and is read as listed until then.)"""
        if unlisted is not None and unlisted.height:
            frame = unlisted.select("product_id", "attributes", "status").unique("product_id", keep="last")
            self.con.register("_unlisted", frame.with_columns(pl.lit(run_id).alias("_run_id")).to_arrow())
            try:
                self.con.execute("INSERT OR REPLACE INTO unlisted_products SELECT * FROM _unlisted")
            finally:
                self.con.unregister("_unlisted")
        self.con.execute(
            "DELETE FROM unlisted_products WHERE product_id IN (SELECT product_id FROM products WHERE _run_id = ?)",
            [run_id],
        )

    def delete_products(self, product_ids: list[str]) -> int:
        """Remove products deleted through the API (their events stay: they are history)."""
        if not product_ids:
            return 0
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            before = self.count("products")
            con.executemany("DELETE FROM products WHERE product_id = ?", [[p] for p in product_ids])
            removed = before - self.count("products")
            con.execute("COMMIT")
        except BaseException:
            rollback(con)
            raise
        return removed

    @contextmanager
    def _parquet_memory(self, parts: bool) -> Iterator[None]:
        """Cap DuckDB's memory while it sorts and inserts a Spark run's Parquet parts (``parts``).

        Why: its default (80 % of RAM) let the 50 M-event insert's sort hold ~13 GB in the
        driver's process; capped, it spills to ``shopmind.duckdb.tmp`` (2026-12-05: 2.1 GB peak,
        78 s for 48.5 M events; docs/BENCHMARKS.md). Settings are not transactional: the default
        is put back whatever happens."""
        if not parts:
            yield
            return
        self.con.execute(f"SET memory_limit = '{PARQUET_MEMORY}'")
        try:
            yield
        finally:  # the store never sets it otherwise: back to DuckDB's default
            self.con.execute("RESET memory_limit")

    @contextmanager
    def _incoming(self, rows: Incoming, columns: list[str]) -> Iterator[str]:
        """``rows`` as the relation ``_incoming`` with ``columns`` (in order, for a ParquetRows)."""
        if isinstance(rows, pl.DataFrame):
            self.con.register("_incoming", rows.select(columns).to_arrow())
            try:
                yield "_incoming"
            finally:
                self.con.unregister("_incoming")
            return
        back = {v: k for k, v in rows.rename.items()}
        cols = ", ".join(f'"{back.get(c, c)}" AS "{c}"' for c in columns)
        files = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in rows.files) + "]"
        order = ", ".join(f'"{c}"' for c in rows.order)
        try:
            self.con.execute(
                f"CREATE OR REPLACE TEMP VIEW _incoming AS SELECT {cols} FROM read_parquet({files}) "
                f"ORDER BY {order}"
            )
            yield "_incoming"
        finally:
            with suppress(duckdb.Error):  # an aborted transaction drops it with its rollback
                self.con.execute("DROP VIEW IF EXISTS _incoming")

    def _insert_frame(self, table: str, rows: Incoming, run_id: str, columns: list[str]) -> None:
        if isinstance(rows, pl.DataFrame) and rows.is_empty():
            return
        if isinstance(rows, ParquetRows) and not rows.files:
            return
        with self._incoming(rows, columns) as src:
            self.con.execute(
                f"INSERT INTO {table} (run_id, {', '.join(columns)}) SELECT ?, {', '.join(columns)} FROM {src}",
                [run_id],
            )

    def _upsert(self, name: TableName, rows: Incoming, run_id: str) -> int:
        schema = SCHEMAS[name]
        cols = [*schema.columns, FLAGS]
        if isinstance(rows, ParquetRows) and not rows.files:
            return 0
        quoted = ", ".join(f'"{c}"' for c in cols)
        key_match = " AND ".join(f't."{k}" = i."{k}"' for k in schema.key)
        with self._incoming(rows, cols) as src:
            if name == "events":  # events are immutable facts: insert the ones not seen before
                before = self.count(name)
                self.con.execute(
                    f"INSERT INTO events ({quoted}, _run_id) SELECT {quoted}, ? FROM {src} i "
                    f"WHERE NOT EXISTS (SELECT 1 FROM events t WHERE {key_match})",
                    [run_id],
                )
                return self.count(name) - before
            content = [f'"{c}"' for c in schema.columns]
            changed = self._q(
                f"SELECT count(*) FROM (SELECT {', '.join(content)} FROM {src} EXCEPT "
                f"SELECT {', '.join(content)} FROM {name})"
            ).fetchone()[0]  # type: ignore[index]
            self.con.execute(f"DELETE FROM {name} t WHERE EXISTS (SELECT 1 FROM {src} i WHERE {key_match})")
            self.con.execute(
                f"INSERT INTO {name} ({quoted}, _run_id) SELECT {quoted}, ? FROM {src}", [run_id]
            )
            return int(changed)


def run_id_for(started: datetime) -> str:
    return started.strftime("%Y%m%dT%H%M%S%fZ")


__all__ = ["Store", "DB_FILE", "STORED", "Incoming", "ParquetRows", "run_id_for"]
