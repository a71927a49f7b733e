"""One table through the gate's stages on Spark: row-local stages, context, derived columns, repairs,
checks, the split, the quarantine with its reasons, the row account, and the run's Parquet written.

Each stage from its one definition (``quality/checks.py``'s SQL, ``quarantine.payload_of``, the Polars
row-local functions); ``gate.judge_inputs`` runs it per table in the Polars gate's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.formats import Formats
from shopmind.data.model import FLAGS, ROW, SCHEMAS, SOURCE_LINE, UNKNOWN_TYPE_SAID, Batch, TableName
from shopmind.engine.spark import rowlocal
from shopmind.engine.spark.account import assert_account, completeness_of
from shopmind.engine.spark.context import _context, _stored
from shopmind.engine.spark.frames import to_spark_frame, written_rows
from shopmind.engine.spark.joined import with_derived
from shopmind.engine.spark.partitions import sized_shuffles, storage_for
from shopmind.engine.spark.skus import resolve_skus_spark
from shopmind.engine.spark.sql import to_spark
from shopmind.quality import checks as rules
from shopmind.quality.coerce import TS_EARLY, TS_LATE, TYPE_ERRORS, TYPE_HINTS
from shopmind.quality.context import text_limits, timestamp_window
from shopmind.quality.gate import TableOutcome
from shopmind.quality.quarantine import (
    DETAIL_LISTS,
    STORED_DIFFERS,
    encoding_audit,
    malformed_rows,
    payload_of,
)
from shopmind.quality.repair import AUDIT_SCHEMA
from shopmind.store.store import STORED, Store

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession


@dataclass
class TableInput:
    """One table's raw rows as the gate's Spark stages take them, wherever they were read.

    ``frame`` has the canonical columns present plus ``_row`` (ids 0..rows-1) and ``_line``;
    ``sample`` is its first row(s) on the driver as Polars (the row-local stages' output schema
    is inferred from it); ``lines`` (``_row``, ``_line`` on the driver) only when the driver read
    the input itself, for the audit of lines decoded with their own encoding."""

    frame: DataFrame
    sample: pl.DataFrame
    rows: int
    lines: pl.DataFrame | None = None


def _gate_table(
    spark: SparkSession, table: TableName, inp: TableInput, *rest: Any
) -> tuple[TableOutcome, dict[str, str]]:
    """One table through the gate with its shuffles sized by its rows (``partitions.py``)."""
    with sized_shuffles(spark, inp.rows):
        return _judge_table(spark, table, inp, *rest)


def _judge_table(
    spark: SparkSession,
    table: TableName,
    inp: TableInput,
    batch: Batch,
    cfg: GateConfig,
    ctx: rules.Context,
    catalog: pl.DataFrame | None,
    store: Store | None,
    now: datetime,
    output: str,
    run_id: str,
    skus: list[tuple[pl.DataFrame, str]] | None = None,
) -> tuple[TableOutcome, dict[str, str]]:
    from pyspark.sql import functions as F

    schema = SCHEMAS[table]
    tz = str(batch.meta.get("timezone", cfg.timezone))
    present = {c for c in schema.columns if c in inp.sample.columns}
    raw = inp.frame
    formats = Formats.from_meta(dict(batch.meta.get("formats") or {}).get(table))  # type: ignore[call-overload]
    run = rowlocal.row_local(
        table, tz, timestamp_window(cfg, now), cfg.traditional_to_simplified, text_limits(cfg, table), formats
    )
    keep = storage_for(spark, inp.rows)  # memory and disk, or disk only for large tables
    frame = rowlocal.apply(raw, inp.sample, run).persist(keep)
    notes = rowlocal.merge_notes(
        [r[0] for r in frame.where(F.col(rowlocal.NOTES).isNotNull()).select(rowlocal.NOTES).collect()]
    )
    redecoded = (
        encoding_audit(batch, table, inp.lines)
        if inp.lines is not None
        else pl.DataFrame(schema=AUDIT_SCHEMA)
    )
    if redecoded.height:
        notes["lines_decoded_with_their_own_encoding"] = redecoded.height
    text_audit = (
        frame.where(F.col(rowlocal.AUDIT).isNotNull())
        .select(F.lit(table).alias("table_name"), ROW, F.posexplode(rowlocal.AUDIT).alias("_step", "a"))
        .select("table_name", ROW, "_step", "a.column_name", "a.code", "a.old_value", "a.new_value")
    )
    frame = frame.drop(rowlocal.AUDIT, rowlocal.NOTES)
    frame, sku_audit = resolve_skus_spark(spark, table, frame, skus)  # before the context, as in Polars
    frame = _context(spark, table, frame, catalog, store)
    table_rules = rules.rules_for(table, cfg, ctx)
    value_audits = []

    def repaired(frame: DataFrame, numbered: enumerate[rules.Repair]) -> DataFrame:
        """Value repairs with their audit; a record's step is 1,000,000 + the repair's place."""
        for i, rep in numbered:
            if not set(rep.needs) <= present:
                continue
            mask = F.coalesce(F.expr(to_spark(rep.when)), F.lit(False))
            value_audits.append(
                frame.where(mask).select(
                    F.lit(table).alias("table_name"),
                    ROW,
                    F.lit(1_000_000 + i).alias("_step"),
                    F.lit(rep.column).alias("column_name"),
                    F.lit(rep.code).alias("code"),
                    F.col(rep.column).cast("string").alias("old_value"),
                    F.expr(to_spark(rep.value)).cast("string").alias("new_value"),
                )
            )
            frame = frame.withColumn(
                rep.column, F.when(mask, F.expr(to_spark(rep.value))).otherwise(F.col(rep.column))
            )
        return frame

    frame = repaired(frame, enumerate(table_rules.early))  # before the derived columns, as in Polars
    partitioned: set[str] = set()  # keys the rows are already hashed by (joined.py)
    groups = None if catalog is None else catalog.height + 1  # items, + the NULL item's group
    for d in table_rules.derived:
        frame = with_derived(frame, d.name, to_spark(d.sql), partitioned, groups)
    frame = repaired(frame, enumerate(table_rules.repairs, len(table_rules.early)))
    frame = _stored(spark, table, frame, store)
    checks = [c for c in table_rules.checks if set(c.needs) <= present]
    codes = [c.code for c in checks]
    actions = {c: cfg.code(c).action for c in codes}

    def listed(selected: list[str]) -> Any:
        if not selected:
            return F.array().cast("array<string>")
        return F.filter(F.array(*[F.when(F.col(c), F.lit(c)) for c in selected]), lambda x: x.isNotNull())

    verdict = frame.select(
        "*",
        *[F.coalesce(F.expr(to_spark(c.sql)).cast("boolean"), F.lit(False)).alias(c.code) for c in checks],
    )
    q_codes = [c for c in codes if actions[c] == "quarantine"]
    quarantine_if = F.lit(False)
    for c in q_codes:
        quarantine_if = quarantine_if | F.col(c)
    decided = verdict.select(
        ROW, SOURCE_LINE, TYPE_ERRORS, TYPE_HINTS, TS_EARLY, TS_LATE, STORED, *schema.columns, *codes,
        listed(codes).alias("_codes"), quarantine_if.alias("_quarantine"),
        listed([c for c in codes if actions[c] == "flag"]).alias(FLAGS),
    ).persist(keep)  # fmt: skip

    audit_sp = text_audit if sku_audit is None else text_audit.unionByName(sku_audit)
    for va in value_audits:
        audit_sp = audit_sp.unionByName(va)
    if redecoded.height:
        audit_sp = audit_sp.unionByName(
            to_spark_frame(spark, redecoded.with_columns(pl.lit(-1).alias("_step")))
        )
    audit_sp = audit_sp.persist(keep)
    sums = decided.agg(
        *[F.sum(F.col(c).cast("long")).alias(c) for c in codes],
        F.sum((~F.col("_quarantine") & (F.col(STORED) == "same")).cast("long")).alias("_already"),
    ).first()
    failed = {c: int(sums[c] or 0) for c in codes}
    already_stored = int(sums["_already"] or 0)
    for row in audit_sp.groupBy("code").agg(F.countDistinct(ROW).alias("n")).collect():
        failed[row["code"]] = int(row["n"])

    accepted = decided.where(~F.col("_quarantine")).select(ROW, SOURCE_LINE, *schema.columns, FLAGS)
    bad = decided.where(F.col("_quarantine"))
    bad_raw = raw.join(bad.select(ROW), ROW, "left_semi")
    payload_run = lambda f: payload_of(f)  # noqa: E731 - the one definition of a payload
    payload = rowlocal.apply(bad_raw, inp.sample, payload_run)

    detail = F.concat(  # the Polars gate's reason (quality.quarantine.DETAIL_LISTS), in Spark
        F.array_join("_codes", ", "),
        *(
            F.when(F.size(column) > 0, F.concat(F.lit(label), F.array_join(column, sep))).otherwise(F.lit(""))
            for column, label, sep in DETAIL_LISTS
        ),
        F.when(F.col(STORED) == "differs", F.lit(STORED_DIFFERS)).otherwise(F.lit("")),
        *([_type_said()] if table == "events" else []),
    )
    quarantine = bad.join(payload, ROW, "left").select(
        F.lit(table).alias("table_name"),
        F.col(ROW).alias("row_no"),
        F.col(SOURCE_LINE).alias("line"),
        F.col("_codes").alias("codes"),
        detail.alias("detail"),
        F.col("payload"),
    )
    malformed = malformed_rows(batch, table, inp.rows)
    if malformed.height:
        quarantine = quarantine.unionByName(to_spark_frame(spark, malformed))
        failed["MALFORMED_LINE"] = malformed.height
    input_rows = inp.rows + malformed.height
    n_accepted, n_quarantined = assert_account(table, input_rows, accepted, quarantine)
    completeness = completeness_of(table, accepted, present)

    paths = {}
    for kind, out in (("accepted", accepted), ("quarantine", quarantine), ("audit", audit_sp)):
        uri = f"{output.rstrip('/')}/{kind}/{table}/run_id={run_id}"
        out.write.mode("overwrite").parquet(uri)
        paths[f"{kind}/{table}"] = uri
    rows, kept, counts = written_rows(
        spark,
        {kind: paths[f"{kind}/{table}"] for kind in ("accepted", "quarantine", "audit")},
        {ROW: pl.Int64, SOURCE_LINE: pl.Int64, **schema.columns, FLAGS: pl.List(pl.Utf8)},
    )
    counts.update(accepted=n_accepted, quarantine=n_quarantined)
    for f in (frame, decided, audit_sp):
        f.unpersist()
    outcome = TableOutcome(
        table=table,
        input_rows=input_rows,
        accepted=rows["accepted"],
        quarantine=rows["quarantine"],
        audit=rows["audit"],
        failed=failed,
        present=present,
        notes=notes,
        completeness=completeness,
        already_stored=already_stored,
        parts=kept,
        counts=counts,
    )
    return outcome, paths


def _type_said() -> Column:
    """The Polars gate's words for an event of an unknown type (``quality.quarantine.detail_expr``):
    the type sent and the known ones."""
    from pyspark.sql import functions as F

    head, tail = UNKNOWN_TYPE_SAID
    said = F.concat(F.lit(" — " + head), F.coalesce(F.col("type").cast("string"), F.lit("")), F.lit(tail))
    return F.when(F.array_contains("_codes", "EVT_TYPE_UNKNOWN"), said).otherwise(F.lit(""))
