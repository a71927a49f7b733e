"""What requiring a query's core words (``search/engine_relax.py``) does to judged search quality.

"purple lamp" with no purple lamp answered purple phones under the colour filter; now the words no
constraint was read from ("lamp") must be matched as well as the search without the constraints
matches them, else as few constraints as must go are left out. This runs every judged query of each
dataset through the served engine (understanding on, lexical: ``crosslang.EngineMethod``) before
(``engine_relax.core_tokens`` patched to return no word: exactly the earlier behaviour, relax only
on an empty result) and after, in one sitting, A B B A for the CPU seconds (NDCG is deterministic:
both passes of an arm must agree, checked). Per dataset: NDCG@10 per arm, the queries whose
constraints were left out, the queries whose top 10 changed, the paired gain and its standard
error, and the changed queries with the largest drops (to read why).

    python bench/search_core_words.py ../shared/data/crowdflower:crowdflower ../shared/data/home-depot:home-depot
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import shopmind.search.engine_relax as relax_mod
from shopmind.search.crosslang import EngineMethod
from shopmind.search.eval_data import NDCG_K, load_dataset
from shopmind.search.metrics import ndcg_at_k

ORIGINAL = relax_mod.core_tokens


def _no_core(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    return []


def _pass(method: EngineMethod, qrels: dict, min_grade: float) -> dict[str, object]:  # type: ignore[type-arg]
    """One pass over the judged queries: top-10 lists, NDCG@10 per query, warned queries, CPU s."""
    assert method.engine is not None
    lists: dict[str, list[str]] = {}
    scores: dict[str, float] = {}
    warned = 0
    cpu = time.process_time()
    for q, rels in qrels.items():
        r = method.engine.search(q, size=NDCG_K, facets=(), highlight=False)
        lists[q] = r.ids
        warned += any(w["code"] == "constraints_dropped" for w in r.warnings)
        v = ndcg_at_k(r.ids, rels, NDCG_K, min_grade)
        if v is not None:
            scores[q] = v
    return {"lists": lists, "scores": scores, "warned": warned, "cpu": time.process_time() - cpu}


def run(path: str, fmt: str) -> dict[str, object]:
    data = load_dataset(fmt, path)
    method = EngineMethod()
    method.fit(data.products)
    passes: dict[str, list[dict[str, object]]] = {"before": [], "after": []}
    for arm in ("before", "after", "after", "before"):
        relax_mod.core_tokens = _no_core if arm == "before" else ORIGINAL
        passes[arm].append(_pass(method, data.qrels, data.min_grade))
    relax_mod.core_tokens = ORIGINAL
    for arm, (a, b) in passes.items():
        if a["lists"] != b["lists"]:
            raise SystemExit(f"{fmt}: the two '{arm}' passes disagree: the engine is not deterministic")
    before, after = passes["before"][0], passes["after"][0]
    sb, sa = before["scores"], after["scores"]  # type: ignore[assignment]
    queries = sorted(sb)
    diff = np.array([sa[q] - sb[q] for q in queries])  # type: ignore[index]
    changed_lists = [q for q in data.qrels if before["lists"][q] != after["lists"][q]]  # type: ignore[index]
    drops = sorted((sa[q] - sb[q], q) for q in queries if sa[q] != sb[q])[:15]  # type: ignore[index]
    gains = sorted(((sa[q] - sb[q], q) for q in queries if sa[q] != sb[q]), reverse=True)[:10]  # type: ignore[index]
    n = len(data.qrels)
    cpu = {arm: [p["cpu"] for p in ps] for arm, ps in passes.items()}
    return {
        "dataset": f"{fmt}:{path}",
        "queries": n,
        "scored": len(queries),
        "before": {"ndcg@10": float(np.mean(list(sb.values()))), "dropped_warned": before["warned"]},  # type: ignore[union-attr]
        "after": {"ndcg@10": float(np.mean(list(sa.values()))), "dropped_warned": after["warned"]},  # type: ignore[union-attr]
        "cpu_seconds": cpu,
        "cpu_ms_per_query": {arm: 1e3 * float(np.mean(v)) / max(n, 1) for arm, v in cpu.items()},
        "lists_changed": len(changed_lists),
        "scores_changed": int((diff != 0).sum()),
        "paired_gain": float(diff.mean()),
        "paired_se": float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0,
        "largest_drops": [
            {
                "query": q,
                "before": sb[q],
                "after": sa[q],
                "before_top3": before["lists"][q][:3],  # type: ignore[index]
                "after_top3": after["lists"][q][:3],
            }  # type: ignore[index]
            for _, q in drops
        ],  # fmt: skip
        "largest_gains": [{"query": q, "before": sb[q], "after": sa[q]} for _, q in gains],  # type: ignore[index]
        "lists_changed_sample": changed_lists[:30],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="+", help="PATH:FORMAT (home-depot, crowdflower, qbqtc, canonical)")
    ap.add_argument("--out", default="bench/results/search_core_words.json")
    args = ap.parse_args(argv)
    out, results = Path(args.out), []
    for path, fmt in (spec.rsplit(":", 1) for spec in args.datasets):
        results.append(run(path, fmt))
        listed = ("largest_drops", "largest_gains", "lists_changed_sample")
        print(
            json.dumps({k: v for k, v in results[-1].items() if k not in listed}, ensure_ascii=False),
            flush=True,
        )
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")  # after each set
    return 0


if __name__ == "__main__":
    sys.exit(main())
