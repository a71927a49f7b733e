"""Forecast combination weights and interval rules, judged on validation cuts inside the training window.

Reads the forecasts `bench/forecast_select.py --dump` saved (the evaluate command's seeded sample, cut at
the outer holdout, which is never read) and keeps its protocol: for each shift d = 0..shifts-1 a rule is
fitted on the window cut at ``T - 2h - d`` and scored on the window cut at ``T - h - d``.

Two questions, both about weekly panels (ours' pool with the THieF forms for smooth series, as the default):

1. **Weights instead of choosing** — per demand class, weights from the choosing window's scaled errors
   (error / in-sample naive MAE): inverse-MSE and inverse-MAE (Bates & Granger 1969's diagonal case),
   the "optimal" weights Sigma^-1 1 / 1' Sigma^-1 1 (Bates-Granger with covariances) shrunk towards equal
   weights (Diebold & Pauly 1990; Timmermann 2006 on why the shrunk forms win), and the inverse-error
   *weighted medians* (the ensemble's default is the plain median of all). Ratio = MASE / the best single
   statsforecast model on the scored window (the goal's comparison, one level down).
2. **Interval calibration of the chosen combination** — conformal quantiles of |error| / unit from the
   choosing window (per class x step made non-decreasing: ensemble's rule so far; per step without the
   running maximum; one quantile per class for all steps; per step across classes; signed per-step
   quantiles), coverage of 80 / 95 % on the scored window.

    python bench/forecast_combine.py --load /tmp/or_week.npz /tmp/or_thief.npz --out bench/results/forecast_combine_or_week.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from forecast_select import Cuts, _by_class, ensemble_margin, median_swapped
from shopmind.forecast.ensemble import (
    MIN_GROUP,
    Backtest,
    _conformal,
    candidates,
    choose,
    chosen_backtest,
)
from shopmind.forecast.models import STATS_PEERS
from shopmind.forecast.thief import smooth_swaps

BASE = ["SeasonalNaive", "AutoETS", "AutoTheta", "CrostonOptimized", "TSB", "ADIDA", "LightGBM"]
THIEF = [f"THieF-{m}" for m in ("AutoETS", "AutoTheta", "SeasonalNaive", "ADIDA", "TSB")]
LEVELS = (80, 95)


def scaled_errors(bt: Backtest, names: list[str], mask: np.ndarray) -> np.ndarray:
    """(points, models): forecast - actual over the in-sample naive MAE, rows where every model is finite."""
    s = bt.mase_scale[0][mask]
    ok = s > 0
    cols = [((bt.preds[m][0] - bt.actual[0])[mask][ok] / s[ok, None]).ravel() for m in names]
    e = np.stack(cols, axis=1)
    return e[np.isfinite(e).all(axis=1)]


def weights(e: np.ndarray, kind: str, shrink: float = 1.0) -> np.ndarray:
    """Combination weights (sum 1) from scaled errors ``e`` (points x models)."""
    k = e.shape[1]
    if kind == "inverse-mse":
        w = 1.0 / np.mean(e**2, axis=0)
    elif kind == "inverse-mae":
        w = 1.0 / np.mean(np.abs(e), axis=0)
    elif kind == "optimal":  # Bates-Granger with covariances: Sigma^-1 1 / 1' Sigma^-1 1 (second moments)
        sigma = e.T @ e / e.shape[0]
        sigma += 1e-6 * np.trace(sigma) / k * np.eye(k)
        w = np.linalg.solve(sigma, np.ones(k))
    elif kind == "equal":
        w = np.ones(k)
    else:
        raise ValueError(f"unknown weights {kind!r}")
    w = w / w.sum()
    return shrink * w + (1.0 - shrink) / k


def weighted_median(arrays: list[np.ndarray], w: np.ndarray) -> np.ndarray:
    """Elementwise weighted median of forecasts (the smallest value whose cumulative weight reaches 1/2)."""
    a = np.stack(arrays, axis=-1)
    order = np.argsort(a, axis=-1)
    srt = np.take_along_axis(a, order, axis=-1)
    cum = np.cumsum(w[order], axis=-1)
    idx = (cum >= 0.5 * cum[..., -1:]).argmax(axis=-1)
    return np.take_along_axis(srt, idx[..., None], axis=-1)[..., 0]


def weighted(kind: str, shrink: float = 1.0, median: bool = False, swaps: dict | None = None) -> Callable:
    """A scheme: per class (pooled below MIN_GROUP series), weights from the choosing window."""

    def scheme(bt: Backtest, cls: np.ndarray) -> Callable:
        def pick(mask: np.ndarray) -> Callable:
            small = mask.sum() < MIN_GROUP
            use = np.ones_like(mask) if small else mask
            names = candidates(list(bt.preds), "all" if small else str(cls[mask][0]), swaps)
            w = weights(scaled_errors(bt, names, use), kind, shrink)
            if median:
                return lambda p: weighted_median([p[n] for n in names], w)
            return lambda p: sum(wi * p[n] for wi, n in zip(w, names, strict=True))

        return _by_class(cls, pick)

    return scheme


def schemes(swaps: dict) -> dict[str, Callable]:
    return {
        "ensemble (default: median of all unless beaten by 10 %)": ensemble_margin(0.10, swaps),
        "median of all": median_swapped(swaps),
        "mean of all": weighted("equal", swaps=swaps),
        "inverse-MSE weights": weighted("inverse-mse", swaps=swaps),
        "inverse-MAE weights": weighted("inverse-mae", swaps=swaps),
        "optimal (Bates-Granger) weights": weighted("optimal", swaps=swaps),
        "optimal weights shrunk 0.5 to equal": weighted("optimal", 0.5, swaps=swaps),
        "optimal weights shrunk 0.25 to equal": weighted("optimal", 0.25, swaps=swaps),
        "inverse-MSE weighted median": weighted("inverse-mse", median=True, swaps=swaps),
        "inverse-MAE weighted median": weighted("inverse-mae", median=True, swaps=swaps),
    }


def _q_raw(sc: np.ndarray, h: int) -> dict[int, np.ndarray]:
    """Per step, finite-sample corrected, without the running maximum."""
    out = {}
    for lv in LEVELS:
        q = np.zeros(h)
        for s in range(h):
            c = sc[:, s][np.isfinite(sc[:, s])]
            q[s] = np.quantile(c, min(1.0, np.ceil((c.size + 1) * lv / 100) / c.size), method="higher")
        out[lv] = q
    return out


def _q_signed(sc: np.ndarray, h: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per step lower/upper quantiles of signed (actual - forecast) scores, widening with the step."""
    out = {}
    for lv in LEVELS:
        a = (1 - lv / 100) / 2
        lo, hi = np.zeros(h), np.zeros(h)
        for s in range(h):
            c = sc[:, s][np.isfinite(sc[:, s])]
            n = c.size
            hi[s] = np.quantile(c, min(1.0, np.ceil((n + 1) * (1 - a)) / n), method="higher")
            lo[s] = np.quantile(c, max(0.0, np.floor((n + 1) * a) / n), method="lower")
        out[lv] = (np.minimum.accumulate(lo), np.maximum.accumulate(hi))
    return out


#: interval rule -> (signed scores?, quantiles from scores, per demand class?)
RULES: dict[str, tuple[bool, Callable, bool]] = {
    "class x step, running max (ensemble so far)": (False, lambda sc, h: _conformal(sc, h, LEVELS), True),
    "class x step, no running max": (False, _q_raw, True),
    "class, steps pooled (adopted for weekly)": (False, lambda sc, h: _conformal(sc, h, LEVELS, True), True),
    "step, classes pooled": (False, lambda sc, h: _conformal(sc, h, LEVELS), False),
    "class x step, signed": (True, _q_signed, True),
}


def coverage(bt_a: Backtest, bt_b: Backtest, cls: np.ndarray, swaps: dict) -> dict[str, dict[int, float]]:
    """Each rule's 80 / 95 % coverage on window b, calibrated on the chosen combination's errors on a."""
    ch = choose(bt_a, cls, swaps=swaps)
    pa, pb = chosen_backtest(bt_a, ch, cls)[0], chosen_backtest(bt_b, ch, cls)[0]
    ya, yb, ua, ub = bt_a.actual[0], bt_b.actual[0], bt_a.unit[0], bt_b.unit[0]
    out = {}
    for name, (signed, fn, per_class) in RULES.items():
        lo = {lv: np.zeros_like(pb) for lv in LEVELS}
        hi = {lv: np.zeros_like(pb) for lv in LEVELS}
        for g in sorted(set(cls.tolist())) if per_class else ["all"]:
            m = cls == g if g != "all" else np.ones(cls.size, bool)
            use = m if m.sum() >= MIN_GROUP else np.ones(cls.size, bool)
            err = (ya - pa) if signed else np.abs(ya - pa)
            q = fn(err[use] / ua[use, None], bt_a.h)
            for lv in LEVELS:
                ql, qh = q[lv] if signed else (-q[lv], q[lv])
                lo[lv][m] = np.clip(pb[m] + ql[None] * ub[m, None], 0.0, None)
                hi[lv][m] = pb[m] + qh[None] * ub[m, None]
        ok = np.isfinite(yb)
        out[name] = {lv: float(np.mean(((yb >= lo[lv]) & (yb <= hi[lv]))[ok])) for lv in LEVELS}
    return out


def analyse(z: dict[str, np.ndarray], shifts: int) -> dict:
    have = {k.split("_", 2)[2] for k in z if k.startswith("pred_")}
    names = [m for m in BASE + THIEF if m in have]
    swaps = smooth_swaps(names)
    cuts, h, T = set(z["cuts"].tolist()), int(z["h"]), z["y"].shape[1]
    data = Cuts(z, names)
    peers = [m for m in names if m in STATS_PEERS]
    table = schemes(swaps)
    res: dict = {"pool": names, "ratio": {k: [] for k in table}, "coverage": {k: [] for k in RULES}}
    for d in range(shifts):
        b, a = T - h - d, T - 2 * h - d
        if a not in cuts or b not in cuts:
            continue
        cls, bt_a, bt_b = z[f"class_{b}"], data.bt(a), data.bt(b)
        single = {m: float(np.nanmean(bt_b.mase(bt_b.preds[m]))) for m in peers}
        best = min(single, key=single.get)
        for k, scheme in table.items():
            pred = scheme(bt_a, cls)({m: v[0] for m, v in bt_b.preds.items()})
            res["ratio"][k].append(float(np.nanmean(bt_b.mase([pred]))) / single[best])
        for k, v in coverage(bt_a, bt_b, cls, swaps).items():
            res["coverage"][k].append(v)
    res["mean_ratio"] = {k: float(np.mean(v)) for k, v in res["ratio"].items()}
    res["mean_abs_coverage_gap"] = {
        k: float(np.mean([abs(c[lv] - lv / 100) for c in v for lv in LEVELS]))
        for k, v in res["coverage"].items()
    }
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--load", type=Path, nargs="+", required=True, help="forecast_select.py --dump files (merged)"
    )
    ap.add_argument("--shifts", type=int, default=4)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    z: dict[str, np.ndarray] = {}
    for p in a.load:
        with np.load(p, allow_pickle=False) as f:
            z.update({k: f[k] for k in f.files if k not in z or k.startswith("pred_")})
    res = {"load": [str(p) for p in a.load], "series": int(z["y"].shape[0]), **analyse(z, a.shifts)}
    for k, v in res["ratio"].items():
        print(f"{k:<58} " + " ".join(f"{x:.3f}" for x in v) + f"  mean {res['mean_ratio'][k]:.4f}")
    for k, v in res["coverage"].items():
        print(
            f"{k:<45} 80: "
            + " ".join(f"{c[80]:.3f}" for c in v)
            + "  95: "
            + " ".join(f"{c[95]:.3f}" for c in v)
            + f"  mean |gap| {res['mean_abs_coverage_gap'][k]:.4f}"
        )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
