"""Groceries' 80 % count-interval coverage (issue 14, session 18): a year-back calibration window.

The count intervals' NB dispersion is calibrated on the 2 windows just before the cut (ensemble.
CALIB_WINDOWS): for Groceries' holdout (2015-12-17 + 14 days) that is late November to mid December, and
the holdout is the Christmas fortnight. Tried so far (BENCHMARKS, issue 14): calibration cells (class,
step, class+step, volume), 2-8 consecutive windows, the conformal / nearest / expected-PIT rules, a finer
grid — all with windows just before the cut. **Not tried: the window of the same calendar days one year
before the forecast window** (cut at T - 364 days, forecast h days, as an inner-backtest window), added to
the 2 windows, so the dispersion also sees how the same season's demand strayed from a forecast.

Validation only (bench/forecast_calibration.py's protocol and sample: the evaluate command's seeded 40
series, cut at the outer holdout, never read; model LightGBM, the model ours chose there; pseudo-holdout
cuts at T - 14k, k = 1..3, each calibrated on what lies before it and scored on its next 14 days, class
cells, conformal rule, PIT seed 1). A cut whose year-back window lies before the data is scored with the
2 windows only in both arms (then identical; Online Retail day's 374 days hold no year-back window at any
cut, so it cannot differ there).

**Decision rule (written and committed before the run).** Adopt the year-back window for daily count
intervals only if, on Groceries' pseudo-holdouts that have one, (1) the mean |PIT coverage - nominal| over
cuts x levels (80, 95) is lower with it than with the 2 windows alone, and (2) no cut's 80 % coverage is
more than 3 points from nominal with it. Else not adopted. Either way the Groceries holdout is then run
once with the recorded command; if adopted, with the change (evaluate gains it), and reported as it comes.

    python bench/forecast_calib_seasonal.py ../shared/data/groceries -f groceries --out bench/results/forecast_calib_seasonal_groc.json

(Online Retail day is not run: no cut has a year-back window, so both arms are the same numbers.)
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from forecast_sample import bench_models
from shopmind.forecast import calibrate, counts
from shopmind.forecast.ensemble import demand_class
from shopmind.forecast.evaluate import _eligible, load_panel

LEVELS = (80, 95)
YEAR = 364  # days: the same weekdays a year back


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("-f", "--format", default="groceries")
    ap.add_argument("--horizon", type=int, default=14)
    ap.add_argument("--max-series", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", default="LightGBM")
    ap.add_argument("--recent", type=int, default=3)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    t0 = time.perf_counter()
    panel, _ = load_panel(a.format, a.path, "day")
    h = a.horizon
    first_cut = panel.T - h
    rows = _eligible(panel, first_cut, 3 * h + panel.season)  # the same sample as forecast_calibration.py
    if a.max_series and rows.size > a.max_series:
        rows = np.sort(np.random.default_rng(a.seed).choice(rows, a.max_series, replace=False))
    train = panel.subset(rows).cut(first_cut)  # the holdout is never read below
    model = bench_models([a.model])[0]
    cuts_out, gaps = [], {"two": [], "two+year": []}
    for k in range(1, a.recent + 1):
        end = train.T - k * h
        back = end - YEAR
        wins = [end - 2 * h, end - h]
        fc = {e: model.forecast(train.cut(e), h) for e in [*wins, end]}
        has_year = back >= 2 * panel.season + h
        if has_year:
            fc[back] = model.forecast(train.cut(back), h)
        act = {e: train.y[:, e : e + h] for e in fc}
        classes = demand_class(train.cut(end))
        volume = calibrate.volume_group(train.cut(end))
        arms = {"two": wins, "two+year": [back, *wins] if has_year else wins}
        row: dict = {
            "cut": str(train.dates[end]),
            "year_back_window": str(train.dates[back]) if has_year else None,
        }
        for arm, use in arms.items():
            _, _, alphas = calibrate.scheme_intervals(
                fc[end], [fc[e] for e in use], [act[e] for e in use], classes, volume, LEVELS, 1, "class"
            )
            for lv in LEVELS:
                cov = float(
                    np.nanmean(counts.pit_coverage(act[end], fc[end], alphas[lv], (lv,), seed=1)[f"pit_{lv}"])
                )
                row[f"{arm}_{lv}"] = cov
                row[f"{arm}_alpha{lv}"] = {
                    str(c): float(np.asarray(alphas[lv])[classes == c].ravel()[0])
                    for c in sorted(set(classes.tolist()))
                }
                if has_year:
                    gaps[arm].append(abs(cov - lv / 100))
        cuts_out.append(row)
        print(f"cut {row['cut']} (year back {row['year_back_window']}): " + "  ".join(
            f"{arm} {row[f'{arm}_80']:.3f}/{row[f'{arm}_95']:.3f}" for arm in arms
        ) + f"  ({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
    with_year = [r for r in cuts_out if r["year_back_window"]]
    mean_gap = {arm: float(np.mean(g)) if g else None for arm, g in gaps.items()}
    rule = None
    if with_year:
        rule = bool(
            mean_gap["two+year"] < mean_gap["two"]
            and all(abs(r["two+year_80"] - 0.80) <= 0.03 for r in with_year)
        )
    print(f"mean |PIT coverage - nominal| over cuts with a year-back window: {mean_gap}; rule passes: {rule}")
    res = {
        "dataset": str(a.path),
        "series": int(train.n),
        "model": a.model,
        "horizon": h,
        "cuts": cuts_out,
        "mean_abs_gap": mean_gap,
        "cuts_with_year_back": len(with_year),
        "rule_passes": rule,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - t0, 1),
        "load_average": os.getloadavg(),
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
