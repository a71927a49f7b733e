"""evaluate forecast's global models fitted on every eligible series (pooled.scoring_pool; issue 14, session 21)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.forecast import pooled
from shopmind.forecast.evaluate import _eligible, run
from shopmind.forecast.series import Panel

H, INNER = 4, 2
NAMES = ["SeasonalNaive", "ADIDA", "LightGBM"]


def _weekly(y: np.ndarray) -> Panel:
    dates = np.datetime64("2024-01-01") + np.arange(y.shape[1]) * np.timedelta64(7, "D")
    return Panel(ids=[f"s{i}" for i in range(y.shape[0])], dates=dates, y=y, freq="W")


def _panel(seed: int = 0) -> Panel:
    """80 weekly series of 40 weeks; the first 10 start at week 30 (too late to be eligible)."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.5, 25.0, size=(80, 1))
    y = rng.poisson(level * (1.0 + 0.01 * np.arange(40))[None, :]).astype(float)
    y[:10, :30] = np.nan
    return _weekly(y)


def _run(panel: Panel, mode: str) -> dict:
    return run(
        panel, H, 1, NAMES, INNER, max_series=20, seed=3, thief=False, global_pool=mode, log=lambda _: None
    )


def _eligible_rows(panel: Panel) -> np.ndarray:
    return _eligible(panel, panel.T - H, (INNER + 1) * H + panel.season)


def test_scoring_pool_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    panel = _panel()
    elig = _eligible_rows(panel)
    assert elig.size == 70 and elig.min() == 10  # the late starters are not eligible
    sample = elig[:20]
    got = pooled.scoring_pool(panel, elig, sample, "eligible")
    assert got is not None and got.ids == [panel.ids[i] for i in elig]
    assert pooled.scoring_pool(panel, elig, sample, "sample") is None
    assert pooled.scoring_pool(panel, elig, elig, "eligible") is None  # the sample holds them all
    monkeypatch.setattr(pooled, "GLOBAL_POOL_FREQS", ())
    assert pooled.scoring_pool(panel, elig, sample, "auto") is None
    monkeypatch.setattr(pooled, "GLOBAL_POOL_FREQS", ("W",))
    assert pooled.scoring_pool(panel, elig, sample, "auto") is not None
    with pytest.raises(ValueError, match="global pool"):
        pooled.scoring_pool(panel, elig, sample, "everything")


def test_eligible_pool_changes_the_global_models_only() -> None:
    panel = _panel()
    alone, wide = _run(panel, "sample"), _run(panel, "eligible")
    assert alone["series"] == wide["series"] == 20
    assert alone["global_pool_series"] == 20 and wide["global_pool_series"] == 70
    for name in ("SeasonalNaive", "ADIDA"):  # local models: one fit per series, the pool is not theirs
        assert wide["models"][name]["mase"] == alone["models"][name]["mase"]
    assert wide["models"]["LightGBM"]["mase"] != alone["models"]["LightGBM"]["mase"]
    assert np.isfinite(wide["models"]["ours"]["mase"])


def test_the_pool_never_reads_past_the_cut_nor_an_ineligible_series() -> None:
    panel = _panel(seed=1)
    base = _run(panel, "eligible")
    bad = _weekly(panel.y.copy())
    elig = _eligible_rows(panel)
    # every eligible series' holdout (the sample's own is scored, so restored below)
    bad.y[elig, panel.T - H :] = 1e6
    bad.y[:10] *= 1000.0  # the ineligible late starters, whole
    rows = np.sort(np.random.default_rng(3).choice(elig, 20, replace=False))  # evaluate's sample
    bad.y[rows] = panel.y[rows]
    again = _run(bad, "eligible")
    for name in ("ours", "LightGBM", "ADIDA"):
        assert again["models"][name]["mase"] == base["models"][name]["mase"]
        assert again["models"][name]["bias"] == base["models"][name]["bias"]


def test_weekly_panels_pool_by_default_daily_ones_do_not() -> None:
    # session 21 (bench/forecast_global_all.py's rule): weekly adopted, daily not judged
    assert pooled.GLOBAL_POOL_FREQS == ("W",)
    weekly = _panel()
    elig = _eligible_rows(weekly)
    assert pooled.scoring_pool(weekly, elig, elig[:20]) is not None
    daily = Panel(ids=weekly.ids, dates=weekly.dates[0] + np.arange(weekly.T), y=weekly.y, freq="D")
    assert pooled.scoring_pool(daily, elig, elig[:20]) is None
