"""Adapter variants side by side on one search dataset, chosen on validation only (issue 12 item 1).

What a shop with clicks could try when the query-side adapter does not generalise: hard
negatives from BM25's top-k, a lower rank with stronger weight decay, a map on the product
vectors, maps on both sides (``shopmind.search.adapt.twosided``). Every variant trains on the
training queries of the evaluator's protocol (``adapt.evaluate.training_queries``: tuning half,
minus texts equal to a held-out one) and stops early on their validation split; **the variant is
chosen by its validation gain alone** (significant, > 2 standard errors, else the identity). The
held-out half's dense retrieval NDCG@10 is then printed for every variant — for the record; the
figure to quote is the chosen one's. "unguarded" is the held-out figure of the validation-best
epoch had the guard not replaced it by the identity (what the guard costs or saves).

Vectors come from the e5 vector cache (``--vectors``); ``--queries N`` takes the sample of
``bench/encoders_quality.sample`` (first N judged queries in md5 order + ``--distractors``).

    python bench/adapter_variants.py --dataset home-depot --queries 2000 --vectors /tmp/v
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adapter_quality import PATHS, parse_grid, write_result  # noqa: E402
from encoders_quality import sample  # noqa: E402
from shopmind.search.adapt.evaluate import training_queries  # noqa: E402
from shopmind.search.adapt.model import GRID, pairs_from_grades, per_query_ndcg  # noqa: E402
from shopmind.search.adapt.scoring import significant_gain  # noqa: E402
from shopmind.search.adapt.twosided import TwoSidedAdapter, fit_two_sided  # noqa: E402
from shopmind.search.eval_dense import DenseMethod  # noqa: E402
from shopmind.search.eval_methods import OursBM25  # noqa: E402
from shopmind.search.evaluate import load_dataset, select_queries  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

#: name -> (side, settings grid, hard negatives from "dense" (frozen e5 top-k) or "bm25")
VARIANTS: dict[str, tuple[str, str, str]] = {
    "query": ("query", "", "dense"),  # the committed default's settings (model.GRID)
    "query-inbatch": ("query", "rank=32,lr=0.001,hard_negatives=0", "dense"),
    "query-bm25": ("query", "rank=32,lr=0.001", "bm25"),
    "query-r8-wd0.1-bm25": ("query", "rank=8,lr=0.001,weight_decay=0.1", "bm25"),
    "product-bm25": ("product", "rank=32,lr=0.001", "bm25"),
    "product-r8-wd0.1-bm25": ("product", "rank=8,lr=0.001,weight_decay=0.1", "bm25"),
    "product-inbatch": ("product", "rank=32,lr=0.001,hard_negatives=0", "dense"),
    "both-bm25": ("both", "rank=32,lr=0.001", "bm25"),
    "both-inbatch": ("both", "rank=32,lr=0.001,hard_negatives=0", "dense"),
}


def bm25_pool(data, products_pos: dict[str, int], queries: list[str], depth: int, dense_top: dict) -> dict:  # noqa: ANN001
    """Per training query, ``depth`` product rows from BM25F's ranking (ours), topped up from the
    frozen dense ranking when BM25 returns fewer (short or rare queries)."""
    bm = OursBM25()
    bm.fit(data.products)
    out = {}
    for q in queries:
        rows = [products_pos[p] for p in bm.search(q, depth)]
        seen = set(rows)
        rows += [r for r in dense_top[q] if r not in seen][: depth - len(rows)]
        out[q] = np.array(rows[:depth], dtype=np.int64)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--dataset", choices=sorted(PATHS), default="home-depot")
    ap.add_argument("--queries", type=int, default=None)
    ap.add_argument("--distractors", type=int, default=500)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--vectors", type=Path, default=ROOT / "shopmind-data" / "vectors")
    ap.add_argument(
        "--variants", default=",".join(VARIANTS), help=f"comma-separated, of: {', '.join(VARIANTS)}"
    )
    ap.add_argument("--depth", type=int, default=30, help="hard-negative pool depth per query")
    ap.add_argument("--encode-only", action="store_true", help="fill the vector cache and stop")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    names = [v for v in args.variants.split(",") if v]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        print(f"unknown variant(s) {', '.join(unknown)}; valid: {', '.join(VARIANTS)}", file=sys.stderr)
        return 2
    load0, t0 = os.getloadavg(), time.perf_counter()
    data = load_dataset(args.dataset, args.data / PATHS[args.dataset])
    if args.queries:
        data = sample(data, args.queries, args.distractors, args.seed)
    queries = select_queries(data.qrels, None)
    dense = DenseMethod("e5", args.vectors)
    dense.fit(data.products)
    dense.prepare_queries(queries)
    print(f"vectors: {json.dumps(dense.fit_info)}", flush=True)
    if args.encode_only:
        return 0
    assert dense.index is not None
    P, pos = dense.index.vectors, dense.index.pos
    qv = {q: dense.qvec(q) for q in queries}
    train, held = training_queries(queries)
    pairs = pairs_from_grades(data.qrels, pos, data.threshold, data.min_grade, train)
    Qt = np.vstack([qv[q] for q in pairs.queries])
    top = np.argsort(-(Qt @ P.T), axis=1)[:, : args.depth + 20]
    dense_top = {q: top[i] for i, q in enumerate(pairs.queries)}
    need_bm25 = any(VARIANTS[n][2] == "bm25" for n in names)
    bm25 = bm25_pool(data, pos, pairs.queries, args.depth, dense_top) if need_bm25 else None
    # held-out half: every reported query with a positive gain, as the evaluator scores it
    Qh = np.vstack([qv[q] for q in held])
    hgrades = {i: {pos[p]: g - data.min_grade for p, g in data.qrels[q].items() if p in pos} for i, q in enumerate(held)}  # fmt: skip
    frozen_h = per_query_ndcg(Qh, P, hgrades)
    print(f"{len(pairs.queries)} training queries ({len(pairs.positives)} pairs), {len(frozen_h)} held-out; "
          f"frozen held-out dense NDCG@10 {frozen_h.mean():.4f}", flush=True)  # fmt: skip
    rows: dict[str, dict[str, object]] = {}
    for name in names:
        side, grid_text, negs = VARIANTS[name]
        c0, w0 = time.process_time(), time.perf_counter()
        train_qv = {q: qv[q] for q in pairs.queries}  # training queries only
        grid = parse_grid(grid_text) if grid_text else GRID
        raw, rep = fit_two_sided(
            train_qv, P, pairs, side, grid, bm25 if negs == "bm25" else None, guard=False
        )
        rep = {k: v for k, v in rep.items() if k != "history"}
        gain = rep.get("val_gain") or {}
        adapter = raw if gain.get("significant") else TwoSidedAdapter.identity(P.shape[1])  # the guard
        after = per_query_ndcg(adapter.apply_queries(Qh), adapter.apply_products(P), hgrades)
        unguarded = per_query_ndcg(raw.apply_queries(Qh), raw.apply_products(P), hgrades)
        rows[name] = {
            "side": side,
            "negatives": negs,
            "grid": grid_text or "model.GRID",
            "kept": rep.get("kept") if gain.get("significant") or raw.is_identity else "identity (guard)",
            "val_frozen": rep.get("val_ndcg@10_frozen"),
            "val_adapted": rep.get("val_ndcg@10_adapted"),
            "val_gain": gain,
            "significant": bool(gain.get("significant")),
            "heldout_dense": round(float(after.mean()), 4),
            "heldout_ratio": round(float(after.mean() / frozen_h.mean()), 4),
            "heldout_paired_gain": dict(
                zip(("significant", "mean", "se"), significant_gain(frozen_h, after), strict=True)
            ),
            "heldout_dense_unguarded": round(float(unguarded.mean()), 4),
            "heldout_ratio_unguarded": round(float(unguarded.mean() / frozen_h.mean()), 4),
            "cpu_seconds": round(time.process_time() - c0, 1),
            "wall_seconds": round(time.perf_counter() - w0, 1),
            "report": rep,
        }
        print(f"{name:24s} val {rep.get('val_ndcg@10_frozen')} -> {rep.get('val_ndcg@10_adapted')} "
              f"gain {gain.get('mean')} ± {gain.get('se')} kept: {rep.get('kept')} | held-out "
              f"{after.mean():.4f} ({after.mean() / frozen_h.mean():.3f}x; unguarded "
              f"{unguarded.mean() / frozen_h.mean():.3f}x) cpu {rows[name]['cpu_seconds']} s",
              flush=True)  # fmt: skip
    won = {n: r for n, r in rows.items() if r["significant"]}
    chosen = max(won, key=lambda n: won[n]["val_gain"]["mean"]) if won else None  # type: ignore[index]
    summary = {
        "bench": "adapter_variants",
        "dataset": args.dataset,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/adapter_variants.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "products": data.products.height,
        "queries": len(queries),
        "training_queries": len(pairs.queries),
        "training_pairs": len(pairs.positives),
        "heldout_queries": len(frozen_h),
        "heldout_dense_frozen": round(float(frozen_h.mean()), 4),
        "rule": "variant with the largest significant (> 2 se) validation gain; identity if none",
        "chosen": chosen or "identity (no variant's validation gain was significant)",
        "chosen_heldout_ratio": rows[chosen]["heldout_ratio"] if chosen else 1.0,
        "variants": rows,
        "vectors": dense.fit_info,
        "loadavg_start": [round(x, 1) for x in load0],
        "loadavg_end": [round(x, 1) for x in os.getloadavg()],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(
        f"chosen on validation: {summary['chosen']} -> held-out {summary['chosen_heldout_ratio']}x frozen dense"
    )
    write_result(summary, args.out, "adapter_variants", args.dataset, args.queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
