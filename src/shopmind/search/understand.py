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
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from shopmind.search.graph import CJK_RE, TOKEN_RE, KnowledgeGraph, entry_key, fold, word_term
from shopmind.search.money import format_money
from shopmind.search.query import Constraint, Understood
from shopmind.search.synonyms import groups as synonym_groups
from shopmind.text.analysis import STOP_WORDS, UNITS, Analyzer

Speller = Callable[[str], "str | None"]

#: Recognised categories per span beyond which a name is too ambiguous to filter on.
MAX_PATHS = 8
#: A category a name points to needs at least this share of the products of the name's best
#: supported category: one odd row ("Beauty > Dresses" next to 600 "Women > Dresses") is noise.
MIN_SUPPORT_SHARE = 0.05
#: "around 200" = 200 ± this share.
AROUND = 0.2
MAX_EXPANSIONS = 12

# ---------------------------------------------------------------------- price patterns
_D = "0-9０-９"
_NUM = rf"(?:[0-9]{{1,3}}(?:,[0-9]{{3}})+|[{_D}]+)(?:\.[{_D}]+)?"
_PRE = r"(?:us\s?\$|\$|＄|usd\s?|¥|￥|rmb\s?|cny\s?|€|£|eur\s?|gbp\s?|jpy\s?)"
_POST = r"(?:\s?(?:dollars?|bucks|usd|yuan|rmb|cny|euros?|eur|gbp|jpy|yen|元|块钱|块|圆|美元|美金|人民币|欧元|英镑|日元|円|€|£))"


def _amt(n: str) -> str:
    return rf"(?:(?P<{n}_pre>{_PRE})\s?)?(?P<{n}>{_NUM})(?P<{n}_mult>\s?[万千])?(?P<{n}_post>{_POST}(?![a-zA-Z]))?"


_STRONG_MAX = r"under|below|less\s+than|cheaper\s+than|lower\s+than|no\s+more\s+than|not\s+more\s+than|at\s+most|<=?|≤|＜"
_WEAK_MAX = r"max(?:imum)?|up\s+to|within|budget(?:\s+of)?"
_STRONG_MIN = r"over|above|more\s+than|greater\s+than|higher\s+than|at\s+least|>=?|≥|＞"
_WEAK_MIN = r"min(?:imum)?|starting\s+at|from"
_AROUND = r"around|about|approx(?:imately|\.)?|roughly|circa|~|～"

#: (pattern, kind, script): kind is max / min / around / range / suffix (bound from the keyword).
_PATTERNS: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(
            rf"(?:(?P<kw>between|from|价格在|价位在|在)\s*)?{_amt('a')}\s*(?P<sep>-|–|—|~|～|to|and|到|至)\s*{_amt('b')}"
            r"(?:\s*(?P<tail>之间|以内|之内))?",
            re.I,
        ),
        "range",
        "any",
    ),
    (
        re.compile(
            rf"(?P<kw>低于|少于|不超过|不高于|不到|小于|最多|最高|便宜于|预算)\s*{_amt('a')}(?:\s*(?P<tail>以下|以内|之内))?",
            re.I,
        ),
        "max",
        "zh",
    ),
    (
        re.compile(
            rf"(?P<kw>高于|超过|大于|不低于|至少|多于|最低)\s*{_amt('a')}(?:\s*(?P<tail>以上))?", re.I
        ),
        "min",
        "zh",
    ),
    (re.compile(rf"(?P<kw>大约|大概|约)\s*{_amt('a')}(?:\s*(?P<tail>左右|上下))?", re.I), "around", "zh"),
    (re.compile(rf"{_amt('a')}\s*(?P<kw>以下|以内|之内|以上|起|左右|上下)", re.I), "suffix", "zh"),
    (re.compile(rf"(?<![^\W_])(?P<kw>{_STRONG_MAX}|{_WEAK_MAX})\s*{_amt('a')}", re.I), "max", "en"),
    (re.compile(rf"(?<![^\W_])(?P<kw>{_STRONG_MIN}|{_WEAK_MIN})\s*{_amt('a')}", re.I), "min", "en"),
    (re.compile(rf"(?<![^\W_])(?P<kw>{_AROUND})\s*{_amt('a')}", re.I), "around", "en"),
    (
        re.compile(
            rf"{_amt('a')}\s*(?P<kw>or\s+less|or\s+under|or\s+below|and\s+under|and\s+below|or\s+more|and\s+up|and\s+above|\+)",
            re.I,
        ),
        "suffix",
        "en",
    ),
]
_WEAK_KW = re.compile(rf"^(?:{_WEAK_MAX}|{_WEAK_MIN}|{_AROUND}|\+|在)$", re.I)
_SUFFIX_BOUND = {
    "以下": "max", "以内": "max", "之内": "max", "以上": "min", "起": "min", "左右": "around", "上下": "around",
    "or less": "max", "or under": "max", "or below": "max", "and under": "max", "and below": "max",
    "or more": "min", "and up": "min", "and above": "min", "+": "min",
}  # fmt: skip
_PRICE_WORDS = re.compile(
    r"\b(?:prices?|priced|pricing|costs?|costing|budget|dollars?|bucks|usd|rmb|yuan)\b|[$＄¥￥€£]|价格|价位|预算|价钱|售价|元|块钱",
    re.I,
)
#: Words that may follow a bare number that is still a price ("drills under 100 with case").
_CONNECTORS = frozenset(
    [
        "and",
        "or",
        "with",
        "for",
        "that",
        "which",
        "on",
        "at",
        "near",
        "only",
        "please",
        "in",
        "the",
        "a",
        "each",
        "per",
    ]
)
_AFTER_OK_CJK = set("的之以内左右上下元块起")
_BEFORE_BAD = set("./-#×*_")

_CHEAP = re.compile(
    r"\b(?:cheap(?:est|er)?|inexpensive|affordable|budget|low[- ]cost|low[- ]priced|bargain)\b|便宜|实惠|平价|廉价|低价|划算",
    re.I,
)
_PREMIUM = re.compile(
    r"\b(?:premium|luxury|luxurious|high[- ]end|expensive|top[- ]end|deluxe)\b|高端|高档|奢华|奢侈|顶级|昂贵",
    re.I,
)
#: Words of the price patterns and price adjectives above: real words, never "typos".
_PRICE_VOCAB = frozenset(
    [
        "under",
        "below",
        "less",
        "than",
        "cheaper",
        "lower",
        "more",
        "not",
        "most",
        "over",
        "above",
        "greater",
        "higher",
        "least",
        "between",
        "from",
        "around",
        "about",
        "approx",
        "approximately",
        "roughly",
        "circa",
        "max",
        "maximum",
        "min",
        "minimum",
        "within",
        "budget",
        "up",
        "starting",
        "cheap",
        "cheapest",
        "inexpensive",
        "affordable",
        "bargain",
        "premium",
        "luxury",
        "luxurious",
        "expensive",
        "deluxe",
        "price",
        "prices",
        "priced",
        "pricing",
        "cost",
        "costs",
        "dollar",
        "dollars",
        "bucks",
        "yuan",
        "euro",
        "euros",
        "yen",
    ]
)
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
#: Currency words and signs of a price phrase -> ISO code, checked in order ("美元" is dollars
#: before "元" is yuan; "¥" is yuan unless the shop sells in yen only).
_CURRENCIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"美元|美金|\$|＄|usd|dollars?|bucks", re.I), "USD"),
    (re.compile(r"欧元|€|eur(?:os?)?\b", re.I), "EUR"),
    (re.compile(r"英镑|£|gbp", re.I), "GBP"),
    (re.compile(r"日元|円|jpy|yen", re.I), "JPY"),
    (re.compile(r"人民币|元|块|圆|¥|￥|rmb|cny|yuan", re.I), "CNY"),
)


def price_currency(phrase: str, catalog_currencies: Iterable[str] = ()) -> str | None:
    """The currency a price phrase names ("100元以下" -> CNY, "under €50" -> EUR), or None."""
    for rx, code in _CURRENCIES:
        if rx.search(phrase):
            if (
                code == "CNY"
                and re.search(r"[¥￥]", phrase)
                and not re.search(r"元|块|圆|rmb|cny|yuan|人民币", phrase, re.I)
            ):
                cats = set(catalog_currencies)
                if "JPY" in cats and "CNY" not in cats:
                    return "JPY"
            return code
    return None


@dataclass(frozen=True)
class _Entry:
    kind: str  # brand | category | attribute
    key: str
    value: str
    count: int
    source: str  # catalog | graph


@dataclass
class _Price:
    start: int
    end: int
    lo: float | None
    hi: float | None
    currency: str | None


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
        self._en: dict[tuple[str, ...], list[_Entry]] = {}
        self._zh: dict[str, list[_Entry]] = {}
        for kind, key, value, count in graph.vocabulary():
            names = [graph.categories[value].name] if kind == "category" else [value]
            for name in names:
                self._add(entry_key(name), _Entry(kind, key, value, count, "catalog"))
        for path, aliases in graph.category_aliases.items():
            count = graph.category_count(path)
            for alias in aliases:
                k = ("zh", alias) if CJK_RE.search(alias) else ("en", (alias,))
                self._add(k, _Entry("category", "category", path, count, "graph"))
        for entries in list(self._en.values()) + list(self._zh.values()):
            entries.sort(key=lambda e: (e.source != "catalog", -e.count, e.kind, e.value))
            _drop_unsupported(entries)
        self._en_max = max((len(k) for k in self._en), default=0)
        self._zh_max = max((len(k) for k in self._zh), default=0)
        self._en_terms = {t for k in self._en for t in k}
        prices = list(graph.prices.get("", {}).values())  # catalog-wide, per currency
        self._currencies = sorted(c for c in graph.prices.get("", {}) if c)
        self._price_lo = min((s["min"] for s in prices), default=None)
        self._price_hi = max((s["max"] for s in prices), default=None)
        # synonyms: key -> the other members of its groups (surface strings)
        self._syn_en: dict[tuple[str, ...], list[str]] = {}
        self._syn_zh: dict[str, list[str]] = {}
        for group in synonym_groups(synonyms, builtin=builtin_synonyms):
            for member in group:
                k = entry_key(member)
                if k is None:
                    continue
                others = [m for m in group if m != member]
                target = self._syn_zh if k[0] == "zh" else self._syn_en
                lst = target.setdefault(k[1], [])  # type: ignore[arg-type]
                lst.extend(o for o in others if o not in lst)
        self._syn_en_max = max((len(k) for k in self._syn_en), default=0)
        self._syn_terms = {t for k in self._syn_en for t in k}
        self._syn_zh_max = max((len(k) for k in self._syn_zh), default=0)

    def knows(self, word: str) -> bool:
        """Whether ``word`` is a real word here: a term of the shop's vocabulary (brands,
        categories, attribute values, mined aliases), of a synonym group, a stop word or a
        unit. Such a word is never spelling-corrected, even when no product uses it: "sofa"
        is a sofa (with its synonyms), never "soft"."""
        t = word_term(word)
        return (
            t in self._en_terms
            or t in self._syn_terms
            or t in STOP_WORDS
            or t in UNITS
            or fold(word) in _PRICE_VOCAB
        )

    def _add(self, key: tuple[str, object] | None, entry: _Entry) -> None:
        if key is None:
            return
        target = self._zh if key[0] == "zh" else self._en
        lst = target.setdefault(key[1], [])  # type: ignore[arg-type]
        if entry not in lst:
            lst.append(entry)

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
        prices = self._prices(work)
        taken = [(p.start, p.end) for p in prices]

        # tokens outside price phrases, with spelling fixes
        corrections: list[tuple[str, str]] = []
        runs: list[list[tuple[str, int, int]]] = [[]]  # consecutive Latin terms
        cjk: list[tuple[str, int]] = []  # (folded run, start)
        for m in TOKEN_RE.finditer(work):
            if m.group("w") is not None and _overlaps(m.start(), m.end(), taken):
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
        matches: list[tuple[int, int, list[_Entry], str]] = []
        for run in runs:
            matches.extend(self._match_en(run, work))
        for text, start in cjk:
            matches.extend(self._match_zh(text, start))
        constraints = self._resolve(matches, work)

        # qualitative price words, unless an explicit price was given
        qual: list[tuple[int, int]] = []
        if not prices:
            covered = taken + [(s, e) for s, e, _, _ in matches]
            cat = _deepest([c for c in constraints if c.kind == "category"])
            for rx, q_, bound in ((_CHEAP, 0.25, "max"), (_PREMIUM, 0.75, "min")):
                m = next((m for m in rx.finditer(work) if not _overlaps(m.start(), m.end(), covered)), None)
                if m is None:
                    continue
                cur = self._currency(language, None)
                value = self._quantile(q_, cat, cur)
                if value is None:
                    notes.append(f"'{m.group()}': no prices in the catalog to compare with")
                    continue
                lo, hi = (None, value) if bound == "max" else (value, None)
                prices.append(_Price(m.start(), m.end(), lo, hi, cur))
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
                    f"{_fmt(p.lo)}-{_fmt(p.hi)}",
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

        pairs = self._expansions(work, runs, cjk, constraints)
        expansions = list(dict.fromkeys(t for _, t in pairs))
        alternatives: dict[str, list[str]] = {}
        for source, term in pairs:
            alternatives.setdefault(source, []).append(term)
        text = _remove(q, [(p.start, p.end) for p in prices])
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

    # ------------------------------------------------------------------ prices
    def _prices(self, text: str) -> list[_Price]:
        out: list[_Price] = []
        if not any(ch.isdigit() for ch in text):
            return out
        has_price_word = _PRICE_WORDS.search(text) is not None
        for rx, kind, script in _PATTERNS:
            for m in rx.finditer(text):
                if _overlaps(m.start(), m.end(), [(p.start, p.end) for p in out]):
                    continue
                p = self._price(text, m, kind, script, has_price_word)
                if p is not None:
                    out.append(p)
        out.sort(key=lambda p: p.start)
        return out

    def _price(self, text: str, m: re.Match[str], kind: str, script: str, price_word: bool) -> _Price | None:
        g = m.groupdict()
        kw = (g.get("kw") or "").lower()
        kw = re.sub(r"\s+", " ", kw)
        tail = g.get("tail")
        cur = bool(g.get("a_pre") or g.get("a_post") or g.get("b_pre") or g.get("b_post"))
        a = _number(g["a"], g.get("a_mult"))
        b = _number(g["b"], g.get("b_mult")) if g.get("b") else None
        if a is None or (g.get("b") and b is None):
            return None
        if not _free_before(text, m.start()):
            return None
        explicit = cur or kw in ("between", "from", "价格在", "价位在") or tail is not None
        # after the last number: units, dimensions, glued letters make it not a price; with no
        # currency or price word anywhere, an English bound must not be followed by a noun
        # ("over 3 people"), a range not even when explicit ("between 10 and 20 drills" is fine)
        ends_in_number = not (g.get("b_post") if b is not None else g.get("a_post")) and not tail
        strict = not cur and not price_word and script == "en"
        if (ends_in_number or kind == "suffix") and not _free_after(text, m.end(), strict=strict):
            return None
        weak = bool(kw) and _WEAK_KW.match(kw) is not None
        if kind == "range":
            sep = (g.get("sep") or "").lower()
            if sep == "and" and kw != "between":
                return None
            if kw == "在" and not (cur or price_word):
                return None
            bare = not explicit and not price_word
            if bare and (not self._plausible(a, b) or not _free_after(text, m.end(), strict=True)):
                return None
            lo, hi = (a, b) if b is not None and a <= b else (b, a)
        elif kind == "suffix":
            bound = _SUFFIX_BOUND.get(kw)
            if bound is None or (script == "en" and not (cur or price_word)):
                return None
            lo, hi = _bounds(bound, a)
        else:
            if weak and not (cur or price_word):
                return None
            bound = kind
            if tail in ("左右", "上下"):
                bound = "around"
            lo, hi = _bounds(bound, a)
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        return _Price(m.start(), m.end(), lo, hi, price_currency(m.group(), self._currencies))

    def _plausible(self, a: float, b: float | None) -> bool:
        """A bare "a-b" reads as a price only inside (half of) the catalog's price range."""
        if b is None or self._price_lo is None or self._price_hi is None or a >= b:
            return False
        return a >= self._price_lo * 0.5 and b <= self._price_hi * 2

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

    # ------------------------------------------------------------------ catalog values
    def _match_en(
        self, run: list[tuple[str, int, int]], text: str
    ) -> list[tuple[int, int, list[_Entry], str]]:
        out = []
        i, n = 0, len(run)
        while i < n:
            hit = None
            for size in range(min(self._en_max, n - i), 0, -1):
                key = tuple(t for t, _, _ in run[i : i + size])
                entries = self._en.get(key)
                if entries:
                    hit = (size, entries, "catalog")
                    break
            if hit is None:
                for size in range(min(self._syn_en_max, n - i), 0, -1):
                    key = tuple(t for t, _, _ in run[i : i + size])
                    entries = self._synonym_entries(self._syn_en.get(key))
                    if entries:
                        hit = (size, entries, "synonym")
                        break
            if hit is None:
                i += 1
                continue
            size, entries, src = hit
            s, e = run[i][1], run[i + size - 1][2]
            if src == "synonym":
                entries = [_Entry(x.kind, x.key, x.value, x.count, "synonym") for x in entries]
            out.append((s, e, entries, text[s:e]))
            i += size
        return out

    def _match_zh(self, run: str, start: int) -> list[tuple[int, int, list[_Entry], str]]:
        out = []
        folded = fold(run)
        if len(folded) != len(run):  # NFKC changed the length: offsets would not line up
            folded = run
        i, n = 0, len(folded)
        longest = max(self._zh_max, self._syn_zh_max)
        while i < n:
            hit = None
            for size in range(min(longest, n - i), 1, -1):
                sub = folded[i : i + size]
                entries = self._zh.get(sub)
                if entries:
                    hit = (size, entries)
                    break
                syn = self._synonym_entries(self._syn_zh.get(sub))
                if syn:
                    hit = (size, [_Entry(x.kind, x.key, x.value, x.count, "synonym") for x in syn])
                    break
            if hit is None:
                i += 1
                continue
            size, entries = hit
            out.append((start + i, start + i + size, entries, run[i : i + size]))
            i += size
        return out

    def _synonym_entries(self, members: list[str] | None) -> list[_Entry]:
        for member in members or ():
            k = entry_key(member)
            if k is None:
                continue
            entries = (self._zh if k[0] == "zh" else self._en).get(k[1])  # type: ignore[call-overload]
            if entries:
                return [e for e in entries if e.source == "catalog"]
        return []

    def _resolve(self, matches: list[tuple[int, int, list[_Entry], str]], text: str) -> list[Constraint]:
        """One kind per matched span; ambiguous spans prefer what fits the recognised category."""
        cats: list[str] = []
        for _, _, entries, _ in matches:
            if entries and entries[0].kind == "category":
                cats.extend(e.value for e in entries if e.kind == "category")
        out: list[Constraint] = []
        for s, e, entries, _ in matches:
            best = [x for x in entries if x.source == entries[0].source]
            kinds: dict[str, list[_Entry]] = {}
            for x in best:
                kinds.setdefault(x.kind, []).append(x)
            if len(kinds) > 1 and cats and "brand" in kinds:
                fits = [b for b in kinds["brand"] if any(self._brand_in(b.value, c) for c in cats)]
                if fits:
                    kinds["brand"] = fits
                else:
                    kinds.pop("brand")
            if not kinds:
                continue
            kind = max(kinds, key=lambda k: (sum(x.count for x in kinds[k]), k == "attribute", k))
            chosen = kinds[kind]
            if kind == "category":
                chosen = chosen[:MAX_PATHS]
            elif kind == "attribute":
                # one key per span: filters AND across keys, so "256GB" under both "storage"
                # and "存储" would match nothing; the key of the query's script, then the commoner
                zh = CJK_RE.search(text[s:e]) is not None
                key = max(chosen, key=lambda x: ((CJK_RE.search(x.key) is not None) == zh, x.count)).key
                chosen = [x for x in chosen if x.key == key]
            alts = self._equivalents(text[s:e], chosen) if kind == "attribute" else ()
            for x in chosen:
                key = x.key if x.kind == "attribute" else x.kind
                out.append(
                    Constraint(
                        x.kind,
                        key,
                        x.value,
                        (s, e),
                        x.source,
                        label=f"{key}: {x.value}",
                        alternatives=alts,  # type: ignore[arg-type]
                    )
                )
        # a broader category next to a narrower one adds nothing but noise: keep the deepest
        cat_cons = [c for c in out if c.kind == "category"]
        if len(cat_cons) > 1:
            depth = {
                c.value: self.graph.categories[c.value].depth
                for c in cat_cons
                if c.value in self.graph.categories
            }
            top = max(depth.values(), default=0)
            out = [c for c in out if c.kind != "category" or depth.get(c.value, 0) == top]
        seen: set[tuple[str, str, str]] = set()
        unique = []
        for c in out:
            if (c.kind, c.key, c.value) not in seen:
                seen.add((c.kind, c.key, c.value))
                unique.append(c)
        return unique

    def _equivalents(self, surface: str, chosen: list[_Entry]) -> tuple[tuple[str, str], ...]:
        """Catalog attribute values that mean what ``surface`` means in the other language
        (through the synonym groups): "red" -> (("颜色", "红色"),). The engine accepts a product
        with any of them, so a colour asked in English still finds Chinese listings."""
        k = entry_key(surface)
        if k is None:
            return ()
        members = (self._syn_zh if k[0] == "zh" else self._syn_en).get(k[1], [])  # type: ignore[call-overload]
        have = {(x.key, x.value) for x in chosen}
        out: list[tuple[str, str]] = []
        for member in members:
            mk = entry_key(member)
            if mk is None or mk[0] == k[0]:
                continue
            for x in (self._zh if mk[0] == "zh" else self._en).get(mk[1], []):  # type: ignore[call-overload]
                if x.kind == "attribute" and x.source == "catalog" and (x.key, x.value) not in have:
                    have.add((x.key, x.value))
                    out.append((x.key, x.value))
        return tuple(out)

    def _brand_in(self, brand: str, category: str) -> bool:
        prefix = category + " > "
        return any(p == category or p.startswith(prefix) for p in self.graph.brands.get(brand, {}))

    # ------------------------------------------------------------------ expansions
    def _expansions(
        self,
        text: str,
        runs: list[list[tuple[str, int, int]]],
        cjk: list[tuple[str, int]],
        constraints: list[Constraint],
    ) -> list[tuple[str, str]]:
        """``(source, term)`` pairs: ``term`` (a synonym, a translation, a category's name in
        the other language) stands for the ``source`` words of the query."""
        present = fold(text)
        query_terms = {t for run in runs for t, _, _ in run}
        out: list[tuple[str, str]] = []
        terms_out: list[str] = []

        def add(source: str, term: str) -> None:
            ok = len(terms_out) < MAX_EXPANSIONS and term and fold(term) not in present
            if ok and (source, term) not in out:
                out.append((source, term))
                if term not in terms_out:
                    terms_out.append(term)

        for run in runs:
            terms = [t for t, _, _ in run]
            for size in range(min(self._syn_en_max, len(terms)), 0, -1):
                for i in range(len(terms) - size + 1):
                    source = text[run[i][1] : run[i + size - 1][2]]
                    for member in self._syn_en.get(tuple(terms[i : i + size]), ()):
                        add(source, member)
        for run, _ in cjk:
            folded = fold(run)
            same = len(folded) == len(run)
            for i in range(len(folded)):
                for size in range(min(self._syn_zh_max, len(folded) - i), 1, -1):
                    source = run[i : i + size] if same else folded[i : i + size]
                    for member in self._syn_zh.get(folded[i : i + size], ()):
                        add(source, member)
        # graph: a recognised category also goes by its name and its aliases in the other script
        query_zh = CJK_RE.search(text) is not None
        for c in constraints:
            if c.kind != "category" or c.value not in self.graph.categories:
                continue
            name = self.graph.categories[c.value].name
            key = entry_key(name)
            source = text[c.span[0] : c.span[1]]
            if not (key and key[0] == "en" and set(key[1]) <= query_terms):
                add(source, name)
            for alias in self.graph.category_aliases.get(c.value, [])[:3]:
                if (CJK_RE.search(alias) is not None) != query_zh and CJK_RE.search(alias):
                    add(source, alias)
        return out


# ---------------------------------------------------------------------- helpers
def _drop_unsupported(entries: list[_Entry]) -> None:
    """Remove (in place) the category entries of one name whose product count is below
    ``MIN_SUPPORT_SHARE`` of the best supported category of that name."""
    top = max((e.count for e in entries if e.kind == "category"), default=0)
    floor = MIN_SUPPORT_SHARE * top
    entries[:] = [e for e in entries if e.kind != "category" or e.count >= floor]


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


def _number(text: str | None, mult: str | None) -> float | None:
    if not text:
        return None
    try:
        v = float(text.translate(_FULLWIDTH).replace(",", ""))
    except ValueError:
        return None
    if mult:
        v *= 10_000 if "万" in mult else 1_000
    return v if math.isfinite(v) and 0 <= v < 1e12 else None


def _bounds(bound: str, v: float) -> tuple[float | None, float | None]:
    if bound == "max":
        return None, v
    if bound == "min":
        return v, None
    return round(v * (1 - AROUND), 2), round(v * (1 + AROUND), 2)


def _free_before(text: str, start: int) -> bool:
    """The character before a price may not glue it to a model number or fraction."""
    if start <= 0:
        return True
    ch = text[start - 1]
    return not ((ch.isascii() and ch.isalnum()) or ch in _BEFORE_BAD)


def _free_after(text: str, end: int, strict: bool) -> bool:
    """What follows a number must not make it a size, a dimension or a quantity."""
    rest = text[end : end + 40]
    if not rest:
        return True
    ch = rest[0]
    if ch in "\"'″′”’%/×*#°":
        return False
    if ch in "xX" and re.match(r"[xX]\s*\d", rest):
        return False
    if ch in ".-," and len(rest) > 1 and rest[1].isalnum():
        return False
    if ch.isalnum() and not CJK_RE.match(ch):
        return False
    if CJK_RE.match(ch):
        return ch in _AFTER_OK_CJK
    m = re.match(r"\s+([^\W\d_]+)", rest)
    if m:
        word = m.group(1).lower()
        if word in UNITS or word in ("x", "by"):
            return False
        if strict and word not in _CONNECTORS and not CJK_RE.match(word[0]):
            return False
    return True


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


def _overlaps(s: int, e: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < b and a < e for a, b in spans)


def _deepest(cons: list[Constraint]) -> str:
    return max((c.value for c in cons), key=lambda v: (v.count(" > "), v), default="")


def price_label(lo: float | None, hi: float | None, currency: str | None) -> str:
    """How a price constraint reads on a chip: "under CN¥100", "over $50", "$20–40"."""
    if lo is not None and hi is not None:
        return f"{format_money(lo, currency)}–{format_money(hi, currency)}"
    if hi is not None:
        return f"under {format_money(hi, currency)}"
    return f"over {format_money(lo, currency)}" if lo is not None else ""


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")


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
