"""The scaling curve: each engine and size in a child process, ratios, and the machine's own 1 -> 2 CPU check."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .inputs import _load, write_input

#: The entry script: each engine runs as ``spark_scale.py --child ...`` (its own process).
SCRIPT = Path(__file__).resolve().parents[1] / "spark_scale.py"


def scaling(args: argparse.Namespace) -> dict[str, Any]:
    """Rows/s of the whole gate per engine and size, input read from Parquet by each engine
    (one run; every engine in its own process)."""
    sizes = [int(s) for s in args.sizes.split(",")]
    engines = args.engines.split(",")
    work = Path(args.work)
    inputs = {n: write_input(n, work) for n in sizes}
    rows: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        cluster_url = ""
        if "cluster" in engines:
            from shopmind.engine.spark.cluster import local_cluster

            c = stack.enter_context(local_cluster(work / "cluster", workers=2, cores=1, memory="3g"))
            cluster_url = c.url
        for n in sizes:
            for engine in engines:
                master, _, cpus = engine.partition("@")
                if master == "polars" and n > args.polars_max:
                    continue
                if master == "cluster":
                    master = cluster_url
                cmd = [
                    sys.executable,
                    str(SCRIPT),
                    "--child",
                    master,
                    "--input",
                    str(inputs[n]),
                    "--work",
                    str(work),
                ]
                if cpus:
                    cmd += ["--cpus", cpus]
                if args.spark_memory:
                    cmd += ["--spark-memory", args.spark_memory]
                if args.executor_memory:
                    cmd += ["--executor-memory", args.executor_memory]
                if args.partition_rows is not None:
                    cmd += ["--partition-rows", str(args.partition_rows)]
                cmd += ["--persist", args.persist]
                env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
                if master == "polars" and cpus:  # Polars' own threads: one per pinned CPU
                    env["POLARS_MAX_THREADS"] = str(len(cpus.split(",")))
                done = subprocess.run(cmd, capture_output=True, text=True, env=env)
                if done.returncode != 0:
                    # the whole stderr kept in a file (the JVM's cause is often pages above the
                    # Python traceback); the run goes on with the other engines and sizes
                    log = work / f"failed-{engine.replace('[', '').replace(']', '')}-{n}.log"
                    log.write_text(done.stderr, encoding="utf-8")
                    print(f"{engine} at {n:,} events failed (whole stderr in {log}):\n"
                          f"{done.stderr[-3000:]}", file=sys.stderr, flush=True)  # fmt: skip
                    rows.append({"engine": engine, "events": n, "failed": True, "stderr_file": str(log)})
                    continue
                got = json.loads(done.stdout.strip().splitlines()[-1])
                row = {"engine": engine, "events": n, **got}
                rows.append(row)
                print(f"{engine:14s} {n:>11,} events  {got['seconds']:8.1f} s  "
                      f"{got['input_rows'] / got['seconds']:>10,.0f} rows/s  cpus {got['cpus_allowed']}  "
                      f"(session start {got['session_start_s']:.0f} s, load {got['load']})"
                      + (f"\n{'':14s} CPU seconds {got['cpu_seconds']}" if got.get("cpu_seconds") else ""),
                      flush=True)  # fmt: skip
    failed = [r for r in rows if r.get("failed")]
    rows = [r for r in rows if not r.get("failed")]
    for r in rows:
        r["rows_per_s"] = round(float(r["input_rows"]) / float(r["seconds"]), 1)
        ref = next((x for x in rows if x["engine"] == "polars" and x["events"] == r["events"]), None)
        r["same_account_as_polars"] = None if ref is None else ref["digest"] == r["digest"]
    by = {(r["engine"], r["events"]): r["rows_per_s"] for r in rows}
    ratios: dict[str, dict[str, float]] = {}
    for n in sizes:
        for one in ("local[1]", "local[1]@0"):
            if ("local[2]", n) in by and (one, n) in by:
                ratios.setdefault(str(n), {})[f"local[2] / {one}"] = round(
                    by[("local[2]", n)] / by[(one, n)], 3
                )
        if ("polars", n) in by and ("polars@0", n) in by:  # the single-node engine's own 1 -> 2 cores
            ratios.setdefault(str(n), {})["polars / polars@0"] = round(
                by[("polars", n)] / by[("polars@0", n)], 3
            )
        if ("local[2]@0,1", n) in by and ("local[1]@0", n) in by:
            ratios.setdefault(str(n), {})["local[2]@0,1 / local[1]@0"] = round(
                by[("local[2]@0,1", n)] / by[("local[1]@0", n)], 3
            )
    print(f"ratios: {ratios}")
    print(
        "same account as Polars: "
        + ", ".join(
            f"{r['engine']}@{r['events']:,}: {r['same_account_as_polars']}"
            for r in rows
            if r["engine"] != "polars"
        )
    )
    return {"mode": "scaling", "runs": rows, "failed": failed, "ratios": ratios, "machine": machine_check()}


_PROBES = {
    # one core's arithmetic: a Python loop (no memory traffic)
    "cpu_loop": "x = 0\nfor i in range(20_000_000):\n    x += i * i",
    # memory bandwidth: copying 200 MB arrays (what sorting wide rows leans on)
    "memory_copy": "for _ in range(30):\n    np.copyto(b, a)",
}
# untimed set-up of a probe: the arrays allocated and touched once (page faults are not bandwidth)
_SETUP = {
    "cpu_loop": "",
    "memory_copy": "import numpy as np\na = np.ones(25_000_000)\nb = np.ones(25_000_000)\nnp.copyto(b, a)",
}


def _probe(name: str, cpu: int, start_at: float) -> subprocess.Popen[str]:
    """One probe on ``cpu``: set up, wait for the wall-clock ``start_at`` (so probes started
    together are timed together), run, print its seconds."""
    timed = (
        f"import time\n{_SETUP[name]}\ntime.sleep(max(0.0, {start_at} - time.time()))\n"
        f"t = time.perf_counter()\n{_PROBES[name]}\nprint(time.perf_counter() - t)"
    )
    return subprocess.Popen(
        ["taskset", "-c", str(cpu), sys.executable, "-c", timed],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    )


def machine_check() -> dict[str, Any]:
    """How much one busy CPU slows the other on this machine: each probe alone on CPU 0, then
    on CPUs 0 and 1 at once. Real cores give ~1.0 (slowdown); two hyperthreads of one core, or
    a shared memory bus, give more — and no engine can then scale 1 -> 2 CPUs by 2x."""
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        return {}
    out: dict[str, Any] = {"load": _load()}
    for name in _PROBES:
        p = _probe(name, 0, time.time() + 3)
        alone = float(p.communicate()[0])
        at = time.time() + 3
        both = [_probe(name, 0, at), _probe(name, 1, at)]
        together = [float(q.communicate()[0]) for q in both]
        out[name] = {"alone_s": round(alone, 2), "together_s": [round(t, 2) for t in together],
                     "slowdown": round(sum(together) / len(together) / alone, 3)}  # fmt: skip
    print(f"machine: {out}")
    return out
