"""The re-centred count intervals (calibrate.level_factor / leveled_intervals), chosen for daily count
panels on validation cuts by bench/forecast_count_validation.py, and evaluate's use and report of them."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from shopmind.forecast import calibrate, counts, sf_intervals
from shopmind.forecast.evaluate import OURS, _eligible, load_panel, run
from shopmind.forecast.series import Panel

DATA = Path(os.environ.get("SHOPMIND_DATA", "../shared/data"))


def _nb(rng: np.random.Generator, mu: np.ndarray, alpha: float) -> np.ndarray:
    n = 1 / alpha
    return rng.negative_binomial(n, n / (n + mu)).astype(float)


def test_level_factor_is_each_class_total_actual_over_forecast_clipped() -> None:
    pred = [np.full((4, 2), 4.0), np.full((4, 2), 4.0)]
    actual = [np.array([[3.0, 3.0], [3.0, 3.0], [10.0, 10.0], [np.nan, 10.0]])] * 2
    groups = np.array(["a", "a", "b", "b"], dtype=object)
    # groups of 8 / 6 finite points are below counts.MIN_POINTS: every series takes the pooled ratio
    pooled = calibrate.level_factor(pred, actual, groups)
    assert pooled == pytest.approx(np.full(4, (3 * 8 + 10 * 6) / (4.0 * 14)))  # the NaN point left out
    big_p = [np.full((400, 1), 2.0)]
    big_a = [np.concatenate([np.full((200, 1), 3.0), np.full((200, 1), 20.0)])]
    g = np.array(["a"] * 200 + ["b"] * 200, dtype=object)
    f = calibrate.level_factor(big_p, big_a, g)
    assert f[0] == pytest.approx(1.5) and f[-1] == pytest.approx(calibrate.LEVEL_BOUNDS[1])  # 10 clipped to 2


def test_recentred_intervals_cover_a_forecast_that_runs_low() -> None:
    """A forecast at 0.6x the true mean: the width-only rule reaches 80 % central PIT coverage with most
    misses in the upper tail; re-centred, the PIT's tails are balanced and the coverage is still nominal."""
    rng = np.random.default_rng(7)
    n, h = 300, 14
    mu = rng.uniform(0.5, 6.0, size=(n, 1)) * np.ones((1, h))
    low = 0.6 * mu
    classes = np.full(n, "smooth", dtype=object)
    volume = np.full(n, "mid", dtype=object)
    cal_p, cal_a = [low, low], [_nb(rng, mu, 0.3), _nb(rng, mu, 0.3)]
    fresh = _nb(rng, mu, 0.3)
    *_, alphas, centre = calibrate.leveled_intervals(low, cal_p, cal_a, classes, volume, (80,), seed=1)
    assert centre / low == pytest.approx(np.full((n, h), centre[0, 0] / low[0, 0]))
    assert centre[0, 0] / low[0, 0] == pytest.approx(1 / 0.6, rel=0.05)
    cov = np.mean(counts.pit_coverage(fresh, centre, alphas[80], (80,), seed=2)["pit_80"])
    assert cov == pytest.approx(0.80, abs=0.03)
    # the PIT's upper tail (above 0.9) holds about its 10 % once re-centred, not most of the misses
    hi_c = counts.cdf(fresh - 1, centre, alphas[80])
    assert np.mean(hi_c > 0.9) < 0.13


def test_evaluate_reports_the_candidates_on_count_data() -> None:
    rng = np.random.default_rng(11)
    n, t = 30, 120
    mu = rng.uniform(0.3, 3.0, size=(n, 1)) * (1 + 0.3 * np.sin(np.arange(t) * 2 * np.pi / 7))[None, :]
    y = _nb(rng, mu, 0.5)
    panel = Panel(
        ids=[f"p{i}" for i in range(n)],
        dates=np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-01") + t),
        y=y,
        freq="D",
    )
    res = run(panel, 14, 1, ["SeasonalNaive", "ADIDA"], 2, max_series=0, log=lambda _s: None)
    ours = res["models"][OURS]
    for lv in (80, 95):
        for key in ("expected", "level", "class"):
            assert 0.5 < ours[f"coverage_pit{lv}_{key}"] <= 1.0
        # daily count panels use the re-centred intervals (calibrate.RECENTRE_FREQS); the width-only rule
        # stays reported beside them
        assert ours[f"coverage_pit{lv}"] == ours[f"coverage_pit{lv}_level"]
    assert "D" in calibrate.RECENTRE_FREQS and "W" not in calibrate.RECENTRE_FREQS


@pytest.mark.skipif(not (DATA / "online-retail").exists(), reason="Online Retail data folder absent")
def test_on_online_retail_day_a_low_point_is_covered_nearer_nominal_once_recentred(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The validation cut of bench/forecast_count_validation.py where ours ran lowest (2011-10-29, inside the
    holdout's training window): evaluate's own run, 3 models; the points are untouched, the intervals move.
    The demand is the one this case was measured on (session 20): the gate's flagged quantity outliers kept
    (``flagged="keep"``; since t14e evaluate leaves them out by default, and ours no longer picks LightGBM alone
    at this cut)."""
    monkeypatch.setattr(sf_intervals, "SUPPORTED", ())  # the peers' own intervals: not what is tested
    panel, _ = load_panel("online-retail", DATA / "online-retail", "day", flagged="keep")
    rows = _eligible(panel, panel.T - 14, 3 * 14 + 7)
    rows = np.sort(np.random.default_rng(0).choice(rows, 40, replace=False))  # the evaluate command's sample
    v = int(np.flatnonzero(panel.dates == np.datetime64("2011-10-29"))[0])
    res = run(panel.subset(rows).cut(v + 14), 14, 1, ["SeasonalNaive", "ADIDA", "LightGBM"], 2, max_series=0,
              log=lambda _s: None)  # fmt: skip
    ours = res["models"][OURS]
    assert ours["bias"] < -0.5  # the point runs low here (-0.578 when measured)
    assert ours["mase"] == pytest.approx(res["models"]["LightGBM"]["mase"])  # ours chose LightGBM alone
    for lv, used, width_only in ((80, 0.766, 0.762), (95, 0.929, 0.919)):
        assert ours[f"coverage_pit{lv}"] == pytest.approx(used, abs=0.01)
        assert ours[f"coverage_pit{lv}_class"] == pytest.approx(width_only, abs=0.01)
        assert abs(ours[f"coverage_pit{lv}"] - lv / 100) < abs(ours[f"coverage_pit{lv}_class"] - lv / 100)
