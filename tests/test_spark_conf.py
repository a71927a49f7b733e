"""The settings every shopmind Spark job runs with: pure configuration, no JVM needed."""

from __future__ import annotations

from shopmind.engine import EngineConfig
from shopmind.engine.spark.session import spark_conf


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
