"""Evaluate search methods side by side on graded judgments (``shopmind evaluate search``).

A dataset comes in through the adapters (``home-depot``, ``crowdflower``, ``qbqtc``, or
``canonical`` for any folder of canonical products + judgments), so held-out judgments in
the same formats run unchanged. Every method sees the same cleaned product text (HTML
stripped from descriptions) and the same queries, in one run.

Views:

- ``rerank``: per query, order its judged products (products no method scores keep a
  neutral order: by a hash of the id, identical for every method).
- ``retrieval``: rank the whole corpus, top 100; unjudged products gain 0 (a lower bound).

Methods are pluggable: anything with ``name``, ``fit(products)``, ``search(query, k)`` and
``rerank(query, candidates)`` (see ``Method``). Dense, fusion and LTR methods plug in here.

This module is the evaluator and the method registry; its parts live beside it:
``eval_data.py`` (protocol, datasets, query split), ``eval_methods.py`` (BM25F, tantivy,
bm25s, neutral), ``eval_dense.py`` (dense, fusion), ``eval_report.py`` (JSON + HTML). Every
name that lived here is re-exported.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shopmind.data.readers import InputError
from shopmind.search.crosslang import EngineMethod, language_split, product_languages
from shopmind.search.eval_data import (
    FORMULAS,
    MRR_K,
    NDCG_K,
    RECALL_K,
    THRESHOLDS,
    VIEWS,
    EvalData,
    load_dataset,
    prepare,
    select_queries,
    tuning_half,
)
from shopmind.search.eval_dense import ALPHAS, DEFAULT_VECTORS, FUSION_DEPTH, RRF_KS, DenseMethod, Hybrid
from shopmind.search.eval_methods import BM25sDefault, Method, NeutralOrder, OursBM25, TantivyBM25
from shopmind.search.eval_report import render_html, write_report
from shopmind.search.metrics import mean, mrr_at_k, ndcg_at_k, recall_at_k

METHODS: dict[str, Callable[..., Method]] = {
    "ours": OursBM25,
    # the SearchEngine as served (understanding, synonyms, cross-language alternatives)
    "engine": EngineMethod,
    "engine-static": lambda vectors=DEFAULT_VECTORS: EngineMethod("static", vectors),
    "tantivy": TantivyBM25,
    "bm25s": BM25sDefault,
    "neutral": NeutralOrder,
    "dense-use": lambda vectors=DEFAULT_VECTORS: DenseMethod("use", vectors),
    "dense-e5": lambda vectors=DEFAULT_VECTORS: DenseMethod("e5", vectors),
    "hybrid": lambda vectors=DEFAULT_VECTORS: Hybrid("use", vectors),
    "hybrid-e5": lambda vectors=DEFAULT_VECTORS: Hybrid("e5", vectors),
    # learned re-rankers (shopmind.search.ltr): scored out of fold, query-level 5-fold
    "fusion+ltr": lambda vectors=DEFAULT_VECTORS: _ltr("fusion", vectors),
    "fusion-e5+ltr": lambda vectors=DEFAULT_VECTORS: _ltr("fusion", vectors, "e5"),
    "bm25+ltr": lambda: _ltr("bm25", None),
    # the static (per-word) embedding distilled from e5, alone and concatenated with USE (issue 17)
    "dense-static": lambda vectors=DEFAULT_VECTORS: DenseMethod("static", vectors),
    "hybrid-static": lambda vectors=DEFAULT_VECTORS: Hybrid("static", vectors),
    "fusion-static+ltr": lambda vectors=DEFAULT_VECTORS: _ltr("fusion", vectors, "static"),
    "dense-static-fit": lambda vectors=DEFAULT_VECTORS: DenseMethod("static-fit", vectors),
    "fusion-static-fit+ltr": lambda vectors=DEFAULT_VECTORS: _ltr("fusion", vectors, "static-fit"),
    "dense-static+use": lambda vectors=DEFAULT_VECTORS: DenseMethod("static+use", vectors),
    "fusion-static+use+ltr": lambda vectors=DEFAULT_VECTORS: _ltr("fusion", vectors, "static+use"),
    # the shop-tuned query adapter (shopmind.search.adapt, issue 12): trained on the tuning half
    "dense-e5+adapt": lambda vectors=DEFAULT_VECTORS: _adapt("dense", vectors),
    "hybrid-e5+adapt": lambda vectors=DEFAULT_VECTORS: _adapt("hybrid", vectors),
    "fusion-e5+adapt+ltr": lambda vectors=DEFAULT_VECTORS: _adapt("ltr", vectors),
}
#: Methods whose constructor takes the vector cache folder.
DENSE_METHODS = ("dense-use", "dense-e5", "hybrid", "hybrid-e5", "fusion+ltr", "fusion-e5+ltr")
DENSE_METHODS += ("engine-static",)
DENSE_METHODS += (
    "dense-static",
    "hybrid-static",
    "fusion-static+ltr",
    "dense-static+use",
    "fusion-static+use+ltr",
    "dense-static-fit",
    "fusion-static-fit+ltr",
)


DENSE_METHODS += ("dense-e5+adapt", "hybrid-e5+adapt", "fusion-e5+adapt+ltr")


def _adapt(kind: str, vectors: Path | str | None) -> Method:
    from shopmind.search.adapt import evaluate as adapt_eval

    if kind == "dense":
        return adapt_eval.AdaptedDense("e5", vectors)
    if kind == "hybrid":
        return adapt_eval.AdaptedHybrid("e5", vectors)
    return adapt_eval.adapted_ltr("e5", vectors)


def _ltr(base: str, vectors: Path | str | None, encoder: str = "use") -> Method:
    from shopmind.search.ltr import LTREval

    return LTREval(base, vectors, encoder)


def _neutral(pid: str) -> str:
    return hashlib.md5(pid.encode()).hexdigest()


# ---------------------------------------------------------------------- evaluation
def evaluate(
    data: EvalData,
    methods: Sequence[Method],
    views: Sequence[str] = VIEWS,
    limit_queries: int | None = None,
    progress: bool = True,
) -> dict[str, object]:
    """Fit every method on the corpus and score it on every view; a JSON-ready summary."""
    from tqdm import tqdm

    queries = select_queries(data.qrels, limit_queries)
    out: dict[str, object] = {
        "dataset": data.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "n_products": data.products.height,
        "n_queries": len(queries),
        "n_judgments": sum(len(data.qrels[q]) for q in queries),
        "scale": [data.min_grade, data.max_grade],
        "relevance_threshold": data.threshold,
        "formulas": FORMULAS,
        "notes": list(data.notes),
        **({"gate": data.gate} if data.gate else {}),
        "views": {
            "retrieval": f"rank the whole corpus ({data.products.height:,} products), top {RECALL_K}",
            "rerank": "order each query's judged products (mean "
            f"{np.mean([len(data.qrels[q]) for q in queries]):.1f} per query); unscored ones in a neutral order; "
            "Recall@100 is 1 whenever a query has <= 100 judged products",
        },
        "methods": {},
    }
    mean_judged = float(np.mean([len(data.qrels[q]) for q in queries]))
    if "rerank" in views and mean_judged < 2:
        out["notes"].append(  # type: ignore[union-attr]
            f"rerank view nearly trivial: {mean_judged:.2f} judged products per query; read the retrieval view"
        )
    held = [not tuning_half(q) for q in queries]
    out["split"] = (
        f"metrics on all {len(queries)} queries and on the held-out half ({sum(held)} queries: md5(query) "
        "last hex digit odd); fused methods choose their parameters on the other (tuning) half only"
    )
    for m in methods:
        t0 = time.perf_counter()
        m.fit(data.products)
        res: dict[str, object] = {"fit_seconds": round(time.perf_counter() - t0, 3), "views": {}}
        prep = getattr(m, "prepare_queries", None)
        if prep is not None:
            prep(queries)
        tune = getattr(m, "tune", None)
        if tune is not None:
            # a method with a model per view (LTREval) trains only the views asked for
            per_view = "views" in inspect.signature(tune).parameters
            res["tuning"] = tune(data, queries, views=views) if per_view else tune(data, queries)
            protocol = res["tuning"].get("protocol")  # type: ignore[union-attr]
            if protocol:  # learned re-rankers state how they avoid scoring their training queries
                out["notes"].append(f"{m.name}: {protocol}")  # type: ignore[union-attr]
        for view in views:
            per_q: dict[str, list[float | None]] = {"ndcg@10": [], "recall@100": [], "mrr@10": []}
            t1 = time.perf_counter()
            # disable=None: a bar on a terminal only - `disable=False` wrote every refresh ('\r ...') into a
            # log or `| tee` unless --no-progress (noticed in session 33); --no-progress still turns it off
            bar = tqdm(
                queries, desc=f"{m.name} {view}", unit="q", disable=None if progress else True, leave=False
            )
            for q in bar:
                grades = data.qrels[q]
                if view == "retrieval":
                    ranked = m.search(q, RECALL_K)
                else:
                    cands = sorted(grades, key=_neutral)
                    ranked = m.rerank(q, cands)
                    seen = set(ranked)
                    ranked = list(ranked) + [c for c in cands if c not in seen]
                per_q["ndcg@10"].append(ndcg_at_k(ranked, grades, NDCG_K, data.min_grade))
                per_q["recall@100"].append(recall_at_k(ranked, grades, RECALL_K, data.threshold))
                per_q["mrr@10"].append(mrr_at_k(ranked, grades, MRR_K, data.threshold))
            secs = time.perf_counter() - t1
            metrics = {}
            for key, vals in per_q.items():
                value, n = mean(vals)
                metrics[key] = None if math.isnan(value) else round(value, 4)
                metrics[f"{key}_queries"] = n
            metrics["seconds"] = round(secs, 2)
            metrics["queries_per_second"] = round(len(queries) / secs, 1) if secs > 0 else None
            heldout: dict[str, object] = {}
            for key, vals in per_q.items():
                value, n = mean([v for v, h in zip(vals, held, strict=True) if h])
                heldout[key] = None if math.isnan(value) else round(value, 4)
                heldout[f"{key}_queries"] = n
            metrics["heldout"] = heldout
            res["views"][view] = metrics  # type: ignore[index]
        split = language_split(m, data.qrels, product_languages(data.products), queries, data.min_grade)
        if split is not None:  # a bilingual catalog: same- vs cross-language NDCG@10 (crosslang.py)
            res["languages"] = split
        extra = getattr(m, "syntax_fallbacks", None)
        if extra:
            res["query_syntax_fallbacks"] = extra
        info = getattr(m, "fit_info", None)
        if info:
            res["fit_info"] = info
        out["methods"][m.name] = res  # type: ignore[index]
    return out


def make_methods(names: Iterable[str], vectors: Path | str | None = DEFAULT_VECTORS) -> list[Method]:
    """Methods by name; dense and hybrid ones keep their vectors in ``vectors``."""
    out = []
    for n in names:
        if n not in METHODS:
            raise InputError(f"unknown method {n!r}; valid: {', '.join(METHODS)}")
        out.append(METHODS[n](vectors) if n in DENSE_METHODS else METHODS[n]())
    return out


__all__ = [
    "ALPHAS",
    "DEFAULT_VECTORS",
    "DENSE_METHODS",
    "FORMULAS",
    "FUSION_DEPTH",
    "METHODS",
    "MRR_K",
    "NDCG_K",
    "RECALL_K",
    "RRF_KS",
    "THRESHOLDS",
    "VIEWS",
    "BM25sDefault",
    "DenseMethod",
    "EvalData",
    "Hybrid",
    "Method",
    "NeutralOrder",
    "OursBM25",
    "TantivyBM25",
    "evaluate",
    "load_dataset",
    "make_methods",
    "prepare",
    "render_html",
    "select_queries",
    "tuning_half",
    "write_report",
]
