"""The dense and fused methods of ``shopmind evaluate search``: exact dense retrieval through
an encoder and the vector cache (``DenseMethod``), and BM25F + dense fusion with its kind and
k/alpha chosen on the tuning half of the queries (``Hybrid``).

Split out of ``search/evaluate.py``; the learned re-rankers and the query adapter build on
these (``search.ltr.evaluate``, ``search.adapt.evaluate``); ``search.evaluate`` re-exports
every name.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.search.dense import (
    ENCODERS,
    DenseIndex,
    Encoder,
    VectorCache,
    linear_fuse,
    passage_text,
    rrf_fuse,
)
from shopmind.search.eval_data import NDCG_K, RECALL_K, EvalData, tuning_half
from shopmind.search.eval_methods import OursBM25
from shopmind.search.metrics import mean, ndcg_at_k

#: Where dense methods keep encoded vectors unless told otherwise.
DEFAULT_VECTORS = Path("shopmind-data/vectors")


class DenseMethod:
    """Exact dense retrieval over product titles (``passage_text``) with an ``Encoder``;
    vectors come from / go to a ``VectorCache`` (queries too), so a rebuild encodes only new
    texts. ``fit_info`` reports texts encoded vs served from the cache and encode seconds."""

    def __init__(
        self,
        encoder: str | Encoder = "use",
        vectors: Path | str | None = DEFAULT_VECTORS,
        name: str | None = None,
    ) -> None:
        self._encoder_spec = encoder
        self.encoder: Encoder | None = None if isinstance(encoder, str) else encoder
        self.name = name or (f"dense-{encoder}" if isinstance(encoder, str) else f"dense-{encoder.name}")
        self.cache = VectorCache(vectors)
        self.index: DenseIndex | None = None
        self.fit_info: dict[str, object] = {}

    def _enc(self) -> Encoder:
        if self.encoder is None:
            self.encoder = ENCODERS[str(self._encoder_spec)]()
        return self.encoder

    def fit(self, products: pl.DataFrame) -> None:
        enc = self._enc()
        ids = products["product_id"].to_list()
        texts = [passage_text(t, d) for t, d in products.select("title", "description").iter_rows()]
        before = dict(self.cache.stats)
        t0 = time.perf_counter()
        vecs = self.cache.passages(enc, texts)
        self.index = DenseIndex(ids, vecs)
        self.fit_info = {
            "encoder": enc.name,
            "passages": len(texts),
            "passages_encoded": self.cache.stats["encoded"] - before["encoded"],
            "passages_cached": self.cache.stats["hits"] - before["hits"],
            "encode_seconds": round(self.cache.stats["encode_seconds"] - before["encode_seconds"], 2),
            "fit_seconds": round(time.perf_counter() - t0, 2),
        }

    def query_vectors(self, queries: Sequence[str]) -> None:
        """Encode (or load) all ``queries`` at once, then keep them cached."""
        t0 = time.perf_counter()
        before = self.cache.stats["encoded"]
        self.cache.queries(self._enc(), list(queries))
        self.fit_info["queries_encoded"] = self.cache.stats["encoded"] - before
        self.fit_info["query_encode_seconds"] = round(time.perf_counter() - t0, 2)

    def prepare_queries(self, queries: Sequence[str]) -> None:
        self.query_vectors(queries)

    def qvec(self, query: str) -> np.ndarray:
        """The query's vector (an unseen query is encoded and kept in memory, not saved)."""
        return self.cache.queries(self._enc(), [query], save=False)[0]

    def search_scored(self, query: str, k: int) -> tuple[list[str], list[float]]:
        assert self.index is not None
        return self.index.search(self.qvec(query), k)

    def search(self, query: str, k: int) -> list[str]:
        return self.search_scored(query, k)[0]

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        assert self.index is not None
        return self.index.search(self.qvec(query), len(candidates), self.index.mask_of(candidates))[0]


#: Fusion grid searched on the tuning half of the queries.
RRF_KS = (1, 2, 5, 10, 20, 40, 60, 100)
ALPHAS = tuple(round(a * 0.05, 2) for a in range(21))
FUSION_DEPTH = 100


class Hybrid:
    """Fusion of ``OursBM25`` and a ``DenseMethod``, per query over the union of both top-100
    lists: RRF (``sum 1/(k + rank)``) or normalised linear (per-system min-max over the union,
    ``(1 - alpha) * bm25 + alpha * dense``; exact scores of both systems for every candidate,
    BM25 0 where no term matches). ``tune(data, queries)`` picks the kind and k/alpha by mean
    retrieval NDCG@10 on the tuning half of ``queries`` (``tuning_half``); the rerank view uses
    the same setting over the judged candidates."""

    def __init__(
        self,
        encoder: str = "use",
        vectors: Path | str | None = DEFAULT_VECTORS,
        name: str | None = None,
        kind: str = "linear",
        k: float = 60.0,
        alpha: float = 0.5,
    ) -> None:
        self.name = name or ("hybrid" if encoder == "use" else f"hybrid-{encoder}")
        self.lexical = OursBM25()
        self.dense = DenseMethod(encoder, vectors)
        self.kind, self.k, self.alpha = kind, k, alpha
        self.fit_info: dict[str, object] = {}
        self.tuning: dict[str, object] = {}

    def prepare_queries(self, queries: Sequence[str]) -> None:
        self.dense.query_vectors(queries)
        self.fit_info = dict(self.dense.fit_info)

    def fit(self, products: pl.DataFrame) -> None:
        self.lexical.fit(products)
        self.dense.fit(products)
        self.fit_info = dict(self.dense.fit_info)

    def _lists(self, query: str, depth: int = FUSION_DEPTH):
        assert self.lexical.index is not None and self.dense.index is not None
        lex_ids = self.lexical.index.search(query, depth).ids
        qv = self.dense.qvec(query)
        dense_ids, _ = self.dense.index.search(qv, depth)
        union = list(dict.fromkeys([*lex_ids, *dense_ids]))
        all_lex = self.lexical.index.scores(query)
        lex = {c: all_lex.get(c, 0.0) for c in union}
        dense = self.dense.index.score_ids(qv, union)
        return lex_ids, dense_ids, union, lex, dense

    def _fuse(self, lists, kind: str, param: float) -> list[str]:
        lex_ids, dense_ids, union, lex, dense = lists
        if kind == "rrf":
            return [d for d, _ in rrf_fuse([lex_ids, dense_ids], k=param)]
        return [d for d, _ in linear_fuse(lex, dense, param, union)]

    def _param(self) -> float:
        return self.k if self.kind == "rrf" else self.alpha

    def search(self, query: str, k: int) -> list[str]:
        return self._fuse(self._lists(query), self.kind, self._param())[:k]

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        assert self.lexical.index is not None and self.dense.index is not None
        cands = [c for c in candidates if c in self.dense.index.pos]
        qv = self.dense.qvec(query)
        all_lex = self.lexical.index.scores(query)
        lex = {c: all_lex.get(c, 0.0) for c in cands}
        dense = self.dense.index.score_ids(qv, cands)
        if self.kind == "rrf":
            lex_rank = [c for c, s in sorted(lex.items(), key=lambda x: -x[1]) if s > 0]
            dense_rank = [c for c, _ in sorted(dense.items(), key=lambda x: -x[1])]
            return [d for d, _ in rrf_fuse([lex_rank, dense_rank], k=self.k)]
        return [d for d, _ in linear_fuse(lex, dense, self.alpha, cands)]

    def tune(self, data: EvalData, queries: Sequence[str]) -> dict[str, object]:
        """Choose kind and k/alpha on the tuning half of ``queries`` (retrieval NDCG@10)."""
        tune_q = [q for q in queries if tuning_half(q)]
        t0 = time.perf_counter()
        cached = [(q, self._lists(q)) for q in tune_q]
        grid = [("rrf", float(k)) for k in RRF_KS] + [("linear", a) for a in ALPHAS]
        results = []
        for kind, param in grid:
            vals = [
                ndcg_at_k(self._fuse(lists, kind, param)[:RECALL_K], data.qrels[q], NDCG_K, data.min_grade)
                for q, lists in cached
            ]
            value, _ = mean(vals)
            results.append((kind, param, value))
        best_kind, best_param, best = max(
            results, key=lambda r: (-math.inf if math.isnan(r[2]) else r[2], r[0] == "linear")
        )
        self.kind = best_kind
        if best_kind == "rrf":
            self.k = best_param
        else:
            self.alpha = best_param
        best_rrf = max((r for r in results if r[0] == "rrf"), key=lambda r: r[2])
        best_lin = max((r for r in results if r[0] == "linear"), key=lambda r: r[2])
        self.tuning = {
            "split": "md5(query) last hex digit even = tuning half; metrics also reported on the other half",
            "tuning_queries": len(tune_q),
            "objective": "mean retrieval NDCG@10 on the tuning half",
            "chosen": {
                "kind": best_kind,
                ("k" if best_kind == "rrf" else "alpha"): best_param,
                "tuning_ndcg@10": round(best, 4),
            },
            "best_rrf": {"k": best_rrf[1], "tuning_ndcg@10": round(best_rrf[2], 4)},
            "best_linear": {"alpha": best_lin[1], "tuning_ndcg@10": round(best_lin[2], 4)},
            "grid": [{"kind": kd, "param": p, "ndcg@10": round(v, 4)} for kd, p, v in results],
            "seconds": round(time.perf_counter() - t0, 2),
        }
        return self.tuning
