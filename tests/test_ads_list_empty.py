"""`shopmind ads list` with no campaign says how to create one instead of an empty table."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ads_util import demo_workspace
from shopmind.cli import app


def test_an_empty_ads_list_says_how_to_start(tmp_path: Path) -> None:
    ws = demo_workspace(tmp_path / "ws")
    r = CliRunner().invoke(app, ["ads", "list", "-w", str(ws)])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "no campaigns yet — create one with `shopmind ads create FILE`" in text
    assert "┏" not in r.output  # no empty table
