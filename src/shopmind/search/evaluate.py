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
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import polars as pl

from shopmind.data.adapters import get_adapter
from shopmind.data.readers import InputError
from shopmind.quality.repair import strip_html
from shopmind.quality.svg import PALETTE, hbars
from shopmind.search.crosslang import EngineMethod, language_split, product_languages
from shopmind.search.dense import (
    ENCODERS,
    DenseIndex,
    Encoder,
    VectorCache,
    linear_fuse,
    passage_text,
    rrf_fuse,
)
from shopmind.search.lexical import FIELDS, BM25Params, LexicalIndex
from shopmind.search.metrics import mean, mrr_at_k, ndcg_at_k, recall_at_k
from shopmind.text.analysis import Analyzer

VIEWS = ("retrieval", "rerank")
NDCG_K, RECALL_K, MRR_K = 10, 100, 10
#: Grade from which a product counts as relevant (Recall, MRR), per format.
THRESHOLDS = {"home-depot": 2.33, "crowdflower": 3.0, "qbqtc": 1.0}
FORMULAS = {
    "ndcg@10": "sum_{r<=10} (grade - min_grade) / log2(r + 1); ideal DCG from the query's judged products; "
    "unjudged = 0; queries with ideal DCG 0 are left out",
    "recall@100": "share of the query's products with grade >= threshold in the top 100; queries with none left out",
    "mrr@10": "1/rank of the first product with grade >= threshold in the top 10 (0 if none); "
    "queries with none left out",
}


@runtime_checkable
class Method(Protocol):
    """A search method under evaluation."""

    name: str

    def fit(self, products: pl.DataFrame) -> None: ...

    def search(self, query: str, k: int) -> list[str]: ...

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        """The candidates this method scores, best first (others may be left out)."""
        ...


# ---------------------------------------------------------------------- methods
class OursBM25:
    """Our analyzer + fielded BM25 (``LexicalIndex``)."""

    def __init__(
        self, params: BM25Params | None = None, analyzer: Analyzer | None = None, name: str = "ours-bm25"
    ):
        self.name = name
        self.params = params
        self.analyzer = analyzer
        self.index: LexicalIndex | None = None

    def fit(self, products: pl.DataFrame) -> None:
        self.index = LexicalIndex(self.analyzer, self.params)
        self.index.upsert(products)

    def search(self, query: str, k: int) -> list[str]:
        assert self.index is not None
        return self.index.search(query, k).ids

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        assert self.index is not None
        return self.index.search(query, len(candidates), candidates=candidates).ids


class TantivyBM25:
    """tantivy-py with default settings: title + description as text fields (default tokenizer),
    queries through the default query parser over both fields (lenient parsing only when the
    strict parser rejects the query's syntax). Its tokenizer splits on non-alphanumerics, so a
    run of Chinese characters is one token."""

    name = "tantivy"

    def __init__(self) -> None:
        self.syntax_fallbacks = 0

    def fit(self, products: pl.DataFrame) -> None:
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("product_id", stored=True, tokenizer_name="raw")
        sb.add_text_field("title")
        sb.add_text_field("description")
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema)
        # one indexing thread: the same segment layout every run, so ties keep the same order
        # (scoring settings stay the defaults; BM25 statistics are index-wide either way)
        writer = self.index.writer(num_threads=1)
        for pid, title, desc in products.select("product_id", "title", "description").iter_rows():
            writer.add_document(tantivy.Document(product_id=pid, title=title or "", description=desc or ""))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def _parse(self, query: str):
        try:
            return self.index.parse_query(query, ["title", "description"])
        except ValueError:
            self.syntax_fallbacks += 1
            return self.index.parse_query_lenient(query, ["title", "description"])[0]

    def _ids(self, q, k: int) -> list[str]:
        hits = self.searcher.search(q, k).hits
        return [self.searcher.doc(addr)["product_id"][0] for score, addr in hits if score > 0]

    def search(self, query: str, k: int) -> list[str]:
        return self._ids(self._parse(query), k)

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        import tantivy

        only = tantivy.Query.term_set_query(self.schema, "product_id", list(candidates))
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, self._parse(query)), (tantivy.Occur.Must, only)]
        )
        return self._ids(q, len(candidates))


class BM25sDefault:
    """bm25s with default settings: ``bm25s.tokenize(stopwords="en")`` (no stemmer) and
    ``BM25()`` (method lucene, k1 1.5, b 0.75) over title + description."""

    name = "bm25s"

    def fit(self, products: pl.DataFrame) -> None:
        import bm25s

        self.ids = products["product_id"].to_list()
        self.pos = {p: i for i, p in enumerate(self.ids)}
        corpus = [f"{t or ''} {d or ''}" for t, d in products.select("title", "description").iter_rows()]
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)

    def _tokens(self, query: str) -> list[str]:
        import bm25s

        return bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]

    def search(self, query: str, k: int) -> list[str]:
        tokens = self._tokens(query)
        if not tokens:
            return []
        docs, scores = self.retriever.retrieve([tokens], k=min(k, len(self.ids)), show_progress=False)
        return [self.ids[d] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        tokens = self._tokens(query)
        if not tokens:
            return []
        scores = self.retriever.get_scores(tokens)
        scored = [(float(scores[self.pos[c]]), c) for c in candidates if c in self.pos]
        scored = [x for x in scored if x[0] > 0]
        scored.sort(key=lambda x: -x[0])
        return [c for _, c in scored]


class NeutralOrder:
    """Baseline that scores nothing: retrieval finds nothing, re-ranking keeps the neutral
    (hashed-id) order. Shows how much of a re-rank score the judged set gives for free."""

    name = "neutral"

    def fit(self, products: pl.DataFrame) -> None:
        return None

    def search(self, query: str, k: int) -> list[str]:
        return []

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        return []


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


def tuning_half(query: str) -> bool:
    """Fixed split of queries into halves by the md5 of their text (the evaluator's query
    order also comes from md5): True for the half fusion parameters are chosen on."""
    return int(hashlib.md5(query.encode()).hexdigest()[-1], 16) % 2 == 0


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


# ---------------------------------------------------------------------- data
@dataclass
class EvalData:
    """A search corpus and graded judgments: ``qrels[query][product_id] = grade``."""

    name: str
    products: pl.DataFrame
    qrels: dict[str, dict[str, float]]
    min_grade: float
    max_grade: float
    threshold: float
    notes: list[str] = field(default_factory=list)


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column in frame.columns:
        return pl.col(column).cast(pl.Utf8)
    return pl.lit(None, dtype=pl.Utf8).alias(column)


def prepare(
    products: pl.DataFrame,
    judgments: pl.DataFrame,
    name: str,
    scale: tuple[float, float] | None = None,
    threshold: float | None = None,
) -> EvalData:
    """Clean products (one row per id, HTML stripped) and judgments (mean grade per pair)."""
    notes: list[str] = []
    cols = [_text(products, "product_id"), _text(products, "title")]
    cols += [_text(products, c) for c in FIELDS if c not in ("title", "attributes")]
    if "attributes" in products.columns:
        cols.append(pl.col("attributes"))
    for extra in ("language", "currency"):  # the cross-language split; the engine's currency
        if extra in products.columns:
            cols.append(_text(products, extra))
    if "price" in products.columns:
        cols.append(pl.col("price").cast(pl.Float64, strict=False))
    prods = products.select(cols).filter(pl.col("product_id").is_not_null())
    n = prods.height
    prods = prods.unique("product_id", keep="first", maintain_order=True)
    if prods.height < n:
        notes.append(f"{n - prods.height} duplicate product rows dropped (first kept)")
    prods = prods.with_columns(
        pl.col("description").map_elements(strip_html, return_dtype=pl.Utf8),
        pl.col("title").map_elements(strip_html, return_dtype=pl.Utf8),
    )
    j = judgments.select(
        pl.col("query").cast(pl.Utf8),
        pl.col("product_id").cast(pl.Utf8),
        pl.col("relevance").cast(pl.Float64, strict=False),
    ).drop_nulls()
    j = j.filter(pl.col("query").str.strip_chars() != "")
    j = j.group_by("query", "product_id", maintain_order=True).agg(pl.col("relevance").mean())
    known = set(prods["product_id"].to_list())
    missing = j.filter(~pl.col("product_id").is_in(list(known))).height
    if missing:
        notes.append(f"{missing} judgments of products not in the corpus dropped")
        j = j.filter(pl.col("product_id").is_in(list(known)))
    if j.height == 0:
        raise InputError("no usable judgments (query, product_id, relevance) in the dataset")
    lo, hi = scale if scale is not None else (float(j["relevance"].min()), float(j["relevance"].max()))
    if threshold is None:
        threshold = THRESHOLDS.get(name, lo + (hi - lo) * 2 / 3)
    qrels: dict[str, dict[str, float]] = {}
    for q, p, r in j.iter_rows():
        qrels.setdefault(q, {})[p] = float(r)
    return EvalData(name, prods, qrels, float(lo), float(hi), float(threshold), notes)


def load_dataset(fmt: str, path: Path | str, threshold: float | None = None) -> EvalData:
    """Products and judgments of ``path`` read by the adapter ``fmt``."""
    if fmt not in ("home-depot", "crowdflower", "qbqtc", "canonical"):
        raise InputError(
            f"format {fmt!r} has no search judgments; valid: home-depot, crowdflower, qbqtc, canonical"
        )
    batch = get_adapter(fmt).load(Path(path))
    if batch.products is None or batch.judgments is None:
        raise InputError(f"{path}: the {fmt} data needs both products and judgments")
    scale = batch.meta.get("relevance_scale")
    return prepare(batch.products, batch.judgments, fmt, tuple(scale) if scale else None, threshold)  # type: ignore[arg-type]


def select_queries(queries: Iterable[str], limit: int | None) -> list[str]:
    """Queries in a fixed pseudo-random order (md5 of the text); the first ``limit`` of them."""
    ordered = sorted(queries, key=lambda q: (hashlib.md5(q.encode()).hexdigest(), q))
    return ordered if limit is None else ordered[:limit]


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
            res["tuning"] = tune(data, queries)
            protocol = res["tuning"].get("protocol")  # type: ignore[union-attr]
            if protocol:  # learned re-rankers state how they avoid scoring their training queries
                out["notes"].append(f"{m.name}: {protocol}")  # type: ignore[union-attr]
        for view in views:
            per_q: dict[str, list[float | None]] = {"ndcg@10": [], "recall@100": [], "mrr@10": []}
            t1 = time.perf_counter()
            for q in tqdm(queries, desc=f"{m.name} {view}", unit="q", disable=not progress, leave=False):
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


# ---------------------------------------------------------------------- report
def write_report(summary: dict[str, object], out_dir: Path | str, stem: str) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and a self-contained ``<stem>.html`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{stem}.json"
    html_path = out_dir / f"{stem}.html"
    json_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    html_path.write_text(render_html(summary), encoding="utf-8")
    return json_path, html_path


def render_html(s: dict[str, object]) -> str:
    methods: dict[str, dict] = s["methods"]  # type: ignore[assignment]
    metrics = ("ndcg@10", "recall@100", "mrr@10")
    views = sorted({v for m in methods.values() for v in m["views"]}, key=lambda v: VIEWS.index(v))
    rows = []
    for name, m in methods.items():
        for v in views:
            r = m["views"].get(v)
            if r is None:
                continue
            cells = "".join(f"<td>{_fmt(r[k])}</td>" for k in metrics)
            rows.append(
                f"<tr><td>{escape(name)}</td><td>{v}</td>{cells}<td>{r['queries_per_second']}</td></tr>"
            )
            h = r.get("heldout")
            if h:
                cells = "".join(f"<td>{_fmt(h[k])}</td>" for k in metrics)
                rows.append(f"<tr><td>{escape(name)}</td><td>{v}, held-out half</td>{cells}<td></td></tr>")
    charts = []
    for i, (name, m) in enumerate(methods.items()):
        items = [
            (f"{v} {k}", float(m["views"][v][k]))
            for v in views
            for k in metrics
            if v in m["views"] and m["views"][v][k] is not None
        ]
        tuned = m.get("tuning", {}).get("chosen")
        what = (
            "scored out of fold" if "protocol" in m.get("tuning", {}) else "fusion chosen on the tuning half"
        )
        tuned_txt = f" {what}: {escape(json.dumps(tuned))}" if tuned else ""
        charts.append(
            f"<h3>{escape(name)} <span class='muted'>(fit {m['fit_seconds']} s){tuned_txt}</span></h3>"
            + hbars(items, color=PALETTE[i % len(PALETTE)], fmt="{:.3f}")
        )
    compare = []
    for v in views:
        items = [
            (f"{n} {v}", float(m["views"][v]["ndcg@10"]))
            for n, m in methods.items()
            if v in m["views"] and m["views"][v]["ndcg@10"] is not None
        ]
        compare.append(f"<h3>NDCG@10, {v}</h3>" + hbars(items, fmt="{:.3f}"))
    lang_rows = "".join(
        f"<tr><td>{escape(n)}</td><td>{_fmt(m['languages']['same_language_ndcg@10'])}</td>"
        f"<td>{_fmt(m['languages']['cross_language_ndcg@10'])}</td><td>{_fmt(m['languages']['cross_over_same'])}</td></tr>"
        for n, m in methods.items()
        if m.get("languages")
    )
    languages = (
        "<h2>Across languages</h2><p>NDCG@10 ranking every product of the query's own language "
        "(same) or of the other language (cross), on those products' judgments; goal cross/same >= 0.8.</p>"
        f"<table><tr><th>method</th><th>same-language</th><th>cross-language</th><th>cross/same</th></tr>{lang_rows}</table>"
        if lang_rows
        else ""
    )
    formulas = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in s["formulas"].items())  # type: ignore[union-attr]
    view_notes = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in s["views"].items())  # type: ignore[union-attr]
    notes = "".join(f"<li>{escape(n)}</li>" for n in s["notes"])  # type: ignore[union-attr]
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Search evaluation: {escape(str(s["dataset"]))}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child,td:nth-child(2){{text-align:left}}
.muted{{color:#777;font-weight:normal}}</style></head><body>
<h1>Search evaluation: {escape(str(s["dataset"]))}</h1>
<p>{s["n_products"]:,} products, {s["n_queries"]:,} queries, {s["n_judgments"]:,} judgments; grades {s["scale"][0]:g}–{s["scale"][1]:g},
relevant from {s["relevance_threshold"]:g}. {escape(str(s["created_at"]))}</p>
<p>{escape(str(s.get("split", "")))}</p>
<table><tr><th>method</th><th>view</th><th>NDCG@10</th><th>Recall@100</th><th>MRR@10</th><th>queries/s</th></tr>
{"".join(rows)}</table>
{"".join(compare)}
{languages}
<h2>Per method</h2>{"".join(charts)}
<h2>Definitions</h2><ul>{formulas}{view_notes}</ul>
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
</body></html>"""


def _fmt(v: object) -> str:
    return "–" if v is None else f"{v:.4f}"  # type: ignore[str-format]
