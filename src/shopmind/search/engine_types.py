"""The search API's value types: settings, errors, protocols, responses, candidates.

Why a module of its own: ``SearchConfig``, ``SearchError``, ``SearchResponse`` and the
``QueryParser``/``Reranker`` protocols are what callers (the HTTP routes, the release build,
tune, experiments, the assistant) hold and pass around; they carry no engine code, and every
part of the engine (query input, retrieval, results, persistence) reads them. ``_Candidates`` is
the result set the engine's stages hand each other. All are re-exported by
:mod:`shopmind.search.engine`, where callers import them from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol, runtime_checkable

import numpy as np

from shopmind.search.dense import ENCODERS
from shopmind.search.facets import Facet
from shopmind.search.money import check_rates, round_money
from shopmind.search.query import Understood

#: Per-encoder similarity floor for dense candidates (cosines of different models live in
#: different bands: e5's sit in ~0.7-0.95, USE's spread over ~0-0.9).
#: The static encoder's cosines (its common components removed) spread over ~0.03-0.42: 0.19
#: keeps the same share of (query, product) pairs as e5's 0.80 (36 %, Home Depot sample, issue
#: 17); static+use averages the two parts' cosines, so the mean of the parts' floors. static-fit
#: maps into e5's centred title space (cosines around 0): 0.017 keeps the same share (tuning half).
DENSE_FLOORS: dict[str, float] = {
    "use": 0.35,
    "e5": 0.80,
    "static": 0.19,
    "static+use": 0.27,
    "static-fit": 0.017,
    # e5 query vectors against static-fit products: the same 35.4 % share (encoders_fit_sweep.py)
    "static-fit-qe5": 0.009,
}
STAGES: tuple[str, ...] = ("analysis", "lexical", "dense", "fusion", "rerank", "facets", "hits")


class SearchError(ValueError):
    """A bad parameter of a search call: ``code`` (stable, machine-readable), ``param`` (the
    parameter at fault) and a message for a person."""

    def __init__(self, code: str, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.code = code
        self.param = param
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "param": self.param, "message": self.message}


@runtime_checkable
class QueryParser(Protocol):
    """Query understanding: free text -> ``Understood`` (see ``query.py``)."""

    def parse(self, query: str) -> Understood: ...


@runtime_checkable
class Reranker(Protocol):
    """A second-stage ranker (e.g. LightGBM) over the top of the relevance order.

    ``rerank`` gets the cleaned query, its ``Understood``, the candidate product ids (best
    fused first, at most ``rerank_depth``) and a ``feature_context`` dict with, aligned to
    ``candidate_ids``: ``lexical`` (BM25F), ``dense`` (cosine, NaN without an encoder),
    ``fused``, ``matched_terms``, ``n_terms``, ``popularity``, ``price``, plus ``rows``
    (catalog rows) and ``catalog`` (the ``Catalog``). It returns one score per candidate,
    higher is better; candidates are re-ordered by it (ties keep the fused order) and keep
    their place above every product outside the reranked head.
    """

    def rerank(
        self,
        query: str,
        understood: Understood,
        candidate_ids: Sequence[str],
        feature_context: Mapping[str, Any],
    ) -> Sequence[float]: ...


#: SearchConfig's sizes and depths: a page, a window or a candidate list of none (or fewer) is no
#: setting (a shop TOML's ``max_size = -1`` passed the build's check)
_AT_LEAST_ONE = ("fusion_depth", "dense_depth", "rerank_depth", "max_query_chars", "max_query_terms",
                 "max_size", "max_window", "autocomplete_size")  # fmt: skip
#: SearchConfig's counts and weights where 0 means "none" (no facets, no warm-up, every core ...)
_NOT_NEGATIVE = ("rrf_k", "expansion_weight", "facet_size", "attribute_facets", "attribute_max_values",
                 "price_buckets", "snippet_chars", "query_vector_cache", "warm_query_vectors", "encode_workers", "language_weight")  # fmt: skip


@dataclass
class SearchConfig:
    """Settings of an engine (saved with it).

    ``encoder``: a key of ``dense.ENCODERS`` (``"e5"`` best quality, ``"use"`` ~15x faster to
    encode) or ``None`` for lexical only. ``fusion``: ``"linear"`` (``alpha``) or ``"rrf"``
    (``rrf_k``).
    """

    encoder: str | None = "e5"
    fusion: str = "linear"
    alpha: float = 0.20
    rrf_k: float = 60.0
    fusion_depth: int = 100
    dense_depth: int = 100
    dense_floor: float | None = None  # None: DENSE_FLOORS[encoder]
    min_match: float = 0.75
    expansion_weight: float = 0.5
    rerank_depth: int = 100
    facet_size: int = 20
    attribute_facets: int = 5
    attribute_max_values: int = 50
    price_buckets: int = 5
    autocomplete_size: int = 8
    max_query_chars: int = 256
    max_query_terms: int = 32
    max_size: int = 100
    max_window: int = 10_000
    snippet_chars: int = 160
    understand: bool = True
    bm25: dict[str, Any] | None = None
    query_vector_cache: int = 4096
    #: From this many product vectors on, dense candidates come from an HNSW graph (usearch)
    #: instead of one exact matrix product: measured on Home Depot (54,667 x 512 USE vectors)
    #: exact took 15.9 ms p50 vs 2.2 ms for HNSW at recall@10 0.975 (bench/search_latency.py).
    ann_threshold: int | None = 50_000
    #: Past queries (most frequent first) whose vectors are computed at build time and shipped
    #: with the release: encoding a query is the slowest stage (e5 ~7 ms, more under load), and
    #: a shop's head queries repeat; the rest are encoded on first use and kept in an LRU.
    warm_query_vectors: int = 2000
    #: worker processes (one thread each) for a build's bulk encoding of product texts and past
    #: queries: 0 = every core when there is enough to encode, 1 = in process, n = n workers
    #: (``search/dense_pool.py``: on 2 cores two 1-thread processes beat one 2-thread one)
    encode_workers: int = 0
    #: learned re-ranker at build time: "auto" (train from judgments or click logs, attach
    #: if it does not lose on held-out queries) or "off"
    ltr: str = "auto"
    ltr_min_queries: int = 30
    #: currency -> value of one unit in a common reference unit (``[search.currency_rates]``);
    #: empty: prices are compared, sorted and faceted per currency, never converted
    currency_rates: dict[str, float] = field(default_factory=dict)
    #: read traditional Chinese in queries as simplified (OpenCC t2s, as the gate's
    #: ``traditional_to_simplified`` does to product text); None: decided at build from the
    #: catalog (on unless its Chinese titles are mostly traditional), saved resolved
    traditional_to_simplified: bool | None = None
    #: a server's queries whose vector is not cached yet: "background" answers them without the
    #: dense part and encodes them off the request path (``search/query_vectors.py``: a new query
    #: never waits ~14 ms on e5); "inline" encodes them in the request. Builds and evaluations
    #: always encode inline.
    query_encoding: str = "background"
    #: background mode: how long a query that matches nothing lexically (its vector is its whole
    #: answer) waits for the worker to encode it, ahead of the queue; past it the answer is empty,
    #: ``dense: "pending"``, and the next search has the vector. Bounds the tail latency (issue 18
    #: item 10: one e5 call can take 25+ ms on a busy core)
    no_match_wait_ms: float = 15.0
    #: added to the relevance (fused score and the re-ranker's head, each min-max scaled) of a
    #: product listed in the query's language, in a catalog of two languages: English listings
    #: first for an English query when they match as well (``language_match``). Off (0) by
    #: default: on the demo judgments (which grade both languages alike) no weight kept
    #: `evaluate search`'s NDCG@10 and fixed the served order (1.0 does, at -0.0018;
    #: bench/search_language_weight.py, docs/BENCHMARKS.md). A bilingual shop sets it.
    language_weight: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.encoder, str) and self.encoder.strip().lower() == "none":
            self.encoder = None  # a shop TOML has no null: `encoder = "none"` is lexical-only search
        if self.encoder is not None and self.encoder not in ENCODERS:
            raise ValueError(f'unknown encoder {self.encoder!r}; valid: {", ".join(ENCODERS)} or "none"')
        if self.fusion not in ("linear", "rrf"):
            raise ValueError(f"unknown fusion {self.fusion!r}; valid: linear, rrf")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError("alpha must be in [0, 1]")
        if self.ltr not in ("auto", "off"):
            raise ValueError(f"unknown ltr {self.ltr!r}; valid: auto, off")
        for name in _AT_LEAST_ONE:
            if not getattr(self, name) >= 1:
                raise ValueError(f"{name} must be >= 1, not {getattr(self, name)!r}")
        for name in _NOT_NEGATIVE:
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)!r}")
        if not 0 <= self.min_match <= 1:
            raise ValueError(f"min_match must be within [0, 1], not {self.min_match!r}")
        if self.ann_threshold is not None and not self.ann_threshold >= 0:
            raise ValueError(f"ann_threshold must be >= 0, not {self.ann_threshold!r}")
        if not self.no_match_wait_ms >= 0:
            raise ValueError(f"no_match_wait_ms must be >= 0, got {self.no_match_wait_ms!r}")
        if self.query_encoding not in ("background", "inline"):
            raise ValueError(f"unknown query_encoding {self.query_encoding!r}; valid: background, inline")
        self.currency_rates = check_rates(self.currency_rates)
        if isinstance(self.ltr_min_queries, bool) or not isinstance(self.ltr_min_queries, int) or self.ltr_min_queries < 2:  # fmt: skip
            raise ValueError(f"ltr_min_queries must be an integer >= 2, not {self.ltr_min_queries!r}")

    def floor(self) -> float:
        if self.dense_floor is not None:
            return self.dense_floor
        return DENSE_FLOORS.get(str(self.encoder), 0.0)


@dataclass
class Hit:
    product_id: str
    score: float
    title: str | None
    brand: str | None
    price: float | None
    currency: str | None
    category_path: str | None
    stock: int | None
    highlights: dict[str, str] = field(default_factory=dict)
    #: the "was" price of a product on sale (its ``compare_at_price`` attribute above its price: Shopify's
    #: Compare At Price, WooCommerce's regular price under ``[sale]``), shown crossed out; None otherwise
    compare_at_price: float | None = None


#: the attribute holding a product's "was" price (``data.sale.COMPARE_AT`` without ``attributes.``)
COMPARE_AT_KEY = "compare_at_price"
#: ``12,50`` / ``1.299,00``: a decimal comma (as ``data.groups`` reads a price)
_COMMA_DECIMAL = re.compile(r"-?\d{1,3}(?:\.\d{3})*,\d{1,2}|-?\d+,\d{1,2}")


def sale_was(value: str | None, price: float | None, currency: str | None) -> float | None:
    """The crossed-out "was" price of a hit: its ``compare_at_price`` read as a number when it is above
    the price, in the currency's minor unit; None otherwise (Shopify too shows no sale for a
    compare-at price at or below the price, and a value that is no number is shown nowhere)."""
    if value is None or price is None:
        return None
    text = value.strip()
    if _COMMA_DECIMAL.fullmatch(text):
        text = text.replace(".", "").replace(",", ".")
    try:
        was = float(text)
    except ValueError:
        return None
    return round_money(was, currency) if was > price else None


@dataclass
class SearchResponse:
    """One page of results plus what describes the whole result set."""

    query: str
    hits: list[Hit]
    total: int
    page: int
    size: int
    sort: str
    facets: dict[str, Facet]
    understood: dict[str, object]
    corrections: dict[str, str]
    filters: dict[str, object]
    timing_ms: dict[str, float]
    notes: list[str] = field(default_factory=list)
    #: alternative queries when nothing matched ("did you mean"), never applied silently
    suggestions: list[str] = field(default_factory=list)
    #: where the query vector came from (``query_vectors.DENSE_SOURCES``): "cached", "encoded"
    #: in this request, "pending" (a new query answered without the dense part while it is
    #: encoded in the background) or "none" (no dense part in this search)
    dense: str = "none"
    #: what the request named that the catalog does not hold (``request_warnings``): an unknown
    #: facet, category or brand answers as before (empty), and says so here
    warnings: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["hits"] = [asdict(h) for h in self.hits]
        d["facets"] = {k: v.as_dict() for k, v in self.facets.items()}
        return d

    @property
    def ids(self) -> list[str]:
        return [h.product_id for h in self.hits]


@dataclass
class _Candidates:
    rows: np.ndarray  # catalog rows of the result set
    lexical: np.ndarray  # per row of ``rows``
    dense: np.ndarray
    fused: np.ndarray
    matched: np.ndarray
    required: int
    reranked: dict[int, float] = field(default_factory=dict)  # index into rows -> reranker score
    #: per row of ``rows``: the query-language bonus added for relevance order (``language_match``)
    bonus: np.ndarray | None = None
    _relevance: np.ndarray | None = None

    def relevance(self) -> np.ndarray:
        """The relevance order's key: the fused score, or with a query-language bonus the fused
        score min-max scaled over the result set (lexical-only scores are raw BM25) plus the bonus."""
        if self.bonus is None:
            return self.fused
        if self._relevance is None:
            from shopmind.search.language_match import minmax

            self._relevance = minmax(self.fused) + self.bonus
        return self._relevance
