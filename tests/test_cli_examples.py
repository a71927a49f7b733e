"""Every command's --help ends with an example a new user can type: before, no command's help
showed one (the brief asks for "useful --help everywhere"). Each example is parsed against the
command's own options and arguments, so a renamed flag cannot leave a stale example behind."""

from __future__ import annotations

import re
import shlex

import click
import pytest
import typer
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.cli.helptext import EXAMPLES


def _leaves() -> dict[str, click.Command]:
    out: dict[str, click.Command] = {}

    def walk(cmd: click.Command, path: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        else:
            out[" ".join(path)] = cmd

    walk(typer.main.get_command(app), [])
    return out


LEAVES = _leaves()


def test_every_command_has_an_example_and_every_example_a_command() -> None:
    assert set(LEAVES) == set(EXAMPLES)


@pytest.mark.parametrize("path", sorted(LEAVES))
def test_the_help_shows_the_examples_and_each_parses(path: str) -> None:
    out = CliRunner().invoke(app, [*path.split(), "--help"], env={"TERMINAL_WIDTH": "300", "NO_COLOR": "1"})
    assert out.exit_code == 0, out.output
    shown = re.sub(r"\s+", " ", out.output.replace("│", " "))
    assert "Example:" in shown
    for line in EXAMPLES[path]:
        assert line in shown, (line, shown)
        words = shlex.split(line)
        assert words[0] == "shopmind" and words[1 : 1 + len(path.split())] == path.split(), line
        # parses: every option exists, takes what it is given, and the arguments are all there
        LEAVES[path].make_context(f"shopmind {path}", words[1 + len(path.split()) :], resilient_parsing=False)
