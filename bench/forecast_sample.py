"""The seeded series sample and outer training window of `shopmind evaluate forecast`, for bench scripts.

Diagnostics that must never read the holdout (forecast_inner.py, forecast_select.py) take the same
arguments and the same sample as the evaluate command, cut at its first outer cut.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from shopmind.forecast.evaluate import _eligible, load_panels
from shopmind.forecast.gbm import GlobalGBM
from shopmind.forecast.models import Forecaster, make_models
from shopmind.forecast.residual import ResidualGBM
from shopmind.forecast.series import Panel
from shopmind.forecast.temporal import FromDaily, TemporalAgg
from shopmind.forecast.thief import THIEF_LEVELS, THieF

_GBM_KINDS = {
    "yearly": lambda v: bool(int(v)),
    "step_feature": lambda v: bool(int(v)),
    "market": lambda v: bool(int(v)),
    "objective": str,
    "learning_rate": float,
    "alpha": float,
}


def bench_models(names: list[str], daily: Panel | None = None) -> list[Forecaster]:
    """make_models plus global-LightGBM variants named ``LightGBM~key=value~...`` (GlobalGBM fields:
    yearly=0/1, lags, n_estimators, n_origins, objective, ...), so a variant is compared on the same cuts;
    ``THieF-X`` (X reconciled over 1/2/4/13 weeks, thief.THieF), ``MAPA13-X`` (X averaged over the same
    levels, temporal.TemporalAgg), ``X@daily`` (a daily model summed to weeks; weekly store data, whose
    daily panel is ``daily``), ``THieF-X+Y@daily`` (the latter reconciled as one more level), ``IMAPA`` and ``X+GBMres`` (X plus a
    global LightGBM of X's residuals, residual.ResidualGBM; ``X+GBMres-huber``: on the Huber loss)."""
    out: list[Forecaster] = []
    for n in names:
        if "+GBMres" in n:  # X plus a global LightGBM of X's residuals (residual.ResidualGBM)
            base, _, loss = n.partition("+GBMres")
            out.append(
                ResidualGBM(bench_models([base], daily)[0], objective=loss.lstrip("-") or "regression")
            )
            continue
        if n.endswith("@daily"):
            if daily is None:
                raise ValueError(f"{n} needs a daily panel (weekly store data)")
            if n.startswith("THieF-"):
                base, fine = n[6:].split("+", 1)
                out.append(THieF(bench_models([base])[0], finer=bench_models([fine], daily)[0]))
            else:
                out.append(FromDaily(daily, bench_models([n[: -len("@daily")]])[0]))
            continue
        if n.startswith("THieF-"):
            out.append(THieF(bench_models([n[6:]])[0]))
            continue
        if n.startswith("MAPA13-"):
            out.append(TemporalAgg(bench_models([n[7:]])[0], levels=THIEF_LEVELS, name=n))
            continue
        if "~" not in n:
            out += make_models([n])
            continue
        base, *pairs = n.split("~")
        kw: dict[str, object] = {"objective": "l1"} if base == "LightGBM-l1" else {}
        for pair in pairs:
            k, v = pair.split("=", 1)
            kw[k] = _GBM_KINDS.get(k, int)(v)
        out.append(GlobalGBM(name=n, **kw))  # type: ignore[arg-type]
    return out


def add_sample_args(ap: argparse.ArgumentParser) -> None:
    """The evaluate command's dataset and sampling arguments."""
    ap.add_argument("path", type=Path)
    ap.add_argument("-f", "--format", default="long")
    ap.add_argument("--grain", default="week")
    ap.add_argument("--horizon", type=int, default=13)
    ap.add_argument("--windows", type=int, default=1)
    ap.add_argument("--inner-windows", type=int, default=2)
    ap.add_argument("--max-series", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)


def training_window(a: argparse.Namespace) -> tuple[Panel, Panel | None, np.ndarray]:
    """(the sampled panel cut at the first outer cut, the daily panel of weekly store data or None, the
    sampled rows of the full panel) — exactly the series evaluate.run scores, nothing after the cut."""
    panel, daily, _ = load_panels(a.format, a.path, a.grain)
    first_cut = panel.T - a.windows * a.horizon
    rows = _eligible(panel, first_cut, (a.inner_windows + 1) * a.horizon + panel.season)
    if a.max_series and rows.size > a.max_series:  # the same sample as evaluate.run
        rows = np.sort(np.random.default_rng(a.seed).choice(rows, a.max_series, replace=False))
    if daily is not None:
        index = {k: i for i, k in enumerate(daily.ids)}
        daily = daily.subset([index[panel.ids[i]] for i in rows])
    return panel.subset(rows).cut(first_cut), daily, rows
