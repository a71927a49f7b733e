"""Does the count-interval calibration transfer? Checked inside the training window only.

For the same seeded sample as `shopmind evaluate forecast`, cut at the outer holdout (never read), a
model's forecasts are made at pseudo-holdout cuts inside the training window; at each, the dispersion
is calibrated on the two windows just before it (as evaluate does on its inner windows) and the
randomised-PIT coverage of the pseudo-holdout is measured, per calibration rule (class cells: conformal
and the older nearest-to-nominal) and per calibration cell scheme (calibrate.SCHEMES: class, step,
class+step, volume, volume+step; conformal rule). This is where calibrate.DEFAULT_SCHEME is chosen: the
scheme whose pseudo-holdout coverage is nearest nominal over the cuts and levels. Cuts: the last
``--recent`` windows before the holdout, and the same calendar window one year earlier (``--seasonal``:
the holdout's season, e.g. Christmas, a year back). ``--model A,B,C`` forecasts with the median of those
models (the ensemble's "median of all" pool).

    python bench/forecast_calibration.py ../shared/data/groceries -f groceries --horizon 14 --max-series 40
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from forecast_sample import bench_models
from shopmind.forecast import calibrate, counts
from shopmind.forecast.ensemble import demand_class, pool
from shopmind.forecast.evaluate import _eligible, load_panel
from shopmind.forecast.series import Panel

LEVELS = (80, 95)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("-f", "--format", default="groceries")
    ap.add_argument("--horizon", type=int, default=14)
    ap.add_argument("--max-series", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--grain", default="day", choices=["day", "week"])
    ap.add_argument(
        "--model",
        default="LightGBM",
        help="the model ours chose on the holdout's inner windows; A,B,C = the median of those models",
    )
    ap.add_argument("--recent", type=int, default=3)
    ap.add_argument(
        "--seasonal", type=int, default=364, help="periods back for the same-season cut (0: none)"
    )
    ap.add_argument(
        "--calib-windows",
        default="2",
        help="comma-separated numbers of windows before each cut to calibrate on (class cells, conformal "
        "rule), reported side by side as windows_<n>_<level>; the scheme table uses the first",
    )
    ap.add_argument("--out", type=Path, default=Path("bench/results/forecast_calibration.json"))
    a = ap.parse_args()
    panel, _ = load_panel(a.format, a.path, a.grain)
    h = a.horizon
    first_cut = panel.T - h
    rows = _eligible(panel, first_cut, 3 * h + panel.season)
    if a.max_series and rows.size > a.max_series:
        rows = np.sort(np.random.default_rng(a.seed).choice(rows, a.max_series, replace=False))
    train = panel.subset(rows).cut(first_cut)  # the holdout is never read below
    cuts = [("recent", train.T - k * h) for k in range(1, a.recent + 1)]
    if a.seasonal:
        cuts.append(("same season a year back", first_cut - a.seasonal))
    models = bench_models(a.model.split(","))
    n_cal = [int(x) for x in a.calib_windows.split(",")]

    def forecast(part: Panel) -> np.ndarray:
        return pool([m.forecast(part, h) for m in models], "median")

    out = []
    for kind, end in cuts:
        most = max(n_cal)
        if end - most * h < 2 * panel.season + h:
            print(f"{kind}: cut {end} leaves too little history for {most} calibration windows; skipped")
            continue
        fc = {e: forecast(train.cut(e)) for e in [end - k * h for k in range(most, 0, -1)] + [end]}
        act = {e: train.y[:, e : e + h] for e in fc}
        classes = demand_class(train.cut(end))
        volume = calibrate.volume_group(train.cut(end))
        row = {"kind": kind, "cut": str(train.dates[end]), "pit": {}}
        for n in n_cal:  # the n windows just before the cut, oldest first (as the inner backtest orders them)
            cuts_n = [end - k * h for k in range(n, 0, -1)]
            _, _, alphas = calibrate.scheme_intervals(
                fc[end],
                [fc[e] for e in cuts_n],
                [act[e] for e in cuts_n],
                classes,
                volume,
                LEVELS,
                1,
                "class",
            )
            for lv in LEVELS:
                cov = counts.pit_coverage(act[end], fc[end], alphas[lv], (lv,), seed=1)[f"pit_{lv}"]
                row["pit"][f"windows_{n}_{lv}"] = float(np.nanmean(cov))
        first = [end - k * h for k in range(n_cal[0], 0, -1)]
        calib_p, calib_a = [fc[e] for e in first], [act[e] for e in first]
        for rule in counts.RULES:
            _, _, alphas = counts.calibrated_intervals(fc[end], classes, calib_p, calib_a, LEVELS, 1, rule)
            for lv in LEVELS:
                cov = counts.pit_coverage(act[end], fc[end], alphas[lv], (lv,), seed=1)[f"pit_{lv}"]
                row["pit"][f"{rule}_{lv}"] = float(np.nanmean(cov))
        for scheme in calibrate.SCHEMES:
            _, _, alphas = calibrate.scheme_intervals(
                fc[end], calib_p, calib_a, classes, volume, LEVELS, 1, scheme
            )
            for lv in LEVELS:
                cov = counts.pit_coverage(act[end], fc[end], alphas[lv], (lv,), seed=1)[f"pit_{lv}"]
                row["pit"][f"{scheme}_{lv}"] = float(np.nanmean(cov))
        bias = float((np.nansum(fc[end]) - np.nansum(act[end])) / max(np.nansum(act[end]), 1e-9))
        row["bias"] = bias
        out.append(row)
        print(
            f"{kind:<26}{row['cut']}: bias {bias:+.3f}  "
            + "  ".join(f"{k} {v:.3f}" for k, v in row["pit"].items()),
            flush=True,
        )
    summary = {}
    for n in n_cal:
        err = [abs(r["pit"][f"windows_{n}_{lv}"] - lv / 100) for r in out for lv in LEVELS]
        summary[f"windows_{n}"] = {
            "mean_abs_gap": float(np.mean(err)) if err else float("nan"),
            "max_abs_gap": max(err) if err else float("nan"),
        }
        print(
            f"{n} calibration windows: mean |PIT coverage - nominal| {summary[f'windows_{n}']['mean_abs_gap']:.4f}"
        )
    for rule in counts.RULES:
        err = [abs(r["pit"][f"{rule}_{lv}"] - lv / 100) for r in out for lv in LEVELS]
        summary[f"rule_{rule}"] = {
            "mean_abs_gap": float(np.mean(err)) if err else float("nan"),
            "max_abs_gap": max(err) if err else float("nan"),
        }
        print(f"rule {rule:<10} mean |PIT coverage - nominal| {summary[f'rule_{rule}']['mean_abs_gap']:.4f}")
    for scheme in calibrate.SCHEMES:
        err = [abs(r["pit"][f"{scheme}_{lv}"] - lv / 100) for r in out for lv in LEVELS]
        worst = max(err) if err else float("nan")
        summary[scheme] = {"mean_abs_gap": float(np.mean(err)) if err else float("nan"), "max_abs_gap": worst}
        print(
            f"{scheme:<12} mean |PIT coverage - nominal| {summary[scheme]['mean_abs_gap']:.4f}, max {worst:.4f}"
        )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(
        json.dumps(
            {
                "series": int(train.n),
                "model": a.model,
                "calib_windows": n_cal,
                "grain": a.grain,
                "horizon": h,
                "cuts": out,
                "schemes": summary,
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "load_average": os.getloadavg(),
            },
            indent=2,
        )
    )
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
