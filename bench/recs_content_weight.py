"""Recommendations: how much to trust the content neighbours where an item has behaviour.

Why: with the served ``RecommendationService`` defaults, no content neighbours at all scored
best on almost every validation metric of the demo shop and Online Retail, most in "similar
items" on Online Retail (hit@10 0.458 without content lists, 0.258 with the search's e5 ones;
bench/recs_content_source.py, session 24). The content lists exist for items nobody has
interacted with yet; a production engine (Gorse: candidate -> rank -> fallback) uses
co-visitation where an item has interactions and content to fill in. Where content enters
today (session 25, read from the code): ``for_user`` and ``for_session`` fuse the content list
(neighbours of the visitor's last 10 items, recency-weighted) by reciprocal rank at weight
0.5 beside co-visitation 2.0 (ALS 1.0, trending / category popularity 0.3, popularity 0.1);
``similar_items`` fuses it at 0.7 beside co-visitation 1.0, and co-visitation neighbours pass
only if "alike" (``_alike``: same top category, or a content cosine at least that of the item's
10th content neighbour) — on a shop without categories (Online Retail) that drops every
co-visitation neighbour less alike than the 10th content neighbour. The LightGBM ranker is off
by default and never sees content (its generators are ``[recs] generators`` only).

Candidates, each measured alone against ``default`` (the served defaults of session 24 with
the search's e5 product vectors as content, ``[recs] encoder = "search"``; after the decision
the service's own defaults changed, so this bench sets the session-24 ones explicitly):

- ``a-k0``, ``a-k3``, ``a-k30`` (``content_behaviour_k``): each recent item's content
  neighbours get ``1 / (1 + users / k)`` of the content list's weight (users = distinct
  shoppers with the item before the cut; k = 0: full weight only for items nobody touched,
  else a floor that only fills slots behaviour leaves empty). k is chosen on validation
  among these three (the largest mean similar hit@10 gain among those that pass).
- ``b-shop`` (content weight per shop): the content lists' weights in all three views scaled
  by s in {0, 0.5, 1, 2}, s chosen on an inner time split of the phase's own fit events (the
  evaluator's time split applied to them: as a build could, on the shop's events only) by the
  mean hit@10 of the three views; the chosen s is then judged on the phase like the others.
- ``c-rank50``: ``similar_content_rank = 50`` (a co-visitation neighbour is "alike" if it reads
  as alike as the 50th content neighbour: the whole kept list instead of the 10th).
- ``c-category``: the content cosine vetoes a co-visitation neighbour only when both items have
  a top category and they differ (what ``similar_content_rank``'s docstring says it does); a
  shop without categories keeps its co-visitation neighbours.
- ``c-category+a-k0`` (a combination, added after the candidates alone were measured: only
  ``b-shop`` passed alone — ``c-*`` gain nothing on the categorised demo shop, ``a-k*`` nothing
  on the shops without categories): judged by the same rule.
- ``none`` (for information only): no content neighbours.
- ``served`` (a check after the decision): the service's own defaults as they are now.

Measures (``recs_content_source.evaluate``: the evaluator's time split, warm customers,
relevant = distinct items bought in the phase's period): ``user`` = for_user(k=20), ``session``
= for_session of the last 10 events (k=20), ``similar`` = similar_items of the last item (k=10);
recall@20, ndcg@20, hit@10 (similar: recall@10, hit@10). **Cold items** (leave-items-out): a
seeded 20 % of the items with events before the cut (and product text) lose all their events
before the cut; the service is refitted without them and the customers whose last item is one
of them are scored on the same three views (their recent events still name those items, which
are now cold: no co-visitation, no ALS factor — only content neighbours and popularity). For
information, ``few``: the similar view of the customers whose last item had <= 5 shoppers.

**The rule (written before any candidate's figure):** on the validation phase of every dataset
with product text and purchases (demo shop seed 42, Online Retail, Groceries; Amazon Beauty's
S3-Rec file has no text, MovieLens has no purchases, Home Depot no events), a candidate is
adopted only if (1) it gains on the similar-items view: its similar hit@10 is above
``default``'s on every dataset, by more than the paired SE on at least one; (2) no metric of
any view on any dataset is worse than ``default``'s by more than ``default``'s SE (per-user sd /
sqrt(users)); (3) cold items do not lose: no metric of any view of the cold measure on any
dataset is worse than ``default``'s by more than ``default``'s SE. If several pass, the one with
the largest mean similar hit@10 gain over the datasets is adopted (a combination would be a new
candidate, judged by the same rule). The test phase is run once after the decision, reported
only.

    python bench/recs_content_weight.py --dataset demo --phase valid
    python bench/recs_content_weight.py --dataset online-retail --phase valid
    python bench/recs_content_weight.py --dataset groceries --phase valid
    python bench/recs_content_weight.py --dataset online-retail --phase test --variants default,<adopted>
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
import types
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recs_content_source import content_vectors, evaluate, load, summarise  # noqa: E402
from shopmind.config import GateConfig  # noqa: E402
from shopmind.data.adapters import get_adapter  # noqa: E402
from shopmind.quality.gate import run_gate  # noqa: E402
from shopmind.recommend.content import ContentIndex, top_neighbours  # noqa: E402
from shopmind.recommend.explore import Explorer  # noqa: E402
from shopmind.recommend.protocols import make_split, time_cuts  # noqa: E402
from shopmind.recommend.service import RecommendationService, RecsConfig  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SHOPMIND_DATA", ROOT.parent / "shared" / "data"))
VARIANTS = (
    "default",
    "none",
    "a-k0",
    "a-k3",
    "a-k30",
    "b-shop",
    "c-rank50",
    "c-category",
    "c-category+a-k0",
    "served",
)
SCALES = (0.0, 0.5, 1.0, 2.0)
COLD_SHARE, FEW_USERS = 0.2, 5


def load_any(dataset: str, work: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``recs_content_source.load`` plus Groceries (item names as product text)."""
    if dataset != "groceries":
        return load(dataset, work)
    gate = run_gate(
        get_adapter("groceries").load(DATA / "groceries" / "Groceries_dataset.csv"), GateConfig(), None
    )
    return gate.tables["products"].accepted, gate.tables["events"].accepted


def alike_every_neighbour(self: RecommendationService, i: int, cand: np.ndarray) -> np.ndarray:
    """``_alike`` as served before session 25 (the ``default`` here): same top category, or a
    content cosine at least that of ``i``'s n-th content neighbour; all pass only with neither."""
    top = self.catalog.top_code
    ok = np.zeros(len(cand), dtype=bool)
    checked = False
    if top[i] >= 0:
        ok |= top[cand] == top[i]
        checked = True
    content = self.content
    if content is not None and content.vectors[i].any():
        _, sims = content.similar(i, self.config.similar_content_rank)
        if len(sims):
            ok |= content.vectors[cand] @ content.vectors[i] >= float(sims[-1])
            checked = True
    return ok if checked else np.ones(len(cand), dtype=bool)


def alike_other_category(self: RecommendationService, i: int, cand: np.ndarray) -> np.ndarray:
    """``c-category``: a co-visitation neighbour is vetoed only when both items have a top
    category and they differ and it does not read as alike as the n-th content neighbour."""
    top = self.catalog.top_code
    ok = ~((top[i] >= 0) & (top[cand] >= 0) & (top[cand] != top[i]))
    content = self.content
    if content is not None and content.vectors[i].any() and not ok.all():
        _, sims = content.similar(i, self.config.similar_content_rank)
        if len(sims):
            ok |= content.vectors[cand] @ content.vectors[i] >= float(sims[-1])
    return ok


def scaled(service: RecommendationService, s: float) -> Callable[..., Mapping[str, float]]:
    """``b-shop``: the content list's fusion weight times ``s`` in every view."""
    base = type(service)._content_weighted.__get__(service)

    def weighted(weights: Mapping[str, float], recent: list[tuple[int, str, float]]) -> Mapping[str, float]:
        w = dict(base(weights, recent))
        if "content" in w:
            w["content"] = w["content"] * s
        return w

    return weighted


def apply(
    service: RecommendationService, variant: str, base: RecsConfig, content: ContentIndex, s: float = 1.0
) -> None:
    """Set ``service`` up as ``variant`` (config, content, patched methods), undoing the last one."""
    for name in ("_alike", "_content_weighted"):
        service.__dict__.pop(name, None)
    changes: dict[str, Any] = {}
    parts = variant.split("+")  # a combination of candidates: "c-category+a-k0"
    for part in parts:
        if part.startswith("a-k"):
            changes["content_behaviour_k"] = float(part[3:])
        if part == "c-rank50":
            changes["similar_content_rank"] = 50
    service.config = dataclasses.replace(base, **changes)
    service.content = None if "none" in parts else content
    if "served" in parts:  # the service's own defaults as they are now (no patch)
        service.config = RecsConfig(encoder=None)
    # every variant starts from the same exploration state: the Thompson-sampling slot's draws
    # and impressions otherwise carry over from the variants evaluated before it
    service.explorer = Explorer(service.config.explore_share, seed=service.config.seed)
    if "served" in parts:
        return
    alike = alike_other_category if "c-category" in parts else alike_every_neighbour
    service._alike = types.MethodType(alike, service)  # type: ignore[method-assign]
    if "b-shop" in parts and s != 1.0:
        service._content_weighted = scaled(service, s)  # type: ignore[method-assign]


def fitted(
    products: pl.DataFrame, fit: pl.DataFrame, cache: Path
) -> tuple[RecommendationService, ContentIndex]:
    """The service served before session 25 (``content_behaviour_k`` unset; ``apply`` sets the
    old ``_alike``) on ``fit`` with the search's e5 product vectors as content."""
    service = RecommendationService.fit(products, fit, RecsConfig(encoder=None, content_behaviour_k=None))
    vec = content_vectors(service, products, "e5-search", cache)
    return service, ContentIndex(vec, *top_neighbours(vec, service.config.content_neighbours), "e5-search")


def anchors(fit: pl.DataFrame) -> dict[str, str]:
    """Each user's last item before the cut, as ``recs_content_source.evaluate`` takes it."""
    last = (fit.filter(pl.col("user_id").is_not_null() & pl.col("item_id").is_not_null())
            .with_columns(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8))
            .sort("timestamp").group_by("user_id", maintain_order=True).tail(10))  # fmt: skip
    return {u: g["item_id"][-1] for (u,), g in last.partition_by("user_id", as_dict=True).items()}


def choose_scale(products: pl.DataFrame, fit: pl.DataFrame, cache: Path) -> tuple[float, dict[str, float]]:
    """``b-shop``'s s: the evaluator's time split of the phase's own fit events, the mean hit@10
    of the three views at each s in ``SCALES``; the best s (ties: the smaller change from 1)."""
    inner = make_split("time", fit).valid
    inner_fit = fit.filter(pl.col("timestamp") < time_cuts(fit)[1].astimezone(UTC))
    service, content = fitted(products, inner_fit, cache)
    base = service.config
    score = {}
    for s in SCALES:
        apply(service, "b-shop", base, content, s)
        vals = evaluate(service, inner, inner_fit)
        score[str(s)] = float(np.mean([np.mean(vals[v]["hit@10"]) for v in ("user", "session", "similar")]))
    best = max(SCALES, key=lambda s: (round(score[str(s)], 6), -abs(s - 1.0)))
    return best, score


def compare(per: dict[str, dict[str, dict[str, list[float]]]], ref: str = "default") -> dict[str, Any]:
    """Per candidate and metric: difference from ``ref``, ``ref``'s SE, the paired SE."""
    out: dict[str, Any] = {}
    for name, values in per.items():
        if name == ref:
            continue
        out[name] = {}
        for view, ms in per[ref].items():
            for m, xs in ms.items():
                a, b = np.asarray(xs), np.asarray(values[view][m])
                if not len(a):
                    continue
                d = b - a
                se = float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) > 1 else 0.0
                pse = float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else 0.0
                out[name][f"{view}/{m}"] = {"diff": round(float(d.mean()), 5), "ref_se": round(se, 5),
                                            "paired_se": round(pse, 5), "worse_than_se": bool(d.mean() < -se)}  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True, choices=("demo", "online-retail", "groceries"))
    ap.add_argument("--phase", default="valid", choices=("valid", "test"))
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--work", type=Path, default=Path("/tmp/recs_content_source"))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    variants = args.variants.split(",")
    if "default" not in variants:
        variants.insert(0, "default")
    args.work.mkdir(parents=True, exist_ok=True)
    cache = args.work / "cache"
    products, events = load_any(args.dataset, args.work)
    split = make_split("time", events)
    phase = split.valid if args.phase == "valid" else split.test
    test_cut, valid_cut = time_cuts(events)
    cut = (valid_cut if args.phase == "valid" else test_cut).astimezone(UTC)
    fit = events.filter(pl.col("timestamp") < cut)  # every event type, as a build fits them
    print(f"{args.dataset} {args.phase}: {fit.height} events fitted (< {cut}), load {os.getloadavg()[0]:.1f}")
    chosen_s, inner = 1.0, {}
    if any("b-shop" in v for v in variants):
        chosen_s, inner = choose_scale(products, fit, cache)
        print(f"b-shop: s = {chosen_s} chosen on the inner split {inner}")

    # the cold measure: a seeded share of the items with events (and text) lose their events
    service, content = fitted(products, fit, cache)
    base = service.config
    with_events = sorted(set(fit["item_id"].drop_nulls().cast(pl.Utf8).to_list()))
    texted = {str(service.catalog.ids[i]) for i in range(len(service.catalog)) if content.vectors[i].any()}
    pool = [i for i in with_events if i in texted]
    rng = np.random.default_rng(0)
    held = set(rng.choice(pool, size=int(COLD_SHARE * len(pool)), replace=False).tolist())
    anchor = anchors(fit)
    truth_users = set(phase.truth["user_id"].cast(pl.Utf8).to_list())
    cold_users = sorted(u for u in truth_users if anchor.get(u) in held)
    cold_phase = types.SimpleNamespace(
        truth=phase.truth.filter(pl.col("user_id").cast(pl.Utf8).is_in(cold_users))
    )
    cold_fit = fit.filter(~pl.col("item_id").cast(pl.Utf8).is_in(list(held)))
    cold_service, cold_content = fitted(products, cold_fit, cache)
    cold_base = cold_service.config
    users = sorted(truth_users)
    few = [j for j, u in enumerate(users) if u in anchor and anchor[u] in service.catalog.index
           and service.item_users[service.catalog.index[anchor[u]]] <= FEW_USERS]  # fmt: skip
    print(
        f"{len(users)} users; cold: {len(held)} items held out, {len(cold_users)} users; few: {len(few)} users"
    )

    per: dict[str, dict[str, dict[str, list[float]]]] = {}
    per_cold: dict[str, dict[str, dict[str, list[float]]]] = {}
    seconds: dict[str, float] = {}
    for variant in variants:
        t = time.perf_counter()
        apply(service, variant, base, content, chosen_s)
        per[variant] = evaluate(service, phase, fit)
        if len(few) > 1:
            per[variant]["few-similar"] = {
                m: [per[variant]["similar"][m][j] for j in few] for m in ("recall@10", "hit@10")
            }
        apply(cold_service, variant, cold_base, cold_content, chosen_s)
        per_cold[variant] = evaluate(cold_service, cold_phase, fit) if len(cold_users) > 1 else {}
        seconds[variant] = round(time.perf_counter() - t, 1)
        print(variant, json.dumps({v: {m: round(float(np.mean(x)), 4) for m, x in ms.items() if x}
                                   for v, ms in per[variant].items()}),
              "cold", json.dumps({v: {m: round(float(np.mean(x)), 4) for m, x in ms.items() if x}
                                  for v, ms in per_cold[variant].items()}), f"{seconds[variant]}s")  # fmt: skip
    diffs, diffs_cold = compare(per), compare(per_cold)
    verdict = {}
    for name in diffs:
        if name == "none":
            continue
        worse = [k for k, v in diffs[name].items() if v["worse_than_se"] and not k.startswith("few")]
        worse_cold = [k for k, v in diffs_cold.get(name, {}).items() if v["worse_than_se"]]
        verdict[name] = {"similar_hit_gain": diffs[name]["similar/hit@10"]["diff"],
                         "similar_hit_gain_over_paired_se": diffs[name]["similar/hit@10"]["diff"]
                         > diffs[name]["similar/hit@10"]["paired_se"],
                         "worse": worse, "worse_cold": worse_cold}  # fmt: skip
        print(name, verdict[name])
    out = args.out or ROOT / "bench" / "results" / f"recs_content_weight-{args.dataset}-{args.phase}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/recs_content_weight.py", *sys.argv[1:]]),
        "dataset": args.dataset, "phase": args.phase, "loadavg_1m": os.getloadavg()[0],
        "users": len(users), "cold_items": len(held), "cold_users": len(cold_users), "few_users": len(few),
        "b_shop": {"s": chosen_s, "inner_mean_hit10": inner},
        "summary": {v: summarise(x) for v, x in per.items()},
        "summary_cold": {v: summarise(x) for v, x in per_cold.items()},
        "diffs": diffs, "diffs_cold": diffs_cold, "verdict": verdict, "seconds": seconds,
        "seconds_total": round(time.perf_counter() - t0, 1),
    }, indent=1), encoding="utf-8")  # fmt: skip
    print(f"wrote {out} ({time.perf_counter() - t0:.0f}s)")


if __name__ == "__main__":
    main()
