"""Forecasters behind one small interface: ``forecast(panel, h) -> (n, h) point forecasts``.

Shaped like statsforecast's ``model.forecast(y, h)`` lifted to a panel, so a local model (one fit per
series, statsforecast's AutoETS/AutoTheta/AutoARIMA/SeasonalNaive/Croston/TSB/ADIDA) and a global
one (LightGBM across series, gbm.py) are interchangeable in the backtest and the ensemble.
Intervals are not the models' business: the ensemble calibrates them by conformal backtest
(conformal.py), the same way for every model, so their coverage is comparable.
statsforecast is imported lazily (inside the model), keeping ``shopmind demo`` start-up light.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from shopmind.forecast.series import Panel


class Forecaster(Protocol):
    """A model that forecasts every series of a panel ``h`` periods past its end."""

    name: str

    def forecast(self, panel: Panel, h: int) -> np.ndarray: ...


#: Minimum observed periods for a statsforecast model; shorter series get the fallback (mean).
MIN_OBS = 4


def _history(panel: Panel, i: int, start: int) -> np.ndarray:
    return panel.y[i, start:]


@dataclass
class SeasonalNaive:
    """The value one season ago (the M4/M5 benchmark); the last value when the history is shorter."""

    name: str = "SeasonalNaive"

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        m = panel.season
        y = np.nan_to_num(panel.y, nan=0.0)
        if m > panel.T:
            m = 1
        last = y[:, panel.T - m :]
        reps = -(-h // m)
        return np.tile(last, (1, reps))[:, :h]


@dataclass
class StatsModel:
    """One statsforecast model fitted per series (``make(season)`` builds a fresh instance).

    A series with fewer than ``MIN_OBS`` observations, or on which the model raises, gets its
    history mean; ``fallbacks`` counts them so a report can say how often that happened.
    """

    name: str
    make: Callable[[int], Any]
    fallbacks: int = field(default=0, init=False)

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        model = self.make(panel.season)
        starts = panel.starts()
        out = np.zeros((panel.n, h))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in range(panel.n):
                y = _history(panel, i, int(starts[i]))
                if y.size < MIN_OBS or not np.any(y):
                    out[i] = y.mean() if y.size else 0.0
                    self.fallbacks += y.size >= MIN_OBS
                    continue
                try:
                    f = np.asarray(model.forecast(y=y.astype(np.float64), h=h)["mean"], dtype=float)
                    if not np.all(np.isfinite(f)):
                        raise FloatingPointError("non-finite forecast")
                    out[i] = f
                except Exception:  # a model failing on one series must not lose the others
                    out[i] = y.mean()
                    self.fallbacks += 1
        return np.clip(out, 0.0, None)


def _sf() -> Any:
    import statsforecast.models as sfm

    return sfm


def _season_ok(m: int) -> int:
    return m if m > 1 else 1


STATS_MODELS: dict[str, Callable[[int], Any]] = {
    "AutoETS": lambda m: _sf().AutoETS(season_length=_season_ok(m)),
    "AutoTheta": lambda m: _sf().AutoTheta(season_length=_season_ok(m)),
    "AutoARIMA": lambda m: _sf().AutoARIMA(season_length=_season_ok(m)),
    "CrostonOptimized": lambda m: _sf().CrostonOptimized(),
    "TSB": lambda m: _sf().TSB(alpha_d=0.2, alpha_p=0.2),
    "ADIDA": lambda m: _sf().ADIDA(),
}
#: statsforecast models available by name but not in the default run (each is a peer when asked for):
#: IMAPA is ADIDA over every aggregation level up to the mean inter-demand interval, averaged (MAPA for
#: intermittent demand). CrostonSBA is Croston's method with the Syntetos-Boylan bias correction (the
#: classic estimate x 0.95, for intermittent demand); DynamicOptimizedTheta the theta method with its
#: theta and smoothing fitted (the generalised form AutoTheta chooses among). Both were judged as weekly
#: base models in session 26 (bench/forecast_weekly_base.py).
OPTIONAL_STATS_MODELS: dict[str, Callable[[int], Any]] = {
    "IMAPA": lambda m: _sf().IMAPA(),
    "CrostonSBA": lambda m: _sf().CrostonSBA(),
    "DynamicOptimizedTheta": lambda m: _sf().DynamicOptimizedTheta(season_length=_season_ok(m)),
}


#: The global LightGBM on the absolute-error loss: its point is the conditional *median* of each series'
#: scaled demand, the point MASE (a scaled absolute error) rewards. A candidate the ensemble weighs on its
#: inner windows like any other. On Online Retail's weekly training window it was the best single model at
#: each of 4 validation cuts, yet in the pool it left the holdout ratio at 1.001 (was 0.992) and 0.953 on the
#: long format (BENCHMARKS, issue 14, 2026-12-04): not a default. Its bias is negative by construction on
#: right-skewed demand, and the inventory policy wants the mean, so the release never uses it unasked.
L1_GBM = "LightGBM-l1"
#: The global LightGBM fitted to MASE: absolute error on the scaled target, each row weighted by its series'
#: level over its in-sample naive MAE (gbm.mase_weights). On weekly panels it is ours' partner, not a pool
#: member (ensemble.PARTNER_FREQS, residual.weekly_pool); elsewhere a model like any other when asked for.
MASE_GBM = "LightGBM-mase"


def make_models(names: list[str]) -> list[Forecaster]:
    """Forecasters by name: SeasonalNaive, the STATS_MODELS keys, LightGBM (the global model, Tweedie loss,
    300 rounds; choosing its rounds per fit, ``GlobalGBM(rounds_grid=gbm.ROUNDS_GRID)``, was the weekly
    default in session 17 and reverted in session 18, see gbm.TUNE_FREQS) and LightGBM-l1 (the same on the
    absolute-error loss)."""
    out: list[Forecaster] = []
    for n in names:
        if n == "SeasonalNaive":
            out.append(SeasonalNaive())
        elif n in STATS_MODELS or n in OPTIONAL_STATS_MODELS:
            out.append(StatsModel(n, {**STATS_MODELS, **OPTIONAL_STATS_MODELS}[n]))
        elif n == "LightGBM":
            from shopmind.forecast.gbm import GlobalGBM

            # fixed rounds: the per-fit choice was reverted in session 18 (gbm.TUNE_FREQS)
            out.append(GlobalGBM())
        elif n == L1_GBM:
            from shopmind.forecast.gbm import GlobalGBM

            out.append(GlobalGBM(name=L1_GBM, objective="l1"))
        elif n == MASE_GBM:
            from shopmind.forecast.gbm import GlobalGBM

            out.append(GlobalGBM(name=MASE_GBM, objective="l1", mase_weight=True))
        else:
            known = ["SeasonalNaive", *STATS_MODELS, *OPTIONAL_STATS_MODELS, "LightGBM", L1_GBM, MASE_GBM]
            raise ValueError(f"unknown model {n!r}; known: {', '.join(known)}")
    return out


#: The statsforecast peers of `evaluate forecast` (each alone, and the best of them); an optional
#: statsforecast model is a peer whenever a run includes it.
STATS_PEERS = ["SeasonalNaive", *STATS_MODELS, *OPTIONAL_STATS_MODELS]
DEFAULT_MODELS = ["SeasonalNaive", *STATS_MODELS, "LightGBM"]
#: The set for large daily panels: AutoETS (~0.6 s CPU per 2-year daily series per fit), AutoTheta (~0.2 s) and
#: AutoARIMA (~3.5 s) cannot fit 4,000 series twice in a minute (bench/forecast_speed.py measures both).
FAST_MODELS = ["SeasonalNaive", "CrostonOptimized", "TSB", "ADIDA", "LightGBM"]
