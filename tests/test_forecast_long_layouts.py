"""The long format in the layouts held-out public series come in (M4 Weekly as loaders write it).

M4's weekly series have no shared calendar: Python loaders number each series' weeks 1..n, and files
built from M4's start dates put series on different weekdays and end them at different dates. Each
series' own last ``h`` values are its holdout, so none of these may end a series early with zeros.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.cli.forecast import long_notes
from shopmind.forecast.series import SeriesError, read_long


def _write(tmp_path: Path, rows: list[tuple[str, object, float]], name: str = "s.csv") -> Path:
    frame = pl.DataFrame(rows, schema=["id", "date", "value"], orient="row")
    path = tmp_path / name
    if name.endswith(".parquet"):
        frame.write_parquet(path)
    else:
        frame.write_csv(path)
    return path


def _numbered(lengths: dict[str, int]) -> list[tuple[str, object, float]]:
    return [(k, t + 1, float(10 * (i + 1) + t)) for i, (k, n) in enumerate(lengths.items()) for t in range(n)]


@pytest.mark.parametrize("name", ["m4.csv", "m4.parquet"])
def test_period_numbers_align_each_series_end(tmp_path: Path, name: str) -> None:
    """Weeks numbered 1..n per series (datasetsforecast's M4 layout): each series' last value is the panel's
    last period, so its holdout is its own last values - read as dates from one calendar, the short series
    would end early and its holdout would be zeros (before: refused as 'is not a date')."""
    info: dict[str, str] = {}
    panel = read_long(_write(tmp_path, _numbered({"W1": 6, "W2": 3}), name), freq="W", info=info)
    assert panel.ids == ["W1", "W2"] and panel.T == 6
    assert panel.y[0].tolist() == [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
    assert np.isnan(panel.y[1, :3]).all() and panel.y[1, 3:].tolist() == [20.0, 21.0, 22.0]
    monday = panel.dates.astype("datetime64[D]").view("int64") % 7 == 4  # 1970-01-01 was a Thursday
    assert monday.all()
    assert info["dates"].startswith("period numbers") and info["ended_early"] == "0"


def test_period_numbers_daily_and_without_a_grain(tmp_path: Path) -> None:
    path = _write(tmp_path, _numbered({"D1": 4, "D2": 2}))
    panel = read_long(path, freq="D")
    assert panel.y[1].tolist()[-2:] == [20.0, 21.0] and np.diff(panel.dates).astype(int).tolist() == [1, 1, 1]
    with pytest.raises(SeriesError, match="period numbers, not dates; pass freq"):
        read_long(path)


def test_large_numbers_are_not_period_numbers(tmp_path: Path) -> None:
    """Only whole numbers below 100,000 are period numbers; a larger one is still refused naming the row."""
    with pytest.raises(SeriesError, match="row 3: column 'date' value '1234567' is not a date"):
        read_long(_write(tmp_path, [("a", "2024-01-01", 1.0), ("a", "1234567", 2.0)]), freq="W")


def test_weekly_series_on_different_weekdays_share_weeks(tmp_path: Path) -> None:
    """M4's start dates put weekly series on different weekdays: each is read on its weeks' Mondays
    (before: the whole file was refused); a series mixing weekdays is still refused, naming it."""
    rows = [("a", "2024-01-05", 1.0), ("a", "2024-01-12", 2.0), ("a", "2024-01-19", 3.0)]
    rows += [("b", "2024-01-08", 5.0), ("b", "2024-01-15", 6.0), ("b", "2024-01-22", 7.0)]
    panel = read_long(_write(tmp_path, rows), freq="W", ends="file")
    assert panel.dates[0] == np.datetime64("2024-01-01") and panel.T == 4
    assert panel.y[0, :3].tolist() == [1.0, 2.0, 3.0] and panel.y[1, 1:].tolist() == [5.0, 6.0, 7.0]
    with pytest.raises(SeriesError, match="dates of id 'c' fall on 2 different weekdays"):
        read_long(_write(tmp_path, [*rows, ("c", "2024-01-08", 1.0), ("c", "2024-01-16", 1.0)]), freq="W")


def test_series_ending_early_are_said(tmp_path: Path) -> None:
    """A series whose rows stop before the file's last date has its later periods read as 0 (a shop's
    product that stopped selling); the run says how many and how to write series that simply stop."""
    rows = [("a", "2024-01-01", 1.0), ("a", "2024-01-08", 2.0), ("a", "2024-01-15", 3.0)]
    rows += [("b", "2024-01-01", 5.0), ("b", "2024-01-08", 6.0)]
    info: dict[str, str] = {}
    panel = read_long(_write(tmp_path, rows), freq="W", info=info, ends="file")
    assert panel.y[1].tolist() == [5.0, 6.0, 0.0] and info["ended_early"] == "1"
    (note,) = long_notes(info, panel)
    assert note.startswith("note: 1 of 2 series end before the last period (2024-01-15)")
    assert "period numbers 1, 2, ..." in note
    assert long_notes({"ended_early": "0"}, panel) == []


def test_a_holdout_the_best_model_forecasts_exactly_is_no_traceback() -> None:
    """Series read as ending early (calendar dates that stop) have a holdout of zeros; seasonal naive forecasts
    it exactly (MASE 0) and the ratio ours / best was a ZeroDivisionError after the whole run. Now NaN: the
    goal is not met, and the run's figures are kept."""
    from shopmind.forecast.evaluate import run
    from shopmind.forecast.series import Panel

    rng = np.random.default_rng(0)
    y = np.concatenate([rng.uniform(5, 15, (6, 30)), np.zeros((6, 12))], axis=1)
    dates = np.datetime64("2020-01-06") + np.arange(42) * np.timedelta64(7, "D")
    panel = Panel(ids=[f"s{i}" for i in range(6)], dates=dates, y=y, freq="W")
    result = run(panel, horizon=3, windows=1, models=["SeasonalNaive"], inner_windows=1, log=lambda _m: None)
    assert result["models"]["SeasonalNaive"]["mase"] == 0.0
    assert np.isnan(result["goals"]["mase_ratio_to_best"]) and result["goals"]["mase_goal_met"] is False


def test_ends_own_gives_calendar_dated_series_their_own_holdout(tmp_path: Path) -> None:
    """M4 written with calendar dates: series end at different dates. ``ends='file'`` (a shop's sparse export)
    reads the later weeks as 0; ``ends='own'`` shifts each series by whole weeks so its last value is the
    file's last period - its holdout is its own last values, its spacing kept (lead, session 26)."""
    rows = [("A", f"2020-01-{d:02d}", float(v)) for d, v in ((6, 1), (13, 2), (20, 3), (27, 4))]
    rows += [("B", f"2019-03-{d:02d}", float(v)) for d, v in ((5, 7), (12, 8))]  # Tuesdays, ends earlier
    path = _write(tmp_path, rows)
    zeros = read_long(path, freq="W", ends="file")
    assert zeros.y[1, -1] == 0.0  # B's weeks after its last row are read as no demand
    info: dict[str, str] = {}
    own = read_long(path, freq="W", info=info, ends="own")
    assert own.T == 4 and own.y[0].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert np.isnan(own.y[1, :2]).all() and own.y[1, 2:].tolist() == [7.0, 8.0]
    assert info["ended_early"] == "0" and "ends = own" in info["dates"]
    with pytest.raises(SeriesError, match="ends must be one of auto, file, own"):
        read_long(path, freq="W", ends="mine")


def test_ends_own_on_the_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    path = _write(tmp_path, [("A", "2020-01-06", 1.0)])
    res = CliRunner().invoke(app, ["evaluate", "forecast", str(path), "-f", "long", "--ends", "last"])
    assert res.exit_code == 2 and "--ends must be one of auto, file, own" in res.output
    res = CliRunner().invoke(app, ["evaluate", "forecast", str(path), "-f", "online-retail", "--ends", "own"])
    assert res.exit_code == 2 and "--ends applies to the long format" in res.output


def test_auto_ends_read_a_series_dataset_by_its_own_ends(tmp_path: Path) -> None:
    """The default (``auto``): series with a value in every week from their first to their last, some
    ending early (M4 written with calendar dates), are read as ending at their own last values - the
    maintainers' default command on such a file had scored forecasts against invented zeros; the choice
    is said. A sparse export (a slow seller with a gap) keeps the shop's reading: later weeks are 0."""
    rows = [("A", f"2020-01-{d:02d}", float(v)) for d, v in ((6, 1), (13, 2), (20, 3), (27, 4))]
    rows += [("B", f"2019-03-{d:02d}", float(v)) for d, v in ((5, 7), (12, 8))]
    info: dict[str, str] = {}
    auto = read_long(_write(tmp_path, rows), freq="W", info=info)
    assert auto.T == 4 and auto.y[1, 2:].tolist() == [7.0, 8.0] and info["ended_early"] == "0"
    assert info["dates"].startswith("ends = auto: every series has a value in each period")
    assert "1 of 2 end before the last period" in info["dates"] and "--ends file" in info["dates"]
    sparse = [("a", "2024-01-01", 1.0), ("a", "2024-01-15", 3.0), ("a", "2024-01-22", 2.0)]
    sparse += [("b", "2024-01-01", 5.0), ("b", "2024-01-08", 6.0)]
    info = {}
    shop = read_long(_write(tmp_path, sparse, "shop.csv"), freq="W", info=info)
    assert shop.y[1].tolist() == [5.0, 6.0, 0.0, 0.0] and info["ended_early"] == "1" and "dates" not in info
    level = [
        ("a", "2024-01-01", 1.0),
        ("a", "2024-01-08", 2.0),
        ("b", "2024-01-01", 5.0),
        ("b", "2024-01-08", 6.0),
    ]
    info = {}
    read_long(_write(tmp_path, level, "level.csv"), freq="W", info=info)
    assert "dates" not in info and info["ended_early"] == "0"


@given(
    lengths=st.lists(st.integers(min_value=2, max_value=9), min_size=2, max_size=6),
    shifts=st.lists(st.integers(min_value=0, max_value=20), min_size=6, max_size=6),
    daily=st.booleans(),
)
@settings(max_examples=40, deadline=None)
def test_auto_ends_align_every_gap_free_series(lengths: list[int], shifts: list[int], daily: bool) -> None:
    """Invariant: gap-free series ending anywhere are read with every series' last value on the last period
    and its own values, in order, kept; with all ends equal nothing is shifted."""
    from shopmind.forecast.long_ends import choose_ends, gap_free

    step = 1 if daily else 7
    start = np.datetime64("2021-01-04")
    rows = []
    for i, n in enumerate(lengths):
        first = start + np.timedelta64(shifts[i] * step, "D")
        rows += [
            (f"s{i}", str(first + np.timedelta64(t * step, "D")), float(i * 100 + t + 1)) for t in range(n)
        ]
    long = pl.DataFrame(rows, schema=["id", "date", "value"], orient="row").with_columns(
        pl.col("date").str.to_date()
    )
    freq = "D" if daily else "W"
    assert gap_free(long, freq)
    ends = {r[0]: r[1] for r in rows}
    chosen, why = choose_ends(long, freq)
    assert chosen == ("own" if len(set(ends.values())) > 1 else "file") and bool(why) == (chosen == "own")
    gappy = long.filter(~((pl.col("id") == "s0") & (pl.col("value") == 2.0)))
    assert lengths[0] < 3 or not gap_free(gappy, freq)
