"""The search pipeline timed stage by stage from its components (analysis to LTR)."""

from __future__ import annotations

import time

import numpy as np

from shopmind.search.dense import (
    DenseIndex,
    Encoder,
    VectorCache,
    linear_fuse,
)
from shopmind.search.evaluate import EvalData
from shopmind.search.lexical import LexicalIndex

from .common import ALPHA, DEPTH, encoder_for, passage_vectors, stats, timed


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
