"""Interval rules (forecast/interval_rules.py): the two existing rules reproduce ensemble._conformal, and the
drift-aware ones widen when the newest inner window's errors are larger than the older one's."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.forecast.ensemble import _conformal
from shopmind.forecast.interval_rules import (
    ACI_GAMMA,
    RULES,
    aci_level,
    pooled_quantile,
    recent_scale,
    rule_quantiles,
)
from shopmind.forecast.series import Panel


def _windows(seed: int = 0, growth: float = 1.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.abs(rng.normal(0, 1, (60, 13))), np.abs(rng.normal(0, growth, (60, 13)))]


def test_step_and_pooled_match_the_ensembles_conformal() -> None:
    w = _windows()
    w[0][3, 4] = np.nan
    for pool_steps, rule in [(False, "step"), (True, "pooled"), (True, "pooled-recent-scale")]:
        ref = _conformal(np.vstack(w), 13, (80, 95), pool_steps)
        got = rule_quantiles(w, 13, (80, 95), rule)
        for lv in (80, 95):
            np.testing.assert_allclose(got[lv], ref[lv])
    assert np.all(np.diff(rule_quantiles(w, 13, (80,), "step")[80]) >= 0)


def test_pooled_quantile_is_the_corrected_higher_quantile() -> None:
    v = np.arange(1.0, 21.0)  # 20 scores: rank ceil(21 * 0.8) / 20 = 0.85, "higher" -> index 17
    assert pooled_quantile(v, 80) == 18.0
    assert pooled_quantile(v, 95) == 20.0
    assert pooled_quantile(np.array([np.nan]), 80) == 0.0


def test_recency_with_one_window_is_pooled_and_weights_the_newer_window() -> None:
    w = _windows(growth=2.0)
    one = rule_quantiles(w[:1], 13, (80,), "pooled-recency")[80]
    np.testing.assert_allclose(one, rule_quantiles(w[:1], 13, (80,), "pooled")[80])
    rep = np.concatenate([w[0].ravel(), w[1].ravel(), w[1].ravel()])
    assert rule_quantiles(w, 13, (80,), "pooled-recency")[80][0] == pooled_quantile(rep, 80)


def test_aci_level_moves_by_the_newest_windows_miss() -> None:
    same = _windows(growth=1.0)
    wide = _windows(growth=2.0)
    assert abs(aci_level(same, 80) - 80) < 3  # a miss near alpha leaves the level near 80
    miss = float(np.mean(wide[1] > pooled_quantile(wide[0].ravel(), 80)))
    assert miss > 0.4  # the old quantile misses the doubled errors often
    assert aci_level(wide, 80) == pytest.approx(100 * (1 - (0.2 + ACI_GAMMA * (0.2 - miss))))
    assert aci_level(wide[:1], 80) == 80  # one window: no update


def test_drift_rules_cover_a_level_shift_that_pooled_under_covers() -> None:
    """Errors that grew from the older to the newer window and keep growing in the scored window: the
    recency-weighted and ACI rules cover more of it than the pooled rule, which under-covers."""
    w = _windows(seed=1, growth=2.0)
    test = np.abs(np.random.default_rng(2).normal(0, 2.4, (60, 13)))
    cover = {
        r: {lv: float(np.mean(test <= q[0])) for lv, q in rule_quantiles(w, 13, (80, 95), r).items()}
        for r in RULES
    }
    assert cover["pooled"][80] < 0.72  # under-covers by more than 8 points
    assert cover["pooled-aci"][80] > cover["pooled"][80] + 0.08
    assert cover["pooled-recency"][80] > cover["pooled"][80] + 0.02
    assert cover["pooled-aci"][95] > cover["pooled"][95]


def test_recent_scale_follows_a_level_shift() -> None:
    t = np.arange(60)
    y = np.where(t < 40, 10 + (t % 2), 100 + 10 * (t % 2)).astype(float)  # steps of 1, then of 10
    panel = Panel(ids=["a"], dates=np.datetime64("2020-01-06") + 7 * t, y=y[None], freq="W")
    assert recent_scale(panel)[0] == pytest.approx(10.0)
    whole = np.nanmean(np.abs(np.diff(y)))
    assert whole < 8  # the whole-history unit lags the new level
    flat = Panel(ids=["b"], dates=panel.dates, y=np.full((1, 60), 5.0), freq="W")
    assert recent_scale(flat)[0] == pytest.approx(5.0)  # no change at all: mean demand (series_scale)


def test_unknown_rule_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown interval rule"):
        rule_quantiles(_windows(), 13, (80,), "nope")


def test_interval_bench_mirrors_evaluates_calibration(monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/forecast_interval_select.py scores a validation origin exactly as `evaluate` scores its outer
    cut: its pooled and per-step coverages equal evaluate.run's coverage of ours on the same panel."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from forecast_interval_select import auto_horizon, fit_cuts, score_origin
    from shopmind.forecast import evaluate

    assert auto_horizon(41, 13, 4, 1, 2, 1) == 10  # Online Retail's 41 training weeks hold no 3 x 13 + 8
    assert auto_horizon(885, 13, 3, 13, 2, 1) == 13
    rng = np.random.default_rng(7)
    t = np.arange(45)
    y = np.exp(rng.normal(3, 0.3, (30, 1)) + 0.01 * t + rng.normal(0, 0.25, (30, 45)))
    panel = Panel(ids=[f"s{i}" for i in range(30)], dates=np.datetime64("2021-01-04") + 7 * t, y=y, freq="W")
    names, hv, v = ["SeasonalNaive", "ADIDA", "TSB", "CrostonOptimized"], 8, 33
    z = fit_cuts(panel, [v - 2 * hv, v - hv, v], hv, names, thief=False)
    cov = score_origin(panel, z, v, hv, 2, None)
    for freqs, rule in [(("W",), "pooled"), ((), "step")]:
        monkeypatch.setattr(evaluate, "POOL_STEPS_FREQS", freqs)
        res = evaluate.run(panel.cut(v + hv), hv, 1, names, max_series=0, thief=False, log=lambda s: None)
        for lv in (80, 95):
            assert cov[rule][lv] == pytest.approx(res["models"]["ours"][f"coverage_{lv}"], abs=1e-12)
    assert cov["step"][80] != cov["pooled"][80]  # the two rules differ here, so the check has teeth
