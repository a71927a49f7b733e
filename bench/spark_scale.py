"""Scaling curve of the whole quality gate (Polars vs Spark local[1] vs local[2]), and the
beyond-memory run: a batch over the single-node memory budget, refused there, judged on Spark
with its memory capped.

The batch is the demo shop's events (its distribution and injected defects) tiled to N rows: each
copy gets its own event, user and session ids, so duplicates, sessions and windows scale with N
instead of collapsing into one giant group, and the generator's ground truth is tiled with it
(copy k's row r is row k*h + r). The batch is written once per size as canonical Parquet; each
engine reads it itself (Polars: shopmind's adapter in one process; Spark: its own Parquet reader
on the executors, ``engine/spark/read.py``) and runs the whole gate (coercion, text repairs, all
row and window checks, the split and the account), each engine in its own process. An engine
spelled ``local[1]@0`` is pinned to CPU 0 before its JVM and Python workers start (they inherit
it): on a 2-core box an unpinned ``local[1]`` still uses both cores (JVM GC/JIT threads, Arrow
workers, Polars on the driver), so the pinned run is the one-core point. ``cluster`` starts a
standalone master and two 1-core workers here (``engine/spark/cluster.py``) and submits to it.
A Spark figure carries whether its account equals the Polars run's (one digest of everything
``engine.compare.differences`` compares) when Polars ran that size; the Spark session start
(JVM) is timed apart from the gate. Each Spark run also reports its CPU seconds by kind (the JVM's
task slots, JIT compilers, GC and other threads; the Python workers; the driver), read from /proc
just before the session stops: what an unpinned ``local[1]`` gets from the second core.

    python bench/spark_scale.py --sizes 1000000,10000000 --engines 'polars,local[1],local[1]@0,local[2],cluster'
    python bench/spark_scale.py --beyond-memory 300000 --budget 256m --spark-memory 1g

Rows/s on this shared machine are noisy; the ratios within one run are what to read. The load
average at the start and end of each run is saved with it.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.demo.generator import generate
from shopmind.engine import EngineConfig
from shopmind.quality.gate import GateResult, run_gate

NOW = datetime(2026, 12, 3, tzinfo=UTC)
QUIET = (("spark.ui.showConsoleProgress", "false"),)
CHUNKED_OVER = 10_000_000  # batches above this are written part by part (50 M tiled is ~10 GB in memory)
#: a scaling run's Spark JVM heap unless --spark-memory says otherwise: the heap every quiet 10 M
#: pair (sessions 12-16) ran with. Why: on local[N] the tasks' cached frames live in this heap, and
#: at 10 M events 3g (the old default, session 17's curve) cost ~105 more GC CPU-s than 6g on the
#: same code (docs/BENCHMARKS.md, session 18)
SCALING_HEAP = "6g"


def synthetic_with_truth(n: int, seed: int = 7) -> tuple[Batch, pl.DataFrame]:
    """``n`` events (the demo shop's tiled with per-copy ids) plus its catalog, and the injected
    defects of both tables (``table``, ``row``, ``code``) at their rows in the tiled batch."""
    shop = _shop(seed)
    assert shop.batch.events is not None and shop.batch.products is not None
    events = shop.batch.events.drop("_row", strict=False)  # row ids are given to the tiled batch anew
    tiled = _tiled(events, range(-(-n // events.height))).head(n)
    return Batch(source="synthetic", products=shop.batch.products, events=tiled), tiled_truth(n, seed)


def _shop(seed: int = 7) -> Any:
    return generate(seed=seed, n_products=2000, n_users=800, days=14, defect_rate=0.02, end=NOW)


def tiled_truth(n: int, seed: int = 7) -> pl.DataFrame:
    """The injected defects (``table``, ``row``, ``code``) of the ``n``-event tiled batch
    (``synthetic(n)``, ``write_input(n)``), without building the batch: each copy of the events
    carries the generator's event defects at its own rows."""
    shop = _shop(seed)
    assert shop.batch.events is not None
    h = shop.batch.events.height
    ev_truth = shop.defects.filter(pl.col("table") == "events")
    return pl.concat(
        [shop.defects.filter(pl.col("table") == "products")]
        + [ev_truth.with_columns(pl.col("row") + k * h) for k in range(-(-n // h))]
    ).filter((pl.col("table") == "products") | (pl.col("row") < n))


def _tiled(events: pl.DataFrame, copies: range) -> pl.DataFrame:
    """Copies ``copies`` of the events, each with its own event, user, session and order ids."""
    ids = ("event_id", "user_id", "session_id", "order_id")
    return pl.concat(
        [
            events.with_columns(
                [(pl.col(c).cast(pl.Utf8) + f"~{k}").alias(c) for c in ids if c in events.columns]
            )
            for k in copies
        ]
    )


def synthetic(n: int, seed: int = 7) -> Batch:
    """``n`` events: the demo shop's events tiled with per-copy ids, plus its catalog."""
    return synthetic_with_truth(n, seed)[0]


def _load() -> list[float]:
    return [round(x, 1) for x in os.getloadavg()]


def _session(
    master: str,
    memory: str = "2g",
    partition_rows: int | None = None,
    executor_memory: str = "",
    persist: str = "auto",
) -> Any:
    from shopmind.engine.spark.session import get_session

    # shuffle partitions and executor memory: the product's defaults ([engine] shuffle_partitions
    # = 8 as the floor, partition_rows = 150 k rows per partition above it) unless given
    extra: dict[str, Any] = {}
    if partition_rows is not None:
        extra["partition_rows"] = partition_rows
    if executor_memory:
        extra["executor_memory"] = executor_memory
    extra["persist"] = persist
    return get_session(EngineConfig(kind="spark", master=master, driver_memory=memory, conf=QUIET, **extra))


def write_input(n: int, work: Path) -> Path:
    """The ``n``-event batch as canonical Parquet files (written once per size, then reused):
    both engines read their input from here, the Polars engine with shopmind's adapter on one
    process, Spark with its own readers on the executors."""
    folder = work / f"input-{n}"
    done = folder / "WRITTEN"
    if not done.exists() and n > CHUNKED_OVER:
        # the tiled batch is never whole in memory: copies written as parts of an ``events``
        # folder (Spark's reader takes a folder of Parquet files as the table); the same rows
        # as ``synthetic(n)`` in the same order
        folder.mkdir(parents=True, exist_ok=True)
        shop = _shop(7)
        assert shop.batch.events is not None and shop.batch.products is not None
        events = shop.batch.events.drop("_row", strict=False)
        shop.batch.products.write_parquet(folder / "products.parquet")
        parts = folder / "events"
        parts.mkdir(exist_ok=True)
        copies = -(-n // events.height)
        per_part = max(1, 2_000_000 // events.height)
        for first in range(0, copies, per_part):
            ks = range(first, min(copies, first + per_part))
            part = _tiled(events, ks).head(max(0, n - first * events.height))
            part.write_parquet(parts / f"part-{first:06d}.parquet", row_group_size=256_000)
        done.write_text(str(n), encoding="utf-8")
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        batch = synthetic(n)
        assert batch.products is not None and batch.events is not None
        batch.products.write_parquet(folder / "products.parquet")
        batch.events.write_parquet(folder / "events.parquet", row_group_size=256_000)
        done.write_text(str(n), encoding="utf-8")
    return folder


def _unordered(t: Any, kind: str) -> pl.LazyFrame:
    """A table's rows of ``kind`` in any order: a Spark run's part files scanned without the sort
    its outcome applies (a digest is a sum, so order does not count; a 50 M-row sort would)."""
    frame = getattr(t, kind)
    if kind not in t.parts:
        return frame.lazy()
    schema = frame.collect_schema()
    return pl.scan_parquet(t.parts[kind]).select([pl.col(c).cast(d) for c, d in schema.items()])


def account_digest(result: GateResult) -> str:
    """One hash of everything ``engine.compare.differences`` compares (accepted rows and values,
    each quarantined row, every repair, rows failing per code, notes, completeness): equal
    digests = the same account row by row; computed in each engine's own process, streaming
    (a Spark run's rows stay in its Parquet)."""
    h = hashlib.sha256()
    for name in sorted(result.tables):
        t = result.tables[name]
        h.update(name.encode())
        for kind in ("accepted", "quarantine", "audit"):
            rows = t.rows(kind)
            total = (
                _unordered(t, kind)
                .select(pl.struct(pl.all()).hash(7).sum())
                .collect(engine="streaming")
                .item()
                if rows
                else 0
            )
            h.update(f"{rows}:{total}".encode())
        h.update(json.dumps([t.failed, t.notes, t.completeness], sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def child(args: argparse.Namespace) -> None:
    """One engine over one input, in its own process (pinned to ``--cpus`` before any JVM or
    worker starts, so they inherit the pinning); prints one JSON line."""
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    cfg = GateConfig()
    start = 0.0
    split: dict[str, float] = {}
    # the JVM heap of a local[N] run decides the GC time at 10 M (SCALING_HEAP): recorded with each run
    heap = args.spark_memory or SCALING_HEAP
    load0 = _load()
    if args.child == "polars":
        from shopmind.data.adapters import get_adapter

        t = time.perf_counter()
        result = run_gate(get_adapter("canonical").load(Path(args.input)), cfg, None, now=NOW)
        secs = time.perf_counter() - t
    else:
        from shopmind.engine.spark.read import run_gate_spark_uri

        t = time.perf_counter()
        # "default": no driver_memory given, so the product chooses it (engine/heap.py)
        memory = "" if heap == "default" else heap
        spark = _session(args.child, memory, args.partition_rows, args.executor_memory or "", args.persist)
        start = time.perf_counter() - t
        from shopmind.engine.spark.gate import driver_heap

        heap_used = driver_heap(spark)  # the heap the JVM got and why (recorded with the run)
        t = time.perf_counter()
        out = Path(args.work) / f"out-{os.getpid()}"
        result = run_gate_spark_uri(spark, args.input, str(out), cfg, None, now=NOW).result
        secs = time.perf_counter() - t
        split = cpu_split()  # before stop: the JVM's threads are still there to read
        spark.stop()
    print(json.dumps({"seconds": secs, "session_start_s": start, "input_rows": result.input_rows,
                      "digest": account_digest(result), "load": [load0, _load()],
                      "cpus_allowed": sorted(os.sched_getaffinity(0)), "cpu_seconds": split,
                      **({} if args.child == "polars" else {
                          "driver_memory": heap_used["spark_driver_memory"], "spark_memory_arg": heap,
                          "driver_memory_from": heap_used["spark_driver_memory_from"], "persist": args.persist})}))  # fmt: skip


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(stat_path: str, reaped: bool = False) -> float:
    """utime + stime of one /proc stat file, in seconds (+ its reaped children's with ``reaped``)."""
    with open(stat_path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    own = int(fields[11]) + int(fields[12])
    return (own + (int(fields[13]) + int(fields[14]) if reaped else 0)) / _TICK


def _descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (from /proc's parent links)."""
    parent: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError), open(f"/proc/{d}/stat") as f:
                parent[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        kids = [c for c, p in parent.items() if p in frontier]
        found += kids
        frontier = kids
    return found


def cpu_split() -> dict[str, float]:
    """CPU seconds so far of this engine's processes, by kind: the JVM's threads grouped as task
    slots (``Executor task launch worker``), the JIT compilers (C1/C2), the garbage collector, the
    rest, and threads that ended before this read (pooled task threads idle 60 s, compiler threads
    the JVM retires); the Python workers; this driver process. On a standalone cluster only the
    driver's JVM is a descendant here (the executors run under the workers): its split is the driver's. Why: an unpinned ``local[1]`` is one task
    slot, but its JIT and GC threads run on the other core — this says how much work that is."""
    out: dict[str, float] = defaultdict(float)
    out["driver_python"] = round(_cpu_seconds("/proc/self/stat"), 1)
    for pid in _descendants(os.getpid()):
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/cmdline") as f:
                argv0 = f.read().split("\0", 1)[0]
            if not argv0.endswith("java"):
                out["python_workers"] += _cpu_seconds(f"/proc/{pid}/stat", reaped=True)
                continue
            out["jvm_exited_threads"] += _cpu_seconds(f"/proc/{pid}/stat")  # the process: every thread
            for tid in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError):
                    with open(f"/proc/{pid}/task/{tid}/comm") as f:
                        name = f.read().strip()
                    kind = (
                        "jvm_task_slots" if name.startswith("Executor task")
                        else "jvm_jit" if "CompilerThre" in name
                        else "jvm_gc" if name.startswith(("GC Thread", "G1 "))
                        else "jvm_other"
                    )  # fmt: skip
                    secs = _cpu_seconds(f"/proc/{pid}/task/{tid}/stat")
                    out[kind] += secs
                    out["jvm_exited_threads"] -= secs  # what is left: threads gone before this read
    return {k: round(v, 1) for k, v in out.items()}


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
                    __file__,
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


def recall_of_run(output: Path, truth: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Per injected (table, code): injected rows, found (rows carrying the code in the Spark run's
    written output: quarantine codes, accepted flags or a repair record) and recall — read lazily
    from the run's Parquet, so a batch larger than memory is checked without collecting it."""
    from shopmind.data.model import FLAGS, ROW

    empty = {
        "quarantine": {"row_no": pl.Int64, "codes": pl.List(pl.Utf8)},
        "accepted": {ROW: pl.Int64, FLAGS: pl.List(pl.Utf8)},
        "audit": {ROW: pl.Int64, "code": pl.Utf8},
    }

    def scan(kind: str, table: str) -> pl.LazyFrame:
        files = sorted((output / kind / table).glob("run_id=*/part-*.parquet"))
        return pl.scan_parquet(files) if files else pl.LazyFrame(schema=empty[kind])

    found = []
    for table in sorted(set(truth["table"].to_list())):
        parts = [
            scan("quarantine", table)
            .select(pl.col("row_no").alias("r"), pl.col("codes").alias("c"))
            .explode("c"),
            scan("accepted", table)
            .filter(pl.col(FLAGS).list.len() > 0)
            .select(pl.col(ROW).alias("r"), pl.col(FLAGS).alias("c"))
            .explode("c"),
            scan("audit", table).select(pl.col(ROW).alias("r"), pl.col("code").alias("c")),
        ]
        rows = pl.concat(parts).drop_nulls().unique()
        want = (
            truth.lazy()
            .filter(pl.col("table") == table)
            .select(pl.col("row").alias("r"), pl.col("code").alias("c"))
        )
        hit = want.join(rows, on=["r", "c"], how="semi").group_by("c").agg(pl.len().alias("found"))
        total = want.group_by("c").agg(pl.len().alias("injected"))
        got = total.join(hit, on="c", how="left").with_columns(pl.col("found").fill_null(0)).collect()
        found += [(table, c, i, f) for c, i, f in got.sort("c").iter_rows()]
    return {
        f"{t}/{c}": {"injected": int(i), "found": int(f), "recall": f / i} for t, c, i, f in sorted(found)
    }


class _PeakRss:
    """Peak resident memory per process of a command's tree (the driver's Python, the JVM),
    sampled from /proc every second: the point of the beyond-memory run is what each holds."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid, self.peak, self._stop = pid, {}, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            for pid in [self.pid, *_descendants(self.pid)]:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    comm = Path(f"/proc/{pid}/comm").read_text().strip()
                except OSError:
                    continue
                rss = next((int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS:")), 0)
                key = f"{comm}:{pid}"
                self.peak[key] = max(self.peak.get(key, 0), rss // 1024)

    def stop(self) -> dict[str, int]:
        self._stop.set()
        self._thread.join()
        return dict(sorted(self.peak.items(), key=lambda kv: -kv[1])[:6])


def beyond_memory(args: argparse.Namespace) -> dict[str, Any]:
    """A batch the single-node engine refuses (over its memory budget: ``--budget``, default the
    product's own, 80 % of available memory) through ``shopmind ingest --engine spark`` itself —
    Spark reading the Parquet, the report, publishing into the workspace's store — with the
    executors' memory capped; the account checked exactly and every injected defect class found."""
    from shopmind.engine.budget import check_single_node

    n = args.beyond_memory
    work = Path(args.work)
    feed = write_input(n, work)
    truth = tiled_truth(n)
    need = check_single_node(feed, "1t")
    run_dir = Path(tempfile.mkdtemp(prefix="shopmind-beyond-", dir=work))
    budget = f'memory_budget = "{args.budget}"\n' if args.budget else ""
    single_toml = run_dir / "single.toml"
    single_toml.write_text(f"[engine]\n{budget}", encoding="utf-8")
    cmd = [sys.executable, "-m", "shopmind.cli", "ingest", str(feed), "-f", "canonical",
           "-w", str(run_dir / "ws-single"), "--config", str(single_toml)]  # fmt: skip
    t = time.perf_counter()
    single = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    refused_s = time.perf_counter() - t
    message = (single.stdout + single.stderr).strip()
    print(f"polars (budget {args.budget or '80 % of available'}): exit {single.returncode} after "
          f"{refused_s:.1f} s: {message}", flush=True)  # fmt: skip
    with contextlib.ExitStack() as stack:
        master = args.master
        if master == "cluster":
            from shopmind.engine.spark.cluster import local_cluster

            c = stack.enter_context(local_cluster(work / "cluster", workers=2, cores=1, memory="3g"))
            master = c.url
        output = run_dir / "spark"
        spark_toml = run_dir / "spark.toml"
        spark_toml.write_text(
            "[gate]\ntraditional_to_simplified = true\n"  # the demo shop's gate.toml
            f'[engine]\nkind = "spark"\nmaster = "{master}"\n'
            + ("" if args.spark_memory == "default" else f'driver_memory = "{args.spark_memory or "6g"}"\n')
            + f'executor_memory = "{args.executor_memory or "2g"}"\noutput = "{output}"\n',
            encoding="utf-8",
        )
        cmd = [sys.executable, "-m", "shopmind.cli", "ingest", str(feed), "-f", "canonical", "--engine", "spark",
               "-w", str(run_dir / "ws"), "--config", str(spark_toml), "--json", "--force"]  # fmt: skip
        load0 = _load()
        t = time.perf_counter()
        env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        rss = _PeakRss(proc.pid)
        out, err = proc.communicate()
        secs = time.perf_counter() - t
        peaks = rss.stop()
    if proc.returncode not in (0, 1):
        (run_dir / "spark-stderr.log").write_text(err, encoding="utf-8")
        raise SystemExit(
            f"spark ingest failed (exit {proc.returncode}); stderr in {run_dir / 'spark-stderr.log'}:\n{err[-3000:]}"
        )
    summary = json.loads(out[out.index("{") :])
    account = summary["account"]
    exact = all(a["input"] == a["accepted"] + a["quarantined"] for a in account.values())
    import duckdb

    con = duckdb.connect(str(run_dir / "ws" / "shopmind.duckdb"), read_only=True)
    stored = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("products", "events", "quarantine", "audit")
    }  # noqa: S608
    con.close()
    db_bytes = (run_dir / "ws" / "shopmind.duckdb").stat().st_size
    recall = recall_of_run(output, truth)
    full = [k for k, v in recall.items() if v["recall"] == 1.0]
    print(f"spark {args.master}: {summary['totals']['input']:,} rows in {secs:.1f} s (ingest command, wall), "
          f"account exact: {exact}, {len(full)}/{len(recall)} injected classes at 100 % recall; "
          f"store rows {stored}; store file {db_bytes / 1e9:.2f} GB; peak RSS MB {peaks}", flush=True)  # fmt: skip
    for key, v in recall.items():
        if v["recall"] != 1.0:
            print(f"   below 100 %: {key} {v['found']}/{v['injected']}")
    return {
        "mode": "beyond-memory",
        "events": n,
        "input_bytes_estimate_gate_peak": need,
        "budget": args.budget or "default (80 % of available memory)",
        "single_node": {"exit_code": single.returncode, "message": message, "seconds": refused_s},
        "spark": {
            "master": args.master, "driver_memory": args.spark_memory or "6g",
            "executor_memory": args.executor_memory or "2g", "seconds": secs, "load": [load0, _load()],
            "account": account, "account_exact": exact, "store_rows": stored, "store_bytes": db_bytes,
            "peak_rss_mb": peaks, "classes": len(recall), "classes_full_recall": len(full), "recall": recall,
            "held_by": summary.get("held_by"),
        },
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000", help="event counts, comma-separated")
    ap.add_argument(
        "--engines",
        default="polars,local[1],local[2]",
        help="comma-separated: polars, a Spark master (local[N]), 'cluster' (a standalone master + 2 workers "
        "of 1 core started here); '@CPUS' pins that engine's processes, e.g. local[1]@0",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--input", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--cpus", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--polars-max", type=int, default=10**9, help="largest size the Polars engine runs")
    ap.add_argument(
        "--beyond-memory", type=int, default=0, metavar="EVENTS", help="run the beyond-memory mode"
    )
    ap.add_argument(
        "--budget",
        default="",
        help="single-node memory budget in the beyond-memory mode (default: the product's, 80 %% of available memory)",
    )
    ap.add_argument(
        "--spark-memory",
        default=None,
        help=f"Spark JVM heap (local mode: the executors' memory too); default {SCALING_HEAP} in a scaling "
        "run (before session 18: 3g), 6g beyond memory; 'default' = none given, the product chooses it "
        "([engine] driver_memory unset: engine/heap.py); recorded with each run (10 M GC time depends on it)",
    )
    ap.add_argument(
        "--master",
        default="local[2]",
        help="Spark master of the beyond-memory mode (or 'cluster': master + 2 workers)",
    )
    ap.add_argument("--work", default="/tmp/shopmind-spark-scale", help="scratch folder for Spark output")
    ap.add_argument(
        "--executor-memory",
        default=None,
        help="spark.executor.memory of the cluster's executors (default: the product's [engine] executor_memory)",
    )
    ap.add_argument(
        "--partition-rows",
        type=int,
        default=None,
        help="rows per shuffle partition ([engine] partition_rows; 0 = the fixed 8); default: the product's",
    )
    ap.add_argument(
        "--persist",
        default="auto",
        choices=("auto", "memory_and_disk", "disk_only"),
        help="[engine] persist of the scaling runs on Spark (where the gate keeps frames it re-reads); default auto",
    )
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    Path(args.work).mkdir(parents=True, exist_ok=True)
    if args.child:
        child(args)
        return
    started = datetime.now(UTC).isoformat(timespec="seconds")
    load = _load()
    result = beyond_memory(args) if args.beyond_memory else scaling(args)
    name = "spark_beyond_memory.json" if args.beyond_memory else "spark_scale.json"
    out = args.out or Path("bench/results") / name
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"date": started, "cpus": os.cpu_count(), "load_at_start": load, "argv": sys.argv[1:],
            "note": "shared 2-core machine: other processes ran during this run (see load)"}  # fmt: skip
    out.write_text(json.dumps({**meta, **result}, indent=2, default=str), encoding="utf-8")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
