"""Search latency on Home Depot (54,667 products, its judged queries), in one process.

What it measures, and how:

- **Build**: the lexical index (upsert + ``warm``) with its wall time and tracemalloc peak
  (a second, identical build under tracemalloc, so tracing does not inflate the time), the
  tantivy peer's build, the dense index, the LTR model (trained on queries disjoint from the
  measured ones) and, when ``shopmind.search.engine`` exists, ``SearchEngine.build``.
- **Lexical anchor**: ``LexicalIndex.search(q, 10)`` against tantivy-py with default settings
  (``evaluate.TantivyBM25``: parse, search, fetch the ids) on the same queries, interleaved
  one query at a time and alternating which goes first, so machine noise hits both alike.
- **Stages from the components**: analysis (``analyze_query``), lexical top 100, dense
  (``encode_query`` on the raw text, uncached, + ``DenseIndex.search`` top 100), fusion
  (``linear_fuse`` over the union of both top 100), LTR (``LTRReranker.rerank`` of the fused
  top 100), and the pipeline end to end.
- **Engine**: ``SearchEngine.search(q, size=10)`` end to end (wall time) and its own
  per-stage ``timing_ms`` (analysis, lexical, dense, fusion, rerank, facets, hits).
- **HNSW**: ``DenseIndex`` with the graph forced on (threshold 0) over the same passage
  vectors (random ones with ``--encoder none``): build time, recall@10 against exact search,
  and exact vs HNSW query time interleaved; plus 50 % and 10 % filters (only allowed ids, k of
  them; recall against exact search over the allowed rows).

Warm-up queries come from the judged queries *after* the measured ones (md5 order), so no
measured query has been seen by any cache (query-vector caches included). Time is
``perf_counter_ns`` per call; GC stays on. BLAS runs with ``--blas-threads`` threads (1 by
default: a server runs queries concurrently; on a shared 2-core machine a 2-thread gemv
per query mostly waits). Ratios within one run are what to trust on a shared machine.

    python bench/search_latency.py --data ../shared/data --queries 1000 --encoder use
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from _search_latency.common import ENCODER_KEYS
from _search_latency.components import components_section
from _search_latency.engine import engine_section, first_seen_child
from _search_latency.hnsw import hnsw_section
from _search_latency.lexical import lexical_section
from _search_latency.report import print_table
from shopmind.search.dense import VectorCache
from shopmind.search.evaluate import load_dataset, select_queries

ROOT = Path(__file__).resolve().parents[1]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--queries", type=int, default=1000, help="measured queries (md5 order)")
    ap.add_argument("--warmup", type=int, default=200, help="warm-up queries (after the measured ones)")
    ap.add_argument("--train", type=int, default=1000, help="LTR training queries (after the warm-up ones)")
    ap.add_argument("--encoder", choices=("none", *ENCODER_KEYS), default="static")
    ap.add_argument(
        "--first-seen", type=int, default=200, help="queries timed on a freshly loaded release (0: skip)"
    )
    ap.add_argument(
        "--first-seen-child", nargs=3, metavar=("ENGINE", "MODE", "QUERIES"), help=argparse.SUPPRESS
    )
    ap.add_argument("--vectors", type=Path, default=ROOT / "shopmind-data" / "vectors")
    ap.add_argument("--ann-queries", type=int, default=500)
    ap.add_argument("--skip-hnsw", action="store_true")
    ap.add_argument("--skip-engine", action="store_true")
    ap.add_argument("--blas-threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "search_latency.json")
    args = ap.parse_args(argv)
    if args.first_seen_child:
        return first_seen_child(*args.first_seen_child)
    folder = args.data / "home-depot"
    if not (folder / "products.csv").exists():
        print(f"error: {folder}/products.csv not found (use --data to point at the shared data folder)")
        return 2
    if args.queries < 1 or args.warmup < 0 or args.train < 0:
        print("error: --queries must be >= 1, --warmup and --train >= 0")
        return 2
    from threadpoolctl import threadpool_limits

    with threadpool_limits(args.blas_threads):
        out = run(args, folder)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2), encoding="utf-8")
    print_table(out)
    print(f"wrote {args.out}")
    return 0


def run(args: argparse.Namespace, folder: Path) -> dict:
    data = load_dataset("home-depot", folder)
    ordered = select_queries(data.qrels, None)
    measured = ordered[: args.queries]
    warm = ordered[args.queries : args.queries + args.warmup]
    train = ordered[args.queries + args.warmup : args.queries + args.warmup + args.train]
    out: dict = {
        "dataset": "home-depot",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/search_latency.py " + " ".join(sys.argv[1:]),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "blas_threads": args.blas_threads,
        },
        "n_products": data.products.height,
        "n_measured_queries": len(measured),
        "n_warmup_queries": len(warm),
        "n_ltr_train_queries": len(train),
        "encoder": args.encoder,
        "build": {},
    }
    cache = VectorCache(args.vectors)
    idx = lexical_section(data, measured, warm, out)
    enc, vecs, reranker = components_section(data, idx, measured, warm, train, args.encoder, cache, out)
    if not args.skip_engine:
        # first-seen queries are searched nowhere else in this run (a measured query's vector
        # would be in the saved engine's query cache, which is what this must not measure)
        used = args.queries + args.warmup + args.train
        fresh = [
            q
            for q in ordered[used : used + args.first_seen]
            if q not in set(measured) | set(warm) | set(train)
        ]
        out["n_first_seen_queries"] = len(fresh)
        engine_section(data, measured, warm, args.encoder, args.vectors, reranker, out, fresh)
    if not args.skip_hnsw:
        hnsw_section(data, measured, enc, vecs, cache, args.ann_queries, out)
    out["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return out


if __name__ == "__main__":
    sys.exit(main())
