"""``shopmind pricing suggest``: the report written (never applied) and one-line errors naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from shopmind.cli import app
from test_pricing import _market


def _files(tmp_path: Path) -> Path:
    ev, _ = _market(5)
    ev.write_csv(tmp_path / "ev.csv")
    (tmp_path / "p.toml").write_text('[pricing]\nmax_change = 0.1\nending = "9"\nmin_margin = 0.2\n')
    return tmp_path / "ev.csv"


def test_suggest_writes_a_report_inside_the_guardrails(tmp_path: Path) -> None:
    ev = _files(tmp_path)
    (tmp_path / "terms.csv").write_text("item_id,cost,ceiling\nc0i0,8.0,\nc1i0,3.0,\n" + "".join(
        f"c{c}i{i},2.0,\n" for c in range(3) for i in range(1, 8)) + "c2i0,2.0,\n")  # fmt: skip
    out = tmp_path / "rep"
    args = [
        "pricing",
        "suggest",
        str(ev),
        "--config",
        str(tmp_path / "p.toml"),
        "--terms",
        str(tmp_path / "terms.csv"),
    ]
    res = CliRunner().invoke(app, [*args, "--promo", "promo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "24 products" in res.output and "not applied" in res.output
    rows = pl.read_csv(out / "suggestions.csv")
    doc = json.loads((out / "report.json").read_text())
    assert rows.height == 24 and doc["summary"]["guardrail_violations_in_changes"] == 0
    changed = rows.filter(pl.col("action") == "change")
    assert changed.height > 0
    ratio = changed["suggested_price"] / changed["current_price"]
    assert ((ratio - 1).abs() <= 0.1 + 1e-9).all()
    assert (((changed["suggested_price"] * 100).round(0) % 10) == 9).all()
    assert ((changed["suggested_price"] - changed["cost"]) >= 0.2 * changed["suggested_price"] - 1e-9).all()


def test_bad_input_exits_2_with_one_line_naming_the_field(tmp_path: Path) -> None:
    ev = _files(tmp_path)
    (tmp_path / "bad.toml").write_text("[pricing]\nmax_change = 3\n")
    (tmp_path / "terms.csv").write_text("item_id,cost\nc0i0,abc\n")
    cases = [
        (["--config", str(tmp_path / "bad.toml")], "pricing.max_change"),
        (["--terms", str(tmp_path / "terms.csv")], "line 2, column 'cost'"),
        (["--promo", "nope"], "promo column 'nope'"),
        (["--format", "csv"], "--format"),
    ]
    for extra, needle in cases:
        res = CliRunner().invoke(app, ["pricing", "suggest", str(ev), *extra, "--out", str(tmp_path / "o")])
        assert res.exit_code == 2, (extra, res.output)
        assert needle in res.output and "Traceback" not in res.output
        assert len(res.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
