"""One engine over one input in its own process: its Spark session, the account digest, CPU seconds by kind."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.config import GateConfig
from shopmind.engine import EngineConfig
from shopmind.quality.gate import GateResult, run_gate

from .inputs import NOW, QUIET, SCALING_HEAP, _load


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
