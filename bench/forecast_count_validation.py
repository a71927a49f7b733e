"""Count-interval calibration judged by `evaluate forecast`'s own pipeline at validation cuts (issue 14, session 20).

Why a new bench: every earlier choice of the count-interval calibration (cells, windows, rules, the year-back
window; bench/forecast_calibration.py, forecast_calib_seasonal.py) was judged on pseudo-holdouts forecast by
one *fixed* model (LightGBM, what ours chose at the holdout cut), calibrated outside evaluate's code. Session
15 named the remaining difference and left it unchecked: evaluate re-chooses the ensemble at each cut, adds
the year-back window where it exists, and computes every variant inside `evaluate.run`. Here `evaluate.run`
itself (unchanged, the recorded model list, windows=1) runs at validation cuts **inside the holdout's training
window**: the evaluate command's seeded sample, cut at its holdout cut (nothing after it is read), then cut
again at V + h for each validation cut V, so `evaluate.run` scores V .. V + h - 1. Cuts: V = T_h - k*h,
k = 1..``--recent`` (T_h = the holdout cut), and for Groceries also the holdout's calendar window a year back
(V = T_h - 364, ``--seasonal``). statsforecast's own peer intervals are skipped (report-only peers' rows, not
ours; saves their refits).

Variants (all reported by evaluate on ours' same point forecast, so MASE is the same in every arm by
construction): the default (class cells, conformal rule, 2 windows + the year back where held), the cells
``step``, ``class+step``, ``volume``, ``volume+step``, the ``nearest`` rule, 3 / 4 / 6 calibration windows
(``cw<n>``, without the year-back window), the ``expected`` rule (the conformal target on the PIT's
expectation over V) and ``level`` (new: the NB re-centred per class on the calibration windows' total
actual / total forecast before its dispersion is calibrated, calibrate.leveled_intervals).

**Decision rule (written and committed before the first run).** Per dataset (Groceries item-day, Online
Retail day; 40 series each, h = 14) and variant: gap = mean over the validation cuts x {80, 95} of
|randomised-PIT coverage - nominal|, and within = the number of (cut, level) cells within 3 points. A variant
replaces the default for **daily** count panels only if its gap is lower than the default's on *both* daily
datasets and its `within` is not lower than the default's on either; of several, the lowest summed gap.
Weekly count panels (Online Retail week) keep the default whatever happens: 41 training weeks hold no
validation cut with evaluate's 2 inner windows of 13 weeks, so nothing can be judged for them. Then the
reported holdouts are run once on every dataset of the section and reported as they come; if no variant
passes, nothing changes and the holdouts are unchanged by construction (not re-run).

    python bench/forecast_count_validation.py ../shared/data/groceries -f groceries --out bench/results/forecast_count_validation_groc.json
    python bench/forecast_count_validation.py ../shared/data/online-retail -f online-retail --seasonal 0 --out bench/results/forecast_count_validation_or_day.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from forecast_sample import add_sample_args, training_window
from shopmind.forecast import evaluate, sf_intervals

LEVELS = (80, 95)
MODELS = "SeasonalNaive,AutoETS,AutoTheta,CrostonOptimized,TSB,ADIDA,LightGBM"
#: variant -> the suffix of evaluate's coverage_pit<level><suffix> keys ("" = the default)
VARIANTS = {
    "default": "",
    # the width-only rule: the default before the re-centring was adopted for daily panels (c3cbe4a), after
    # which a re-run's ``default`` on daily data is ``level``
    "class": "_class",
    "step": "_step",
    "class+step": "_class+step",
    "volume": "_volume",
    "volume+step": "_volume+step",
    "nearest": "_nearest",
    "cw3": "_cw3",
    "cw4": "_cw4",
    "cw6": "_cw6",
    "expected": "_expected",
    "level": "_level",
}


def summary(cuts: list[dict]) -> dict[str, dict[str, float]]:
    """Per variant: mean |PIT coverage - nominal| over cuts x levels, and the cells within 3 points."""
    out = {}
    for v in VARIANTS:
        gaps = [abs(c["pit"][v][str(lv)] - lv / 100) for c in cuts for lv in LEVELS if v in c["pit"]]
        out[v] = {
            "gap": float(np.mean(gaps)) if gaps else float("nan"),
            "within": int(sum(g <= 0.03 + 1e-12 for g in gaps)),
            "cells": len(gaps),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_sample_args(ap)
    ap.set_defaults(format="groceries", grain="day", horizon=14, max_series=40)
    ap.add_argument("--models", default=MODELS)
    ap.add_argument("--recent", type=int, default=3)
    ap.add_argument("--seasonal", type=int, default=364, help="periods back of the same-season cut (0: none)")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    t0 = time.perf_counter()
    sf_intervals.SUPPORTED = ()  # peers' own intervals: report only, and a refit per peer
    train, _, _ = training_window(a)  # the holdout's training window: nothing after its cut is read
    h = a.horizon
    cuts_at = [train.T - k * h for k in range(1, a.recent + 1)]
    if a.seasonal:
        cuts_at.append(train.T - a.seasonal)
    rows = []
    for v in cuts_at:
        part = train.cut(v + h)
        res = evaluate.run(
            part, h, 1, a.models.split(","), a.inner_windows, max_series=0, log=lambda _s: None
        )
        ours = res["models"][evaluate.OURS]
        pit = {
            name: {str(lv): ours[f"coverage_pit{lv}{suffix}"] for lv in LEVELS}
            for name, suffix in VARIANTS.items()
            if f"coverage_pit80{suffix}" in ours
        }
        row = {
            "cut": str(train.dates[v]),
            "series": res["series"],
            "ours_mase": ours["mase"],
            "ratio_to_best": res["goals"]["mase_ratio_to_best"],
            "best_single": res["best_single_statsforecast"],
            "bias": ours["bias"],
            "coverage_plain": {str(lv): ours[f"coverage_{lv}"] for lv in LEVELS},
            "pit": pit,
            "choice": res["choices"][0],
        }
        rows.append(row)
        print(
            f"{row['cut']}: {row['series']} series, ours MASE {row['ours_mase']:.3f} "
            f"(/{row['best_single']} {row['ratio_to_best']:.3f}), bias {row['bias']:+.3f}, "
            f"members {row['choice']['members']}",
            flush=True,
        )
        print("   " + "  ".join(f"{k} {p['80']:.3f}/{p['95']:.3f}" for k, p in pit.items()), flush=True)
    summ = summary(rows)
    for v, s in summ.items():
        print(f"{v:<12} mean |PIT cov - nominal| {s['gap']:.4f}; within 3 points {s['within']}/{s['cells']}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(
        json.dumps(
            {
                "dataset": str(a.path),
                "format": a.format,
                "horizon": h,
                "models": a.models,
                "cuts": rows,
                "summary": summ,
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "load_average": os.getloadavg(),
                "seconds": round(time.perf_counter() - t0, 1),
            },
            indent=2,
        )
    )
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
