"""`shopmind build` says which parts the release was built without, and why.

Seen: `[forecast] horizon = 10000` on a shop with 61 days of history built "done forecast" and
exit 0, while the manifest said `{"forecast": "skipped", "reason": "history of 61 periods is too
short for a backtest of horizon 10000"}`; likewise "done pricing" for a shop whose prices never
moved. The user found out from a 404 on /v1/forecast or an empty dashboard.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.demo import generator as G


def test_build_names_the_skipped_parts_and_why(tmp_path: Path) -> None:
    shop = G.generate(seed=4, n_products=80, n_users=20, days=40, defect_rate=0.0)
    G.write(shop, tmp_path / "data")
    ws = ["-w", str(tmp_path / "ws")]
    r = CliRunner().invoke(app, ["ingest", str(tmp_path / "data"), "--format", "canonical", *ws])
    assert r.exit_code == 0, r.output
    toml = tmp_path / "shop.toml"
    toml.write_text('[search]\nencoder = "none"\n[forecast]\nhorizon = 10000\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["build", *ws, "--config", str(toml), "--no-progressive"])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "forecast skipped: history of" in text and "too short for a backtest of horizon 10000" in text
    assert "pricing skipped: no price variation" in text
    assert "catalog skipped" not in text and "search skipped" not in text
