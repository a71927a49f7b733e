"""Temporal hierarchies (THieF; Athanasopoulos, Hyndman, Kourentzes & Petropoulos 2017), reconciled.

The same series is forecast at several aggregation levels (for weekly data: 1, 2, 4 and 13 weeks),
one base model per level, and the levels' forecasts are made coherent by weighted least squares on the
hierarchy's summing matrix ``S``: bottom = (S' L S)^-1 S' L y_hat, with structural scaling
(L = diag(1/k): a k-period bucket's error variance taken proportional to k, the paper's "struc" weights,
which need no residuals). Unlike MAPA's equal average of spread-out levels (temporal.TemporalAgg), the
reconciled bottom keeps the shape the lower levels see and only the *sums* the upper levels pin down.

The bottom block covers ``B`` periods, the smallest multiple of the largest level below 13 that holds
``h`` (16 weeks for h = 13 and levels 1/2/4/13); a level forecasts only the buckets wholly inside
the block (the 13-week level: one bucket). A level whose history has fewer than ``MIN_BUCKETS``
complete buckets abstains (at an early cut the 13-week level has 0 or 1), and the rows of ``S`` are the
levels that remain. The projection is the same for every series, so it is one (B x rows) matrix.

Why hand-written: THieF's reference implementation is R (package ``thief``); the reconciliation is a
few lines of linear algebra over any forecaster of this package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopmind.forecast.models import Forecaster
from shopmind.forecast.temporal import aggregate

#: weekly levels: a week, a fortnight, four weeks and a quarter (13 weeks; 52 has no history here)
THIEF_LEVELS = (1, 2, 4, 13)
#: a level needs at least this many complete buckets of history, else it abstains
MIN_BUCKETS = 2
#: models whose THieF form replaces them for smooth weekly series (thief.smooth_swaps). Croston and the
#: global LightGBM are left as they are (Croston is for intermittent demand; LightGBM is one model across
#: series, its aggregated panels would have a fraction of the rows).
SMOOTH_THIEF = ("SeasonalNaive", "AutoETS", "AutoTheta", "TSB", "ADIDA")
#: the demand class the THieF forms are used for
THIEF_CLASS = "smooth"


def block_length(levels: tuple[int, ...], h: int) -> int:
    """Periods in the reconciled block: ``h`` rounded up to a multiple of every level that fits in it."""
    b = h
    for k in sorted(levels):
        if k <= h:
            b = max(b, -(-h // k) * k)
    return b


def summing_matrix(levels: tuple[int, ...], b: int) -> tuple[np.ndarray, np.ndarray]:
    """(S, k per row): one row per bucket of ``k`` periods wholly inside the ``b``-period block."""
    rows, ks = [], []
    for k in levels:
        for j in range(b // k):
            r = np.zeros(b)
            r[j * k : (j + 1) * k] = 1.0
            rows.append(r)
            ks.append(k)
    return np.array(rows), np.array(ks, dtype=float)


def projection(levels: tuple[int, ...], b: int) -> np.ndarray:
    """(b x rows) WLS reconciliation matrix with structural scaling: bottom = P @ y_hat."""
    s, ks = summing_matrix(levels, b)
    lam = np.diag(1.0 / ks)
    return np.linalg.solve(s.T @ lam @ s, s.T @ lam)


@dataclass
class THieF:
    """``base`` at each of ``levels``, reconciled by structural-scaling WLS to the bottom level."""

    base: Forecaster
    levels: tuple[int, ...] = THIEF_LEVELS
    name: str = ""
    #: a forecaster of the bottom level from a finer grain (temporal.FromDaily: a daily model summed to
    #: weeks), reconciled as one more level with the bottom level's weight
    finer: Forecaster | None = None

    def __post_init__(self) -> None:
        if 1 not in self.levels or min(self.levels) < 1:
            raise ValueError(f"THieF levels must include 1 and be >= 1, got {self.levels}")
        extra = f"+{self.finer.name}" if self.finer is not None else ""
        self.name = self.name or f"THieF-{self.base.name}{extra}"

    def forecast(self, panel, h: int) -> np.ndarray:  # noqa: ANN001 - a series.Panel
        b = block_length(self.levels, h)
        used, parts = [], []
        for k in sorted(self.levels):
            if k > b:
                continue
            agg = aggregate(panel, k)
            if k > 1 and agg.T < MIN_BUCKETS:
                continue
            used.append(k)
            parts.append(self.base.forecast(agg, b // k))
        if self.finer is not None:
            used.append(1)
            parts.append(self.finer.forecast(panel, b))
        p = projection(tuple(used), b)
        bottom = np.concatenate(parts, axis=1) @ p.T
        return np.clip(bottom[:, :h], 0.0, None)


def smooth_swaps(names: list[str]) -> dict[str, dict[str, str]]:
    """``{"smooth": {model: its THieF form}}`` for the SMOOTH_THIEF models whose THieF form is in ``names``
    (ensemble.choose's ``swaps``): smooth series choose among the THieF forms, the other classes among
    the plain models.

    Why smooth only: on the validation cuts of both weekly datasets (bench/forecast_select.py, the 4
    shifts inside the training window) the THieF forms lowered the pool's MASE on smooth series and raised
    it on lumpy ones (temporal aggregation removes noise from a continuous series; an intermittent one's
    models already aggregate: ADIDA, TSB), and on M4-like smooth synthetic series
    (bench/forecast_thief_synth.py) the pool's median fell 3.4 %. Chosen by a rule fixed before the
    scoring: adopt only if better on both weekly datasets (BENCHMARKS, issue 14, 2026-12-04 23:10 round).
    """
    have = set(names)
    return {THIEF_CLASS: {m: f"THieF-{m}" for m in SMOOTH_THIEF if m in have and f"THieF-{m}" in have}}


def with_thief(models: list[Forecaster]) -> tuple[list[Forecaster], dict[str, dict[str, str]]]:
    """``models`` plus the THieF form of each SMOOTH_THIEF one, and the swaps that use them."""
    forms = [THieF(m) for m in models if m.name in SMOOTH_THIEF]
    out = [*models, *forms]
    return out, smooth_swaps([m.name for m in out])
