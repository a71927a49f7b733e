"""Temporal aggregation: one model forecast at several aggregation levels of the same series, combined.

MAPA (Kourentzes, Petropoulos & Trapero 2014) and temporal hierarchies (THieF, Athanasopoulos et al.
2017): the sums of ``k`` consecutive periods are smoother and less intermittent than the periods
themselves, so a model fitted on them sees the level and trend with less noise, while the base level
keeps the short-term detail. Each level's forecast of a ``k``-period bucket is spread evenly over its
periods and the levels' forecasts are averaged (MAPA's combination of levels). Buckets are aligned to
the end of the history (the newest bucket is complete); a bucket before a series' start is missing.

Why hand-written: statsforecast's ADIDA does this for one level chosen from the inter-demand interval
(and is one of the peers); MAPA/THieF packages are R. The wrapper is ~40 lines over any forecaster.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from shopmind.forecast.models import Forecaster
from shopmind.forecast.series import Panel

#: aggregation levels (periods per bucket) for weekly data: 1, 2 and 4 weeks (a "month")
WEEKLY_LEVELS = (1, 2, 4)
#: models the weekly ensemble also weighs through MAPA: on the inner windows of both weekly datasets
#: (Online Retail units, long-format revenue; bench/forecast_inner.py) these three were better
#: aggregated than alone; TSB and ADIDA (which already aggregate) and Croston were not consistently
WEEKLY_AGG = ("SeasonalNaive", "AutoETS", "AutoTheta")


def aggregate(panel: Panel, k: int) -> Panel:
    """Non-overlapping sums of ``k`` periods aligned to the end; a bucket with a missing period is NaN.

    The result is treated as a non-seasonal grain (freq "W": one value per bucket), which holds for the
    weekly data this is used on (weekly already has m = 1).
    """
    if k < 1:
        raise ValueError(f"aggregation level must be >= 1, got {k}")
    if k == 1:
        return panel
    usable = (panel.T // k) * k
    y = panel.y[:, panel.T - usable :].reshape(panel.n, usable // k, k).sum(axis=2)  # NaN if any is NaN
    dates = panel.dates[panel.T - usable + k - 1 :: k]
    return replace(panel, dates=dates, y=y, freq="W", covariates={}, future_known=frozenset())


@dataclass
class TemporalAgg:
    """``base`` forecast at each level in ``levels``, spread to periods, averaged (MAPA)."""

    base: Forecaster
    levels: tuple[int, ...] = WEEKLY_LEVELS
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"{self.base.name}@agg"

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        outs = []
        for k in self.levels:
            agg = aggregate(panel, k)
            if k > 1 and agg.T < 4:  # too few buckets to fit anything: this level abstains
                continue
            f = self.base.forecast(agg, -(-h // k)) / k
            outs.append(np.repeat(f, k, axis=1)[:, :h])
        return np.mean(outs, axis=0)


@dataclass
class FromDaily:
    """A daily model's forecast summed to weeks: the bottom level of a temporal hierarchy.

    For store data the weekly series are sums of daily ones, and a global model has 7x the rows at
    the daily grain (on Online Retail's 41 weeks the weekly LightGBM had no training origin for step 13
    at all); summing its daily forecasts gives the weekly point. ``daily`` holds the same ids; each
    call cuts it at the end of the weekly panel's last week (weeks start on the Monday ``dates``
    name), so an inner backtest cut of the weekly panel is the same cut of the daily one.
    """

    daily: Panel
    base: Forecaster
    name: str = ""

    def __post_init__(self) -> None:
        if self.daily.freq != "D":
            raise ValueError(f"FromDaily needs a daily panel, got freq {self.daily.freq!r}")
        self.name = self.name or f"{self.base.name}@daily"
        self._row = {k: i for i, k in enumerate(self.daily.ids)}

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        if panel.freq != "W":
            raise ValueError(f"FromDaily forecasts weekly panels, got freq {panel.freq!r}")
        missing = [k for k in panel.ids if k not in self._row]
        if missing:
            raise ValueError(f"{len(missing)} weekly series have no daily series, e.g. {missing[0]!r}")
        end_day = panel.dates[-1] + np.timedelta64(6, "D")  # the last day of the last week
        stop = int(np.searchsorted(self.daily.dates, end_day, side="right"))
        day = self.daily.subset([self._row[k] for k in panel.ids]).cut(stop)
        # the daily history may end inside the last week (the data's final, partial week)
        skip = max(0, int((end_day - day.dates[-1]) // np.timedelta64(1, "D")))
        f = self.base.forecast(day, 7 * h + skip)[:, skip:]
        return f.reshape(panel.n, h, 7).sum(axis=2)
