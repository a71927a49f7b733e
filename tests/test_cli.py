"""The command line end to end: the main job's commands, exit codes, and clear user errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[1]


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_main_job_end_to_end(tmp_path):
    """What `make demo` runs: generate the demo shop, ingest it through the gate, print the report."""
    gen = shopmind("demo-data", "--out", "demo-shop", "--end", "2026-10-31", cwd=tmp_path)
    assert gen.returncode == 0, gen.stderr
    files = {p.name for p in (tmp_path / "demo-shop").iterdir()}
    assert files == {
        "products.parquet",
        "events.parquet",
        "judgments.parquet",
        "defects.parquet",
        "gate.toml",
    }
    run = shopmind(
        "ingest", "demo-shop", "--config", "demo-shop/gate.toml", "--workspace", "ws", "--json", cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["status"] == "published"
    report = next(line.split("report: ")[1] for line in run.stderr.splitlines() if "report: " in line).strip()
    html = (tmp_path / report if not Path(report).is_absolute() else Path(report)).read_text()
    assert "<svg" in html and "Account" in html
    # every row accounted for, and the store holds exactly the accepted rows
    defects = pl.read_parquet(tmp_path / "demo-shop" / "defects.parquet")
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    for table, acc in summary["account"].items():
        assert acc["accepted"] + acc["quarantined"] == acc["input"]
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] == acc["accepted"]
    quarantined = con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0]
    assert quarantined == summary["totals"]["quarantined"]
    con.close()
    # the gate found every injected defect (recall) — precision is measured in bench/quality_faults.py
    found = {(c["table"], c["code"]): c["failed"] for c in summary["checks"]}
    for table, code, n in defects.group_by("table", "code").len().iter_rows():
        assert found.get((table, code), 0) >= n, (table, code)
    # a second ingest of the same batch is a no-op for the tables, and is recorded as a run
    again = shopmind(
        "ingest", "demo-shop", "--config", "demo-shop/gate.toml", "--workspace", "ws", "--json", cwd=tmp_path
    )
    assert again.returncode == 0 and json.loads(again.stdout)["totals"] == summary["totals"]
    listing = shopmind("runs", "--workspace", "ws", "--json", cwd=tmp_path)
    runs = [json.loads(line) for line in listing.stdout.splitlines()]
    assert listing.returncode == 0 and [r["status"] for r in runs] == ["published", "published"]
    q = shopmind(
        "quarantine", "--workspace", "ws", "--code", "EVT_TS_FUTURE", "--limit", "3", "--json", cwd=tmp_path
    )
    rows = [json.loads(line) for line in q.stdout.splitlines()]
    assert q.returncode == 0 and len(rows) == 3 and all("EVT_TS_FUTURE" in r["codes"] for r in rows)
    assert all(json.loads(r["payload"])["type"] for r in rows)  # the original row is kept


def test_held_batch_exits_1_and_publishes_nothing(tmp_path):
    events = pl.DataFrame({"event_id": [f"e{i}" for i in range(10)], "type": ["pageview"] * 5 + ["view"] * 5,
                           "timestamp": ["2026-01-01T00:00:00Z"] * 10, "item_id": ["P1"] * 10, "user_id": ["u"] * 10})  # fmt: skip
    folder = tmp_path / "batch"
    folder.mkdir()
    events.write_csv(folder / "events.csv")
    run = shopmind("ingest", str(folder), "--workspace", "ws", cwd=tmp_path)
    assert run.returncode == 1
    assert "HELD" in run.stderr and "Traceback" not in run.stderr
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchall()[0][0] == 0
    assert con.execute("SELECT status FROM runs").fetchall() == [("held",)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "nope.csv"], "no such file"),
        (["ingest", "x.csv", "--format", "nonsense"], "unknown format"),
        (["ingest", "x.csv", "--config", "missing.toml", "--format", "table"], "config file not found"),
        (["ingest", "x.csv", "--format", "online-retail", "--mapping", "m.toml"], "--mapping only applies"),
        (["ingest", "bad.toml", "--format", "canonical", "--config", "bad.toml"], "not valid TOML"),
        (["runs", "--workspace", "empty"], "no shopmind store"),
        (["demo-data", "--end", "yesterday"], "--end must be a date"),
        (["quarantine", "--code", "NOPE"], "unknown code"),
    ],
)
def test_user_errors_exit_2_with_a_clear_message(tmp_path, args, message):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    (tmp_path / "bad.toml").write_text("[gate\n")
    run = shopmind(*args, cwd=tmp_path)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert message.lower() in run.stderr.lower()
    assert "Traceback" not in run.stderr


def test_every_command_has_help(tmp_path):
    for cmd in ("", "demo-data", "ingest", "formats", "checks", "runs", "quarantine"):
        run = shopmind(*([cmd] if cmd else []), "--help", cwd=tmp_path)
        assert run.returncode == 0 and "Usage" in run.stdout, cmd
