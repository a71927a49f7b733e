"""The quality gate as Spark jobs: the stages of ``quality/gate.py``, each from its one definition.

Per table (products, judgments, events, as in the Polars gate):

1. row-local stages on executors with the Polars functions themselves (``rowlocal``): coercion,
   text repairs per distinct value, coercion flags;
2. context: the catalog and earlier purchases (small, from the driver's store) broadcast-joined;
   the category tree's minority paths from path counts computed in Spark;
3. derived columns, value repairs and row checks: the SQL text of ``quality/checks.py`` run with
   ``F.expr`` (windows become Spark windows: duplicates, near-duplicates, bot sessions, MAD
   outliers, return linking), in the same order;
4. the split, the quarantine (payload from ``quarantine.payload_of`` on executors) and the row
   account, asserted in Spark on row ids before anything is written;
5. accepted, quarantined and audit rows written as Parquet under ``<output>/<kind>/<table>/run_id=<id>``.

The driver then builds a ``GateResult`` over the written run without collecting it: a local
output's accepted, quarantined and audit rows are lazy Polars scans of the Parquet parts (counted
in Spark), so the report, the batch checks and drift are the Polars engine's own code reading a
column or an example at a time, and the store publishes the parts with DuckDB out of core. A
remote output (``hdfs://``, ``s3a://``) still comes back through Spark into the driver.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.formats import Formats
from shopmind.data.model import FLAGS, ROW, SCHEMAS, SOURCE_LINE, Batch, TableName
from shopmind.engine.spark import rowlocal
from shopmind.engine.spark.account import assert_account, completeness_of
from shopmind.engine.spark.frames import _from_spark, to_spark_frame, written_rows
from shopmind.engine.spark.joined import with_derived
from shopmind.engine.spark.partitions import sized_shuffles, storage_for
from shopmind.engine.spark.skus import resolve_skus_spark, sku_lookup
from shopmind.engine.spark.sql import to_spark
from shopmind.quality import checks as rules
from shopmind.quality.coerce import TS_EARLY, TS_LATE, TYPE_ERRORS, TYPE_HINTS
from shopmind.quality.context import (
    catalog_context,
    catalog_of,
    category_minority,
    text_limits,
    timestamp_window,
)
from shopmind.quality.drift import profile
from shopmind.quality.gate import (
    ORDER,
    GateResult,
    TableOutcome,
    eager,
    fingerprint,
)
from shopmind.quality.quarantine import (
    DETAIL_LISTS,
    STORED_DIFFERS,
    encoding_audit,
    malformed_rows,
    payload_of,
)
from shopmind.quality.repair import AUDIT_SCHEMA
from shopmind.quality.verdicts import batch_checks, row_checks
from shopmind.store.store import STORED, Store, run_id_for

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


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


@dataclass
class SparkRun:
    """A gate run on Spark: the result (as the Polars engine returns it) and where it was written."""

    result: GateResult
    paths: dict[str, str]  # "accepted/events" -> URI of that run's Parquet dataset


def _context(
    spark: SparkSession,
    table: TableName,
    frame: DataFrame,
    catalog: pl.DataFrame | None,
    store: Store | None,
) -> DataFrame:
    """``quality.context.add_context`` in Spark: the same columns, the same joins."""
    from pyspark.sql import functions as F

    if table == "products":
        counts = frame.where(F.col("category_path").isNotNull()).groupBy("category_path").count()
        paths = _from_spark(counts, {"category_path": pl.Utf8, "count": pl.Int64})
        # the tree is judged on path counts: each path repeated by its count, one column on the driver
        expanded = paths.select(pl.col("category_path").repeat_by("count").explode())
        minority = expanded.filter(category_minority(expanded, store))["category_path"].unique()
        odd = to_spark_frame(
            spark,
            pl.DataFrame(
                {"category_path": minority, "_cat_minority": [True] * minority.len()},
                schema={"category_path": pl.Utf8, "_cat_minority": pl.Boolean},
            ),
        )
        return frame.join(F.broadcast(odd), "category_path", "left").withColumn(
            "_cat_minority", F.coalesce(F.col("_cat_minority"), F.lit(False))
        )
    id_col = "item_id" if table == "events" else "product_id"
    if catalog is None:
        frame = frame.select(
            "*",
            F.lit(None).cast("boolean").alias("_known"),
            F.lit(None).cast("timestamp").alias("_p_created"),
            F.lit(None).cast("double").alias("_p_price"),
            F.lit(False).alias("_unlisted"),
        )
    else:
        cat = to_spark_frame(spark, catalog_context(catalog, id_col))
        frame = (
            frame.join(F.broadcast(cat), id_col, "left")
            .withColumn("_known", F.coalesce(F.col("_known"), F.lit(False)))
            .withColumn("_unlisted", F.coalesce(F.col("_unlisted"), F.lit(False)))
        )
    if table == "events":
        first = None
        if store is not None:
            returns = frame.where(F.col("type") == "return").select("user_id", "item_id").dropna().distinct()
            pairs = _from_spark(returns, {"user_id": pl.Utf8, "item_id": pl.Utf8})
            first = store.first_purchases(pairs) if pairs.height else None
        if first is None or first.is_empty():
            frame = frame.withColumn("_first_buy", F.lit(None).cast("timestamp"))
        else:
            first = first.with_columns(
                pl.col("_first_buy").dt.convert_time_zone("UTC").dt.cast_time_unit("us")
            )
            frame = frame.join(F.broadcast(to_spark_frame(spark, first)), ["user_id", "item_id"], "left")
    return frame


def _stored(spark: SparkSession, table: TableName, frame: DataFrame, store: Store | None) -> DataFrame:
    """``Store.stored_status`` in Spark: 'same' / 'differs' / NULL per row, against the store's rows."""
    from pyspark.sql import functions as F

    if store is None or store.count(table) == 0:
        return frame.withColumn(STORED, F.lit(None).cast("string"))
    schema = SCHEMAS[table]
    cols = list(schema.columns)
    stored = store.con.execute(f"SELECT {', '.join(cols)} FROM {table}").arrow()
    right = to_spark_frame(spark, pl.from_arrow(stored)).select([F.col(c).alias(f"__s_{c}") for c in cols])  # type: ignore[arg-type]
    on = [F.col(k) == F.col(f"__s_{k}") for k in schema.key]
    same = [F.col(c).eqNullSafe(F.col(f"__s_{c}")) for c in cols]
    cond = same[0]
    for c in same[1:]:
        cond = cond & c
    status = (
        frame.select(ROW, *cols)
        .join(right, on, "inner")
        .groupBy(ROW)
        .agg(F.max(cond.cast("int")).alias("_same"))
        .select(ROW, F.when(F.col("_same") == 1, "same").otherwise("differs").alias(STORED))
    )
    return frame.join(status, ROW, "left")


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


def driver_inputs(spark: SparkSession, batch: Batch) -> dict[TableName, TableInput]:
    """The tables of a batch the driver read (shopmind's format adapters) as Spark inputs.

    A table absent from the batch but with malformed lines still gets an (empty) input, so its
    unparsable lines are quarantined and counted as the Polars engine does."""
    tables = batch.tables()
    inputs: dict[TableName, TableInput] = {}
    for name in ORDER:
        malformed = [m for m in batch.meta.get("malformed", []) or [] if m.get("table") == name]  # type: ignore[union-attr]
        if name not in tables and not malformed:
            continue
        raw = tables.get(name, pl.DataFrame(schema={ROW: pl.Int64}))
        lines = (
            raw.select(ROW, pl.col(SOURCE_LINE).cast(pl.Int64))
            if SOURCE_LINE in raw.columns
            else raw.select(ROW)
        )
        inputs[name] = TableInput(frame=to_spark_frame(spark, raw), sample=raw, rows=raw.height, lines=lines)
    return inputs


def run_gate_spark(
    spark: SparkSession,
    batch: Batch,
    output: str,
    cfg: GateConfig | None = None,
    store: Store | None = None,
    now: datetime | None = None,
) -> SparkRun:
    """Judge ``batch`` (read on the driver) on Spark and write the run's Parquet under
    ``output``; nothing is published to the store here (``quality.gate.publish`` does that)."""
    return judge_inputs(
        spark, driver_inputs(spark, batch), batch, fingerprint(batch.tables()), output, cfg, store, now
    )


def judge_inputs(
    spark: SparkSession,
    inputs: dict[TableName, TableInput],
    batch: Batch,
    batch_fingerprint: str,
    output: str,
    cfg: GateConfig | None = None,
    store: Store | None = None,
    now: datetime | None = None,
) -> SparkRun:
    """The gate over inputs however they were read (``batch`` carries the source name and the
    readers' meta: malformed and re-decoded lines, ignored columns, scales, timezone)."""
    cfg = cfg or GateConfig()
    now = now or datetime.now(UTC)
    started = datetime.now(UTC)
    run_id = run_id_for(started)
    catalog_in_store = store is not None and store.count("products") > 0
    ctx_base = {
        "now_epoch": now.timestamp(),
        "rating_scale": tuple(batch.meta.get("rating_scale", cfg.rating_scale)),  # type: ignore[arg-type]
        "relevance_scale": tuple(batch.meta.get("relevance_scale", cfg.relevance_scale)),  # type: ignore[arg-type]
    }
    outcomes: dict[TableName, TableOutcome] = {}
    paths: dict[str, str] = {}
    for name in ORDER:
        if name not in inputs:
            continue
        accepted_products = outcomes["products"].accepted if "products" in outcomes else None
        skus = sku_lookup(store, accepted_products, batch) if name == "events" else None
        if accepted_products is not None:  # the three columns the context needs, not the whole table
            accepted_products = eager(accepted_products.lazy().select("product_id", "created_at", "price"))
        catalog = catalog_of(store, accepted_products) if name != "products" else None
        ctx = rules.Context(has_catalog=catalog is not None or catalog_in_store, **ctx_base)  # type: ignore[arg-type]
        outcomes[name], written = _gate_table(
            spark, name, inputs[name], batch, cfg, ctx, catalog, store, now, output, run_id, skus
        )
        paths.update(written)
    profiles = [p for name, t in outcomes.items() for p in profile(name, t.accepted, t.present)]
    per_row = row_checks(outcomes, cfg)
    per_batch, drift = batch_checks(outcomes, cfg, store, batch.source, now, profiles, batch.meta, per_row)
    all_checks = per_row + per_batch
    held = any(c["crossed"] and c["severity"] == "error" for c in all_checks)
    meta = {**batch.meta, "engine": "spark", "spark_master": spark.sparkContext.master, "spark_output": paths,
            **driver_heap(spark)}  # fmt: skip
    result = GateResult(
        run_id=run_id,
        source=batch.source,
        started_at=started,
        tables=outcomes,
        checks=all_checks,
        drift=drift,
        profiles=profiles,
        held=held,
        fingerprint=batch_fingerprint,
        meta=meta,
        unlisted=batch.unlisted,
    )
    return SparkRun(result=result, paths=paths)


def driver_heap(spark: SparkSession) -> dict[str, Any]:
    """The driver heap the run had and where it came from (``engine/heap.py``): on ``local[N]``
    it is every task's heap and decides the GC time of a large batch, so the report keeps it.
    The setting is read from the session (under ``spark-submit``: the submit command's), and the
    JVM's own maximum beside it: a JVM started earlier in the same process keeps its first heap
    whatever a later session's setting says."""
    conf = spark.sparkContext.getConf()
    heap = conf.get("spark.driver.memory")
    outside = "the spark-submit command" if heap else "Spark's default (1g)"
    try:
        jvm_mb: int | None = int(spark.sparkContext._jvm.java.lang.Runtime.getRuntime().maxMemory()) // 2**20  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - a remote (Connect) session has no JVM here: the setting says it
        jvm_mb = None
    return {
        "spark_driver_memory": heap or "1g",
        "spark_driver_memory_from": conf.get("spark.shopmind.driverMemoryFrom", outside),
        "spark_driver_heap_mb": jvm_mb,
    }


def describe(run: SparkRun) -> str:
    """One JSON line naming the run's Parquet datasets (printed by the CLI and the submit job)."""
    return json.dumps({"run_id": run.result.run_id, "output": run.paths}, ensure_ascii=False)


__all__ = [
    "SparkRun",
    "TableInput",
    "describe",
    "driver_inputs",
    "judge_inputs",
    "run_gate_spark",
    "to_spark_frame",
]
