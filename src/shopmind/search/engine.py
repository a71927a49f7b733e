"""The search API a shop calls: one ``SearchEngine`` over lexical, dense, filters and facets.

What one ``search`` does, in order (each stage timed, in ``SearchResponse.timing_ms``):

1. **analysis** — validate parameters (a bad *parameter* raises ``SearchError`` naming it);
   clean the query (control characters and lone surrogates dropped, cut to
   ``max_query_chars`` characters and ``max_query_terms`` words, with a note); parse it with
   the query-understanding parser when one is wired (``QueryParser``: ``parse(str) ->
   Understood``); analyse the text to index terms, spelling-corrected against the catalog.
2. **lexical** — every product matching the terms (not a top-k): BM25F scores summed per term,
   plus how many distinct terms each product matched. A product is in the result set when it
   matched at least ``required`` terms: all of them for one or two terms, else
   ``ceil(min_match * n)`` (Elasticsearch's ``2<75%``); when no product passes the filters at
   that level the requirement is relaxed one term at a time (Meilisearch's "last" strategy),
   so a long query still finds its best partial matches. Synonym/graph expansions add
   ``expansion_weight`` x their score and count as one matched term.
3. **dense** (with an encoder) — the query vector against every live product vector, exact,
   with the filter mask applied *before* the top ``dense_depth`` are taken (never too few
   results after filtering); only vectors at least ``dense_floor`` similar join the set.
4. **fusion** — relevance = normalised linear fusion ``(1 - alpha) * bm25 + alpha * cosine``
   (``alpha`` 0.20, tuned on Home Depot with USE, ``evaluate.py``) or RRF. Min-max bounds are
   taken over the *heads* of both lists (top ``fusion_depth`` each), as when alpha was tuned,
   and applied to every candidate (clipped to [0, 1]).
5. **rerank** — optional ``Reranker`` over the top ``rerank_depth`` (relevance sort only).
6. **facets** — counted over the full result set (query matches passing the filters), the
   same set whose first page is returned, so ``total`` and every facet agree.

Sorts: ``relevance`` (ties by popularity, then catalog order), ``price_asc`` /
``price_desc`` (unknown prices last), ``newest`` (``created_at``; unknown last),
``popularity`` (event counts, ``catalog.EVENT_WEIGHTS``); every sort ends with relevance and
the catalog row, a total order, so pages never overlap or skip. A page past the last one is a
``SearchError`` (``page_out_of_range``, HTTP 400) naming the last page, never an empty page
under a non-zero total; page 1 always answers (an empty result set is one empty page).

Empty query: with filters it is *browse* (every filtered product, relevance = popularity then
newest). Without filters the whole catalog is returned the same way, with a note saying so —
a shop's landing page, not an error. A non-empty query with nothing searchable in it (only
punctuation or stop words) and no recognised constraint gives an empty result with a note.

Query understanding: with ``apply_understood`` the parser's recognised constraints (price,
brand, category, attribute) become filters in addition to the caller's, and the text without
price phrases is matched. If those constraints leave nothing, they are dropped and the query
runs on the caller's filters alone (noted). Without ``apply_understood`` the raw query is
matched and the parse is only reported.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import re
import shutil
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import polars as pl

from shopmind.data.model import FLAGS
from shopmind.search.autocomplete import TYPEAHEAD_DIR, Autocomplete, Suggestion
from shopmind.search.catalog import NO_TIME, Catalog, canonical_frame
from shopmind.search.dense import ENCODERS, Encoder, VectorCache, l2_normalise, passage_text
from shopmind.search.facets import DEFAULT_FACETS, Facet, compute_facets
from shopmind.search.highlight import highlight as mark_text
from shopmind.search.highlight import snippet as mark_snippet
from shopmind.search.lexical import BM25Params, LexicalIndex
from shopmind.search.money import check_currency, check_rates, price_sort_keys, query_currency, with_currency
from shopmind.search.query import SORT_KEYS, Filters, Understood
from shopmind.search.query_vectors import BackgroundQueryEncoder
from shopmind.search.sources import UNDERSTANDING_FLAGS, flagged_ids, is_traditional, simplified  # noqa: F401 (re-exported)
from shopmind.text.analysis import _CJK_RUN, Analyzer

FORMAT_VERSION = 1
#: Per-encoder similarity floor for dense candidates (cosines of different models live in
#: different bands: e5's sit in ~0.7-0.95, USE's spread over ~0-0.9).
#: The static encoder's cosines (its common components removed) spread over ~0.03-0.42: 0.19
#: keeps the same share of (query, product) pairs as e5's 0.80 (36 %, Home Depot sample, issue
#: 17); static+use averages the two parts' cosines, so the mean of the parts' floors.
DENSE_FLOORS: dict[str, float] = {"use": 0.35, "e5": 0.80, "static": 0.19, "static+use": 0.27}
LTR_DIR = "ltr"  # sub-folder of a saved engine holding its learned re-ranker
GRAPH_DIR = "graph"  # sub-folder of a saved engine holding its understanding's knowledge graph
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

    def __post_init__(self) -> None:
        if self.encoder is not None and self.encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {self.encoder!r}; valid: {', '.join(ENCODERS)} or None")
        if self.fusion not in ("linear", "rrf"):
            raise ValueError(f"unknown fusion {self.fusion!r}; valid: linear, rrf")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError("alpha must be in [0, 1]")
        if self.ltr not in ("auto", "off"):
            raise ValueError(f"unknown ltr {self.ltr!r}; valid: auto, off")
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

    def as_dict(self) -> dict[str, object]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["hits"] = [asdict(h) for h in self.hits]
        d["facets"] = {k: v.as_dict() for k, v in self.facets.items()}
        return d

    @property
    def ids(self) -> list[str]:
        return [h.product_id for h in self.hits]


# ---------------------------------------------------------------------- helpers
def clean_query(query: object, max_chars: int, max_terms: int) -> tuple[str, list[str]]:
    """The query as searchable text, and notes on what was changed. Control, format and
    surrogate characters go (whitespace controls become spaces); long queries are cut."""
    if query is None:
        return "", []
    if not isinstance(query, str):
        raise SearchError("invalid_query", "query", f"must be a string, not {type(query).__name__}")
    notes: list[str] = []
    out = []
    dropped = 0
    for ch in query:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Cn", "Co") or (cat == "Cf" and ch not in "\u200d"):
            if ch in "\t\n\r\x0b\x0c":
                out.append(" ")
            else:
                dropped += 1
            continue
        out.append(ch)
    text = " ".join("".join(out).split())
    if dropped:
        notes.append(f"{dropped} control or invalid character(s) removed from the query")
    if len(text) > max_chars:
        cut = text[:max_chars]
        if " " in cut[max_chars // 2 :]:
            cut = cut[: cut.rindex(" ")]
        notes.append(f"query truncated to {len(cut)} of {len(text)} characters")
        text = cut
    words = text.split(" ")
    if len(words) > max_terms:
        notes.append(f"query truncated to its first {max_terms} of {len(words)} words")
        text = " ".join(words[:max_terms])
    return text, notes


def query_language(text: str) -> str:
    has_cjk = bool(_CJK_RUN.search(text))
    has_latin = any(ch.isalpha() and ch.isascii() for ch in text)
    return "mixed" if has_cjk and has_latin else "zh" if has_cjk else "en"


def _order(keys: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Indices of the first ``n`` elements under the lexicographic order of ``keys`` (all
    ascending, ``keys[0]`` primary, no NaN): the primary is partitioned first, keeping every
    element tied with the n-th, so the answer is exact and stable for any ``n``."""
    primary = keys[0]
    m = len(primary)
    if n <= 0 or m == 0:
        return np.zeros(0, dtype=np.int64)
    if n < m:
        kth = np.partition(primary, n - 1)[n - 1]
        cand = np.flatnonzero(primary <= kth)
    else:
        cand = np.arange(m)
    order = np.lexsort([k[cand] for k in reversed(keys)])
    return cand[order[:n]]


def _as_filters(filters: object) -> Filters:
    """Validate ``filters`` (a ``Filters`` or a mapping of its fields) -> ``Filters``."""
    if filters is None:
        return Filters()
    if isinstance(filters, Mapping):
        unknown = set(filters) - {f.name for f in fields(Filters)}
        if unknown:
            raise SearchError("invalid_filter", f"filters.{sorted(unknown)[0]}", "unknown filter field")
        attrs = filters.get("attributes") or ()
        if isinstance(attrs, Mapping):
            attrs = tuple((k, (v,) if isinstance(v, str) else tuple(v)) for k, v in attrs.items())
        kw = dict(filters)
        kw["attributes"] = attrs
        for name in ("categories", "brands"):
            v = kw.get(name)
            if isinstance(v, str):
                kw[name] = (v,)
            elif v is not None:
                kw[name] = tuple(v)
        filters = Filters(**kw)
    if not isinstance(filters, Filters):
        raise SearchError(
            "invalid_filter", "filters", f"must be a Filters or a mapping, not {type(filters).__name__}"
        )
    for name in ("categories", "brands"):
        vals = getattr(filters, name)
        if not isinstance(vals, tuple | list) or not all(isinstance(v, str) for v in vals):
            raise SearchError("invalid_filter", f"filters.{name}", "must be a sequence of strings")
    bounds = {}
    for name in ("price_min", "price_max"):
        v = getattr(filters, name)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise SearchError("invalid_filter", f"filters.{name}", f"must be a finite number, not {v!r}")
        if v < 0:
            raise SearchError("invalid_filter", f"filters.{name}", f"must not be negative ({v})")
        bounds[name] = float(v)
    if len(bounds) == 2 and bounds["price_min"] > bounds["price_max"]:
        raise SearchError(
            "invalid_filter",
            "filters.price_min",
            f"price_min ({bounds['price_min']:g}) is greater than price_max ({bounds['price_max']:g})",
        )
    if not isinstance(filters.attributes, tuple | list):
        raise SearchError("invalid_filter", "filters.attributes", "must be (key, values) pairs")
    for item in filters.attributes:
        ok = (
            isinstance(item, tuple | list)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], tuple | list)
            and all(isinstance(v, str) for v in item[1])
        )
        if not ok:
            raise SearchError(
                "invalid_filter", "filters.attributes", f"bad item {item!r}: want (key, (value, ...))"
            )
    if not isinstance(filters.in_stock, bool):
        raise SearchError("invalid_filter", "filters.in_stock", "must be true or false")
    try:
        currency = check_currency(filters.currency, "filters.currency")
    except ValueError as exc:
        raise SearchError("invalid_filter", "filters.currency", str(exc).split(": ", 1)[1]) from None
    return replace(filters, currency=currency) if currency != filters.currency else filters


def _merge_filters(a: Filters, b: Filters) -> Filters:
    """Both sets of constraints at once (a product must pass each). Price bounds in two
    different currencies cannot be combined: ``a``'s (the caller's) win."""
    lo = [x for x in (a.price_min, b.price_min) if x is not None]
    hi = [x for x in (a.price_max, b.price_max) if x is not None]
    a_price = a.price_min is not None or a.price_max is not None
    if a_price and a.currency and b.currency and a.currency != b.currency:
        lo = [a.price_min] if a.price_min is not None else []
        hi = [a.price_max] if a.price_max is not None else []
    return Filters(
        categories=a.categories or b.categories,
        brands=a.brands or b.brands,
        price_min=max(lo) if lo else None,
        price_max=min(hi) if hi else None,
        attributes=tuple(a.attributes) + tuple(b.attributes),
        attribute_any=tuple(a.attribute_any) + tuple(b.attribute_any),
        in_stock=a.in_stock or b.in_stock,
        currency=a.currency or b.currency,
    )


@dataclass
class _Candidates:
    rows: np.ndarray  # catalog rows of the result set
    lexical: np.ndarray  # per row of ``rows``
    dense: np.ndarray
    fused: np.ndarray
    matched: np.ndarray
    required: int
    reranked: dict[int, float] = field(default_factory=dict)  # index into rows -> reranker score


# ---------------------------------------------------------------------- the engine
class SearchEngine:
    """Hybrid product search with filters, sorts, facets, highlighting and type-ahead."""

    def __init__(
        self,
        config: SearchConfig | None = None,
        cache_dir: Path | str | None = None,
        parser: QueryParser | None = None,
        reranker: Reranker | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        self.config = config or SearchConfig()
        params = BM25Params.from_dict(self.config.bm25) if self.config.bm25 else None
        self.lexical = LexicalIndex(Analyzer(), params)
        self.catalog = Catalog()
        self.autocompleter = Autocomplete()
        self.parser = parser
        self.reranker = reranker
        self.cache = VectorCache(cache_dir)
        self._encoder = encoder
        self.vectors: np.ndarray | None = None
        self._qvecs: OrderedDict[str, np.ndarray] = OrderedDict()
        self._background: BackgroundQueryEncoder | None = None  # see serve_in_background
        self._ann: Any = None  # HNSW over the vector rows (see _refresh_ann)
        self._segmap: dict[int, tuple[object, int, np.ndarray]] = {}
        self.notes: list[str] = []
        #: product ids the gate flagged with an ``UNDERSTANDING_FLAGS`` code (saved)
        self.untrusted: frozenset[str] = frozenset()
        #: t2s decided from the catalog when ``config.traditional_to_simplified`` is None (saved)
        self.catalog_t2s = True
        self._encoder_state: Path | None = None  # a saved engine's encoder state folder

    def _trusted(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` without the products whose gate flags make them untrustworthy vocabulary."""
        if not self.untrusted:
            return frame
        return frame.filter(~pl.col("product_id").is_in(sorted(self.untrusted)))

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        products: pl.DataFrame,
        events: pl.DataFrame | None = None,
        config: SearchConfig | None = None,
        cache_dir: Path | str | None = None,
        parser: QueryParser | None = None,
        reranker: Reranker | None = None,
        encoder: Encoder | None = None,
    ) -> SearchEngine:
        """Index ``products`` (canonical columns); ``events`` give popularity and past queries.
        ``parser`` defaults to the project's query understanding when it is available and
        ``config.understand`` is on; ``encoder`` overrides ``config.encoder`` (tests)."""
        eng = cls(config, cache_dir, parser, reranker, encoder)
        eng.catalog.set_popularity(events)
        eng._index(canonical_frame(products))
        eng.untrusted = flagged_ids(products)
        eng.catalog_t2s = not is_traditional(eng.catalog.frame)
        pop = {pid: float(eng.catalog.popularity[r]) for pid, r in eng.catalog.pos.items()}
        eng.autocompleter = Autocomplete.build(eng.catalog.frame, pop, events)
        if eng.parser is None and eng.config.understand:
            eng.parser = eng._default_parser(eng._trusted(eng.catalog.frame), events)
        eng._refresh_ann()
        eng.warm_queries()
        return eng

    def warm_queries(
        self, limit: int | None = None, progress: Callable[[int, int], None] | None = None, chunk: int = 64
    ) -> int:
        """Encode the most frequent past queries now (as the search path would see them).
        ``progress(done, total)`` is called after every ``chunk`` queries (a build shows it:
        thousands of queries on a busy machine took minutes with nothing printed)."""
        limit = self.config.warm_query_vectors if limit is None else limit
        if self.vectors is None or limit <= 0 or self.encoder is None:
            return 0
        past = sorted(self.autocompleter.queries().items(), key=lambda kv: -kv[1])[:limit]
        texts: list[str] = []
        for q, _n in past:
            text, _ = clean_query(q, self.config.max_query_chars, self.config.max_query_terms)
            if not text:
                continue
            text = self._simplified(text)
            match = self._understand(text, []).text if self.config.understand else text
            if match and match not in self._qvecs:
                texts.append(match)
        texts = list(dict.fromkeys(texts))[: self.config.query_vector_cache]
        if not texts:
            return 0
        for start in range(0, len(texts), chunk):
            part = texts[start : start + chunk]
            vecs = l2_normalise(
                np.asarray(self.cache.queries(self.encoder, part, save=False), dtype=np.float32)
            )
            for t, v in zip(part, vecs, strict=True):
                self._qvecs[t] = v
            if progress is not None:
                progress(start + len(part), len(texts))
        self.cache.flush()
        return len(texts)

    def attach_vectors(self, vectors: np.ndarray, encoder: Encoder | None = None) -> None:
        """Give a lexical-only engine its product vectors (one row per catalog row, rows
        encoded by ``encoder`` or the configured one) all at once, so it never holds a
        partial set: a product is in the dense index with every other one or not at all."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != self.catalog.n_rows:
            raise ValueError(
                f"need one vector per catalog row ({self.catalog.n_rows}), got shape {vectors.shape}"
            )
        if encoder is not None:
            self._encoder = encoder
        self.vectors = vectors
        self._refresh_ann()

    def _refresh_ann(self, hnsw_file: Path | None = None) -> None:
        """(Re)build the HNSW graph over the current vector rows when there are enough of them.
        Rows added later (upserts) are scored exactly next to the graph until the next
        compaction rebuilds it; deleted rows are excluded by the filter mask."""
        self._ann = None
        n = 0 if self.vectors is None else len(self.vectors)
        threshold = self.config.ann_threshold
        if threshold is None or n < max(threshold, 1):
            return
        from shopmind.search.dense import ANNConfig, DenseIndex

        self._ann = DenseIndex(
            [str(i) for i in range(n)], self.vectors, ANNConfig(threshold=threshold), hnsw_file
        )

    @property
    def encoder(self) -> Encoder | None:
        if self._encoder is None and self.config.encoder is not None:
            self._encoder = ENCODERS[self.config.encoder]()
            self._load_encoder_state()
        return self._encoder

    def _load_encoder_state(self) -> None:
        """A saved engine's encoder state (the static encoder's word table), if any."""
        state = self._encoder_state
        load = getattr(self._encoder, "load_state", None)
        if state is not None and load is not None:
            load(state)

    def warm_up(self) -> dict[str, float]:
        """Load now what a first search would otherwise wait on (issue 18: a new query took
        0.1-5 s): the encoder (model, word table, jieba, frequency lists), the query parser
        and speller, then run one search per script. Returns seconds per step."""
        out: dict[str, float] = {}
        t = time.perf_counter()
        enc = self.encoder if self.vectors is not None else None  # no model for a lexical-only release
        warm = getattr(enc, "warm", None)
        if warm is not None:
            warm()
        elif enc is not None:
            enc.encode_query("warm up")
        out["encoder"] = time.perf_counter() - t
        for q in ("warm up", "预热 测试"):
            t = time.perf_counter()
            self.search(q)
            out[f"search {q}"] = time.perf_counter() - t
        for k in [k for k in self._qvecs if k in ("warm up", "预热 测试")]:
            del self._qvecs[k]  # not a shopper's query: keep the LRU for real ones
        return out

    def _default_parser(self, products: pl.DataFrame, events: pl.DataFrame | None) -> QueryParser | None:
        """The project's ``QueryUnderstanding`` over a ``KnowledgeGraph`` of the catalog, if
        those modules exist and build; otherwise ``None`` (plain queries, noted)."""
        try:
            from shopmind.search.graph import KnowledgeGraph
            from shopmind.search.understand import QueryUnderstanding
        except ImportError:
            return None
        try:
            graph = KnowledgeGraph.build(products, events)
            return QueryUnderstanding(graph)
        except Exception as exc:  # a broken parser must not take search down
            self.notes.append(f"query understanding unavailable: {type(exc).__name__}: {exc}")
            return None

    def _saved_parser(self, folder: Path) -> QueryParser | None:
        """``QueryUnderstanding`` over the graph saved with the engine: the one built with the
        engine (co-purchase links included), read in ~0.1 s instead of rebuilt (mining category
        aliases with jieba: ~1.5 s of the demo's release load). None when none was saved (an
        engine saved before graphs were) or it cannot be read: the caller rebuilds it."""
        if not (folder / "graph.json").is_file():
            return None
        try:
            from shopmind.search.graph import KnowledgeGraph
            from shopmind.search.understand import QueryUnderstanding

            return QueryUnderstanding(KnowledgeGraph.load(folder))
        except (ImportError, ValueError, KeyError, TypeError) as exc:
            self.notes.append(f"saved understanding unreadable, rebuilt: {type(exc).__name__}: {exc}")
            return None

    def _index(self, frame: pl.DataFrame) -> np.ndarray:
        """Add ``frame`` (canonical) to the catalog, the lexical index and the vectors."""
        rows = self.catalog.upsert(frame)
        if not len(rows):
            return rows
        self.lexical.upsert(frame)
        warm = getattr(self.lexical, "warm", None)
        if warm is not None and len(rows) > 1000:
            warm()  # precompute the impact postings of a big batch at once (vectorised)
        if self.encoder is not None:
            texts = [passage_text(t, d) for t, d in frame.select("title", "description").iter_rows()]
            vecs = self.cache.passages(self.encoder, texts)
            if self.vectors is None:
                self.vectors = np.zeros((0, vecs.shape[1]), dtype=np.float32)
            self.vectors = np.vstack([self.vectors, vecs.astype(np.float32)])
        return rows

    def upsert(self, products: pl.DataFrame) -> int:
        """Add or replace products; searchable (and in facets and type-ahead) at once. Only new
        or changed texts are encoded (the vector cache is keyed by text). Their gate flags
        (``_flags``) replace what the engine knew of them (``untrusted``)."""
        frame = canonical_frame(products)
        rows = self._index(frame)
        if FLAGS in products.columns:
            ids = set(frame["product_id"].to_list())
            self.untrusted = frozenset((self.untrusted - ids) | flagged_ids(products))
        self._reranker_catalog_changed(frame)
        pop = {
            pid: float(self.catalog.popularity[self.catalog.pos[pid]])
            for pid in frame["product_id"].to_list()
        }
        self.autocompleter.add_products(frame, pop)
        self._maybe_compact()
        return len(rows)

    def delete(self, product_ids: Sequence[str]) -> int:
        """Remove products from search, facets and type-ahead; unknown ids are ignored."""
        ids = [str(p) for p in product_ids]
        n = self.catalog.delete(ids)
        self.lexical.delete(ids)
        for pid in ids:
            self.autocompleter.remove_product(pid)
        self._maybe_compact()
        return n

    def _maybe_compact(self) -> None:
        dead = self.catalog.n_rows - len(self.catalog)
        if dead > max(1000, self.catalog.n_rows // 4):
            self.compact()

    def compact(self) -> None:
        """Drop dead rows from the catalog and vectors, merge the lexical segments."""
        old_to_new = self.catalog.compact()
        if self.vectors is not None:
            keep = np.flatnonzero(old_to_new >= 0)
            self.vectors = np.ascontiguousarray(self.vectors[keep])
        self.lexical.merge()
        self._segmap.clear()
        self.autocompleter.rebuild()
        self._reranker_catalog_changed(None)
        self._refresh_ann()

    def _reranker_catalog_changed(self, products: pl.DataFrame | None) -> None:
        """Tell a re-ranker that keeps per-product state (``ltr.LTRReranker``) that products
        were upserted (``products``) or rows renumbered (``None``), so it never scores a new
        product as unknown or reads a moved vector."""
        hook = getattr(self.reranker, "catalog_changed", None)
        if callable(hook):
            hook(self, products)

    def __len__(self) -> int:
        return len(self.catalog)

    # ------------------------------------------------------------------ search
    def search(
        self,
        query: str | None = "",
        filters: Filters | Mapping[str, object] | None = None,
        sort: str = "relevance",
        page: int = 1,
        size: int = 20,
        facets: Sequence[str] = DEFAULT_FACETS,
        apply_understood: bool = True,
        highlight: bool = True,
    ) -> SearchResponse:
        """One page of results for ``query`` within ``filters`` (see the module docstring).
        Raises ``SearchError`` for a bad parameter; any text as ``query`` gets a response."""
        t0 = time.perf_counter()
        timing = dict.fromkeys(STAGES, 0.0)
        cfg = self.config
        user_filters = _as_filters(filters)
        self._check_params(sort, page, size, facets)
        text, notes = clean_query(query, cfg.max_query_chars, cfg.max_query_terms)
        notes = list(self.notes) + notes
        typed, text = text, self._simplified(text)
        if text != typed:
            notes.append("traditional Chinese characters read as simplified")

        understood = self._understand(text, notes)
        if text != typed and len(text) == len(typed):  # spans still index what was typed
            understood = replace(understood, query=typed)
        match_text = understood.text if apply_understood else text
        parsed_filters = understood.filters() if apply_understood else Filters()
        tokens, corrections = self._analyse(match_text, notes)
        exp_tokens = self._expansion_tokens(understood, tokens) if apply_understood else []
        alts = self._alternative_tokens(understood, tokens) if apply_understood else {}
        alt_tokens = {a for v in alts.values() for a in v}
        exp_tokens = [t for t in exp_tokens if t not in alt_tokens]
        t1 = time.perf_counter()
        timing["analysis"] = (t1 - t0) * 1e3

        all_filters = self._with_currency(_merge_filters(user_filters, parsed_filters), understood, notes)
        user_filters = self._with_currency(user_filters, understood, [])
        rates = cfg.currency_rates
        mask = self.catalog.mask(all_filters, rates)
        lex, matched = self._lexical(tokens, exp_tokens, alts)
        t2 = time.perf_counter()
        timing["lexical"] = (t2 - t1) * 1e3

        qvec, dense_source = None, "none"
        if self.vectors is not None and tokens and self.encoder is not None:  # no model without vectors
            # nothing matched lexically (e.g. a Chinese query over English titles): the vector is
            # the whole answer, so it is encoded in the request rather than answering "no results"
            qvec, dense_source = self._query_vector(match_text, wait=not matched.any())
        t3 = time.perf_counter()
        timing["dense"] = (t3 - t2) * 1e3

        browse = not tokens and not exp_tokens and not alt_tokens
        applied = all_filters
        dense_before = timing["dense"]
        if not text:
            if user_filters.is_empty():
                notes.append("empty query: the whole catalog, most popular first")
            cands = self._browse(mask)
        elif browse and parsed_filters.is_empty():
            notes.append("nothing searchable in the query (no words left after analysis)")
            cands = self._browse(np.zeros_like(mask))
        elif browse:
            cands = self._browse(mask)
        else:
            cands = self._candidates(mask, lex, matched, len(set(tokens)), qvec, timing)
        if not len(cands.rows) and not parsed_filters.is_empty() and text:
            notes.append("the constraints read from the query matched nothing; searched without them")
            applied = user_filters
            mask = self.catalog.mask(user_filters, rates)
            cands = self._browse(mask) if browse else self._candidates(mask, lex, matched, len(set(tokens)), qvec, timing)  # fmt: skip
        if dense_source == "pending" and not len(cands.rows):
            notes.append(
                "no product matched the words; their meaning is being read — search again in a moment"
            )
        if cands.required < len(set(tokens)) and len(cands.rows):
            notes.append(f"no product matched every query term; showing products matching {cands.required}")
        t4 = time.perf_counter()
        timing["fusion"] = (t4 - t3) * 1e3 - (timing["dense"] - dense_before)  # matmul counted as dense

        start = (page - 1) * size
        last_page = max(1, -(-len(cands.rows) // max(size, 1)))
        if page > last_page:  # never "17 results" above an empty page: say where the results end
            raise SearchError(
                "page_out_of_range",
                "page",
                f"page {page} is past the last page ({last_page}) of {len(cands.rows)} result(s) at size {size}",
            )
        head = self._rerank(text, understood, cands, sort, qvec, timing) if not browse else None
        currency = applied.currency or self._query_currency(understood)  # as bounds are read
        order = self._sort(cands, sort, start + size, browse, head, currency)
        if getattr(self, "stockout", None) is not None:  # forecast stock-out risk: shopmind.forecast.stockout
            cands, order = self.stockout.search(
                self, cands, order, start + size, sort, browse, head, currency, notes
            )
        page_idx = order[start : start + size]
        t5 = time.perf_counter()

        facet_out = compute_facets(
            self.catalog,
            cands.rows,
            facets,
            size=cfg.facet_size,
            price_buckets=cfg.price_buckets,
            attribute_keys=cfg.attribute_facets,
            attribute_max_values=cfg.attribute_max_values,
            currency=currency,
            rates=rates or None,
        )
        t6 = time.perf_counter()
        timing["facets"] = (t6 - t5) * 1e3

        terms = list(dict.fromkeys([*tokens, *exp_tokens, *sorted(alt_tokens)]))
        hits = self._hits(cands, page_idx, terms if highlight else None, head)
        t7 = time.perf_counter()
        timing["hits"] = (t7 - t6) * 1e3
        timing["total"] = (t7 - t0) * 1e3
        timing = {k: round(v, 3) for k, v in timing.items()}
        all_corr = dict(understood.corrections)
        all_corr.update(corrections)
        suggestions = self._suggest(text, all_corr) if text and not len(cands.rows) else []
        if suggestions:
            notes.append(f"no product matched; did you mean “{suggestions[0]}”?")
        return SearchResponse(
            query=text,
            hits=hits,
            total=int(len(cands.rows)),
            page=page,
            size=size,
            sort=sort,
            facets=facet_out,
            understood=replace(understood, corrections=tuple(all_corr.items())).as_dict(),
            corrections=all_corr,
            filters=applied.as_dict(),
            timing_ms=timing,
            notes=notes,
            suggestions=suggestions,
            dense=dense_source,
        )

    def _check_params(self, sort: object, page: object, size: object, facets: object) -> None:
        if sort not in SORT_KEYS:
            raise SearchError("invalid_sort", "sort", f"unknown sort {sort!r}; valid: {', '.join(SORT_KEYS)}")
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise SearchError("invalid_page", "page", f"must be an integer >= 1, not {page!r}")
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= self.config.max_size:
            raise SearchError("invalid_size", "size", f"must be an integer from 0 to {self.config.max_size}, not {size!r}")  # fmt: skip
        if page * max(size, 1) > self.config.max_window:
            raise SearchError(
                "invalid_page", "page", f"page * size may not exceed {self.config.max_window} (narrow the query instead)"
            )  # fmt: skip
        if isinstance(facets, str) or not all(isinstance(f, str) for f in facets):  # type: ignore[union-attr]
            raise SearchError("invalid_facets", "facets", "must be a sequence of facet names")

    def _simplified(self, text: str) -> str:
        """``text`` as the index reads it (``sources.simplified``, when configured)."""
        return simplified(text) if self.t2s else text

    @property
    def t2s(self) -> bool:
        """Whether queries are read as simplified Chinese: the setting, else the catalog's."""
        on = self.config.traditional_to_simplified
        return self.catalog_t2s if on is None else bool(on)

    def _query_currency(self, understood: Understood) -> str | None:
        return query_currency(understood, self.catalog, getattr(self.parser, "graph", None))

    def _with_currency(self, filters: Filters, understood: Understood, notes: list[str]) -> Filters:
        return with_currency(filters, understood, self.catalog, getattr(self.parser, "graph", None), notes)

    def _understand(self, text: str, notes: list[str]) -> Understood:
        plain = Understood(query=text, text=text, language=query_language(text))
        if self.parser is None or not text:
            return plain
        try:
            u = self.parser.parse(text)
        except Exception as exc:  # the parser is a helper: a failure degrades to a plain query
            notes.append(f"query understanding failed ({type(exc).__name__}); plain query used")
            return plain
        if not isinstance(u, Understood):
            notes.append("query understanding returned no Understood; plain query used")
            return plain
        notes.extend(u.notes)
        return u

    def _known(self) -> Callable[[str], bool] | None:
        """The parser's "is this a real word" test (synonyms, the catalog's vocabulary): such
        words are not spelling-corrected (``LexicalIndex.analyze_query``)."""
        knows = getattr(self.parser, "knows", None)
        return knows if callable(knows) else None

    def _suggest(self, text: str, corrections: Mapping[str, str]) -> list[str]:
        """For a query that found nothing: the query with the corrections the speller would
        have made to the words it was told are real ("did you mean ..."), if any."""
        _, fixes = self.lexical.analyze_query(text)
        extra = {w: f for w, f in fixes.items() if corrections.get(w) != f}
        if not extra:
            return []
        out = text
        for w, f in extra.items():
            out = re.sub(rf"(?<![^\W_]){re.escape(w)}(?![^\W_])", f, out, flags=re.I)
        return [out] if out != text else []

    def _analyse(self, text: str, notes: list[str]) -> tuple[list[str], dict[str, str]]:
        tokens, corrections = self.lexical.analyze_query(text, known=self._known())
        limit = 2 * self.config.max_query_terms
        if len(tokens) > limit:
            notes.append(f"only the first {limit} of {len(tokens)} query terms used")
            tokens = tokens[:limit]
        return tokens, corrections

    def _alternative_tokens(self, understood: Understood, tokens: list[str]) -> dict[str, list[str]]:
        """Query token -> index terms that stand for it (``Understood.alternatives``: synonyms
        and translations into the other language): "连衣裙" -> ["dress"], "red" -> ["红色"]."""
        have = set(tokens)
        out: dict[str, list[str]] = {}
        an = self.lexical.analyzer
        for source, terms in getattr(understood, "alternatives", ()):
            src = [t for t in dict.fromkeys(an.tokens(source)) if t in have]
            if not src:
                continue
            alt = [t for term in terms for t in an.tokens(str(term)) if t not in have]
            for s_tok in src:
                lst = out.setdefault(s_tok, [])
                lst.extend(a for a in dict.fromkeys(alt) if a not in lst)
        return out

    def _expansion_tokens(self, understood: Understood, tokens: list[str]) -> list[str]:
        have = set(tokens)
        out: list[str] = []
        for e in understood.expansions[: self.config.max_query_terms]:
            for t in self.lexical.analyzer.tokens(str(e)):
                if t not in have:
                    have.add(t)
                    out.append(t)
        return out

    # ------------------------------------------------------------------ retrieval
    def _segment_rows(self, si: int, seg: Any) -> np.ndarray:
        """Catalog row of each row of lexical segment ``seg`` (cached per segment object)."""
        hit = self._segmap.get(si)
        if hit is not None and hit[0] is seg and hit[1] == self.catalog.generation:
            return hit[2]
        pos = self.catalog.pos
        arr = np.fromiter((pos.get(str(p), -1) for p in seg.ids), dtype=np.int64, count=len(seg.ids))
        self._segmap[si] = (seg, self.catalog.generation, arr)
        return arr

    def _term_scores(self, term: str, times: int) -> tuple[np.ndarray, np.ndarray]:
        """(catalog rows, BM25F score) of the products matching ``term`` (``times`` = its
        count in the query). BM25F sums over terms, so per-term scores add up to the query's."""
        score_terms = getattr(self.lexical, "_score_terms", None)
        if score_terms is None:  # public fallback: the same scores through a dict
            found = self.lexical.scores(term, correct=False)
            pos = self.catalog.pos
            rows_ = np.fromiter((pos.get(i, -1) for i in found), dtype=np.int64, count=len(found))
            sc = np.fromiter(found.values(), dtype=np.float64, count=len(found)) * times
            return rows_[rows_ >= 0], sc[rows_ >= 0]
        seg_of, rows, scores = score_terms([term] * times)
        if not len(rows):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        out = np.empty(len(rows), dtype=np.int64)
        for si in np.unique(seg_of).tolist():
            sel = seg_of == si
            out[sel] = self._segment_rows(si, self.lexical.segments[si])[rows[sel]]
        ok = out >= 0
        return out[ok], scores[ok]

    def _lexical(
        self, tokens: list[str], expansions: list[str], alternatives: Mapping[str, list[str]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per catalog row: BM25F score and number of distinct query terms matched. A query
        term is matched by itself or by one of its ``alternatives`` (a translation), which add
        ``expansion_weight`` x their score once each: a Chinese query matches an English
        product term for term, so min-match does not shut the other language out."""
        n = self.catalog.n_rows
        score = np.zeros(n)
        matched = np.zeros(n, dtype=np.int32)
        counts: dict[str, int] = {}
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
        exp_hit = np.zeros(n, dtype=bool)
        alt_rows: dict[str, np.ndarray] = {}
        for t, c in counts.items():
            rows, sc = self._term_scores(t, c)
            score += np.bincount(rows, weights=sc, minlength=n)
            alts = (alternatives or {}).get(t, ())
            if not alts:
                matched[rows] += 1
                continue
            hit = np.zeros(n, dtype=bool)
            hit[rows] = True
            for a in alts:
                if a not in alt_rows:
                    a_rows, a_sc = self._term_scores(a, 1)
                    score += self.config.expansion_weight * np.bincount(a_rows, weights=a_sc, minlength=n)
                    alt_rows[a] = a_rows
                hit[alt_rows[a]] = True
            matched += hit
        for t in expansions:
            rows, sc = self._term_scores(t, 1)
            score += self.config.expansion_weight * np.bincount(rows, weights=sc, minlength=n)
            exp_hit[rows] = True
        matched += exp_hit
        return score, matched

    def _query_vector(self, text: str, wait: bool = False) -> tuple[np.ndarray | None, str]:
        """The query's vector and where it came from (``SearchResponse.dense``). In background
        mode a new query is queued and answered without it, unless ``wait``."""
        v = self._qvecs.get(text)
        if v is not None:
            with contextlib.suppress(KeyError):  # evicted by the worker meanwhile: v is still good
                self._qvecs.move_to_end(text)
            return v, "cached"
        bg = self._background
        if bg is not None and self.config.query_encoding == "background":
            if not wait:
                bg.submit(text)  # never waits: answered without the dense part this time
                return None, "pending"
            done = bg.submit(text, urgent=True)  # ahead of the backlog, waited for within a budget
            if done is not None and done.wait(self.config.no_match_wait_ms / 1e3):
                v = self._qvecs.get(text)
                return (None, "none") if v is None else (v, "encoded")  # None: the encoder failed
            return None, "pending"
        v = self._encode_query(text)
        return (None, "none") if v is None else (v, "encoded")

    def _query_vector_of(self, text: str) -> np.ndarray:
        """``text`` through the engine's encoder of now (a shop-tuned adapter may wrap it)."""
        enc = self.encoder
        assert enc is not None
        return l2_normalise(np.asarray(enc.encode_query(text), dtype=np.float32).reshape(-1))

    def _encode_query(self, text: str) -> np.ndarray | None:
        """Encode ``text`` and keep its vector in the LRU (None when the encoder fails)."""
        try:
            v = self._query_vector_of(text)
        except Exception:  # an encoder failing on odd text must not fail the search
            return None
        self._store_query_vector(text, v)
        return v

    def _store_query_vector(self, text: str, v: np.ndarray) -> None:
        self._qvecs[text] = v
        while len(self._qvecs) > self.config.query_vector_cache:
            self._qvecs.popitem(last=False)

    def serve_in_background(self) -> bool:
        """A server's engine: from now on new queries are encoded off the request path when
        ``config.query_encoding`` is "background" (see ``search/query_vectors.py``). Returns
        whether a background encoder runs (none without vectors or an encoder)."""
        if self._background is not None:
            return True
        if self.config.query_encoding != "background" or self.vectors is None or self.encoder is None:
            return False
        self._background = BackgroundQueryEncoder(self._query_vector_of, self._store_query_vector)
        return True

    def stop_background(self) -> None:
        """Stop the background encoder (after what is queued); searches encode inline again."""
        bg, self._background = self._background, None
        if bg is not None:
            bg.close()

    def _browse(self, mask: np.ndarray) -> _Candidates:
        rows = np.flatnonzero(mask)
        z = np.zeros(len(rows))
        return _Candidates(rows, z, np.full(len(rows), np.nan), z, np.zeros(len(rows), dtype=np.int32), 0)

    def _candidates(
        self,
        mask: np.ndarray,
        lex: np.ndarray,
        matched: np.ndarray,
        n_terms: int,
        qvec: np.ndarray | None,
        timing: dict[str, float],
    ) -> _Candidates:
        cfg = self.config
        required = n_terms if n_terms <= 2 else math.ceil(cfg.min_match * n_terms)
        ok = matched[mask]
        while required > 1 and not np.any(ok >= required):
            required -= 1
        in_lex = mask & (matched >= max(required, 1))
        t = time.perf_counter()
        dense_all = None
        in_dense = np.zeros_like(mask)
        dense_head = np.zeros(0, dtype=np.int64)
        ann = getattr(self, "_ann", None)
        if qvec is not None and self.vectors is not None and ann is not None:
            dense_all, dense_head = self._dense_ann(ann, qvec, mask, in_lex)
            in_dense[dense_head[dense_all[dense_head] >= cfg.floor()]] = True
        elif qvec is not None and self.vectors is not None:
            dense_all = self.vectors @ qvec
            allowed = np.flatnonzero(mask)
            if len(allowed):
                ds = dense_all[allowed]
                k = min(cfg.dense_depth, len(allowed))
                top = np.argpartition(-ds, k - 1)[:k] if len(allowed) > k else np.arange(len(allowed))
                dense_head = allowed[top]
                in_dense[dense_head[dense_all[dense_head] >= cfg.floor()]] = True
        timing["dense"] += (time.perf_counter() - t) * 1e3
        rows = np.flatnonzero(in_lex | in_dense)
        lx = lex[rows]
        if dense_all is None:
            return _Candidates(rows, lx, np.full(len(rows), np.nan), lx.copy(), matched[rows], required)
        dn = dense_all[rows].astype(np.float64)
        if not len(rows):  # nothing passed the filters: no heads to take fusion bounds from
            return _Candidates(rows, lx, dn, lx.copy(), matched[rows], required)
        if cfg.fusion == "rrf":
            fused = self._rrf(rows, lx, dn, in_dense[rows])
        else:
            # normalisation bounds from the heads of both lists (as when alpha was tuned)
            lex_rows = np.flatnonzero(in_lex)
            k = min(cfg.fusion_depth, len(lex_rows))
            lex_head = lex_rows[np.argpartition(-lex[lex_rows], k - 1)[:k]] if len(lex_rows) > k else lex_rows
            head = np.union1d(lex_head, dense_head)
            lo_l, hi_l = float(lex[head].min()), float(lex[head].max())
            lo_d, hi_d = float(dense_all[head].min()), float(dense_all[head].max())
            nl = np.clip((lx - lo_l) / (hi_l - lo_l), 0, 1) if hi_l > lo_l else np.zeros(len(rows))
            nd = np.clip((dn - lo_d) / (hi_d - lo_d), 0, 1) if hi_d > lo_d else np.zeros(len(rows))
            fused = (1 - cfg.alpha) * nl + cfg.alpha * nd
        return _Candidates(rows, lx, dn, fused, matched[rows], required)

    def _dense_ann(
        self, ann: Any, qvec: np.ndarray, mask: np.ndarray, in_lex: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dense head from the graph (+ exact over rows added since it was built), and exact
        cosines for every row fusion will read: the head and the lexical matches. Other
        entries of the returned row-aligned array are -inf and are never read."""
        k = self.config.dense_depth
        n_graph = len(ann)
        gmask = mask[:n_graph]
        # an all-true mask would make the graph over-fetch as if filtered (2x the work)
        rows_g, s_g = ann.search_rows(qvec, k, None if gmask.all() else gmask)
        extra = n_graph + np.flatnonzero(mask[n_graph:])
        if len(extra):
            s_e = self.vectors[extra] @ qvec
            rows_g, s_g = np.concatenate([rows_g, extra]), np.concatenate([s_g, s_e])
            if len(rows_g) > k:
                top = np.argpartition(-s_g, k - 1)[:k]
                rows_g, s_g = rows_g[top], s_g[top]
        dense_all = np.full(len(mask), -np.inf, dtype=np.float32)
        dense_all[rows_g] = s_g
        lex_rows = np.flatnonzero(in_lex)
        if len(lex_rows):
            dense_all[lex_rows] = self.vectors[lex_rows] @ qvec
        return dense_all, rows_g.astype(np.int64)

    def _rrf(self, rows: np.ndarray, lx: np.ndarray, dn: np.ndarray, dense_in: np.ndarray) -> np.ndarray:
        k = self.config.rrf_k
        fused = np.zeros(len(rows))
        lex_pos = np.flatnonzero(lx > 0)
        lex_rank = np.empty(len(lex_pos))
        lex_rank[np.lexsort((rows[lex_pos], -lx[lex_pos]))] = np.arange(1, len(lex_pos) + 1)
        fused[lex_pos] += 1.0 / (k + lex_rank)
        d_pos = np.flatnonzero(dense_in)
        d_rank = np.empty(len(d_pos))
        d_rank[np.lexsort((rows[d_pos], -dn[d_pos]))] = np.arange(1, len(d_pos) + 1)
        fused[d_pos] += 1.0 / (k + d_rank)
        return fused

    # ------------------------------------------------------------------ ranking
    def _rerank(
        self,
        query: str,
        understood: Understood,
        c: _Candidates,
        sort: str,
        qvec: np.ndarray | None,
        timing: dict[str, float],
    ) -> np.ndarray | None:
        """Indices into ``c.rows`` of the reranked head, in the reranker's order (or None)."""
        if self.reranker is None or sort != "relevance" or not len(c.rows):
            return None
        t = time.perf_counter()
        depth = min(len(c.rows), max(self.config.rerank_depth, 1))
        head = _order([-c.fused, -self.catalog.popularity[c.rows], c.rows.astype(np.float64)], depth)
        rows = c.rows[head]
        ctx = {
            "lexical": c.lexical[head],
            "dense": c.dense[head],
            "fused": c.fused[head],
            "matched_terms": c.matched[head],
            "n_terms": len(understood.text.split()),
            "popularity": self.catalog.popularity[rows],
            "price": self.catalog.price[rows],
            "rows": rows,
            "catalog": self.catalog,
        }
        ids = [self.catalog.ids[r] for r in rows.tolist()]
        ctx["qvec"] = qvec
        if _takes_feature_context(type(self.reranker)):
            raw = self.reranker.rerank(query, understood, ids, ctx)
        else:  # ltr.LTRReranker computes its own features and wants the query vector
            raw = self.reranker.rerank(query, understood, ids, qvec=qvec)
        scores = np.asarray(raw, dtype=np.float64).reshape(-1)
        if len(scores) != len(ids):
            raise RuntimeError(f"reranker returned {len(scores)} scores for {len(ids)} candidates")
        scores = np.where(np.isfinite(scores), scores, -np.inf)
        out = head[np.lexsort((np.arange(len(head)), -scores))]
        c.reranked = dict(zip(out.tolist(), np.sort(scores)[::-1].tolist(), strict=True))
        timing["rerank"] = (time.perf_counter() - t) * 1e3
        return out

    def _sort(
        self,
        c: _Candidates,
        sort: str,
        need: int,
        browse: bool,
        head: np.ndarray | None,
        currency: str | None = None,
    ) -> np.ndarray:
        """Indices into ``c.rows`` of the first ``need`` results under ``sort``. Price sorts
        compare converted prices with exchange rates; without them the products of
        ``currency`` (else the result set's commonest currency) come first, then each other
        currency in turn, each by price: a yuan amount is never ranked against dollars."""
        cat = self.catalog
        rows = c.rows
        row_key = rows.astype(np.float64)
        pop = -cat.popularity[rows]
        created = cat.created[rows].astype(np.float64)
        newest = np.where(cat.created[rows] == NO_TIME, np.inf, -created)
        rel = [pop, newest, row_key] if browse else [-c.fused, pop, row_key]
        if sort == "relevance":
            keys = rel
        elif sort in ("price_asc", "price_desc"):
            group, p = price_sort_keys(self.catalog, rows, currency, self.config.currency_rates)
            p = np.where(np.isnan(p), np.inf, p if sort == "price_asc" else -p)
            keys = [group, p, *rel]
        elif sort == "newest":
            keys = [newest, *rel]
        else:  # popularity
            keys = [pop, *([] if browse else [-c.fused]), newest, row_key]
        if head is None:
            return _order(keys, need)
        # reranked head first (in the reranker's order), then the rest in fused order
        rest_mask = np.ones(len(rows), dtype=bool)
        rest_mask[head] = False
        rest = np.flatnonzero(rest_mask)
        more = max(0, need - len(head))
        tail = rest[_order([k[rest] for k in keys], more)] if more else np.zeros(0, dtype=np.int64)
        return np.concatenate([head, tail])

    def _hits(
        self, c: _Candidates, idx: np.ndarray, terms: list[str] | None, head: np.ndarray | None
    ) -> list[Hit]:
        rows = c.rows[idx]
        recs = self.catalog.records(rows)
        rr = c.reranked if head is not None else {}
        out = []
        an = self.lexical.analyzer
        for i, r in zip(idx.tolist(), recs, strict=True):
            hl: dict[str, str] = {}
            if terms is not None:
                hl["title"] = mark_text(r["title"], terms, an)
                if r.get("description"):
                    hl["description"] = mark_snippet(r["description"], terms, an, self.config.snippet_chars)
            score = rr.get(i, float(c.fused[i]))
            out.append(
                Hit(
                    product_id=r["product_id"],
                    score=round(float(score), 6),
                    title=r["title"],
                    brand=r["brand"],
                    price=r["price"],
                    currency=r["currency"],
                    category_path=r["category_path"],
                    stock=r["stock"],
                    highlights=hl,
                )
            )
        return out

    # ------------------------------------------------------------------ type-ahead
    def autocomplete(self, prefix: str, k: int | None = None) -> list[Suggestion]:
        """Suggestions for a typed ``prefix``: past queries, categories, product titles."""
        k = self.config.autocomplete_size if k is None else k
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= self.config.max_size:
            raise SearchError("invalid_size", "k", f"must be an integer from 0 to {self.config.max_size}")
        if prefix is not None and not isinstance(prefix, str):
            raise SearchError("invalid_query", "prefix", "must be a string")
        text, _ = clean_query(prefix, self.config.max_query_chars, self.config.max_query_terms)
        text = self._simplified(text)
        return self.autocompleter.suggest(text, k)

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path | str) -> Path:
        """Write the engine to ``folder`` (config, lexical index, catalog, vectors, queries,
        and a learned re-ranker in ``ltr/`` when one is attached)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.lexical.save(folder / "lexical")
        self.catalog.save(folder / "catalog")
        if self.vectors is not None:
            np.save(folder / "vectors.npy", self.vectors)
        ann = getattr(self, "_ann", None)
        if ann is not None and len(ann) == len(self.vectors):
            ann.save_hnsw(folder / "hnsw.usearch")
        save_state = getattr(self._encoder, "save_state", None)
        if save_state is not None and self.vectors is not None:
            save_state(folder / "encoder")  # the static encoder's word table (served without a cache)
        if self._qvecs:
            keys = list(self._qvecs)
            np.save(folder / "query_vectors.npy", np.vstack([self._qvecs[k] for k in keys]))
            (folder / "query_vectors.json").write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")
        from shopmind.search.ltr import LTRReranker

        ltr_dir = folder / LTR_DIR
        if ltr_dir.exists():
            shutil.rmtree(ltr_dir)  # a stale model must not be loaded with this engine
        if isinstance(self.reranker, LTRReranker):
            self.reranker.save(ltr_dir)
        self.autocompleter.save(folder / TYPEAHEAD_DIR)  # sorted keys: a load does not sort them
        graph_dir = folder / GRAPH_DIR
        if graph_dir.exists():
            shutil.rmtree(graph_dir)  # a stale graph must not be loaded with this engine
        graph = getattr(self.parser, "graph", None)
        if graph is not None and hasattr(graph, "save"):
            graph.save(graph_dir)  # the understanding a load would otherwise rebuild (~1.5 s, issue 17)
        meta = {
            "format_version": FORMAT_VERSION,
            "config": asdict(self.config),
            "encoder": None if self._encoder is None else self._encoder.name,
            "queries": self.autocompleter.queries(),
            "untrusted": sorted(self.untrusted),
            "catalog_t2s": self.catalog_t2s,
        }
        (folder / "engine.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return folder

    @classmethod
    def load(
        cls,
        folder: Path | str,
        cache_dir: Path | str | None = None,
        parser: QueryParser | None = None,
        reranker: Reranker | None = None,
        encoder: Encoder | None = None,
    ) -> SearchEngine:
        """An engine saved by ``save``. The encoder is created on the first query that needs
        it; its name must match the one the vectors were made with. A saved learned
        re-ranker (``ltr/``) is re-attached with its features rebuilt over the loaded parts,
        unless ``reranker`` is given; one that cannot load (e.g. trained on another feature
        set) is left off, with a note on every response."""
        folder = Path(folder)
        meta = json.loads((folder / "engine.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{folder}: unsupported engine format {meta.get('format_version')!r}")
        eng = cls(SearchConfig(**meta["config"]), cache_dir, parser, reranker, encoder)
        eng.untrusted = frozenset(meta.get("untrusted", []))
        eng._encoder_state = folder / "encoder" if (folder / "encoder").exists() else None
        if encoder is not None:
            eng._load_encoder_state()
        eng.lexical = LexicalIndex.load(folder / "lexical")
        eng.catalog = Catalog.load(folder / "catalog")
        if (folder / "vectors.npy").exists():
            eng.vectors = np.load(folder / "vectors.npy")
        if encoder is not None and meta.get("encoder") not in (None, encoder.name):
            raise ValueError(f"{folder}: vectors made with {meta['encoder']!r}, not {encoder.name!r}")
        live = eng.catalog.frame.filter(pl.Series(eng.catalog.live))
        saved = Autocomplete.load(folder / TYPEAHEAD_DIR)  # None: saved before type-ahead was
        if saved is None:
            pop = {pid: float(eng.catalog.popularity[r]) for pid, r in eng.catalog.pos.items()}
            saved = Autocomplete.build(live, pop, query_counts=meta.get("queries", {}))
        eng.autocompleter = saved
        if eng.parser is None and eng.config.understand:
            eng.parser = eng._saved_parser(folder / GRAPH_DIR) or eng._default_parser(
                eng._trusted(live), None
            )
        saved_t2s = meta.get("catalog_t2s")  # absent: saved before the setting existed
        eng.catalog_t2s = bool(saved_t2s) if saved_t2s is not None else not is_traditional(live)
        eng._refresh_ann(folder / "hnsw.usearch")
        if (folder / "query_vectors.json").exists() and eng.vectors is not None:
            keys = json.loads((folder / "query_vectors.json").read_text(encoding="utf-8"))
            mat = np.load(folder / "query_vectors.npy")
            if len(keys) == len(mat) and mat.shape[1] == eng.vectors.shape[1]:
                for k, v in zip(keys, mat, strict=True):
                    eng._qvecs[k] = v
        if reranker is None and (folder / LTR_DIR / "ltr.json").exists():
            from shopmind.search.ltr import LTRReranker

            try:
                eng.reranker = LTRReranker.load(folder / LTR_DIR, eng)
            except Exception as exc:  # noqa: BLE001 - a bad model must not stop search from serving
                eng.notes.append(f"learned re-ranker not loaded ({exc}); fused order used")
        return eng


@functools.lru_cache(maxsize=64)
def _takes_feature_context(cls: type) -> bool:
    """Whether a reranker class wants the engine's ``feature_context`` (the protocol) or, like
    ``ltr.LTRReranker``, computes its own features from ``qvec``. Cached per class: reading a
    signature costs ~0.1 ms, too much per query."""
    params = inspect.signature(cls.rerank).parameters
    return "feature_context" in params or "qvec" not in params
