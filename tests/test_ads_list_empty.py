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


def test_a_bad_ads_value_in_a_shop_toml_names_the_file(tmp_path: Path) -> None:
    """`ads settings -c shop.toml` with a mistyped [ads] key named the key only (t1ho, session 25);
    the other tables' errors name the file. Nothing is created on the way."""
    ws = tmp_path / "ws"
    ws.mkdir()
    shop = tmp_path / "shop.toml"
    shop.write_text("[ads]\nfoo = 1\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["ads", "settings", "-w", str(ws), "-c", str(shop)])
    squeezed = "".join(r.output.split())  # a narrow terminal may wrap the long path anywhere
    assert r.exit_code == 2 and "".join(f"{shop}: ads.foo: unknown setting".split()) in squeezed, r.output
    assert list(ws.iterdir()) == []
