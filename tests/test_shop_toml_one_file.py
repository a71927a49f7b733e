"""One shop TOML for every command (cli/shop_toml.py): each command accepts the whole file, uses its
own tables, and checks every known table of it. ``experiments add shop.toml`` refused the shop's
other tables, and ``ingest`` took a bad ``[serve]`` or ``[recs]`` value without a word."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopmind.cli import app

SHOP = """holdout = 0.05
[gate]
timezone = "UTC"
[search]
encoder = "none"
[recs]
encoder = "none"
[serve]
workers = 1
[ads]
enabled = false
[[experiment]]
name = "ltr-test"
layer = "search"
traffic = 0.2
[[experiment.variant]]
name = "control"
[[experiment.variant]]
name = "treatment"
"""
EVENTS = "event_id,type,timestamp,item_id,user_id\ne1,view,2026-11-01T10:00:00Z,p1,u1\n"


def _run(*args: str | Path) -> tuple[int, str]:
    r = CliRunner().invoke(app, [str(a) for a in args])
    return r.exit_code, "".join(r.output.split())  # the console wraps at its width: compared unwrapped


def test_experiments_take_the_shop_toml_with_its_other_tables(tmp_path: Path) -> None:
    (tmp_path / "shop.toml").write_text(SHOP, encoding="utf-8")
    code, output = _run("experiments", "validate", tmp_path / "shop.toml")
    assert code == 0 and "1experiment(s)valid" in output, output
    code, output = _run("experiments", "add", tmp_path / "shop.toml", "-w", tmp_path / "ws")
    assert code == 0 and "1experiment(s)" in output, output
    # a mistyped table is still refused, with the nearest known one
    (tmp_path / "typo.toml").write_text(SHOP + "[serach]\nencoder = 'none'\n", encoding="utf-8")
    code, output = _run("experiments", "validate", tmp_path / "typo.toml")
    assert code == 2 and "unknowntable[serach](didyoumean[search]?)" in output


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("workers = 1", 'workers = "two"', "[serve] workers must be a whole number >= 1, not 'two'"),
        ('[recs]\nencoder = "none"', '[recs]\nencoder = "bert"', "[recs] encoder: unknown 'bert'"),
        ("enabled = false", 'enabled = "no"', "ads.enabled"),
        ('layer = "search"', "layer = 5", "experiment[0].layer"),
    ],
)
def test_ingest_checks_the_tables_it_does_not_read_and_writes_nothing(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in SHOP
    (tmp_path / "bad.toml").write_text(SHOP.replace(old, new), encoding="utf-8")
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    ws = tmp_path / "ws"
    code, output = _run("ingest", tmp_path / "events.csv", "-w", ws, "--config", tmp_path / "bad.toml")
    assert code == 2, output
    assert str(tmp_path / "bad.toml") in output and "".join(message.split()) in output
    assert not ws.exists()  # refused before anything was read or written
    (tmp_path / "good.toml").write_text(SHOP, encoding="utf-8")
    code, output = _run("ingest", tmp_path / "events.csv", "-w", ws, "--config", tmp_path / "good.toml")
    assert code == 0, output  # the whole file, tables ingest does not use included


def test_serve_settings_check_the_build_tables_too(tmp_path: Path) -> None:
    from shopmind.cli.common import UsageError
    from shopmind.cli.serve import serve_settings

    (tmp_path / "shop.toml").write_text(SHOP, encoding="utf-8")
    assert serve_settings(tmp_path / "shop.toml")["workers"] == 1
    (tmp_path / "bad.toml").write_text(SHOP.replace('[search]\nencoder = "none"', "[search]\nltr = 3"))
    with pytest.raises(UsageError, match="search"):
        serve_settings(tmp_path / "bad.toml")
