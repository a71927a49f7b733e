"""The release's 95 % stock projection bound (``stock_low95`` = on hand - bound): conformal vs negative binomial.

Why (issue 14, found 2026-12-06): on a 300-product demo shop, product P00247's ``stock_low95`` reached -1.93
million units in 28 days though it never sold more than 3,354 units a day. The release took the bound from
``Forecast.upper`` (forecast sum + a *class-pooled* quantile of scaled backtest errors x the product's own
scale): a heavy tail from tiny-scale series in the class times a big seller's scale. ``counts.protection_upper``
(per product, the NB quantile of demand summed over the days, dispersion calibrated per class on the backtest's
sums) scales with each product's own mean.

What is measured, on validation data only: the panel is cut at ``T - gap`` (gap = 56 days by default, so the
last 28 days are never looked at), the release's fit is run on the history before the cut exactly as
``release._fit_and_save`` runs it (``fit_forecast(panel, make_models(models), horizon, windows)`` with the
``ForecastSettings`` defaults, the last ``history_days`` and ``max_products`` best sellers), and both bounds at
d = 7, 14, 28 days and level 0.95 are compared with the actual d-day sums after the cut, over the products
that had sold before the cut:

- ``coverage``: share of products whose actual d-day sum is <= the bound (target 0.95);
- ``bound_over_actual``: sum of the bounds / sum of the actual d-day sums (how much stock the bound asks for);
- ``worst_sanity``: max over products of bound / (d x the product's max daily demand before the cut) - a bound
  above 1 asks for more than d days at the product's record day; P00247's was ~20.

Data: Online Retail product-day (adapter -> gate -> accepted events, ``evaluate.load_panel``) and demo shops
(``shopmind.demo.generator.generate``, 300 products, gate -> accepted events -> ``demand_panel``, as a release
reads them; 150 days so a cut 56 days before the end still leaves two 28-day backtest windows).

Decision rule (written before the figures were seen): for count panels switch the release's bound to
``protection_upper`` when, on every dataset, its coverage is within 3 points of 95 % (>= 0.92) at every d and
its worst sanity ratio is <= 5 (no product asked for more than five times d record days); otherwise keep the
conformal bound and cap it at d x the product's max daily demand x 5 (``conformal_capped``, measured too).

    python bench/forecast_stock_bound.py --out bench/results/forecast_stock_bound.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.forecast import counts
from shopmind.forecast.ensemble import chosen_backtest, fit_forecast
from shopmind.forecast.models import make_models
from shopmind.forecast.release import ForecastSettings
from shopmind.forecast.series import Panel, demand_panel

DAYS = (7, 14, 28)
LEVEL = 0.95
#: the rule's thresholds (module docstring)
MIN_COVERAGE, MAX_SANITY = 0.92, 5.0


def measure(panel: Panel, gap: int, cfg: ForecastSettings) -> dict[str, Any]:
    """Fit at the cut ``T - gap`` as the release does; score both bounds on the days after the cut."""
    origin = panel.T - gap
    start = max(0, origin - cfg.history_days)
    hist = panel.cut(origin)
    if start:  # the release reads the last history_days only
        covs = {k: v[:, start:] for k, v in hist.covariates.items()}
        hist = replace(hist, dates=hist.dates[start:], y=hist.y[:, start:], covariates=covs)
    # a series with no sale in the window is not in the release's panel (demand_panel of its events)
    hist = hist.subset(np.flatnonzero(np.nansum(hist.y, axis=1) > 0))
    rows_all = np.array([panel.ids.index(i) for i in hist.ids]) if hist.n != panel.n else np.arange(panel.n)
    total = np.nansum(hist.y, axis=1)
    rows = np.sort(np.argsort(-total, kind="stable")[: cfg.max_products])
    hist = hist.subset(rows)
    future = np.nan_to_num(panel.y[rows_all[rows], origin : origin + max(DAYS)])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fc, bt, choice, _ = fit_forecast(hist, make_models(list(cfg.models)), cfg.horizon, cfg.windows)
    nb = counts.protection_upper(chosen_backtest(bt, choice, fc.classes), bt.actual, fc.classes, fc.mean)
    peak = np.nanmax(np.where(np.isnan(hist.y), -np.inf, hist.y), axis=1)
    out: dict[str, Any] = {
        "cut": str(panel.dates[origin - 1]),
        "products": int(hist.n),
        "history_days": int(hist.T),
        "fit_seconds": round(time.perf_counter() - t0, 1),
        "is_count": counts.is_count(hist.y),
    }
    for d in DAYS:
        actual = future[:, :d].sum(axis=1)
        row = {}
        conformal = fc.upper(d, LEVEL)
        capped = np.minimum(conformal, MAX_SANITY * d * np.maximum(peak, 1.0))
        bounds = {"conformal": conformal, "negative_binomial": nb(d, LEVEL), "conformal_capped": capped}
        for name, bound in bounds.items():
            sanity = bound / (d * np.maximum(peak, 1.0))
            worst = int(np.argmax(sanity))
            row[name] = {
                "coverage": round(float(np.mean(actual <= bound)), 4),
                "bound_over_actual": round(float(bound.sum() / max(actual.sum(), 1e-9)), 3),
                "worst_sanity": round(float(sanity[worst]), 3),
                "worst_product": hist.ids[worst],
                "worst_bound": round(float(bound[worst]), 1),
                "worst_max_daily": float(peak[worst]),
                "products_sanity_over_5": int(np.sum(sanity > MAX_SANITY)),
            }
        out[f"d{d}"] = row
    return out


def demo_panel(seed: int, days: int) -> Panel:
    from shopmind.config import GateConfig
    from shopmind.demo.generator import generate
    from shopmind.quality.gate import run_gate

    shop = generate(seed=seed, n_products=300, n_users=300, days=days)
    events = run_gate(shop.batch, GateConfig(), None).tables["events"].accepted
    return demand_panel(events, freq="D")


def verdict(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The docstring's rule applied to the negative binomial bound over every dataset."""
    worst_cov = min(r[f"d{d}"]["negative_binomial"]["coverage"] for r in results.values() for d in DAYS)
    worst_san = max(r[f"d{d}"]["negative_binomial"]["worst_sanity"] for r in results.values() for d in DAYS)
    switch = worst_cov >= MIN_COVERAGE and worst_san <= MAX_SANITY
    return {
        "nb_min_coverage": worst_cov,
        "nb_max_worst_sanity": worst_san,
        "switch_to_negative_binomial": bool(switch),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument(
        "--gap", type=int, default=56, help="days between the cut and the panel's end (>= 28 + 28)"
    )
    ap.add_argument("--demo-seeds", type=int, nargs="*", default=[7, 11])
    ap.add_argument("--demo-days", type=int, default=150)
    ap.add_argument("--skip-retail", action="store_true")
    ap.add_argument("--out", type=Path, default=Path("bench/results/forecast_stock_bound.json"))
    args = ap.parse_args()
    if args.gap < 2 * max(DAYS):
        raise SystemExit(f"--gap must be >= {2 * max(DAYS)} so the last {max(DAYS)} days are never scored")
    cfg = ForecastSettings()
    results: dict[str, dict[str, Any]] = {}
    for seed in args.demo_seeds:
        results[f"demo_seed{seed}"] = measure(demo_panel(seed, args.demo_days), args.gap, cfg)
        print(f"demo seed {seed}: {json.dumps(results[f'demo_seed{seed}'])}", flush=True)
    if not args.skip_retail:
        from shopmind.forecast.evaluate import load_panel

        panel, _ = load_panel("online-retail", args.data / "online-retail", "day")
        results["online_retail_day"] = measure(panel, args.gap, cfg)
        print(f"online retail: {json.dumps(results['online_retail_day'])}", flush=True)
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "level": LEVEL,
        "gap_days": args.gap,
        "settings": {"models": list(cfg.models), "horizon": cfg.horizon, "windows": cfg.windows},
        "rule": {"min_coverage": MIN_COVERAGE, "max_worst_sanity": MAX_SANITY},
        "results": results,
        "verdict": verdict(results),
        "load_average": os.getloadavg(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    print(json.dumps(out["verdict"]), f"saved {args.out}")


if __name__ == "__main__":
    main()
