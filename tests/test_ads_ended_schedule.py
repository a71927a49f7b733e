"""`shopmind ads create` warns about a campaign whose schedule has already ended.

Seen: a campaign with `schedule = { start = "2026-11-01", end = "2026-12-01" }` created on
2026-12-06 said "created 1 campaign(s): t1" and `ads list` showed it "active": it could never be
served, and nothing said so.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from ads_util import campaign, demo_workspace
from shopmind.cli import app


def test_an_ended_schedule_is_created_with_a_warning(tmp_path: Path) -> None:
    ws = demo_workspace(tmp_path / "ws")
    today = datetime.now(UTC).date()
    past = {"start": str(today - timedelta(days=30)), "end": str(today - timedelta(days=5))}
    later = {"start": str(today - timedelta(days=30)), "end": str(today + timedelta(days=5))}
    f = tmp_path / "camps.json"
    f.write_text(json.dumps([campaign("old", ["P00010"], keywords=["dress"], schedule=past),
                             campaign("new", ["P00011"], keywords=["dress"], schedule=later)]))  # fmt: skip
    r = CliRunner().invoke(app, ["ads", "create", str(f), "-w", str(ws)])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "created 2 campaign(s): old, new" in text
    assert f"warning: campaign old: its schedule ended on {today - timedelta(days=5)} (UTC)" in text
    assert "campaign new:" not in text
