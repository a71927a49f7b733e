"""The year-back calibration window of daily count intervals (ensemble.seasonal_window, SEASONAL_CALIB)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.forecast.ensemble import SEASONAL_CALIB, backtest, choose, demand_class, seasonal_window
from shopmind.forecast.evaluate import run
from shopmind.forecast.models import SeasonalNaive
from shopmind.forecast.series import Panel


def _daily(days: int, n: int = 24, seed: int = 14) -> Panel:
    rng = np.random.default_rng(seed)
    week = np.array([1.0, 1.0, 1.2, 1.2, 1.5, 2.0, 0.6])
    level = rng.uniform(0.3, 4.0, size=(n, 1))
    y = rng.poisson(level * np.tile(week, days // 7 + 1)[:days]).astype(float)
    dates = np.datetime64("2014-01-01") + np.arange(days).astype("timedelta64[D]")
    return Panel(ids=[f"p{i}" for i in range(n)], dates=dates, y=y, freq="D")


def test_the_window_is_the_forecast_days_a_year_back_fitted_at_that_cut() -> None:
    panel, h = _daily(420), 14
    models = [SeasonalNaive()]
    bt = backtest(panel, models, h, 2)
    classes = demand_class(panel)
    choice = choose(bt, classes)
    out = seasonal_window(panel, models, choice, classes, h, SEASONAL_CALIB["D"])
    assert out is not None
    pred, actual = out
    end = panel.T - 364
    np.testing.assert_array_equal(actual, panel.y[:, end : end + h])
    np.testing.assert_array_equal(pred, SeasonalNaive().forecast(panel.cut(end), h))
    # a history shorter than a year plus what a fit needs has no such window
    short = _daily(364 + 2 * 7 + h - 1)
    assert seasonal_window(short, models, choose(backtest(short, models, h, 2), demand_class(short)),
                           demand_class(short), h, 364) is None  # fmt: skip


@pytest.mark.parametrize(("days", "windows"), [(440, 3), (300, 2)])
def test_evaluate_calibrates_daily_counts_on_it_where_the_history_holds_it(days: int, windows: int) -> None:
    result = run(_daily(days), 14, 1, ["SeasonalNaive"], 2, 0, 0, log=lambda _: None)
    assert [c["calibration_windows"] for c in result["choices"]] == [windows]
    assert 0.0 < result["models"]["ours"]["coverage_pit80"] <= 1.0
