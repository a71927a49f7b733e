"""What a first-seen query's answer is worth: NDCG@10 and latency of a built release's search engine when
a new query is encoded in the request ("inline") vs answered before its vector exists ("pending", what a
server does with ``[search] query_encoding = "background"``), with the release's learned re-ranker, without
one, and retrained now with and without the no-dense copies of its training queries.

Queries: the judged queries in the re-ranker's held-out fold (``ltr.fold_of(q) == 0``: never trained on),
in md5 order, the first ``--queries``. The query-vector cache is cleared before each pass, so every query
is first-seen; "pending" never encodes (the worker is replaced by one that accepts and drops), which is
exactly the first answer a server gives. In process, one search at a time.

    python bench/first_seen_quality.py --release <workspace>/releases/<id> --data ../shared/data/home-depot
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


class _DropAll:
    """A background encoder that accepts every text and encodes none: every search stays first-seen.

    Except what a request waits for (``urgent``: a query that matches nothing lexically): that one it
    encodes at once and reports done, i.e. the worker answered within ``[search] no_match_wait_ms``
    (what the budget costs in latency is measured by ``bench/search_latency.py``, not here)."""

    def __init__(self, eng: Any) -> None:
        self.eng = eng

    def submit(self, text: str, urgent: bool = False) -> threading.Event | None:
        if not urgent:
            return None
        self.eng._store_query_vector(text, self.eng._query_vector_of(text))  # noqa: SLF001
        done = threading.Event()
        done.set()
        return done


def _run(eng: Any, queries: list[str], qrels: dict, min_grade: float, mode: str) -> dict[str, Any]:
    from shopmind.search.metrics import ndcg_at_k

    eng._qvecs.clear()  # noqa: SLF001 - every query first-seen
    eng._background = _DropAll(eng) if mode == "pending" else None  # noqa: SLF001
    gains, ns, sources = [], [], {}
    try:
        for q in queries:
            s = time.perf_counter_ns()
            r = eng.search(q, size=10)
            ns.append(time.perf_counter_ns() - s)
            sources[r.dense] = sources.get(r.dense, 0) + 1
            g = ndcg_at_k(r.ids, qrels[q], 10, min_grade)
            if g is not None:
                gains.append(g)
    finally:
        eng._background = None  # noqa: SLF001
    return {
        "ndcg@10": round(float(np.mean(gains)), 4),
        "queries": len(gains),
        "p50_ms": round(float(np.percentile(ns, 50)) / 1e6, 2),
        "p99_ms": round(float(np.percentile(ns, 99)) / 1e6, 2),
        "dense": sources,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--release", type=Path, required=True, help="a release folder with search/ (and search/ltr)"
    )
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "home-depot")
    ap.add_argument("--format", default="home-depot", help="adapter of --data (with judgments)")
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--skip-retrain", action="store_true", help="only the release's re-ranker and none")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "first_seen_quality.json")
    args = ap.parse_args(argv)

    from shopmind.data.adapters import get_adapter
    from shopmind.search.engine import SearchEngine
    from shopmind.search.evaluate import load_dataset, select_queries
    from shopmind.search.ltr import fold_of
    from shopmind.search.ltr.fit import HOLDOUT_FOLDS, fit_engine_reranker

    t0 = time.perf_counter()
    eng = SearchEngine.load(args.release / "search")
    eng.warm_up()
    load_s = time.perf_counter() - t0
    data = load_dataset(args.format, args.data)
    held = [q for q in select_queries(data.qrels, None) if fold_of(q, HOLDOUT_FOLDS) == 0][: args.queries]
    out: dict[str, Any] = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/first_seen_quality.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "release": str(args.release),
        "engine_load_seconds": round(load_s, 2),
        "queries": len(held),
        "results": {},
    }
    res = out["results"]

    def both(name: str) -> None:
        res[name] = {m: _run(eng, held, data.qrels, data.min_grade, m) for m in ("inline", "pending")}
        print(name, json.dumps(res[name]), flush=True)

    both("release_ltr" if eng.reranker is not None else "release_without_ltr")
    eng.reranker = None
    both("no_ltr")
    if not args.skip_retrain:  # the re-ranker the current code trains (fit_engine_reranker), same queries
        judgments = get_adapter(args.format).load(args.data).judgments
        rr, facts = fit_engine_reranker(eng, judgments, None)
        eng.reranker = rr
        both("retrained")
        res["retrained"]["fit"] = {
            k: facts.get(k) for k in ("ltr", "heldout_ndcg10", "train_rows", "seconds")
        }
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
