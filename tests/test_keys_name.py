"""`shopmind keys add` refuses a name with a control character or of absurd length, in one line.

`keys list` prints one tab-separated line per key (id, name, scope, created): a name holding a tab
was stored and shifted every column after it; a 5,000-character name was stored as given.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.serve.auth import KeyStore


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("a\tb", "control character ('\\t')"),
        ("x\ny", "control character ('\\n')"),
        ("x" * 5000, "5,000 characters"),
    ],
)
def test_a_bad_name_is_refused_and_nothing_stored(tmp_path: Path, name: str, needle: str) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    r = CliRunner().invoke(app, ["keys", "add", name, "--scope", "read", "-w", str(ws)])
    assert r.exit_code == 2 and needle in r.output and "Traceback" not in r.output
    assert KeyStore(ws).list() == []


def test_a_unicode_name_of_normal_length_is_fine(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    r = CliRunner().invoke(app, ["keys", "add", "日本のキー", "--scope", "read", "-w", str(ws)])
    assert r.exit_code == 0, r.output
    assert [k.name for k in KeyStore(ws).list()] == ["日本のキー"]
