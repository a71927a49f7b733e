"""Do temporal hierarchies hurt M4-like weekly series? A seeded synthetic check, M4 protocol.

M4 Weekly (statsforecast's published MASE 2.34; the maintainers' held-out check of the generic format) is
long (hundreds of weeks), smooth, trending and yearly-seasonal - unlike the shop's 41-week, mostly
intermittent panels the THieF candidates were judged on. This simulates such series (level x (1 + trend)
x yearly sine of period 52.18 weeks, AR(1) log noise, lengths 150-900 weeks), holds out the last 13 weeks
and scores each model and its THieF form (1/2/4/13 weeks, thief.THieF) by MASE scaled by the in-sample
naive error (m = 1 for weekly, as evaluate), plus the median of the default weekly pool and of the pool
with the THieF forms swapped in. No setting is chosen here; it only checks for harm.

    python bench/forecast_thief_synth.py --series 200 --out bench/results/forecast_thief_synth.json
    python bench/forecast_thief_synth.py --series 200 --csv /tmp/m4like.csv  # the series as a long file,
    # for `shopmind evaluate forecast /tmp/m4like.csv -f long --horizon 13 --windows 1` (with/without --no-thief)
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from forecast_sample import bench_models
from shopmind.forecast.ensemble import pool
from shopmind.forecast.metrics import naive_scale
from shopmind.forecast.series import Panel

POOL = ["SeasonalNaive", "AutoETS", "AutoTheta", "CrostonOptimized", "TSB", "ADIDA", "LightGBM"]
SWAP = {m: f"THieF-{m}" for m in ("SeasonalNaive", "AutoETS", "AutoTheta", "TSB", "ADIDA")}


def simulate(n: int, seed: int) -> Panel:
    """``n`` smooth weekly series of 150-900 weeks, right-aligned (NaN before each series' start)."""
    rng = np.random.default_rng(seed)
    t_max = 900
    y = np.full((n, t_max), np.nan)
    for i in range(n):
        length = int(rng.integers(150, t_max + 1))
        t = np.arange(length)
        level = np.exp(rng.uniform(3, 9))
        trend = rng.normal(0, 0.4) * t / length
        season = rng.uniform(0, 0.3) * np.sin(2 * np.pi * t / 52.18 + rng.uniform(0, 2 * np.pi))
        noise = np.zeros(length)
        eps = rng.normal(0, rng.uniform(0.03, 0.15), length)
        for k in range(1, length):
            noise[k] = 0.6 * noise[k - 1] + eps[k]
        y[i, t_max - length :] = level * np.clip(1 + trend + season, 0.05, None) * np.exp(noise)
    dates = np.datetime64("2000-01-03") + 7 * np.arange(t_max)
    return Panel(ids=[f"s{i}" for i in range(n)], dates=dates, y=y, freq="W")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=200)
    ap.add_argument("--horizon", type=int, default=13)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench/results/forecast_thief_synth.json"))
    ap.add_argument("--csv", type=Path, help="only write the series as a long id,date,value CSV here")
    a = ap.parse_args()
    panel, h = simulate(a.series, a.seed), a.horizon
    if a.csv:
        rows, cols = np.nonzero(np.isfinite(panel.y))
        pl.DataFrame(
            {"id": [panel.ids[i] for i in rows], "date": panel.dates[cols], "value": panel.y[rows, cols]}
        ).write_csv(a.csv)
        print(f"wrote {rows.size} rows of {panel.n} series to {a.csv}")
        return
    train, actual = panel.cut(panel.T - h), panel.y[:, panel.T - h :]
    scale = naive_scale(train.y, train.season)
    preds, secs = {}, {}
    for m in bench_models(POOL + list(SWAP.values())):
        t0 = time.process_time()
        preds[m.name] = m.forecast(train, h)
        secs[m.name] = round(time.process_time() - t0, 1)
    preds["median of pool"] = pool([preds[m] for m in POOL], "median")
    preds["median of pool, THieF swapped in"] = pool([preds[SWAP.get(m, m)] for m in POOL], "median")
    mase = {k: float(np.mean(np.mean(np.abs(actual - p), axis=1) / scale)) for k, p in preds.items()}
    for k, v in sorted(mase.items(), key=lambda kv: kv[1]):
        print(f"{k:<36}{v:8.3f}  {secs.get(k, '')}")
    res = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "series": a.series,
        "horizon": h,
        "seed": a.seed,
        "mase": mase,
        "cpu_seconds": secs,
        "thief_over_base": {b: mase[t] / mase[b] for b, t in SWAP.items()},
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
