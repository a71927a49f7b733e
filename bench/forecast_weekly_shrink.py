"""Weekly MASE (issue 14, session 24, t14e): where ours loses to the best single statsforecast model, and two
candidates judged on validation cuts only.

Protocol (bench/forecast_select.py's, as sessions 17 and 21): the evaluate command's seeded sample cut at its
outer holdout (never read); every model of ours' weekly pool forecasts the windows cut at ``T - 2h - d`` and
``T - h - d`` (d = 0..3; the forecasts come from ``bench/forecast_global_all.py --dump``); ours' scheme chooses
on the first and is scored on the second; its ratio is to the best single statsforecast model on the scored
window. The pool is what ``evaluate forecast`` uses on weekly panels today: the 6 statsforecast peers, the 5
THieF forms (smooth series), ``THieF-ADIDA+GBMres-huber`` and LightGBM, the two global models fitted on the
eligible series with LightGBM's rounds chosen per fit (dumped as ``LightGBM-tuned@elig`` and
``THieF-ADIDA+GBMres-huber@elig``, read here under the pool's names). Store data read as the release reads it
(``[forecast] flagged = "leave_out"``, the default since t14e).

**Diagnosis (report only).** Per scored cut, each series' MASE under ours and under the cut's best single
model; the gap (mean over series of ours minus best) split by demand class, by observed history length
(weeks since the first sale: < 26, 26-35, >= 36) and by the in-sample naive scale's tercile, so the loss can
be placed: which groups, how intermittent, how long.

**Candidates (declared 2026-12-06 11:32 UTC, before any figure of this session's dumps):**

1. ``tie-break``: per class, ours keeps the ensemble's combination only if its MASE on the choosing window
   beats the best single statsforecast peer of that class on the same window by more than ``ensemble.MARGIN``
   (0.10, the margin the median-of-all rule already uses); otherwise that peer alone (the simpler model).
   Why: on one 13-week choosing window a combination's small win is noise; the goal compares with one model.
2. ``shrunk``: per class, ours' forecast = w x the ensemble's + (1 - w) x the forecast of the dataset's best
   single statsforecast peer on the choosing window (all series), w = (1/e_ens) / (1/e_ens + 1/e_single),
   e = the class's mean MASE of each on the choosing window (inverse-error weights, Bates-Granger; no
   parameter chosen). Why: the ensemble and the best single model have near-equal error and are not the same
   forecast, so a combination shrunk toward the comparator by its own validation error should not be worse
   than either and may beat both.

**Decision rule (written before the first figure):** a candidate is adopted for weekly panels only if ours'
mean ratio over the 4 scored cuts is lower than the default scheme's on **all three** weekly validation sets:
Online Retail week (300 series, leave_out demand), the long file of ``bench/forecast_long.py --products 300``
(244 series) and of ``--products 2000`` (300 sampled). Equal or worse on any: not adopted. Both passing: the
lower mean over the three. Only for what passes: the holdouts, once, with the recorded commands.

    python bench/forecast_weekly_shrink.py --load or=/tmp/or.npz long300=/tmp/l3.npz long2000=/tmp/l2.npz \\
        --out bench/results/forecast_weekly_shrink.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

import forecast_select as fs
from forecast_global_all import BASE, PEERS, RES, THIEF, variant
from shopmind.forecast.ensemble import MARGIN, MIN_GROUP, Backtest, choose
from shopmind.forecast.thief import smooth_swaps

#: the dumped names of the global models as evaluate fits them on weekly panels -> the pool's names
EVALUATE_GLOBALS = {"LightGBM": "LightGBM-tuned@elig", RES: f"{RES}@elig"}
POOL = [*BASE.split(","), *THIEF.split(","), RES]
PEER_LIST = PEERS.split(",")
SWAPS = smooth_swaps(POOL)
LENGTH_EDGES = (26, 36)


def _ensemble(bt: Backtest, cls: np.ndarray) -> tuple[Callable[[dict[str, np.ndarray]], np.ndarray], object]:
    """Ours' default: ensemble.choose (margin 0.10, THieF forms for smooth series), per class."""
    ch = choose(bt, cls, margin=MARGIN, swaps=SWAPS)

    def f(p: dict[str, np.ndarray]) -> np.ndarray:
        out = np.zeros_like(next(iter(p.values())))
        for g in set(cls.tolist()):
            m = cls == g
            key = str(g) if str(g) in ch.members else "all"
            out[m] = ch.pool(key, [p[n][m] for n in ch.members[key]])
        return out

    return f, ch


def _class_mask(cls: np.ndarray, g: str, ch: object) -> tuple[str, np.ndarray]:
    """The group whose choice a class uses (its own, or the pooled one when small) and its series."""
    key = g if g in ch.members else "all"  # type: ignore[attr-defined]
    return key, (np.ones(cls.size, bool) if key == "all" else cls == g)


def tie_break(bt: Backtest, cls: np.ndarray) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    ens, ch = _ensemble(bt, cls)
    own = {m: bt.mase(bt.preds[m]) for m in PEER_LIST}
    ens_bt = bt.mase([ens({m: v[0] for m, v in bt.preds.items()})])
    use: dict[str, str | None] = {}
    for g in set(cls.tolist()):
        _, mask = _class_mask(cls, str(g), ch)
        best = min(PEER_LIST, key=lambda m: np.nanmean(own[m][mask]))
        e_ens, e_best = np.nanmean(ens_bt[mask]), np.nanmean(own[best][mask])
        use[str(g)] = None if e_ens < e_best * (1 - MARGIN) else best

    def f(p: dict[str, np.ndarray]) -> np.ndarray:
        out = ens(p)
        for g, m in use.items():
            if m is not None:
                out[cls == g] = p[m][cls == g]
        return out

    return f


def shrunk(bt: Backtest, cls: np.ndarray) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    ens, ch = _ensemble(bt, cls)
    own = {m: bt.mase(bt.preds[m]) for m in PEER_LIST}
    best = min(PEER_LIST, key=lambda m: np.nanmean(own[m]))
    ens_bt = bt.mase([ens({m: v[0] for m, v in bt.preds.items()})])
    w = np.ones(cls.size)
    for g in set(cls.tolist()):
        _, mask = _class_mask(cls, str(g), ch)
        e_ens, e_best = np.nanmean(ens_bt[mask]), np.nanmean(own[best][mask])
        if np.isfinite(e_ens) and np.isfinite(e_best) and e_ens > 0 and e_best > 0:
            w[cls == g] = (1 / e_ens) / (1 / e_ens + 1 / e_best)

    def f(p: dict[str, np.ndarray]) -> np.ndarray:
        return w[:, None] * ens(p) + (1 - w[:, None]) * p[best]

    return f


CANDIDATES = {"tie-break": tie_break, "shrunk": shrunk}


def _weeks_seen(y: np.ndarray) -> np.ndarray:
    """Periods since each series' first observed period (NaN before it, as Panel stores it)."""
    seen = np.isfinite(y)
    first = np.where(seen.any(axis=1), seen.argmax(axis=1), y.shape[1])
    return y.shape[1] - first


def _split(gap: np.ndarray, labels: np.ndarray, o: np.ndarray, b: np.ndarray) -> dict[str, dict[str, float]]:
    n = np.isfinite(gap).sum()
    out = {}
    for g in sorted(set(labels.tolist())):
        m = (labels == g) & np.isfinite(gap)
        out[str(g)] = {
            "series": int(m.sum()),
            "ours": float(np.mean(o[m])) if m.any() else float("nan"),
            "best": float(np.mean(b[m])) if m.any() else float("nan"),
            "gap_share": float(gap[m].sum() / n),  # this group's part of the mean gap
        }
    return out


def analyse(z: dict[str, np.ndarray], shifts: int = 4) -> dict:
    z = variant(z, EVALUATE_GLOBALS)
    cuts, h, y = set(z["cuts"].tolist()), int(z["h"]), z["y"]
    T = y.shape[1]
    data = fs.Cuts(z, POOL)
    res: dict = {"cuts": [], "schemes": {k: [] for k in ("default", *CANDIDATES)}}
    for d in range(shifts):
        b, a = T - h - d, T - 2 * h - d
        if b not in cuts or a not in cuts:
            continue
        cls = z[f"class_{b}"]
        bt_a, bt_b = data.bt(a, POOL), data.bt(b, POOL)
        p_b = {m: v[0] for m, v in bt_b.preds.items()}
        single = {m: bt_b.mase(bt_b.preds[m]) for m in PEER_LIST}
        best = min(PEER_LIST, key=lambda m: np.nanmean(single[m]))
        best_mean = float(np.nanmean(single[best]))
        ours = bt_b.mase([_ensemble(bt_a, cls)[0](p_b)])
        res["schemes"]["default"].append(float(np.nanmean(ours)) / best_mean)
        for k, cand in CANDIDATES.items():
            res["schemes"][k].append(float(np.nanmean(bt_b.mase([cand(bt_a, cls)(p_b)]))) / best_mean)
        gap = ours - single[best]
        seen = _weeks_seen(y[:, :b])
        length = np.digitize(seen, LENGTH_EDGES)
        length_lbl = np.array([("<26", "26-35", ">=36")[i] for i in length])
        scale = z[f"scale_{b}"]
        terc = np.nanquantile(np.where(scale > 0, scale, np.nan), [1 / 3, 2 / 3])
        scale_lbl = np.array(
            [
                "zero" if not s > 0 else ("low" if s <= terc[0] else "mid" if s <= terc[1] else "high")
                for s in scale
            ]
        )
        _, ch = _ensemble(bt_a, cls)
        chosen = {m: bt_a.mase(bt_a.preds[m]) for m in PEER_LIST}
        pick = min(PEER_LIST, key=lambda m: np.nanmean(chosen[m]))  # the peer ``shrunk`` leans toward
        res["cuts"].append(
            {
                "choose_cut": a,
                "score_cut": b,
                "best_single": best,
                "best_mase": best_mean,
                "best_on_choosing_window": pick,
                "its_mase_on_scored_window": float(np.nanmean(single[pick])),
                "ours_mase": float(np.nanmean(ours)),
                "members": {g: [*m, ch.how.get(g, "mean")] for g, m in ch.members.items()},  # type: ignore[attr-defined]
                "by_class": _split(gap, cls, ours, single[best]),
                "by_history_weeks": _split(gap, length_lbl, ours, single[best]),
                "by_naive_scale": _split(gap, scale_lbl, ours, single[best]),
                "min_group": MIN_GROUP,
            }
        )
    res["mean_ratio"] = {k: float(np.mean(v)) for k, v in res["schemes"].items()}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--load", nargs="+", required=True, help="name=dump.npz (forecast_global_all.py --dump)")
    ap.add_argument("--shifts", type=int, default=4)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    out: dict = {"datasets": {}}
    for spec in a.load:
        name, path = spec.split("=", 1)
        with np.load(path, allow_pickle=False) as f:
            z = {k: f[k] for k in f.files}
        r = analyse(z, a.shifts)
        r["dump"], r["series"] = path, int(z["y"].shape[0])
        out["datasets"][name] = r
        print(f"{name} ({r['series']} series):")
        for k, v in r["schemes"].items():
            print(f"  {k:<10} " + " ".join(f"{x:.4f}" for x in v) + f"  mean {r['mean_ratio'][k]:.4f}")
        for c in r["cuts"]:
            print(
                f"  score @{c['score_cut']}: best {c['best_single']} {c['best_mase']:.3f}, ours {c['ours_mase']:.3f}; "
                f"best on the choosing window {c['best_on_choosing_window']} {c['its_mase_on_scored_window']:.3f}"
            )
            for part in ("by_class", "by_history_weeks", "by_naive_scale"):
                print(
                    f"    {part}: "
                    + "; ".join(
                        f"{g} n={v['series']} {v['ours']:.3f}/{v['best']:.3f} share {v['gap_share']:+.4f}"
                        for g, v in c[part].items()
                    )
                )
    names = ("default", *CANDIDATES)
    out["decision"] = {
        k: all(r["mean_ratio"][k] < r["mean_ratio"]["default"] for r in out["datasets"].values())
        for k in CANDIDATES
    }
    out["mean_over_datasets"] = {
        k: float(np.mean([r["mean_ratio"][k] for r in out["datasets"].values()])) for k in names
    }
    print("passes the rule:", out["decision"], "mean over datasets:", out["mean_over_datasets"])
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out, indent=2))
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
