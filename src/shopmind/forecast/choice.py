"""The ensemble's choice per demand class and its conformal quantiles, from the inner backtest.

Per group the combination (one model, the mean of the best 2 or 3, or the median of the best 3 or of all
models) with the lowest mean backtest MASE is chosen — the median of all models unless another beats it by
more than ``MARGIN``. The same backtest errors, divided by each series' scale, give the conformal quantiles
per horizon step (or pooled over steps, ``POOL_STEPS_FREQS``); on weekly panels the point is the median of
the choice and a partner model (``PARTNER_FREQS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shopmind.forecast.backtest import Backtest

LEVELS = (80, 95)
#: A group with fewer backtest series than this borrows the pooled choice and quantiles.
MIN_GROUP = 20
#: The median of all models stands unless a chosen combination beats its inner MASE by more than this
#: fraction. Chosen on validation cuts inside the training windows (bench/forecast_select.py: choose on
#: one window, score on the next, 4 shifts): 0.10 of {0, 0.02, 0.05, 0.10} took the weekly validation
#: ratios to the best single model from 1.027 to 1.006 (Online Retail) and 1.002 to 0.999 (long format) and left the
#: daily ones as they were (0.820, 0.755): on weekly data one or two 13-week windows are too few to pick
#: a combination per class reliably, and the median of all is what a noisy choice should fall back to.
MARGIN = 0.10
#: Panel frequencies whose ensemble intervals use one conformal quantile per demand class for every horizon
#: step (``choose(pool_steps=True)``) instead of one per step made non-decreasing. Chosen on the validation
#: cuts of both weekly datasets (bench/forecast_combine.py: calibrate on the window cut at T - 2h - d, score
#: the coverage of the window cut at T - h - d, d = 0..3, training window only; 2026-12-05 02:45 UTC): mean
#: |coverage - nominal| over the 4 cuts x 80/95 % fell from 0.041 to 0.010 (Online Retail week) and from
#: 0.057 to 0.011 (long format). The per-step quantiles are each a noisy order statistic of a few dozen
#: scores, and their running maximum (kept so uncertainty grows) keeps the noise's upper envelope: it
#: over-covered 80 % by 5-11 points at every cut. Weekly only: no daily validation was run for it.
#: Re-judged 2026-12-05 06:30 UTC under evaluate's own protocol (bench/forecast_interval_select.py: two
#: inner windows per validation origin, as evaluate calibrates) against the per-step rule and three
#: drift-aware rules (forecast/interval_rules.py): pooled kept the lowest summed coverage gap (long 0.014,
#: Online Retail week 0.007, M4-like 0.030; per-step 0.059 / 0.050 / 0.029), so it stays.
POOL_STEPS_FREQS = ("W",)
#: Panel frequencies whose point is the median of the chosen ensemble and a partner model fitted to MASE
#: (``choose(partner=...)``; models.MASE_GBM, the global LightGBM on the absolute error weighted by each
#: series' level over its in-sample naive MAE; residual.weekly_pool adds it). Adopted in session 26 by the
#: rule in bench/forecast_weekly_base.py (validation cuts inside the training window, 4 per set): ours' mean
#: ratio to the best single statsforecast model 0.9904 -> 0.9782 (Online Retail week), 0.9902 -> 0.9496
#: (long-300), 0.9954 -> 0.9580 (long-2000), no cut worse. Why a partner and not a pool member: in the pool
#: it was chosen too (0.9788 / 0.9878 / 0.9874) but the median of a dozen mean-fitted models drowns one model
#: fitted to the score; the two are near in error and different in kind. Its cost: the point is lower —
#: validation bias -0.12 vs +0.00 on Online Retail week (means over the cuts), +0.01 vs +0.15 on long-2000.
#: The holdouts, run once after (not a choice): long-300 0.999 -> 0.973, Online Retail week 1.008 -> 1.011
#: (the pre-Christmas rise, which a lower point misses more; PIT 80 % 0.736 -> 0.708).
PARTNER_FREQS = ("W",)
#: ``Choice.how`` suffix: the last member is the partner, the others are pooled as the prefix says
WITH_PARTNER = "+partner"


@dataclass
class Choice:
    """Per demand class: the models averaged, and conformal quantiles per step and level."""

    members: dict[str, list[str]]
    quantiles: dict[str, dict[int, np.ndarray]]  # class -> level -> (h,)
    backtest_mase: dict[str, float]
    #: class -> how its members are pooled, "mean" (the default) or "median"
    how: dict[str, str] = field(default_factory=dict)

    def pool(self, group: str, arrays: list[np.ndarray]) -> np.ndarray:
        """The members' forecasts of ``group`` pooled as chosen."""
        return pool(arrays, self.how.get(group, "mean"))


def pool(arrays: list[np.ndarray], how: str = "mean") -> np.ndarray:
    """Mean or median of forecasts; the median of models is robust to one model's blow-up (e.g.
    Croston on a few series) and sits nearer the MAE-optimal point on intermittent demand."""
    if how.endswith(WITH_PARTNER):  # the median of the ensemble and the partner (of two: their mean)
        return np.median([pool(arrays[:-1], how[: -len(WITH_PARTNER)]), arrays[-1]], axis=0)
    return np.median(arrays, axis=0) if how == "median" else np.mean(arrays, axis=0)


def _combos(ranked: list[str]) -> list[tuple[list[str], str]]:
    out = [([m], "mean") for m in ranked] + [(ranked[:2], "mean"), (ranked[:3], "mean")]
    if len(ranked) >= 3:
        out.append((ranked[:3], "median"))
    if len(ranked) >= 4:
        out.append((ranked, "median"))
    return out


def _conformal(
    scores: np.ndarray, h: int, levels: tuple[int, ...], pool_steps: bool = False
) -> dict[int, np.ndarray]:
    """Per-step quantiles of |error|/scale (rows: series x windows, cols: steps), with the finite-sample
    correction ceil((n+1)L)/n; smoothed to be non-decreasing in the step (uncertainty grows).

    ``pool_steps``: one quantile of every step's scores, the same for all steps (POOL_STEPS_FREQS)."""
    out = {}
    if pool_steps:
        col = scores[np.isfinite(scores)]
        for level in levels:
            if col.size == 0:
                out[level] = np.zeros(h)
                continue
            rank = min(1.0, np.ceil((col.size + 1) * level / 100) / col.size)
            out[level] = np.full(h, float(np.quantile(col, rank, method="higher")))
        return out
    for level in levels:
        q = np.zeros(h)
        for s in range(h):
            col = scores[:, s]
            col = col[np.isfinite(col)]
            if col.size == 0:
                q[s] = np.nan
                continue
            rank = min(1.0, np.ceil((col.size + 1) * level / 100) / col.size)
            q[s] = np.quantile(col, rank, method="higher")
        out[level] = np.maximum.accumulate(
            np.nan_to_num(q, nan=np.nanmax(q) if np.isfinite(q).any() else 0.0)
        )
    return out


def candidates(names: list[str], group: str, swaps: dict[str, dict[str, str]] | None) -> list[str]:
    """The models a group chooses among: ``names`` without any swap-in model, except that in a group
    with swaps (``{group: {model: replacement}}``) each swapped model is replaced by its replacement."""
    swaps = swaps or {}
    alt = {v for per in swaps.values() for v in per.values()}
    own = swaps.get(group, {})
    have = set(names)
    return [own[m] if own.get(m) in have else m for m in names if m not in alt]


def choose(
    bt: Backtest,
    classes: np.ndarray,
    levels: tuple[int, ...] = LEVELS,
    margin: float = MARGIN,
    swaps: dict[str, dict[str, str]] | None = None,
    pool_steps: bool = False,
    partner: str | None = None,
) -> Choice:
    """Pick the ensemble per demand class and its conformal quantiles from the backtest.

    ``margin`` > 0 prefers the median of all models (no choice, robust to the noise of choosing on a
    few windows) unless the best combination beats it by more than that fraction of inner MASE.
    ``swaps``: per class, models replaced by another form of them (thief.smooth_swaps: the THieF forms
    for smooth series); other classes and the pooled choice never see the replacements.
    ``pool_steps``: each class's conformal quantile pools the horizon steps (POOL_STEPS_FREQS).
    ``partner``: a model of ``bt`` left out of the choice; each group's point is the median of its chosen
    combination and the partner (PARTNER_FREQS), and its quantiles are of that point's errors."""
    every = [m for m in bt.preds if m != partner]
    per_model = {m: bt.mase(bt.preds[m]) for m in every}
    groups = ["all", *sorted(set(classes.tolist()))]
    members: dict[str, list[str]] = {}
    quant: dict[str, dict[int, np.ndarray]] = {}
    score: dict[str, float] = {}
    hows: dict[str, str] = {}
    for g in groups:
        mask = np.ones(classes.size, bool) if g == "all" else classes == g
        if g != "all" and mask.sum() < MIN_GROUP:
            continue
        names = candidates(every, g, swaps)
        ranked = sorted(names, key=lambda m: np.nanmean(per_model[m][mask]) if mask.any() else np.inf)
        best, best_how, best_v = ranked[:1], "mean", np.inf
        for combo, how in _combos(ranked):
            pred = [pool([bt.preds[m][w] for m in combo], how) for w in range(len(bt.actual))]
            v = float(np.nanmean(bt.mase(pred)[mask]))
            if v < best_v - 1e-9:
                best, best_how, best_v = combo, how, v
        if margin > 0 and len(ranked) >= 4:
            pred = [pool([bt.preds[m][w] for m in ranked], "median") for w in range(len(bt.actual))]
            v = float(np.nanmean(bt.mase(pred)[mask]))
            if v <= best_v * (1 + margin):
                best, best_how, best_v = ranked, "median", v
        if partner is not None:
            best, best_how = [*best, partner], best_how + WITH_PARTNER
            pred = [pool([bt.preds[m][w] for m in best], best_how) for w in range(len(bt.actual))]
            best_v = float(np.nanmean(bt.mase(pred)[mask]))
        members[g], score[g], hows[g] = best, best_v, best_how
        pred = [pool([bt.preds[m][w] for m in best], best_how) for w in range(len(bt.actual))]
        sc = np.vstack(
            [np.abs(p - a)[mask] / u[mask, None] for p, a, u in zip(pred, bt.actual, bt.unit, strict=True)]
        )
        quant[g] = _conformal(sc, bt.h, levels, pool_steps)
    return Choice(members=members, quantiles=quant, backtest_mase=score, how=hows)
