"""The long format's interval under-coverage (issue 14, session 31, t14c): a calibration defect or a shift?

The long format's holdout (``shopmind evaluate forecast <long.csv> -f long --grain week --horizon 13 --windows 1``,
the file of ``bench/forecast_long.py --products 300``, 244 series) covers 0.713 / 0.890 against 80 / 95 %
(long-2000: 0.721 / 0.889). A *defect* — conformal scores from windows / steps / classes / units that do not
match how they are used, an interval around another point than the one served, too few calibration errors —
would miss on validation cuts as it does at the holdout; a *shift* (the holdout's series move away from the
level their calibration windows had) would not, and widening for it would be tuning to the test.

``validate`` (validation cuts only; the outer holdout never read): session 26/27's protocol and dumps
(``bench/forecast_global_all.py --dump``: the 13-model weekly pool and the partner
``LightGBM~objective=l1~mase_weight=1@elig``; the evaluate command's seeded sample cut at its outer cut T);
ours = ``ensemble.choose`` (margin, THieF swaps, steps pooled, partner) on the window cut at T - 2h - d,
the product's intervals (bench/forecast_weekly_cover.py ``default``) scored on the window cut at T - h - d,
d = 0..3, h = 13. Per cut: coverage, misses above / below, by step and class (forecast_weekly_cover.diagnose);
the calibration rows per group and a series bootstrap of the group quantiles (how far coverage moves from
the calibration sample alone); the coverage per *level-ratio* bin, r = a series' mean actual over the scored
window / its mean over the 13 periods before the origin (how coverage responds to a level move). Also, from
training data only, the quantiles the holdout's own calibration gives (evaluate's two inner windows, cut at
T - 2h and T - h, classes read at T) beside the validation ones, and the unit (in-sample naive MAE) growth
between the calibration and the forecast origins in both configurations.

``holdout`` (report only, run after ``validate``'s figures are written; never a choice): the recorded evaluate
command on the long file (``evaluate.run`` itself, ours' arrays captured from its ``scores`` call), the same
per-bin coverage at the holdout, and the holdout coverage the validation cuts' per-bin coverage predicts for
the holdout's mix of level ratios (``sum_bin share_holdout x cov_validation``): if it is near the holdout's
own, the gap is the level move (a shift), the intervals behave as on validation at a given move.

    python bench/forecast_global_all.py <long.csv> -f long --grain week --horizon 13 --max-series 300 \\
        --models "<the 13 of session 24>,LightGBM~objective=l1~mase_weight=1@elig" --dump dump.npz --out ...
    python bench/forecast_long_cover.py validate --load long300=dump.npz long2000=... \\
        --out bench/results/forecast_long_cover_s31.json
    python bench/forecast_long_cover.py holdout <long.csv> --name long300 --validation \\
        bench/results/forecast_long_cover_s31.json --out bench/results/forecast_long_cover_holdout_s31.json
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import forecast_select as fs
from forecast_global_all import variant
from forecast_weekly_base import DUMPED, MASE_GBM, _load
from forecast_weekly_cover import SWAPS, _cover, _keys, _point, _units, _zero_bucket, default, diagnose
from forecast_weekly_shrink import EVALUATE_GLOBALS, POOL
from shopmind.forecast.ensemble import LEVELS, MARGIN, Backtest, choose, chosen_backtest, demand_class
from shopmind.forecast.series import Panel

#: level-ratio bins (mean actual over the scored window / mean over the 13 periods before the origin)
#: (the bins above 1.5 were one, ">=1.5", until the holdout's first read: 117 of its 244 series fell there
#: and covered 0.550 / 0.794 against validation's 0.719 / 0.884 - the open bin mixed moves of 1.5x and 5x)
BINS = (0.0, 0.67, 0.9, 1.1, 1.5, 2.0, 3.0, np.inf)
LABELS = ("<0.67", "0.67-0.9", "0.9-1.1", "1.1-1.5", "1.5-2", "2-3", ">=3")
BOOT = 200
#: the recorded evaluate command's models (BENCHMARKS, sessions 20-26)
RECORDED = "SeasonalNaive,AutoETS,AutoTheta,CrostonOptimized,TSB,ADIDA,LightGBM"


def level_ratio(y: np.ndarray, actual: np.ndarray, origin: int, back: int = 13) -> np.ndarray:
    """Per series: mean of ``actual`` over its mean over the ``back`` periods before ``origin`` (inf from 0)."""
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        before = np.nanmean(y[:, max(origin - back, 0) : origin], axis=1)
        after = np.nanmean(actual, axis=1)
        return np.where(before > 0, after / np.where(before > 0, before, 1), np.where(after > 0, np.inf, 1.0))


def bin_of(r: np.ndarray) -> np.ndarray:
    return np.array(
        [LABELS[min(int(np.searchsorted(BINS, x, side="right")) - 1, len(LABELS) - 1)] for x in r]
    )


def per_series_cover(a: np.ndarray, lo: dict, hi: dict) -> dict[int, np.ndarray]:
    """Per series: the share of its finite actuals inside the interval (evaluate's coverage before the mean)."""
    ok = np.isfinite(a)
    out = {}
    for lv in LEVELS:
        inside = ((a >= lo[lv]) & (a <= hi[lv]) & ok).sum(axis=1)
        out[lv] = np.where(ok.sum(axis=1) > 0, inside / np.maximum(ok.sum(axis=1), 1), np.nan)
    return out


def by_bin(bins: np.ndarray, cov: dict[int, np.ndarray]) -> dict[str, dict]:
    out = {}
    for b in LABELS:
        m = (bins == b) & np.isfinite(cov[80])
        out[b] = {"series": int(m.sum())} | {
            f"cov{lv}": float(cov[lv][m].mean()) if m.any() else float("nan") for lv in LEVELS
        }
    return out


def _boot_spread(bt: Backtest, pa: np.ndarray, keys: np.ndarray, a_b, pb, ub, seed: int) -> dict:
    """Series bootstrap of the calibration window: each group's pooled quantile recomputed on resampled
    series, the scored window's coverage under each; sd and 5-95 % range (the calibration sample's noise)."""
    from shopmind.forecast.interval_rules import pooled_quantile

    rng = np.random.default_rng(seed)
    sc = np.abs(bt.actual[0] - pa) / bt.unit[0][:, None]
    groups = sorted(set(keys.tolist()))
    covs: dict[int, list[float]] = {lv: [] for lv in LEVELS}
    for _ in range(BOOT):
        lo = {lv: np.zeros_like(pb) for lv in LEVELS}
        hi = {lv: np.zeros_like(pb) for lv in LEVELS}
        for g in groups:
            rows = np.flatnonzero(keys == g)
            pick = rng.choice(rows, rows.size, replace=True)
            m = keys == g
            for lv in LEVELS:
                q = pooled_quantile(sc[pick].ravel(), lv)
                lo[lv][m], hi[lv][m] = np.clip(pb[m] - q * ub[m, None], 0, None), pb[m] + q * ub[m, None]
        c = _cover(a_b, lo, hi)
        for lv in LEVELS:
            covs[lv].append(c[f"cov{lv}"])
    return {
        f"cov{lv}": {
            "sd": float(np.std(v)),
            "p05": float(np.quantile(v, 0.05)),
            "p95": float(np.quantile(v, 0.95)),
        }
        for lv, v in covs.items()
    }


def level_shift(
    y: np.ndarray, actual: np.ndarray, origin: int, unit: np.ndarray, back: int = 13
) -> np.ndarray:
    """Per series: (mean of ``actual`` - mean of the ``back`` periods before ``origin``) / the conformal unit
    at the origin: the level move in the units the interval's width is counted in."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        before = np.nan_to_num(np.nanmean(y[:, max(origin - back, 0) : origin], axis=1))
        return (np.nanmean(actual, axis=1) - before) / unit


def _per_series(r: np.ndarray, cov: dict[int, np.ndarray], s: np.ndarray) -> dict[str, list]:
    """Each series' level ratio (inf -> null), scaled level shift and coverage, for any binning (``compare``)."""
    return {
        "level_ratio": [round(float(x), 4) if np.isfinite(x) else None for x in r],
        "level_shift": [round(float(x), 4) for x in s],
        **{f"cov{lv}": [round(float(x), 4) for x in cov[lv]] for lv in LEVELS},
    }


def _panel(y: np.ndarray) -> Panel:
    return Panel(
        ids=[str(i) for i in range(y.shape[0])],
        dates=np.arange(y.shape[1]).astype("datetime64[W]").astype("datetime64[D]"),
        y=y,
        freq="W",
    )


def holdout_calibration(z: dict[str, np.ndarray], data: fs.Cuts) -> dict:
    """The quantiles evaluate's holdout run calibrates (two inner windows cut at T - 2h and T - h, classes
    read at T), from the dumps: training data only. Also each window's rows per group."""
    h, T = int(z["h"]), z["y"].shape[1]
    cuts = [T - 2 * h, T - h]
    bt = Backtest(h=h)
    names = [*POOL, MASE_GBM]
    for c in cuts:
        one = data.bt(c, names)
        bt.actual += one.actual
        bt.mase_scale += one.mase_scale
        bt.unit.append(_units(z, c))
        for m in names:
            bt.preds.setdefault(m, []).extend(one.preds[m])
    cls = demand_class(_panel(z["y"]))
    ch = choose(bt, cls, margin=MARGIN, swaps=SWAPS, pool_steps=True, partner=MASE_GBM)
    keys = _keys(ch, cls)
    return {
        "cuts": cuts,
        "quantiles": {g: {lv: float(ch.quantiles[g][lv][0]) for lv in LEVELS} for g in ch.quantiles},
        "rows": {g: int((keys == g).sum()) * len(cuts) * h for g in sorted(set(keys.tolist()))},
        "classes": {g: int((cls == g).sum()) for g in sorted(set(cls.tolist()))},
        "how": ch.how,
    }


def unit_growth(z: dict[str, np.ndarray], pairs: list[tuple[int, int]]) -> dict[str, dict]:
    """Median and mean of unit(at the later origin) / unit(at the calibration origin), per pair of cuts."""
    out = {}
    for a, b in pairs:
        r = _units(z, b) / _units(z, a)
        out[f"{b}/{a}"] = {"median": float(np.median(r)), "mean": float(np.mean(r))}
    return out


def _unit_at(y: np.ndarray, c: int) -> np.ndarray:
    from shopmind.forecast.ensemble import series_scale

    return series_scale(_panel(y[:, :c]))


def validate(z: dict[str, np.ndarray], shifts: int = 4) -> dict:
    z = variant(variant(z, EVALUATE_GLOBALS), DUMPED)
    cuts, h, T = set(z["cuts"].tolist()), int(z["h"]), z["y"].shape[1]
    every = list(dict.fromkeys([*POOL, MASE_GBM]))
    data = fs.Cuts(z, every)
    res: dict[str, Any] = {"cuts": []}
    all_bins, all_cov = [], {lv: [] for lv in LEVELS}
    for a, b in [(T - 2 * h - d, T - h - d) for d in range(shifts)]:
        if {a, b} - cuts:  # a shift the dump holds no cut for
            continue
        d, cls = T - h - b, z[f"class_{b}"]
        bt_a, bt_b = data.bt(a, every), data.bt(b, every)
        bt_a.unit, ub = [_units(z, a)], _units(z, b)
        ch = choose(bt_a, cls, margin=MARGIN, swaps=SWAPS, pool_steps=True, partner=MASE_GBM)
        pa = chosen_backtest(bt_a, ch, cls)[0]
        pb, a_b = _point(ch, cls, {m: v[0] for m, v in bt_b.preds.items()}), bt_b.actual[0]
        _, lo, hi = default(bt_a, pa, ch, cls, pb, ub)
        keys = _keys(ch, cls)
        q_cal = {g: {lv: float(ch.quantiles[g][lv][0]) for lv in LEVELS} for g in ch.quantiles}
        r = level_ratio(z["y"], a_b, b)
        bins, cov = bin_of(r), per_series_cover(a_b, lo, hi)
        all_bins.append(bins)
        for lv in LEVELS:
            all_cov[lv].append(cov[lv])
        cut = {
            "choose_cut": a,
            "score_cut": b,
            "coverage": {f"cov{lv}": float(np.nanmean(cov[lv])) for lv in LEVELS},
            "diagnose": diagnose(a_b, pb, lo, hi, ub, keys, cls, _zero_bucket(z["y"][:, :b]), q_cal),
            "quantiles": q_cal,
            "calibration_rows": {g: int((keys == g).sum()) * h for g in sorted(set(keys.tolist()))},
            "bootstrap": _boot_spread(bt_a, pa, keys, a_b, pb, ub, seed=d),
            "by_level_ratio": by_bin(bins, cov),
            "level_ratio_median": float(np.median(r[np.isfinite(r)])),
            "total_ratio": float(np.nansum(a_b) / max(np.nansum(z["y"][:, b - 13 : b]), 1e-9)),
            "per_series": _per_series(r, cov, level_shift(z["y"], a_b, b, ub)),
        }
        res["cuts"].append(cut)
    bins = np.concatenate(all_bins)
    cov = {lv: np.concatenate(v) for lv, v in all_cov.items()}
    res["by_level_ratio_pooled"] = by_bin(bins, cov)
    res["mean_coverage"] = {
        f"cov{lv}": float(np.mean([c["coverage"][f"cov{lv}"] for c in res["cuts"]])) for lv in LEVELS
    }
    res["holdout_calibration"] = holdout_calibration(z, data)
    res["validation_quantiles_mean"] = {
        g: {
            lv: float(np.mean([c["quantiles"][g][lv] for c in res["cuts"] if g in c["quantiles"]]))
            for lv in LEVELS
        }
        for g in res["holdout_calibration"]["quantiles"]
        if any(g in c["quantiles"] for c in res["cuts"])
    }
    y = z["y"]
    hold = _unit_at(y, T) / _units(z, T - h)  # the forecast origin's unit over the newer calibration one's
    res["unit_growth"] = {
        "validation (score / calibration origin)": unit_growth(
            z, [(T - 2 * h - d, T - h - d) for d in range(shifts) if T - 2 * h - d in cuts]
        ),
        "holdout (T / calibration origins)": {
            f"{T}/{T - h}": {"median": float(np.median(hold)), "mean": float(np.mean(hold))},
            f"{T}/{T - 2 * h}": {
                "median": float(np.median(_unit_at(y, T) / _units(z, T - 2 * h))),
                "mean": float(np.mean(_unit_at(y, T) / _units(z, T - 2 * h))),
            },
        },
    }
    return res


def _fmt_bins(b: dict[str, dict]) -> str:
    return "  ".join(f"{k}: {v['series']} {v['cov80']:.3f}/{v['cov95']:.3f}" for k, v in b.items())


def _save(path: Path, out: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=str))
    print(f"saved {path}")


def _print_cut(c: dict) -> None:
    dg, bs, cov = c["diagnose"]["all"], c["bootstrap"], c["coverage"]
    print(
        f"  @{c['score_cut']} cov {cov['cov80']:.3f}/{cov['cov95']:.3f} above/below80 {dg['above80']:.3f}/"
        f"{dg['below80']:.3f} boot sd {bs['cov80']['sd']:.3f}/{bs['cov95']['sd']:.3f} total ratio "
        f"{c['total_ratio']:.2f} median r {c['level_ratio_median']:.2f} rows {c['calibration_rows']}"
        f" q {c['quantiles']}\n     by r: {_fmt_bins(c['by_level_ratio'])}"
    )


def cmd_validate(a: argparse.Namespace) -> None:
    out: dict[str, Any] = {"datasets": {}}
    for spec in a.load:
        name, paths = spec.split("=", 1)
        r = validate(_load(paths), a.shifts)
        r["dumps"] = paths
        out["datasets"][name] = r
        print(f"{name}: mean coverage {r['mean_coverage']}")
        for c in r["cuts"]:
            _print_cut(c)
        print(f"  pooled by r: {_fmt_bins(r['by_level_ratio_pooled'])}")
        print(f"  holdout calibration: {r['holdout_calibration']}")
        print(f"  validation q mean: {r['validation_quantiles_mean']}")
        print(f"  unit growth: {r['unit_growth']}")
    _save(a.out, out)


def cmd_holdout(a: argparse.Namespace) -> None:
    """Report only: the recorded evaluate command, ours' arrays captured, coverage by level ratio."""
    import shopmind.forecast.evaluate as ev

    panel, _, _ = ev.load_panels("long", a.path, "week")
    seen: list[tuple] = []
    real = ev.scores

    def capture(history, actual, mean, season, lo=None, hi=None):  # noqa: ANN001, ANN202
        if not seen:  # the first call of the window is ours'
            seen.append((history.copy(), actual.copy(), mean.copy(), dict(lo), dict(hi)))
        return real(history, actual, mean, season, lo, hi)

    ev.scores = capture
    try:
        result = ev.run(panel, 13, 1, RECORDED.split(","), 2, a.max_series, 0, log=print)
    finally:
        ev.scores = real
    hist, actual, mean, lo, hi = seen[0]
    r = level_ratio(hist, actual, hist.shape[1])
    cov = per_series_cover(actual, lo, hi)
    bins = bin_of(r)
    own = by_bin(bins, cov)
    out: dict[str, Any] = {
        "evaluate_coverage": {lv: result["models"]["ours"][f"coverage_{lv}"] for lv in LEVELS},
        "mase_ratio": result["goals"]["mase_ratio_to_best"],
        "by_level_ratio": own,
        "level_ratio_median": float(np.median(r[np.isfinite(r)])),
        "total_ratio": float(np.nansum(actual) / max(np.nansum(hist[:, -13:]), 1e-9)),
        "diagnose": _cover(actual, lo, hi),
        "per_series": _per_series(
            r, cov, level_shift(hist, actual, hist.shape[1], _unit_at(hist, hist.shape[1]))
        ),
    }
    if a.validation:
        val = json.loads(a.validation.read_text())["datasets"][a.name]["by_level_ratio_pooled"]
        n = sum(v["series"] for v in own.values())
        pred = {
            lv: sum(own[b]["series"] / n * val[b][f"cov{lv}"] for b in LABELS if own[b]["series"])
            for lv in LEVELS
        }
        out["predicted_from_validation_bins"] = pred
        print(f"predicted from validation per-bin coverage x holdout mix: {pred}")
    print(f"holdout {out['evaluate_coverage']} ratio {out['mase_ratio']}; by r: {_fmt_bins(own)}")
    print(f"total ratio {out['total_ratio']:.2f}, median r {out['level_ratio_median']:.2f}")
    _save(a.out, out)


#: scaled level-shift bins (``compare``): the move in conformal units (the 80 % half-width is ~1.3 units here)
SHIFT_BINS = (-np.inf, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0, np.inf)


def binned(x: np.ndarray, cov: dict[int, np.ndarray], edges: tuple[float, ...]) -> dict[str, dict]:
    """Series count and mean coverage per bin of ``x`` (edges left-closed)."""
    out = {}
    for lo_e, hi_e in zip(edges[:-1], edges[1:], strict=True):
        m = (x >= lo_e) & (x < hi_e) & np.isfinite(cov[80])
        out[f"[{lo_e:g},{hi_e:g})"] = {"series": int(m.sum())} | {
            f"cov{lv}": float(np.mean(cov[lv][m])) if m.any() else float("nan") for lv in LEVELS
        }
    return out


def _arrays(per: dict[str, list], key: str) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    x = np.array([np.inf if v is None else v for v in per[key]], dtype=float)
    return x, {lv: np.array(per[f"cov{lv}"], dtype=float) for lv in LEVELS}


def cmd_compare(a: argparse.Namespace) -> None:
    """Validation vs holdout coverage per bin of the level ratio and of the scaled level shift, and the holdout
    coverage the validation bins predict for the holdout's own mix (report only)."""
    val = json.loads(a.validation.read_text())["datasets"][a.name]
    hold = json.loads(a.holdout.read_text())
    out: dict[str, Any] = {"holdout_coverage": hold["evaluate_coverage"]}
    for key, edges in (("level_ratio", BINS), ("level_shift", SHIFT_BINS)):
        xs, covs = zip(*[_arrays(c["per_series"], key) for c in val["cuts"]], strict=True)
        xv = np.concatenate(xs)
        cv = {lv: np.concatenate([c[lv] for c in covs]) for lv in LEVELS}
        xh, ch = _arrays(hold["per_series"], key)
        bv, bh = binned(xv, cv, edges), binned(xh, ch, edges)
        n = sum(v["series"] for v in bh.values())
        pred = {
            lv: float(sum(bh[b]["series"] / n * bv[b][f"cov{lv}"] for b in bh if bh[b]["series"]))
            for lv in LEVELS
        }
        out[key] = {"validation": bv, "holdout": bh, "predicted_holdout_coverage": pred}
        print(f"{key}: predicted holdout coverage from validation bins x holdout mix {pred}")
        for b in bv:
            v, h = bv[b], bh[b]
            print(
                f"  {b:<12} validation {v['series']:>4} {v['cov80']:.3f}/{v['cov95']:.3f}"
                f"   holdout {h['series']:>4} {h['cov80']:.3f}/{h['cov95']:.3f}"
            )
    _save(a.out, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("validate")
    v.add_argument("--load", nargs="+", required=True, help="name=dump.npz[,more.npz]")
    v.add_argument("--shifts", type=int, default=4)
    v.add_argument("--out", type=Path, required=True)
    h = sub.add_parser("holdout")
    h.add_argument("path", type=Path)
    h.add_argument("--name", required=True, help="the dataset's name in the validation JSON")
    h.add_argument("--validation", type=Path)
    h.add_argument("--max-series", type=int, default=300)
    h.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("--name", required=True)
    c.add_argument("--validation", type=Path, required=True)
    c.add_argument("--holdout", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    {"validate": cmd_validate, "holdout": cmd_holdout, "compare": cmd_compare}[a.cmd](a)


if __name__ == "__main__":
    main()
