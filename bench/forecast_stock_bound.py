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

Flagged quantity outliers (t14c, issue 14): the gate keeps a purchase flagged ``EVT_QTY_OUTLIER`` (the demo
injects 500-5,000 units into clean purchases); the release now leaves such purchases and their linked returns out
of demand (``[forecast] flagged``, ``shopmind.forecast.flagged``). Every dataset is measured twice, ``keep`` (the
demand as before, t14b's figures) and ``leave_out`` (each scored on its own demand's actual sums after the cut;
``coverage_of_kept`` scores the leave_out bound on the kept demand too), and ``--release`` runs the release's
``build_forecast`` itself on the default demo shop (seed 42, 3,000 products, 60 days, as ``shopmind demo``) and on
Online Retail's accepted events: flagged purchases, forecast total over the horizon and ``stock_low95``'s minimum.

    python bench/forecast_stock_bound.py --release --out bench/results/forecast_stock_bound.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shopmind.forecast import counts
from shopmind.forecast.ensemble import chosen_backtest, fit_forecast
from shopmind.forecast.flagged import leave_out_flagged
from shopmind.forecast.models import make_models
from shopmind.forecast.release import ForecastSettings
from shopmind.forecast.series import Panel, demand_panel

DAYS = (7, 14, 28)
LEVEL = 0.95
#: the rule's thresholds (module docstring)
MIN_COVERAGE, MAX_SANITY = 0.92, 5.0


def measure(panel: Panel, gap: int, cfg: ForecastSettings, kept: Panel | None = None) -> dict[str, Any]:
    """Fit at the cut ``T - gap`` as the release does; score both bounds on the days after the cut (and, when
    ``kept`` is the same data's demand with the flagged outliers kept, the conformal bounds on its sums too)."""
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
                **(
                    {}
                    if kept is None
                    else {"coverage_of_kept": _coverage(kept, hist.ids, panel.dates[origin], d, bound)}
                ),
                "bound_over_actual": round(float(bound.sum() / max(actual.sum(), 1e-9)), 3),
                "worst_sanity": round(float(sanity[worst]), 3),
                "worst_product": hist.ids[worst],
                "worst_bound": round(float(bound[worst]), 1),
                "worst_max_daily": float(peak[worst]),
                "products_sanity_over_5": int(np.sum(sanity > MAX_SANITY)),
            }
        out[f"d{d}"] = row
    return out


def _coverage(kept: Panel, ids: list[str], first: Any, d: int, bound: np.ndarray) -> float:
    """Share of ``ids`` whose d-day sum from date ``first`` in ``kept`` is <= ``bound`` (0 where not sold)."""
    j = int(np.searchsorted(kept.dates, first))
    row = {k: i for i, k in enumerate(kept.ids)}
    sums = np.array([np.nansum(kept.y[row[i], j : j + d]) if i in row else 0.0 for i in ids])
    return round(float(np.mean(sums <= bound)), 4)


def accepted(batch: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The gate's accepted events (with ``_flags``) and products, as the store keeps them."""
    from shopmind.config import GateConfig
    from shopmind.quality.gate import run_gate

    gate = run_gate(batch, GateConfig(), None)
    return gate.tables["events"].accepted, gate.tables["products"].accepted


def panels(events: pl.DataFrame, modes: list[str]) -> dict[str, Panel]:
    """The product-day demand per ``[forecast] flagged`` mode, as the release builds it."""
    out = {}
    for mode in modes:
        ev = leave_out_flagged(events)[0] if mode == "leave_out" else events
        out[mode] = demand_panel(ev, freq="D")
    return out


def demo_batch(seed: int, days: int, n_products: int = 300, n_users: int = 300) -> Any:
    from shopmind.demo.generator import generate

    return generate(seed=seed, n_products=n_products, n_users=n_users, days=days).batch


def release_figures(events: pl.DataFrame, products: pl.DataFrame, mode: str) -> dict[str, Any]:
    """``build_forecast`` itself (the release component, default settings but ``flagged``) on accepted rows."""
    from types import SimpleNamespace

    from shopmind.forecast.release import build_forecast

    with tempfile.TemporaryDirectory() as tmp:
        ctx = SimpleNamespace(events=events, products=products, settings={"forecast": {"flagged": mode}})
        t0 = time.perf_counter()
        facts = dict(build_forecast(ctx, Path(tmp)))
        seconds = round(time.perf_counter() - t0, 1)
        fc = pl.read_parquet(Path(tmp) / "forecast.parquet")
    low = fc["stock_low95"].drop_nulls()
    return {
        **{k: facts[k] for k in facts if k.startswith("flagged_") or k in ("flagged_outliers", "products")},
        "forecast_total": round(float(fc["mean"].sum()), 1),
        "stock_low95_min": round(float(low.min()), 1) if low.len() else None,
        "products_low95_below_minus_10k": int(
            fc.filter(pl.col("stock_low95") < -1e4)["product_id"].n_unique()
        ),
        "capped_products": facts["stock_bound"]["capped_products"],
        "seconds": seconds,
    }


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
    ap.add_argument("--flagged", nargs="+", choices=["keep", "leave_out"], default=["keep", "leave_out"])
    ap.add_argument(
        "--release", action="store_true", help="also the release's build_forecast (module docstring)"
    )
    ap.add_argument("--out", type=Path, default=Path("bench/results/forecast_stock_bound.json"))
    args = ap.parse_args()
    if args.gap < 2 * max(DAYS):
        raise SystemExit(f"--gap must be >= {2 * max(DAYS)} so the last {max(DAYS)} days are never scored")
    cfg = ForecastSettings()
    results: dict[str, dict[str, Any]] = {}
    release: dict[str, dict[str, Any]] = {}
    data: list[tuple[str, pl.DataFrame, pl.DataFrame]] = []
    for seed in args.demo_seeds:
        data.append((f"demo_seed{seed}", *accepted(demo_batch(seed, args.demo_days))))
    if not args.skip_retail:
        from shopmind.data.adapters import get_adapter

        data.append(
            ("online_retail_day", *accepted(get_adapter("online-retail").load(args.data / "online-retail")))
        )
    for name, events, products in data:
        by_mode = panels(events, args.flagged)
        for mode, panel in by_mode.items():
            key = name if mode == "keep" else f"{name}_{mode}"  # keep: the names t14b's figures have
            results[key] = measure(panel, args.gap, cfg, by_mode.get("keep") if mode != "keep" else None)
            print(f"{key}: {json.dumps(results[key])}", flush=True)
        if args.release and name == "online_retail_day":
            release[name] = {mode: release_figures(events, products, mode) for mode in args.flagged}
            print(f"release {name}: {json.dumps(release[name])}", flush=True)
    if args.release:
        events, products = accepted(demo_batch(42, 60, 3000, 1500))
        release["demo_default_seed42"] = {
            mode: release_figures(events, products, mode) for mode in args.flagged
        }
        print(f"release demo_default_seed42: {json.dumps(release['demo_default_seed42'])}", flush=True)
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "level": LEVEL,
        "gap_days": args.gap,
        "settings": {"models": list(cfg.models), "horizon": cfg.horizon, "windows": cfg.windows},
        "rule": {"min_coverage": MIN_COVERAGE, "max_worst_sanity": MAX_SANITY},
        "results": results,
        "verdict": verdict(results),
        "release": release,
        "load_average": os.getloadavg(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    print(json.dumps(out["verdict"]), f"saved {args.out}")


if __name__ == "__main__":
    main()
