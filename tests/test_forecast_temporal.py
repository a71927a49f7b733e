"""Temporal aggregation (shopmind.forecast.temporal) and the LightGBM training origins (gbm.training_origins)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.forecast.evaluate import run
from shopmind.forecast.gbm import training_origins
from shopmind.forecast.models import SeasonalNaive, make_models
from shopmind.forecast.series import Panel
from shopmind.forecast.temporal import FromDaily, TemporalAgg, aggregate
from shopmind.forecast.thief import THieF, block_length, projection, summing_matrix


def _panel(y: np.ndarray, freq: str = "W") -> Panel:
    step = 7 if freq == "W" else 1
    return Panel(
        ids=[f"s{i}" for i in range(y.shape[0])],
        dates=np.datetime64("2024-01-01") + step * np.arange(y.shape[1]),
        y=y.astype(float),
        freq=freq,
    )


def test_aggregate_sums_buckets_aligned_to_the_end_and_marks_partial_ones_missing() -> None:
    y = np.array([[np.nan, np.nan, 1, 2, 3, 4, 5], [1, 1, 1, 1, 1, 1, 1]], dtype=float)
    agg = aggregate(_panel(y), 2)
    # 7 periods -> the first is dropped, buckets (1,2) (3,4) (5,6)
    assert agg.T == 3 and agg.freq == "W"
    assert np.isnan(agg.y[0, 0]) and agg.y[0, 1:].tolist() == [5.0, 9.0]  # (nan, 1) is missing
    assert agg.y[1].tolist() == [2.0, 2.0, 2.0]
    assert agg.dates[-1] == _panel(y).dates[-1]  # the newest bucket ends at the last period
    assert aggregate(_panel(y), 1) is not None and aggregate(_panel(y), 1).T == 7
    with pytest.raises(ValueError, match="aggregation level"):
        aggregate(_panel(y), 0)


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(st.lists(st.integers(0, 50), min_size=8, max_size=30), min_size=1, max_size=4),
    k=st.integers(1, 5),
)
def test_aggregate_keeps_the_total_of_the_periods_it_uses(rows: list[list[int]], k: int) -> None:
    T = min(len(r) for r in rows)
    y = np.array([r[:T] for r in rows], dtype=float)
    agg = aggregate(_panel(y), k)
    used = (T // k) * k
    assert agg.y.sum() == pytest.approx(y[:, T - used :].sum())


def test_temporal_agg_keeps_a_flat_level_and_averages_levels() -> None:
    y = np.full((3, 40), 6.0)
    f = TemporalAgg(SeasonalNaive()).forecast(_panel(y), 13)
    assert f.shape == (3, 13) and np.allclose(f, 6.0)
    # a step at the end: naive per level sees the last bucket's mean, the combination averages them
    y2 = np.zeros((1, 40))
    y2[0, -1] = 8.0
    f2 = TemporalAgg(SeasonalNaive(), levels=(1, 2, 4)).forecast(_panel(y2), 4)
    assert np.allclose(f2, np.mean([8.0, 8.0 / 2, 8.0 / 4]))
    assert TemporalAgg(make_models(["TSB"])[0]).name == "TSB@agg"


def test_temporal_agg_skips_levels_with_too_few_buckets() -> None:
    y = np.full((2, 6), 3.0)
    f = TemporalAgg(SeasonalNaive(), levels=(1, 4)).forecast(_panel(y), 5)  # 1 bucket of 4: abstains
    assert np.allclose(f, 3.0)


@pytest.mark.parametrize(("T", "h", "freq"), [(41, 13, "W"), (700, 14, "D"), (28, 13, "W")])
def test_training_origins_default_is_the_last_n_and_cover_reaches_every_step(
    T: int, h: int, freq: str
) -> None:
    stride = max(1, h // 3) if freq == "D" else 1
    old = [T - 1 - j * stride for j in range(1, 13) if T - 1 - j * stride >= 1]
    assert training_origins(T, h, freq, 12) == old  # unchanged default
    cover = training_origins(T, h, freq, 12, cover_horizon=True)
    per_step = [sum(1 for t in cover if T - 1 - t >= s) for s in range(1, h + 1)]
    full = [sum(1 for t in old if T - 1 - t >= s) for s in range(1, h + 1)]
    if freq == "W":
        assert full[-1] == 0  # the weekly default has no origin for step 13: the diagnosis
    if 2 * (12 + h) * stride < T:
        assert min(per_step) >= 12
    assert all(c >= f for c, f in zip(per_step, full, strict=True))


def _daily_and_weekly(days: int, start: str = "2024-01-01") -> tuple[Panel, Panel]:
    """A daily panel (2024-01-01 is a Monday) with a weekly pattern and its Monday-dated weekly sums."""
    pattern = np.array([1, 2, 3, 4, 5, 6, 7], dtype=float)
    y = np.vstack([np.resize(pattern, days), 2 * np.resize(pattern, days)])
    daily = Panel(ids=["a", "b"], dates=np.datetime64(start) + np.arange(days), y=y, freq="D")
    full = days // 7
    wk = y[:, : full * 7].reshape(2, full, 7).sum(axis=2)
    weekly = Panel(ids=["b", "a"], dates=np.datetime64(start) + 7 * np.arange(full), y=wk[::-1], freq="W")
    return daily, weekly


def test_from_daily_sums_the_daily_forecast_to_aligned_weeks() -> None:
    daily, weekly = _daily_and_weekly(70)
    model = FromDaily(daily, SeasonalNaive())
    assert model.name == "SeasonalNaive@daily"
    f = model.forecast(weekly.cut(6), 3)  # cut after 6 weeks: the daily history is cut at day 42
    assert f.shape == (2, 3)
    assert np.allclose(f[0], 56.0) and np.allclose(f[1], 28.0)  # ids matched, not positions
    # a daily history ending inside the last week (Wednesday): the week's rest is skipped, not shifted
    short = Panel(ids=daily.ids, dates=daily.dates[:45], y=daily.y[:, :45].copy(), freq="D")
    short.y[:, 42:45] = 100.0  # Mon-Wed of week 7 sold a lot: SeasonalNaive repeats those days next week
    g = FromDaily(short, SeasonalNaive()).forecast(weekly.cut(7), 1)
    assert np.allclose(g[1], 3 * 100 + 4 + 5 + 6 + 7)


def test_from_daily_refuses_wrong_grains_and_unknown_ids() -> None:
    daily, weekly = _daily_and_weekly(70)
    with pytest.raises(ValueError, match="daily panel"):
        FromDaily(weekly, SeasonalNaive())
    with pytest.raises(ValueError, match="weekly panels"):
        FromDaily(daily, SeasonalNaive()).forecast(daily, 2)
    other = Panel(ids=["zz"], dates=weekly.dates, y=weekly.y[:1], freq="W")
    with pytest.raises(ValueError, match="'zz'"):
        FromDaily(daily, SeasonalNaive()).forecast(other, 2)


def test_evaluate_weighs_the_daily_model_on_weekly_store_data() -> None:
    rng = np.random.default_rng(3)
    days = 7 * 60
    lam = rng.uniform(0.2, 3.0, size=(24, 1)) * (1 + 0.5 * (np.arange(days) % 7 == 5))[None, :]
    y = rng.poisson(lam).astype(float)
    daily = Panel(ids=[f"p{i}" for i in range(24)], dates=np.datetime64("2024-01-01") + np.arange(days), y=y)
    weekly = Panel(
        ids=daily.ids,
        dates=np.datetime64("2024-01-01") + 7 * np.arange(60),
        y=y.reshape(24, 60, 7).sum(axis=2),
        freq="W",
    )
    res = run(weekly, 4, 1, ["SeasonalNaive", "LightGBM"], 2, log=lambda _: None, daily=daily, temporal=True)
    assert {"LightGBM@daily", "SeasonalNaive@agg", "LightGBM", "SeasonalNaive", "ours"} <= set(res["models"])
    assert res["models"]["LightGBM@daily"]["mase"] > 0
    # without LightGBM asked for, no daily model either; without temporal, neither candidate
    res2 = run(weekly, 4, 1, ["SeasonalNaive"], 2, log=lambda _: None, daily=daily, temporal=True)
    assert "LightGBM@daily" not in res2["models"] and "SeasonalNaive@agg" in res2["models"]
    res3 = run(weekly, 4, 1, ["SeasonalNaive", "LightGBM"], 2, log=lambda _: None, daily=daily)
    assert not {"LightGBM@daily", "SeasonalNaive@agg"} & set(res3["models"])


def test_thief_projection_keeps_coherent_forecasts_and_weighs_levels_equally() -> None:
    s, ks = summing_matrix((1, 2, 4, 13), 16)
    assert s.shape == (16 + 8 + 4 + 1, 16) and ks.tolist().count(13.0) == 1
    p = projection((1, 2, 4, 13), 16)
    bottom = np.arange(16.0) ** 1.5
    np.testing.assert_allclose(p @ (s @ bottom), bottom, atol=1e-9)  # coherent in, unchanged out
    # flat per-period rates 1, 2 and 6 at levels 1, 2, 4 over a full block: structural scaling gives
    # every level the same total weight, so each period gets their mean
    s3, ks3 = summing_matrix((1, 2, 4), 4)
    y_hat = np.concatenate([np.full(4, 1.0), np.full(2, 2.0 * 2), np.full(1, 6.0 * 4)])
    np.testing.assert_allclose(projection((1, 2, 4), 4) @ y_hat, np.full(4, 3.0), atol=1e-9)
    assert block_length((1, 2, 4, 13), 13) == 16 and block_length((1, 2, 4), 4) == 4


def test_thief_of_the_last_value_averages_the_levels_last_buckets() -> None:
    y = np.array([[5, 1, 0, 2, 4, 0, 0, 8], [1, 1, 1, 1, 1, 1, 1, 1]])
    f = THieF(SeasonalNaive(), levels=(1, 2, 4)).forecast(_panel(y), 4)
    # level 1: 8 a week; level 2: (0 + 8) / 2 = 4; level 4: (4 + 0 + 0 + 8) / 4 = 3 -> mean 5
    np.testing.assert_allclose(f[0], np.full(4, 5.0))
    np.testing.assert_allclose(f[1], np.ones(4))
    assert f.shape == (2, 4)


def test_thief_drops_a_level_without_history_and_names_itself() -> None:
    y = np.random.default_rng(3).poisson(2.0, (3, 9))
    m = THieF(SeasonalNaive())
    short = m.forecast(_panel(y), 13)  # 9 weeks: the 13-week level has no bucket and abstains
    np.testing.assert_allclose(short, THieF(SeasonalNaive(), levels=(1, 2, 4)).forecast(_panel(y), 13))
    assert m.name == "THieF-SeasonalNaive" and short.shape == (3, 13) and (short >= 0).all()
    with pytest.raises(ValueError, match="include 1"):
        THieF(SeasonalNaive(), levels=(2, 4))


@dataclass
class _Flat:
    """A stub forecaster: ``value`` every period (to tell a level's share in the reconciled forecast)."""

    value: float
    name: str = "flat"

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        return np.full((panel.n, h), self.value)


def test_thief_reconciles_a_finer_model_as_one_more_level() -> None:
    _, weekly = _daily_and_weekly(70)  # last week's sums: 56 ("b") and 28 ("a")
    m = THieF(SeasonalNaive(), levels=(1, 2), finer=_Flat(10.0))
    both = m.forecast(weekly, 3)  # block 4: level 1, level 2 (the last fortnight, same rate), the finer one
    np.testing.assert_allclose(both[:, 0], [(56 + 56 + 10) / 3, (28 + 28 + 10) / 3])
    assert m.name == "THieF-SeasonalNaive+flat" and both.shape == (2, 3)


def test_imapa_is_an_optional_peer_outside_the_default_run() -> None:
    from shopmind.forecast.models import DEFAULT_MODELS, STATS_PEERS

    assert "IMAPA" in STATS_PEERS and "IMAPA" not in DEFAULT_MODELS
    assert DEFAULT_MODELS[-1] == "LightGBM" and "AutoARIMA" in DEFAULT_MODELS
    y = np.zeros((2, 40))
    y[0, ::4] = 8.0  # 2 a week on average, sold every 4th week
    y[1, -12:] = 1.0
    (m,) = make_models(["IMAPA"])
    f = m.forecast(_panel(y), 5)
    assert m.name == "IMAPA" and f.shape == (2, 5) and m.fallbacks == 0
    assert 1.0 < f[0, 0] < 3.0 and np.allclose(f[0], f[0, 0])  # a flat rate near the mean demand
    assert 0.5 < f[1, 0] <= 1.0  # the recent rate, pulled below 1 by the older zeros at coarse levels


def _smooth_and_lumpy_weeks(weeks: int = 40) -> Panel:
    """25 smooth weekly series (Poisson around 10-30) and 25 intermittent ones (an order in ~1 of 4 weeks)."""
    rng = np.random.default_rng(11)
    smooth = rng.poisson(rng.uniform(10, 30, size=(25, 1)), size=(25, weeks))
    lumpy = (rng.random((25, weeks)) < 0.25) * rng.integers(1, 200, size=(25, weeks))
    return _panel(np.vstack([smooth, lumpy]))


def test_weekly_ensemble_uses_thief_forms_for_smooth_series_only() -> None:
    from shopmind.forecast.ensemble import fit_forecast

    panel = _smooth_and_lumpy_weeks()
    fc, bt, choice, finals = fit_forecast(
        panel, make_models(["SeasonalNaive", "AutoETS", "ADIDA", "TSB"]), 13
    )
    assert {"THieF-SeasonalNaive", "THieF-AutoETS", "THieF-ADIDA", "THieF-TSB"} <= set(finals)
    # the chosen members, less ours' partner (the last member, ensemble.PARTNER_FREQS)
    assert choice.members["smooth"][-1] == "LightGBM-mase"
    assert all(m.startswith("THieF-") for m in choice.members["smooth"][:-1])
    others = [g for g in choice.members if g != "smooth"]
    assert "all" in others and len(others) >= 2  # the pooled choice and the intermittent series' own
    swap_ins = {"THieF-SeasonalNaive", "THieF-AutoETS", "THieF-ADIDA", "THieF-TSB"}
    for g in others:  # the swap-in forms never; THieF-ADIDA's residual model is a candidate of every class
        assert not swap_ins & set(choice.members[g])
    assert "THieF-ADIDA+GBMres-huber" in finals
    assert fc.mean.shape == (50, 13) and np.isfinite(fc.mean).all()
    daily = _panel(panel.y[:, :35], freq="D")  # a daily panel gets no THieF forms
    _, _, _, finals_d = fit_forecast(daily, make_models(["SeasonalNaive", "ADIDA", "TSB", "AutoETS"]), 7, 1)
    assert set(finals_d) == {"SeasonalNaive", "ADIDA", "TSB", "AutoETS"}


def test_evaluate_reports_thief_rows_as_ours_not_peers_and_can_turn_them_off() -> None:
    panel = _smooth_and_lumpy_weeks(56)
    lines: list[str] = []
    res = run(panel, 13, 1, ["SeasonalNaive", "ADIDA", "TSB", "AutoETS"], 2, log=lines.append)
    assert {"THieF-SeasonalNaive", "THieF-ADIDA", "THieF-TSB", "THieF-AutoETS"} <= set(res["models"])
    assert res["best_single_statsforecast"] in {"SeasonalNaive", "ADIDA", "TSB", "AutoETS"}
    assert any("'smooth': ['THieF-" in line for line in lines)
    off = run(panel, 13, 1, ["SeasonalNaive", "ADIDA", "TSB", "AutoETS"], 2, log=lambda _: None, thief=False)
    assert not any(k.startswith("THieF-") for k in off["models"])
    # the peers' rows do not depend on the setting
    for m in ("SeasonalNaive", "ADIDA", "TSB", "AutoETS"):
        assert off["models"][m]["mase"] == pytest.approx(res["models"][m]["mase"])
