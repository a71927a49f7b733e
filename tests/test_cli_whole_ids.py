"""The ids a list prints are whole in an 80-column terminal: they are what the next command takes.

`shopmind ads list` on the demo shop printed the campaign "homely-lamps" as "homel…" (rich cut
the column to fit 80 columns), and `shopmind ads pause homel…` is no command (t1v, session 29).
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ads_util import campaign
from shopmind.ads.ledger import AdsLedger
from shopmind.cli import app
from shopmind.experiments import registry
from shopmind.experiments.definition import parse_experiments
from shopmind.privacy import workspace_secret

NARROW = {"COLUMNS": "80", "LINES": "24"}


def test_ads_list_prints_each_campaign_id_whole(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    ledger = AdsLedger(ws, workspace_secret(ws))
    ids = ["homely-lamps-autumn-2026", "kitchara-kettles"]
    ledger.create(
        [campaign(i, ["P00001"], advertiser="Homely Home & Living Ltd", keywords=["lamp"]) for i in ids]
    )
    ledger.close()
    r = CliRunner().invoke(app, ["ads", "list", "-w", str(ws)], env=NARROW)
    assert r.exit_code == 0, r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80
    for cid in ids:
        assert f"│ {cid} " in r.output, r.output


def test_experiments_list_prints_each_name_whole(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    names = ["search-fusion-rrf-vs-linear-2026", "recs-weights"]
    registry.save(ws, parse_experiments({"experiment": [
        {"name": names[0], "layer": "search", "variant": [{"name": "control"}, {"name": "treatment-long-name"}]},
        {"name": names[1], "layer": "recs", "variant": [{"name": "c"}, {"name": "t"}]},
    ]}))  # fmt: skip
    r = CliRunner().invoke(app, ["experiments", "list", "-w", str(ws)], env=NARROW)
    assert r.exit_code == 0, r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80
    for name in names:
        assert f"│ {name} " in r.output, r.output
