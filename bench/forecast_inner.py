"""Diagnose a change on the inner rolling-origin windows only (never the holdout), peers side by side.

Loads a dataset as `shopmind evaluate forecast` does, takes the same seeded sample of series, cuts it
at the outer holdout's first cut (so nothing after it is read), and runs the inner backtest (the
windows the ensemble chooses on) with every model plus LightGBM variants. Prints per model the mean
inner MASE, overall and per demand class, and per variant the training rows per horizon step.

    python bench/forecast_inner.py ../shared/data/online-retail -f online-retail --grain week \\
        --horizon 13 --windows 1 --inner-windows 2 --max-series 300
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from forecast_sample import add_sample_args, training_window
from shopmind.forecast.ensemble import backtest, demand_class
from shopmind.forecast.gbm import GlobalGBM, training_origins
from shopmind.forecast.models import make_models
from shopmind.forecast.temporal import FromDaily, TemporalAgg

VARIANTS = {
    "LightGBM": {},
    "LightGBM-cover-horizon": {"cover_horizon": True},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_sample_args(ap)
    ap.add_argument("--models", default="SeasonalNaive,AutoETS,AutoTheta,CrostonOptimized,TSB,ADIDA")
    ap.add_argument("--agg", default="", help="models also run through the temporal-aggregation wrapper")
    ap.add_argument("--out", type=Path, default=Path("bench/results/forecast_inner.json"))
    a = ap.parse_args()
    h = a.horizon
    train, daily, _ = training_window(a)  # the outer training window: the holdout is never read
    mods = make_models([m for m in a.models.split(",") if m])
    mods += [GlobalGBM(name=name, **kw) for name, kw in VARIANTS.items()]
    mods += [TemporalAgg(m) for m in make_models([m for m in a.agg.split(",") if m])]
    if daily is not None:  # weekly store data: the daily LightGBM summed to weeks
        mods.append(FromDaily(daily, GlobalGBM()))
    t0 = time.perf_counter()
    bt = backtest(train, mods, h, a.inner_windows)
    classes = demand_class(train)
    out: dict = {
        "series": int(train.n),
        "periods": int(train.T),
        "inner_windows": len(bt.actual),
        "models": {},
    }
    print(f"{train.n} series, {train.T} periods before the holdout, {len(bt.actual)} inner windows of {h}")
    groups = sorted(set(classes.tolist()))
    print(f"{'model':<24}{'MASE':>8}" + "".join(f"{g[:11]:>12}" for g in groups) + f"{'sec':>8}")
    for name, pred in sorted(bt.preds.items(), key=lambda kv: np.nanmean(bt.mase(kv[1]))):
        per = bt.mase(pred)
        by = {g: float(np.nanmean(per[classes == g])) for g in groups}
        out["models"][name] = {"mase": float(np.nanmean(per)), "by_class": by, "seconds": bt.seconds[name]}
        print(
            f"{name:<24}{np.nanmean(per):>8.3f}"
            + "".join(f"{by[g]:>12.3f}" for g in groups)
            + f"{bt.seconds[name]:>8.1f}"
        )
    out["classes"] = {g: int((classes == g).sum()) for g in groups}
    for name, kw in VARIANTS.items():  # rows per step at the last inner cut
        T = train.T - h
        org = training_origins(T, h, train.freq, 12, kw.get("cover_horizon", False))
        per_step = [sum(1 for t in org if T - 1 - t >= s) for s in range(1, h + 1)]
        out["models"][name]["origins_per_step"] = per_step
        print(f"{name}: origins per step 1..{h}: {per_step}")
    out["seconds"] = round(time.perf_counter() - t0, 1)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out, indent=2))
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
