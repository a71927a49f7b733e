"""What leaving the gate's flagged quantity outliers out of demand does to `evaluate forecast`, on the same series.

Why (issue 14, t14e): ``evaluate forecast --flagged leave_out`` (the release's demand, the default) and
``--flagged keep`` (the demand before) do not score the same series: a product whose only sales were flagged
slips disappears, one whose first sale was a slip starts later, so the eligible set changes and the seeded
sample of 300 (or 40) is drawn afresh — on Online Retail week 2,129 -> 2,120 eligible series, another sample.
The recorded commands' two runs side by side mix the sample change with the demand change. Here both demands
are scored on one set of series: the keep run's seeded sample (what ``evaluate forecast --flagged keep``
scores) less the series not eligible under leave_out, with ``evaluate.run(ids=...)``; everything else is the
recorded command's (models, horizon, windows, the global models' pool). Reported: each arm's figures and ratio,
and how many of the scored series have a different history or truth under the two demands.

    python bench/forecast_flagged_effect.py ../shared/data/online-retail -f online-retail --grain week \\
        --horizon 13 --max-series 300 --out bench/results/forecast_flagged_effect_or_week.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from forecast_sample import add_sample_args
from shopmind.forecast.evaluate import _eligible, load_panels, run

MODELS = "SeasonalNaive,AutoETS,AutoTheta,CrostonOptimized,TSB,ADIDA,LightGBM"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_sample_args(ap)
    ap.add_argument("--models", default=MODELS)
    ap.add_argument("--arm", choices=["keep", "leave_out", "both"], default="both")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    t0 = time.time()
    panels = {m: load_panels(a.format, a.path, a.grain, flagged=m) for m in ("keep", "leave_out")}
    keep, out = panels["keep"][0], panels["leave_out"][0]
    min_obs = (a.inner_windows + 1) * a.horizon
    rows = _eligible(keep, keep.T - a.windows * a.horizon, min_obs + keep.season)
    if a.max_series and rows.size > a.max_series:  # evaluate.run's seeded sample of the keep demand
        rows = np.sort(np.random.default_rng(a.seed).choice(rows, a.max_series, replace=False))
    ok = {out.ids[i] for i in _eligible(out, out.T - a.windows * a.horizon, min_obs + out.season)}
    ids = [keep.ids[i] for i in rows if keep.ids[i] in ok]
    assert np.array_equal(keep.dates, out.dates), "the two demands span different dates"
    where = {k: i for i, k in enumerate(out.ids)}
    k_y, o_y = keep.y[[keep.ids.index(k) for k in ids]], out.y[[where[k] for k in ids]]
    differs = ~np.all((k_y == o_y) | (np.isnan(k_y) & np.isnan(o_y)), axis=1)
    truth = slice(keep.T - a.windows * a.horizon, keep.T)
    truth_differs = ~np.all(
        (k_y[:, truth] == o_y[:, truth]) | (np.isnan(k_y[:, truth]) & np.isnan(o_y[:, truth])), axis=1
    )
    res: dict = {
        "dataset": str(a.path),
        "format": a.format,
        "grain": a.grain,
        "keep_sample": int(rows.size),
        "scored": len(ids),
        "dropped_not_eligible_under_leave_out": int(rows.size - len(ids)),
        "series_whose_demand_differs": int(differs.sum()),
        "series_whose_scored_window_differs": int(truth_differs.sum()),
        "flagged": {m: {k: v for k, v in p[2].items() if k.startswith("flagged")} for m, p in panels.items()},
        "arms": {},
    }
    print(
        f"{len(ids)} of the keep sample's {rows.size} series scored; demand differs on {int(differs.sum())}, "
        f"in the scored window on {int(truth_differs.sum())}",
        flush=True,
    )
    for mode in ("keep", "leave_out") if a.arm == "both" else (a.arm,):
        panel, daily, _ = panels[mode]
        r = run(
            panel, a.horizon, a.windows, a.models.split(","), a.inner_windows, 0, a.seed, daily=daily, ids=ids
        )
        best = r["best_single_statsforecast"]
        res["arms"][mode] = {
            "ratio": r["goals"]["mase_ratio_to_best"],
            "best_single": best,
            "models": {m: {k: r["models"][m][k] for k in ("mase", "rmsse", "bias")} for m in r["models"]},
            "coverage": {
                k: v for k, v in r["models"]["ours"].items() if k.startswith("coverage_") and "_" not in k[9:]
            },
            "global_pool_series": r["global_pool_series"],
        }
        print(f"{mode}: ours {r['models']['ours']['mase']:.4f}, best {best} {r['models'][best]['mase']:.4f}, "
              f"ratio {r['goals']['mase_ratio_to_best']:.4f}", flush=True)  # fmt: skip
    res["wall_seconds"] = round(time.time() - t0, 1)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2, default=float))
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
