"""Listings that have nothing to list say so and what starts them; `keys list` names its columns.

`shopmind keys list` printed bare tab-separated lines (no header), and an empty `keys list`,
`experiments list` or `live quarantine` printed nothing (or an empty table) - a new user could not
tell "none yet" from a failure. Headers and hints go to stderr: stdout stays what scripts parse.
Run as a user runs them: the real CLI in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from shopmind.store.livelog import EventLog


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_keys_list_says_none_yet_then_names_its_columns(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    empty = shopmind("keys", "list", "-w", "ws", cwd=tmp_path)
    assert empty.returncode == 0 and empty.stdout == ""
    assert "no keys yet — create one with `shopmind keys add NAME`" in empty.stderr
    added = shopmind("keys", "add", "shop-frontend", "-w", "ws", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    listed = shopmind("keys", "list", "-w", "ws", cwd=tmp_path)
    assert listed.returncode == 0
    assert listed.stderr.splitlines()[0].split() == ["id", "name", "scope", "created"]
    row = listed.stdout.splitlines()
    assert len(row) == 1 and row[0].split("\t")[1:3] == ["shop-frontend", "write"]  # stdout: one line per key


def test_an_empty_experiments_list_says_how_to_start_one(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    run = shopmind("experiments", "list", "-w", "ws", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    text = " ".join(run.stderr.split())
    assert "no experiments yet" in text and "shopmind experiments add FILE" in text
    assert "name" not in run.stdout  # no empty table


def test_an_empty_live_quarantine_says_when_entries_are_judged(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    EventLog(ws).close()  # a live log with nothing quarantined
    run = shopmind("live", "quarantine", "-w", "ws", "--code", "EVT_USER_MISSING", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    text = " ".join(run.stderr.split())
    assert (
        "no quarantined live entries" in text
        and "`shopmind build`" in text
        and "with EVT_USER_MISSING" in text
    )
    assert "kind" not in run.stdout  # no empty table
    as_json = shopmind("live", "quarantine", "-w", "ws", "--json", cwd=tmp_path)
    assert as_json.returncode == 0 and as_json.stdout == ""  # JSON lines: none
