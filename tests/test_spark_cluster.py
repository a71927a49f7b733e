"""A real standalone Spark cluster on loopback: a master and two workers started with PySpark's own
``sbin/spark-daemon.sh`` (pip's pyspark ships no start-master.sh), the shopmind job submitted with
``bin/spark-submit``, its account checked against the Polars engine, the daemons stopped after.

Skipped only when pyspark or Java is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.engine.spark.session import spark_available
from shopmind.quality.gate import run_gate


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    why = spark_available()
    if why:
        pytest.skip(why)
    from shopmind.engine.spark.cluster import local_cluster

    with local_cluster(tmp_path_factory.mktemp("cluster"), workers=2, cores=1, memory="1g") as c:
        yield {"url": c.url, "ui": c.ui, "env": c.env, "home": c.home, "tmp": c.folder, "state": c.state}


@pytest.mark.timeout(1800)  # 237 s measured under load ~10 (a standalone cluster + spark-submit)
def test_spark_submit_on_a_standalone_cluster_gives_the_polars_account(cluster: dict, tmp_path: Path) -> None:
    from shopmind.demo.generator import generate, write
    from shopmind.engine.spark import job
    from shopmind.store.store import Store

    demo = tmp_path / "demo"
    now = datetime(2026, 12, 3, tzinfo=UTC)
    write(generate(seed=5, n_products=60, n_users=15, days=2, defect_rate=0.1, end=now), demo)
    ws = tmp_path / "ws"
    cmd = [
        str(cluster["home"] / "bin" / "spark-submit"),
        "--master", cluster["url"], "--name", "shopmind-gate",
        "--executor-memory", "512m", "--total-executor-cores", "2",
        "--conf", f"spark.executorEnv.PYSPARK_PYTHON={sys.executable}",
        "--conf", "spark.sql.shuffle.partitions=2",
        job.__file__, str(demo), "-w", str(ws), "--json", "--force",
    ]  # fmt: skip
    done = subprocess.run(cmd, env=cluster["env"], capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    summary = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert summary["meta"]["engine"] == "spark"
    assert summary["meta"]["spark_master"] == cluster["url"]
    expected = run_gate(get_adapter("canonical").load(demo), GateConfig(), None).account()
    for table, acc in expected.items():
        got = summary["account"][table]
        assert (got["input"], got["accepted"], got["quarantined"]) == (
            acc["input"], acc["accepted"], acc["quarantined"],
        )  # fmt: skip
    # the application ran on the cluster's workers and finished
    apps = cluster["state"]()["completedapps"]
    assert any(a["name"] == "shopmind-gate" and a["state"] == "FINISHED" for a in apps), apps
    events = summary["meta"]["spark_output"]["accepted/events"]
    with Store(ws) as store:
        assert (
            store.count("events")
            == pl.read_parquet(f"{events}/*.parquet").height
            == expected["events"]["accepted"]
        )
