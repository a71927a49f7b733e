"""shopmind.forecast.residual: a global LightGBM of a base forecaster's residuals (issue 14)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopmind.forecast.residual import ResidualGBM
from shopmind.forecast.series import Panel


def _weekly(y: np.ndarray) -> Panel:
    dates = np.datetime64("2024-01-01") + np.arange(y.shape[1]) * np.timedelta64(7, "D")
    return Panel(ids=[f"s{i}" for i in range(y.shape[0])], dates=dates, y=y, freq="W")


@dataclass
class HalfMean:
    """A base that forecasts half the history mean: biased by a factor the residual model can learn."""

    name: str = "HalfMean"

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        return np.tile(0.5 * np.nanmean(panel.y, axis=1, keepdims=True), (1, h))


def test_the_residual_model_corrects_a_biased_base() -> None:
    rng = np.random.default_rng(0)
    level = rng.uniform(5.0, 50.0, size=(200, 1))
    y = rng.poisson(np.tile(level, (1, 40))).astype(float)
    panel, h = _weekly(y), 6
    base = HalfMean().forecast(panel, h)
    fc = ResidualGBM(HalfMean()).forecast(panel, h)
    assert fc.shape == (200, h) and np.all(fc >= 0)
    err_base = np.mean(np.abs(base - level))
    err_fc = np.mean(np.abs(fc - level))
    assert err_fc < 0.3 * err_base, (err_fc, err_base)  # most of the halving is learned back
    assert ResidualGBM(HalfMean()).name == "HalfMean+GBMres"


@dataclass
class Recording(HalfMean):
    """HalfMean that records the history length and horizon of every call."""

    calls: list[tuple[int, int]] | None = None

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        self.calls = [*(self.calls or []), (panel.T, h)]
        return super().forecast(panel, h)


def test_each_training_forecast_of_the_base_ends_before_its_targets() -> None:
    rng = np.random.default_rng(1)
    y = rng.poisson(10.0, size=(60, 30)).astype(float)
    base = Recording()
    ResidualGBM(base, n_origins=5).forecast(_weekly(y), 4)
    final, *train = base.calls or []
    assert final == (30, 4)  # the forecast itself: the whole history
    # origins t = 28, 27, ..., 24: the base sees periods [0, t] and forecasts min(h, T - 1 - t) steps,
    # every one of them inside the history (targets t+1..t+hh <= T-1), never past it
    assert train == [(29, 1), (28, 2), (27, 3), (26, 4), (25, 4)]
    assert all(T_seen + hh <= 30 for T_seen, hh in train)


def test_the_weekly_pool_adds_the_huber_residual_model_of_thief_adida_when_adida_is_asked_for() -> None:
    from shopmind.forecast.models import make_models
    from shopmind.forecast.residual import weekly_pool

    names = [m.name for m in weekly_pool(make_models(["SeasonalNaive", "ADIDA"]))[0]]
    assert names == [
        "SeasonalNaive",
        "ADIDA",
        "THieF-SeasonalNaive",
        "THieF-ADIDA",
        "THieF-ADIDA+GBMres-huber",
        "LightGBM-mase",  # ours' partner (ensemble.PARTNER_FREQS), kept out of the choice by choose
    ]
    assert "THieF-ADIDA+GBMres-huber" not in [m.name for m in weekly_pool(make_models(["TSB"]))[0]]
    swaps = weekly_pool(make_models(["SeasonalNaive", "ADIDA"]))[1]
    assert swaps == {"smooth": {"SeasonalNaive": "THieF-SeasonalNaive", "ADIDA": "THieF-ADIDA"}}
