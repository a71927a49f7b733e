"""One analyzer for product text and queries (en + zh, mixed), used on both sides of the index.

Pipeline: unicode NFKC + lowercase (to a fixpoint, so normalisation is idempotent), then the
text is cut into runs of CJK ideographs and everything else:

- CJK runs go through jieba's search-mode cut (overlapping words: 连衣裙 and 连衣 / 衣裙),
  loaded lazily once per process, its logging silenced. No stop words for Chinese.
- Other runs go through the English path: numbers with units become one token with a
  canonical unit ("1/2 in." / "1/2 inch" / '1/2"' -> ``1/2in``; "60 cm" -> ``60cm``;
  "3-pack" -> ``3pack``), dimensions stay whole ("2x4", "2 x 4" -> ``2x4``), other words are
  stemmed with Snowball English (PyStemmer) and a small stop-word list is dropped.

Tokens are deterministic: the same text gives the same tokens in every process.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from typing import Literal

import Stemmer

Language = Literal["auto", "en", "zh"]

#: Small English stop-word list: function words only ("in" after a number is read as a unit
#: before words are; a lone "x" is the dimension sign of "1/2 in. x 10 ft."). Product words
#: ("top", "case") are never here.
# fmt: off
STOP_WORDS: frozenset[str] = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "in", "into",
    "is", "it", "its", "of", "on", "or", "that", "the", "their", "then", "there", "these", "this", "to",
    "was", "were", "will", "with", "without", "x",
))
# fmt: on

#: Chinese function words a *query* is matched without (query side only: the index keeps them, so
#: BM25's lengths and statistics are unchanged): "红色的连衣裙" asks for 红色 + 连衣裙, and 的 in
#: nearly every Chinese description counted as a matched term (min-match) or, on a shop without
#: it, as a word no product matches (``words_unmatched``). Kept when nothing else is left.
ZH_QUERY_STOP: frozenset[str] = frozenset("的了呢吗吧啊呀哦和与及或")


def query_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` of a query without its Chinese function words (``ZH_QUERY_STOP``), unless they
    are all it has."""
    kept = [p for p in pairs if p[1] not in ZH_QUERY_STOP]
    return kept if kept else pairs


#: Unit spellings -> canonical unit, for numbers followed by a unit.
UNITS: dict[str, str] = {}
for _canon, _spellings in {
    "in": "in inch inches inche",
    "ft": "ft feet foot",
    "yd": "yd yard yards",
    "mm": "mm millimeter millimeters millimetre millimetres",
    "cm": "cm centimeter centimeters centimetre centimetres",
    "m": "m meter meters metre metres",
    "km": "km",
    "gal": "gal gallon gallons",
    "qt": "qt quart quarts",
    "pt": "pt pint pints",
    "oz": "oz ounce ounces",
    "floz": "floz",
    "lb": "lb lbs pound pounds",
    "kg": "kg kilogram kilograms",
    "g": "g gram grams",
    "ml": "ml milliliter milliliters millilitre millilitres",
    "l": "l liter liters litre litres",
    "w": "w watt watts",
    "kw": "kw",
    "v": "v volt volts",
    "a": "amp amps ampere amperes",
    "mah": "mah",
    "btu": "btu btus",
    "gauge": "gauge ga",
    "pack": "pack packs pk pck",
    "pc": "pc pcs piece pieces",
    "ct": "ct count",
    "sqft": "sqft",
    "cuft": "cuft",
    "gb": "gb",
    "tb": "tb",
    "mb": "mb",
    "hz": "hz",
    "mp": "mp",
    "hp": "hp",
    "psi": "psi",
    "rpm": "rpm",
}.items():
    for _s in _spellings.split():
        UNITS[_s] = _canon
# Symbols after a number: inch and foot marks (NFKC keeps the prime signs).
QUOTE_UNITS = {'"': "in", "″": "in", "”": "in", "''": "in", "'": "ft", "′": "ft", "’": "ft"}

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_NUM = r"(?:\d+-\d+/\d+|\d+/\d+|\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_QUOTE_ALT = "|".join(sorted((re.escape(q) for q in QUOTE_UNITS), key=len, reverse=True))
_TOKEN = re.compile(
    rf"(?P<dim>{_NUM}\s*[x×*]\s*{_NUM}(?:\s*[x×*]\s*{_NUM})?)(?![^\W_])"
    rf"|(?P<numunit>{_NUM})(?:\s*-?\s*(?P<unit>{_UNIT_ALT})(?![^\W_])\.?|\s*(?P<quote>{_QUOTE_ALT}))"
    rf"|(?P<word>[^\W_]+)",
)
_DIM_SEP = re.compile(r"\s*[x×*]\s*")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC + lowercase + collapsed whitespace; idempotent (``normalize(normalize(t)) == normalize(t)``)."""
    out = text
    for _ in range(4):  # lowercasing can un-normalise a few characters: iterate to a fixpoint
        nxt = unicodedata.normalize("NFKC", out).lower()
        if nxt == out:
            break
        out = nxt
    return _SPACE.sub(" ", out).strip()


def _num(text: str) -> str:
    text = text.replace(",", "")
    if "." in text and "/" not in text:
        text = text.rstrip("0").rstrip(".") if re.fullmatch(r"\d*\.\d+", text) else text
        if text.startswith("."):
            text = "0" + text
    return text or "0"


_jieba_lock = threading.Lock()
_jieba_tok = None


def _jieba():
    """The process-wide jieba tokenizer, initialised once and quietly."""
    global _jieba_tok
    if _jieba_tok is None:
        with _jieba_lock:
            if _jieba_tok is None:
                import jieba

                from shopmind.text.jieba_dict import compact_tokenizer

                jieba.setLogLevel(logging.WARNING)
                tok = compact_tokenizer()  # the same dictionary, mapped: see jieba_dict.py
                if tok is None:
                    tok = jieba.Tokenizer()
                    tok.initialize()
                _jieba_tok = tok
    return _jieba_tok


@lru_cache(maxsize=32_768)
def cut_run(run: str, search: bool = False, hmm: bool = True) -> tuple[str, ...]:
    """jieba's words of one run of Chinese characters (``cut_for_search`` when ``search``),
    memoised: a catalog repeats the same runs across titles, attributes and suggestions, and
    jieba's Python DAG search was half the time of building a first release (issue 17)."""
    tok = _jieba()
    return tuple(tok.cut_for_search(run, HMM=hmm) if search else tok.cut(run, HMM=hmm))


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


_STEMMER = Stemmer.Stemmer("english")


class Analyzer:
    """Text -> index terms. ``language``: ``auto`` (CJK runs via jieba, the rest English),
    ``zh`` (same, and no stop words), ``en`` (CJK runs as single characters, no jieba)."""

    def __init__(self, language: Language = "auto", stem: bool = True, stop_words: bool = True) -> None:
        if language not in ("auto", "en", "zh"):
            raise ValueError(f"unknown language {language!r}; valid: auto, en, zh")
        self.language = language
        self.stem = stem
        self.stop_words = stop_words and language != "zh"

    def config(self) -> dict[str, object]:
        return {"language": self.language, "stem": self.stem, "stop_words": self.stop_words}

    def normalize(self, text: str) -> str:
        return normalize(text)

    def tokens(self, text: str | None) -> list[str]:
        """Index terms of ``text`` in order (duplicates kept); never raises on a string or None."""
        return [t for _, t in self.pairs(text)]

    def pairs(self, text: str | None) -> list[tuple[str, str]]:
        """``(surface word, term)`` per term: the normalised word before stemming and the
        term it became (the spelling corrector matches surface words, not stems)."""
        if not text:
            return []
        text = normalize(str(text))
        out: list[tuple[str, str]] = []
        pos = 0
        for m in _CJK_RUN.finditer(text):
            if m.start() > pos:
                self._latin(text[pos : m.start()], out)
            self._cjk(m.group(), out)
            pos = m.end()
        if pos < len(text):
            self._latin(text[pos:], out)
        return out

    def _cjk(self, run: str, out: list[tuple[str, str]]) -> None:
        if self.language == "en":
            out.extend((ch, ch) for ch in run)
            return
        for w in cut_run(run, search=True):
            w = w.strip()
            if w:
                out.append((w, w))

    def _latin(self, text: str, out: list[tuple[str, str]]) -> None:
        for m in _TOKEN.finditer(text):
            if m.group("dim") is not None:
                out.append((m.group(), "x".join(_num(p) for p in _DIM_SEP.split(m.group("dim")))))
            elif m.group("numunit") is not None:
                unit = UNITS[m.group("unit")] if m.group("unit") else QUOTE_UNITS[m.group("quote")]
                out.append((m.group(), _num(m.group("numunit")) + unit))
            else:
                word = m.group("word")
                if word.isdigit():
                    out.append((word, _num(word)))
                elif self.stop_words and word in STOP_WORDS:
                    continue
                elif self.stem and word.isalpha() and word.isascii():
                    out.append((word, _stem(word)))
                else:
                    out.append((word, word))
