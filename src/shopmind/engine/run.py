"""Run the gate on the chosen engine and get the one ``GateResult`` both engines return."""

from __future__ import annotations

from pathlib import Path

from shopmind.config import ConfigError, GateConfig
from shopmind.data.model import Batch
from shopmind.engine import KINDS, EngineConfig
from shopmind.quality.gate import GateResult, run_gate
from shopmind.store.store import Store


def gate_with(
    kind: str, batch: Batch, cfg: GateConfig, store: Store | None, engine: EngineConfig, workspace: Path
) -> GateResult:
    """``run_gate`` on Polars, or the same gate on Spark writing its Parquet under
    ``engine.output`` (default ``<workspace>/spark``); the caller publishes either result."""
    if kind not in KINDS:
        raise ConfigError(f"--engine must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "polars":
        return run_gate(batch, cfg, store)
    from shopmind.engine.spark.gate import run_gate_spark
    from shopmind.engine.spark.session import SparkUnavailable, get_session

    try:
        spark = get_session(engine)
    except SparkUnavailable as exc:
        raise ConfigError(f"--engine spark: {exc}") from None
    output = engine.output or str((workspace / "spark").resolve())
    return run_gate_spark(spark, batch, output, cfg, store).result
