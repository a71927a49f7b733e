"""Choose ``[search] language_weight`` (the query-language bonus, ``search/language_match.py``)
on the tuning half of a bilingual shop's judgments, and report the held-out half.

Per weight, every judged query is searched as the API does (``SearchEngine.search``, first 10
hits) and scored on all its judgments (both languages; unjudged = 0):
- ``ndcg@10`` — must not drop (the judgments grade a concept's listings alike in both
  languages, so they cannot ask for a language preference: they can only forbid one that puts a
  worse match first);
- ``inversions`` — per query, pairs in the top 10 where a listing in the other language sits
  above one in the query's language judged at least as relevant: what a shopper typing English
  sees as "Chinese first although the English one is as good" (the defect);
- ``same@10`` — share of the top 10 in the query's language.
The weight chosen: fewest tuning-half inversions among the weights whose tuning-half NDCG@10 is
not below weight 0's (ties: the smaller weight). The held-out half is reported, never used.
The chosen weight is then checked against `shopmind evaluate search`'s NDCG@10 on all queries
(the rule that no change may lower it): on the demo it picked 1.0, which lowered it 0.3087 ->
0.3069, so the default stays 0 (docs/BENCHMARKS.md).

Engines: ``lexical`` (``evaluate search``'s ``engine`` method: understanding, aliases, no
vectors, no re-ranker) built from the judgments' products; ``release`` (optional, ``--release``:
a built release's engine as served, e5 vectors + its learned re-ranker; the re-ranker was
trained on these judgments, so its NDCG is in-sample — read only the difference between weights).

    python bench/search_language_weight.py /tmp/demo [--release WS/releases/<id>]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shopmind.search.crosslang import product_languages, text_language
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.eval_data import load_dataset, tuning_half
from shopmind.search.metrics import ndcg_at_k

WEIGHTS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def measure(
    engine: SearchEngine, qrels, langs, min_grade: float, weight: float
) -> dict[str, dict[str, float]]:
    """Mean NDCG@10, inversions and same@10 per half at ``weight``."""
    engine.config.language_weight = weight
    per: dict[str, dict[str, list[float]]] = {
        h: {"ndcg@10": [], "inversions": [], "same@10": []} for h in ("tuning", "held_out")
    }
    for q in sorted(qrels):
        grades = qrels[q]
        ranked = engine.search(q, size=10, facets=(), highlight=False).ids
        ql = text_language(q)
        half = per["tuning" if tuning_half(q) else "held_out"]
        v = ndcg_at_k(ranked, grades, 10, min_grade)
        if v is not None:
            half["ndcg@10"].append(v)
        inv = 0
        for i, a in enumerate(ranked):
            for b in ranked[i + 1 :]:
                if langs.get(a) != ql and langs.get(b) == ql and grades.get(b, 0.0) >= grades.get(a, 0.0):
                    inv += 1
        half["inversions"].append(inv)
        if ranked:
            half["same@10"].append(sum(langs.get(p) == ql for p in ranked) / len(ranked))
    return {
        h: {k: round(float(np.mean(v)), 4) if v else float("nan") for k, v in m.items()}
        for h, m in per.items()
    }


def choose(by_engine: dict[str, dict[float, dict[str, dict[str, float]]]]) -> float:
    """One weight for every engine measured: fewest tuning inversions (summed over the engines)
    among the weights that lower no engine's tuning NDCG@10 below its weight-0 figure (ties:
    the smaller weight)."""
    ok = [
        w
        for w in WEIGHTS
        if all(r[w]["tuning"]["ndcg@10"] >= r[0.0]["tuning"]["ndcg@10"] - 1e-9 for r in by_engine.values())
    ]
    return min(ok, key=lambda w: (sum(r[w]["tuning"]["inversions"] for r in by_engine.values()), w))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "data", type=Path, help="a canonical folder with products and judgments (shopmind demo-data)"
    )
    ap.add_argument("--release", type=Path, help="also a built release folder's engine as served")
    ap.add_argument("--out", type=Path, default=Path("bench/results/search_language_weight.json"))
    args = ap.parse_args()
    data = load_dataset("canonical", args.data)
    langs = product_languages(data.products)
    engines = {}
    t = time.perf_counter()
    engines["lexical"] = SearchEngine.build(
        data.products, None, SearchConfig(encoder=None, ltr="off", warm_query_vectors=0)
    )
    print(f"lexical engine built in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    if args.release:
        engines["release"] = SearchEngine.load(args.release / "search")
        engines["release"].config.query_encoding = "inline"
    result: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": str(args.data),
        "queries": len(data.qrels),
        "tuning_queries": sum(tuning_half(q) for q in data.qrels),
        "weights": list(WEIGHTS),
    }
    by_engine: dict[str, dict[float, dict[str, dict[str, float]]]] = {}
    for name, engine in engines.items():
        rows = {}
        for w in WEIGHTS:
            rows[w] = measure(engine, data.qrels, langs, data.min_grade, w)
            tu, ho = rows[w]["tuning"], rows[w]["held_out"]
            print(
                f"{name:8s} w={w:<5} tuning ndcg {tu['ndcg@10']:.4f} inv {tu['inversions']:.2f} same {tu['same@10']:.3f}"
                f" | held-out ndcg {ho['ndcg@10']:.4f} inv {ho['inversions']:.2f} same {ho['same@10']:.3f}",
                flush=True,
            )
        by_engine[name] = rows
        result[name] = {
            "chosen_alone": choose({name: rows}),
            "by_weight": {str(w): r for w, r in rows.items()},
        }
        print(
            f"{name}: chosen on the tuning half, this engine alone: {result[name]['chosen_alone']}",
            flush=True,
        )
    result["chosen"] = choose(by_engine)
    print(f"chosen on the tuning half for every engine: {result['chosen']}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
