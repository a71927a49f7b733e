"""How catalog strings become matchable terms (shared by the knowledge graph, its mining and
query understanding): CJK runs vs Latin words, accent folding, stemming, number+unit terms,
category path prefixes. One place, so the graph's entries and the query's terms agree."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from shopmind.data.model import CATEGORY_SEP
from shopmind.text.analysis import STOP_WORDS, UNITS, normalize

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
CJK_RE = re.compile(f"[{_CJK}]")
#: A token of the original text: a CJK run, or a Latin/digit word (decimals kept whole, a
#: possessive 's kept on the word so "women's" and "womens" agree).
TOKEN_RE = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<w>(?:\d+(?:[.,]\d+)+|[^\W_{_CJK}])+(?:['’][sS](?![^\W_]))?)")
_NUM_UNIT = re.compile(r"(\d+(?:\.\d+)?)([a-z]+)")


def fold(text: str) -> str:
    """``normalize`` plus accents removed from Latin letters ("Élan" and "elan" match)."""
    text = normalize(text)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", out)


@lru_cache(maxsize=100_000)
def word_term(word: str) -> str:
    """The matching term of one Latin word: folded, possessive dropped, stemmed when alphabetic,
    ``<number><canonical unit>`` for a number glued to a unit ("500ML" -> ``500ml``)."""
    from shopmind.text.analysis import _stem  # the analyzer's cached Snowball stemmer

    w = fold(word)
    if w.endswith(("'s", "’s")):
        w = w[:-2]
    w = w.replace(",", "") if w[:1].isdigit() else w
    if w.isascii() and w.isalpha():
        return _stem(w)
    m = _NUM_UNIT.fullmatch(w)
    if m and m.group(2) in UNITS:
        return m.group(1) + UNITS[m.group(2)]
    return w


def latin_terms(text: str) -> list[tuple[str, int, int]]:
    """``(term, start, end)`` of the Latin words of ``text`` (offsets into ``text``), stop words
    dropped and a number followed by a unit word merged into one term ("128 GB" -> ``128gb``)."""
    out: list[tuple[str, int, int]] = []
    for m in TOKEN_RE.finditer(text):
        if m.group("w") is None:
            continue
        term = word_term(m.group())
        if term in STOP_WORDS and not term.isdigit():
            continue
        if out and term in UNITS and out[-1][0].replace(".", "", 1).isdigit() and m.start() - out[-1][2] <= 1:
            prev = out.pop()
            out.append((prev[0] + UNITS[term], prev[1], m.end()))
            continue
        out.append((term, m.start(), m.end()))
    return out


def entry_key(text: str) -> tuple[str, str | tuple[str, ...]] | None:
    """How a catalog string is matched in queries: ``("zh", folded string without spaces)`` for
    text with CJK characters (substring match), ``("en", terms)`` otherwise (whole terms);
    ``None`` for strings too short or all numbers (sizes like "39/40" would match any number)."""
    if not text:
        return None
    if CJK_RE.search(text):
        s = fold(text).replace(" ", "")
        return ("zh", s) if len(s) >= 2 else None
    terms = tuple(t for t, _, _ in latin_terms(text))
    if not terms or all(t.replace(".", "", 1).isdigit() for t in terms) or len("".join(terms)) < 2:
        return None
    return ("en", terms)


def category_prefixes(path: str) -> list[str]:
    """ "A > B > C" -> ["A", "A > B", "A > B > C"] (empty levels dropped)."""
    parts = [p.strip() for p in path.split(CATEGORY_SEP.strip())]
    parts = [p for p in parts if p]
    return [CATEGORY_SEP.join(parts[: i + 1]) for i in range(len(parts))]
