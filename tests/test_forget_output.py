"""`shopmind forget` prints what it removed once, and `--json` keeps stdout JSON when it asks.

Seen: `shopmind forget U0002 --yes` printed its listing twice in a row ("store events: 6 row(s)",
"profiles: 1", then the same two lines again) with nothing telling found from removed; and
`forget USER --json` without `--yes` wrote its question after the JSON on stdout, so a script
reading the JSON failed to parse it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.demo import generator as G


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    shop = G.generate(seed=4, n_products=80, n_users=20, days=10, defect_rate=0.0)
    G.write(shop, tmp_path / "data")
    ws = tmp_path / "ws"
    r = CliRunner().invoke(app, ["ingest", str(tmp_path / "data"), "--format", "canonical", "-w", str(ws)])
    assert r.exit_code == 0, r.output
    return ws


def test_yes_lists_what_was_removed_once(workspace: Path) -> None:
    r = CliRunner().invoke(app, ["forget", "U0002", "-w", str(workspace), "--yes"])
    assert r.exit_code == 0, r.output
    lines = [line for line in r.stdout.splitlines() if line.startswith("store events:")]
    assert len(lines) == 1, r.stdout
    said = " ".join(r.output.split())
    assert "deleted; a running server keeps them in memory (profile, recommendations) until it loads" in said
    assert "run `shopmind build` now" in said
    # the workspace is not the shop's source: a later ingest of the same exports would bring them back
    assert "The files `shopmind ingest` read (the shop's exports) still name them" in said


def test_json_without_yes_keeps_the_question_off_stdout(workspace: Path) -> None:
    r = CliRunner().invoke(app, ["forget", "U0002", "-w", str(workspace), "--json"], input="n\n")
    assert r.exit_code == 1
    # one JSON document, what would be removed (CliRunner echoes the typed answer after it)
    found, end = json.JSONDecoder().raw_decode(r.stdout)
    assert r.stdout[end:].strip() == "n"
    assert found["found"] > 0 and found["applied"] is False
    assert "delete every trace" in r.stderr


def test_forget_of_an_id_nothing_names_is_not_said_as_a_success(workspace: Path) -> None:
    """Was: exit 0 and "nothing names this customer" - a mistyped id looked like a done erasure."""
    ws = workspace  # ingested with the default policy: ids pseudonymised
    typo = CliRunner().invoke(app, ["forget", "U00O2", "-w", str(ws), "--yes"])
    assert typo.exit_code == 3, typo.output
    said = " ".join(typo.output.split())
    assert "no trace of 'U00O2' was found" in said and "nothing to delete" in said and "check the id" in said
    # the id the shop knows is found through its pseudonym (the store holds no raw id) and deleted: exit 0
    done = CliRunner().invoke(app, ["forget", "U0002", "-w", str(ws), "--yes"])
    assert done.exit_code == 0 and "store events:" in done.stdout, done.output
    # idempotent: the second run changes nothing and says so; --missing-ok for scripts replaying requests
    again = CliRunner().invoke(app, ["forget", "U0002", "-w", str(ws), "--yes"])
    assert again.exit_code == 3 and "If it was forgotten before, that is expected" in " ".join(
        again.output.split()
    )
    ok = CliRunner().invoke(app, ["forget", "U0002", "-w", str(ws), "--yes", "--missing-ok", "--json"])
    assert ok.exit_code == 0 and '"found": 0' in ok.stdout, ok.output


def test_forget_help_documents_its_exit_codes() -> None:
    r = CliRunner().invoke(app, ["forget", "--help"], env={"COLUMNS": "200"})
    said = " ".join(r.output.split())
    assert "3 nothing names the id" in said and "--missing-ok" in said
