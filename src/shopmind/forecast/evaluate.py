"""`shopmind evaluate forecast`: rolling-origin backtest of ours vs every peer, in one run.

Outer windows cut the panel at ``T - k*h`` (k = windows..1); each cut's training panel is all the
models and the ensemble ever see (the ensemble's own choice runs an inner backtest inside it), and
the next ``h`` periods are scored. ``--horizon 13 --windows 1`` is the M4 protocol: one final
holdout, MASE scaled by the in-sample (seasonal) naive error. Peers in the same run: seasonal naive,
each statsforecast model alone, LightGBM alone, and the best single statsforecast model; every
model's intervals come from the same conformal procedure on its own inner backtest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shopmind.forecast.ensemble import (
    LEVELS,
    _conformal,
    choose,
    combine,
    demand_class,
    intervals,
    series_scale,
)
from shopmind.forecast.ensemble import backtest as inner_backtest
from shopmind.forecast.metrics import scores, summarise
from shopmind.forecast.models import DEFAULT_MODELS, STATS_PEERS, make_models
from shopmind.forecast.series import Panel, SeriesError, demand_panel, read_long

FORMATS = ("online-retail", "groceries", "long")
OURS = "ours"


def load_panel(
    fmt: str, path: Path, grain: str = "day", level: str = "product"
) -> tuple[Panel, dict[str, Any]]:
    """A dataset as a demand panel: store formats go adapter -> quality gate -> accepted events."""
    freq = {"day": "D", "week": "W"}.get(grain)
    if freq is None:
        raise SeriesError(f"grain must be day or week, got {grain!r}")
    if fmt == "long":
        return read_long(path, freq=freq), {"format": fmt, "rows": None}
    from shopmind.config import GateConfig
    from shopmind.data.adapters import get_adapter
    from shopmind.quality.gate import run_gate

    batch = get_adapter(fmt).load(path)
    gate = run_gate(batch, GateConfig(), None)
    events = gate.tables["events"].accepted
    cats = None
    if "products" in gate.tables and "category_path" in gate.tables["products"].accepted.columns:
        cats = (
            gate.tables["products"]
            .accepted.select(
                pl.col("product_id").alias("item_id"),
                pl.col("category_path").str.split(" > ").list.first().alias("category"),
            )
            .drop_nulls()
        )
    panel = demand_panel(
        events, freq=freq, categories=cats if cats is not None and cats.height else None, level=level
    )
    return panel, {"format": fmt, "events_accepted": events.height}


def _eligible(panel: Panel, first_cut: int, min_obs: int) -> np.ndarray:
    return np.flatnonzero(panel.starts() <= first_cut - min_obs)


def run(
    panel: Panel,
    horizon: int,
    windows: int,
    models: list[str] | None = None,
    inner_windows: int = 2,
    max_series: int = 500,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Backtest ours and every peer on the same series and cuts; figures per model plus the goals."""
    names = models or DEFAULT_MODELS
    first_cut = panel.T - windows * horizon
    min_obs = (inner_windows + 1) * horizon + panel.season
    rows = _eligible(panel, first_cut, min_obs)
    if rows.size == 0:
        raise SeriesError(
            f"no series has {min_obs} periods before the first cut ({panel.T} periods, "
            f"{windows} windows of {horizon}); lower --windows/--horizon"
        )
    if max_series and rows.size > max_series:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_series, replace=False))
    sub = panel.subset(rows)
    log(f"  {sub.n} series (of {panel.n}), {panel.T} periods ({panel.freq}), season {panel.season}")
    per: dict[str, list[dict[str, np.ndarray]]] = {}
    seconds: dict[str, float] = {}
    choices = []
    for k in range(windows, 0, -1):
        end = panel.T - k * horizon
        train = sub.cut(end)
        actual = sub.y[:, end : end + horizon]
        t0 = time.perf_counter()
        mods = make_models(names)
        bt = inner_backtest(train, mods, horizon, inner_windows)
        classes = demand_class(train)
        choice = choose(bt, classes)
        finals = {}
        for m in mods:
            t1 = time.perf_counter()
            finals[m.name] = m.forecast(train, horizon)
            bt.seconds[m.name] = bt.seconds.get(m.name, 0.0) + time.perf_counter() - t1
        fc = combine(train, finals, choice, classes, horizon)
        unit = series_scale(train)
        per.setdefault(OURS, []).append(scores(train.y, actual, fc.mean, sub.season, fc.lo, fc.hi))
        for name, pred in finals.items():
            sc = np.vstack(
                [
                    np.abs(p - a) / u[:, None]
                    for p, a, u in zip(bt.preds[name], bt.actual, bt.unit, strict=True)
                ]
            )
            lo, hi = intervals(pred, unit, _conformal(sc, horizon, LEVELS))
            per.setdefault(name, []).append(scores(train.y, actual, pred, sub.season, lo, hi))
        for name, s in bt.seconds.items():
            seconds[name] = seconds.get(name, 0.0) + s
        seconds[OURS] = seconds.get(OURS, 0.0) + time.perf_counter() - t0
        choices.append(
            {"cut": str(panel.dates[end]), "members": choice.members, "backtest_mase": choice.backtest_mase}
        )
        log(
            f"  cut {panel.dates[end]}: ours MASE {np.nanmean(per[OURS][-1]['mase']):.3f}; chosen {choice.members}"
        )
    figures = {name: {**summarise(v), "seconds": round(seconds.get(name, 0.0), 2)} for name, v in per.items()}
    stats_in_run = [n for n in names if n in STATS_PEERS]
    best = min(stats_in_run, key=lambda n: figures[n]["mase"]) if stats_in_run else None
    out: dict[str, Any] = {
        "horizon": horizon,
        "windows": windows,
        "inner_windows": inner_windows,
        "freq": panel.freq,
        "season": panel.season,
        "series": int(sub.n),
        "series_total": int(panel.n),
        "periods": int(panel.T),
        "first_date": str(panel.dates[0]),
        "last_date": str(panel.dates[-1]),
        "models": figures,
        "choices": choices,
        "best_single_statsforecast": best,
    }
    if best:
        ratio = figures[OURS]["mase"] / figures[best]["mase"]
        cov = {lv: figures[OURS].get(f"coverage_{lv}", float("nan")) for lv in LEVELS}
        out["goals"] = {
            "mase_ratio_to_best": round(ratio, 4),
            "mase_goal_met": bool(ratio <= 0.95),
            "coverage_goal_met": bool(all(abs(cov[lv] - lv / 100) <= 0.03 for lv in LEVELS)),
        }
    return out


def print_table(result: dict[str, Any], log: Callable[[str], None] = print) -> None:
    models = result["models"]
    log(f"{'model':<18}{'MASE':>8}{'RMSSE':>8}{'bias':>8}{'cov80':>8}{'cov95':>8}{'sec':>8}")
    for name in sorted(models, key=lambda n: models[n]["mase"]):
        f = models[name]
        log(
            f"{name:<18}{f['mase']:>8.3f}{f['rmsse']:>8.3f}{f['bias']:>8.3f}"
            f"{f.get('coverage_80', float('nan')):>8.3f}{f.get('coverage_95', float('nan')):>8.3f}{f['seconds']:>8.1f}"
        )
    if "goals" in result:
        g = result["goals"]
        log(
            f"ours / best single statsforecast ({result['best_single_statsforecast']}): "
            f"{g['mase_ratio_to_best']:.3f} (goal <= 0.95: {'met' if g['mase_goal_met'] else 'NOT met'}); "
            f"coverage within 3 points: {'met' if g['coverage_goal_met'] else 'NOT met'}"
        )
