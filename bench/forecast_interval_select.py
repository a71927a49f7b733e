"""Interval rules of the ensemble judged under the protocol `evaluate forecast` itself uses (issue 14).

Why this exists: the weekly interval rule (one conformal quantile per demand class pooled over the horizon,
ensemble.POOL_STEPS_FREQS) was chosen on validation cuts that calibrated on ONE window, while `evaluate`
calibrates on the inner backtest's TWO windows. Here every validation origin ``V`` (inside the training
window of the evaluate command's seeded sample; the holdout is never read) is treated exactly as evaluate
treats its outer cut: an inner backtest of ``--inner-windows`` windows of ``hv`` steps cut at ``V - k*hv``,
ensemble.choose picks the combination per demand class on them (THieF swaps and the weekly pool as in
evaluate), every model forecasts ``hv`` steps from ``V``, and each interval rule turns the chosen
combination's errors on the inner windows into intervals around the combined forecast, scored on
``V .. V+hv``. Origins: ``V = T' - hv - d*spacing`` for d = 0..origins-1 (T' = the training window's end).

``--val-horizon`` defaults to the largest ``hv <= --horizon`` whose origins all keep the inner backtest's
minimum history (max(2*season, 8) periods before the oldest inner cut): 13 on long series (M4-like), 10 on
Online Retail's 41 training weeks (3 x 13 + 8 = 47 weeks would be needed for 13).

Rules (forecast/interval_rules.py): ``step`` (per class x step, running max; the rule before 2026-12-05),
``pooled`` (per class, steps pooled; the weekly default since then), ``pooled-recency`` (steps pooled,
the newest inner window weighted twice the older), ``pooled-aci`` (steps pooled, the level moved once by
the older window's quantile's miss on the newer window: one adaptive-conformal update), ``pooled-recent-scale``
(steps pooled, scores and widths in units of each series' naive MAE over its last 13 periods, so a width
follows the current level).

Decision rule, fixed before the first run (2026-12-05 06:27 UTC): per dataset (long-format weekly revenue,
Online Retail week, M4-like synthetic) and rule, ``gap`` = mean over origins of |cov80 - 0.80| + |cov95 -
0.95|; a rule is eligible when its mean coverage is within 3 points of nominal at both levels on all three;
the default becomes the eligible rule with the lowest sum of the three gaps (no eligible rule: the lowest
sum). The default changes only when that rule is not ``pooled``.

``--holdout`` (report only, never a choice): the same rules at evaluate's own outer cut (``T - h``, h steps,
the holdout read), to see after a decision which rules would have covered the holdout; run once, after the
validation decision is recorded.

    python bench/forecast_interval_select.py <long.csv> -f long --grain week --horizon 13 --max-series 300 \\
        --cache /tmp/long_val.npz --out bench/results/forecast_interval_select_long.json
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
from shopmind.forecast.ensemble import (
    LEVELS,
    MIN_GROUP,
    Backtest,
    choose,
    demand_class,
    pool,
    series_scale,
)
from shopmind.forecast.evaluate import load_panels
from shopmind.forecast.interval_rules import RULES, recent_scale, rule_quantiles
from shopmind.forecast.metrics import naive_scale
from shopmind.forecast.models import make_models
from shopmind.forecast.residual import weekly_pool
from shopmind.forecast.series import Panel

MODELS = "SeasonalNaive,AutoETS,AutoTheta,CrostonOptimized,TSB,ADIDA,LightGBM"


def origins(T: int, h: int, n: int, spacing: int, inner: int, season: int) -> list[int]:  # noqa: N803
    """Validation origins, newest first, each leaving ``inner`` windows of ``h`` and the backtest's minimum."""
    out = [T - h - d * spacing for d in range(n)]
    low = max(2 * season, 8)
    if any(v - inner * h < low for v in out):
        raise ValueError(
            f"{T} training periods hold no {n} origins (spacing {spacing}) with {inner} inner windows of "
            f"{h} and {low} periods before the oldest; lower --val-horizon, --origins or --spacing"
        )
    return out


def auto_horizon(T: int, h: int, n: int, spacing: int, inner: int, season: int) -> int:  # noqa: N803
    """The largest validation horizon <= ``h`` that fits (see ``origins``)."""
    for hv in range(h, 0, -1):
        try:
            origins(T, hv, n, spacing, inner, season)
            return hv
        except ValueError:
            continue
    raise ValueError(f"{T} training periods are too short for any validation horizon")


def fit_cuts(train: Panel, cuts: list[int], hv: int, names: list[str], thief: bool) -> dict[str, np.ndarray]:
    """Every pool model's ``hv``-step forecasts from every cut (what evaluate's inner backtest would fit)."""
    mods = make_models(names)
    if thief and train.freq == "W":
        mods, _ = weekly_pool(mods)
    out: dict[str, np.ndarray] = {"cuts": np.array(cuts), "hv": np.array(hv)}
    out["models"] = np.array([m.name for m in mods])
    t0 = time.perf_counter()
    for c in cuts:
        part = train.cut(c)
        for m in mods:
            out[f"pred_{c}_{m.name}"] = m.forecast(part, hv)
        print(f"cut {c}: {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def run_origins(
    a: argparse.Namespace, train: Panel, rows: np.ndarray
) -> tuple[Panel, int, list[int], list[int]]:
    """A run's panel, horizon, origins and cuts: validation origins inside the training window, or with
    ``--holdout`` evaluate's outer cut itself (the sampled series in full, one origin T - h of h steps).
    Shared with forecast_interval_adapt.py, so both score the same origins."""
    inner = a.inner_windows
    if a.holdout:
        if a.windows != 1:
            raise ValueError("--holdout mirrors the one-window (M4) protocol: pass --windows 1")
        full, _, _ = load_panels(a.format, a.path, a.grain)
        train, hv = full.subset(rows), a.horizon
        vs = origins(train.T, hv, 1, 1, inner, train.season)
    else:
        hv = a.val_horizon or auto_horizon(train.T, a.horizon, a.origins, a.spacing, inner, train.season)
        vs = origins(train.T, hv, a.origins, a.spacing, inner, train.season)
    return train, hv, vs, sorted({v - k * hv for v in vs for k in range(inner + 1)})


def cut_forecasts(
    cache: Path | None, train: Panel, cuts: list[int], hv: int, models: str, thief: bool
) -> dict[str, np.ndarray]:
    """``fit_cuts``, read from ``cache`` when it exists (it must hold these cuts and horizon), else
    fitted and written there: the expensive part, shared by the select and adapt runs on one dataset."""
    if cache and cache.exists():
        with np.load(cache, allow_pickle=False) as f:
            z = {k: f[k] for k in f.files}
        if int(z["hv"]) != hv or sorted(z["cuts"].tolist()) != cuts:
            raise ValueError(f"{cache} holds other cuts or horizon; remove it or pass another --cache")
        return z
    z = fit_cuts(train, cuts, hv, models.split(","), thief)
    if cache:
        np.savez_compressed(cache, **z)
    return z


def score_origin(
    train: Panel, z: dict[str, np.ndarray], v: int, hv: int, inner: int, swaps: dict | None
) -> dict[str, dict[int, float]]:
    """Each rule's 80/95 % coverage on ``v .. v+hv``, calibrated as evaluate does at an outer cut ``v``."""
    names = [str(m) for m in z["models"]]
    at_v = train.cut(v)
    bt = Backtest(h=hv)
    ends = [v - k * hv for k in range(inner, 0, -1)]
    for end in ends:
        part = train.cut(end)
        bt.actual.append(train.y[:, end : end + hv])
        bt.mase_scale.append(naive_scale(part.y, train.season))
        bt.unit.append(series_scale(part))
        for m in names:
            bt.preds.setdefault(m, []).append(z[f"pred_{end}_{m}"])
    classes = demand_class(at_v)
    choice = choose(bt, classes, swaps=swaps)  # members only; each rule makes its own quantiles
    actual = train.y[:, v : v + hv]
    unit_v = series_scale(at_v)
    recent = {end: recent_scale(train.cut(end)) for end in [*ends, v]}
    out: dict[str, dict[int, float]] = {}
    for rule in RULES:
        lo = {lv: np.zeros_like(actual) for lv in LEVELS}
        hi = {lv: np.zeros_like(actual) for lv in LEVELS}
        quant: dict[str, dict[int, np.ndarray]] = {}
        rs = rule == "pooled-recent-scale"
        for g in choice.members:  # as ensemble.choose: "all" over every series, classes over their own
            mask = np.ones(classes.size, bool) if g == "all" else classes == g
            how = choice.how.get(g, "mean")
            errs = [
                np.abs(pool([bt.preds[m][w] for m in choice.members[g]], how) - bt.actual[w])[mask]
                / (recent[e] if rs else bt.unit[w])[mask, None]
                for w, e in enumerate(ends)
            ]
            quant[g] = rule_quantiles(errs, hv, LEVELS, rule)
        for g in set(classes.tolist()):
            mask = classes == g
            key = g if g in choice.members else "all"
            mean = choice.pool(key, [z[f"pred_{v}_{m}"][mask] for m in choice.members[key]])
            u = (recent[v] if rs else unit_v)[mask]
            for lv in LEVELS:
                lo[lv][mask] = np.clip(mean - quant[key][lv][None] * u[:, None], 0.0, None)
                hi[lv][mask] = mean + quant[key][lv][None] * u[:, None]
        ok = np.isfinite(actual)
        out[rule] = {lv: float(np.mean(((actual >= lo[lv]) & (actual <= hi[lv]))[ok])) for lv in LEVELS}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_sample_args(ap)
    ap.add_argument("--models", default=MODELS)
    ap.add_argument("--no-thief", action="store_true", help="the plain pool (evaluate --no-thief)")
    ap.add_argument("--val-horizon", type=int, default=0, help="0: the largest that fits (docstring)")
    ap.add_argument("--origins", type=int, default=4)
    ap.add_argument("--spacing", type=int, default=1, help="periods between validation origins")
    ap.add_argument("--cache", type=Path, help="npz of the cut forecasts: read if it exists, else written")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--holdout", action="store_true", help="report only: evaluate's outer cut (docstring)")
    a = ap.parse_args()
    train, _, rows = training_window(a)
    inner = a.inner_windows
    train, hv, vs, cuts = run_origins(a, train, rows)
    kind = "periods (holdout: the whole sample)" if a.holdout else "training periods"
    print(f"{train.n} series, {train.T} {kind}; validation horizon {hv}, origins {vs}", flush=True)
    z = cut_forecasts(a.cache, train, cuts, hv, a.models, not a.no_thief)
    names = [str(m) for m in z["models"]]
    from shopmind.forecast.thief import smooth_swaps

    swaps = None if a.no_thief or train.freq != "W" else smooth_swaps(names)
    per = [score_origin(train, z, v, hv, inner, swaps) for v in vs]
    res: dict = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "path": str(a.path),
        "format": a.format,
        "series": int(train.n),
        "periods": int(train.T),  # the training window; with --holdout the whole sampled panel
        "holdout": bool(a.holdout),
        "validation_horizon": hv,
        "inner_windows": inner,
        "origins": vs,
        "min_group": MIN_GROUP,
        "pool": names,
        "coverage": {r: [p[r] for p in per] for r in RULES},
    }
    res["mean_coverage"] = {
        r: {lv: float(np.mean([c[lv] for c in v])) for lv in LEVELS} for r, v in res["coverage"].items()
    }
    res["gap_sum"] = {  # mean over origins of |cov80 - 0.80| + |cov95 - 0.95|: the selection criterion
        r: float(np.mean([sum(abs(c[lv] - lv / 100) for lv in LEVELS) for c in v]))
        for r, v in res["coverage"].items()
    }
    for r, v in res["coverage"].items():
        m = res["mean_coverage"][r]
        print(
            f"{r:<22} 80: "
            + " ".join(f"{c[80]:.3f}" for c in v)
            + f" (mean {m[80]:.3f})  95: "
            + " ".join(f"{c[95]:.3f}" for c in v)
            + f" (mean {m[95]:.3f})  gap sum {res['gap_sum'][r]:.4f}"
        )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
