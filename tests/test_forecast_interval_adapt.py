"""Session 22's interval rules (forecast/interval_rules.py): relative and level-ratio scores follow a level
that has moved since calibration, online ACI moves the level by the miss it sees, the signed rule shifts
with a biased forecast, and bench/forecast_interval_adapt.py's baseline is forecast_interval_select's."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.forecast.ensemble import series_scale
from shopmind.forecast.interval_rules import (
    LEVEL_RATIO_CLIP,
    aci_online_level,
    forecast_level,
    level_ratio,
    local_level,
    rule_quantiles,
    signed_quantiles,
    step_shape,
    winkler,
)
from shopmind.forecast.series import Panel


def _shifted_panel(seed: int = 0) -> tuple[Panel, np.ndarray]:
    """300 series with multiplicative noise (sd 25 % of the level) whose level doubles at period 40."""
    rng = np.random.default_rng(seed)
    n, t_all = 300, 66
    base = np.exp(rng.normal(3, 1, (n, 1)))
    level = np.where(np.arange(t_all)[None] < 40, base, 2 * base)
    y = np.clip(level * (1 + 0.25 * rng.normal(size=(n, t_all))), 0, None)
    dates = np.datetime64("2021-01-04") + 7 * np.arange(t_all)
    return Panel(ids=[f"s{i}" for i in range(n)], dates=dates, y=y, freq="W"), level


def _cover(panel: Panel, level: np.ndarray, scale_at) -> dict[int, float]:  # noqa: ANN001
    """Calibrate on the windows cut at 14 and 27 (13 steps, old level; the forecast is the true level),
    score the 13 steps from 53 (the doubled level); ``scale_at(cut)`` is the rule's per-series scale."""
    h, v = 13, 53
    wins = [np.abs(panel.y[:, c : c + h] - level[:, c : c + h]) / scale_at(c)[:, None] for c in (14, 27)]
    q = rule_quantiles(wins, h, (80, 95), "pooled")
    actual, mean = panel.y[:, v : v + h], level[:, v : v + h]
    return {lv: float(np.mean(np.abs(actual - mean) <= q[lv][0] * scale_at(v)[:, None])) for lv in q}


def test_relative_and_level_ratio_cover_a_level_that_moved_where_pooled_under_covers() -> None:
    panel, level = _shifted_panel()
    pooled = _cover(panel, level, lambda c: series_scale(panel.cut(c)))
    relative = _cover(panel, level, lambda c: local_level(panel.cut(c)))
    ratio = _cover(panel, level, lambda c: series_scale(panel.cut(c)) * level_ratio(panel.cut(c)))
    assert pooled[80] < 0.65 and pooled[95] < 0.85  # the whole-history unit lags the doubled level
    assert abs(relative[80] - 0.80) < 0.04 and abs(relative[95] - 0.95) < 0.03
    assert ratio[80] > pooled[80] + 0.1 and ratio[95] > pooled[95] + 0.05


def test_local_level_and_level_ratio() -> None:
    panel, level = _shifted_panel(1)
    cut = panel.cut(53)
    np.testing.assert_allclose(local_level(cut), level[:, 52], rtol=0.2)  # the last 13 periods' mean
    assert np.all(level_ratio(cut) > 1.2)  # the recent level is above the history's mean
    t = np.arange(100)
    y = np.vstack([np.where(t < 90, 1.0, 100.0), np.zeros(100), np.where(t < 87, 3.0, 0.0)])
    p = Panel(ids=["jump", "zero", "stopped"], dates=np.datetime64("2021-01-04") + 7 * t, y=y, freq="W")
    r = level_ratio(p)
    assert r[0] == LEVEL_RATIO_CLIP[1] and r[1] == 1.0 and r[2] == 1.0  # clipped; no positive mean -> 1
    assert local_level(p)[2] == pytest.approx(series_scale(p)[2])  # no recent level: the unit


def test_forecast_level_falls_back_where_the_forecast_is_zero() -> None:
    mean = np.array([[2.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(forecast_level(mean, np.array([7.0, 7.0])), [3.0, 7.0])


def test_aci_online_level_moves_by_the_miss_it_sees() -> None:
    rng = np.random.default_rng(3)
    same = [np.abs(rng.normal(0, 1, (200, 13))) for _ in range(2)]
    assert abs(aci_online_level(same, 80) - 80) < 2
    grown = [np.abs(rng.normal(0, 1, (200, 13))), np.abs(rng.normal(0, 2, (200, 13)))]
    up = aci_online_level(grown, 80)
    assert up > 90  # the newer window misses ~half the time: the level rises by about that gap
    shrunk = [np.abs(rng.normal(0, 2, (200, 13))), np.abs(rng.normal(0, 0.5, (200, 13)))]
    assert aci_online_level(shrunk, 80) < 70
    assert aci_online_level(same[:1], 80) == 80  # one window: no update
    q_up = rule_quantiles(grown, 13, (80,), "pooled-aci-online")[80][0]
    assert q_up > rule_quantiles(grown, 13, (80,), "pooled")[80][0]


def test_signed_quantiles_follow_a_biased_forecast() -> None:
    rng = np.random.default_rng(4)
    signed = rng.normal(1.0, 1.0, 20_000)  # the forecast runs one sd low
    lo, hi = signed_quantiles(signed, 80)
    assert lo == pytest.approx(1 - 1.2816, abs=0.05) and hi == pytest.approx(1 + 1.2816, abs=0.05)
    fresh = rng.normal(1.0, 1.0, 20_000)
    assert abs(np.mean((fresh >= lo) & (fresh <= hi)) - 0.80) < 0.015
    sym = rule_quantiles([np.abs(signed)[None]], 1, (80,), "pooled")[80][0]
    assert np.mean(fresh > sym) > 0.15  # the symmetric band's upper tail misses ~ twice its 10 %
    assert signed_quantiles(np.array([np.nan]), 80) == (0.0, 0.0)
    with pytest.raises(ValueError, match="signed_quantiles"):
        rule_quantiles([np.abs(signed)[None]], 1, (80,), "pooled-signed")


def test_winkler_score() -> None:
    actual = np.array([5.0, 12.0, 0.0])
    lo, hi = np.array([4.0, 4.0, 4.0]), np.array([10.0, 10.0, 10.0])
    # inside: the width; above by 2 at 80 %: width + 2 / 0.2 * 2; below by 4: width + 10 * 4
    np.testing.assert_allclose(winkler(actual, lo, hi, 80), [6.0, 26.0, 46.0])


def test_adapt_bench_baseline_is_the_select_benchs_pooled() -> None:
    """bench/forecast_interval_adapt.py's ``pooled`` coverage at a validation origin equals
    forecast_interval_select's (which test_forecast_interval_rules ties to evaluate.run), and its
    candidates give other intervals on a panel whose level moves."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from forecast_interval_adapt import ALL, score_origin
    from forecast_interval_select import fit_cuts
    from forecast_interval_select import score_origin as select_score

    rng = np.random.default_rng(7)
    t = np.arange(45)
    y = np.exp(rng.normal(3, 0.3, (30, 1)) + 0.02 * t + rng.normal(0, 0.25, (30, 45)))
    panel = Panel(ids=[f"s{i}" for i in range(30)], dates=np.datetime64("2021-01-04") + 7 * t, y=y, freq="W")
    hv, v = 8, 33
    z = fit_cuts(panel, [v - 2 * hv, v - hv, v], hv, ["SeasonalNaive", "ADIDA", "TSB"], thief=False)
    got = score_origin(panel, z, v, hv, 2, None)
    ref = select_score(panel, z, v, hv, 2, None)
    for lv in (80, 95):
        assert got["pooled"]["coverage"][lv] == pytest.approx(ref["pooled"][lv], abs=1e-12)
        assert got["step"]["coverage"][lv] == pytest.approx(ref["step"][lv], abs=1e-12)
    assert set(got) == set(ALL)
    scores = {r: got[r]["interval_score"][80] for r in ALL}
    assert all(np.isfinite(s) and s > 0 for s in scores.values())
    assert len({round(s, 9) for s in scores.values()}) > 3  # the rules really differ


def test_step_shape_widens_with_the_step_and_keeps_pooled_calibration() -> None:
    """Errors whose spread grows with the step (a level drifting away from the forecast): the pooled rule
    over-covers early steps and under-covers late ones; the step-shaped rule is about nominal at both ends
    and overall."""
    rng = np.random.default_rng(5)
    grow = np.linspace(1.0, 3.0, 13)[None]
    wins = [np.abs(rng.normal(0, 1, (300, 13)) * grow) for _ in range(2)]
    test = np.abs(rng.normal(0, 1, (2000, 13)) * grow)
    shaped = rule_quantiles(wins, 13, (80,), "pooled-step-shape")[80]
    flat = rule_quantiles(wins, 13, (80,), "pooled")[80]
    assert np.all(np.diff(shaped) >= 0) and shaped[-1] > 2 * shaped[0]
    cov_s, cov_f = np.mean(test <= shaped[None], axis=0), np.mean(test <= flat[None], axis=0)
    assert cov_f[0] > 0.95 and cov_f[-1] < 0.65  # one width: far off at both ends
    assert abs(cov_s[0] - 0.80) < 0.06 and abs(cov_s[-1] - 0.80) < 0.06
    assert abs(np.mean(test <= shaped[None]) - 0.80) < 0.02
    np.testing.assert_allclose(step_shape(np.zeros((4, 3))), [1.0, 1.0, 1.0])  # no positive median
