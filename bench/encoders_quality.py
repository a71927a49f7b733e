"""Encoders side by side on a Home Depot sample, as the engine ranks (fusion + LTR), in one run.

For quick comparisons on a machine where e5 over all 54,667 titles is out of reach: the first
``--queries`` judged queries in md5 order (what ``--limit-queries`` picks), a corpus of their
judged products plus ``--distractors`` random other products (seeded), and the evaluation's own
methods (``shopmind.search.evaluate``: tantivy, dense-X, fusion-X+ltr with query-level 5-fold
LTR). Prints NDCG@10 on all queries, the tuning half (md5 even: the only half to choose settings
on) and the held-out half; saves JSON to ``bench/results/``. A sub-corpus is easier than the full
one: compare methods within a run, not with full-corpus figures.

    python bench/encoders_quality.py --methods tantivy,fusion-e5+ltr,fusion-static+ltr
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.search.evaluate import EvalData, evaluate, load_dataset, make_methods, select_queries
from shopmind.search.metrics import ndcg_at_k

ROOT = Path(__file__).resolve().parents[1]


def sample(data: EvalData, queries: int, distractors: int, seed: int) -> EvalData:
    """The sample corpus: judged products of the first ``queries`` queries + random others."""
    qs = select_queries(data.qrels, queries)
    judged = {p for q in qs for p in data.qrels[q]}
    others = [p for p in data.products["product_id"].to_list() if p not in judged]
    keep = judged | set(random.Random(seed).sample(others, min(2500, len(others)))[:distractors])
    prods = data.products.filter(pl.col("product_id").is_in(list(keep)))
    qrels = {q: data.qrels[q] for q in qs}
    return EvalData(f"{data.name}-sample", prods, qrels, data.min_grade, data.max_grade, data.threshold)


def fit_variants(spec: str, vectors: Path) -> list:
    """dense-X and fusion-X+ltr for each static-fit setting ``digit_weight:max_titles``."""
    from shopmind.search.dense_static_fit import FittedStaticEncoder
    from shopmind.search.eval_dense import DenseMethod
    from shopmind.search.ltr import LTREval

    out: list = []
    for item in [v for v in spec.split(",") if v]:
        dw, titles = item.split(":")
        tag = f"static-fit-d{float(dw):g}-m{int(titles)}"
        enc = FittedStaticEncoder(digit_weight=float(dw), max_titles=int(titles))
        out.append(DenseMethod(enc, vectors, name=f"dense-{tag}"))
        ltr = LTREval("fusion", vectors, FittedStaticEncoder(digit_weight=float(dw), max_titles=int(titles)))
        ltr.name = f"fusion-{tag}+ltr"
        out.append(ltr)
    return out


def tuning_half_ndcg(view: dict) -> float:
    """NDCG@10 on the tuning half, from a retrieval view's all-query and held-out figures
    (the evaluation reports those two; the halves partition the queries)."""
    h = view["heldout"]
    n, nh = view["ndcg@10_queries"], h["ndcg@10_queries"]
    return round((view["ndcg@10"] * n - h["ndcg@10"] * nh) / (n - nh), 4)


def dense_ndcg(q: np.ndarray, p: np.ndarray, queries: list[str], ids: list[str], data: EvalData) -> float:
    """Mean NDCG@10 of exact dense search of ``queries`` (rows of ``q``) over products ``ids``
    (rows of ``p``); queries without a relevant product are skipped."""
    s = q @ p.T
    vals = []
    for i, query in enumerate(queries):
        top = np.argsort(-s[i], kind="stable")[:10]
        v = ndcg_at_k([ids[j] for j in top], data.qrels[query], 10, data.min_grade)
        if v is not None:
            vals.append(v)
    return round(float(np.mean(vals)), 4) if vals else 0.0


def write_summary(path: Path, summary: dict) -> None:
    """The bench's JSON (``bench/results/...``), and where it went."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    print(f"JSON: {path}")


def sample_args(doc: str | None) -> argparse.ArgumentParser:
    """The sample's options, shared by the encoder benches."""
    ap = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--dataset", choices=("home-depot", "qbqtc"), default="home-depot")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--distractors", type=int, default=500)
    ap.add_argument("--seed", type=int, default=17)
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = sample_args(__doc__)
    ap.add_argument("--methods", default="tantivy,fusion-e5+ltr,fusion-static+ltr,dense-e5,dense-static")
    ap.add_argument(
        "--fit-variants",
        default="",
        help="static-fit settings to add, comma-separated DIGIT_WEIGHT:MAX_TITLES (e.g. 0:1000,0:500)",
    )
    ap.add_argument("--vectors", type=Path, default=ROOT / "shopmind-data" / "vectors")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "encoders_quality.json")
    args = ap.parse_args(argv)
    fmt, folder = {"home-depot": ("home-depot", "home-depot"), "qbqtc": ("qbqtc", "qbqtc-zh/dev.json")}[
        args.dataset
    ]
    data = sample(load_dataset(fmt, args.data / folder), args.queries, args.distractors, args.seed)
    methods = make_methods([m for m in args.methods.split(",") if m], args.vectors)
    methods += fit_variants(args.fit_variants, args.vectors)
    t0 = time.perf_counter()
    out = evaluate(data, methods, ("retrieval",), None, progress=False)
    rows = {}
    for name, m in out["methods"].items():  # type: ignore[union-attr]
        r = m["views"]["retrieval"]
        h = r["heldout"]
        tuning = tuning_half_ndcg(r)
        rows[name] = {"all": r["ndcg@10"], "tuning_half": tuning, "heldout": h["ndcg@10"], "recall@100": r["recall@100"]}  # fmt: skip
        print(
            f"{name:28s} all {r['ndcg@10']:.4f}  tuning {tuning:.4f}  held-out {h['ndcg@10']:.4f}  R@100 {r['recall@100']}"
        )
    summary = {
        "bench": "encoders_quality",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/encoders_quality.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "products": data.products.height,
        "queries": len(data.qrels),
        "seconds": round(time.perf_counter() - t0, 1),
        "ndcg@10": rows,
        "report": out,
    }
    write_summary(args.out, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
