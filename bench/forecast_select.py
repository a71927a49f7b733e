"""Validate ways of combining on the training window only: choose on an earlier cut, score on a later one.

The ensemble chooses its combination on inner windows; whether a *scheme* of choosing generalises is
itself a setting, so it is judged one level deeper. The evaluate command's seeded sample is cut at the
outer holdout (never read); for each shift d = 0..shifts-1 a scheme chooses on the window cut at
``T - 2h - d`` and is scored (MASE, as evaluate) on the window cut at ``T - h - d``; its ratio is to the
best single statsforecast model *on that scored window* (the goal's comparison, one level down).

Schemes: ``ensemble`` (ensemble.choose, what ours does), ``single per class`` (the best model per demand
class), ``median of all`` (no choice), ``ensemble x level`` (ensemble, then a factor per class in 0.6..1.4
chosen on the same window: the "bias correction"). ``--pool`` sets the models the schemes combine.

    python bench/forecast_select.py ../shared/data/online-retail -f online-retail --grain week \\
        --horizon 13 --max-series 300 --dump /tmp/or_week.npz --out bench/results/forecast_select_or_week.json
    python bench/forecast_select.py ... --load /tmp/or_week.npz --pool SeasonalNaive,...,LightGBM-l1  # no refit
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from forecast_sample import add_sample_args, bench_models, training_window
from shopmind.forecast.ensemble import MIN_GROUP, Backtest, candidates, choose, demand_class, pool
from shopmind.forecast.metrics import naive_scale
from shopmind.forecast.models import STATS_PEERS
from shopmind.forecast.thief import smooth_swaps

MODELS = "SeasonalNaive,AutoETS,AutoTheta,CrostonOptimized,TSB,ADIDA,LightGBM,LightGBM-l1"
LEVEL_GRID = np.round(np.linspace(0.6, 1.4, 17), 3)

#: a scheme: (backtest of the choosing window, classes) -> forecasts of the scored window from its models'
Scheme = Callable[[Backtest, np.ndarray], Callable[[dict[str, np.ndarray]], np.ndarray]]


def dump(a: argparse.Namespace) -> dict[str, np.ndarray]:
    """Every model's forecasts at every cut the shifts need (training window only)."""
    train, daily, _ = training_window(a)
    h = a.horizon
    cuts = sorted({train.T - k * h - d for d in range(a.shifts) for k in (1, 2)})
    cuts = [c for c in cuts if c >= max(2 * train.season, 8)]
    mods = bench_models(a.models.split(","), daily)
    out: dict[str, np.ndarray] = {"cuts": np.array(cuts), "h": np.array(h), "y": train.y}
    out["models"] = np.array([m.name for m in mods])
    t0 = time.perf_counter()
    for c in cuts:
        part = train.cut(c)
        out[f"scale_{c}"] = naive_scale(part.y, train.season)
        out[f"class_{c}"] = demand_class(part).astype(str)
        for m in mods:
            out[f"pred_{c}_{m.name}"] = m.forecast(part, h)
        print(f"cut {c}: {time.perf_counter() - t0:.0f} s", flush=True)
    return out


class Cuts:
    """The dumped forecasts, as backtests of one window."""

    def __init__(self, z: dict[str, np.ndarray], names: list[str]) -> None:
        self.z, self.names, self.h, self.y = z, names, int(z["h"]), z["y"]

    def bt(self, c: int, names: list[str] | None = None) -> Backtest:
        bt = Backtest(h=self.h)
        s = self.z[f"scale_{c}"]
        bt.actual, bt.mase_scale, bt.unit = [self.y[:, c : c + self.h]], [s], [np.where(s > 0, s, 1.0)]
        for m in names or self.names:
            bt.preds[m] = [self.z[f"pred_{c}_{m}"]]
        return bt


def _by_class(cls: np.ndarray, pick: Callable[[np.ndarray], Callable[[dict], np.ndarray]]) -> Callable:
    """Apply a per-class rule (``pick(mask)`` -> forecaster of the masked rows) to every class."""
    rules = {g: pick(cls == g) for g in set(cls.tolist())}

    def f(preds: dict[str, np.ndarray]) -> np.ndarray:
        out = np.zeros_like(next(iter(preds.values())))
        for g, rule in rules.items():
            m = cls == g
            out[m] = rule({k: v[m] for k, v in preds.items()})
        return out

    return f


def ensemble_margin(margin: float, swaps: dict[str, dict[str, str]] | None = None) -> Scheme:
    """The ensemble preferring the median of all unless a combination beats it by ``margin``."""

    def scheme(bt: Backtest, cls: np.ndarray) -> Callable:
        ch = choose(bt, cls, margin=margin, swaps=swaps)

        def pick(mask: np.ndarray) -> Callable:
            key = str(cls[mask][0]) if str(cls[mask][0]) in ch.members else "all"
            return lambda p: ch.pool(key, [p[n] for n in ch.members[key]])

        return _by_class(cls, pick)

    return scheme


def single(bt: Backtest, cls: np.ndarray) -> Callable:
    per = {m: bt.mase(bt.preds[m]) for m in bt.preds}

    def pick(mask: np.ndarray) -> Callable:
        use = mask if mask.sum() >= MIN_GROUP else np.ones_like(mask)
        best = min(per, key=lambda m: np.nanmean(per[m][use]))
        return lambda p: p[best]

    return _by_class(cls, pick)


def median_all(bt: Backtest, cls: np.ndarray) -> Callable:
    names = list(bt.preds)
    return lambda p: pool([p[n] for n in names], "median")


def median_swapped(swaps: dict[str, dict[str, str]]) -> Scheme:
    """The median of all, with each class's swaps (ensemble.candidates) applied."""

    def scheme(bt: Backtest, cls: np.ndarray) -> Callable:
        def pick(mask: np.ndarray) -> Callable:
            names = candidates(list(bt.preds), str(cls[mask][0]), swaps)
            return lambda p: pool([p[n] for n in names], "median")

        return _by_class(cls, pick)

    return scheme


def ensemble_level(bt: Backtest, cls: np.ndarray) -> Callable:
    base = ensemble(bt, cls)
    pred = base({m: v[0] for m, v in bt.preds.items()})
    fac = np.ones(cls.size)
    for g in set(cls.tolist()):
        m = cls == g
        vals = [np.nanmean(bt.mase([pred * k])[m]) for k in LEVEL_GRID]
        fac[m] = LEVEL_GRID[int(np.argmin(vals))]
    return lambda p: base(p) * fac[:, None]


ensemble = ensemble_margin(0.0)

SCHEMES: dict[str, Scheme] = {
    "ensemble": ensemble,
    "ensemble, margin 0.02": ensemble_margin(0.02),
    "ensemble, margin 0.05": ensemble_margin(0.05),
    "ensemble, margin 0.10": ensemble_margin(0.10),
    "single per class": single,
    "median of all": median_all,
    "ensemble x level": ensemble_level,
}


def _bias(p: np.ndarray, a: np.ndarray) -> float:
    return float((np.nansum(np.where(np.isnan(a), np.nan, p)) - np.nansum(a)) / np.nansum(a))


def by_class(bt_a: Backtest, bt_b: Backtest, cls: np.ndarray, names: list[str]) -> dict:
    """Per demand class: series, each model's mean MASE on the scored window, the best model on the
    choosing window and on the scored one, and what picking the former costs on the scored window."""
    out = {}
    ma = {m: bt_a.mase(bt_a.preds[m]) for m in names}
    mb = {m: bt_b.mase(bt_b.preds[m]) for m in names}
    for g in sorted(set(cls.tolist())):
        mask = cls == g
        on_b = {m: float(np.nanmean(mb[m][mask])) for m in names}
        pick_a = min(names, key=lambda m: np.nanmean(ma[m][mask]))
        best_b = min(names, key=on_b.get)
        out[g] = {
            "series": int(mask.sum()),
            "mase": on_b,
            "best_on_choosing_window": pick_a,
            "best_on_scored_window": best_b,
            "picked_over_best": on_b[pick_a] / on_b[best_b],
        }
    return out


def analyse(z: dict[str, np.ndarray], names: list[str], shifts: int, peers: list[str] | None = None) -> dict:
    """Per shift: each scheme's MASE ratio to the best single statsforecast model and its bias.

    ``peers``: the statsforecast models the ratio is to (default: those in the pool ``names``), so a
    pool that swaps a peer for its temporal form is still compared with the same peers."""
    cuts, h, T = set(z["cuts"].tolist()), int(z["h"]), z["y"].shape[1]
    peers = [m for m in (peers if peers is not None else names) if m in STATS_PEERS]
    every = list(dict.fromkeys([*names, *peers]))
    data = Cuts(z, every)
    out: dict = {"shifts": [], "schemes": {k: {"ratio": [], "bias": []} for k in SCHEMES}}
    for d in range(shifts):
        b, a = T - h - d, T - 2 * h - d
        if b not in cuts or a not in cuts:
            continue
        cls, bt_a, bt_b = z[f"class_{b}"], data.bt(a, names), data.bt(b, names)
        full = data.bt(b)
        single_mase = {m: float(np.nanmean(full.mase(full.preds[m]))) for m in every}
        single_bias = {m: _bias(full.preds[m][0], full.actual[0]) for m in every}
        best = min(peers, key=single_mase.get, default=None)
        out["shifts"].append(
            {
                "choose_cut": a,
                "score_cut": b,
                "best_single": best,
                "mase": single_mase,
                "bias": single_bias,
                "by_class": by_class(bt_a, bt_b, cls, names),
            }
        )
        if best is None:  # no statsforecast peer in the pool: the single models' figures only
            continue
        for k, scheme in SCHEMES.items():
            pred = scheme(bt_a, cls)({m: v[0] for m, v in bt_b.preds.items()})
            out["schemes"][k]["ratio"].append(float(np.nanmean(bt_b.mase([pred]))) / single_mase[best])
            out["schemes"][k]["bias"].append(_bias(pred, bt_b.actual[0]))
    for v in out["schemes"].values():
        v["mean_ratio"] = float(np.mean(v["ratio"])) if v["ratio"] else float("nan")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_sample_args(ap)
    ap.add_argument("--shifts", type=int, default=4)
    ap.add_argument("--models", default=MODELS, help="models fitted at every cut (--dump)")
    ap.add_argument("--pool", default=MODELS, help="the models the schemes combine")
    ap.add_argument("--peers", help="statsforecast models the ratio is to (default: those in --pool)")
    ap.add_argument(
        "--smooth-thief",
        action="store_true",
        help="also score the schemes with the THieF forms in the pool swapped in for smooth series "
        "(thief.smooth_swaps; the pool must hold them, e.g. THieF-AutoETS)",
    )
    ap.add_argument("--dump", type=Path, help="save the forecasts here (npz)")
    ap.add_argument("--load", type=Path, nargs="*", help="forecasts saved by --dump (merged), no refit")
    ap.add_argument("--out", type=Path, default=Path("bench/results/forecast_select.json"))
    a = ap.parse_args()
    if a.load:
        z: dict[str, np.ndarray] = {}
        for p in a.load:
            with np.load(p, allow_pickle=False) as f:
                z.update({k: f[k] for k in f.files if k not in z or k.startswith("pred_")})
    else:
        z = dump(a)
        if a.dump:
            np.savez_compressed(a.dump, **z)
    have = {k.split("_", 2)[2] for k in z if k.startswith("pred_")}
    names = [m for m in a.pool.split(",") if m in have]
    if a.smooth_thief:
        swaps = smooth_swaps(names)
        SCHEMES["ensemble, margin 0.10, THieF for smooth"] = ensemble_margin(0.10, swaps)
        SCHEMES["median of all, THieF for smooth"] = median_swapped(swaps)
    res = {
        "dataset": str(a.path),
        "format": a.format,
        "grain": a.grain,
        "series": int(z["y"].shape[0]),
        "periods_before_holdout": int(z["y"].shape[1]),
        "pool": names,
        **analyse(z, names, a.shifts, a.peers.split(",") if a.peers else None),
    }
    for s in res["shifts"]:
        ranked = sorted(s["mase"].items(), key=lambda kv: kv[1])
        print(
            f"choose @{s['choose_cut']} score @{s['score_cut']}: best sf {s['best_single']}; "
            + ", ".join(f"{m} {v:.3f} ({s['bias'][m]:+.2f})" for m, v in ranked)
        )
    for s in res["shifts"]:
        print(
            f"score @{s['score_cut']} by class: "
            + "; ".join(
                f"{g} ({c['series']}): best {c['best_on_scored_window']} {c['mase'][c['best_on_scored_window']]:.3f},"
                f" picked {c['best_on_choosing_window']} x{c['picked_over_best']:.3f}"
                for g, c in s["by_class"].items()
            )
        )
    for k, v in res["schemes"].items():
        print(
            f"{k:<18} ratio "
            + " ".join(f"{x:.3f}" for x in v["ratio"])
            + f"  mean {v['mean_ratio']:.3f}; bias "
            + " ".join(f"{x:+.2f}" for x in v["bias"])
        )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
