"""Canonical tables read by Spark itself: ``products``, ``events`` and ``judgments`` as Parquet
(one file, or a folder of part files) under any URI Spark reads: a path, ``file://``,
``hdfs://``, ``s3a://``.

Why: shopmind's format adapters read on the driver, one process however large the cluster. A
shop whose events already sit as Parquet on a distributed file system should not pull them
through one machine, and the driver should not hold the whole batch before the gate starts.
Row ids are the single-node reader's: files in name order, rows in file order (Parquet's own
``_metadata.row_index``), ``_line`` the 1-based row in its file — so both engines number the
same rows the same way and their accounts can be compared row by row.

CSV, JSON lines and the shared datasets' own formats keep the driver adapters (malformed-line
and encoding repairs are defined there); this path is for Parquet, what data pipelines write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import ROW, SCHEMAS, SOURCE_LINE, TABLES, Batch, TableName
from shopmind.data.readers import InputError
from shopmind.engine.spark import rowlocal
from shopmind.engine.spark.gate import SparkRun, TableInput, judge_inputs
from shopmind.store.store import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Names a table may have under the input URI (a file or a folder of Parquet part files).
NAMES = ("{t}.parquet", "{t}.pq", "{t}")


def is_uri(text: str) -> bool:
    """Whether ``text`` names a location by scheme (``hdfs://…``, ``s3a://…``, ``file://…``)."""
    head, sep, _ = text.partition("://")
    return bool(sep) and head.replace("+", "").isalnum()


def local_parquet_folder(path: Path) -> bool:
    """A local canonical folder whose every table file is Parquet: Spark can read it itself."""
    if not path.is_dir():
        return False
    found = [f for f in path.iterdir() if f.name.split(".", 1)[0].lower() in TABLES]
    return bool(found) and all(_parquet_table(f) for f in found)


def _parquet_table(path: Path) -> bool:
    """A table Spark reads as Parquet: a ``.parquet``/``.pq`` file, or a folder (``events`` or
    ``events.parquet``, as Spark writes them) of Parquet part files (``_SUCCESS``, ``.crc`` aside)."""
    if path.is_file():
        return path.name.lower().endswith((".parquet", ".pq"))
    parts = [f for f in path.rglob("*") if f.is_file() and not f.name.startswith(("_", "."))]
    return bool(parts) and all(f.name.lower().endswith((".parquet", ".pq")) for f in parts)


def _fs_path(spark: SparkSession, uri: str) -> tuple[object, object]:
    jvm = spark._jvm  # type: ignore[attr-defined]
    p = jvm.org.apache.hadoop.fs.Path(uri)
    return p.getFileSystem(spark._jsc.hadoopConfiguration()), p  # type: ignore[attr-defined]


def find_tables(spark: SparkSession, uri: str) -> dict[TableName, str]:
    """The canonical tables under ``uri`` (through Hadoop's file systems, so any scheme works)."""
    base = uri.rstrip("/")
    fs, root = _fs_path(spark, base)
    if not fs.exists(root):  # type: ignore[attr-defined]
        raise InputError(f"input not found: {uri}")
    found: dict[TableName, str] = {}
    for table in TABLES:
        hits = []
        for name in NAMES:
            candidate = f"{base}/{name.format(t=table)}"
            cfs, cpath = _fs_path(spark, candidate)
            if cfs.exists(cpath):  # type: ignore[attr-defined]
                hits.append(candidate)
        if len(hits) > 1:
            raise InputError(f"{uri}: several inputs for {table}: {', '.join(hits)}")
        if hits:
            found[table] = hits[0]
    if not found:
        raise InputError(
            f"no canonical Parquet table under {uri}: expected "
            + ", ".join(f"{t}.parquet" for t in TABLES)
            + " (a file or a folder of part files)"
        )
    return found


def read_table(
    spark: SparkSession, uri: str, table: TableName
) -> tuple[TableInput, list[str], list[tuple[str, int, int]]]:
    """One table as a gate input, the columns it drops (not canonical) and per file
    (path, rows, content hash) — the files' counts give the row ids, their hashes the
    batch fingerprint, in one pass over the data."""
    from pyspark.sql import functions as F
    from pyspark.sql.utils import AnalysisException

    try:
        df = spark.read.parquet(uri)
    except AnalysisException as exc:
        raise InputError(f"cannot read Parquet {uri}: {exc}") from None
    schema = SCHEMAS[table]
    cols = [c for c in schema.columns if c in df.columns]
    ignored = [c for c in df.columns if c not in schema.columns and c != SOURCE_LINE]  # as the adapter
    if df.columns and not cols:
        raise InputError(
            f"{uri}: none of its columns ({', '.join(df.columns)}) is a column of {table} "
            f"(expected: {', '.join(schema.columns)})"
        )
    located = df.select(
        *cols, F.col("_metadata.file_path").alias("_file"), F.col("_metadata.row_index").alias("_idx")
    )
    content = F.xxhash64(*[F.col(c).cast("string") for c in cols]) if cols else F.lit(0)
    per_file = sorted(
        (str(r["_file"]), int(r["n"]), int(r["h"] or 0))
        for r in located.groupBy("_file")
        .agg(F.count("*").alias("n"), F.sum(content.cast("decimal(38,0)")).cast("string").alias("h"))
        .collect()
    )
    offsets, start = [], 0
    for path, n, _ in per_file:
        offsets.append((path, start))
        start += n
    off = spark.createDataFrame(offsets or [("", 0)], "_file string, _off long")
    frame = located.join(F.broadcast(off), "_file").select(
        (F.col("_off") + F.col("_idx")).alias(ROW), (F.col("_idx") + 1).alias(SOURCE_LINE), *cols
    )
    got = pl.from_arrow(frame.limit(1).toArrow())
    assert isinstance(got, pl.DataFrame)
    return TableInput(frame=frame, sample=got, rows=start), ignored, per_file


def _fingerprint(files: dict[TableName, list[tuple[str, int, int]]]) -> str:
    """Content hash of the batch as Spark read it (row counts and column hashes per table).
    Not the Polars engine's value (that one hashes Polars rows): a re-ingest of the same files
    on Spark is recognised by Spark runs."""
    h = hashlib.sha256(b"spark-parquet")
    for table in sorted(files):
        h.update(table.encode())
        h.update(str(sum(n for _, n, _ in files[table])).encode())
        h.update(str(sum(x for _, _, x in files[table])).encode())
    return h.hexdigest()[:16]


def _mapped(inp: TableInput, run: Callable[[pl.DataFrame], pl.DataFrame]) -> TableInput:
    """``inp`` with a row-local function applied on the executors (and to its driver sample)."""
    return TableInput(
        frame=rowlocal.apply(inp.frame, inp.sample, run), sample=run(inp.sample), rows=inp.rows, lines=None
    )


def read_canonical(
    spark: SparkSession, uri: str, pseudonym_key: bytes | None = None
) -> tuple[dict[TableName, TableInput], Batch, str]:
    """The tables under ``uri`` as gate inputs, a batch carrying the readers' meta, and the
    fingerprint. With ``pseudonym_key`` the events' person/visit ids are pseudonymised on the
    executors before the gate sees them (``privacy_policy.pseudonymise_frame``, the function
    the single-node ingest runs)."""
    from shopmind.privacy_policy import pseudonymise_frame

    tables = find_tables(spark, uri)
    inputs: dict[TableName, TableInput] = {}
    ignored: dict[str, list[str]] = {}
    files: dict[TableName, list[tuple[str, int, int]]] = {}
    for table, where in tables.items():
        inputs[table], dropped, files[table] = read_table(spark, where, table)
        if dropped:
            ignored[table] = dropped
    if pseudonym_key is not None and "events" in inputs:
        key = pseudonym_key
        inputs["events"] = _mapped(inputs["events"], lambda f: pseudonymise_frame(f, key))
    source = uri.rstrip("/").rsplit("/", 1)[-1] or "canonical"
    meta: dict[str, object] = {
        "files": [f for fs in files.values() for f, _, _ in fs],
        "malformed": [],
        "redecoded": [],
        "ignored_columns": ignored,
        "read_by": "spark",
    }
    return inputs, Batch(source=source, meta=meta), _fingerprint(files)


def run_gate_spark_uri(
    spark: SparkSession,
    uri: str,
    output: str,
    cfg: GateConfig | None = None,
    store: Store | None = None,
    now: datetime | None = None,
    pseudonym_key: bytes | None = None,
    source: str | None = None,
) -> SparkRun:
    """Read the canonical Parquet tables under ``uri`` with Spark and judge them there."""
    inputs, batch, fp = read_canonical(spark, uri, pseudonym_key)
    if source:
        batch.source = source
    return judge_inputs(spark, inputs, batch, fp, output, cfg, store, now)


__all__ = [
    "find_tables",
    "is_uri",
    "local_parquet_folder",
    "read_canonical",
    "read_table",
    "run_gate_spark_uri",
]
