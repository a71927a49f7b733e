"""What a run's report says it did is what the ingest did.

`shopmind ingest --force` publishes a batch the gate held (the held message offers it as one of the
three ways on), but the run's report (reports/<run>.json, which /v1/quality/runs and the dashboard
serve, and the HTML page) said "held ... nothing was published" and exit code 1 of rows that were
live in the store, while `shopmind runs` said "published" and the command exited 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _held_feed(folder: Path) -> None:
    """Ten events of which five have an unknown type: EVT_TYPE_UNKNOWN (50 % > 5 %) holds the batch."""
    folder.mkdir(parents=True)
    types = ["pageview"] * 5 + ["view"] * 5
    pl.DataFrame({"event_id": [f"e{i}" for i in range(10)], "type": types, "user_id": ["u"] * 10,
                  "timestamp": [f"2026-01-01T00:{i:02d}:00Z" for i in range(10)],
                  "item_id": [f"P{i}" for i in range(10)]}).write_csv(folder / "events.csv")  # fmt: skip


def _report(ws: Path) -> tuple[dict, str]:
    (path,) = sorted((ws / "reports").glob("*.json"))
    return json.loads(path.read_text(encoding="utf-8")), path.with_suffix(".html").read_text(encoding="utf-8")


def test_a_forced_run_is_reported_published_and_a_held_one_held(tmp_path: Path) -> None:
    _held_feed(tmp_path / "feed")
    forced = shopmind("ingest", "feed", "-w", "forced", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    summary, html = _report(tmp_path / "forced")
    assert (summary["status"], summary["exit_code"], summary["forced"]) == ("published", 0, True)
    assert summary["held_by"] == ["events:EVT_TYPE_UNKNOWN"]  # what crossed its threshold is still said
    assert "nothing was published" not in html and "published anyway with --force" in html
    runs = shopmind("runs", "-w", "forced", "--json", cwd=tmp_path)
    assert json.loads(runs.stdout.splitlines()[0])["status"] == "published"

    held = shopmind("ingest", "feed", "-w", "held", cwd=tmp_path)
    assert held.returncode == 1, held.stderr
    summary, html = _report(tmp_path / "held")
    assert (summary["status"], summary["exit_code"], summary["forced"]) == ("held", 1, False)
    assert "nothing was published" in html and "published anyway" not in html
    runs = shopmind("runs", "-w", "held", "--json", cwd=tmp_path)
    assert json.loads(runs.stdout.splitlines()[0])["status"] == "held"


def test_an_ingest_interrupted_while_publishing_leaves_no_report_of_a_run_it_never_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report was written before the run was published: Ctrl-C (or a failed write) in between
    left reports/<run>.json saying "published", which /v1/quality/runs and the dashboard list,
    of a run the store never recorded and rows it never held."""
    from typer.testing import CliRunner

    import shopmind.quality.gate as gate
    from shopmind.cli import app

    (tmp_path / "feed").mkdir()
    (tmp_path / "feed" / "products.csv").write_text("product_id,title\nP1,Red mug\nP2,Blue mug\n")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(gate, "publish", interrupted)
    run = CliRunner().invoke(app, ["ingest", str(tmp_path / "feed"), "-w", str(tmp_path / "ws")])
    assert run.exit_code == 130, run.output
    assert sorted((tmp_path / "ws" / "reports").iterdir()) == []
    monkeypatch.undo()
    again = CliRunner().invoke(app, ["ingest", str(tmp_path / "feed"), "-w", str(tmp_path / "ws")])
    assert again.exit_code == 0, again.output  # run again: published, with its report
    assert len(list((tmp_path / "ws" / "reports").glob("*.json"))) == 1


def test_the_runs_api_says_which_run_was_held(tmp_path: Path) -> None:
    """/v1/quality/runs answered "held": null for every run (it read a key the summary lacks)."""
    from fastapi.testclient import TestClient

    from shopmind.serve.app import create_app
    from shopmind.serve.auth import KeyStore

    _held_feed(tmp_path / "feed")
    assert shopmind("ingest", "feed", "-w", "ws", cwd=tmp_path).returncode == 1  # held
    assert shopmind("ingest", "feed", "-w", "ws", "--force", cwd=tmp_path).returncode == 0  # published
    key = KeyStore(tmp_path / "ws").add("t-read", "read")
    with TestClient(create_app(tmp_path / "ws")) as client:
        got = client.get("/v1/quality/runs", headers={"Authorization": f"Bearer {key}"})
    assert got.status_code == 200, got.text
    assert [(r["status"], r["held"]) for r in got.json()["runs"]] == [("published", False), ("held", True)]
