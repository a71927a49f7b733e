"""An ingest killed between writing its report and recording its run (kill -9 at "publishing")
left the report in reports/, where the quality dashboard and /v1/quality/runs list runs by their
files: a run the store never recorded, for good. The report now waits in reports/.pending until
the run is committed, and the next run settles what a killed one left there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.quality.report import PENDING
from shopmind.store.store import Store

KILLED_AT_PUBLISH = """
import os, sys
import shopmind.quality.gate as gate

def killed(*args, **kwargs):
    os._exit(9)  # as kill -9 while the run is being committed

gate.publish = killed
from shopmind.cli import main
sys.argv = ["shopmind", "ingest", sys.argv[1], "-w", sys.argv[2]]
main()
"""


def _listed(ws: Path) -> list[str]:
    return sorted(p.name for p in (ws / "reports").glob("*") if p.is_file())


def _runs(ws: Path) -> list[str]:
    with Store(ws, read_only=True) as store:
        return store.runs()["run_id"].to_list()


def test_a_run_killed_at_publish_leaves_no_listed_report_and_the_next_run_settles_it(tmp_path: Path) -> None:
    feed = tmp_path / "products.csv"
    feed.write_text(
        "product_id,title,price,currency\nP1,Red mug,4.5,EUR\nP2,Blue mug,5,EUR\n", encoding="utf-8"
    )
    ws = tmp_path / "ws"
    run = subprocess.run([sys.executable, "-c", KILLED_AT_PUBLISH, str(feed), str(ws)],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 9, run.stderr
    assert _listed(ws) == [] and _runs(ws) == []
    assert len(list((ws / "reports" / PENDING).iterdir())) == 2  # written, never committed
    done = CliRunner().invoke(app, ["ingest", str(feed), "-w", str(ws)])
    assert done.exit_code == 0, done.output
    (run_id,) = _runs(ws)
    assert _listed(ws) == [f"{run_id}.html", f"{run_id}.json"]
    assert not (ws / "reports" / PENDING).exists()  # the killed run's report is gone


def test_a_recorded_run_whose_report_was_not_moved_gets_it_back(tmp_path: Path) -> None:
    # killed after the commit, before the move: the run stands, so its report must too
    feed = tmp_path / "products.csv"
    feed.write_text("product_id,title,price,currency\nP1,Red mug,4.5,EUR\n", encoding="utf-8")
    ws = tmp_path / "ws"
    assert CliRunner().invoke(app, ["ingest", str(feed), "-w", str(ws)]).exit_code == 0
    (first,) = _runs(ws)
    (ws / "reports" / PENDING).mkdir()
    for name in _listed(ws):
        (ws / "reports" / name).rename(ws / "reports" / PENDING / name)
    assert CliRunner().invoke(app, ["ingest", str(feed), "-w", str(ws)]).exit_code == 0
    assert {f"{first}.json", f"{first}.html"} <= set(_listed(ws)) and len(_listed(ws)) == 4
