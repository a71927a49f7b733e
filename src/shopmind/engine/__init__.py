"""Which engine runs the quality gate: ``polars`` on one machine (the default) or ``spark``.

The choice comes from ``--engine`` or the shop TOML's ``[engine]`` table; both engines run the
same stage definitions (``shopmind.quality``), so a shop moves to Spark without another product.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopmind.config import ConfigError

KINDS = ("polars", "spark")
_KNOWN = {
    "kind",
    "master",
    "executor_memory",
    "driver_memory",
    "output",
    "shuffle_partitions",
    "partition_rows",
    "conf",
    "memory_budget",
    "persist",
}
PERSIST = ("auto", "memory_and_disk", "disk_only")


@dataclass(frozen=True)
class EngineConfig:
    """``[engine]`` of the shop TOML. ``output`` is a URI Spark writes the run's Parquet to
    (a local path, ``file://``, ``hdfs://``, ``s3a://``); empty means ``<workspace>/spark``.
    ``memory_budget`` caps the single-node (Polars) gate: a batch estimated over it is refused
    before it is read, naming ``--engine spark`` (``engine/budget.py``); empty = 80 % of the
    memory available at start. ``driver_memory`` empty = chosen when the Spark session starts
    (``engine/heap.py``: on ``local[N]`` from the memory available then)."""

    kind: str = "polars"
    master: str = "local[2]"
    executor_memory: str = "1g"
    # "" = not given: on local[N] (tasks in the driver's JVM) half the memory available when the
    # session starts, clamped to [2g, 6g]; on a cluster master 2g (engine/heap.py says why)
    driver_memory: str = ""
    output: str = ""
    shuffle_partitions: int = 8
    # rows per shuffle partition of the gate's window stages (0 = always shuffle_partitions):
    # see engine/spark/partitions.py for why the count follows the batch
    partition_rows: int = 150_000
    conf: tuple[tuple[str, str], ...] = ()
    memory_budget: str = ""
    # where the gate keeps the frames it reads several times (engine/spark/partitions.py):
    # "auto" = memory and disk up to AUTO_DISK_ROWS rows a table, disk only above
    persist: str = "auto"


def engine_from_dict(data: dict[str, Any], where: str = "config") -> EngineConfig:
    """Read and check ``[engine]``; a wrong value is one message naming the setting."""
    table = data.get("engine", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [engine] must be a table, got {type(table).__name__}")
    for key in table:
        if key not in _KNOWN:
            raise ConfigError(f"{where}: unknown setting engine.{key} (known: {', '.join(sorted(_KNOWN))})")
    kind = table.get("kind", "polars")
    if kind not in KINDS:
        raise ConfigError(f"{where}: engine.kind must be one of {', '.join(KINDS)}, got {kind!r}")
    for key in ("master", "executor_memory", "driver_memory", "output", "memory_budget", "persist"):
        if key in table and not isinstance(table[key], str):
            raise ConfigError(f"{where}: engine.{key} must be text, got {type(table[key]).__name__}")
    parts = table.get("shuffle_partitions", 8)
    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
        raise ConfigError(f"{where}: engine.shuffle_partitions must be a whole number >= 1, got {parts!r}")
    per = table.get("partition_rows", EngineConfig.partition_rows)
    if isinstance(per, bool) or not isinstance(per, int) or per < 0:
        raise ConfigError(f"{where}: engine.partition_rows must be a whole number >= 0, got {per!r}")
    persist = table.get("persist", "auto")
    if persist not in PERSIST:
        raise ConfigError(f"{where}: engine.persist must be one of {', '.join(PERSIST)}, got {persist!r}")
    conf = table.get("conf", {})
    if not isinstance(conf, dict):
        raise ConfigError(f"{where}: [engine.conf] must be a table of Spark settings")
    if table.get("memory_budget"):
        from shopmind.engine.budget import parse_size

        parse_size(table["memory_budget"], f"{where}: engine.memory_budget")
    if table.get("driver_memory"):  # a size the JVM would refuse is named here, not at JVM start
        from shopmind.engine.heap import check_driver_memory

        check_driver_memory(table["driver_memory"], f"{where}: engine.driver_memory")
    if "spark.driver.memory" in conf:
        from shopmind.engine.heap import check_driver_memory

        check_driver_memory(str(conf["spark.driver.memory"]), f'{where}: [engine.conf] "spark.driver.memory"')
    defaults = EngineConfig()
    return EngineConfig(
        kind=kind,
        master=table.get("master", defaults.master),
        executor_memory=table.get("executor_memory", defaults.executor_memory),
        driver_memory=table.get("driver_memory", defaults.driver_memory),
        output=table.get("output", ""),
        shuffle_partitions=parts,
        partition_rows=per,
        conf=tuple(sorted((str(k), str(v)) for k, v in conf.items())),
        memory_budget=table.get("memory_budget", ""),
        persist=persist,
    )


def load_engine(path: Path | None) -> EngineConfig:
    """``[engine]`` of the TOML at ``path`` (defaults when there is no file or no table)."""
    if path is None:
        return EngineConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    return engine_from_dict(data, where=str(path))


__all__ = ["EngineConfig", "KINDS", "engine_from_dict", "load_engine"]
