"""The README's commands against the CLI (session 28, the first hour on a clean clone).

Every `shopmind ...` line of the README's shell blocks is parsed by the command it names, so a
renamed flag or a command the README shows with options it lacks fails here, not in a new
user's terminal. The walk found: `shopmind ingest demo-shop` without the `gate.toml` the demo
shop comes with (and `demo-data` did not list it), and `tune search --format` listing the
recommendation formats it refuses.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from shopmind.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
ROOT = typer.main.get_command(app)


def _readme_commands() -> list[str]:
    """The README's `shopmind` command lines (comments cut, `a && b` and `a / b` split; lines
    with a `...` placeholder left out)."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            for part in re.split(r"\s+(?:&&|/)\s+(?=shopmind )", line):
                if part.startswith("shopmind ") and "..." not in part:
                    found.append(part)
    return found


COMMANDS = _readme_commands()


def test_the_readme_shows_the_commands_a_shop_needs() -> None:
    assert len(COMMANDS) > 25
    starts = {" ".join(c.split()[:3]) for c in COMMANDS}
    for cmd in (
        "shopmind evaluate recs",
        "shopmind tune recs",
        "shopmind forecast --top",
        "shopmind forget USER",
    ):
        assert cmd in starts, cmd


@pytest.mark.parametrize("line", COMMANDS)
def test_every_readme_command_parses(line: str) -> None:
    words = shlex.split(line)[1:]
    cmd: click.Command = ROOT
    path = ["shopmind"]
    # typer runs on its own copy of click: a group is told by its commands, not by click.Group
    while getattr(cmd, "commands", None) and words and words[0] in cmd.commands:  # type: ignore[attr-defined]
        path.append(words[0])
        cmd = cmd.commands[words.pop(0)]  # type: ignore[attr-defined]
    if words == ["--help"]:
        return
    assert not getattr(cmd, "commands", None), f"{line}: no such command"
    cmd.make_context(" ".join(path), words, resilient_parsing=False)  # raises on an unknown option


def test_the_readme_ingests_the_demo_shop_with_its_gate_settings(tmp_path: Path) -> None:
    assert "shopmind ingest demo-shop --config demo-shop/gate.toml" in COMMANDS
    res = CliRunner().invoke(
        app,
        ["demo-data", "--out", str(tmp_path / "shop"), "--products", "50", "--users", "10", "--days", "2"],
        env={"TERMINAL_WIDTH": "300", "NO_COLOR": "1"},
    )
    assert res.exit_code == 0, res.output
    flat = "".join(res.output.split())  # rich wraps long paths mid-word at its console's width
    assert f"settingsforingest--config{tmp_path / 'shop' / 'gate.toml'}" in flat
    assert (tmp_path / "shop" / "gate.toml").is_file()


def test_tune_format_help_names_what_each_command_takes() -> None:
    env = {"TERMINAL_WIDTH": "300", "NO_COLOR": "1"}
    search = " ".join(CliRunner().invoke(app, ["tune", "search", "--help"], env=env).output.split())
    recs = " ".join(CliRunner().invoke(app, ["tune", "recs", "--help"], env=env).output.split())
    assert "home-depot, crowdflower, qbqtc or canonical" in search and "online-retail" not in search
    assert "table, with --mapping" in recs and "--mapping" in recs


@pytest.mark.parametrize("kind", ["search", "recs"])
def test_evaluate_writes_where_the_evaluation_dashboard_reads(kind: str) -> None:
    """The dashboard shows ``<workspace>/evaluation`` (/v1/evaluation); `evaluate recs` wrote to
    ./reports and `evaluate search` to shopmind-data/reports, so a shop that ran them saw "No
    evaluation yet" on the page."""
    cmd = ROOT.commands["evaluate"].commands[kind]  # type: ignore[attr-defined]
    params = {p.name: p for p in cmd.params}
    # --out defaults to <workspace>/evaluation, the workspace to the other commands' default (t1x)
    assert params["out"].default is None and "<workspace>/evaluation" in params["out"].help
    assert Path(params["workspace"].default) == Path("shopmind-data")
    assert {"--workspace", "-w"} <= set(params["workspace"].opts)


def test_ingest_table_without_a_mapping_is_refused_before_reading(tmp_path: Path) -> None:
    """The adapter's refusal came under a "reading orders.csv (table)" progress line."""
    (tmp_path / "orders.csv").write_text("order,customer,sku\n1,c1,A1\n")
    res = CliRunner().invoke(
        app, ["ingest", str(tmp_path / "orders.csv"), "-f", "table", "-w", str(tmp_path / "ws")]
    )
    assert res.exit_code == 2, res.output
    flat = " ".join(res.output.split())
    assert "--format table needs --mapping: `shopmind mapping" in flat and "reading" not in flat, flat
    assert not (tmp_path / "ws").exists()


@pytest.mark.parametrize("kind", ["search", "recs"])
def test_tune_keeps_its_study_in_the_workspace(kind: str) -> None:
    """`shopmind tune` wrote its study to ./reports/tune: in a clone, an untracked folder beside
    the sources (the workspace, shopmind-data/, is ignored by git)."""
    cmd = ROOT.commands["tune"].commands[kind]  # type: ignore[attr-defined]
    (reports,) = [p for p in cmd.params if p.name == "reports"]
    assert Path(reports.default) == Path("shopmind-data") / "reports" / "tune"
