"""The single-node gate refuses a batch over its memory budget before reading it (issue 11).

No Spark needed: the refusal is the point — one line naming ``--engine spark``, exit 2, never an
out-of-memory crash half-way through.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopmind.config import ConfigError
from shopmind.engine import engine_from_dict
from shopmind.engine.budget import (
    GATE_BYTES_PER_INPUT_BYTE,
    OverBudget,
    check_single_node,
    input_bytes,
    parse_size,
)


@given(st.integers(0, 10**6), st.sampled_from(["", "k", "m", "g", "K", "M", "G"]))
def test_sizes_read_as_spark_writes_them(n: int, unit: str) -> None:
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]
    assert parse_size(f"{n}{unit}") == n * factor


def test_bad_budget_is_named() -> None:
    with pytest.raises(ConfigError, match="engine.memory_budget"):
        engine_from_dict({"engine": {"memory_budget": "lots"}})
    assert engine_from_dict({"engine": {"memory_budget": "2g"}}).memory_budget == "2g"


def test_gzip_input_is_sized_uncompressed(tmp_path: Path) -> None:
    text = ("event_id,type,timestamp\n" + "e1,view,2026-01-01T00:00:00Z\n" * 20_000).encode()
    (tmp_path / "events.csv.gz").write_bytes(gzip.compress(text))
    (tmp_path / "products.csv").write_bytes(b"product_id,title\np1,Shoe\n")
    assert input_bytes(tmp_path / "events.csv.gz") == len(text)  # the trailer, not the 3x guess
    assert input_bytes(tmp_path) == len(text) + 25


def test_estimate_over_budget_refuses_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_bytes(b"x" * 100_000)
    need = check_single_node(tmp_path, "10m")
    assert need == int(100_000 * GATE_BYTES_PER_INPUT_BYTE)
    with pytest.raises(OverBudget) as err:
        check_single_node(tmp_path, "500k")
    msg = str(err.value)
    assert "\n" not in msg and "--engine spark" in msg and "memory_budget = '500k'" in msg


def test_cli_ingest_refuses_before_reading(tmp_path: Path) -> None:
    """A batch over the budget: exit 2, one line naming --engine spark, nothing read or written.
    The file is not even valid input: reading it would fail differently, so the refusal came first."""
    from shopmind.cli import app

    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "events.csv").write_bytes(b"\x00not,a,csv\n" * 50_000)
    cfg = tmp_path / "shop.toml"
    cfg.write_text('[engine]\nmemory_budget = "1m"\n', encoding="utf-8")
    ws = tmp_path / "ws"
    out = CliRunner().invoke(
        app, ["ingest", str(feed), "-f", "canonical", "-w", str(ws), "--config", str(cfg)]
    )
    assert out.exit_code == 2, out.output
    lines = [line for line in out.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "--engine spark" in lines[0] and "memory budget of 1 MB" in lines[0], (
        out.output
    )
    assert "Traceback" not in out.output
    assert not (ws / "store.duckdb").exists()
