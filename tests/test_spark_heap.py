"""The Spark driver heap when the shop sets none (engine/heap.py): half the available memory on
local[N], clamped to [2g, 6g]; explicit settings win; cluster masters keep 2g; bad sizes are named."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from shopmind.config import ConfigError
from shopmind.engine import EngineConfig, engine_from_dict
from shopmind.engine.heap import (
    check_driver_memory,
    default_driver_memory,
    driver_memory_for,
    is_local_master,
)
from shopmind.engine.spark.session import spark_available, spark_conf

GiB = 1024**3


@pytest.mark.parametrize(
    ("available", "heap"),
    [
        (0, "2g"),  # nothing free: the old default, the floor
        (3 * GiB, "2g"),  # half is 1.5 GB: still the floor
        (4 * GiB, "2g"),
        (5 * GiB, "2560m"),  # half, in whole MB
        (9 * GiB + 12345, "4608m"),  # rounded down to a whole MB
        (10 * GiB, "5g"),
        (12 * GiB, "6g"),  # the cap
        (22 * GiB, "6g"),
        (512 * GiB, "6g"),
    ],
)
def test_the_rule_for_several_available_memories(available: int, heap: str) -> None:
    assert default_driver_memory(available) == heap
    got, origin = driver_memory_for("local[2]", "", {}, available=available)
    assert got == heap
    assert origin.startswith("50% of ") and "available at session start" in origin


def test_the_chosen_heap_reaches_the_conf_and_the_result_size() -> None:
    conf = spark_conf(EngineConfig(kind="spark", master="local[2]"), available=10 * GiB)
    assert conf["spark.driver.memory"] == "5g"
    assert conf["spark.driver.maxResultSize"] == "5g"  # a remote output's rows come back within it
    assert conf["spark.shopmind.driverMemoryFrom"] == (
        "50% of 10.0 GB available at session start, clamped to [2g, 6g]"
    )
    # local[*] and local[N,F] are local masters too; local-cluster and the rest are not
    assert all(map(is_local_master, ["local", "local[1]", "local[*]", "local[4,2]"]))
    assert not any(
        map(is_local_master, ["spark://h:7077", "yarn", "k8s://https://a:6443", "local-cluster[2,1,1024]"])
    )


def test_explicit_settings_win() -> None:
    # [engine] driver_memory, whatever the machine has free
    assert driver_memory_for("local[2]", "3g", {}, available=64 * GiB) == ("3g", "[engine] driver_memory")
    assert driver_memory_for("local[2]", "1g", {}, available=64 * GiB)[0] == "1g"  # even below the floor
    # [engine.conf] "spark.driver.memory" (passed through to Spark) wins over both
    conf = {"spark.driver.memory": "8g"}
    assert driver_memory_for("local[2]", "3g", conf, available=GiB) == (
        "8g",
        '[engine.conf] "spark.driver.memory"',
    )
    built = spark_conf(EngineConfig(kind="spark", driver_memory="10g"), available=64 * GiB)
    assert built["spark.driver.memory"] == built["spark.driver.maxResultSize"] == "10g"
    # from the TOML, as a shop writes it
    engine = engine_from_dict({"engine": {"kind": "spark", "driver_memory": "4096"}})
    assert spark_conf(engine, available=64 * GiB)["spark.driver.memory"] == "4096"  # MB, as Spark reads it
    assert engine_from_dict({}).driver_memory == "" == EngineConfig().driver_memory  # not given


@pytest.mark.parametrize("master", ["spark://10.0.0.5:7077", "yarn", "k8s://https://api:6443"])
def test_cluster_masters_are_unchanged(master: str) -> None:
    for available in (GiB, 64 * GiB):
        heap, origin = driver_memory_for(master, "", {}, available=available)
        assert heap == "2g" and "cluster master" in origin
    assert (
        spark_conf(EngineConfig(kind="spark", master=master), available=64 * GiB)["spark.driver.memory"]
        == "2g"
    )
    assert driver_memory_for(master, "12g", {}, available=GiB)[0] == "12g"  # explicit still wins


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"driver_memory": "1.5g"}, "engine.driver_memory must be a whole number"),
        ({"driver_memory": "6gib"}, "engine.driver_memory must be a whole number"),
        ({"driver_memory": "lots"}, "got 'lots'"),
        ({"driver_memory": "256m"}, "engine.driver_memory must be at least 512m"),
        ({"driver_memory": 6}, "engine.driver_memory must be text"),
        (
            {"conf": {"spark.driver.memory": "6 GB"}},
            '[engine.conf] "spark.driver.memory" must be a whole number',
        ),
    ],
)
def test_a_bad_value_is_a_clear_error(table: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError) as err:
        engine_from_dict({"engine": {"kind": "spark", **table}}, where="shop.toml")
    assert words in str(err.value) and str(err.value).startswith("shop.toml: ")
    with pytest.raises(ConfigError, match="must be at least 512m"):
        check_driver_memory("100m")
    assert check_driver_memory("6g") == 6 * GiB and check_driver_memory("512M") == 512 * 1024**2
    with pytest.raises(ValueError, match="available memory"):
        default_driver_memory(-1)


def test_a_session_gets_the_heap_and_the_run_records_it() -> None:
    """A real local[1] JVM at the defaults, in its own process (a JVM keeps its first heap, and
    this pytest process may have started one): its heap is the chosen size, and the gate's meta
    says what it was, why, and what the JVM got (the figures the report and `ingest --json` carry)."""
    why = spark_available()
    if why:
        pytest.skip(why)
    code = (
        "import json\n"
        "from shopmind.engine import EngineConfig\n"
        "from shopmind.engine.spark.gate import driver_heap\n"
        "from shopmind.engine.spark.session import get_session\n"
        "spark = get_session(EngineConfig(kind='spark', master='local[1]', shuffle_partitions=1))\n"
        "print(json.dumps(driver_heap(spark)))\n"
        "spark.stop()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    recorded = json.loads(done.stdout.strip().splitlines()[-1])
    assert recorded["spark_driver_memory_from"].startswith("50% of ")
    want = check_driver_memory(recorded["spark_driver_memory"])
    assert 2 * GiB <= want <= 6 * GiB
    # -Xmx is the chosen heap (the JVM reports it less one survivor space)
    assert 0.8 * want / 2**20 <= recorded["spark_driver_heap_mb"] <= want / 2**20
