"""Query input of the search engine: cleaning, filter validation, understanding, analysis.

Why a module of its own: everything between the caller's raw arguments and the index terms —
parameter checks that raise ``SearchError`` naming the parameter, control characters and
over-long queries, traditional-to-simplified Chinese, the query-understanding parser (a failure
degrades to a plain query), currency read from the query, spelling suggestions, and the terms,
expansions and cross-language alternatives the lexical stage scores. ``QueryInput`` is the mixin
of ``SearchEngine`` holding the methods; the plain functions are re-exported by
:mod:`shopmind.search.engine`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from typing import Any

import numpy as np

from shopmind.search.compounds import compound_terms
from shopmind.search.engine_types import SearchError
from shopmind.search.money import check_currency, query_currency, with_currency
from shopmind.search.query import SORT_KEYS, Filters, Understood
from shopmind.search.sources import simplified
from shopmind.text.analysis import _CJK_RUN


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


class QueryInput:
    """Query-input methods of ``SearchEngine`` (see the module docstring)."""

    def _check_params(self, sort: object, page: object, size: object, facets: object) -> None:
        if sort not in SORT_KEYS:
            raise SearchError("invalid_sort", "sort", f"unknown sort {sort!r}; valid: {', '.join(SORT_KEYS)}")
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise SearchError("invalid_page", "page", f"must be an integer >= 1, not {page!r}")
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= self.config.max_size:
            raise SearchError("invalid_size", "size", f"must be an integer from 0 to {self.config.max_size}, not {size!r}")  # fmt: skip
        if isinstance(facets, str) or not all(isinstance(f, str) for f in facets):  # type: ignore[union-attr]
            raise SearchError("invalid_facets", "facets", "must be a sequence of facet names")

    def _check_window(self, page: int, size: int) -> None:
        """Deep paging's cost guard (``max_window``), checked once the result set is known: a
        page past the last one is ``page_out_of_range`` naming the last page (the storefront
        then shows page 1), so a kept link ``?page=999`` of a 558-result query is no longer
        refused as "page * size may not exceed 10000" (t1hz)."""
        if page * max(size, 1) > self.config.max_window:
            raise SearchError(
                "invalid_page", "page", f"page * size may not exceed {self.config.max_window} (narrow the query instead)"
            )  # fmt: skip

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
        return self._in_catalog(u)

    def _in_catalog(self, u: Understood) -> Understood:
        """``u`` without the expansions and alternatives no indexed product contains: a built-in
        synonym's translation ("blue" -> "蓝色") on a shop with no Chinese titles matched
        nothing, yet the storefront offered it as a chip on every English query."""
        vocab, tokens = self.lexical.vocab, self.lexical.analyzer.tokens

        def found(term: str) -> bool:
            return any(t in vocab for t in tokens(str(term)))

        expansions = tuple(e for e in u.expansions if found(e))
        alternatives = tuple(
            (source, kept)
            for source, terms in u.alternatives
            if (kept := tuple(t for t in terms if found(t)))
        )
        if expansions == u.expansions and alternatives == u.alternatives:
            return u
        return replace(u, expansions=expansions, alternatives=alternatives)

    def _known(self) -> Callable[[str], bool] | None:
        """The parser's "is this a real word" test (synonyms, the catalog's vocabulary): such
        words are not spelling-corrected (``LexicalIndex.analyze_query``)."""
        knows = getattr(self.parser, "knows", None)
        return knows if callable(knows) else None

    def _respelled(self, text: str, corrections: Mapping[str, str]) -> list[str]:
        """The query with the corrections the speller would have made to the words it was told
        are real, if any (what ``_suggest`` starts from)."""
        _, fixes = self.lexical.analyze_query(text)
        extra = {w: f for w, f in fixes.items() if corrections.get(w) != f}
        if not extra:
            return []
        out = text
        for w, f in extra.items():
            out = re.sub(rf"(?<![^\W_]){re.escape(w)}(?![^\W_])", f, out, flags=re.I)
        return [out] if out != text else []

    def _suggest(self, text: str, corrections: Mapping[str, str], qvec: Any, filters: Filters) -> list[str]:
        """For a query that found nothing: "did you mean ...", only when the respelling finds
        products the query meant (t1f, session 32: "sofa" answered 0 with "did you mean
        “soft”?", a different word making a different query).

        The speller corrects, within its edit budget, every word it was not told is real; the
        respelling changes only the real ones ("sofa", "books", "beer": on the demo shop they were
        offered as "soft", "boots", "bear"), so whether it is the word meant cannot be read from
        the letters. It is offered only when the query's meaning was read (``qvec``, the query's
        vector) and the respelled query's top 10 holds a product at least the dense floor
        similar to it: the engine's own measure of "a product this query means". Without vectors,
        or while the query's vector is still being encoded (the note says to search again), no
        suggestion: none is better than a wrong one. (Zero results with the meaning read usually
        means no product passed the floor, so this rarely offers one: bench/search_suggestions.py.)"""
        respelled = self._respelled(text, corrections)
        vectors = getattr(self, "vectors", None)
        if not respelled or qvec is None or vectors is None:
            return []
        found = self.search(respelled[0], filters=filters, size=10, facets=(), highlight=False, suggest=False)
        rows = [self.catalog.pos[h.product_id] for h in found.hits if h.product_id in self.catalog.pos]
        rows = [r for r in rows if r < len(vectors)]
        near = bool(rows) and float(np.max(vectors[rows] @ qvec)) >= self.config.floor()
        return respelled if near else []

    def _terms(self, text: str) -> list[str]:
        """``text``'s index terms, analysed (and spelling-corrected) as a query is."""
        return self.lexical.analyze_query(text, known=self._known())[0]

    def _analyse(self, text: str, notes: list[str]) -> tuple[list[str], dict[str, str]]:
        tokens, corrections = self.lexical.analyze_query(text, known=self._known())
        limit = 2 * self.config.max_query_terms
        if len(tokens) > limit:
            notes.append(f"only the first {limit} of {len(tokens)} query terms used")
            tokens = tokens[:limit]
        return tokens, corrections

    def _alternative_tokens(self, understood: Understood, tokens: list[str]) -> dict[str, list[str]]:
        """Query token -> index terms that stand for it (``Understood.alternatives``: synonyms
        and translations into the other language): "连衣裙" -> ["dress"], "red" -> ["红色"]; and
        for a token no product holds, the catalog's compounds ending in it (``compounds``)."""
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
        # a term no product holds stands also for the catalog's compounds ending in it ("bag" -> "handbag")
        lex = self.lexical
        for t in dict.fromkeys(tokens):
            tid = lex.vocab.get(t)
            if (tid is None or tid >= len(lex.df) or lex.df[tid] <= 0) and (heads := compound_terms(lex, t)):
                lst = out.setdefault(t, [])
                lst.extend(h for h in heads if h not in lst and h not in have)
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
