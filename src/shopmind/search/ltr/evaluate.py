"""Out-of-fold evaluation of the learned re-ranker (``fusion+ltr`` / ``bm25+ltr``).

``LTREval`` is a ``shopmind evaluate search`` method: queries are split by ``fold_of`` so a
model never scores a query it was trained on.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from shopmind.search.eval_data import VIEWS
from shopmind.search.ltr.features import FEATURES, F, FeatureExtractor, _minmax, relative_columns, split_folds
from shopmind.search.ltr.model import DEFAULT_PARAMS, DEFAULT_ROUNDS, LABEL_LEVELS, LTRModel, grade_labels
from shopmind.search.metrics import mean, mrr_at_k, ndcg_at_k, recall_at_k

if TYPE_CHECKING:
    from shopmind.search.dense_encoders import Encoder
    from shopmind.search.evaluate import EvalData
    from shopmind.search.query import Understood

ALPHAS = tuple(round(a * 0.05, 2) for a in range(21))


def _ndcg10(order: np.ndarray, gains: np.ndarray, ideal: float) -> float:
    g = gains[order[:10]]
    return float((g / np.log2(np.arange(2, len(g) + 2))).sum() / ideal)


class LTREval:
    """``fusion+ltr`` / ``bm25+ltr`` for ``shopmind evaluate search``, scored out of fold.

    Protocol: queries are split into ``k`` folds by ``fold_of`` (md5 of the normalised query
    text), so equal queries share a fold; a query is scored only by the model trained on the
    other folds. Everything learned from judgments is learned inside the training folds: the
    LightGBM model and, for ``fusion``, the linear fusion weight alpha that picks the 100
    candidates (grid on the training folds' retrieval NDCG@10). LightGBM hyperparameters are
    fixed a priori (``DEFAULT_PARAMS``, ``DEFAULT_ROUNDS``). Retrieval view: candidates = top
    100 of the first stage (fusion of BM25F and dense top-100 lists, or BM25F alone); training
    labels there are the grades, unjudged = the scale's minimum. Rerank view: candidates =
    the judged products; a separate model per fold trained on the training folds' judged sets.
    Features never use judgments of any query.
    """

    def __init__(
        self,
        base: str = "fusion",
        vectors: Path | str | None = None,
        encoder: str | Encoder = "use",
        k_folds: int = 5,
        num_rounds: int = DEFAULT_ROUNDS,
        depth: int = 100,
    ) -> None:
        from shopmind.search.evaluate import DEFAULT_VECTORS, DenseMethod, OursBM25

        if base not in ("fusion", "bm25"):
            raise ValueError(f"unknown LTR base {base!r}; valid: fusion, bm25")
        self.base = base
        spec = encoder if isinstance(encoder, str) else encoder.name
        self.name = f"{base}+ltr" if base == "bm25" or spec == "use" else f"{base}-{spec}+ltr"
        self.lexical = OursBM25()
        self.dense = (
            DenseMethod(encoder, DEFAULT_VECTORS if vectors is None else vectors)
            if base == "fusion"
            else None
        )
        self.k_folds, self.num_rounds, self.depth = k_folds, num_rounds, depth
        self.extractor: FeatureExtractor | None = None
        self.models: dict[tuple[str, int], LTRModel] = {}
        self.alpha: dict[int, float] = {}
        self.ranked: dict[str, dict[str, list[str]]] = {"retrieval": {}, "rerank": {}}
        self.fit_info: dict[str, object] = {}
        self.understand: Callable[[str], Understood] | None = None
        self._stage: dict[str, tuple[list[str], np.ndarray]] = {}
        self._judged: dict[str, tuple[list[str], np.ndarray]] = {}

    def first_stage_label(self) -> str:
        """What picks the candidates, naming the encoder really used (the report said
        "BM25F+USE" for every fusion, e5 included)."""
        if self.dense is None:
            return "BM25F"
        enc = self.dense.encoder.name if self.dense.encoder is not None else str(self.dense._encoder_spec)
        return f"BM25F+{enc} linear fusion"

    # -- Method protocol
    def fit(self, products: pl.DataFrame) -> None:
        self.lexical.fit(products)
        dense_index = None
        if self.dense is not None:
            self.dense.fit(products)
            dense_index = self.dense.index
            self.fit_info = dict(self.dense.fit_info)
        assert self.lexical.index is not None
        self.extractor = FeatureExtractor(self.lexical.index, products, dense_index)
        self.understand = _understanding(products)

    def prepare_queries(self, queries: Sequence[str]) -> None:
        if self.dense is not None:
            self.dense.query_vectors(queries)
            self.fit_info = dict(self.dense.fit_info)

    def _qvec(self, q: str) -> np.ndarray | None:
        return self.dense.qvec(q) if self.dense is not None else None

    def _first_stage(self, queries: Sequence[str]) -> dict[str, tuple[list[str], np.ndarray, np.ndarray]]:
        """Per query: the union of the first-stage top lists, with BM25F and cosine over it.
        Dense top lists come from one matrix product per batch of queries (BLAS gemm, not a
        gemv per query)."""
        assert self.lexical.index is not None and self.extractor is not None
        dense_top: dict[str, list[str]] = {}
        if self.dense is not None and self.dense.index is not None:
            di = self.dense.index
            for start in range(0, len(queries), 256):
                batch = list(queries[start : start + 256])
                Q = np.vstack([self._qvec(q) for q in batch]).astype(np.float32)
                S = Q @ di.vectors.T  # (batch, products): rows contiguous for argpartition
                k = min(self.depth, S.shape[1])
                part = np.argpartition(-S, k - 1, axis=1)[:, :k]
                for j, q in enumerate(batch):
                    rows = part[j]
                    rows = rows[np.lexsort((rows, -S[j, rows]))]
                    dense_top[q] = [di.ids[i] for i in rows]
        out = {}
        for q in queries:
            lex_ids = self.lexical.index.search(q, self.depth).ids
            union = list(dict.fromkeys([*lex_ids, *dense_top.get(q, [])]))
            union = [c for c, k in zip(union, self.extractor.known(union), strict=True) if k]
            u = self.understand(q) if self.understand else None
            out[q] = (union, self.extractor.features(q, union, self._qvec(q), u, alpha=0.0))
        return out

    def _candidates(self, q: str, view: str, alpha: float) -> tuple[list[str], np.ndarray]:
        """A view's candidates of ``q`` and their features for fusion weight ``alpha``:
        retrieval = top ``depth`` of the fused union, rerank = the judged products."""
        union, X = self._stage[q] if view == "retrieval" else self._judged[q]
        if view == "retrieval":
            order = self._fused_order(X, alpha)
            union, X = [union[i] for i in order], X[order]
        return union, relative_columns(X.copy(), alpha)

    def _fused_order(self, X: np.ndarray, alpha: float) -> np.ndarray:
        lex = X[:, F["bm25f"]].astype(np.float64)
        cos = X[:, F["dense_cos"]].astype(np.float64)
        if self.dense is not None and np.isfinite(cos).any():
            cos = np.where(np.isfinite(cos), cos, np.nanmin(cos))
            s = (1.0 - alpha) * _minmax(lex) + alpha * _minmax(cos)
        else:
            s = lex
        return np.lexsort((np.arange(len(s)), -s))[: self.depth]

    def tune(self, data: EvalData, queries: Sequence[str], views: Sequence[str] = VIEWS) -> dict[str, object]:
        """Train the out-of-fold models for every query and rank with them, for the ``views``
        asked only: each view has its own models (``k_folds`` each), and training the rerank
        ones when only retrieval is read doubled the LTR time on QBQTC. Views are trained in a
        fixed order, so a view's models and figures do not depend on which others are asked."""
        unknown = [v for v in views if v not in VIEWS]
        if unknown or not views:
            raise ValueError(f"unknown LTR views {list(views)!r}; valid: {', '.join(VIEWS)}")
        trained = [v for v in VIEWS if v in views]
        assert self.extractor is not None
        t0 = time.perf_counter()
        lo, hi = data.min_grade, data.max_grade
        splits = split_folds(list(queries), self.k_folds)
        self._stage = self._first_stage(list(queries))
        self._judged = {}
        for q in queries if "rerank" in trained else ():
            judged = [c for c in sorted(data.qrels[q], key=_neutral) if c in self.extractor.pos]
            judged = [c for c, k in zip(judged, self.extractor.known(judged), strict=True) if k]
            u = self.understand(q) if self.understand else None
            self._judged[q] = (judged, self.extractor.features(q, judged, self._qvec(q), u, alpha=0.0))
        t_stage = time.perf_counter() - t0
        ideal = {
            q: sum(
                v / math.log2(r + 2)
                for r, v in enumerate(sorted((x - lo for x in data.qrels[q].values()), reverse=True)[:10])
            )
            for q in queries
        }
        # per fold: the fusion weight alpha picking the candidates, chosen on the training folds
        alpha_grid: dict[int, list[tuple[float, float]]] = {}
        for f in range(self.k_folds):
            if self.dense is None:
                self.alpha[f] = 0.0
                continue
            train_q = [q for q in splits[f][0] if ideal[q] > 0]
            gains = {q: np.array([data.qrels[q].get(c, lo) - lo for c in self._stage[q][0]]) for q in train_q}
            scores = []
            for a in ALPHAS:
                vals = [_ndcg10(self._fused_order(self._stage[q][1], a), gains[q], ideal[q]) for q in train_q]
                scores.append((a, float(np.mean(vals)) if vals else 0.0))
            alpha_grid[f] = scores
            self.alpha[f] = max(scores, key=lambda s: (s[1], -abs(s[0] - 0.5)))[0]
        t_feat = time.perf_counter() - t0 - t_stage
        # the first stage's own order, scored on the same out-of-fold protocol (same-run baseline)
        base = {v: {"ndcg@10": [], "recall@100": [], "mrr@10": []} for v in trained}
        fold_info = []
        for view in trained:
            for f in range(self.k_folds):
                a = self.alpha[f]
                X_parts, y_parts, groups = [], [], []
                for q in splits[f][0]:
                    cands, X = self._candidates(q, view, a)
                    if len(cands) < 2:
                        continue
                    g = data.qrels[q]
                    y = grade_labels(np.array([g.get(c, np.nan) for c in cands]), lo, hi)
                    if y.max() == 0:
                        continue
                    X_parts.append(X)
                    y_parts.append(y)
                    groups.append(len(cands))
                model = LTRModel(num_rounds=self.num_rounds)
                if groups:
                    model.fit(np.vstack(X_parts), np.concatenate(y_parts), groups)
                    self.models[(view, f)] = model
                test = splits[f][1]
                for q in test:
                    cands, X = self._candidates(q, view, a)
                    first = cands if view == "retrieval" else [cands[i] for i in self._fused_order(X, a)]
                    g = data.qrels[q]
                    base[view]["ndcg@10"].append(ndcg_at_k(first, g, 10, lo))
                    base[view]["recall@100"].append(recall_at_k(first, g, 100, data.threshold))
                    base[view]["mrr@10"].append(mrr_at_k(first, g, 10, data.threshold))
                    if (view, f) in self.models and len(cands):
                        s = model.predict(X)
                        order = np.lexsort((np.arange(len(s)), -s))
                        self.ranked[view][q] = [cands[i] for i in order]
                    else:
                        self.ranked[view][q] = list(cands)
                fold_info.append(
                    {
                        "view": view,
                        "fold": f,
                        "alpha": a if self.dense is not None else None,
                        "train_queries": len(groups),
                        "test_queries": len(test),
                        **{k: v for k, v in model.train_info.items() if k != "queries"},
                        "top_features": model.importance(5) if model.booster is not None else [],
                    }
                )
        self.tuning = {
            "protocol": (
                f"query-level {self.k_folds}-fold cross-fitting: fold = md5(normalised query) mod {self.k_folds} "
                "(equal normalised queries share a fold); each query is scored by the model trained on the other "
                "folds only; "
                + (
                    "the fusion alpha picking the candidates is chosen on the training folds too; "
                    if self.dense
                    else ""
                )
                + "LightGBM hyperparameters fixed a priori; features use no judgments"
            ),
            "chosen": {
                "protocol": f"{self.k_folds}-fold out-of-fold",
                "candidates": f"top {self.depth} of {self.first_stage_label()}",
                "alpha_per_fold": [self.alpha[f] for f in range(self.k_folds)]
                if self.dense is not None
                else None,
                "first_stage_ndcg@10": {v: round(mean(d["ndcg@10"])[0], 4) for v, d in base.items()},
            },
            "params": {k: v for k, v in DEFAULT_PARAMS.items() if k != "verbose"},
            "num_rounds": self.num_rounds,
            "label_levels": LABEL_LEVELS,
            "features": list(FEATURES),
            "understanding": self.understand is not None,
            "folds": fold_info,
            "alpha_grid": {str(f): [(a, round(v, 4)) for a, v in s] for f, s in alpha_grid.items()},
            "first_stage": {
                v: {k: round(mean(vals)[0], 4) for k, vals in d.items()} for v, d in base.items()
            },
            "seconds": {
                "first_stage": round(t_stage, 1),
                "features": round(t_feat, 1),
                "total": round(time.perf_counter() - t0, 1),
            },
        }
        return self.tuning

    def search(self, query: str, k: int) -> list[str]:
        got = self.ranked["retrieval"].get(query)
        if got is None:
            raise KeyError(f"{query!r} was not prepared: LTREval scores only the queries given to tune()")
        return got[:k]

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        got = self.ranked["rerank"].get(query)
        if got is None or set(got) - set(candidates):
            raise KeyError(f"{query!r}: re-rank candidates differ from the judged set prepared in tune()")
        return got


def _neutral(pid: str) -> str:
    return hashlib.md5(pid.encode()).hexdigest()


def _understanding(products: pl.DataFrame) -> Callable[[str], Understood] | None:
    """Query understanding over the catalog when that module is available (else None)."""
    try:
        from shopmind.search.graph import KnowledgeGraph  # type: ignore[import-not-found]
        from shopmind.search.understand import QueryUnderstanding  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        qu = QueryUnderstanding(KnowledgeGraph.build(products, None))
    except Exception:  # noqa: BLE001 - an optional feature source must not break evaluation
        return None
    return qu.parse
