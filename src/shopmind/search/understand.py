"""Query understanding: read prices, brands, categories and attribute values out of free text.

``QueryUnderstanding(graph).parse("red cotton dress under $50")`` returns an ``Understood``
(see ``query.py``) with a price constraint (max 50), colour ``red``, material ``cotton`` and
category "Women > Dresses", each with the span of the query it came from. English, Chinese
and mixed queries are handled with the same machinery:

- **Prices** by patterns ("under $50", "between 10 and 20", "$20-$40", "50元以下",
  "100到200元", "200元左右" = ±20 %). A bare "100-200" is a price only when the query
  mentions a currency or price word, or the catalog's price range makes it plausible and no
  word follows it ("2-3 person tent" is not); numbers glued to units, dimensions ("2x4"),
  fractions ("1/2 in") and model numbers ("XR-100") never are. "cheap"/"便宜" and
  "premium"/"高端" become a bound at the 25th/75th price percentile of the recognised
  category (else of the catalog), in the currency the query's language is priced in.
- **Catalog values** by matching the shop's own vocabulary (``KnowledgeGraph``), longest
  match first: English over whole stemmed terms ("red" never matches "redwood"), Chinese by
  substring against the catalog's Chinese values. A category word mined from titles (a
  graph alias) yields a constraint with ``source="graph"``; a synonym of a catalog value one
  with ``source="synonym"``.
- **Spelling** through an optional speller (``str -> str | None``, e.g. ``index_speller``
  of a ``LexicalIndex``), reported in ``corrections``.
- **Expansions**: synonyms (built-in bilingual table + the shop's own), and for a recognised
  category its name/aliases in the other language.

``parse`` never raises: the text is read up to ``max_chars`` characters (a note says so).

This module orchestrates; the price phrases are read by ``price_phrases.py`` and the catalog
values matched by ``understand_vocab.py`` (``price_currency`` and ``price_label`` are
re-exported here).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from shopmind.search.graph import CJK_RE, TOKEN_RE, KnowledgeGraph, word_term
from shopmind.search.phrasing import spans as phrasing_spans
from shopmind.search.price_phrases import (
    AROUND,
    CHEAP,
    PREMIUM,
    Price,
    PriceReader,
    overlaps,
    plain_number,
    price_currency,
    price_label,
)
from shopmind.search.query import Constraint, Understood
from shopmind.search.understand_vocab import (
    MAX_EXPANSIONS,
    MAX_PATHS,
    MIN_SUPPORT_SHARE,
    CatalogVocabulary,
    Entry,
)
from shopmind.text.analysis import STOP_WORDS, UNITS, Analyzer

__all__ = [
    "AROUND",
    "MAX_EXPANSIONS",
    "MAX_PATHS",
    "MIN_SUPPORT_SHARE",
    "QueryUnderstanding",
    "Speller",
    "index_speller",
    "price_currency",
    "price_label",
]

Speller = Callable[[str], "str | None"]


def index_speller(index: object) -> Speller:
    """A speller backed by a ``LexicalIndex``: the catalog word it would correct ``word`` to."""

    def spell(word: str) -> str | None:
        return index.analyze_query(word)[1].get(word)  # type: ignore[attr-defined]

    return spell


class QueryUnderstanding:
    """Parses queries against one catalog's ``KnowledgeGraph`` (build once, parse many).

    ``synonyms``: extra groups as a mapping ``term -> [synonyms]`` or a TOML file with a
    ``[synonyms]`` table (added to the built-in table unless ``builtin_synonyms`` is False).
    ``speller``: ``word -> correction | None`` for Latin words the catalog does not know.
    ``analyzer`` is accepted for symmetry with the index (its language setting decides
    whether Chinese is read); matching itself uses the graph's own term function.
    """

    def __init__(
        self,
        graph: KnowledgeGraph,
        analyzer: Analyzer | None = None,
        synonyms: Mapping[str, Iterable[str]] | Path | str | None = None,
        speller: Speller | None = None,
        builtin_synonyms: bool = True,
        max_chars: int = 1000,
    ) -> None:
        self.graph = graph
        self.analyzer = analyzer or Analyzer()
        self.speller = speller
        self.max_chars = max_chars
        self.vocab = CatalogVocabulary(graph, synonyms, builtin_synonyms)
        prices = list(graph.prices.get("", {}).values())  # catalog-wide, per currency
        self._currencies = sorted(c for c in graph.prices.get("", {}) if c)
        self._price_lo = min((s["min"] for s in prices), default=None)
        self._price_hi = max((s["max"] for s in prices), default=None)
        self._price_reader = PriceReader(self._price_lo, self._price_hi, self._currencies)

    def knows(self, word: str) -> bool:
        """Whether ``word`` is a real word here: a term of the shop's vocabulary (brands,
        categories, attribute values, mined aliases), of a synonym group, a stop word or a
        unit. Such a word is never spelling-corrected, even when no product uses it: "sofa"
        is a sofa (with its synonyms), never "soft"."""
        return self.vocab.knows(word)

    # ------------------------------------------------------------------ parsing
    def parse(self, query: str) -> Understood:
        """What ``query`` asks for; never raises (an internal failure leaves a note)."""
        q = query if isinstance(query, str) else ("" if query is None else str(query))
        try:
            return self._parse(q)
        except Exception as e:  # pragma: no cover - a safety net; tests assert it never fires
            return Understood(
                query=q,
                text=q.strip(),
                language=_language(q[: self.max_chars]),
                notes=(f"internal error: {type(e).__name__}",),
            )

    def _parse(self, q: str) -> Understood:
        work = q[: self.max_chars]
        notes: list[str] = []
        if len(q) > self.max_chars:
            notes.append(f"only the first {self.max_chars} characters were read")
        language = _language(work)
        prices = self._price_reader.prices(work)
        taken = [(p.start, p.end) for p in prices]
        asking = _asking(work, taken, bool(prices))
        taken += asking  # the shopper's phrasing is neither matched to the catalog nor spelling-fixed

        # tokens outside price phrases, with spelling fixes
        corrections: list[tuple[str, str]] = []
        runs: list[list[tuple[str, int, int]]] = [[]]  # consecutive Latin terms
        cjk: list[tuple[str, int]] = []  # (folded run, start)
        for m in TOKEN_RE.finditer(work):
            if m.group("w") is not None and overlaps(m.start(), m.end(), taken):
                runs.append([])
                continue
            if m.group("cjk") is not None:
                if self.analyzer.language != "en":
                    cjk.extend(_pieces(m.group(), m.start(), taken))
                runs.append([])
                continue
            word = m.group()
            term = word_term(word)
            if term in STOP_WORDS and not term.isdigit():
                continue
            if self.speller is not None and not self.knows(word):
                fix = self._spell(word)
                if fix:
                    corrections.append((word, fix))
                    term = word_term(fix)
            runs[-1].append((term, m.start(), m.end()))
        runs = [_merge_units(r) for r in runs if r]

        # catalog matches: (start, end, entries, surface)
        matches: list[tuple[int, int, list[Entry], str]] = []
        for run in runs:
            matches.extend(self.vocab.match_en(run, work))
        for text, start in cjk:
            matches.extend(self.vocab.match_zh(text, start))
        constraints = self.vocab.resolve(matches, work)

        # qualitative price words, unless an explicit price was given
        qual: list[tuple[int, int]] = []
        if not prices:
            covered = taken + [(s, e) for s, e, _, _ in matches]
            cat = _deepest([c for c in constraints if c.kind == "category"])
            for rx, q_, bound in ((CHEAP, 0.25, "max"), (PREMIUM, 0.75, "min")):
                m = next((m for m in rx.finditer(work) if not overlaps(m.start(), m.end(), covered)), None)
                if m is None:
                    continue
                cur = self._currency(language, None)
                value = self._quantile(q_, cat, cur)
                if value is None:
                    notes.append(f"'{m.group()}': no prices in the catalog to compare with")
                    continue
                lo, hi = (None, value) if bound == "max" else (value, None)
                prices.append(Price(m.start(), m.end(), lo, hi, cur))
                qual.append((m.start(), m.end()))
                break
        price_constraints = []
        for p in prices:
            src = "graph" if (p.start, p.end) in qual else "pattern"
            cur = p.currency or self._currency(language, None)
            price_constraints.append(
                Constraint(
                    "price",
                    "price",
                    f"{plain_number(p.lo)}-{plain_number(p.hi)}",
                    (p.start, p.end),
                    src,
                    p.lo,
                    p.hi,
                    cur,
                    price_label(p.lo, p.hi, cur),
                )  # fmt: skip
            )
            if cur:
                notes.append(f"price {work[p.start : p.end]!r} in {cur}")

        pairs = self.vocab.expansions(work, runs, cjk, constraints)
        expansions = list(dict.fromkeys(t for _, t in pairs))
        alternatives: dict[str, list[str]] = {}
        for source, term in pairs:
            alternatives.setdefault(source, []).append(term)
        text = _remove(q, [(p.start, p.end) for p in prices] + asking)
        return Understood(
            query=q,
            text=text,
            language=language,
            constraints=tuple(price_constraints + constraints),
            corrections=tuple(corrections),
            expansions=tuple(expansions),
            notes=tuple(notes),
            alternatives=tuple((k, tuple(v)) for k, v in alternatives.items()),
        )

    def _spell(self, word: str) -> str | None:
        if len(word) < 4 or not word.isalpha() or not word.isascii():
            return None
        try:
            fix = self.speller(word.lower()) if self.speller else None
        except Exception:
            return None
        return fix if isinstance(fix, str) and fix and fix != word.lower() else None

    def _currency(self, language: str, explicit: str | None) -> str | None:
        if explicit:
            return explicit
        by_lang = self.graph.currency_by_language
        lang = "zh" if language == "zh" else "en"
        return by_lang.get(lang) or (self._currencies[0] if len(self._currencies) == 1 else None)

    def _quantile(self, q: float, category: str, currency: str | None) -> float | None:
        for node in (category, ""):
            per = self.graph.prices.get(node)
            if not per:
                continue
            value = self.graph.price_quantile(q, node, currency if currency in per else None)
            if value is not None and math.isfinite(value):
                return round(value, 2)
        return None


def _asking(text: str, prices: list[tuple[int, int]], priced: bool) -> list[tuple[int, int]]:
    """The spans of ``text`` that are the shopper's phrasing (``phrasing.spans``) outside the price
    phrases; none when they and the prices are all the query is ("show me", "有没有"): a query is
    never left with nothing to search by leaving its phrasing out."""
    found = [s for s in phrasing_spans(text) if not overlaps(s[0], s[1], prices)]
    if not found or priced:
        return found
    gone = prices + found
    for m in TOKEN_RE.finditer(text):
        if m.group("cjk") is not None:
            if any(piece for piece, _ in _pieces(m.group(), m.start(), gone)):
                return found
        elif not overlaps(m.start(), m.end(), gone) and word_term(m.group()) not in STOP_WORDS:
            return found
    return []


def _merge_units(run: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """ "128 GB" -> one term ``128gb`` (as ``latin_terms`` does for catalog values)."""
    out: list[tuple[str, int, int]] = []
    for term, s, e in run:
        if out and term in UNITS and out[-1][0].replace(".", "", 1).isdigit() and s - out[-1][2] <= 1:
            prev = out.pop()
            out.append((prev[0] + UNITS[term], prev[1], e))
        else:
            out.append((term, s, e))
    return out


def _language(text: str) -> str:
    zh = len(CJK_RE.findall(text))
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if zh and latin:
        return "mixed" if latin > 3 else "zh"
    return "zh" if zh else "en"


def _pieces(run: str, start: int, taken: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """The parts of a CJK run (at ``start``) outside the ``taken`` spans: "以下的红色连衣裙"
    minus a price phrase still has a colour and a category in it."""
    out, pos, end = [], start, start + len(run)
    for a, b in sorted(taken):
        if b <= pos or a >= end:
            continue
        if a > pos:
            out.append((run[pos - start : a - start], pos))
        pos = max(pos, b)
    if pos < end:
        out.append((run[pos - start :], pos))
    return out


def _deepest(cons: list[Constraint]) -> str:
    return max((c.value for c in cons), key=lambda v: (v.count(" > "), v), default="")


def _remove(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without the spans (and a "的" right after one); whitespace collapsed."""
    if not spans:
        return " ".join(text.split())
    parts, pos = [], 0
    for s, e in sorted(spans):
        if s < pos:
            continue
        parts.append(text[pos:s])
        pos = e
        if text[pos : pos + 1] == "的":
            pos += 1
    parts.append(text[pos:])
    return " ".join(" ".join(parts).split())
