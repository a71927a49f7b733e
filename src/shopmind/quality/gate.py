"""The quality gate: every input row ends accepted (maybe repaired, maybe flagged) or quarantined.

Flow per table (products first, since events and judgments refer to them): coerce types →
repair text → add context (catalog, category tree, earlier purchases) → early value repairs →
derived columns → value repairs → checks → split. The account ``accepted + quarantined == input`` is asserted
for every table before anything is written; then batch-level checks (completeness, freshness,
volume, drift) run and the batch is published, or held when an error threshold is crossed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.adapters.table import NAMES_META
from shopmind.data.formats import Formats
from shopmind.data.model import FLAGS, ROW, SCHEMAS, SOURCE_LINE, Batch, TableName
from shopmind.quality import checks as rules
from shopmind.quality.coerce import TS_EARLY, TS_LATE, TYPE_ERRORS, TYPE_HINTS, coerce
from shopmind.quality.context import add_context, catalog_of, coercion_flags, text_limits, timestamp_window
from shopmind.quality.drift import profile
from shopmind.quality.quarantine import (
    detail_expr,
    encoding_audit,
    malformed_rows,
    payload_of,
)
from shopmind.quality.repair import AUDIT_SCHEMA, repair_text
from shopmind.quality.skus import NAME_CODE, name_index, resolve_skus, sku_index
from shopmind.quality.verdicts import batch_checks, row_checks
from shopmind.store.store import STORED, Incoming, ParquetRows, Store, run_id_for

ORDER: tuple[TableName, ...] = ("products", "judgments", "events")


class AccountError(AssertionError):
    """The row account does not balance: a bug, never a data problem. Nothing is written."""


#: A table's rows in memory (the Polars engine) or a Spark run's Parquet scanned lazily.
Rows = pl.DataFrame | pl.LazyFrame


@dataclass
class TableOutcome:
    """One table's verdict: accepted, quarantined and repaired rows, and what failed.

    The Polars engine holds the rows in memory. A Spark run keeps them where its executors wrote
    them: ``accepted``/``quarantine``/``audit`` are then lazy scans of the run's Parquet parts
    (``parts``), counted in Spark (``counts``), so a batch larger than the driver's memory is
    reported and published without ever being collected (``store.Store.commit_run`` reads the
    parts itself)."""

    table: TableName
    input_rows: int
    accepted: Rows
    quarantine: Rows
    audit: Rows
    failed: dict[str, int]  # rows failing per code (quarantined or flagged or repaired)
    present: set[str]
    notes: dict[str, object] = field(default_factory=dict)
    completeness: dict[str, float] = field(default_factory=dict)
    #: accepted rows the store already holds unchanged (a re-ingest): they write nothing
    already_stored: int = 0
    #: a Spark run's output kept out of core: "accepted" / "quarantine" / "audit" -> Parquet parts
    parts: dict[str, list[str]] = field(default_factory=dict)
    #: row counts of lazily scanned frames ("accepted", "quarantine", "audit")
    counts: dict[str, int] = field(default_factory=dict)

    def rows(self, kind: str) -> int:
        """How many rows ``kind`` ("accepted", "quarantine", "audit") holds, without collecting it."""
        if kind in self.counts:
            return self.counts[kind]
        frame = getattr(self, kind)
        if isinstance(frame, pl.LazyFrame):
            return int(frame.select(pl.len()).collect().item())
        return frame.height


def eager(frame: Rows) -> pl.DataFrame:
    """The rows in memory: for the places that need all of them at once (comparisons, small tables)."""
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


@dataclass
class GateResult:
    run_id: str
    source: str
    started_at: datetime
    tables: dict[TableName, TableOutcome]
    checks: list[dict[str, Any]]
    drift: list[dict[str, Any]]
    profiles: list[dict[str, Any]]
    held: bool
    fingerprint: str
    meta: dict[str, Any]
    #: held, but published anyway (``shopmind ingest --force``): the report and the run's summary
    #: say "published" (they said "held ... nothing was published" of rows that were live)
    forced: bool = False
    #: the batch's products kept as not for sale (``Batch.unlisted``), remembered by the store on publish
    unlisted: pl.DataFrame | None = None

    @property
    def input_rows(self) -> int:
        return sum(t.input_rows for t in self.tables.values())

    @property
    def accepted_rows(self) -> int:
        return sum(t.rows("accepted") for t in self.tables.values())

    @property
    def quarantined_rows(self) -> int:
        return sum(t.rows("quarantine") for t in self.tables.values())

    @property
    def repaired_cells(self) -> int:
        return sum(t.rows("audit") for t in self.tables.values())

    @property
    def exit_code(self) -> int:
        return 1 if self.held and not self.forced else 0

    def account(self) -> dict[str, dict[str, int]]:
        """Per table: input = accepted + quarantined; ``already_stored`` of the accepted rows are
        in the store unchanged, so publishing writes nothing for them (a re-ingest, not a loss)."""
        return {
            name: {
                "input": t.input_rows,
                "accepted": t.rows("accepted"),
                "quarantined": t.rows("quarantine"),
                "already_stored": t.already_stored,
            }
            for name, t in self.tables.items()
        }

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source": self.source,
            "status": "held" if self.held and not self.forced else "published",
            "forced": self.forced,
            "exit_code": self.exit_code,
            "account": self.account(),
            "totals": {
                "input": self.input_rows,
                "accepted": self.accepted_rows,
                "quarantined": self.quarantined_rows,
                "repaired_cells": self.repaired_cells,
            },
            "checks": [c for c in self.checks if c["failed"] or c["crossed"]],
            "held_by": [
                f"{c['table']}:{c['code']}" for c in self.checks if c["crossed"] and c["severity"] == "error"
            ],
            "drift": self.drift,
            "notes": {name: t.notes for name, t in self.tables.items() if t.notes},
            "completeness": {name: t.completeness for name, t in self.tables.items()},
            "meta": {k: v for k, v in self.meta.items() if k not in ("malformed", "redecoded")},
        }


def fingerprint(batch_tables: dict[TableName, pl.DataFrame]) -> str:
    """Content hash of the batch, so re-ingesting the same data can be recognised in the history."""
    h = hashlib.sha256()
    for name in sorted(batch_tables):
        frame = batch_tables[name]
        h.update(name.encode())
        h.update(str(frame.height).encode())
        h.update(
            frame.drop(ROW, strict=False).hash_rows(seed=7).sum().to_bytes(8, "little", signed=False)
            if frame.height
            else b""
        )
    return h.hexdigest()[:16]


def _gate_table(
    table: TableName,
    raw: pl.DataFrame,
    batch: Batch,
    cfg: GateConfig,
    ctx: rules.Context,
    catalog: pl.DataFrame | None,
    store: Store | None,
    now: datetime,
    step: Callable[[str], None] = lambda _: None,
    accepted_products: pl.DataFrame | None = None,
) -> TableOutcome:
    schema = SCHEMAS[table]
    step(f"{table} ({raw.height:,} rows): reading the values")
    tz = str(batch.meta.get("timezone", cfg.timezone))
    formats = Formats.from_meta(dict(batch.meta.get("formats") or {}).get(table))  # type: ignore[call-overload]
    co = coerce(raw, schema, tz, window=timestamp_window(cfg, now), formats=formats)
    frame = co.frame
    redecoded = encoding_audit(batch, table, frame)
    if redecoded.height:
        co.notes["lines_decoded_with_their_own_encoding"] = redecoded.height
    step(f"{table} ({raw.height:,} rows): repairing text")
    frame, audit = repair_text(
        frame, table, t2s=cfg.traditional_to_simplified, max_chars=text_limits(cfg, table)
    )
    audit = pl.concat([redecoded, audit])
    step(f"{table} ({raw.height:,} rows): checking against the catalogue and the store")
    if table == "events":  # an order line naming a variant's SKU is a line of its product
        frame, by_sku = resolve_skus(frame, sku_index(store, accepted_products))
        names = name_index(dict(batch.meta.get(NAMES_META) or {}).get(table, []), store, accepted_products)
        frame, by_name = resolve_skus(frame, names, NAME_CODE)  # a line without a SKU, by its name
        audit = pl.concat([audit, by_sku, by_name])
    frame = add_context(table, frame, catalog, store).with_columns(coercion_flags(schema))
    table_rules = rules.rules_for(table, cfg, ctx)
    frame, early_audit = rules.apply_repairs(frame, table_rules.early, co.present, table)
    frame = rules.add_derived(frame, table_rules.derived)
    frame, value_audit = rules.apply_repairs(frame, table_rules.repairs, co.present, table)
    for done in (early_audit, value_audit):
        if done is not None:
            audit = pl.concat([audit, done])
    # against the store after the repairs, since the store holds repaired values
    stored = store.stored_status(table, frame) if store is not None else None
    frame = frame.with_columns(
        stored.alias(STORED) if stored is not None else pl.lit(None, pl.Utf8).alias(STORED)
    )
    step(f"{table} ({raw.height:,} rows): {len(table_rules.checks)} checks")
    verdict = rules.evaluate(frame, table_rules.checks, co.present)
    codes = [c for c in verdict.columns if c != ROW]
    actions = {c: cfg.code(c).action for c in codes}
    failing = pl.concat_list(
        [pl.when(pl.col(c)).then(pl.lit(c)).otherwise(None) for c in codes]
    ).list.drop_nulls()
    q_codes = [c for c in codes if actions[c] == "quarantine"]
    f_codes = [c for c in codes if actions[c] == "flag"]
    verdict = verdict.with_columns(
        failing.alias("_codes"),
        pl.any_horizontal([pl.col(c) for c in q_codes]).alias("_quarantine")
        if q_codes
        else pl.lit(False).alias("_quarantine"),
        pl.concat_list([pl.when(pl.col(c)).then(pl.lit(c)).otherwise(None) for c in f_codes])
        .list.drop_nulls()
        .alias(FLAGS)
        if f_codes
        else pl.lit([], pl.List(pl.Utf8)).alias(FLAGS),
    )
    failed = {c: int(verdict[c].sum()) for c in codes}
    for code in {*audit["code"].unique().to_list()}:
        failed[code] = int(audit.filter(pl.col("code") == code)[ROW].n_unique())

    decided = frame.select(
        pl.col(ROW), pl.col(SOURCE_LINE), pl.col(TYPE_ERRORS), pl.col(TYPE_HINTS), pl.col(TS_EARLY), pl.col(TS_LATE),
        pl.col(STORED), *schema.columns,
    ).join(verdict.select(ROW, "_codes", "_quarantine", FLAGS), on=ROW, how="left", maintain_order="left")  # fmt: skip
    kept = decided.filter(~pl.col("_quarantine"))
    already_stored = int((kept[STORED] == "same").sum())
    accepted = kept.select(ROW, SOURCE_LINE, *schema.columns, FLAGS)
    bad = decided.filter(pl.col("_quarantine"))
    payload = payload_of(raw.filter(pl.col(ROW).is_in(bad[ROW].implode())))
    detail = detail_expr("_codes", STORED, table)
    quarantine = bad.join(payload, on=ROW, how="left", maintain_order="left").select(
        pl.lit(table).alias("table_name"),
        pl.col(ROW).alias("row_no"),
        pl.col(SOURCE_LINE).alias("line"),
        pl.col("_codes").alias("codes"),
        detail.alias("detail"),
        pl.col("payload"),
    )
    malformed = malformed_rows(batch, table, raw.height)
    quarantine = pl.concat([quarantine, malformed])
    input_rows = raw.height + malformed.height
    if malformed.height:
        failed["MALFORMED_LINE"] = malformed.height
    _assert_account(table, input_rows, accepted, quarantine)
    completeness = _completeness(table, accepted, co.present)
    return TableOutcome(
        table=table,
        input_rows=input_rows,
        accepted=accepted,
        quarantine=quarantine,
        audit=audit.select(list(AUDIT_SCHEMA)),
        failed=failed,
        present=co.present,
        notes=co.notes,
        completeness=completeness,
        already_stored=already_stored,
    )


#: Rows a column applies to, for completeness: a view has no price, a search has no item.
COMPLETENESS_SCOPE: dict[tuple[str, str], str] = {
    ("events", "item_id"): "type <> 'search'",
    ("events", "query"): "type = 'search'",
    ("events", "price"): "type IN ('purchase', 'return')",
    ("events", "currency"): "type IN ('purchase', 'return')",
    ("events", "order_id"): "type IN ('purchase', 'return')",
    ("events", "quantity"): "type IN ('purchase', 'return', 'add_to_cart', 'remove_from_cart')",
    ("events", "rating"): "type = 'rate'",
    ("events", "position"): "type = 'click'",
}


def _completeness(table: str, accepted: pl.DataFrame, present: set[str]) -> dict[str, float]:
    """Share of non-empty values per input column, over the rows the column applies to."""
    out = {}
    for col in SCHEMAS[table].columns:  # type: ignore[index]
        if col not in present:
            continue
        scope = COMPLETENESS_SCOPE.get((table, col))
        rows = accepted.filter(pl.sql_expr(scope).fill_null(False)) if scope else accepted
        if rows.height:
            out[col] = round(float(rows[col].is_not_null().mean()), 4)
    return out


def _assert_account(table: str, input_rows: int, accepted: pl.DataFrame, quarantine: pl.DataFrame) -> None:
    """accepted + quarantined == input, and no row is in both or missing: checked on row ids."""
    ids = pl.concat([accepted[ROW], quarantine["row_no"]])
    if accepted.height + quarantine.height != input_rows or ids.n_unique() != input_rows:
        raise AccountError(
            f"{table}: account does not balance: input {input_rows}, accepted {accepted.height}, "
            f"quarantined {quarantine.height}, distinct ids {ids.n_unique()}"
        )
    if input_rows and (ids.min() != 0 or ids.max() != input_rows - 1):
        raise AccountError(f"{table}: row ids are not exactly 0..{input_rows - 1}")


def run_gate(
    batch: Batch,
    cfg: GateConfig | None = None,
    store: Store | None = None,
    now: datetime | None = None,
    step: Callable[[str], None] = lambda _: None,
) -> GateResult:
    """Judge ``batch``; nothing is written here (see ``publish``). ``step`` is told each stage as it
    starts (``shopmind ingest`` shows it: a 250 MB export sat 80 s on one "checking rows" line)."""
    cfg = cfg or GateConfig()
    now = now or datetime.now(UTC)
    started = datetime.now(UTC)
    tables = batch.tables()
    catalog_in_store = store is not None and store.count("products") > 0
    ctx_base = {
        "now_epoch": now.timestamp(),
        "rating_scale": tuple(batch.meta.get("rating_scale", cfg.rating_scale)),  # type: ignore[arg-type]
        "relevance_scale": tuple(batch.meta.get("relevance_scale", cfg.relevance_scale)),  # type: ignore[arg-type]
    }
    outcomes: dict[TableName, TableOutcome] = {}
    for name in ORDER:
        if name not in tables and not any(
            m.get("table") == name for m in batch.meta.get("malformed", []) or []
        ):  # type: ignore[union-attr]
            continue
        raw = tables.get(name, pl.DataFrame(schema={ROW: pl.Int64}))
        accepted_products = outcomes["products"].accepted if "products" in outcomes else None
        catalog = catalog_of(store, accepted_products) if name != "products" else None
        ctx = rules.Context(has_catalog=catalog is not None or catalog_in_store, **ctx_base)  # type: ignore[arg-type]
        outcomes[name] = _gate_table(name, raw, batch, cfg, ctx, catalog, store, now, step, accepted_products)
    step("batch checks: profiles, volume and drift")
    profiles = [p for name, t in outcomes.items() for p in profile(name, t.accepted, t.present)]
    per_row = row_checks(outcomes, cfg)
    per_batch, drift = batch_checks(outcomes, cfg, store, batch.source, now, profiles, batch.meta, per_row)
    all_checks = per_row + per_batch
    held = any(c["crossed"] and c["severity"] == "error" for c in all_checks)
    return GateResult(
        run_id=run_id_for(started),
        source=batch.source,
        started_at=started,
        tables=outcomes,
        checks=all_checks,
        drift=drift,
        profiles=profiles,
        held=held,
        fingerprint=fingerprint(tables),
        meta=dict(batch.meta),
        unlisted=batch.unlisted,
    )


def _incoming(
    t: TableOutcome, kind: str, order: tuple[str, ...], rename: dict[str, str] | None = None
) -> Incoming:
    """What the store inserts for one table's ``kind``: a Spark run's Parquet parts (read by DuckDB
    out of core, in ``order``) or the rows in memory."""
    if kind in t.parts:
        return ParquetRows(files=t.parts[kind], order=order, rename=rename or {})
    frame = eager(getattr(t, kind))
    return frame.rename(rename) if rename else frame


def publish(
    result: GateResult, store: Store, cfg: GateConfig, report_path: str | None, force: bool = False
) -> dict[str, int]:
    """Write the run to the store in one transaction; accepted rows only when not held (or forced)."""
    publish_rows = force or not result.held
    status = "published" if publish_rows else "held"
    run = {
        "run_id": result.run_id,
        "source": result.source,
        "started_at": result.started_at,
        "finished_at": datetime.now(UTC),
        "status": status,
        "exit_code": result.exit_code,
        "input_rows": result.input_rows,
        "accepted": result.accepted_rows,
        "quarantined": result.quarantined_rows,
        "repaired_cells": result.repaired_cells,
        "fingerprint": result.fingerprint,
        "summary": result.summary(),
        "config": cfg.as_dict(),
        "report_path": report_path,
    }
    quarantine = [_incoming(t, "quarantine", ("row_no",)) for t in result.tables.values()]
    audit = [_incoming(t, "audit", (ROW, "_step"), {ROW: "row_no"}) for t in result.tables.values()]
    accepted = {name: _incoming(t, "accepted", (ROW,)) for name, t in result.tables.items()}
    return store.commit_run(
        run, result.checks, accepted, quarantine, audit, result.profiles, publish_rows, result.unlisted
    )


__all__ = ["run_gate", "publish", "GateResult", "TableOutcome", "AccountError"]
