"""The lexical index's build and its anchor against tantivy (interleaved per query and in blocks)."""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from shopmind.search.evaluate import EvalData, TantivyBM25
from shopmind.search.lexical import LexicalIndex

from .common import build_lexical, rss_mb, stats, timed


def lexical_section(data: EvalData, measured: list[str], warm: list[str], out: dict) -> LexicalIndex:
    rss0 = rss_mb()
    idx, secs = timed(lambda: build_lexical(data))
    rss1 = rss_mb()
    tracemalloc.start()
    build_lexical(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    gc.collect()
    tv = TantivyBM25()
    rss2 = rss_mb()
    _, tv_secs = timed(lambda: tv.fit(data.products))
    rss3 = rss_mb()
    out["build"]["lexical"] = {
        "seconds": round(secs, 3),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "rss_delta_mb": round(rss1 - rss0, 1),
        "note": "upsert of all products as one segment + warm() (impact postings of every term)",
    }
    out["build"]["tantivy"] = {
        "seconds": round(tv_secs, 3),
        "rss_delta_mb": round(rss3 - rss2, 1),
        "note": "title + description, one indexing thread (evaluate.TantivyBM25); memory is native, RSS only",
    }
    for q in warm:
        idx.search(q, 10)
        tv.search(q, 10)
    ours, theirs = [], []
    same_top1 = 0
    for i, q in enumerate(measured):
        if i % 2 == 0:
            a, ns_a = _call_ns(idx.search, q)
            b, ns_b = _call_ns(tv.search, q)
        else:
            b, ns_b = _call_ns(tv.search, q)
            a, ns_a = _call_ns(idx.search, q)
        ours.append(ns_a)
        theirs.append(ns_b)
        same_top1 += bool(a.ids and b and a.ids[0] == b[0])
    o, t = stats(ours), stats(theirs)
    bo, bt = _blocks(measured, idx, tv)
    out["lexical_anchor"] = {
        "k": 10,
        "ours": o,
        "tantivy": t,
        "p50_ratio_ours_over_tantivy": round(o["p50_ms"] / t["p50_ms"], 3),
        "p99_ratio_ours_over_tantivy": round(o["p99_ms"] / t["p99_ms"], 3),
        "blocks": {
            "ours": bo,
            "tantivy": bt,
            "p50_ratio_ours_over_tantivy": round(bo["p50_ms"] / bt["p50_ms"], 3),
            "p99_ratio_ours_over_tantivy": round(bo["p99_ms"] / bt["p99_ms"], 3),
            "note": f"{BLOCK_ROUNDS} rounds; in each, one engine runs every measured query, then the "
            "other (order alternating by round); per query the median over rounds — each engine "
            "runs with its own caches warm, as it would serving alone",
        },
        "same_top1_share": round(same_top1 / len(measured), 3),
        "note": "interleaved per query, alternating order; ours = analysis + spelling + BM25F top 10 + ids "
        "(5 fields, title-only data), tantivy = parse + BM25 top 10 + stored-id fetch (title + description)",
    }
    return idx


BLOCK_ROUNDS = 6


def _call_ns(fn: Callable[[str, int], Any], q: str) -> tuple[Any, int]:
    """A top-10 search and its wall time in ns."""
    t0 = time.perf_counter_ns()
    out = fn(q, 10)
    return out, time.perf_counter_ns() - t0


def _blocks(measured: list[str], idx: LexicalIndex, tv: TantivyBM25) -> tuple[dict, dict]:
    """Per-query latency with each engine running whole blocks of queries (see the note where
    it is reported). Interleaving per query, the other measurement, evicts each engine's CPU
    caches between calls and costs the Python engine more (~+30 %) than the native one."""
    per: dict[str, list[list[int]]] = {"ours": [], "tantivy": []}
    fns = {"ours": idx.search, "tantivy": tv.search}
    for r in range(BLOCK_ROUNDS):
        for name in ("ours", "tantivy") if r % 2 == 0 else ("tantivy", "ours"):
            per[name].append([_call_ns(fns[name], q)[1] for q in measured])
    med = {k: np.median(np.array(v), axis=0) for k, v in per.items()}
    return stats(med["ours"]), stats(med["tantivy"])
