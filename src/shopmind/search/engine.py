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
price phrases is matched. If those constraints leave nothing, or what they leave matches fewer
of the query's other words than the search without them ("purple lamp" with no purple lamp), as
few as must go are left out (``engine_relax``, noted and warned). Without ``apply_understood``
the raw query is matched and the parse is only reported.

Layout: this module keeps ``SearchEngine`` (building, upserts, ``search``, type-ahead) and
re-exports every name callers import from it; the value types are in ``engine_types``, and the
class's methods by job in its mixins: ``engine_query`` (query input), ``engine_retrieval``
(lexical scores, min-match, fusion), ``engine_dense`` (vectors, encoder, query vectors),
``engine_results`` (re-rank, sorts, hits), ``engine_io`` (save/load).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shopmind.data.model import FLAGS
from shopmind.search.autocomplete import Autocomplete, Suggestion
from shopmind.search.catalog import Catalog, canonical_frame
from shopmind.search.compounds import ensure as ensure_compound_heads
from shopmind.search.dense import ENCODERS, Encoder, VectorCache, passage_text
from shopmind.search.engine_dense import DenseVectors
from shopmind.search.engine_io import FORMAT_VERSION, GRAPH_DIR, LTR_DIR, Persistence
from shopmind.search.engine_query import QueryInput, _as_filters, _merge_filters, clean_query, query_language
from shopmind.search.engine_relax import Relaxation
from shopmind.search.engine_results import ResultAssembly
from shopmind.search.engine_retrieval import Retrieval
from shopmind.search.engine_types import (
    DENSE_FLOORS,
    STAGES,
    Hit,
    QueryParser,
    Reranker,
    SearchConfig,
    SearchError,
    SearchResponse,
)
from shopmind.search.facets import DEFAULT_FACETS, compute_facets
from shopmind.search.language_match import language_bonus
from shopmind.search.lexical import BM25Params, LexicalIndex
from shopmind.search.query import Filters
from shopmind.search.query_vectors import BackgroundQueryEncoder
from shopmind.search.request_warnings import (
    constraints_dropped,
    meaning_only,
    search_warnings,
    unknown_currency,
)
from shopmind.search.sources import UNDERSTANDING_FLAGS, flagged_ids, is_traditional, simplified
from shopmind.text.analysis import Analyzer

#: Re-exported: callers import these from here (the routes, the release build, tune, experiments,
#: the assistant, tests, bench/); ``ENCODERS`` is the registry tests patch through this module.
__all__ = [
    "DENSE_FLOORS",
    "ENCODERS",
    "FORMAT_VERSION",
    "GRAPH_DIR",
    "LTR_DIR",
    "STAGES",
    "UNDERSTANDING_FLAGS",
    "Hit",
    "QueryParser",
    "Reranker",
    "SearchConfig",
    "SearchEngine",
    "SearchError",
    "SearchResponse",
    "clean_query",
    "flagged_ids",
    "is_traditional",
    "query_language",
    "simplified",
]


# ---------------------------------------------------------------------- the engine
class SearchEngine(QueryInput, Retrieval, Relaxation, DenseVectors, ResultAssembly, Persistence):
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
        #: products changed since the understanding's graph was built: ``save`` then writes no
        #: graph (a load rebuilds it) unless ``refresh_understanding`` rebuilt it
        self._graph_stale = False

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
            # no events: the graph's co-purchase links are read by nothing in search, and building
            # them was 7.4 of 7.9 s of Online Retail's index build (400k purchases) on the path to
            # its first release (issue 17)
            eng.parser = eng._default_parser(eng._trusted(eng.catalog.frame), None)
        eng._refresh_ann()
        eng.warm_queries()
        return eng

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
            return self._understanding(graph, QueryUnderstanding)
        except Exception as exc:  # a broken parser must not take search down
            self.notes.append(f"query understanding unavailable: {type(exc).__name__}: {exc}")
            return None

    def refresh_understanding(self) -> None:
        """Rebuild the default query understanding over the live catalog. An incremental build
        calls it after its upserts and deletes: the graph saved with the previous engine does not
        know a new category or brand. A caller's own parser (one without a ``graph``) is left alone."""
        if not self.config.understand or not hasattr(self.parser, "graph"):
            return
        live = self.catalog.frame.filter(pl.Series(self.catalog.live, dtype=pl.Boolean))
        self.parser = self._default_parser(self._trusted(live), None)
        self._graph_stale = False

    def _index(self, frame: pl.DataFrame) -> np.ndarray:
        """Add ``frame`` (canonical) to the catalog, the lexical index and the vectors."""
        rows = self.catalog.upsert(frame)
        if not len(rows):
            return rows
        self.lexical.upsert(frame)
        ensure_compound_heads(self.lexical)  # built by the writer, never by a shopper's request
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
        self._graph_stale = True
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
        ensure_compound_heads(self.lexical)
        for pid in ids:
            self.autocompleter.remove_product(pid)
        self._graph_stale = self._graph_stale or n > 0
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
        ensure_compound_heads(self.lexical)
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
        suggest: bool = True,
    ) -> SearchResponse:
        """One page of results for ``query`` within ``filters`` (see the module docstring).
        Raises ``SearchError`` for a bad parameter; any text as ``query`` gets a response.
        ``suggest``: a "did you mean" at zero results (off for the check of a suggestion)."""
        t0 = time.perf_counter()
        timing = dict.fromkeys(STAGES, 0.0)
        cfg = self.config
        user_filters = asked = _as_filters(filters)
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
        core = self._core_words(text, understood, tokens) if not parsed_filters.is_empty() else []
        lex, matched, core_hit = self._lexical(tokens, exp_tokens, alts, core)
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
        dropped: list[str] = []  # understood constraints left out (``engine_relax``): warned if hits remain
        dropped_every = True
        if not parsed_filters.is_empty() and text:  # leave out as few as must go, if any must
            applied, cands, dropped, dropped_every = self._give_way(
                text, understood, user_filters, applied, cands, lex, matched, tokens, core_hit, browse, qvec, timing, notes
            )  # fmt: skip
        if dense_source == "pending" and not len(cands.rows):
            notes.append(
                "no product matched the words; their meaning is being read — search again in a moment"
            )
        # every result from the dense part alone (no product matched a word): said in ``warnings``
        by_meaning = bool(text) and not browse and len(cands.rows) > 0 and not np.any(cands.matched > 0)
        by_meaning = by_meaning and not np.all(np.isnan(cands.dense))
        if cands.required < len(set(tokens)) and len(cands.rows) and not by_meaning:  # none matched a word
            notes.append(f"no product matched every query term; showing products matching {cands.required}")
        t4 = time.perf_counter()
        timing["fusion"] = (t4 - t3) * 1e3 - (timing["dense"] - dense_before)  # matmul counted as dense

        if text:  # [search] language_weight: the query's language first when it matches as well
            cands.bonus = language_bonus(self.catalog, cands.rows, text, cfg.language_weight)
        start = (page - 1) * size
        last_page = max(1, -(-len(cands.rows) // max(size, 1)))
        if page > last_page:  # never "17 results" above an empty page: say where the results end
            raise SearchError(
                "page_out_of_range",
                "page",
                f"page {page} is past the last page ({last_page}) of {len(cands.rows)} result(s) at size {size}",
            )
        self._check_window(page, size)
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
        zero = suggest and text and not len(cands.rows)
        suggestions = self._suggest(text, all_corr, qvec, user_filters) if zero else []
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
            warnings=search_warnings(self.catalog, user_filters, facets)
            + unknown_currency(self.catalog, asked, rates)
            + ([constraints_dropped(dropped, dropped_every)] if dropped and len(cands.rows) else [])
            + ([meaning_only(text)] if by_meaning else [])
            + (
                self._unmatched(match_text, tokens, alts)
                if len(cands.rows) and not (by_meaning or browse)
                else []
            ),
        )

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
