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
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from _spark_scale.beyond import beyond_memory
from _spark_scale.engines import account_digest as account_digest
from _spark_scale.engines import child
from _spark_scale.inputs import NOW as NOW
from _spark_scale.inputs import QUIET as QUIET
from _spark_scale.inputs import SCALING_HEAP, _load
from _spark_scale.inputs import write_input as write_input
from _spark_scale.scaling import scaling

# ``name as name`` above: re-exported for bench/spark_stages.py and bench/spark_ceiling.py


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
