"""LightGBM's boosting rounds on weekly panels, judged by what the forecast is for (issue 14, session 18).

Session 17 adopted ``GlobalGBM(rounds_grid=gbm.ROUNDS_GRID)`` in the default pool (models.make_models): on
weekly panels the rounds are chosen per fit by MASE on the panel's last h weeks. Its validation gain was
0.0002 / 0.0009 (inside the spread of the cuts), the holdout fits chose 800 (the grid's top), and an absolute
error rewards the median, so the chosen rounds may pull the Tweedie level — the mean the inventory policy
orders by — low. This bench compares the two in one run, ``fixed`` = ``GlobalGBM()`` (300 rounds, the
default before session 17) and ``chosen`` = ``GlobalGBM(rounds_grid=ROUNDS_GRID)`` (the default now):

A. **Inventory replay on the weekly path.** bench/forecast_replay.py's setting (Online Retail's last quarter,
   2011-09-10 .. 2011-12-09, the same seeded 100 products, review every 7 days, lead time 7 days, lost
   sales, each rule starting at its own order-up-to level) with the forecaster on a *weekly* panel, as a
   release at ``grain = "W"`` fits it: at each review the daily history up to that day summed into weeks
   ending on it (replay.weekly_blocks), ``fit_forecast`` with the replay's pool (models.FAST_MODELS; the
   weekly pool adds the THieF forms and the residual model, which keep fixed rounds in both arms), horizon
   13 weeks (the weekly horizon the rounds were chosen and validated at), 2 backtest windows; the weekly
   means spread evenly over the days and sigma / sqrt(7), as release._fit_and_save does. Why not the
   recorded daily replay: ``gbm.TUNE_FREQS = ("W",)``, so on daily panels both arms are the same model
   and the replay would be identical by construction. Rules (forecast_replay.py's): ``ours_normal``
   (mean + z sigma sqrt(days)), ``ours_nb`` (per-product NB quantile over L and L + R, counts.
   protection_upper, periods = weeks), against the 28-day ``moving_average`` (the same in both arms).
B. **Bias on the validation cuts.** LightGBM alone, both arms, on the 4 scored validation cuts of both
   weekly datasets (bench/forecast_global_all.py's sample and cuts: T - h - d, d = 0..3, inside the
   training window; the holdout is never read): bias = total (forecast - actual) / total actual per cut.
   Report only, not in the rule: the same with a larger grid top (``ROUNDS_GRID + (1200, 1600)``), to say
   whether the choice sits at the grid's edge because the edge is too low.

**Decision rule (written and committed before the run).** Keep the chosen rounds only if both hold:

1. Replay: for ``ours_normal`` and ``ours_nb``, at each target 0.90, 0.95, 0.98 and 0.99, the chosen arm
   is not worse than the fixed arm: the stock the chosen arm's curve needs for the fill the fixed arm
   reached at that target (replay.stock_at_fill) is <= the fixed arm's stock there; where that fill lies
   outside the chosen curve, its fill >= and its stock <= the fixed arm's at the same target.
2. Bias: LightGBM's mean |bias| over the 4 scored validation cuts is not larger with the chosen rounds, on
   both weekly datasets. Per cut, absolute: an over-stocked review and a short one do not cancel.

Else revert to the fixed rounds for the weekly grain (``make_models``' LightGBM -> ``GlobalGBM()``; the
option stays on ``GlobalGBM``). Clipping the grid is not chosen here: a clipped grid would be a new setting
needing its own validation. Disclosed before the run: session 17's JSONs
(bench/results/forecast_global_all_{or,long}_week.json, ``single_bias``) already hold part B's figures from
the same code, read while writing this rule (mean |bias| fixed -> chosen: 0.202 -> 0.186 on Online Retail
week, 0.188 -> 0.232 on the long file); part B re-measures them in this run, part A is new.

    python bench/forecast_long.py --products 300        # prints <long.csv>
    python bench/forecast_rounds.py --long <long.csv> --out bench/results/forecast_rounds_s18.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from forecast_replay import plot_curves
from forecast_sample import add_sample_args, training_window
from shopmind.forecast import counts
from shopmind.forecast.ensemble import chosen_backtest, fit_forecast
from shopmind.forecast.evaluate import load_panel
from shopmind.forecast.gbm import ROUNDS_GRID, GlobalGBM
from shopmind.forecast.models import FAST_MODELS, Forecaster, make_models
from shopmind.forecast.replay import moving_average, replay, stock_at_fill, weekly_blocks

ARMS = ("fixed", "chosen")
TARGETS = (0.90, 0.95, 0.98, 0.99)
LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
DECIDING_RULES = ("ours_normal", "ours_nb")
WIDE_GRID = (*ROUNDS_GRID, 1200, 1600)


def gbm(arm: str) -> GlobalGBM:
    """The default pool's LightGBM of one arm (``wide``: report only, a grid reaching 1600 rounds)."""
    if arm == "fixed":
        return GlobalGBM()
    return GlobalGBM(rounds_grid=WIDE_GRID if arm == "wide" else ROUNDS_GRID)


def pool(arm: str) -> list[Forecaster]:
    """The replay's models with the arm's LightGBM in the default's place."""
    return [gbm(arm) if m.name == "LightGBM" else m for m in make_models(FAST_MODELS)]


def _bias(pred: np.ndarray, actual: np.ndarray) -> float:
    ok = np.isfinite(actual)
    return float((pred[ok].sum() - actual[ok].sum()) / max(actual[ok].sum(), 1e-12))


def validation_bias(path: Path, fmt: str, shifts: int = 4) -> dict:
    """Part B on one weekly dataset: LightGBM's bias and MASE per scored validation cut, per arm."""
    ap = argparse.ArgumentParser()
    add_sample_args(ap)
    a = ap.parse_args([str(path), "-f", fmt, "--grain", "week", "--horizon", "13", "--max-series", "300"])
    train, _, _ = training_window(a)
    h = a.horizon
    from shopmind.forecast.metrics import naive_scale

    out: dict = {"dataset": str(path), "series": int(train.n), "cuts": {}}
    for d in range(shifts):
        c = train.T - h - d
        part, actual = train.cut(c), train.y[:, c : c + h]
        unit = naive_scale(part.y, train.season)
        row = {}
        for arm in (*ARMS, "wide"):
            m = gbm(arm)
            pred = m.forecast(part, h)
            ok = np.isfinite(unit) & (unit > 0) & ~np.isnan(actual).any(axis=1)
            mase = float(np.mean(np.mean(np.abs(pred - actual)[ok], axis=1) / unit[ok]))
            row[arm] = {"bias": _bias(pred, actual), "mase": mase, "rounds": m.chosen_rounds}
            if m.inner_scores:
                row[arm]["inner_mase"] = {str(k): round(v, 4) for k, v in m.inner_scores.items()}
        out["cuts"][str(c)] = row
        print(f"{Path(path).name} cut {c}: " + ", ".join(
            f"{k} bias {v['bias']:+.3f} mase {v['mase']:.3f} rounds {v['rounds']}" for k, v in row.items()
        ), flush=True)  # fmt: skip
    for arm in (*ARMS, "wide"):
        b = [r[arm]["bias"] for r in out["cuts"].values()]
        out[f"mean_abs_bias_{arm}"] = float(np.mean(np.abs(b)))
        out[f"mean_bias_{arm}"] = float(np.mean(b))
    return out


def weekly_estimates(fc, bt, choice) -> tuple[tuple, tuple]:  # noqa: ANN001 - ensemble types
    """(ours_normal, ours_nb) estimates for replay(): daily mean (n, 7h), daily sigma, and for NB the
    per-product quantile over ``days`` (converted to weeks)."""
    days = 7
    daily = np.repeat(fc.mean / days, days, axis=1)
    sigma = fc.sigma / math.sqrt(days)
    up = counts.protection_upper(chosen_backtest(bt, choice, fc.classes), bt.actual, fc.classes, fc.mean)
    return (daily, sigma), (daily, sigma, lambda d, level: up(d / days, level))


def replay_weekly(data: Path, products: int, review: int, lead: int, seed: int, h: int) -> dict:
    """Part A: both arms side by side on the same products, days and moving-average baseline."""
    panel, _ = load_panel("online-retail", data / "online-retail", "day")
    days = 91
    start = panel.T - days
    prior = np.nan_to_num(panel.y[:, start - 91 : start])
    rows = np.flatnonzero(((prior > 0).sum(axis=1) >= 20) & (panel.starts() <= start - 182))
    rows = np.sort(np.random.default_rng(seed).choice(rows, min(products, rows.size), replace=False))
    sub = panel.subset(rows)  # the same 100 products as bench/forecast_replay.py
    demand = np.nan_to_num(sub.y[:, start:])
    rules: dict[str, list[tuple]] = {"moving_average": []}
    rounds: dict[str, list] = {arm: [] for arm in ARMS}
    for arm in ARMS:
        rules[f"ours_normal_{arm}"], rules[f"ours_nb_{arm}"] = [], []
    t0 = time.perf_counter()
    for k in range(-(-days // review)):
        cut = sub.cut(start + k * review)
        weekly = weekly_blocks(cut)
        for arm in ARMS:
            models = pool(arm)
            fc, bt, choice, _ = fit_forecast(weekly, models, h, windows=2)
            normal, nb = weekly_estimates(fc, bt, choice)
            rules[f"ours_normal_{arm}"].append(normal)
            rules[f"ours_nb_{arm}"].append(nb)
            lgb = next(m for m in models if m.name == "LightGBM")
            rounds[arm].append(lgb.chosen_rounds)  # type: ignore[attr-defined]
        rules["moving_average"].append(moving_average(cut.y, lead + review))
        print(f"review {k}: {cut.dates[-1]}, {weekly.T} weeks, rounds {rounds['chosen'][-1]} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
    curve = []
    for level in LEVELS:
        row = {
            "service_level": level,
            **{r: replay(demand, e, review, lead, level) for r, e in rules.items()},
        }
        curve.append(row)
        print(f"target {level:.2f}: " + " | ".join(
            f"{r} {row[r]['fill_rate']:.4f}/{row[r]['avg_stock']:.0f}" for r in rules
        ), flush=True)  # fmt: skip
    return {
        "products": int(sub.n),
        "replay_start": str(panel.dates[start]),
        "replay_end": str(panel.dates[-1]),
        "review_days": review,
        "lead_time_days": lead,
        "horizon_weeks": h,
        "models": FAST_MODELS,
        "lightgbm_rounds_at_final_fit": rounds,
        "curve": curve,
    }


def not_worse(curve: list[dict], rule: str, level: float) -> dict:
    """Rule 1 at one target: the chosen arm's stock for the fixed arm's fill vs the fixed arm's stock."""
    at = next(c for c in curve if c["service_level"] == level)
    f, c = at[f"{rule}_fixed"], at[f"{rule}_chosen"]
    need = stock_at_fill([x[f"{rule}_chosen"] for x in curve], f["fill_rate"])
    if math.isfinite(need):
        ok = need <= f["avg_stock"]
        how = "equal fill"
    else:
        ok = c["fill_rate"] >= f["fill_rate"] and c["avg_stock"] <= f["avg_stock"]
        how = "same target (fill outside the chosen curve)"
    return {"target": level, "fixed": f, "chosen": c, "chosen_stock_at_fixed_fill": need,
            "ratio": need / f["avg_stock"] if math.isfinite(need) else None, "how": how, "not_worse": bool(ok)}  # fmt: skip


def goal(curve: list[dict], rule: str) -> dict:
    """Issue 14's replay goal for one rule: fill >= 0.98 with <= 0.8 x the moving average's stock at the
    same target; and the stock it needs for the moving average's fill at each target."""
    hits = [c["service_level"] for c in curve
            if c[rule]["fill_rate"] >= 0.98 and c[rule]["avg_stock"] <= 0.8 * c["moving_average"]["avg_stock"]]  # fmt: skip
    ratios = {}
    for c in curve:
        need = stock_at_fill([x[rule] for x in curve], c["moving_average"]["fill_rate"])
        ratios[str(c["service_level"])] = (
            need / c["moving_average"]["avg_stock"] if math.isfinite(need) else None
        )
    return {"met_at_targets": hits, "met": bool(hits), "stock_ratio_at_ma_fill": ratios}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("SHOPMIND_DATA", "../shared/data")))
    ap.add_argument(
        "--long", type=Path, required=True, help="the file of bench/forecast_long.py --products 300"
    )
    ap.add_argument("--products", type=int, default=100)
    ap.add_argument("--review", type=int, default=7)
    ap.add_argument("--lead", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--horizon", type=int, default=13, help="weeks the replay's forecaster looks ahead")
    ap.add_argument(
        "--skip", choices=["replay", "bias"], help="one part only (a check; the decision needs both)"
    )
    ap.add_argument("--out", type=Path, default=Path("bench/results/forecast_rounds_s18.json"))
    a = ap.parse_args()
    t0 = time.perf_counter()
    res: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_start": os.getloadavg(),
    }
    if a.skip != "bias":
        res["validation_bias"] = {
            "online_retail_week": validation_bias(a.data / "online-retail", "online-retail"),
            "long_week": validation_bias(a.long, "long"),
        }
    if a.skip != "replay":
        res["replay"] = replay_weekly(a.data, a.products, a.review, a.lead, a.seed, a.horizon)
    if a.skip is None:
        curve = res["replay"]["curve"]
        rule1 = [not_worse(curve, r, lv) for r in DECIDING_RULES for lv in TARGETS]
        vb = res["validation_bias"]
        rule2 = {k: v["mean_abs_bias_chosen"] <= v["mean_abs_bias_fixed"] for k, v in vb.items()}
        keep = all(x["not_worse"] for x in rule1) and all(rule2.values())
        res["decision"] = {"rule1_replay": rule1, "rule2_bias": rule2, "keep_chosen_rounds": keep}
        res["goal"] = {f"{r}_{arm}": goal(curve, f"{r}_{arm}") for r in DECIDING_RULES for arm in ARMS}
        for x in rule1:
            print(f"rule 1 {x['target']:.2f}: ratio {x['ratio']} ({x['how']}) not worse: {x['not_worse']}")
        print(f"rule 2 (mean |bias| chosen <= fixed): {rule2}")
        print("decision:", "keep the chosen rounds" if keep else "revert to the fixed rounds")
    res["seconds"] = round(time.perf_counter() - t0, 1)
    res["load_average_end"] = os.getloadavg()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2, default=str))
    if "replay" in res:
        plot_curves(
            res["replay"], a.out.with_suffix(".png"), title_extra="weekly path, fixed vs chosen rounds"
        )
    print(f"saved {a.out} ({res['seconds']} s)")


if __name__ == "__main__":
    main()
