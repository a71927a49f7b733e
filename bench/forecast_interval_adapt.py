"""Interval rules that follow a moving level, judged on validation origins only (issue 14, session 22).

Why this exists: on the generic long format (weekly revenue, ``python bench/forecast_long.py --products
300``) ours' weekly intervals cover 0.711 / 0.881 on the M4-protocol holdout (Sep-Dec 2011, the
pre-Christmas rise, ours' bias -0.36), while on every validation origin inside the training window the
``pooled`` rule is calibrated: the scores are |error| / the whole-history naive MAE, which does not move
when the level does. The maintainers will run the same command on M4 Weekly, so a rule must be calibrated
in general, not on one file: every choice here is made on validation origins inside the training window of
several weekly datasets; the holdouts are run once, after the decision.

Protocol: bench/forecast_interval_select.py's, reused (its cached cut forecasts, its origins): at every
validation origin ``V`` an inner backtest of two windows cut at ``V - 2hv``, ``V - hv``, ensemble.choose
on them (the default weekly pool with the THieF swaps), every model forecasts ``hv`` steps from ``V``, and
each rule turns the chosen combination's errors on the inner windows into intervals around the combined
forecast, scored on ``V .. V+hv`` (``hv`` 10 and origins V = 31, 30, 29, 28 on the 41-week datasets; 13 and
3 origins 13 apart on the M4-like synthetic, 100 series).

Candidates (forecast/interval_rules.py; the reason for each is in its docstring, written before any run):
``pooled-relative`` (relative scores: |error| / the local level, the mean of the last 13 periods before the
window's origin; widths x the local level at the forecast origin), ``pooled-fclevel`` (the same with the
combined forecast's own mean as the level), ``pooled-level-ratio`` (the whole-history unit x the local
level / the history's mean level, clipped to [1/3, 3]), ``pooled-aci-online`` (adaptive conformal inference,
Gibbs & Candes 2021, through the calibration windows' periods in calendar order, gamma = 1 / updates).
The baseline is ``pooled`` (the weekly default); the session-15 rules are reported too, not candidates.

Decision rule, fixed before the first candidate's figure (committed with this file):
datasets D = the long file of ``forecast_long.py --products 300`` (244 series) and of ``--products 2000``
(300 sampled of 1,465: other series), Online Retail week (300 series; its holdout intervals are the NB
ones, but the conformal rule is what the long format uses and it calibrates here too) and the M4-like
synthetic (``python bench/forecast_thief_synth.py --series 200 --csv <csv>``, 100 series, long origins).
Per dataset d and rule r: ``gap_d(r)`` = mean over origins and the two levels (80, 95) of |coverage -
nominal|; ``G(r)`` = mean over D of gap_d(r). Interval score: ``IS_d(r)`` = mean over origins, levels and
cells of the Winkler score / the series' unit at the origin (ensemble.series_scale; the same divisor for
every rule), ``R(r)`` = mean over D of IS_d(r) / IS_d(pooled). A candidate **passes** when
G(r) < G(pooled), R(r) <= 1 (not wider for the same calibration), and on no dataset and level is its mean
coverage more than 1 point further from nominal than pooled's. Of several passers the lowest G is adopted
for weekly panels; none: ``pooled`` stays.

    python bench/forecast_interval_adapt.py <long.csv> -f long --grain week --horizon 13 --max-series 300 \\
        --cache /tmp/long_val.npz --out bench/results/forecast_interval_adapt_long300.json

``--holdout`` (report only, after the decision): the rules at evaluate's own outer cut (the holdout read).
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from forecast_interval_select import MODELS, cut_forecasts, run_origins
from forecast_sample import add_sample_args, training_window
from shopmind.forecast.ensemble import LEVELS, Backtest, choose, demand_class, pool, series_scale
from shopmind.forecast.interval_rules import (
    forecast_level,
    level_ratio,
    local_level,
    recent_scale,
    rule_quantiles,
    signed_quantiles,
    winkler,
)
from shopmind.forecast.metrics import naive_scale
from shopmind.forecast.series import Panel

BASELINE = "pooled"
#: pooled-signed was added after the first four's validation figures, pooled-step-shape after the first
#: five's (each judged by the same committed rule; reasons in forecast/interval_rules.py)
CANDIDATES = (
    "pooled-relative",
    "pooled-fclevel",
    "pooled-level-ratio",
    "pooled-aci-online",
    "pooled-signed",
    "pooled-step-shape",
)
REPORTED = ("step", "pooled-recency", "pooled-aci", "pooled-recent-scale")
ALL = (BASELINE, *CANDIDATES, *REPORTED)


def scale_of(rule: str, panel: Panel, mean: np.ndarray) -> np.ndarray:
    """The per-series divisor of a rule's scores (and multiplier of its widths) at a cut ``panel`` whose
    combined forecast is ``mean``."""
    unit = series_scale(panel)
    if rule == "pooled-recent-scale":
        return recent_scale(panel)
    if rule == "pooled-relative":
        return local_level(panel)
    if rule == "pooled-fclevel":
        return forecast_level(mean, unit)
    if rule == "pooled-level-ratio":
        return unit * level_ratio(panel)
    return unit


def score_origin(
    train: Panel, z: dict[str, np.ndarray], v: int, hv: int, inner: int, swaps: dict | None
) -> dict[str, dict[str, dict[int, float]]]:
    """Each rule's coverage and mean scaled interval score on ``v .. v+hv``, calibrated as evaluate does."""
    names = [str(m) for m in z["models"]]
    at_v = train.cut(v)
    bt = Backtest(h=hv)
    ends = [v - k * hv for k in range(inner, 0, -1)]
    parts = [train.cut(e) for e in ends]
    for end, part in zip(ends, parts, strict=True):
        bt.actual.append(train.y[:, end : end + hv])
        bt.mase_scale.append(naive_scale(part.y, train.season))
        bt.unit.append(series_scale(part))
        for m in names:
            bt.preds.setdefault(m, []).append(z[f"pred_{end}_{m}"])
    classes = demand_class(at_v)
    choice = choose(bt, classes, swaps=swaps)
    actual = train.y[:, v : v + hv]
    ok = np.isfinite(actual)
    unit_v = series_scale(at_v)
    # every series' combined forecast by its own class's choice, at the origin and at each inner window
    key_of = {g: (g if g in choice.members else "all") for g in set(classes.tolist())}
    mean_v = np.zeros_like(actual)
    for g, key in key_of.items():
        mask = classes == g
        mean_v[mask] = choice.pool(key, [z[f"pred_{v}_{m}"][mask] for m in choice.members[key]])
    out: dict[str, dict[str, dict[int, float]]] = {}
    for rule in ALL:
        lo = {lv: np.zeros_like(actual) for lv in LEVELS}
        hi = {lv: np.zeros_like(actual) for lv in LEVELS}
        quant: dict[str, dict[int, np.ndarray]] = {}
        band: dict[str, dict[int, tuple[float, float]]] = {}  # pooled-signed: (lower, upper) per level
        for g in choice.members:  # as ensemble.choose: "all" over every series, classes over their own
            mask = np.ones(classes.size, bool) if g == "all" else classes == g
            how = choice.how.get(g, "mean")
            errs = []
            for w, part in enumerate(parts):
                pred = pool([bt.preds[m][w] for m in choice.members[g]], how)
                err = bt.actual[w] - pred if rule == "pooled-signed" else np.abs(pred - bt.actual[w])
                errs.append((err / scale_of(rule, part, pred)[:, None])[mask])
            if rule == "pooled-signed":
                band[g] = {lv: signed_quantiles(np.vstack(errs), lv) for lv in LEVELS}
            else:
                quant[g] = rule_quantiles(errs, hv, LEVELS, rule)
        width_scale = scale_of(rule, at_v, mean_v)
        for g, key in key_of.items():
            mask = classes == g
            u = width_scale[mask]
            for lv in LEVELS:
                if rule == "pooled-signed":
                    ql, qh = band[key][lv]
                    lo[lv][mask] = np.clip(mean_v[mask] + ql * u[:, None], 0.0, None)
                    hi[lv][mask] = mean_v[mask] + qh * u[:, None]
                    continue
                lo[lv][mask] = np.clip(mean_v[mask] - quant[key][lv][None] * u[:, None], 0.0, None)
                hi[lv][mask] = mean_v[mask] + quant[key][lv][None] * u[:, None]
        cov, isc = {}, {}
        for lv in LEVELS:
            cov[lv] = float(np.mean(((actual >= lo[lv]) & (actual <= hi[lv]))[ok]))
            s = winkler(actual, lo[lv], hi[lv], lv) / unit_v[:, None]
            isc[lv] = float(np.mean(s[ok]))
        out[rule] = {"coverage": cov, "interval_score": isc}
    return out


def summarise(per: list[dict]) -> dict:
    """Per rule: coverage per origin, mean coverage, gap (mean |cov - nominal| over origins x levels),
    mean scaled interval score (over origins x levels) and its ratio to the baseline's."""
    res: dict = {}
    for r in ALL:
        cov = [{lv: p[r]["coverage"][lv] for lv in LEVELS} for p in per]
        isc = [{lv: p[r]["interval_score"][lv] for lv in LEVELS} for p in per]
        res[r] = {
            "coverage": cov,
            "mean_coverage": {lv: float(np.mean([c[lv] for c in cov])) for lv in LEVELS},
            "gap": float(np.mean([abs(c[lv] - lv / 100) for c in cov for lv in LEVELS])),
            "interval_score": float(np.mean([s[lv] for s in isc for lv in LEVELS])),
        }
    for r in ALL:
        res[r]["is_ratio"] = res[r]["interval_score"] / res[BASELINE]["interval_score"]
    return res


def judge(paths: list[Path]) -> dict:
    """The decision rule over the datasets' result files (module docstring): G, R, the per-dataset
    coverage check, and which candidate passes."""
    runs = [json.loads(p.read_text()) for p in paths]
    if any(r["holdout"] for r in runs):
        raise ValueError("the decision is made on validation results only (no --holdout file)")
    out: dict = {"files": [str(p) for p in paths], "rules": {}}
    base = [r["rules"][BASELINE] for r in runs]
    for rule in ALL:
        rr = [r["rules"][rule] for r in runs]
        worse = [
            (r["path"], lv)
            for r, x, b in zip(runs, rr, base, strict=True)
            for lv in LEVELS
            if abs(x["mean_coverage"][str(lv)] - lv / 100)
            > abs(b["mean_coverage"][str(lv)] - lv / 100) + 0.01
        ]
        g = float(np.mean([x["gap"] for x in rr]))
        ratio = float(np.mean([x["is_ratio"] for x in rr]))
        out["rules"][rule] = {"G": g, "R": ratio, "worse_by_over_1_point": worse}
    g0 = out["rules"][BASELINE]["G"]
    passed = [
        c
        for c in CANDIDATES
        if out["rules"][c]["G"] < g0
        and out["rules"][c]["R"] <= 1.0
        and not out["rules"][c]["worse_by_over_1_point"]
    ]
    out["passed"] = passed
    out["adopted"] = min(passed, key=lambda c: out["rules"][c]["G"]) if passed else BASELINE
    for rule, v in out["rules"].items():
        print(f"{rule:<20} G {v['G']:.4f}  R {v['R']:.4f}  worse>1pt {v['worse_by_over_1_point']}")
    print(f"passed: {passed or 'none'}; weekly rule: {out['adopted']}")
    return out


def main() -> None:
    import sys

    if sys.argv[1:2] == ["judge"]:  # judge <out.json> <result.json>...
        res = judge([Path(p) for p in sys.argv[3:]])
        Path(sys.argv[2]).write_text(json.dumps(res, indent=2))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_sample_args(ap)
    ap.add_argument("--models", default=MODELS)
    ap.add_argument("--val-horizon", type=int, default=0, help="0: the largest that fits")
    ap.add_argument("--origins", type=int, default=4)
    ap.add_argument("--spacing", type=int, default=1, help="periods between validation origins")
    ap.add_argument("--cache", type=Path, help="npz of the cut forecasts: read if it exists, else written")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--holdout", action="store_true", help="report only: evaluate's outer cut")
    a = ap.parse_args()
    train, _, rows = training_window(a)
    inner = a.inner_windows
    train, hv, vs, cuts = run_origins(a, train, rows)
    print(f"{train.n} series, {train.T} periods; validation horizon {hv}, origins {vs}", flush=True)
    z = cut_forecasts(a.cache, train, cuts, hv, a.models, True)
    from shopmind.forecast.thief import smooth_swaps

    names = [str(m) for m in z["models"]]
    swaps = smooth_swaps(names) if train.freq == "W" else None
    per = [score_origin(train, z, v, hv, inner, swaps) for v in vs]
    res = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "path": str(a.path),
        "format": a.format,
        "series": int(train.n),
        "periods": int(train.T),
        "holdout": bool(a.holdout),
        "validation_horizon": hv,
        "origins": vs,
        "pool": names,
        "rules": summarise(per),
    }
    for r, v in res["rules"].items():
        c = v["coverage"]
        print(
            f"{r:<20} 80: " + " ".join(f"{x[80]:.3f}" for x in c) + f" (mean {v['mean_coverage'][80]:.3f})"
            f"  95: " + " ".join(f"{x[95]:.3f}" for x in c) + f" (mean {v['mean_coverage'][95]:.3f})"
            f"  gap {v['gap']:.4f}  IS {v['interval_score']:.3f} ({v['is_ratio']:.3f})"
        )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
