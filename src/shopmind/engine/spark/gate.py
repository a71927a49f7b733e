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

Here: the run over a batch's tables (``judge_inputs``) and its inputs; one table's stages 1-5 are
``judge.py``, the context joins of stage 2 ``context.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import ROW, SOURCE_LINE, Batch, TableName
from shopmind.engine.spark.frames import _from_spark, to_spark_frame
from shopmind.engine.spark.judge import TableInput, _gate_table
from shopmind.engine.spark.skus import sku_lookup
from shopmind.quality import checks as rules
from shopmind.quality.context import catalog_of
from shopmind.quality.drift import profile
from shopmind.quality.gate import ORDER, GateResult, TableOutcome, eager, fingerprint
from shopmind.quality.verdicts import batch_checks, row_checks
from shopmind.store.store import Store, run_id_for

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass
class SparkRun:
    """A gate run on Spark: the result (as the Polars engine returns it) and where it was written."""

    result: GateResult
    paths: dict[str, str]  # "accepted/events" -> URI of that run's Parquet dataset


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
    "_from_spark",
    "describe",
    "driver_inputs",
    "judge_inputs",
    "run_gate_spark",
    "to_spark_frame",
]
