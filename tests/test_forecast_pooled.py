"""shopmind.forecast.pooled and GlobalGBM's inner round choice (issue 14, session 17)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from shopmind.forecast.gbm import ROUNDS_GRID, GlobalGBM
from shopmind.forecast.metrics import naive_scale
from shopmind.forecast.models import make_models
from shopmind.forecast.pooled import AllSeries, pool_globals, with_pool
from shopmind.forecast.residual import ResidualGBM
from shopmind.forecast.series import Panel, SeriesError


def _weekly(y: np.ndarray, prefix: str = "s") -> Panel:
    dates = np.datetime64("2024-01-01") + np.arange(y.shape[1]) * np.timedelta64(7, "D")
    return Panel(ids=[f"{prefix}{i}" for i in range(y.shape[0])], dates=dates, y=y, freq="W")


def _full(n: int = 120, T: int = 40, seed: int = 0) -> Panel:
    rng = np.random.default_rng(seed)
    y = rng.poisson(rng.uniform(1.0, 30.0, size=(n, 1)), size=(n, T)).astype(float)
    y[:10, :35] = np.nan  # 10 series start after a cut at 30
    y[10:20, :5] = np.nan
    return _weekly(y)


@dataclass
class Recorder:
    """A 'global' model that records the panels it is fitted on and forecasts each series' last value."""

    name: str = "Recorder"
    seen: list[Panel] = field(default_factory=list)

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        self.seen.append(panel)
        return np.tile(np.nan_to_num(panel.y[:, -1:]), (1, h))


def test_the_pooled_fit_sees_every_started_series_up_to_the_cut_and_returns_the_sample() -> None:
    full = _full()
    sample = full.subset([12, 50, 51, 90]).cut(30)
    rec = Recorder()
    out = AllSeries(rec, full).forecast(sample, 5)
    merged = rec.seen[0]
    assert out.shape == (4, 5)
    assert np.array_equal(out[:, 0], sample.y[:, -1])
    assert merged.T == 30 and np.array_equal(merged.dates, full.dates[:30])
    # the sample first, then the other 106 series that have started by period 30 (s0..s9 have not)
    assert merged.ids[:4] == sample.ids and merged.n == 4 + (120 - 10 - 4)
    assert not any(k in merged.ids for k in (f"s{i}" for i in range(10)))
    index = {k: i for i, k in enumerate(full.ids)}
    rows = [index[k] for k in merged.ids]
    assert np.array_equal(merged.y, full.y[rows, :30], equal_nan=True)


def test_the_pooled_fit_never_reads_a_value_past_the_cut() -> None:
    full = _full(seed=1)
    corrupt = _weekly(full.y.copy())
    corrupt.y[:, 30:] = 1e6  # everything after the cut replaced
    sample = full.subset(np.arange(20, 80)).cut(30)
    a = AllSeries(GlobalGBM(n_estimators=40), full).forecast(sample, 6)
    b = AllSeries(GlobalGBM(n_estimators=40), corrupt).forecast(sample, 6)
    assert np.array_equal(a, b)
    assert a.shape == (60, 6) and np.all(np.isfinite(a)) and np.all(a >= 0)
    # and the pool changes the fit: the sample alone gives a different forecast
    alone = GlobalGBM(n_estimators=40).forecast(sample, 6)
    assert not np.allclose(a, alone)


def test_a_pool_that_does_not_match_is_refused() -> None:
    full = _full()
    with pytest.raises(SeriesError, match="not in the pool"):
        with_pool(_weekly(full.y[:3, :30], prefix="x"), full)
    shifted = _weekly(full.y[:3, 1:31])
    shifted.dates = shifted.dates + np.timedelta64(7, "D")
    with pytest.raises(SeriesError, match="dates"):
        with_pool(shifted, full)
    with pytest.raises(SeriesError, match="frequency"):
        with_pool(Panel(ids=["s1"], dates=full.dates[:30], y=full.y[1:2, :30], freq="D"), full)


def test_pool_globals_wraps_the_global_models_only() -> None:
    full = _full()
    mods = [*make_models(["ADIDA", "LightGBM"]), ResidualGBM(make_models(["ADIDA"])[0])]
    wrapped = pool_globals(mods, full)
    assert [type(m).__name__ for m in wrapped] == ["StatsModel", "AllSeries", "AllSeries"]
    assert [m.name for m in wrapped] == [m.name for m in mods]


def _smooth_panel(seed: int) -> Panel:
    rng = np.random.default_rng(seed)
    level = rng.uniform(5.0, 40.0, size=(150, 1))
    trend = 1.0 + 0.02 * np.arange(36)[None, :]
    return _weekly(rng.poisson(level * trend).astype(float))


def test_the_rounds_are_chosen_on_the_panels_own_last_window() -> None:
    panel, h = _smooth_panel(2), 6
    grid = (20, 60, 150)
    m = GlobalGBM(rounds_grid=grid)
    m.forecast(panel, h)
    assert set(m.inner_scores) == set(grid)
    assert m.chosen_rounds == min(grid, key=lambda k: (m.inner_scores[k], k))
    # each grid score is the MASE a fixed-rounds model fitted on the cut gets on the last h periods
    inner = panel.cut(panel.T - h)
    unit = naive_scale(inner.y, panel.season)
    actual = panel.y[:, -h:]
    for k in grid:
        pred = GlobalGBM(n_estimators=k, rounds_grid=()).forecast(inner, h)
        mase = float(np.mean(np.mean(np.abs(pred - actual), axis=1) / unit))
        assert m.inner_scores[k] == pytest.approx(mase, rel=1e-9)


def test_inside_a_cut_the_round_choice_never_reads_past_it() -> None:
    panel, h = _smooth_panel(3), 6
    corrupt = _weekly(panel.y.copy())
    corrupt.y[:, 30:] *= 50.0  # what evaluate would hold out
    a, b = GlobalGBM(rounds_grid=(20, 60, 150)), GlobalGBM(rounds_grid=(20, 60, 150))
    fa, fb = a.forecast(panel.cut(30), h), b.forecast(corrupt.cut(30), h)
    assert a.chosen_rounds == b.chosen_rounds and a.inner_scores == b.inner_scores
    assert np.array_equal(fa, fb)


def test_without_a_grid_the_rounds_are_as_given() -> None:
    m = GlobalGBM(n_estimators=70, rounds_grid=())
    m.forecast(_smooth_panel(4), 4)
    assert m.chosen_rounds == 70 and m.inner_scores == {}


def test_the_default_lightgbm_keeps_fixed_rounds_and_the_grid_option_tunes_weekly_panels_only() -> None:
    # session 18 reverted the default to fixed rounds (bench/forecast_rounds.py: the chosen rounds were
    # worse in the weekly inventory replay and in |bias| on the long format's validation cuts)
    weekly = _smooth_panel(5)
    (m,) = make_models(["LightGBM"])  # the default pool's LightGBM
    assert isinstance(m, GlobalGBM) and m.rounds_grid == ()
    m.forecast(weekly, 4)
    assert m.chosen_rounds == m.n_estimators == 300 and m.inner_scores == {}
    tuned = GlobalGBM(rounds_grid=ROUNDS_GRID)  # the option, as session 17 used it
    tuned.forecast(weekly, 4)
    assert set(tuned.inner_scores) == set(ROUNDS_GRID) and tuned.chosen_rounds in ROUNDS_GRID
    daily = Panel(ids=weekly.ids, dates=weekly.dates[0] + np.arange(weekly.T), y=weekly.y, freq="D")
    d = GlobalGBM(rounds_grid=ROUNDS_GRID)
    d.forecast(daily, 4)
    assert d.chosen_rounds == d.n_estimators == 300 and d.inner_scores == {}
    (l1,) = make_models(["LightGBM-l1"])
    assert isinstance(l1, GlobalGBM) and l1.rounds_grid == ()
