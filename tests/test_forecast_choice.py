"""The ensemble's choice per demand class (shopmind.forecast.ensemble.choose) and its margin (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.forecast.ensemble import MARGIN, Backtest, choose


def _backtest(errors: dict[str, float], n: int = 30, h: int = 5) -> Backtest:
    """One window where model ``m`` misses every actual by ``errors[m]`` (scale 1: MASE = the error)."""
    rng = np.random.default_rng(0)
    actual = rng.uniform(1.0, 5.0, size=(n, h))
    bt = Backtest(h=h, actual=[actual], mase_scale=[np.ones(n)], unit=[np.ones(n)])
    bt.preds = {m: [actual + e] for m, e in errors.items()}
    return bt


def test_the_median_of_all_stands_unless_a_combination_beats_it_by_the_margin() -> None:
    classes = np.array(["smooth"] * 30, dtype=object)
    close = _backtest({"a": 0.50, "b": 0.52, "c": 0.54, "d": 0.56})  # median of all: 0.53, best: a 0.50
    chosen = choose(close, classes, margin=0.10)
    assert chosen.how["smooth"] == "median" and sorted(chosen.members["smooth"]) == ["a", "b", "c", "d"]
    assert chosen.backtest_mase["smooth"] == pytest.approx(0.53)
    plain = choose(close, classes, margin=0.0)  # without the margin: the lowest inner MASE wins
    assert plain.members["smooth"] == ["a"] and plain.backtest_mase["smooth"] == pytest.approx(0.50)
    clear = _backtest({"a": 0.30, "b": 0.52, "c": 0.54, "d": 0.56})  # a beats the median (0.53) by 43 %
    assert choose(clear, classes, margin=0.10).members["smooth"] == ["a"]
    assert choose(close, classes).how["smooth"] == "median" and MARGIN == 0.10  # the default is the margin


def test_candidates_swap_models_in_their_class_only() -> None:
    from shopmind.forecast.ensemble import candidates

    names = ["a", "b", "c", "T-a", "T-b"]
    swaps = {"smooth": {"a": "T-a", "b": "T-b"}}
    assert candidates(names, "smooth", swaps) == ["T-a", "T-b", "c"]
    assert candidates(names, "lumpy", swaps) == ["a", "b", "c"]
    assert candidates(names, "all", swaps) == ["a", "b", "c"]
    assert candidates(names, "smooth", None) == names
    # a swap whose replacement was not run leaves the model as it is
    assert candidates(["a", "c"], "smooth", {"smooth": {"a": "T-a"}}) == ["a", "c"]


def test_choose_with_swaps_uses_the_replacements_for_that_class_alone() -> None:
    classes = np.array(["smooth"] * 30 + ["lumpy"] * 30, dtype=object)
    # the replacement forms are better everywhere; only the smooth class may take them
    bt = _backtest({"a": 0.5, "b": 0.6, "c": 0.7, "d": 0.8, "T-a": 0.1, "T-b": 0.2}, n=60)
    ch = choose(bt, classes, margin=0.0, swaps={"smooth": {"a": "T-a", "b": "T-b"}})
    assert ch.members["smooth"] == ["T-a"] and ch.backtest_mase["smooth"] == pytest.approx(0.1)
    assert ch.members["lumpy"] == ["a"] and ch.members["all"] == ["a"]
    close = _backtest({"a": 0.50, "b": 0.52, "c": 0.54, "d": 0.56, "T-a": 0.49, "T-b": 0.51}, n=60)
    med = choose(close, classes, swaps={"smooth": {"a": "T-a", "b": "T-b"}})  # the margin's median of all
    assert sorted(med.members["smooth"]) == ["T-a", "T-b", "c", "d"]
    assert sorted(med.members["lumpy"]) == ["a", "b", "c", "d"]


def test_pooled_steps_give_one_conformal_quantile_per_class_at_the_finite_sample_rank() -> None:
    rng = np.random.default_rng(4)
    n, h = 40, 6
    actual = rng.uniform(1.0, 5.0, size=(n, h))
    err = rng.normal(0.0, 1.0, size=(n, h)) * np.arange(1, h + 1)  # spread grows with the step
    bt = Backtest(h=h, actual=[actual], mase_scale=[np.ones(n)], unit=[np.ones(n)])
    bt.preds = {"a": [actual + err], "b": [actual + err]}
    classes = np.array(["smooth"] * n, dtype=object)
    each = choose(bt, classes, margin=0.0).quantiles["smooth"]
    pooled = choose(bt, classes, margin=0.0, pool_steps=True).quantiles["smooth"]
    scores = np.sort(np.abs(err).ravel())
    for lv in (80, 95):
        # as ensemble._conformal, over every step's scores
        rank = np.ceil((scores.size + 1) * lv / 100) / scores.size
        assert pooled[lv].tolist() == [np.quantile(scores, rank, method="higher")] * h
        assert np.all(np.diff(each[lv]) >= 0) and each[lv][0] < pooled[lv][0] < each[lv][-1]


def test_weekly_panels_pool_the_steps_and_daily_ones_keep_them() -> None:
    from shopmind.forecast.ensemble import POOL_STEPS_FREQS, fit_forecast
    from shopmind.forecast.models import make_models
    from shopmind.forecast.series import Panel

    rng = np.random.default_rng(5)
    y = rng.poisson(8.0, size=(30, 60)).astype(float)
    out = {}
    for freq, step in (("W", 7), ("D", 1)):
        dates = np.datetime64("2024-01-01") + np.arange(60) * np.timedelta64(step, "D")
        panel = Panel(ids=[f"s{i}" for i in range(30)], dates=dates, y=y, freq=freq)
        _, _, choice, _ = fit_forecast(panel, make_models(["SeasonalNaive", "ADIDA"]), 5, windows=2)
        out[freq] = choice.quantiles["all"][80]
    assert POOL_STEPS_FREQS == ("W",)
    assert np.unique(out["W"]).size == 1  # one quantile for every step
    assert np.unique(out["D"]).size > 1  # per step, non-decreasing
