"""``shopmind forecast --file``: forecasts of a long series file (``id, date, value`` + covariates; CSV
or Parquet), past its last date, with the release's own ensemble and intervals.

Why: issue 14 asks for the generic long format "so any series dataset can be forecast and evaluated";
only ``shopmind evaluate forecast`` read one (a backtest: how good the forecasts would have been),
so a planner with a sales export had no forecast of it without building a shop (t1w, session 32).
The models are the build's ``[forecast] models`` default, chosen per demand class by a rolling-origin
backtest, with the bands the release serves (``release.served_intervals``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

#: periods forecast when ``--horizon`` is not given: four weeks of days, a quarter of weeks
DEFAULT_HORIZON = {"D": 28, "W": 13}


def forecast_file(
    path: Path,
    horizon: int | None = None,
    windows: int = 2,
    models: Sequence[str] | None = None,
    ends: str = "auto",
    need: str | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """One row per series and step (``id, step, date, mean, lo80, hi80, lo95, hi95``) and what was read
    and chosen. Bad input raises ``SeriesError`` (the file, its row and column; ``need``, a series the
    caller will show, missing) or ``ValueError`` (a history too short for the backtest), before the fit."""
    from shopmind.forecast.ensemble import fit_forecast
    from shopmind.forecast.models import make_models
    from shopmind.forecast.release import ForecastSettings, served_intervals
    from shopmind.forecast.series import SeriesError, read_long

    info: dict[str, str] = {}
    panel = read_long(Path(path), ends=ends, info=info)
    if need is not None and need not in panel.ids:
        raise SeriesError(f"no series {need!r} in {Path(path).name} ({panel.n} series)")
    h = horizon or DEFAULT_HORIZON[panel.freq]
    chosen = list(models or ForecastSettings().models)
    need_before = max(2 * panel.season, 8)  # backtest.backtest skips a cut with less history
    if panel.T - h < need_before:  # said with the horizon that fits, before any model runs
        most = panel.T - need_before
        raise ValueError(
            f"{Path(path).name}: {panel.T} periods of history hold a forecast of at most {most} ahead "
            f"(its backtest needs {need_before} periods before the cut): pass --horizon {most} or less"
            if most >= 1
            else f"{Path(path).name}: {panel.T} periods of history are too few to forecast: the backtest "
            f"needs at least {need_before + 1}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # series that start after a backtest cut
        fc, bt, choice, _ = fit_forecast(panel, make_models(chosen), h, windows)
    kind = served_intervals(panel, fc, bt, choice)
    n = panel.n
    frame = pl.DataFrame(
        {
            "id": np.repeat(np.array(panel.ids, dtype=object), h).tolist(),
            "step": np.tile(np.arange(1, h + 1), n),
            "date": [str(d) for d in fc.dates.astype("datetime64[D]")] * n,
            **{k: v.ravel() for k, v in (("mean", fc.mean), ("lo80", fc.lo[80]), ("hi80", fc.hi[80]))},
            **{k: v.ravel() for k, v in (("lo95", fc.lo[95]), ("hi95", fc.hi[95]))},
        }
    ).with_columns(pl.col("date").str.to_date())
    meta = {
        "series": n,
        "periods": panel.T,
        "grain": panel.freq,
        "as_of": str(panel.dates[-1].astype("datetime64[D]")),
        "horizon": h,
        "models": chosen,
        "members": choice.members,
        "intervals": kind,
        "encoding": info.get("encoding"),
    }
    return frame, meta
