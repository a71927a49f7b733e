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
    GATE_BYTES_PER_ROW,
    GATE_BYTES_PER_TEXT_BYTE,
    OverBudget,
    check_single_node,
    estimated_need,
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


def test_need_is_estimated_without_reading_rows(tmp_path: Path) -> None:
    """gzip by its trailer (the uncompressed size), Parquet by the row count in its footer."""
    import polars as pl

    text = ("event_id,type,timestamp\n" + "e1,view,2026-01-01T00:00:00Z\n" * 20_000).encode()
    (tmp_path / "events.csv.gz").write_bytes(gzip.compress(text))
    assert estimated_need(tmp_path / "events.csv.gz") == int(len(text) * GATE_BYTES_PER_TEXT_BYTE)
    pl.DataFrame({"product_id": [f"p{i}" for i in range(1000)]}).write_parquet(tmp_path / "products.parquet")
    assert estimated_need(tmp_path / "products.parquet") == int(1000 * GATE_BYTES_PER_ROW)
    assert estimated_need(tmp_path) == int(len(text) * GATE_BYTES_PER_TEXT_BYTE) + int(
        1000 * GATE_BYTES_PER_ROW
    )


def test_estimate_over_budget_refuses_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_bytes(b"x" * 100_000)
    need = check_single_node(tmp_path, "10m")
    assert need == int(100_000 * GATE_BYTES_PER_TEXT_BYTE)
    with pytest.raises(OverBudget) as err:
        check_single_node(tmp_path, "1m")
    msg = str(err.value)
    assert "\n" not in msg and "--engine spark" in msg and "memory_budget = '1m'" in msg


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


def test_a_table_folder_of_parquet_parts_is_read_by_spark(tmp_path: Path) -> None:
    """``ingest --engine spark`` hands a canonical folder to Spark's own reader when every table in
    it is Parquet — a file, or a folder of part files named ``events`` or ``events.parquet`` (as
    Spark and the scale bench write them); before, an ``events/`` folder sent the batch to the
    driver's adapter, which read the products alone."""
    import polars as pl

    from shopmind.engine.spark.read import local_parquet_folder

    feed = tmp_path / "feed"
    (feed / "events").mkdir(parents=True)
    pl.DataFrame({"product_id": ["P1"]}).write_parquet(feed / "products.parquet")
    for i in range(2):
        pl.DataFrame({"event_id": [f"E{i}"]}).write_parquet(feed / "events" / f"part-{i:05d}.parquet")
    (feed / "events" / "_SUCCESS").write_text("")
    assert local_parquet_folder(feed)
    (feed / "events" / "notes.csv").write_text("a,b\n")  # a part that is not Parquet: the adapters read it
    assert not local_parquet_folder(feed)
    (feed / "events" / "notes.csv").unlink()
    (feed / "judgments.csv").write_text("query,product_id,relevance\n")
    assert not local_parquet_folder(feed)


def test_persist_setting_is_checked_and_chooses_disk_for_large_tables() -> None:
    """``[engine] persist``: auto keeps a table's re-read frames in memory and disk up to 10 M
    rows and on disk only above (the 50 M run's executors died caching them on the heap)."""
    pytest.importorskip("pyspark")
    from pyspark import StorageLevel

    from shopmind.engine.spark.partitions import AUTO_DISK_ROWS, storage_for

    assert engine_from_dict({"engine": {"persist": "disk_only"}}).persist == "disk_only"
    assert engine_from_dict({}).persist == "auto"
    with pytest.raises(ConfigError, match=r"engine.persist must be one of auto, memory_and_disk, disk_only"):
        engine_from_dict({"engine": {"persist": "memory"}})

    class Conf:
        def __init__(self, how: str) -> None:
            self.how = how

        def get(self, key: str, default: str = "") -> str:
            return self.how

    class Session:
        def __init__(self, how: str) -> None:
            self.conf = Conf(how)

    assert storage_for(Session("auto"), AUTO_DISK_ROWS) == StorageLevel.MEMORY_AND_DISK
    assert storage_for(Session("auto"), AUTO_DISK_ROWS + 1) == StorageLevel.DISK_ONLY
    assert storage_for(Session("disk_only"), 10) == StorageLevel.DISK_ONLY
    assert storage_for(Session("memory_and_disk"), 10**9) == StorageLevel.MEMORY_AND_DISK
