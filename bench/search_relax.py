"""How often the served engine leaves out understood constraints, and what leaving out fewer does to
NDCG@10 — before (all of them at once) and after (``search/relax.py``: as few as it must), one run.

Why: the relaxation changes what a query that matched nothing together returns; this says how many
judged queries take that path and whether their graded results moved, on each dataset given.
The "before" arm patches ``relax.drop_order`` to yield only the set of all constraints, which is
exactly the old behaviour (one search without any of them).

    python bench/search_relax.py ../shared/data/home-depot:home-depot ../shared/data/crowdflower:crowdflower
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import shopmind.search.relax as relax_mod
from shopmind.search.crosslang import EngineMethod
from shopmind.search.eval_data import NDCG_K, load_dataset
from shopmind.search.metrics import ndcg_at_k

ORIGINAL = relax_mod.drop_order


def _all_at_once(constraints):  # type: ignore[no-untyped-def]
    yield tuple(range(len(constraints)))


def run(path: str, fmt: str) -> dict[str, object]:
    data = load_dataset(fmt, path)
    method = EngineMethod()
    method.fit(data.products)
    out: dict[str, object] = {"dataset": f"{fmt}:{path}", "queries": len(data.qrels)}
    per: dict[str, list[float]] = {}
    fired: dict[str, int] = {}
    for arm, order in (("before", _all_at_once), ("after", ORIGINAL)):
        relax_mod.drop_order = order
        t0 = time.perf_counter()
        scores, n_fired = [], 0
        for q, rels in data.qrels.items():
            ranked = method.search(q, 100)
            first = method.engine.search(q, size=10, facets=(), highlight=False)
            if any(w["code"] == "constraints_dropped" for w in first.warnings):
                n_fired += 1
            v = ndcg_at_k(ranked, rels, NDCG_K, data.min_grade)
            if v is not None:
                scores.append(v)
        per[arm] = scores
        fired[arm] = n_fired
        out[arm] = {
            "ndcg@10": float(np.mean(scores)),
            "dropped_warned": n_fired,
            "seconds": time.perf_counter() - t0,
        }
    relax_mod.drop_order = ORIGINAL
    diff = np.array(per["after"]) - np.array(per["before"])
    changed = diff != 0
    out["changed_queries"] = int(changed.sum())
    out["paired_gain"] = float(diff.mean())
    out["paired_se"] = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
    out["gain_on_changed"] = float(diff[changed].mean()) if changed.any() else 0.0
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="+", help="PATH:FORMAT (home-depot, crowdflower, qbqtc, canonical)")
    ap.add_argument("--out", default="bench/results/search_relax.json")
    args = ap.parse_args(argv)
    results = []
    for spec in args.datasets:
        path, _, fmt = spec.rpartition(":")
        r = run(path, fmt)
        print(json.dumps(r, ensure_ascii=False))
        results.append(r)
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
