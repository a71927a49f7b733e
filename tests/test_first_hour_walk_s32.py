"""Defects found walking the second-round features as a new shop engineer would (session 32, t1w).

Each test failed before its fix: the command, route or page did something a shop engineer would call wrong.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shopmind.forecast.series import SeriesError, read_long


# ------------------------------------------------------------------ evaluate forecast -f long: duplicates
def test_a_duplicate_id_date_names_its_own_row_and_the_first(tmp_path: Path) -> None:
    """Was 'row 3: duplicate (id, date) = ('a', 2024-01-01)' for a file whose rows 2-3 are two different
    dates and whose repeat of row 2 is row 5: with several repeated pairs the row named was another
    pair's first row (the second row flagged), beside the first pair's key."""
    p = tmp_path / "s.csv"
    p.write_text(
        "id,date,value\na,2024-01-01,1\na,2024-01-02,1\nb,2024-01-01,1\na,2024-01-01,2\na,2024-01-02,3\n"
    )
    with pytest.raises(
        SeriesError, match=r"row 5: duplicate \(id, date\) = \('a', 2024-01-01\), first at row 2"
    ):
        read_long(p, freq="D")


# ------------------------------------------------------------------ pricing suggest / ads: where the mistake is
def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        # was: 'No such file or directory (os error 2): nofile.csv' (polars), after reading the purchases
        (["--stock", "nofile.csv"], "--stock: no file 'nofile.csv'"),
        (["--stock", "afolder"], "--stock: a folder, not a file 'afolder'"),
        # was: 'level must be in [0.5, 1), got 1.5', after reading the purchases
        (["--level", "1.5"], "--level must be in [0.5, 1), got 1.5"),
    ],
)
def test_pricing_suggest_checks_its_options_before_reading_the_purchases(
    tmp_path: Path, args: list[str], says: str
) -> None:
    """The events file lacks item_id: before, that error came first (the options were read after the
    purchases - minutes through the gate on a large export)."""
    (tmp_path / "ev.csv").write_text("user_id,timestamp,type\nu1,2026-01-01,purchase\n", encoding="utf-8")
    (tmp_path / "afolder").mkdir()
    run = shopmind("pricing", "suggest", "ev.csv", *args, "--out", "out", cwd=tmp_path)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert says in " ".join(run.stderr.split()) and "Traceback" not in run.stderr, run.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_mistyped_pricing_or_ads_setting_names_the_one_meant() -> None:
    """As t1n's config.did_you_mean does for [gate] (session 31): [pricing] and [ads] listed their keys only."""
    from shopmind.ads.settings import AdsSettingsError, check_value
    from shopmind.pricing import Guardrails, PricingError

    with pytest.raises(
        PricingError, match=r"pricing\.maxchange: unknown setting - did you mean pricing\.max_change\?"
    ):
        Guardrails.from_mapping({"maxchange": 0.1})
    with pytest.raises(
        AdsSettingsError, match=r"ads\.enabeld: unknown setting - did you mean ads\.enabled\?"
    ):
        check_value("enabeld", True)


def test_ads_create_names_the_file_and_the_campaign_of_a_product_not_in_the_catalog(tmp_path: Path) -> None:
    """Was 'campaign.products[0]: 'NOPE' is not in the catalog' for a file of one campaign (no file named)
    and '<path>[1].products[0]' in a list, where every other check says 'c.json: campaign[1]...'."""
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.release.build import build_release
    from shopmind.release.components import build_catalog
    from store_util import publish_catalog

    publish_catalog(tmp_path, 4, "Red wool scarf", "Women > Scarves", 12.0, "EUR")
    build_release(tmp_path, [("catalog", build_catalog)])
    one = {"advertiser": "A", "keywords": ["scarf"], "bid": 0.3, "daily_budget": 10}
    camps = [{"id": "ok", "products": ["P0"], **one}, {"id": "bad", "products": ["NOPE"], **one}]
    (tmp_path / "c.json").write_text(json.dumps(camps), encoding="utf-8")
    r = CliRunner().invoke(app, ["ads", "create", str(tmp_path / "c.json"), "-w", str(tmp_path)])
    assert r.exit_code == 2 and "c.json: campaign[1].products[0]: 'NOPE' is not in the catalog" in " ".join(
        r.output.split()
    )


# ------------------------------------------------------------------ shopmind build after new events
def test_a_build_says_it_carried_the_recommendation_models_over_and_when_they_are_refitted(capsys) -> None:
    """Was: after 74 new events 'shopmind build' printed '... recs 0.0s ...' and nothing more: the manifest's
    'decision: reused, why: models 0.3 h old, events changed by 0.1%' never reached the shop."""
    from shopmind.cli.release import say_carried_over

    facts = {"decision": "reused", "why": "models 0.3 h old, events changed by 0.1%", "reused_from": "r1"}
    say_carried_over({"components": {"recs": facts}}, {"recs": {"retrain_hours": 6}})
    said = " ".join(capsys.readouterr().err.split())
    assert "recs carried over from r1 (models 0.3 h old, events changed by 0.1%)" in said
    assert (
        "more than 10% ([recs] retrain_events_share)" in said and "are 6 h old ([recs] retrain_hours" in said
    )
    say_carried_over({"components": {"recs": {"decision": "trained"}}}, {})
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------ shopmind forecast --file (issue 14 item 1)
def _weekly_long(tmp_path: Path, weeks: int) -> Path:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(7)
    rows = [(f"S{s}", w, int(rng.poisson(4 + 3 * s))) for s in range(2) for w in range(weeks)]
    frame = pl.DataFrame(rows, schema=["id", "w", "value"], orient="row")
    frame = frame.select("id", (pl.date(2024, 1, 1) + pl.duration(weeks=pl.col("w"))).alias("date"), "value")
    frame.write_csv(tmp_path / "sales.csv")
    frame.write_parquet(tmp_path / "sales.parquet")
    return tmp_path / "sales.csv"


def test_forecast_file_forecasts_a_long_file_past_its_last_date(tmp_path: Path) -> None:
    """Issue 14 asks for the long format 'so any series dataset can be forecast and evaluated': only
    `evaluate forecast` read one (a backtest), and `shopmind forecast sales.csv` was 'Got unexpected extra
    argument' - a planner had no forecast of a sales export without building a shop."""
    import polars as pl
    from typer.testing import CliRunner

    from shopmind.cli import app

    _weekly_long(tmp_path, 30)
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "forecast",
            "--file",
            str(tmp_path / "sales.csv"),
            "--horizon",
            "4",
            "--csv",
            str(tmp_path / "f.csv"),
        ],
    )
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    assert (
        "sales.csv: 2 series x 30 periods, forecast 4 weeks past 2024-07-22" in said
        and "wrote 8 rows" in said
    )
    got = pl.read_csv(tmp_path / "f.csv", try_parse_dates=True)
    assert got.columns == ["id", "step", "date", "mean", "lo80", "hi80", "lo95", "hi95"]
    assert got["id"].to_list() == ["S0"] * 4 + ["S1"] * 4 and got["date"].cast(pl.Utf8).to_list()[:2] == [
        "2024-07-29",
        "2024-08-05",
    ]
    assert got.select(
        (pl.col("lo95") <= pl.col("lo80")) & (pl.col("lo80") <= pl.col("mean"))
        & (pl.col("mean") <= pl.col("hi80")) & (pl.col("hi80") <= pl.col("hi95"))
    ).to_series().all()  # fmt: skip
    s1 = got.filter(pl.col("id") == "S1")["mean"].mean()
    assert 5.0 < s1 < 9.0  # S1 sells ~7 a week
    r = runner.invoke(
        app, ["forecast", "--file", str(tmp_path / "sales.parquet"), "--horizon", "4", "-p", "S1"]
    )
    lines = [ln for ln in r.output.splitlines() if ln.startswith("2024-")]
    assert r.exit_code == 0 and len(lines) == 4 and lines[0].startswith("2024-07-29"), r.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--horizon", "40"], "sales.csv: 30 periods of history hold a forecast of at most 22 ahead"),
        (["--product", "NOPE"], "no series 'NOPE' in sales.csv (2 series)"),
        (["--horizon", "4", "--csv", "."], "--csv .: a folder, expected a file path"),
    ],
)
def test_forecast_file_says_what_is_wrong_before_fitting(tmp_path: Path, args: list[str], says: str) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    _weekly_long(tmp_path, 30)
    r = CliRunner().invoke(app, ["forecast", "--file", str(tmp_path / "sales.csv"), *args])
    assert r.exit_code == 2 and says in " ".join(r.output.split()), r.output
