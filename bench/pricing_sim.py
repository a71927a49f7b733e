"""Pricing simulation (issue 16): known elasticities, our estimates and suggestions vs alternatives.

A market calibrated on UCI Online Retail: each simulated product takes a real StockCode's median
price, median weekly volume and real week-to-week relative price path; the season is the shop's real
weekly total volume profile. Demand is constant-elasticity with a known slope per product (drawn
around its category's), promotions (a flag, a 20 % cut and a 1.4x lift) and log-normal + Poisson
noise. We estimate elasticities from 52 weeks of history (shopmind.pricing), then play 26 more weeks:

- fixed: the last price kept;
- suggested: shopmind.pricing.suggest re-run every 4 weeks (max 10 % change per period), posterior
  from history only;
- thompson: a Thompson-sampling price experiment over 5 arms (0.8..1.2 x price on the ending rule,
  inside the same static guardrails), Gamma-Poisson per arm, learning from the realised counts;
- oracle: the true optimum under the same guardrails and the same 10 % per-period steps.

Profit is the *expected* profit of the chosen prices under the true demand (noise is only in what
the learners see), so the comparison has no luck in it. Every changed suggestion is re-checked
against every guardrail (asserted). Calibration reads the CSV directly (prices/volumes/paths only;
nothing of it reaches an estimator).

    python bench/pricing_sim.py --products 300 --seed 0
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.pricing import Guardrails, ProductTerms, estimate, weekly_observations
from shopmind.pricing.suggest import candidates, suggest_one, violations

ROOT = Path(__file__).resolve().parents[1]
T_HIST, H, PERIOD = 52, 26, 4
PROMO_CUT, PROMO_LIFT = 0.8, 1.4


def calibrate(path: Path, n: int, rng: np.random.Generator) -> tuple[list[dict], np.ndarray]:
    """Real price/volume/price-path per sampled StockCode, and the real weekly season profile."""
    raw = pl.read_csv(path, infer_schema_length=0).select(
        pl.col("StockCode"),
        pl.col("InvoiceNo"),
        pl.col("Quantity").cast(pl.Float64, strict=False),
        pl.col("UnitPrice").cast(pl.Float64, strict=False),
        pl.col("InvoiceDate").str.to_datetime(strict=False).dt.truncate("1w").alias("week"),
    )
    ok = raw.filter(
        (pl.col("Quantity") > 0) & (pl.col("UnitPrice") > 0.1) & ~pl.col("InvoiceNo").str.starts_with("C")
    )
    weeks = sorted(ok["week"].unique().to_list())[:T_HIST]
    season_df = ok.group_by("week").agg(pl.col("Quantity").sum()).sort("week").head(T_HIST)
    season = season_df["Quantity"].to_numpy()
    season = season / season.mean()
    wk = (
        ok.filter(pl.col("week").is_in(weeks))
        .group_by("StockCode", "week")
        .agg(pl.col("UnitPrice").median().alias("p"), pl.col("Quantity").sum().alias("q"))
    )
    per = wk.group_by("StockCode").agg(
        pl.len().alias("n"), pl.col("p").median().alias("p0"), pl.col("q").median().alias("q0")
    )
    per = per.filter((pl.col("n") >= 40) & (pl.col("q0") >= 5)).sort("StockCode")
    pick = per.sample(n=min(n, per.height), seed=int(rng.integers(1 << 31)))
    widx = {w: i for i, w in enumerate(weeks)}
    paths = {}
    for code, w, p in (
        wk.filter(pl.col("StockCode").is_in(pick["StockCode"].implode()))
        .select("StockCode", "week", "p")
        .iter_rows()
    ):
        paths.setdefault(code, np.full(T_HIST, np.nan))[widx[w]] = p
    out = []
    for code, _, p0, q0 in pick.iter_rows():
        path = paths[code] / p0
        path = pl.Series(path).fill_nan(None).fill_null(strategy="forward").fill_null(1.0).to_numpy()
        out.append({"code": code, "p0": round(float(p0), 2), "q0": float(q0), "rel": np.clip(path, 0.5, 2.0)})
    return out, np.clip(season, 0.2, 5.0)


def demand(p: float, p0: float, q0: float, b: float, s: float, promo: bool) -> float:
    return q0 * s * (p / p0) ** b * (PROMO_LIFT if promo else 1.0)


def _accuracy(est: dict, truth: dict[str, float], t_est: float) -> dict[str, object]:
    """Error and 95 % interval coverage of the estimates vs the known elasticities."""
    err = np.array([est[k].estimate - truth[k] for k in est])
    raw_err = np.array([est[k].raw - truth[k] for k in est if math.isfinite(est[k].raw)])
    cover = np.mean([est[k].lo <= truth[k] <= est[k].hi for k in est])
    raw_cover = np.mean(
        [abs(est[k].raw - truth[k]) <= 1.96 * est[k].raw_se for k in est if math.isfinite(est[k].raw)]
    )

    vol = np.array([est[k].weekly_qty for k in est])
    hit = np.array([est[k].lo <= truth[k] <= est[k].hi for k in est])
    edges = np.quantile(vol, [0, 1 / 3, 2 / 3, 1])
    by_volume = [
        {
            "weekly_qty": [round(float(edges[i]), 1), round(float(edges[i + 1]), 1)],
            "mae_shrunk": float(np.mean(np.abs(err[m]))),
            "bias_shrunk": float(np.mean(err[m])),
            "coverage_95_shrunk": float(np.mean(hit[m])),
        }
        for i in range(3)
        if (m := (vol >= edges[i]) & ((vol < edges[i + 1]) if i < 2 else (vol <= edges[i + 1]))).any()
    ]

    return {
        "mae_shrunk": float(np.mean(np.abs(err))),
        "rmse_shrunk": float(np.sqrt(np.mean(err**2))),
        "mae_raw": float(np.mean(np.abs(raw_err))),
        "rmse_raw": float(np.sqrt(np.mean(raw_err**2))),
        "coverage_95_shrunk": float(cover),
        "coverage_95_raw": float(raw_cover),
        "raw_identified": int(raw_err.size),
        "estimate_seconds": round(t_est, 3),
        "by_volume_tercile": by_volume,
    }


def market(data: Path, products: int, categories: int, seed: int, stockout: float = 0.0) -> dict[str, object]:
    """The simulated history: products with known elasticities, their weekly sales and stock.

    ``stockout`` > 0 turns on stock-outs: each week a product's stock is ``U(0.6, 1.6) x`` its
    expected demand at the list price (so a cut price sells out more often: stock-outs correlate with
    price), sales stop when it runs out (``min(demand, stock)``; the in-stock days are the share of
    the week before that), and with probability ``stockout`` a week has no stock at all (a supplier
    gap: no sale that week). Daily stock snapshots (item_id, date, stock) are what a shop's
    inventory history would give the estimator.
    """
    rng = np.random.default_rng(seed)
    prods, season_hist = calibrate(data, products, rng)
    season = np.concatenate([season_hist, season_hist[:H]])  # the next half year repeats last year's
    cat_mu = rng.uniform(-3.5, -1.6, categories)
    start = dt.datetime(2024, 1, 1, 12)
    rows, truth, terms, snaps = [], {}, {}, []
    for k, pr in enumerate(prods):
        cat = f"cat{k % categories}"
        b = float(cat_mu[k % categories] + rng.normal(0, 0.35))
        pid = f"p{k}"
        pr.update(pid=pid, cat=cat, b=b, cost=round(pr["p0"] * rng.uniform(0.35, 0.6), 2))
        pr["competitor"] = round(pr["p0"] * rng.uniform(0.9, 1.3), 2)
        truth[pid] = b
        terms[pid] = ProductTerms(
            cost=pr["cost"], floor=round(pr["p0"] * 0.5, 2), competitor_price=pr["competitor"]
        )
        promo = rng.random(T_HIST) < 0.08
        promo[-1] = False
        srng = np.random.default_rng([seed, k, 7])  # stock draws apart: stockout=0 keeps the old market
        for t in range(T_HIST):
            p = pr["p0"] * pr["rel"][t] * (PROMO_CUT if promo[t] else 1.0)
            p = pr["p0"] if t == T_HIST - 1 else round(p, 2)  # the current price = p0
            lam = demand(p, pr["p0"], pr["q0"], b, season[t], bool(promo[t])) * rng.lognormal(-0.02, 0.2)
            q = int(rng.poisson(lam))
            days_in = 7
            if stockout > 0 and t < T_HIST - 1:
                gap = srng.random() < stockout
                stock = 0 if gap else int(srng.uniform(0.6, 1.6) * pr["q0"] * season[t])
                if q > stock:  # sold out: the week's sales stop at the stock, the rest is out of stock
                    days_in = math.floor(7 * stock / q)  # whole days with stock left in the evening
                    q = stock
                for d in range(7):  # end-of-day stock snapshots, as a shop's inventory export has them
                    day = (start + dt.timedelta(weeks=t, days=d)).date()
                    snaps.append((pid, day, 1 if d < days_in else 0))
            if q > 0:
                rows.append((pid, start + dt.timedelta(weeks=t), q, p, bool(promo[t]), cat))
    ev = pl.DataFrame(
        rows, schema=["item_id", "timestamp", "quantity", "price", "promo", "category"], orient="row"
    ).with_columns(pl.lit("purchase").alias("type"))
    stock = pl.DataFrame(snaps, schema=["item_id", "date", "stock"], orient="row") if snaps else None
    return {"prods": prods, "season": season, "truth": truth, "terms": terms, "events": ev, "stock": stock}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=300)
    ap.add_argument("--categories", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--stockout",
        type=float,
        default=0.0,
        help="share of weeks with no stock (and stock ~ demand: sell-outs); 0 = no stock-outs",
    )
    ap.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared/data/online-retail/online_retail.csv.gz"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/pricing_sim.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    mk = market(args.data, args.products, args.categories, args.seed, args.stockout)
    rng = np.random.default_rng([args.seed, 1])
    prods, season, truth, terms, ev = mk["prods"], mk["season"], mk["truth"], mk["terms"], mk["events"]
    g = Guardrails.from_mapping(
        {"min_margin": 0.2, "max_change": 0.10, "ending": "9", "competitor_max_ratio": 1.10, "ceiling": 1e6}
    )
    cats = ev.select("item_id", "category").unique()
    obs = weekly_observations(ev, cats, promo="promo", stock=mk["stock"])
    models = {}
    if mk["stock"] is not None:  # what ignoring the stock history would have estimated
        blind = {e.item_id: e for e in estimate(weekly_observations(ev, cats, promo="promo"), level=0.95)}
        models["loglog_ignoring_stock"] = _accuracy(blind, truth, 0.0)
    for model in ("poisson", "loglog"):  # the default (loglog) last: its estimates drive the suggestions
        t1 = time.perf_counter()
        est = {e.item_id: e for e in estimate(obs, level=0.95, model=model)}
        t_est = time.perf_counter() - t1
        models[model] = _accuracy(est, truth, t_est)
        est80 = estimate(obs, level=0.80, model=model)
        models[model]["coverage_80_shrunk"] = float(
            np.mean([e.lo <= truth[e.item_id] <= e.hi for e in est80])
        )

    prof = {"fixed": 0.0, "suggested": 0.0, "thompson": 0.0, "oracle": 0.0}
    per_uplift, checked, changed, kept_reasons = [], 0, 0, {}
    for pr in prods:
        pid, p0, q0, b, c = pr["pid"], pr["p0"], pr["q0"], pr["b"], pr["cost"]
        e, tm = est[pid], terms[pid]
        fut = season[T_HIST : T_HIST + H]
        fixed = sum((p0 - c) * demand(p0, p0, q0, b, s, False) for s in fut)
        # suggested: re-run every PERIOD weeks from the current price, same posterior
        cur, sug = p0, 0.0
        for t in range(H):
            if t % PERIOD == 0:
                s = suggest_one(replace(e, price=cur), g, tm)
                checked += 1
                if s.action == "change":
                    changed += 1
                    assert not violations(s.suggested_price, cur, c, tm, g), (pid, s)
                    cur = s.suggested_price
                else:
                    key = s.reason.split(":")[0]
                    kept_reasons[key] = kept_reasons.get(key, 0) + 1
            sug += (cur - c) * demand(cur, p0, q0, b, fut[t], False)
        # oracle: true b, same steps and guardrails
        cur, orc = p0, 0.0
        for t in range(H):
            if t % PERIOD == 0:
                known = replace(e, price=cur, estimate=b, se=0.0, lo=b, hi=b)
                o = suggest_one(known, replace(g, min_gain=0.0), tm)
                cur = o.suggested_price
            orc += (cur - c) * demand(cur, p0, q0, b, fut[t], False)
        # Thompson sampling over price arms inside the static guardrails
        floor = max(tm.floor or 0, c / (1 - g.min_margin))
        top = tm.competitor_price * g.competitor_max_ratio
        arms = sorted({float(a[0]) for f in (0.8, 0.9, 1.0, 1.1, 1.2)
                       if (a := candidates(max(floor, p0 * f * 0.97), min(top, p0 * f * 1.03), g.ending)).size})  # fmt: skip
        arms = arms or [p0]
        alpha, beta = np.ones(len(arms)) * 1.0, np.ones(len(arms)) / max(e.weekly_qty, 1.0)
        ts = 0.0
        for t in range(H):
            draw = rng.gamma(alpha, 1.0 / beta)
            a = int(np.argmax([(arms[i] - c) * draw[i] for i in range(len(arms))]))
            lam = demand(arms[a], p0, q0, b, fut[t], False)
            ts += (arms[a] - c) * lam
            alpha[a] += rng.poisson(lam * rng.lognormal(-0.02, 0.2))
            beta[a] += 1.0
        for k, v in (("fixed", fixed), ("suggested", sug), ("oracle", orc), ("thompson", ts)):
            prof[k] += v
        per_uplift.append(sug / fixed - 1)
    res = {
        "date": dt.date.today().isoformat(),
        "command": f"python bench/pricing_sim.py --products {args.products} --seed {args.seed}"
        + (f" --stockout {args.stockout}" if args.stockout else ""),
        "stockout": args.stockout,
        "products": len(prods),
        "history_weeks": T_HIST,
        "horizon_weeks": H,
        "elasticity": models,
        "suggestions_from": "loglog",
        "profit": {k: round(v, 2) for k, v in prof.items()},
        "uplift_vs_fixed": {
            k: float(prof[k] / prof["fixed"] - 1) for k in ("suggested", "thompson", "oracle")
        },
        "suggested_share_of_oracle_uplift": float(
            (prof["suggested"] - prof["fixed"]) / max(prof["oracle"] - prof["fixed"], 1e-9)
        ),
        "median_product_uplift_suggested": float(np.median(per_uplift)),
        "products_worse_than_fixed": int(sum(u < -1e-9 for u in per_uplift)),
        "suggestions_checked": checked,
        "suggestions_changed": changed,
        "guardrail_violations": 0,  # asserted above: any violation stops the run
        "kept_reasons": kept_reasons,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(res, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
