"""A Spark session configured the way the gate's SQL and the account need it.

UTC session time (timestamps are UTC instants everywhere in shopmind), Arrow on (the row-local
stages exchange Arrow batches with Polars), and string literals read as written, so a regex
such as ``'[\\p{L}\\p{N}]'`` in ``quality/checks.py`` means the same in Spark as in Polars.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from shopmind.engine import EngineConfig
from shopmind.engine.heap import driver_memory_for

#: Errors only, from the JVM's start: no "Setting default log level" / NativeCodeLoader lines before ours.
LOG4J2 = Path(__file__).with_name("log4j2.properties")

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing: the message says what to install."""


def spark_available() -> str | None:
    """None when Spark can run here, else why not (tests skip on exactly this)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'shopmind[spark]')"
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        return "Java 17 is not installed (Spark needs a JVM: set JAVA_HOME or put java on PATH)"
    return None


def spark_conf(engine: EngineConfig, available: int | None = None) -> dict[str, str]:
    """The settings every shopmind Spark job runs with (also printed in docs/SCALE.md); the
    driver heap as ``engine/heap.py`` chooses it (``available``: the free-memory figure, read
    now when not given), and where it came from as ``spark.shopmind.driverMemoryFrom``."""
    heap, origin = driver_memory_for(engine.master, engine.driver_memory, dict(engine.conf), available)
    conf = {
        "spark.driver.memory": heap,
        "spark.shopmind.driverMemoryFrom": origin,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.parser.escapedStringLiterals": "true",
        "spark.sql.shuffle.partitions": str(engine.shuffle_partitions),
        # input files split finer than the cores: Spark's default (the default parallelism) read
        # 10 M events in 2 splits of 54 % / 46 %, so the row-local stage (the gate's longest) ran
        # as two unequal tasks on local[2] (7.5 % over an even split; 12 splits: 2.7 %)
        "spark.sql.files.minPartitionNum": str(2 * engine.shuffle_partitions),
        # ... and never more than 4 MB of Parquet per split (Spark's default is 128 MB): the
        # row-local stage's output is persisted one block per split, and a block is read back
        # from disk into the heap whole; 10 M tiled demo events (49.6 MB) already split at 4 MB
        # (Spark's open cost) and passed with 2 GB executors, 50 M would split at 16 MB
        "spark.sql.files.maxPartitionBytes": "4m",
        "spark.executor.memory": engine.executor_memory,
        # the gate sizes each table's shuffles by its rows (engine/spark/partitions.py)
        "spark.shopmind.partitionRows": str(engine.partition_rows),
        "spark.shopmind.persist": engine.persist,
        # a remote output's rows come back to the driver as Arrow (docs/SCALE.md "Limits"): bound
        # that by the driver's heap, not Spark's default 1 GB (10 M events are ~1.3 GB of results)
        "spark.driver.maxResultSize": heap,
        "spark.ui.enabled": "false",
        # the CLI draws its own progress line: Spark's "[Stage 7:===> (2 + 3) / 8]" bars on the same
        # terminal overwrote it, a few dozen times on a 200-row file (t1w, session 32)
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.ansi.enabled": "false",
        # Parquet timestamps as UTC microseconds (not legacy INT96): the driver reads a run's
        # local output with Polars (``gate.read_run``) and gets the canonical dtype as written
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    }
    conf.update(dict(engine.conf))
    # errors only from the JVM's first line (log4j2.properties beside this module); a caller's own
    # driver options are kept after ours
    quiet = f"-Dlog4j2.configurationFile={LOG4J2.as_uri()}"
    conf["spark.driver.extraJavaOptions"] = " ".join(
        o for o in (quiet, conf.get("spark.driver.extraJavaOptions", "")) if o
    )
    return conf


def get_session(engine: EngineConfig, app_name: str = "shopmind-gate") -> SparkSession:
    """The active session if one runs (spark-submit made it), else a new one on ``engine.master``."""
    why = spark_available()
    if why:
        raise SparkUnavailable(why)
    from pyspark.sql import SparkSession

    # executors must run the interpreter that has shopmind installed
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # under spark-submit the JVM is already up with the submit command's master: keep it
    submitted = SparkSession.getActiveSession() is not None or "PYSPARK_GATEWAY_PORT" in os.environ
    builder = SparkSession.builder if submitted else SparkSession.builder.master(engine.master)
    conf = spark_conf(engine)
    if submitted:  # memory, cores and master come from the submit command
        conf = {k: v for k, v in conf.items() if k.startswith("spark.sql.")}
    else:
        builder = builder.appName(app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    if not submitted:  # our own session: Spark's WARN lines (a deprecated-setting notice per SQL
        # conf read, seven on a 200-row file) are no news to a shop; errors still print. Under
        # spark-submit the submit command's logging stands
        session.sparkContext.setLogLevel("ERROR")
    for key, value in conf.items():
        if key.startswith("spark.sql."):
            session.conf.set(key, value)  # an existing session takes the SQL settings too
    return session
