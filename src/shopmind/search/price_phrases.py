"""Price phrases of a query, English and Chinese: "under $50", "between 10 and 20",
"$20-$40", "50元以下", "100到200元", "200元左右" (= ±20 %), and the currency they name.

A bare "100-200" is a price only when the query mentions a currency or price word, or the
catalog's price range makes it plausible and no word follows it ("2-3 person tent" is not);
numbers glued to units, dimensions ("2x4"), fractions ("1/2 in") and model numbers
("XR-100") never are. Also the price adjectives ("cheap"/"便宜", "premium"/"高端") that
``QueryUnderstanding`` turns into a percentile bound, and how a price constraint reads.

Split out of ``search/understand.py``: the patterns and their checks are a job of their own
(about a third of the parser); ``search.understand`` re-exports ``price_currency`` and
``price_label``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from shopmind.search.graph import CJK_RE
from shopmind.search.money import format_money
from shopmind.text.analysis import UNITS

#: "around 200" = 200 ± this share.
AROUND = 0.2

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
            rf"(?P<kw>低于|少于|不超过|不高于|不到|小于|最多|最高|便宜于|预算|上限|顶多|封顶)\s*{_amt('a')}(?:\s*(?P<tail>以下|以内|之内))?",
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
    (re.compile(rf"{_amt('a')}\s*(?P<kw>以下|以内|之内|以上|起|左右|上下|封顶)", re.I), "suffix", "zh"),
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
    "以下": "max", "以内": "max", "之内": "max", "封顶": "max", "以上": "min", "起": "min", "左右": "around", "上下": "around",
    "or less": "max", "or under": "max", "or below": "max", "and under": "max", "and below": "max",
    "or more": "min", "and up": "min", "and above": "min", "+": "min",
}  # fmt: skip
#: Chinese suffix bounds that end a price phrase whatever follows them (``PriceReader._price``);
#: not "起" ("100起步" may be a start, not a floor)
_CLOSING_ZH = frozenset({"以下", "以内", "之内", "封顶", "以上", "左右", "上下"})
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
_AFTER_OK_CJK = set("的之以内左右上下元块起封")
_BEFORE_BAD = set("./-#×*_")

CHEAP = re.compile(
    r"\b(?:cheap(?:est|er)?|inexpensive|affordable|budget|low[- ]cost|low[- ]priced|bargain)\b|便宜|实惠|平价|廉价|低价|划算",
    re.I,
)
PREMIUM = re.compile(
    r"\b(?:premium|luxury|luxurious|high[- ]end|expensive|top[- ]end|deluxe)\b|高端|高档|奢华|奢侈|顶级|昂贵",
    re.I,
)
#: Words of the price patterns and price adjectives above: real words, never "typos".
PRICE_VOCAB = frozenset(
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


@dataclass
class Price:
    """A price phrase: its span in the text, its bounds and the currency it names."""

    start: int
    end: int
    lo: float | None
    hi: float | None
    currency: str | None


class PriceReader:
    """Finds the price phrases of a text. ``lo``/``hi``: the catalog's price range (a bare
    range is a price only inside half of it / twice it); ``currencies``: the catalog's
    currencies (a "¥" is yen in a shop that sells only in yen)."""

    def __init__(self, lo: float | None, hi: float | None, currencies: list[str]) -> None:
        self._price_lo = lo
        self._price_hi = hi
        self._currencies = currencies

    def prices(self, text: str) -> list[Price]:
        """The price phrases of ``text``, in text order (none overlapping)."""
        out: list[Price] = []
        if not any(ch.isdigit() for ch in text):
            return out
        has_price_word = _PRICE_WORDS.search(text) is not None
        for rx, kind, script in _PATTERNS:
            for m in rx.finditer(text):
                if overlaps(m.start(), m.end(), [(p.start, p.end) for p in out]):
                    continue
                p = self._price(text, m, kind, script, has_price_word)
                if p is not None:
                    out.append(p)
        out.sort(key=lambda p: p.start)
        return out

    def _price(self, text: str, m: re.Match[str], kind: str, script: str, price_word: bool) -> Price | None:
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
        # a Chinese bound word after the amount ("890元以内", "300块以下") closes the phrase: what
        # follows is the rest of the sentence ("890元以内有什么跑步鞋"), not a unit of the number
        closed = kind == "suffix" and kw in _CLOSING_ZH
        if (
            (ends_in_number or kind == "suffix")
            and not closed
            and not _free_after(text, m.end(), strict=strict)
        ):
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
        return Price(m.start(), m.end(), lo, hi, price_currency(m.group(), self._currencies))

    def _plausible(self, a: float, b: float | None) -> bool:
        """A bare "a-b" reads as a price only inside (half of) the catalog's price range."""
        if b is None or self._price_lo is None or self._price_hi is None or a >= b:
            return False
        return a >= self._price_lo * 0.5 and b <= self._price_hi * 2


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


def overlaps(s: int, e: int, spans: list[tuple[int, int]]) -> bool:
    """Whether ``[s, e)`` overlaps any of the ``spans``."""
    return any(s < b and a < e for a, b in spans)


def price_label(lo: float | None, hi: float | None, currency: str | None) -> str:
    """How a price constraint reads on a chip: "under CN¥100", "over $50", "$20–40"."""
    if lo is not None and hi is not None:
        return f"{format_money(lo, currency)}–{format_money(hi, currency)}"
    if hi is not None:
        return f"under {format_money(hi, currency)}"
    return f"over {format_money(lo, currency)}" if lo is not None else ""


def plain_number(v: float | None) -> str:
    """A bound as the constraint's value shows it: "50", "19.99", "" for none."""
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")
