"""A TOML table named in a command's help survives rendering: Typer reads help as rich markup, where
`[ads]` or `[[campaign]]` is a style tag and vanished, so `ads settings --config` read "Shop TOML:
its  table is applied", `ingest --engine` "default:  kind in --config" and `serve --workers`
"default:  workers" - the table to write was exactly the word cut out. Every bracketed word of
every command's and parameter's help must reach the screen."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from shopmind.cli import app

#: what rich would take for a tag: "[" then a letter, "#", "/" or "@" ... "]"
_TAG = re.compile(r"\[\[?[a-z#/@][^\[\]]*\]\]?")


def _commands() -> list[tuple[list[str], list[str]]]:
    """(command path, bracketed words of its help and its parameters' help, unescaped)."""
    out: list[tuple[list[str], list[str]]] = []

    def walk(cmd, path: list[str]) -> None:
        texts = [cmd.help or ""] + [getattr(p, "help", None) or "" for p in cmd.params]
        words = [w for t in texts for w in _TAG.findall(t.replace("\\[", "["))]
        if path:
            out.append((path, words))
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return out


COMMANDS = _commands()


def test_the_commands_name_toml_tables_in_their_help() -> None:
    named = {" ".join(p) for p, words in COMMANDS if words}
    assert {"ingest", "serve", "ads settings", "ads create", "pricing suggest", "checks"} <= named


WITH_WORDS = [c for c in COMMANDS if c[1]]


@pytest.mark.parametrize(("path", "words"), WITH_WORDS, ids=[" ".join(p) for p, _ in WITH_WORDS])
def test_every_bracketed_word_of_a_help_is_shown(
    monkeypatch: pytest.MonkeyPatch, path: list[str], words: list[str]
) -> None:
    import typer.rich_utils

    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", 400)
    result = CliRunner().invoke(app, [*path, "--help"], env={"TERMINAL_WIDTH": "400", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    shown = re.sub(r"\s+", " ", result.output.replace("│", " "))
    missing = [w for w in words if w not in shown]
    assert not missing, (missing, shown)
