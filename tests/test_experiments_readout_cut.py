"""An A/B readout's headline counts the events after the last exposure of the day, as its daily look
does.

Seen walking the README: 40 shoppers searched in a running experiment, then 26 bought; `shopmind
experiments readout` showed conversion 0 in both arms while the JSON's daily look for the same day
showed an effect of 0.2. The headline table was cut at the last exposure itself, so every purchase
and click after the latest search was dropped; the daily looks read to the end of the day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.metrics import EXPOSURE_SCHEMA
from shopmind.experiments.readout import readout

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
EVENTS = {"event_id": pl.Utf8, "type": pl.Utf8, "timestamp": pl.Datetime("us", "UTC"),
          "user_id": pl.Utf8, "session_id": pl.Utf8, "price": pl.Float64, "quantity": pl.Int64}  # fmt: skip


def _experiment():
    return parse_experiments(
        {
            "experiment": [
                {
                    "name": "ab",
                    "layer": "search",
                    "traffic": 1.0,
                    "status": "running",
                    "variant": [{"name": "control"}, {"name": "treatment"}],
                }
            ]
        }  # fmt: skip
    ).experiments[0]


def _data() -> tuple[pl.DataFrame, pl.DataFrame]:
    """20 units search in the first minutes; every treatment unit and every other control unit buys
    half an hour after the last search."""
    exp_rows, ev_rows = [], []
    for u in range(20):
        variant = "treatment" if u % 2 else "control"
        ts = T0 + timedelta(seconds=10 * u)
        exp_rows.append(("ab", variant, f"u{u}", f"s{u}", f"r{u}", "search", 10, ts))
        if variant == "treatment" or u % 4 == 0:
            buy = T0 + timedelta(minutes=30)
            ev_rows.append((f"p{u}", "purchase", buy, f"u{u}", f"s{u}", 10.0, 1))
    return (
        pl.DataFrame(exp_rows, schema=EXPOSURE_SCHEMA, orient="row"),
        pl.DataFrame(ev_rows, schema=EVENTS, orient="row"),
    )


def test_the_headline_counts_purchases_after_the_last_search() -> None:
    exposures, events = _data()
    r = readout(_experiment(), exposures, events).to_dict()
    conv = next(m for m in r["metrics"] if m["metric"] == "conversion")
    assert conv["effect"]["control"] == 0.5  # 5 of 10 control sessions bought (was 0.0)
    assert conv["effect"]["treatment"] == 1.0  # (was 0.0)
    look = conv["looks"][-1]
    assert abs(look["effect"] - conv["effect"]["effect"]) < 1e-12  # headline = the day's look


def test_an_explicit_end_still_cuts_there() -> None:
    exposures, events = _data()
    r = readout(_experiment(), exposures, events, end=T0 + timedelta(minutes=5)).to_dict()
    conv = next(m for m in r["metrics"] if m["metric"] == "conversion")
    assert conv["effect"]["control"] == 0.0 and conv["effect"]["treatment"] == 0.0


def test_the_cli_table_shows_no_nan_for_a_metric_nobody_moved(tmp_path) -> None:
    """Nobody added to a cart: the relative effect has no control mean to divide by. The table
    said `+nan%` (the dashboard says "–")."""
    from typer.testing import CliRunner

    from shopmind.cli import app

    exposures, events = _data()
    exposures.write_parquet(tmp_path / "exposures.parquet")
    events.write_parquet(tmp_path / "events.parquet")
    (tmp_path / "exp.toml").write_text(
        '[[experiment]]\nname = "ab"\nlayer = "search"\ntraffic = 1.0\n'
        '[[experiment.variant]]\nname = "control"\n[[experiment.variant]]\nname = "treatment"\n',
        encoding="utf-8",
    )
    ws = ["-w", str(tmp_path / "ws")]
    assert CliRunner().invoke(app, ["experiments", "add", str(tmp_path / "exp.toml"), *ws]).exit_code == 0
    files = ["--exposures", str(tmp_path / "exposures.parquet"), "--events", str(tmp_path / "events.parquet")]
    r = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["experiments", "readout", "ab", *ws, *files])
    assert r.exit_code == 0, r.output
    row = next(line for line in r.output.splitlines() if "add_to_cart" in line)
    assert "nan" not in row and "–" in row
    assert "+100.00%" in next(line for line in r.output.splitlines() if "conversion" in line)
