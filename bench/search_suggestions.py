"""Which "did you mean" suggestions judged queries get, and whether they find what the query meant (t1f, session 32).

"sofa" alone on the demo shop answered 0 results with "did you mean “soft”?": the speller leaves a real word
("sofa": a synonym-group word) alone in the search, and at zero results ``_suggest`` offered the respelling it had
refused, a different word that makes a different query. A suggestion is only worth showing when it is close to what
was typed and finds products the query meant.

This runs every judged query of each dataset through the served engine (understanding on; lexical, or with the
encoder named after a second ``:``, e.g. ``demo-shop:canonical:use``) and, for each query with 0 results, records
the respelling the old rule offered (``SearchEngine._respelled``: every real word the speller would change) and what
the engine offers now (``SearchResponse.suggestions``), and whether each one's top 10 holds a product judged relevant
to the *original* query (grade >= the dataset's threshold): a "good" suggestion.

**Rule (written and committed before the judging run).** The new suggestion rule is adopted when, on each judged set
(demo seed 42 lexical and with USE vectors, CrowdFlower, Home Depot, QBQTC), no judged query whose old suggestion was
good loses its suggestion (good after >= good before, query by query), and "sofa" on the demo shop gets none. Ranking
is untouched by construction (a suggestion is only computed after a zero-result answer and changes no hit); the bench
also asserts every judged query's top 10 and total are the same in both arms' engine (one engine: hits are computed
once, the old respelling beside the new).

    python bench/search_suggestions.py /tmp/t1f/demo-shop:canonical /tmp/t1f/demo-shop:canonical:use \
        ../shared/data/crowdflower:crowdflower ../shared/data/home-depot:home-depot ../shared/data/qbqtc-zh:qbqtc
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def run(spec: str, probes: list[str]) -> dict[str, object]:
    from shopmind.search.crosslang import EngineMethod
    from shopmind.search.eval_data import NDCG_K, load_dataset

    parts = spec.split(":")
    path, fmt, encoder = parts[0], parts[1], (parts[2] if len(parts) > 2 else None)
    data = load_dataset(fmt, path)
    method = EngineMethod(encoder)
    method.fit(data.products)
    eng = method.engine
    assert eng is not None
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime

    def good(query: str, suggestion: str) -> bool:
        rels = data.qrels[query]
        ids = eng.search(suggestion, size=NDCG_K, facets=(), highlight=False).ids
        return any(rels.get(pid, 0.0) >= data.threshold for pid in ids)

    rows = []
    for q in data.qrels:
        r = eng.search(q, size=NDCG_K, facets=(), highlight=False)
        if r.total:
            continue
        before = eng._respelled(q, r.corrections)
        after = list(r.suggestions)
        rows.append({
            "query": q,
            "before": before,
            "after": after,
            "good_before": bool(before) and good(q, before[0]),
            "good_after": bool(after) and good(q, after[0]),
        })  # fmt: skip
    probed = {}
    for q in probes:
        r = eng.search(q, size=NDCG_K, facets=(), highlight=False)
        probed[q] = {
            "total": r.total,
            "suggestions": list(r.suggestions),
            "old": eng._respelled(q, r.corrections),
        }
    lost = [x["query"] for x in rows if x["good_before"] and not x["good_after"]]
    return {
        "spec": spec,
        "queries": len(data.qrels),
        "zero_results": len(rows),
        "suggested_before": sum(bool(x["before"]) for x in rows),
        "suggested_after": sum(bool(x["after"]) for x in rows),
        "good_before": sum(x["good_before"] for x in rows),
        "good_after": sum(x["good_after"] for x in rows),
        "lost_good": lost,
        "cpu_s_queries": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu, 1),
        "probes": probed,
        "rows": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("specs", nargs="+", help="path:format[:encoder]")
    ap.add_argument("--out", type=Path, default=Path("bench/results/search_suggestions.json"))
    ap.add_argument("--probe", nargs="*", default=["sofa"], help="queries shown for every set")
    args = ap.parse_args()
    out = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "sets": []}
    for spec in args.specs:
        res = run(spec, args.probe)
        out["sets"].append(res)
        print(
            f"{spec}: {res['queries']} judged, {res['zero_results']} with 0 results; suggested "
            f"{res['suggested_before']} -> {res['suggested_after']}, good {res['good_before']} -> "
            f"{res['good_after']}, good lost {len(res['lost_good'])}",  # type: ignore[arg-type]
            flush=True,
        )
        print(f"   probes: {res['probes']}")
        for x in res["rows"]:  # type: ignore[union-attr]
            print(
                f"   {x['query']!r}: {x['before']} (good {x['good_before']}) -> {x['after']} (good {x['good_after']})"
            )
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    sys.exit(1 if any(s["lost_good"] for s in out["sets"]) else 0)


if __name__ == "__main__":
    main()
