"""The Spark driver's heap when the shop did not choose one: sized by the memory this machine has free.

On ``local[N]`` every task runs inside the driver's JVM, so the driver heap is the heap the gate's
cached frames, sorts and shuffles share. A fixed default is wrong on most machines: at 10 M demo
events on ``local[2]`` the same code spent 111 GC CPU-s with a 3 GB heap against 18 with 6 GB (340 s
against 273 s of wall; docs/BENCHMARKS.md, issue 11, session 18), and the product default was 2 GB.

The rule (``default_driver_memory``): **half of the memory available when the session starts,
clamped to [2g, 6g]**.

- *Half*: the other half is for what runs beside the JVM on the same machine — the driver's Python
  (the report's drift profiles and the store's DuckDB insert peak at ~2.2 GB on a 50 M run,
  docs/SCALE.md "Limits"), one Python worker per task slot (Arrow batches through Polars), the
  JVM's own memory outside its heap (JIT code, metaspace, Netty and Arrow buffers: a few hundred
  MB to ~1 GB), and the OS page cache the shuffle files are read back through.
- *Floor 2g*: the old fixed default, below which co-visitation over Online Retail's 540 k events
  already left ~900 MB of old generation and one CI run lost its JVM. A machine with less than
  4 GB free still gets 2g (the product ran that way before).
- *Cap 6g*: the heap every quiet 10 M pair was measured with (sessions 12-18): GC there is 10-18
  CPU-s of ~510, so nothing measured says a larger heap gains; the window stages' partitions
  follow the rows (``engine/spark/partitions.py``) and ``persist = "auto"`` keeps tables above
  10 M rows on disk, so what a task holds does not grow with the batch. A larger heap only takes
  memory from the Python side and makes a full collection longer; a shop that wants more says so.

"Available" is the figure the single-node memory budget reads (``budget.available_memory``:
MemAvailable), taken when the Spark session starts, so memory the driver already holds (a batch
read by a format adapter) is not counted twice.

An explicit setting always wins: ``[engine.conf] "spark.driver.memory"``, then ``[engine]
driver_memory``. On a cluster master (``spark://``, ``yarn``, ``k8s://``, anything not ``local``)
the tasks run in the executors, whose heap is the cluster's business (``executor_memory``); the
driver keeps the old 2g there, unchanged. Under ``spark-submit`` the JVM exists before shopmind
runs: the submit command's ``--driver-memory`` decides and nothing here applies.
"""

from __future__ import annotations

import re

from shopmind.config import ConfigError
from shopmind.engine.budget import available_memory

GiB = 1024**3
MiB = 1024**2
#: fraction of the available memory a local master's driver heap gets, and its bounds (see above)
HEAP_FRACTION = 0.5
HEAP_FLOOR = 2 * GiB
HEAP_CAP = 6 * GiB
#: the driver heap on a cluster master when none is set (the old default, unchanged)
CLUSTER_DRIVER_MEMORY = "2g"
#: below this Spark refuses to start its driver ("System memory ... must be at least 471859200")
SMALLEST = 512 * MiB

# what Spark reads as spark.driver.memory: a whole number with a binary unit, or without one in
# MB ("1.5g" and "2gib" it refuses at JVM start)
_SPARK_SIZE = re.compile(r"^([1-9][0-9]*)(?:([kmgt])b?)?$", re.IGNORECASE)
_UNITS = {"k": 1024, "m": MiB, "g": GiB, "t": 1024 * GiB}


def check_driver_memory(text: str, setting: str = "engine.driver_memory") -> int:
    """Bytes of a driver heap written as Spark reads it (``512m``, ``6g``; a bare number is MB);
    a value Spark would refuse at JVM start (a fraction, another unit, too small) is one message
    naming the setting."""
    m = _SPARK_SIZE.match(str(text))
    if not m:
        raise ConfigError(
            f"{setting} must be a whole number of k, m, g or t (no unit: MB), such as 512m or 6g; got {text!r}"
        )
    size = int(m.group(1)) * _UNITS[(m.group(2) or "m").lower()]
    if size < SMALLEST:
        raise ConfigError(
            f"{setting} must be at least 512m (Spark's driver does not start below ~450 MB); got {text!r}"
        )
    return size


def is_local_master(master: str) -> bool:
    """``local``, ``local[N]``, ``local[*]``, ``local[N,F]``: tasks in the driver's JVM."""
    return master == "local" or master.startswith("local[")


def _spelled(size: int) -> str:
    return f"{size // GiB}g" if size % GiB == 0 else f"{size // MiB}m"


def default_driver_memory(available: int) -> str:
    """The driver heap for ``available`` bytes of free memory: ``HEAP_FRACTION`` of it, clamped to
    [``HEAP_FLOOR``, ``HEAP_CAP``], rounded down to whole MB (a size Spark reads)."""
    if available < 0:
        raise ValueError(f"available memory must be >= 0 bytes, got {available}")
    size = min(HEAP_CAP, max(HEAP_FLOOR, int(available * HEAP_FRACTION)))
    return _spelled(size - size % MiB)


def driver_memory_for(
    master: str, driver_memory: str, conf: dict[str, str], available: int | None = None
) -> tuple[str, str]:
    """The driver heap a session on ``master`` gets, and where it came from (recorded with the run).

    ``driver_memory`` is ``[engine] driver_memory`` ("" = not given), ``conf`` is ``[engine.conf]``;
    ``available`` injects the free-memory figure (default: read now)."""
    if conf.get("spark.driver.memory"):
        value = conf["spark.driver.memory"]
        check_driver_memory(value, '[engine.conf] "spark.driver.memory"')
        return value, '[engine.conf] "spark.driver.memory"'
    if driver_memory:
        check_driver_memory(driver_memory)
        return driver_memory, "[engine] driver_memory"
    if not is_local_master(master):
        return CLUSTER_DRIVER_MEMORY, f"default for a cluster master ({CLUSTER_DRIVER_MEMORY})"
    free = available_memory() if available is None else available
    value = default_driver_memory(free)
    return value, (
        f"{HEAP_FRACTION:.0%} of {free / GiB:.1f} GB available at session start, "
        f"clamped to [{_spelled(HEAP_FLOOR)}, {_spelled(HEAP_CAP)}]"
    )


__all__ = [
    "CLUSTER_DRIVER_MEMORY",
    "HEAP_CAP",
    "HEAP_FLOOR",
    "HEAP_FRACTION",
    "check_driver_memory",
    "default_driver_memory",
    "driver_memory_for",
    "is_local_master",
]
