"""Ours' partner on weekly panels: the median of the chosen ensemble and LightGBM-mase (ensemble.PARTNER_FREQS,
session 26, bench/forecast_weekly_base.py)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.forecast.ensemble import WITH_PARTNER, Backtest, choose, chosen_backtest, fit_forecast, pool
from shopmind.forecast.models import MASE_GBM, make_models
from shopmind.forecast.residual import weekly_pool
from shopmind.forecast.series import Panel


def test_pool_with_partner_is_the_median_of_the_ensemble_and_the_last_member() -> None:
    a, b, c, p = (np.full((2, 3), v) for v in (1.0, 2.0, 6.0, 0.0))
    assert np.allclose(pool([a, b, c, p], "median" + WITH_PARTNER), 1.0)  # median(1, 2, 6) = 2 with 0 -> 1
    assert np.allclose(pool([a, b, c, p], "mean" + WITH_PARTNER), 1.5)  # mean 3 with 0 -> 1.5
    assert np.allclose(pool([c, p], "mean" + WITH_PARTNER), 3.0)


def test_choose_keeps_the_partner_out_of_the_choice_and_scores_the_joint_point() -> None:
    rng = np.random.default_rng(0)
    n, h = 30, 4
    actual = rng.uniform(1.0, 5.0, size=(n, h))
    bt = Backtest(h=h, actual=[actual], mase_scale=[np.ones(n)], unit=[np.ones(n)])
    # the partner alone would be chosen (error 0.1); as the partner it is only ever half of the point
    bt.preds = {"a": [actual + 0.5], "b": [actual + 0.9], "p": [actual - 0.1]}
    classes = np.array(["smooth"] * n, dtype=object)
    without = choose(bt, classes, margin=0.0)
    assert without.members["smooth"] == ["p"]
    ch = choose(bt, classes, margin=0.0, partner="p")
    assert ch.members["smooth"] == ["a", "p"] and ch.how["smooth"] == "mean" + WITH_PARTNER
    assert ch.backtest_mase["smooth"] == pytest.approx(0.2)  # (0.5 - 0.1) / 2
    # the quantiles are those of the joint point's errors: every error is 0.2 here
    assert np.allclose(ch.quantiles["smooth"][80], 0.2)
    (joint,) = chosen_backtest(bt, ch, classes)
    assert np.allclose(joint, actual + 0.2)


def _weekly(n: int, T: int, seed: int) -> Panel:
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.3, 6.0, size=(n, 1))
    y = rng.poisson(level * (1 + 0.3 * np.sin(np.arange(T) / 4.0))).astype(float)
    dates = np.datetime64("2024-01-01") + np.arange(T) * np.timedelta64(7, "D")
    return Panel(ids=[f"p{i}" for i in range(n)], dates=dates, y=y, freq="W")


def test_weekly_forecast_is_the_median_of_the_ensemble_and_the_partner() -> None:
    models = make_models(["SeasonalNaive", "TSB", "ADIDA"])
    pooled, _ = weekly_pool(models)
    names = [m.name for m in pooled]
    assert names.count(MASE_GBM) == 1 and names[-1] == MASE_GBM
    assert [m.name for m in weekly_pool([*models, *make_models([MASE_GBM])])[0]].count(MASE_GBM) == 1
    panel = _weekly(40, 60, seed=1)
    fc, bt, choice, finals = fit_forecast(panel, models, 13, windows=2)
    assert MASE_GBM in finals and MASE_GBM in bt.preds
    for g, members in choice.members.items():
        assert members[-1] == MASE_GBM and members.count(MASE_GBM) == 1
        assert choice.how[g].endswith(WITH_PARTNER)
    for g in set(fc.classes.tolist()):
        mask = fc.classes == g
        key = g if g in choice.members else "all"
        rest = [finals[m][mask] for m in choice.members[key][:-1]]
        ens = pool(rest, choice.how[key][: -len(WITH_PARTNER)])
        np.testing.assert_allclose(fc.mean[mask], (ens + finals[MASE_GBM][mask]) / 2)


def test_daily_panels_have_no_partner() -> None:
    rng = np.random.default_rng(2)
    y = rng.poisson(3.0, size=(20, 120)).astype(float)
    dates = np.datetime64("2024-01-01") + np.arange(120).astype("timedelta64[D]")
    panel = Panel(ids=[f"d{i}" for i in range(20)], dates=dates, y=y, freq="D")
    _, bt, choice, _ = fit_forecast(panel, make_models(["SeasonalNaive", "TSB", "ADIDA"]), 14, windows=2)
    assert MASE_GBM not in bt.preds
    assert all(not how.endswith(WITH_PARTNER) for how in choice.how.values())
