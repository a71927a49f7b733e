"""Does the count-interval calibration transfer? Checked inside the training window only.

For the same seeded sample as `shopmind evaluate forecast`, cut at the outer holdout (never read), a
model's forecasts are made at pseudo-holdout cuts inside the training window; at each, the dispersion
is calibrated on the two windows just before it (as evaluate does on its inner windows) and the
randomised-PIT coverage of the pseudo-holdout is measured, per calibration rule. Cuts: the last
``--recent`` windows before the holdout, and the same calendar window one year earlier (``--seasonal``:
the holdout's season, e.g. Christmas, a year back).

    python bench/forecast_calibration.py ../shared/data/groceries -f groceries --horizon 14 --max-series 40
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from shopmind.forecast import counts
from shopmind.forecast.ensemble import demand_class
from shopmind.forecast.evaluate import _eligible, load_panel
from shopmind.forecast.models import make_models

LEVELS = (80, 95)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("-f", "--format", default="groceries")
    ap.add_argument("--horizon", type=int, default=14)
    ap.add_argument("--max-series", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", default="LightGBM", help="the model ours chose on the holdout's inner windows")
    ap.add_argument("--recent", type=int, default=3)
    ap.add_argument(
        "--seasonal", type=int, default=364, help="periods back for the same-season cut (0: none)"
    )
    ap.add_argument("--out", type=Path, default=Path("bench/results/forecast_calibration.json"))
    a = ap.parse_args()
    panel, _ = load_panel(a.format, a.path, "day")
    h = a.horizon
    first_cut = panel.T - h
    rows = _eligible(panel, first_cut, 3 * h + panel.season)
    if a.max_series and rows.size > a.max_series:
        rows = np.sort(np.random.default_rng(a.seed).choice(rows, a.max_series, replace=False))
    train = panel.subset(rows).cut(first_cut)  # the holdout is never read below
    cuts = [("recent", train.T - k * h) for k in range(1, a.recent + 1)]
    if a.seasonal:
        cuts.append(("same season a year back", first_cut - a.seasonal))
    model = make_models([a.model])[0]
    out = []
    for kind, end in cuts:
        fc = {e: model.forecast(train.cut(e), h) for e in (end - 2 * h, end - h, end)}
        act = {e: train.y[:, e : e + h] for e in fc}
        classes = demand_class(train.cut(end))
        calib_p, calib_a = [fc[end - 2 * h], fc[end - h]], [act[end - 2 * h], act[end - h]]
        row = {"kind": kind, "cut": str(train.dates[end]), "pit": {}}
        for rule in counts.RULES:
            _, _, alphas = counts.calibrated_intervals(fc[end], classes, calib_p, calib_a, LEVELS, 1, rule)
            for lv in LEVELS:
                cov = counts.pit_coverage(act[end], fc[end], alphas[lv], (lv,), seed=1)[f"pit_{lv}"]
                row["pit"][f"{rule}_{lv}"] = float(np.nanmean(cov))
        bias = float((np.nansum(fc[end]) - np.nansum(act[end])) / max(np.nansum(act[end]), 1e-9))
        row["bias"] = bias
        out.append(row)
        print(
            f"{kind:<26}{row['cut']}: bias {bias:+.3f}  "
            + "  ".join(f"{k} {v:.3f}" for k, v in row["pit"].items()),
            flush=True,
        )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"series": int(train.n), "model": a.model, "cuts": out}, indent=2))
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
