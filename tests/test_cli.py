"""The command line end to end: the main job's commands, exit codes, and clear user errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from shopmind.cli.listing import Listing

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
        "assistant",  # the shop assistant's orders, policies and labelled questions (issue 13)
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
        (["ingest", "x.csv", "--config", "missing.toml", "--format", "table"], "missing.toml does not exist"),
        (["ingest", "x.csv", "--format", "online-retail", "--mapping", "m.toml"], "--mapping only applies"),
        (["ingest", "bad.toml", "--format", "canonical", "--config", "bad.toml"], "not valid TOML"),
        (["runs", "--workspace", "empty"], "no shopmind store"),
        (["demo-data", "--end", "yesterday"], "--end must be a date"),
        (["quarantine", "--code", "NOPE"], "unknown code"),
        (["build", "--workspace", "nowhere"], "no shopmind store"),
        (["rollback", "--workspace", "nowhere"], "no releases"),
    ],
)
def test_user_errors_exit_2_with_a_clear_message(tmp_path, args, message):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    (tmp_path / "bad.toml").write_text("[gate\n")
    run = shopmind(*args, cwd=tmp_path)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert message.lower() in run.stderr.lower()
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "nowhere").exists()  # a mistyped workspace is not created by a failed command


def test_every_command_has_help(tmp_path):
    for cmd in ("", "demo-data", "ingest", "formats", "checks", "runs", "quarantine"):
        run = shopmind(*([cmd] if cmd else []), "--help", cwd=tmp_path)
        assert run.returncode == 0 and "Usage" in run.stdout, cmd


# ---------------------------------------------------------------- identifiers, markup, guidance (issue 18)

ID = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", min_size=1, max_size=30)
PROSE = st.text(alphabet="abcdefgh []/.,:", max_size=80)


def _render(listing: Listing, width: int) -> str:
    buf = io.StringIO()
    listing.print(Console(file=buf, width=width, color_system=None, legacy_windows=False))
    return buf.getvalue()


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    rows=st.lists(st.tuples(ID, ID, PROSE, st.integers(0, 10**9)), min_size=1, max_size=5),
    width=st.integers(34, 200),
)
def test_listing_never_cuts_an_identifier(rows, width):
    """At any width an id (run, release, check code) is printed whole on one line, and so is each number."""
    listing = Listing([("run", "id"), ("code", "id"), ("what", "text"), ("rows", "num")], title="t")
    for run, code, what, n in rows:
        listing.add(run, code, what, f"{n:,}")
    lines = _render(listing, width).splitlines()
    assert all(len(line.rstrip()) <= width for line in lines)
    for run, code, _, n in rows:
        for token in (run, code, f"{n:,}"):
            assert any(token in line for line in lines), (token, width, lines)


def test_listing_prefers_a_table_and_falls_back_to_records():
    listing = Listing([("run", "id"), ("status", "word"), ("report", "text")])
    listing.add("20261203T135658506281Z", "published", "ws/reports/20261203T135658506281Z.html")
    wide = _render(listing, 120).splitlines()
    assert wide[0].split() == ["run", "status", "report"]  # one header line: a table
    assert wide[2].split() == [
        "20261203T135658506281Z",
        "published",
        "ws/reports/20261203T135658506281Z.html",
    ]
    narrow = _render(listing, 50).splitlines()
    assert narrow[0] == "run 20261203T135658506281Z  status published"
    assert narrow[1:] == ["  report ws/reports/20261203T135658506281Z.html"]


def test_listing_cells_are_text_not_markup():
    """A bracket in data ('[torch]', a title with '[/b]') prints as itself and never raises a markup error."""
    listing = Listing([("code", "id"), ("title", "text")])
    listing.add("[bold]X[/bold]", 'pip install -e ".[torch]" [/b]')
    for width in (120, 30):
        text = _render(listing, width)
        assert "[bold]X[/bold]" in text and ".[torch]" in text and "[/b]" in text


def _events_csv(folder: Path, types: list[str]) -> Path:
    """A small events feed: one user viewing a different item each minute (no duplicates)."""
    folder.mkdir(parents=True, exist_ok=True)
    n = len(types)
    pl.DataFrame({"event_id": [f"e{i}" for i in range(n)], "type": types, "user_id": ["u"] * n,
                  "timestamp": [f"2026-01-01T00:{i:02d}:00Z" for i in range(n)],
                  "item_id": [f"P{i}" for i in range(n)]}).write_csv(folder / "events.csv")  # fmt: skip
    return folder


def _narrow(*args: str, cwd: Path, columns: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_listings_show_whole_ids_at_60_and_80_columns(tmp_path):
    """Issue 18 item 14: runs, quarantine, checks, releases and keys list never cut what a user types back."""
    from shopmind.quality.codes import CODES
    from shopmind.release.releases import Releases

    _events_csv(tmp_path / "feed", ["view"] * 8 + ["pageview"] * 2)
    assert shopmind("ingest", "feed", "-w", "ws", "--json", cwd=tmp_path).returncode in (0, 1)
    run_id = json.loads(shopmind("runs", "-w", "ws", "--json", cwd=tmp_path).stdout.splitlines()[0])["run_id"]
    releases = Releases(tmp_path / "ws")
    rid = "r20261203T135710430594Z"
    releases.publish(releases.staging(rid), {"id": rid, "created_at": "2026-12-03T13:57:10+00:00",
                     "rows": {"products": 1, "events": 8}, "seconds": 1.0,
                     "latest_run": {"run_id": run_id, "source": "feed", "status": "published"}})  # fmt: skip
    key_id = None
    added = shopmind("keys", "add", "a-client-with-a-long-name", "-w", "ws", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    for columns in (60, 80):
        runs = _narrow("runs", "-w", "ws", cwd=tmp_path, columns=columns)
        assert runs.returncode == 0 and run_id in runs.stdout and "…" not in runs.stdout
        q = _narrow("quarantine", run_id, "-w", "ws", cwd=tmp_path, columns=columns)
        assert q.returncode == 0 and run_id in q.stdout and "EVT_TYPE_UNKNOWN" in q.stdout
        checks = _narrow("checks", cwd=tmp_path, columns=columns)
        assert checks.returncode == 0 and "…" not in checks.stdout
        assert all(code in checks.stdout for code in CODES)
        rel = _narrow("releases", "-w", "ws", cwd=tmp_path, columns=columns)
        assert rel.returncode == 0 and rid in rel.stdout and run_id in rel.stdout
        keys = _narrow("keys", "list", "-w", "ws", cwd=tmp_path, columns=columns)
        key_id = keys.stdout.split()[0]
        assert keys.returncode == 0 and "a-client-with-a-long-name" in keys.stdout and len(key_id) >= 8
        assert key_id in shopmind("keys", "list", "-w", "ws", cwd=tmp_path).stdout
    revoke = _narrow("keys", "revoke", key_id, "-w", "ws", cwd=tmp_path, columns=60)
    assert revoke.returncode == 0 and key_id in revoke.stderr


def test_held_message_says_how_to_go_on_and_its_snippet_works(tmp_path):
    """Issue 18 item 15: the HELD message names the codes that held the batch, --force, and a TOML
    override; that snippet, passed with --config, lets the same batch through."""
    _events_csv(tmp_path / "batch", ["pageview"] * 5 + ["view"] * 5)
    run = _narrow("ingest", "batch", "-w", "ws", cwd=tmp_path, columns=80)
    assert run.returncode == 1 and "HELD" in run.stderr
    assert "events EVT_TYPE_UNKNOWN: 5 rows (50.0%) > threshold 5.0%" in run.stderr
    assert "--force" in run.stderr and "--config" in run.stderr
    lines = run.stderr.splitlines()
    start = lines.index("      [checks.EVT_TYPE_UNKNOWN]")  # not eaten as rich markup, not wrapped
    snippet = "\n".join(line.strip() for line in lines[start : start + 3])
    assert 'severity = "warn"' in snippet and "threshold = 0.5001" in snippet
    (tmp_path / "gate.toml").write_text(snippet + "\n")
    again = shopmind("ingest", "batch", "-w", "ws", "--config", "gate.toml", cwd=tmp_path)
    assert again.returncode == 0 and "published" in again.stderr, again.stderr
    forced = shopmind("ingest", "batch", "-w", "ws2", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and "HELD" not in forced.stderr


def test_reingest_says_why_nothing_was_written(tmp_path):
    """Issue 18 item 15: "written to store 0" on a re-ingest is explained, per table."""
    _events_csv(tmp_path / "feed", ["view"] * 10)
    first = shopmind("ingest", "feed", "-w", "ws", cwd=tmp_path)
    assert first.returncode == 0 and "already in the store" not in first.stdout
    again = shopmind("ingest", "feed", "-w", "ws", cwd=tmp_path)
    assert again.returncode == 0
    assert (
        "events: 0 new: all 10 accepted rows are already in the store unchanged (same event_id"
        in again.stdout
    )
    _events_csv(tmp_path / "feed", ["view"] * 12)  # two more events, ten seen before
    third = shopmind("ingest", "feed", "-w", "ws", cwd=tmp_path)
    assert "events: 10 of 12 accepted rows are already in the store unchanged" in third.stdout
    assert "2 new or changed rows written" in third.stdout


def test_torch_hint_is_printed_with_its_brackets(tmp_path, monkeypatch):
    """Issue 18 item 17: rich markup swallowed '[torch]' in `pip install -e ".[torch]"`."""
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.recommend import evaluate

    families = evaluate.families
    monkeypatch.setattr(evaluate, "families", lambda *a: [f for f in families(*a) if f.name != "sasrec"])
    data = tmp_path / "Tiny.txt"
    data.write_text("\n".join(f"{u} {u} {u + 1} {u + 2} {u + 3}" for u in range(1, 21)) + "\n")
    args = ["evaluate", "recs", "--format", "amazon-5core", str(data), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*args, "--skip", "als,bpr,item-knn"])
    assert result.exit_code == 0, result.output
    assert 'pip install -e ".[torch]"' in result.output
