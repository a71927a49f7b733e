"""After `make demo` the shop lives in ``shopmind-data/demo`` (one workspace per dataset), while
every other command defaults to ``shopmind-data``: the README's next commands then said "run
`shopmind ingest` first" and `shopmind keys add` stored a key the demo's server never reads
(found on a clean clone by the first-hour walk, session 28). Each now names the shop one folder
down and the --workspace that reaches it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.store.store import Store

NOTE = "note: shopmind-data holds no shop of its own, but shopmind-data/demo does"
HINT = "pass --workspace shopmind-data/demo"


@pytest.fixture()
def after_make_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder laid out as `make demo` leaves it: the demo's store under shopmind-data/demo."""
    with Store(tmp_path / "shopmind-data" / "demo"):
        pass
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args: str):
    return CliRunner().invoke(app, list(args), env={"TERMINAL_WIDTH": "300", "NO_COLOR": "1"})


@pytest.mark.parametrize(
    "args",
    [("runs",), ("quarantine", "--code", "EVT_USER_MISSING"), ("releases",), ("forecast",), ("build",)],
)
def test_a_command_on_the_default_workspace_names_the_demos_workspace(after_make_demo: Path, args) -> None:
    res = _run(*args)
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "error:" in text and NOTE in text and HINT in text, text


def test_keys_add_says_where_the_key_went(after_make_demo: Path) -> None:
    res = _run("keys", "add", "ops", "--scope", "read")
    assert res.exit_code == 0, res.output
    assert (after_make_demo / "shopmind-data" / "keys.json").exists()  # stored as asked, and said
    assert NOTE in " ".join(res.output.split())


def test_no_note_where_the_workspace_is_a_shop_or_nothing_is_inside(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = _run("runs")  # no workspace at all: the plain error
    assert res.exit_code == 2 and "note:" not in res.output, res.output
    with Store(tmp_path / "shopmind-data"):
        pass
    with Store(tmp_path / "shopmind-data" / "demo"):
        pass
    res = _run("forecast")  # the workspace is a shop itself: its own error, no pointer elsewhere
    assert res.exit_code == 2 and "note:" not in res.output, res.output
