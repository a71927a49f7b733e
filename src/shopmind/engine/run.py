"""Run the gate on the chosen engine and get the one ``GateResult`` both engines return."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shopmind.config import ConfigError, GateConfig
from shopmind.data.model import Batch
from shopmind.engine import KINDS, EngineConfig
from shopmind.quality.gate import GateResult, run_gate
from shopmind.store.store import Store


def _spark(engine: EngineConfig) -> object:
    from shopmind.engine.spark.session import SparkUnavailable, get_session

    try:
        return get_session(engine)
    except SparkUnavailable as exc:
        raise ConfigError(f"--engine spark: {exc}") from None


def gate_with(
    kind: str,
    batch: Batch,
    cfg: GateConfig,
    store: Store | None,
    engine: EngineConfig,
    workspace: Path,
    step: Callable[[str], None] = lambda _: None,
) -> GateResult:
    """``run_gate`` on Polars, or the same gate on Spark writing its Parquet under
    ``engine.output`` (default ``<workspace>/spark``); the caller publishes either result."""
    if kind not in KINDS:
        raise ConfigError(f"--engine must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "polars":
        return run_gate(batch, cfg, store, step=step)
    from shopmind.engine.spark.gate import run_gate_spark

    output = engine.output or str((workspace / "spark").resolve())
    return run_gate_spark(_spark(engine), batch, output, cfg, store).result  # type: ignore[arg-type]


def gate_spark_uri(
    uri: str,
    cfg: GateConfig,
    store: Store | None,
    engine: EngineConfig,
    workspace: Path,
    pseudonym_key: bytes | None = None,
    source: str | None = None,
) -> GateResult:
    """The gate on Spark over canonical Parquet tables Spark reads itself (``uri``: a path or
    any URI Spark reads), ids pseudonymised on the executors when ``pseudonym_key`` is given."""
    from shopmind.engine.spark.read import run_gate_spark_uri

    output = engine.output or str((workspace / "spark").resolve())
    spark = _spark(engine)
    return run_gate_spark_uri(spark, uri, output, cfg, store, None, pseudonym_key, source).result  # type: ignore[arg-type]
