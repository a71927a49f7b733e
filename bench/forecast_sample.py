"""The seeded series sample and outer training window of `shopmind evaluate forecast`, for bench scripts.

Diagnostics that must never read the holdout (forecast_inner.py, forecast_select.py) take the same
arguments and the same sample as the evaluate command, cut at its first outer cut.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from shopmind.forecast.evaluate import _eligible, load_panels
from shopmind.forecast.series import Panel


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
