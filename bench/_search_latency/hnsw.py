"""The HNSW graph over the passage vectors: build, recall@10 against exact search, filtered search."""

from __future__ import annotations

import time

import numpy as np

from shopmind.search.dense import (
    ANNConfig,
    DenseIndex,
    Encoder,
    VectorCache,
)
from shopmind.search.evaluate import EvalData

from .common import stats, timed


def hnsw_section(
    data: EvalData,
    measured: list[str],
    enc: Encoder | None,
    vecs: np.ndarray | None,
    cache: VectorCache,
    n_queries: int,
    out: dict,
) -> None:
    queries = measured[:n_queries]
    if enc is not None and vecs is not None:
        X = vecs
        Q = cache.queries(enc, queries)
        source = (
            f"{enc.name} passage vectors of all products; query vectors of {len(queries)} measured queries"
        )
    else:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(data.products.height, 128)).astype(np.float32)
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        Q = rng.normal(size=(len(queries), 128)).astype(np.float32)
        Q /= np.linalg.norm(Q, axis=1, keepdims=True)
        source = "random unit Gaussian vectors (no encoder): the hard case for HNSW"
    ids = [str(i) for i in range(len(X))]
    cfg = ANNConfig(threshold=0)
    index, secs = timed(lambda: DenseIndex(ids, X, cfg))
    for q in Q[:20]:
        index.search(q, 10)
        index.search(q, 10, exact=True)
    exact_ns, ann_ns, recall = [], [], []
    for i, q in enumerate(Q):
        if i % 2 == 0:
            t0 = time.perf_counter_ns()
            a, _ = index.search(q, 10)
            t1 = time.perf_counter_ns()
            e, _ = index.search(q, 10, exact=True)
            t2 = time.perf_counter_ns()
            ann_ns.append(t1 - t0)
            exact_ns.append(t2 - t1)
        else:
            t0 = time.perf_counter_ns()
            e, _ = index.search(q, 10, exact=True)
            t1 = time.perf_counter_ns()
            a, _ = index.search(q, 10)
            t2 = time.perf_counter_ns()
            exact_ns.append(t1 - t0)
            ann_ns.append(t2 - t1)
        recall.append(len(set(a) & set(e)) / 10)
    filtered = {}
    for share in (0.5, 0.1):
        rng = np.random.default_rng(1)
        mask = rng.random(len(X)) < share
        f_recall, f_ok, f_ns = [], 0, []
        graph_before = index.ann_stats["hnsw"]
        for q in Q:
            t0 = time.perf_counter_ns()
            a, _ = index.search(q, 10, mask)
            f_ns.append(time.perf_counter_ns() - t0)
            f_ok += len(a) == 10 and all(mask[int(x)] for x in a)
            e, _ = index.search(q, 10, mask, exact=True)
            f_recall.append(len(set(a) & set(e)) / 10)
        filtered[f"filtered_{round(share * 100)}pct"] = {
            "allowed_vectors": int(mask.sum()),
            "recall_at_10": round(float(np.mean(f_recall)), 4),
            "queries_with_10_allowed_results": f_ok,
            "queries": len(Q),
            "query": stats(f_ns),
            "answered_by_graph": index.ann_stats["hnsw"] - graph_before,
            "answered_exactly": len(Q) - (index.ann_stats["hnsw"] - graph_before),
        }
    out["hnsw"] = {
        "vectors": source,
        "n_vectors": len(X),
        "dim": int(X.shape[1]),
        "config": index.ann_info,
        "build_seconds": round(secs, 2),
        "memory_mb": round(index._hnsw.memory_usage / 2**20, 1) if index._hnsw is not None else None,  # noqa: SLF001
        "recall_at_10": round(float(np.mean(recall)), 4),
        "query_exact": stats(exact_ns),
        "query_hnsw": stats(ann_ns),
        **filtered,
        "filter_policy": f"exact over the allowed rows when they are <= exact_rows ({cfg.exact_rows}), "
        "else graph over-fetch (k * n / allowed * oversample), doubling, then exact",
        "default_threshold": ANNConfig().threshold,
        "note": "exact vs HNSW interleaved per query; scores returned are exact inner products of the rows found",
    }
