"""A global model fitted on every series of a file, forecasting a scored sample of them.

Why: ``evaluate forecast`` scores a seeded sample of ``--max-series`` series, and every model only ever
saw that sample — right for a local model (one fit per series), but a global model (gbm.GlobalGBM,
residual.ResidualGBM) is the M5 lesson precisely because it pools many series: on Online Retail's weekly
grain the sample is 300 of ~3,500 products that have started by the cut. :class:`AllSeries` gives the
wrapped model the whole file's panel *as known at the end of the panel it is asked to forecast*: every
call cuts the pool at ``panel.T`` (the same dates, checked), so an inner backtest cut, a validation cut or
the outer holdout cut each see exactly the periods before them, for all series, and never one after.
The sample's own rows come from the panel passed in (identical values; the pool supplies only the other
series), and only the sample's forecasts are returned, so the backtest, the ensemble and the scores are
unchanged in form.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from shopmind.forecast.models import Forecaster
from shopmind.forecast.series import Panel, SeriesError

#: ``evaluate forecast --global-pool``: "sample" (the global models see the scored sample only), "eligible"
#: (every series of the file eligible for the sample: the population it is drawn from), "auto" (eligible on
#: panels of a frequency in GLOBAL_POOL_FREQS, else sample)
GLOBAL_POOL_MODES = ("auto", "sample", "eligible")
#: Panel frequencies whose global models ``evaluate forecast`` fits on every eligible series by default
#: (``scoring_pool``). Weekly, adopted in session 21 by the rule committed first in
#: bench/forecast_global_all.py (validation cuts inside the training window, 4 scored cuts, ours' mean ratio
#: to the best single statsforecast model): Online Retail week 0.9976 -> 0.9903 (300 of 2,129 eligible;
#: one cut carries the gain: 1.0029 -> 0.9745, the others -0.003..+0.001) and the long file of
#: forecast_long.py --products 2000 0.9961 -> 0.9958 (300 of 1,465; within the noise of the cuts). Daily
#: panels: no daily validation was run, so they keep the sample. The holdouts, once, after the choice (sample ->
#: eligible): Online Retail week 0.9898 -> 0.9958 (worse; LightGBM alone 1.878 -> 2.530), the long-2000 file
#: 0.9984 -> 0.9899 (better). Kept by the rule; ``--global-pool sample`` (or ``()`` here) gives the old runs.
GLOBAL_POOL_FREQS: tuple[str, ...] = ("W",)


def with_pool(panel: Panel, pool: Panel) -> Panel:
    """``panel``'s series followed by the other series of ``pool`` observed before ``panel``'s end.

    ``pool`` must share ``panel``'s frequency and dates (it may run longer: it is cut at ``panel.T``)
    and hold every id of ``panel``; covariates must have the same names and widths. Raises
    :class:`SeriesError` otherwise, naming what differs.
    """
    T = panel.T
    if pool.freq != panel.freq:
        raise SeriesError(f"pool frequency {pool.freq!r} differs from the panel's {panel.freq!r}")
    if pool.T < T or not np.array_equal(pool.dates[:T], panel.dates):
        raise SeriesError(
            f"pool dates ({pool.dates[0] if pool.T else None}.., {pool.T} periods) do not start with the "
            f"panel's ({panel.dates[0] if T else None}.., {T} periods)"
        )
    known = pool.cut(T)
    index = {k: i for i, k in enumerate(known.ids)}
    missing = [k for k in panel.ids if k not in index]
    if missing:
        raise SeriesError(f"series {missing[0]!r} is not in the pool ({len(missing)} missing)")
    if set(known.covariates) != set(panel.covariates):
        raise SeriesError(
            f"covariates differ: pool {sorted(known.covariates)}, panel {sorted(panel.covariates)}"
        )
    sample = set(panel.ids)
    started = known.starts() < T
    others = [i for i, k in enumerate(known.ids) if k not in sample and started[i]]
    covs = {}
    for name, v in panel.covariates.items():
        w = known.covariates[name][others]
        if w.shape[1] != v.shape[1]:
            raise SeriesError(f"covariate {name!r}: pool has {w.shape[1]} columns, panel {v.shape[1]}")
        covs[name] = np.vstack([v, w])
    return replace(
        panel,
        ids=[*panel.ids, *(known.ids[i] for i in others)],
        y=np.vstack([panel.y, known.y[others]]),
        covariates=covs,
    )


@dataclass
class AllSeries:
    """``model`` (a global forecaster) fitted on every series of ``pool`` up to the forecast panel's end;
    returns the forecast panel's rows only. See the module docstring."""

    model: Forecaster
    pool: Panel
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or self.model.name

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        merged = with_pool(panel, self.pool)
        return self.model.forecast(merged, h)[: panel.n]


def is_global(model: Forecaster) -> bool:
    """Whether ``model`` learns across series (a LightGBM of this package), i.e. gains from the pool."""
    from shopmind.forecast.gbm import GlobalGBM
    from shopmind.forecast.residual import ResidualGBM

    return isinstance(model, (GlobalGBM, ResidualGBM))


def pool_globals(models: list[Forecaster], pool: Panel) -> list[Forecaster]:
    """``models`` with every global model wrapped in :class:`AllSeries` over ``pool`` (same names)."""
    return [AllSeries(m, pool) if is_global(m) else m for m in models]


def scoring_pool(panel: Panel, eligible: np.ndarray, sample: np.ndarray, mode: str = "auto") -> Panel | None:
    """The panel ``evaluate forecast``'s global models are fitted on besides the sample, or None.

    ``eligible``: rows of ``panel`` with the history the sample needs (the population ``sample``'s rows are
    drawn from). "eligible" gives ``panel.subset(eligible)`` (wrap the global models with
    :func:`pool_globals`; :class:`AllSeries` cuts it wherever the sample is cut, so it adds series, never
    periods); "sample" or a sample that already holds every eligible series gives None (nothing to add).
    Why only the eligible series, not the file: on Online Retail week every series of the file (mostly
    products a few weeks old, their scaled targets noise) made ours worse on the validation cuts (session 17).
    """
    if mode not in GLOBAL_POOL_MODES:
        raise ValueError(f"global pool must be one of {', '.join(GLOBAL_POOL_MODES)}, not {mode!r}")
    if mode == "auto":
        mode = "eligible" if panel.freq in GLOBAL_POOL_FREQS else "sample"
    if mode == "sample" or np.setdiff1d(eligible, sample).size == 0:
        return None
    return panel.subset(np.asarray(eligible))
