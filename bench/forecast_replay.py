"""Inventory replay on Online Retail's last quarter: our forecast policy vs a moving-average reorder rule.

Both rules run the same periodic-review policy (shopmind.forecast.inventory.policy: review every R
days, lead time L, order up to the level when the inventory position is at or below the reorder
point) at the same target service level; they differ only in the demand estimate:

- ours (two forms): the per-class ensemble (shopmind.forecast.ensemble.fit_forecast) refitted at each review on
  the history up to that day; ``ours_normal`` sets levels at mean + z * sigma * sqrt(days) with sigma the
  series' backtest RMSE, ``ours_conformal`` at the backtest's quantile of demand summed over L and L + R;
  ``ours_nb`` (2026-12-04) at the negative binomial quantile of that demand, per product, its dispersion
  calibrated per demand class on the backtest's sums over L and L + R (counts.protection_upper);
- baseline: the mean and standard deviation of the last 28 days' daily demand.

The targets above are cycle service levels (the order level is a quantile of demand). Two more rules
(2026-12-04 14:00) read the same targets as *fill rates* (forecast/fillrate.py: the smallest level whose
expected shortage over L + R is within (1 - target) x one review period's demand): ``ours_nb_fill`` (the
NB of ours_nb, dispersion of the backtest's sums by moments) and ``ma_fill`` (the moving average's normal
model with the normal loss function) — the pair compared with each other, at the same fill target.
``ours_nb_fill_cal`` (14:10 UTC) calibrates that NB's dispersion per class so the fill target is met on
the backtest windows (fillrate.calibrated_fill_upper).

Demand is the accepted net daily demand (adapter -> gate -> demand_panel). Each product starts at its
rule's own order-up-to level; unmet demand is lost. Reported per service level: fill rate (units
served / demanded, pooled) and average stock on hand (units, end of day, summed over products).

    python bench/forecast_replay.py --products 100
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shopmind.forecast import counts, fillrate
from shopmind.forecast.ensemble import chosen_backtest, fit_forecast
from shopmind.forecast.evaluate import load_panel
from shopmind.forecast.gbm import GlobalGBM
from shopmind.forecast.models import FAST_MODELS, make_models
from shopmind.forecast.replay import moving_average, replay, stock_at_fill

#: 0.5-0.7 (added 2026-12-04 14:00) extend the curves down to where the moving average operates, so the
#: rules can be compared at equal fill (replay.stock_at_fill) and not only at equal target
LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
REPLAY_MODELS = FAST_MODELS


LABELS = {
    "ours_normal": "forecast, mean + z sigma sqrt(days)",
    "ours_conformal": "forecast, conformal quantile of demand over L, L+R",
    "ours_nb": "forecast, NB quantile per product (calibrated on sums over L, L+R)",
    "moving_average": "28-day moving average",
    "ours_nb_fill": "forecast, NB, fill-rate target",
    "ma_fill": "28-day moving average, fill-rate target",
    "ours_nb_fill_cal": "forecast, NB, fill-rate target, dispersion calibrated",
}
#: each of our rules and the baseline it is compared with at the same target
PAIRS = {
    "ours_normal": "moving_average",
    "ours_conformal": "moving_average",
    "ours_nb": "moving_average",
    "ours_nb_fill": "ma_fill",
    "ours_nb_fill_cal": "ma_fill",
}


def plot(result: dict, png: Path) -> None:
    """Fill rate against average stock per rule (log stock axis: the rules span 13k..280k units)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (the curve is in the JSON)")
        return
    curve = result["curve"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, label in LABELS.items():
        if key not in curve[0]:
            continue
        style = "s--" if key.endswith("_fill") else "o-"
        ax.plot(
            [c[key]["avg_stock"] for c in curve], [c[key]["fill_rate"] for c in curve], style, label=label
        )
        for c in curve:
            ax.annotate(f"{c['service_level']:.2f}", (c[key]["avg_stock"], c[key]["fill_rate"]), fontsize=7)
    ax.axhline(0.98, color="grey", lw=0.6, ls="--")
    ax.set_xscale("log")
    ax.set_xlabel("average stock on hand (units, all products; log scale)")
    ax.set_ylabel("fill rate")
    ax.set_title(
        f"Online Retail replay {result['replay_start']}..{result['replay_end']}, {result['products']} products",
        fontsize=10,
    )
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    print(f"saved {png}")


def plot_curves(result: dict, png: Path, title_extra: str = "") -> None:
    """Fill rate against average stock for every rule in ``result["curve"]`` (log stock axis), labelled
    by its key: for benches that replay other rule sets than LABELS (bench/forecast_rounds.py)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (the curve is in the JSON)")
        return
    curve = result["curve"]
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for key in [k for k in curve[0] if k != "service_level"]:
        style = "s--" if key.startswith(("moving", "ma_")) else "o-"
        ax.plot([c[key]["avg_stock"] for c in curve], [c[key]["fill_rate"] for c in curve], style, label=key)
        for c in curve:
            ax.annotate(f"{c['service_level']:.2f}", (c[key]["avg_stock"], c[key]["fill_rate"]), fontsize=6)
    ax.axhline(0.98, color="grey", lw=0.6, ls="--")
    ax.set_xscale("log")
    ax.set_xlabel("average stock on hand (units, all products; log scale)")
    ax.set_ylabel("fill rate")
    title = f"Online Retail replay {result['replay_start']}..{result['replay_end']}, {result['products']} products"
    ax.set_title(title + (f"\n{title_extra}" if title_extra else ""), fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    print(f"saved {png}")


def compare(curve: list[dict], pairs: dict[str, str]) -> tuple[dict, list[dict]]:
    """Per pair (our rule, its baseline): the goal at the same target (fill >= 0.98 with >= 20 % less
    stock than the baseline), and at each baseline point the stock our rule needs for the same fill,
    read off its curve (replay.stock_at_fill), as a ratio to the baseline's stock."""
    goal, rows = {}, []
    for ours, base in pairs.items():
        hits = [
            c["service_level"]
            for c in curve
            if c[ours]["fill_rate"] >= 0.98 and c[ours]["avg_stock"] <= 0.8 * c[base]["avg_stock"]
        ]
        goal[ours] = {"baseline": base, "met_at_targets": hits, "met": bool(hits)}
        for c in curve:
            b = c[base]
            need = stock_at_fill([x[ours] for x in curve], b["fill_rate"])
            ratio = need / b["avg_stock"] if np.isfinite(need) else None
            rows.append({"rule": ours, "baseline": base, "service_level": c["service_level"],
                         "baseline_fill": b["fill_rate"], "baseline_stock": b["avg_stock"],
                         "stock_ratio_at_equal_fill": ratio})  # fmt: skip
            print(
                f"{base} at {c['service_level']:.2f}: fill {b['fill_rate']:.4f} with {b['avg_stock']:.0f} units; "
                f"{ours} needs {'n/a' if ratio is None else f'{ratio:.3f}x'} for the same fill"
            )
    return goal, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("SHOPMIND_DATA", "../shared/data")))
    ap.add_argument(
        "--products", type=int, default=100, help="seeded sample of products sold in the prior quarter"
    )
    ap.add_argument("--days", type=int, default=91)
    ap.add_argument("--review", type=int, default=7)
    ap.add_argument("--lead", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--gbm-objective",
        default="tweedie",
        choices=["tweedie", "regression"],
        help="the global LightGBM's loss (regression = squared error, the model before 2026-12-04)",
    )
    ap.add_argument("--out", type=Path, default=Path("bench/results/forecast_replay.json"))
    ap.add_argument(
        "--plot-only", action="store_true", help="redraw the PNG from the JSON at --out, no replay"
    )
    args = ap.parse_args()
    if args.plot_only:
        plot(json.loads(args.out.read_text()), args.out.with_suffix(".png"))
        return
    t0 = time.perf_counter()
    panel, _ = load_panel("online-retail", args.data / "online-retail", "day")
    start = panel.T - args.days
    prior = np.nan_to_num(panel.y[:, start - 91 : start])
    rows = np.flatnonzero(((prior > 0).sum(axis=1) >= 20) & (panel.starts() <= start - 182))
    rng = np.random.default_rng(args.seed)
    rows = np.sort(rng.choice(rows, min(args.products, rows.size), replace=False))
    sub = panel.subset(rows)
    demand = np.nan_to_num(sub.y[:, start:])
    h = args.lead + args.review
    rules: dict[str, list[tuple]] = {
        "ours_normal": [],
        "ours_conformal": [],
        "ours_nb": [],
        "moving_average": [],
        "ours_nb_fill": [],
        "ma_fill": [],
        "ours_nb_fill_cal": [],
    }
    for k in range(-(-args.days // args.review)):
        cut = sub.cut(start + k * args.review)
        models = make_models(REPLAY_MODELS)
        for m in models:
            if isinstance(m, GlobalGBM):
                m.objective = args.gbm_objective
        fc, bt, choice, _ = fit_forecast(cut, models, h, windows=2)
        rules["ours_normal"].append((fc.mean, fc.sigma))
        rules["ours_conformal"].append((fc.mean, fc.sigma, fc.upper))
        pred_bt = chosen_backtest(bt, choice, fc.classes)
        rules["ours_nb"].append(
            (fc.mean, fc.sigma, counts.protection_upper(pred_bt, bt.actual, fc.classes, fc.mean))
        )
        rules["ours_nb_fill"].append(
            (fc.mean, fc.sigma, fillrate.nb_fill_upper(pred_bt, bt.actual, fc.classes, fc.mean, args.review))
        )
        rules["ours_nb_fill_cal"].append(
            (
                fc.mean,
                fc.sigma,
                fillrate.calibrated_fill_upper(pred_bt, bt.actual, fc.classes, fc.mean, args.review),
            )
        )
        ma_mean, ma_sd = moving_average(cut.y, h)
        rules["moving_average"].append((ma_mean, ma_sd))
        rules["ma_fill"].append(
            (ma_mean, ma_sd, fillrate.normal_fill_upper(ma_mean[:, 0], ma_sd, args.review))
        )
        print(
            f"review {k}: {cut.dates[-1]} forecast for {sub.n} products ({time.perf_counter() - t0:.0f}s)",
            flush=True,
        )
    curve = []
    for level in LEVELS:
        row = {
            "service_level": level,
            **{r: replay(demand, est, args.review, args.lead, level) for r, est in rules.items()},
        }
        curve.append(row)
        print(
            f"target {level:.2f}: "
            + " | ".join(f"{r} fill {row[r]['fill_rate']:.4f} stock {row[r]['avg_stock']:.0f}" for r in rules)
        )
    goal, equal_fill = compare(curve, PAIRS)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "goal": goal,
        "equal_fill": equal_fill,
        "products": int(sub.n),
        "replay_start": str(panel.dates[start]),
        "replay_end": str(panel.dates[-1]),
        "review_days": args.review,
        "lead_time_days": args.lead,
        "models": REPLAY_MODELS,
        "gbm_objective": args.gbm_objective,
        "curve": curve,
        "seconds": round(time.perf_counter() - t0, 1),
        "load_average": os.getloadavg(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    plot(result, args.out.with_suffix(".png"))
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
