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


def test_listing_a_workspace_without_ads_creates_nothing(tmp_path: Path) -> None:
    """A read command leaves the folder as it found it: `ads list` on a folder without an ads
    ledger created `ads/ads.sqlite` and `privacy.key` (t1ho, session 25)."""
    ws = tmp_path / "empty"
    ws.mkdir()
    r = CliRunner().invoke(app, ["ads", "list", "-w", str(ws)])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "ads are off (no ads ledger in" in text and "no campaigns yet" in text
    assert list(ws.iterdir()) == []


def test_listing_a_missing_workspace_is_one_line(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["ads", "list", "-w", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "does not exist" in r.output and "Traceback" not in r.output
