"""Frames between the driver and Spark: Polars in (Arrow), a written run's Parquet out.

Kept apart from the gate because the training jobs use the same two crossings."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from shopmind.engine.spark import rowlocal

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def to_spark_frame(spark: SparkSession, frame: pl.DataFrame) -> DataFrame:
    """A driver-side Polars frame as a Spark DataFrame (Arrow, with Spark's plain types)."""
    table = frame.to_arrow()
    return spark.createDataFrame(table.cast(rowlocal._plain(table.schema)))


def _from_spark(frame: DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A Spark DataFrame on the driver as Polars with the canonical dtypes, in row-id order."""
    got = pl.from_arrow(frame.toArrow())
    assert isinstance(got, pl.DataFrame)
    if got.is_empty() and not got.columns:
        return pl.DataFrame(schema=schema)
    return got.select([pl.col(c).cast(t) for c, t in schema.items()])


def _local_dir(uri: str) -> Path | None:
    """The folder of a run's dataset when the driver can read it itself (a path or ``file://``)."""
    if uri.startswith("file://"):
        return Path(urllib.parse.unquote(urllib.parse.urlparse(uri).path))
    return None if "://" in uri else Path(uri)


def read_run(spark: SparkSession, uri: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A written run's dataset on the driver as Polars with the canonical dtypes.

    Why not ``toArrow``: that streams every row through the driver JVM and its
    ``maxResultSize`` (10 M accepted events are ~1.3 GB of results); when the output is a local
    folder the driver reads the Parquet files the executors wrote directly, with Polars'
    threads. Remote URIs (``hdfs://``, ``s3a://``) still come back through Spark."""
    folder = _local_dir(uri)
    if folder is None or not folder.is_dir():
        return _from_spark(spark.read.parquet(uri), schema)
    files = sorted(folder.glob("part-*.parquet"))
    if not files:
        return pl.DataFrame(schema=schema)
    got = pl.concat([pl.read_parquet(f) for f in files], how="vertical_relaxed")
    if got.is_empty():
        return pl.DataFrame(schema=schema)
    return got.select([pl.col(c).cast(t) for c, t in schema.items()])


def run_parts(uri: str) -> list[str] | None:
    """The Parquet part files of a written run's dataset when the driver can read them itself
    (a local path or ``file://``), in name order; None for a remote URI (``hdfs://``, ``s3a://``)."""
    folder = _local_dir(uri)
    if folder is None or not folder.is_dir():
        return None
    return [str(f) for f in sorted(folder.glob("part-*.parquet"))]


def scan_run(files: list[str], schema: dict[str, pl.DataType], order: tuple[str, ...]) -> pl.LazyFrame:
    """A written run's dataset as a lazy Polars scan with the canonical dtypes, in ``order``.

    Why lazy: the rows stay on disk until a consumer asks for some of them (a profiled column, the
    report's examples), so the driver holds a batch larger than its memory in a few columns at a
    time; the store reads the same files with DuckDB."""
    if not files:
        return pl.LazyFrame(schema=schema)
    scan = pl.scan_parquet(files)
    return scan.sort(list(order), maintain_order=True).select([pl.col(c).cast(t) for c, t in schema.items()])


def written_rows(
    spark: SparkSession, uris: dict[str, str], accepted_schema: dict[str, pl.DataType]
) -> tuple[dict[str, pl.DataFrame | pl.LazyFrame], dict[str, list[str]], dict[str, int]]:
    """A table's written ``accepted`` / ``quarantine`` / ``audit`` datasets for its outcome:
    the frames (lazy scans of a local output's part files, in row order; a remote output's rows
    read back through Spark), the part files kept per kind, and the audit's row count (from the
    Parquet footers) when it stays on disk."""
    from shopmind.data.model import ROW
    from shopmind.quality.quarantine import QUARANTINE_SCHEMA
    from shopmind.quality.repair import AUDIT_SCHEMA

    schemas = {
        "accepted": (accepted_schema, (ROW,)),
        "quarantine": (QUARANTINE_SCHEMA, ("row_no",)),
        "audit": ({**AUDIT_SCHEMA, "_step": pl.Int64}, (ROW, "_step")),
    }
    rows: dict[str, pl.DataFrame | pl.LazyFrame] = {}
    kept: dict[str, list[str]] = {}
    for kind, (schema, order) in schemas.items():
        files = run_parts(uris[kind])
        if files is None:  # a remote output comes back through Spark (docs/SCALE.md "Limits")
            rows[kind] = read_run(spark, uris[kind], schema).sort(list(order))
        else:  # a local output stays on disk: scanned lazily, published by DuckDB from the files
            rows[kind] = scan_run(files, schema, order)
            kept[kind] = files
    rows["audit"] = rows["audit"].select(list(AUDIT_SCHEMA))
    counts = {}
    if "audit" in kept:
        counts["audit"] = (
            int(pl.scan_parquet(kept["audit"]).select(pl.len()).collect().item()) if kept["audit"] else 0
        )
    return rows, kept, counts


__all__ = ["read_run", "run_parts", "scan_run", "to_spark_frame", "written_rows"]
