"""A real standalone Spark cluster on loopback: a master and two workers started with PySpark's own
``sbin/spark-daemon.sh`` (pip's pyspark ships no start-master.sh), the shopmind job submitted with
``bin/spark-submit``, its account checked against the Polars engine, the daemons stopped after.

Skipped only when pyspark or Java is absent.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.engine.spark.session import spark_available
from shopmind.quality.gate import run_gate

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _master_state(ui_port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=5) as r:  # noqa: S310 - loopback
        return json.loads(r.read())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    why = spark_available()
    if why:
        pytest.skip(why)
    import pyspark

    home = Path(pyspark.__file__).parent
    daemon = home / "sbin" / "spark-daemon.sh"
    assert daemon.exists(), f"pyspark ships no {daemon}"
    tmp = tmp_path_factory.mktemp("cluster")
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOG_DIR": str(tmp / "logs"),
        "SPARK_PID_DIR": str(tmp / "pids"),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_IDENT_STRING": f"shopmind-test-{os.getpid()}",
        "PYSPARK_PYTHON": sys.executable,
    }
    port, ui = _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    started: list[tuple[str, str]] = []

    def daemon_cmd(action: str, cls: str, instance: str, *args: str) -> None:
        subprocess.run(["bash", str(daemon), action, cls, instance, *args], env=env, check=True, timeout=120)

    try:
        daemon_cmd("start", MASTER, "1", "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui))
        started.append((MASTER, "1"))
        for i in ("1", "2"):
            daemon_cmd(
                "start", WORKER, i, url, "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                "--webui-port", str(_free_port()), "--work-dir", str(tmp / f"work{i}"),
            )  # fmt: skip
            started.append((WORKER, i))
        deadline = time.monotonic() + 900  # JVM start takes minutes on a loaded machine
        state: dict = {}
        while time.monotonic() < deadline:
            try:
                state = _master_state(ui)
                if state.get("aliveworkers") == 2:
                    break
            except OSError:
                pass
            time.sleep(2)
        assert state.get("aliveworkers") == 2, f"workers did not register: {state}; logs in {tmp / 'logs'}"
        yield {"url": url, "ui": ui, "env": env, "home": home, "tmp": tmp}
    finally:
        for cls, instance in reversed(started):
            daemon_cmd("stop", cls, instance)


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
    apps = _master_state(cluster["ui"])["completedapps"]
    assert any(a["name"] == "shopmind-gate" and a["state"] == "FINISHED" for a in apps), apps
    events = summary["meta"]["spark_output"]["accepted/events"]
    with Store(ws) as store:
        assert (
            store.count("events")
            == pl.read_parquet(f"{events}/*.parquet").height
            == expected["events"]["accepted"]
        )
