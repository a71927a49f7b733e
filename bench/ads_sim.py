"""Sponsored placements on Home Depot queries (issue 16 item 2): platform revenue vs relevance loss, pacing.

The market:

- **Organic list**: bm25s (defaults, English stop words) over product titles, top 100 with scores,
  for a fixed pseudo-random sample of the judged queries (``select_queries``).
- **True clicks** (position-based model): ``P(click) = theta[r] x alpha(query, product)`` with
  ``theta[r] = 1 / (r + 1)`` and ``alpha = 0.02 + 0.5 x ((grade - min) / (max - min))^2`` from the
  query's graded judgment (unjudged = 0.02, as NDCG counts them 0).
- **Predicted CTR**: ``shopmind.ads.PositionClickModel`` learnt from a warm-up log of organic top-10
  impressions with simulated clicks (``--warmup`` passes over the queries), so quality is per product
  and noisy, as it would be in a shop; it never sees the grades.
- **Campaigns**: ``--campaigns`` brands (first word of a title) drawn from those the organic top 20
  shows most; each advertises its up to 20 most-retrieved products, buys the 6 commonest words of
  the queries that retrieve them as keywords, bids log-normally around 0.5.

Part 1 (sweep, no budgets): for each relevance floor x slot layout, every sampled query runs the
auction once; revenue per query is the *expected* GSP spend (sum over sponsored slots of true click
probability x price), relevance is NDCG@10 of the blended list vs the organic list on the judgments.
Part 2 (a simulated day): at the best setting with <= 2 % relevance loss, budgets are set below each
campaign's unthrottled daily demand (``--budget-share`` of it, so pacing binds), ``--arrivals``
searches arrive along a diurnal traffic curve, clicks are drawn from the true model and charged at the
GSP price (reserve ``--reserve`` per click); the pacer gets the traffic curve as its forecast.
A campaign counts as budget-limited when its budget buys >= 50 expected clicks below its demand;
the others get a budget they can not reach. The same day runs again with only the hard budget stop
(no throttling) as the baseline. Reported: overspend, share of budget
spent and evenness (largest gap between the cumulative spend share and the traffic curve).

    python bench/ads_sim.py --queries 2000 --campaigns 150 --arrivals 60000 --seed 0
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np

from shopmind.ads import (
    Auction,
    AuctionSettings,
    Pacer,
    PositionClickModel,
    cumulative_shape,
    default_theta,
    evenness,
    parse_campaigns,
)
from shopmind.search.evaluate import load_dataset, select_queries
from shopmind.search.metrics import ndcg_at_k

ROOT = Path(__file__).resolve().parents[1]
THETA = default_theta(100, eta=1.0)
FLOORS = (0.0, 0.3, 0.5, 0.7, 0.85)
LAYOUTS = {
    "1@1": (1, (0,)),
    "1@3": (1, (2,)),
    "2@1,5": (2, (0, 4)),
    "2@3,7": (2, (2, 6)),
    "3@1,5,9": (3, (0, 4, 8)),
}
#: Diurnal e-commerce traffic: a night trough and an evening peak (hourly weights, UTC).
HOURLY = [
    0.3,
    0.2,
    0.15,
    0.12,
    0.12,
    0.2,
    0.4,
    0.7,
    0.9,
    1.0,
    1.05,
    1.1,
    1.15,
    1.1,
    1.05,
    1.05,
    1.1,
    1.2,
    1.4,
    1.6,
    1.7,
    1.5,
    1.0,
    0.6,
]
STOP = {"and", "with", "for", "the", "in", "of", "to", "x", "ft", "in.", "pack", "white", "black"}


def organic_lists(data, queries: list[str], depth: int) -> dict[str, list[tuple[str, float]]]:
    """bm25s over titles: each query's top ``depth`` products with their scores (score > 0)."""
    import bm25s

    ids = data.products["product_id"].to_list()
    titles = [t or "" for t in data.products["title"].to_list()]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(titles, stopwords="en", show_progress=False), show_progress=False)
    out: dict[str, list[tuple[str, float]]] = {}
    for q in queries:
        tokens = bm25s.tokenize([q], stopwords="en", return_ids=False, show_progress=False)[0]
        if not tokens:
            out[q] = []
            continue
        docs, scores = retriever.retrieve([tokens], k=depth, show_progress=False)
        out[q] = [(ids[d], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
    return out


def make_campaigns(data, organic, n: int, rng: np.random.Generator) -> list[dict]:
    """Synthetic campaigns of real brands over real retrieved products.

    Advertisers are the brands the organic top 20 shows most often (``n`` drawn from the top ``3n``);
    each advertises its up to 20 most-retrieved products and buys the 6 commonest words of the
    queries that retrieve them (what a search-term report would suggest).
    """
    title = dict(zip(data.products["product_id"].to_list(), data.products["title"].to_list(), strict=True))

    def brand_of(p: str) -> str | None:
        words = (title[p] or "").split()
        return words[0] if words and re.fullmatch(r"[A-Za-z][A-Za-z-]+", words[0]) else None

    seen: dict[str, Counter[str]] = {}
    words: dict[str, Counter[str]] = {}
    for q, lst in organic.items():
        qwords = {w for w in re.findall(r"[a-z]{3,}", q.lower()) if w not in STOP}
        for p, _ in lst[:20]:
            b = brand_of(p)
            if b:
                seen.setdefault(b, Counter())[p] += 1
                words.setdefault(b, Counter()).update(qwords)
    ranked = sorted(seen, key=lambda b: (-sum(seen[b].values()), b))[: 3 * n]
    chosen = sorted(rng.choice(len(ranked), size=min(n, len(ranked)), replace=False))
    out = []
    for i in chosen:
        brand = ranked[i]
        kws = [w for w, _ in words[brand].most_common(7) if w != brand.lower()][:6]
        out.append(
            {
                "id": f"c-{brand.lower()}"[:64],
                "advertiser": brand,
                "brand": brand,
                "products": [p for p, _ in seen[brand].most_common(20)],
                "keywords": kws,
                "bid": round(float(0.5 * rng.lognormal(0, 0.5)), 2) + 0.01,
                "daily_budget": 1e9,  # set in part 2 from the campaign's demand
            }
        )
    return out


def simulate_day(
    auction, pacers, queries, organic, times, picks, alpha, data, base, limited, cum, nd_org, rng
):
    """One day of searches through the auction with these pacers; clicks charged at the GSP price."""
    spend_t: dict[str, list[float]] = {c: [] for c in pacers}
    spend_a: dict[str, list[float]] = {c: [] for c in pacers}
    revenue, nd = 0.0, []
    t0 = time.perf_counter()
    for t, qi in zip(times, picks, strict=True):
        q = queries[qi]
        res = auction.run(q, organic[q], pacers=pacers, t=float(t), draw=rng.random)
        for pl in res.placements:
            if rng.random() < THETA[pl.position] * alpha(q, pl.product_id):
                pacers[pl.campaign_id].charge(pl.price)
                spend_t[pl.campaign_id].append(float(t))
                spend_a[pl.campaign_id].append(pl.price)
                revenue += pl.price
        if base[q] is not None:
            nd.append(ndcg_at_k(res.ids(), data.qrels[q], 10, data.min_grade))
    seconds = time.perf_counter() - t0
    over = [p.spent / p.budget - 1 for p in pacers.values()]
    shares = [pacers[c].spent / pacers[c].budget for c in limited]
    even = [evenness(spend_t[c], spend_a[c], cum) for c in limited]
    pooled = evenness(
        [t for c in limited for t in spend_t[c]],
        [a / pacers[c].budget for c in limited for a in spend_a[c]],
        cum,
    )
    return {
        "revenue_per_query": revenue / len(times),
        "relevance_loss": 1 - float(np.mean(nd)) / nd_org,
        "max_overspend": float(max(over)),
        "campaigns_overspent_over_1pct": int(sum(o > 0.01 for o in over)),
        "spend_share_min": float(min(shares)) if shares else None,
        "spend_share_mean": float(np.mean(shares)) if shares else None,
        "campaigns_spending_ge_95pct": int(sum(s >= 0.95 for s in shares)),
        "evenness_ks_median": float(np.nanmedian(even)) if even else None,
        "evenness_ks_max": float(np.nanmax(even)) if even else None,
        "evenness_ks_pooled": pooled,
        "clicks_per_limited_campaign_median": float(np.median([len(spend_a[c]) for c in limited]))
        if limited
        else None,
        "seconds": round(seconds, 2),
        "us_per_auction": round(seconds / len(times) * 1e6, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/home-depot")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--campaigns", type=int, default=150)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--arrivals", type=int, default=60000)
    ap.add_argument("--budget-share", type=float, default=0.5)
    ap.add_argument("--reserve", type=float, default=0.2, help="minimum price per click")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/ads_sim.json")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    data = load_dataset("home-depot", args.data)
    queries = select_queries(data.qrels, args.queries)
    organic = organic_lists(data, queries, 100)
    span = data.max_grade - data.min_grade

    def alpha(q: str, p: str) -> float:
        g = data.qrels[q].get(p)
        return 0.02 if g is None else 0.02 + 0.5 * ((g - data.min_grade) / span) ** 2

    # Warm-up: organic top-10 impressions with simulated clicks train the click model.
    log = []
    for _ in range(args.warmup):
        for q in queries:
            for r, (p, _) in enumerate(organic[q][:10]):
                log.append((p, r, bool(rng.random() < THETA[r] * alpha(q, p))))
    prior = sum(c for *_, c in log) / max(1.0, sum(THETA[r] for _, r, _ in log))
    clicks = PositionClickModel(theta=THETA, prior_ctr=prior, prior_strength=10)
    clicks.observe(log)
    raw = make_campaigns(data, organic, args.campaigns, rng)
    campaigns = parse_campaigns(raw)
    t_setup = time.perf_counter() - t0

    base = {q: ndcg_at_k([p for p, _ in organic[q]], data.qrels[q], 10, data.min_grade) for q in queries}
    judged = [q for q in queries if base[q] is not None]
    ndcg_org = float(np.mean([base[q] for q in judged]))

    # ------------------------------------------------------------ part 1: the sweep
    sweep = []
    t1 = time.perf_counter()
    for floor in FLOORS:
        for name, (slots, positions) in LAYOUTS.items():
            auction = Auction(
                campaigns,
                clicks,
                AuctionSettings(floor=floor, max_slots=slots, positions=positions, reserve=args.reserve),
            )
            revenue, ad_clicks, shown, filled, nd = 0.0, 0.0, 0, 0, []
            for q in queries:
                res = auction.run(q, organic[q])
                shown += len(res.placements)
                filled += bool(res.placements)
                for pl in res.placements:
                    pc = THETA[pl.position] * alpha(q, pl.product_id)
                    revenue += pc * pl.price
                    ad_clicks += pc
                if base[q] is not None:
                    nd.append(ndcg_at_k(res.ids(), data.qrels[q], 10, data.min_grade))
            ndcg_b = float(np.mean(nd))
            sweep.append(
                {
                    "floor": floor,
                    "layout": name,
                    "revenue_per_query": revenue / len(queries),
                    "ad_clicks_per_query": ad_clicks / len(queries),
                    "ads_per_query": shown / len(queries),
                    "fill_rate": filled / len(queries),
                    "ndcg10_blended": ndcg_b,
                    "relevance_loss": 1 - ndcg_b / ndcg_org,
                }
            )
    t_sweep = time.perf_counter() - t1
    ok = [s for s in sweep if s["relevance_loss"] <= 0.02]
    best = max(ok, key=lambda s: s["revenue_per_query"]) if ok else None
    top = max(sweep, key=lambda s: s["revenue_per_query"])

    # ------------------------------------------------------------ part 2: a simulated day with budgets
    day: dict[str, object] = {}
    if best is not None:
        slots, positions = LAYOUTS[best["layout"]]
        settings = AuctionSettings(
            floor=best["floor"], max_slots=slots, positions=positions, reserve=args.reserve
        )
        auction = Auction(campaigns, clicks, settings)
        demand: Counter[str] = Counter()  # expected unthrottled spend per query, per campaign
        demand_clicks: Counter[str] = Counter()
        for q in queries:
            for pl in auction.run(q, organic[q]).placements:
                pc = THETA[pl.position] * alpha(q, pl.product_id)
                demand[pl.campaign_id] += pc * pl.price
                demand_clicks[pl.campaign_id] += pc
        cum = cumulative_shape(HOURLY)
        budgets, limited = {}, set()
        for c in campaigns:
            daily = demand[c.id] / len(queries) * args.arrivals
            share = args.budget_share * rng.uniform(0.6, 1.4)
            if (
                daily * share >= 30 * c.bid
            ):  # enough clicks for a budget to bind and evenness to mean something
                budgets[c.id] = daily * share
                limited.add(c.id)
            else:
                budgets[c.id] = max(20 * c.bid, daily * 2)  # demand-limited: the budget can not bind
        campaigns_day = parse_campaigns([{**r, "daily_budget": round(budgets[r["id"]], 2)} for r in raw])
        auction = Auction(campaigns_day, clicks, settings)
        times = np.sort(np.interp(rng.random(args.arrivals), cum, np.arange(25)) / 24)
        picks = rng.integers(0, len(queries), args.arrivals)
        nd_org = float(np.mean([base[queries[qi]] for qi in picks if base[queries[qi]] is not None]))
        day = {
            "setting": {"floor": best["floor"], "layout": best["layout"]},
            "arrivals": args.arrivals,
            "campaigns": len(campaigns_day),
            "budget_limited_campaigns": len(limited),
        }
        for mode in ("paced", "hard_stop_only"):
            pacers = {
                c.id: Pacer(budget=c.daily_budget, bid=c.bid, cum=cum, throttle=mode == "paced")
                for c in campaigns_day
            }
            day[mode] = simulate_day(
                auction,
                pacers,
                queries,
                organic,
                times,
                picks,
                alpha,
                data,
                base,
                limited,
                cum,
                nd_org,
                np.random.default_rng(args.seed + 1),
            )

    out = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python bench/ads_sim.py "
        + f"--queries {args.queries} --campaigns {args.campaigns} --arrivals {args.arrivals} "
        + f"--reserve {args.reserve} --budget-share {args.budget_share} --seed {args.seed}",
        "queries": len(queries),
        "judged_queries": len(judged),
        "campaigns": len(campaigns),
        "ndcg10_organic": ndcg_org,
        "warmup_impressions": len(log),
        "sweep": sweep,
        "best_within_2pct": best,
        "best_unconstrained": top,
        "day": day,
        "seconds": {"setup": round(t_setup, 1), "sweep": round(t_sweep, 1)},
    }
    print(
        f"{len(queries)} queries ({len(judged)} judged), {len(campaigns)} campaigns, organic NDCG@10 {ndcg_org:.4f}"
    )
    print(f"{'floor':>5} {'layout':>8} {'rev/q':>8} {'ads/q':>6} {'fill':>6} {'NDCG@10':>8} {'loss':>7}")
    for s in sweep:
        print(
            f"{s['floor']:>5} {s['layout']:>8} {s['revenue_per_query']:>8.4f} {s['ads_per_query']:>6.2f} "
            f"{s['fill_rate']:>6.2f} {s['ndcg10_blended']:>8.4f} {s['relevance_loss']:>7.2%}"
        )
    print("best with <= 2 % loss:", best)
    print("day:", json.dumps(day, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    print("saved", args.out)


if __name__ == "__main__":
    main()
