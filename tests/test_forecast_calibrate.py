"""Interval calibration by cell (forecast.calibrate), statsforecast's own intervals (forecast.sf_intervals)
and the replay's equal-fill comparison (forecast.replay.stock_at_fill)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.forecast import calibrate, counts, sf_intervals
from shopmind.forecast.evaluate import OURS, run
from shopmind.forecast.replay import stock_at_fill
from shopmind.forecast.series import Panel


def _nb(rng: np.random.Generator, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    n = 1 / np.clip(alpha, 1e-9, None)
    return rng.negative_binomial(n, n / (n + mu)).astype(float)


def _step_data(rng: np.random.Generator, n: int = 400, h: int = 14) -> tuple[np.ndarray, np.ndarray]:
    """Demand whose dispersion grows with the horizon step (0.05 at step 1 to 3.0 at step 14)."""
    mu = rng.uniform(0.3, 4.0, size=(n, h))
    alpha = np.broadcast_to(np.geomspace(0.05, 3.0, h)[None, :], (n, h))
    return mu, alpha


def test_per_step_calibration_tracks_a_spread_that_grows_with_the_step() -> None:
    rng = np.random.default_rng(31)
    mu, alpha = _step_data(rng)
    classes = np.full(mu.shape[0], "smooth", dtype=object)
    volume = np.full(mu.shape[0], "mid", dtype=object)
    calib = [mu, mu], [_nb(rng, mu, alpha), _nb(rng, mu, alpha)]
    fresh = _nb(rng, mu, alpha)
    _, _, step = calibrate.scheme_intervals(mu, *calib, classes, volume, (80,), seed=1, scheme="step")
    _, _, pooled = calibrate.scheme_intervals(mu, *calib, classes, volume, (80,), seed=1, scheme="class")
    assert np.all(np.diff(step[80][0]) >= -1e-12) and step[80][0, -1] > 5 * step[80][0, 0]
    assert np.ptp(pooled[80]) == 0  # one dispersion for every step
    for s in (0, 13):
        cov_step = np.mean(
            counts.pit_coverage(fresh[:, s : s + 1], mu[:, s : s + 1], step[80][:, s], (80,), 2)["pit_80"]
        )
        cov_pool = np.mean(
            counts.pit_coverage(fresh[:, s : s + 1], mu[:, s : s + 1], pooled[80][:, s], (80,), 2)["pit_80"]
        )
        assert cov_step == pytest.approx(0.80, abs=0.035)
        assert abs(cov_pool - 0.80) > abs(cov_step - 0.80)  # pooling over steps misses at the ends


def test_a_step_cell_with_too_few_points_keeps_the_pooled_dispersion() -> None:
    rng = np.random.default_rng(32)
    mu, alpha = _step_data(rng, n=20)  # 2 windows x 20 series = 40 points per step < MIN_STEP_POINTS
    groups = np.full(20, "all", dtype=object)
    pred, act = [mu, mu], [_nb(rng, mu, alpha), _nb(rng, mu, alpha)]
    by_step = calibrate.calibrated_alpha(pred, act, groups, 80, seed=1, by_step=True)
    pooled = calibrate.calibrated_alpha(pred, act, groups, 80, seed=1, by_step=False)
    assert np.array_equal(by_step, pooled) and by_step.shape == (20, 14)


def test_volume_groups_are_terciles_of_mean_demand() -> None:
    y = np.vstack([np.full(10, v) for v in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)])
    y[0, :5] = np.nan  # not yet selling: its mean is over the observed days
    panel = Panel(
        ids=[str(i) for i in range(6)], dates=np.datetime64("2024-01-01") + np.arange(10), y=y, freq="D"
    )
    assert calibrate.volume_group(panel).tolist() == ["low", "low", "mid", "mid", "high", "high"]
    with pytest.raises(ValueError, match="scheme"):
        calibrate.groups_of("weekday", np.array(["a"], dtype=object), np.array(["low"], dtype=object))


def _weekly_counts(n: int = 12, T: int = 120, seed: int = 33) -> Panel:
    rng = np.random.default_rng(seed)
    mu = rng.uniform(1.0, 8.0, size=(n, 1)) * (1 + 0.4 * np.sin(2 * np.pi * np.arange(T) / 7))[None, :]
    y = rng.poisson(mu).astype(float)
    return Panel(
        ids=[f"s{i}" for i in range(n)], dates=np.datetime64("2024-01-01") + np.arange(T), y=y, freq="D"
    )


def test_statsforecast_own_intervals_are_nested_and_cover_poisson_demand() -> None:
    panel = _weekly_counts()
    h = 14
    train, actual = panel.cut(panel.T - h), panel.y[:, panel.T - h :]
    for name in ("AutoETS", "SeasonalNaive", "TSB"):
        lo, hi = sf_intervals.own_intervals(name, train, h, (80, 95))
        assert (
            np.all(np.isfinite(lo[80]))
            and np.all(lo[95] <= lo[80] + 1e-9)
            and np.all(hi[80] <= hi[95] + 1e-9)
        )
        cov80 = np.nanmean(sf_intervals.coverage(actual, lo[80], hi[80]))
        cov95 = np.nanmean(sf_intervals.coverage(actual, lo[95], hi[95]))
        assert 0.5 < cov80 <= cov95 <= 1.0
    short = Panel(ids=["x"], dates=train.dates[:20], y=train.y[:1, :20], freq="D")
    lo, _ = sf_intervals.own_intervals("TSB", short, h, (80,))  # conformal needs 2 h + 1 = 29 points
    assert np.all(np.isnan(lo[80]))
    assert np.isnan(sf_intervals.coverage(actual[:1], lo[80], lo[80]))[0]
    with pytest.raises(ValueError, match="LightGBM"):
        sf_intervals.own_intervals("LightGBM", train, h, (80,))


def test_evaluate_reports_every_scheme_and_the_peers_own_intervals() -> None:
    res = run(_weekly_counts(n=30), horizon=7, windows=1, models=["SeasonalNaive", "TSB"], inner_windows=2,
              max_series=0, log=lambda _m: None)  # fmt: skip
    ours = res["models"][OURS]
    for lv in (80, 95):
        # a daily panel: the DEFAULT_SCHEME cells re-centred (calibrate.RECENTRE_FREQS, session 20)
        assert ours[f"coverage_pit{lv}"] == ours[f"coverage_pit{lv}_level"]
        for s in calibrate.SCHEMES:
            assert 0.5 < ours[f"coverage_pit{lv}_{s}"] <= 1.0
        for peer in ("SeasonalNaive", "TSB"):
            assert 0.3 < res["models"][peer][f"coverage_sf{lv}"] <= 1.0
    assert res["peer_interval_source"] == {"SeasonalNaive": "model", "TSB": "sf conformal"}


def test_stock_at_fill_reads_the_efficient_frontier() -> None:
    curve = [
        {"fill_rate": 0.70, "avg_stock": 100.0},
        {"fill_rate": 0.80, "avg_stock": 400.0},
        {"fill_rate": 0.78, "avg_stock": 500.0},  # dominated: more stock, less fill
        {"fill_rate": 0.90, "avg_stock": 1600.0},
    ]
    assert stock_at_fill(curve, 0.70) == pytest.approx(100.0)
    assert stock_at_fill(curve, 0.75) == pytest.approx(200.0)  # halfway in log stock: sqrt(100 * 400)
    assert stock_at_fill(curve, 0.78) == pytest.approx(np.exp(np.log(100) + 0.8 * np.log(4)))
    assert stock_at_fill(curve, 0.85) == pytest.approx(800.0)
    assert np.isnan(stock_at_fill(curve, 0.95)) and np.isnan(stock_at_fill(curve, 0.5))


def test_calibration_windows_reuse_the_backtest_and_add_older_cuts_of_the_chosen_members() -> None:
    from shopmind.forecast.ensemble import (
        backtest,
        calibration_windows,
        choose,
        chosen_backtest,
        demand_class,
    )
    from shopmind.forecast.models import make_models

    rng = np.random.default_rng(5)
    y = rng.poisson(rng.uniform(1, 8, size=(30, 1)), size=(30, 120)).astype(float)
    dates = np.datetime64("2024-01-01") + np.arange(120) * np.timedelta64(1, "D")
    panel = Panel(ids=[f"s{i}" for i in range(30)], dates=dates, y=y, freq="D")
    models = make_models(["SeasonalNaive", "ADIDA", "TSB", "CrostonOptimized"])
    bt = backtest(panel, models, 14, 2)
    classes = demand_class(panel)
    choice = choose(bt, classes)
    preds, actual = calibration_windows(panel, models, bt, choice, classes, 5)
    assert len(preds) == len(actual) == 5
    for p, q in zip(preds[-2:], chosen_backtest(bt, choice, classes), strict=True):
        np.testing.assert_array_equal(p, q)  # the inner windows are reused as they are
    for k, a in zip(range(5, 0, -1), actual, strict=True):  # oldest first, each the next h periods of its cut
        np.testing.assert_array_equal(a, y[:, 120 - k * 14 : 120 - k * 14 + 14])
    # an older window is the chosen members' pooled forecast (per class) from that cut
    cut = panel.cut(120 - 5 * 14)
    finals = {m.name: m.forecast(cut, 14) for m in models}
    for g in set(classes.tolist()):
        key, mask = (g if g in choice.members else "all"), classes == g
        expect = choice.pool(key, [finals[m][mask] for m in choice.members[key]])
        np.testing.assert_allclose(preds[0][mask], expect)
    # a history too short for older cuts keeps what it holds (cuts before period 14 are skipped)
    short = panel.cut(54)
    bt_s = backtest(short, models, 14, 2)
    cls_s = demand_class(short)
    p_s, a_s = calibration_windows(short, models, bt_s, choose(bt_s, cls_s), cls_s, 6)
    assert len(p_s) == len(a_s) == 2
