"""The settings every shopmind Spark job runs with: pure configuration, no JVM needed (but the one test that
starts Spark in a child process to read what it prints)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shopmind.engine import EngineConfig
from shopmind.engine.spark.session import LOG4J2, spark_available, spark_conf


def test_driver_result_size_follows_the_driver_heap() -> None:
    # the accepted rows come back to the driver: Spark's 1 GB default failed a 10 M-event run
    conf = spark_conf(EngineConfig(kind="spark", driver_memory="10g"))
    assert conf["spark.driver.maxResultSize"] == "10g"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.sql.files.minPartitionNum"] == "16"  # twice the shuffle partitions (8)
    assert conf["spark.sql.files.maxPartitionBytes"] == "4m"  # a persisted block stays small at any size


def test_a_shops_own_conf_wins() -> None:
    engine = EngineConfig(kind="spark", driver_memory="4g", conf={"spark.driver.maxResultSize": "0"})
    assert spark_conf(engine)["spark.driver.maxResultSize"] == "0"


def test_sparks_own_stage_bars_are_off() -> None:
    """They overwrote the CLI's progress line (t1w's walk, session 32); a shop may turn them back on."""
    assert spark_conf(EngineConfig(kind="spark"))["spark.ui.showConsoleProgress"] == "false"
    engine = EngineConfig(kind="spark", conf={"spark.ui.showConsoleProgress": "true"})
    assert spark_conf(engine)["spark.ui.showConsoleProgress"] == "true"


def test_the_jvm_starts_with_our_quiet_log4j2_and_a_shops_driver_options_stay() -> None:
    opts = spark_conf(EngineConfig(kind="spark"))["spark.driver.extraJavaOptions"]
    assert opts == f"-Dlog4j2.configurationFile={LOG4J2.as_uri()}" and LOG4J2.is_file()
    engine = EngineConfig(kind="spark", conf={"spark.driver.extraJavaOptions": "-Dfoo=1"})
    assert spark_conf(engine)["spark.driver.extraJavaOptions"].split() == [opts, "-Dfoo=1"]


#: Started for real in its own process: the JVM's stderr is the child's, read whole.
START = """
from shopmind.engine import EngineConfig
from shopmind.engine.spark.session import get_session
s = get_session(EngineConfig(kind="spark", master="local[1]", shuffle_partitions=1, driver_memory="1g"))
print("ours", s.range(3).count(), flush=True)
s._jvm.org.apache.logging.log4j.LogManager.getLogger("shopmind.test").error("a real error still prints")
s.stop()
"""


def test_spark_starts_without_its_start_up_lines_and_errors_still_print() -> None:
    """Session 33: "Using Spark's default log4j profile", "Setting default log level to "WARN"", the
    NativeCodeLoader and loopback-hostname warnings printed before our first line."""
    why = spark_available()
    if why:
        pytest.skip(why)
    run = subprocess.run([sys.executable, "-c", START], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "ours 3"
    for noise in ("log4j profile", "Setting default log level", "NativeCodeLoader", "loopback", " WARN "):
        assert noise not in run.stderr, run.stderr
    assert "ERROR test: a real error still prints" in run.stderr
