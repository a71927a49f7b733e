"""A standalone Spark cluster on this machine: a master and workers started with PySpark's own
``sbin/spark-daemon.sh`` on loopback, stopped on exit.

Why here and not only in a test: the cluster test and ``bench/spark_scale.py`` both need one,
and a shop's engineer can use it to try ``spark-submit`` against a real master before pointing
shopmind at their own cluster (docs/SCALE.md). pip's pyspark ships no ``start-master.sh``, so
the daemons are started the way that script would start them.
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"


@dataclass
class LocalCluster:
    """A running cluster: its master URL, web UI port, Spark home and the daemons' environment."""

    url: str
    ui: int
    home: Path
    env: dict[str, str] = field(repr=False)
    folder: Path

    def state(self) -> dict[str, Any]:
        """The master's JSON status (workers, running and completed applications)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ui}/json/", timeout=5) as r:  # noqa: S310 - loopback
            return dict(json.loads(r.read()))

    def submit_command(self) -> list[str]:
        """``spark-submit`` with this cluster's master (append the application and its arguments)."""
        return [str(self.home / "bin" / "spark-submit"), "--master", self.url]


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_cluster(
    folder: Path, workers: int = 2, cores: int = 1, memory: str = "1g", timeout_s: float = 900
) -> Iterator[LocalCluster]:
    """Start a master and ``workers`` workers (``cores`` and ``memory`` each) with logs, pids and
    work folders under ``folder``; wait until every worker has registered; stop them all after.
    Raises RuntimeError (naming the log folder) when the workers do not register in time."""
    import pyspark

    home = Path(pyspark.__file__).parent
    daemon = home / "sbin" / "spark-daemon.sh"
    if not daemon.exists():
        raise RuntimeError(f"pyspark ships no {daemon}")
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOG_DIR": str(folder / "logs"),
        "SPARK_PID_DIR": str(folder / "pids"),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_IDENT_STRING": f"shopmind-{os.getpid()}",
        "PYSPARK_PYTHON": sys.executable,
    }
    port, ui = free_port(), free_port()
    cluster = LocalCluster(url=f"spark://127.0.0.1:{port}", ui=ui, home=home, env=env, folder=folder)
    started: list[tuple[str, str]] = []

    def daemon_cmd(action: str, cls: str, instance: str, *args: str) -> None:
        subprocess.run(["bash", str(daemon), action, cls, instance, *args], env=env, check=True, timeout=120)

    try:
        daemon_cmd("start", MASTER, "1", "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui))
        started.append((MASTER, "1"))
        for i in range(1, workers + 1):
            daemon_cmd(
                "start", WORKER, str(i), cluster.url, "--host", "127.0.0.1", "--cores", str(cores),
                "--memory", memory, "--webui-port", str(free_port()), "--work-dir", str(folder / f"work{i}"),
            )  # fmt: skip
            started.append((WORKER, str(i)))
        deadline = time.monotonic() + timeout_s  # JVM start takes minutes on a loaded machine
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                state = cluster.state()
                if state.get("aliveworkers") == workers:
                    break
            except OSError:
                pass
            time.sleep(2)
        if state.get("aliveworkers") != workers:
            raise RuntimeError(f"Spark workers did not register: {state}; logs in {folder / 'logs'}")
        yield cluster
    finally:
        for cls, instance in reversed(started):
            daemon_cmd("stop", cls, instance)


__all__ = ["LocalCluster", "free_port", "local_cluster"]
