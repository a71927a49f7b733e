"""Mark the words of a text that match query terms, as HTML-escaped snippets with ``<mark>``.

Why match on analysed terms: the index matched "running" to "run" and "1/2 inch" to
``1/2in``, and corrected "stainles" to "stainless"; the user should see *those* words marked,
not only literal copies of what they typed. So the text is cut into the same tokens the
analyzer makes, each token is analysed, and a token is marked when its term is one of the
query's terms. Offsets are kept by normalising character by character (NFKC + lowercase may
change lengths: every normalised character remembers the original character it came from).

Chinese: a run of ideographs is not cut into words here; every occurrence of a Chinese query
term (jieba already produced the overlapping sub-words) is marked as a substring, so a query
"连衣裙" marks it inside "碎花连衣裙" however jieba would segment the title.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from html import escape

from shopmind.text.analysis import _CJK_RUN, _TOKEN, Analyzer

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
_CJK_TERM = re.compile(_CJK_RUN.pattern)
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=16)
def _analyzer(language: str, stem: bool, stop_words: bool) -> Analyzer:
    return Analyzer(language, stem, stop_words)  # type: ignore[arg-type]


@lru_cache(maxsize=100_000)
def _token_terms(token: str, language: str, stem: bool, stop_words: bool) -> frozenset[str]:
    """Terms of one token (cached: titles repeat the same words over and over)."""
    return frozenset(_analyzer(language, stem, stop_words).tokens(token))


def _normalised_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """``text`` NFKC-normalised and lowercased per character, and for each output character
    the index of the input character it came from (None: the identity, for ASCII text)."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(text):
        n = ch if ch.isascii() else unicodedata.normalize("NFKC", ch)
        n = n.lower()
        out.append(n)
        src.extend([i] * len(n))
    return "".join(out), src


def match_spans(text: str, terms: Iterable[str], analyzer: Analyzer | None = None) -> list[tuple[int, int]]:
    """Merged, sorted ``(start, end)`` character ranges of ``text`` whose tokens analyse to
    one of ``terms`` (Chinese terms: every occurrence as a substring)."""
    terms = {t for t in terms if t}
    if not text or not terms:
        return []
    c = (analyzer or Analyzer()).config()
    cfg = (str(c["language"]), bool(c["stem"]), bool(c["stop_words"]))
    norm, src = _normalised_with_offsets(text)
    spans: list[tuple[int, int]] = []
    cjk_terms = [t for t in terms if _CJK_TERM.fullmatch(t)]
    # numbers with units and dimensions need the analyzer's full token pattern; plain words
    # (most queries) are found by a much cheaper one
    pattern = _TOKEN if any(ch.isdigit() for t in terms for ch in t) else _WORD
    pos = 0
    runs = list(_CJK_RUN.finditer(norm))
    for m in [*runs, None]:
        end = m.start() if m is not None else len(norm)
        if end > pos:
            for tok in pattern.finditer(norm, pos, end):
                if not terms.isdisjoint(_token_terms(tok.group(), *cfg)):
                    spans.append((tok.start(), tok.end()))
        if m is not None:
            run = m.group()
            for t in cjk_terms:
                i = run.find(t)
                while i >= 0:
                    spans.append((m.start() + i, m.start() + i + len(t)))
                    i = run.find(t, i + 1)
            pos = m.end()
    if not spans:
        return []
    # to offsets in the original text first (one original character may have become several),
    # then merge overlapping or touching ranges
    orig = sorted(spans) if src is None else sorted((src[s], src[e - 1] + 1) for s, e in spans)
    merged: list[tuple[int, int]] = []
    for s, e in orig:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def render(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` HTML-escaped with ``spans`` wrapped in ``<mark>``."""
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        out.append(escape(text[pos:s]))
        out.append(MARK_OPEN + escape(text[s:e]) + MARK_CLOSE)
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def highlight(text: str | None, terms: Iterable[str], analyzer: Analyzer | None = None) -> str:
    """The whole ``text`` escaped, matches marked."""
    if not text:
        return ""
    return render(text, match_spans(text, terms, analyzer))


def snippet(
    text: str | None, terms: Iterable[str], analyzer: Analyzer | None = None, width: int = 160
) -> str:
    """A window of about ``width`` characters around the densest group of matches (the start of
    the text when nothing matches), escaped and marked, with "…" where text was cut."""
    if not text:
        return ""
    spans = match_spans(text, terms, analyzer)
    if len(text) <= width:
        return render(text, spans)
    start = 0
    if spans:
        # the window start (at a match) covering the most matches
        best, best_n = spans[0][0], 0
        for s, _ in spans:
            n = sum(1 for s2, e2 in spans if s2 >= s and e2 <= s + width)
            if n > best_n:
                best, best_n = s, n
        start = max(0, best - width // 4)
        # do not cut a word in two
        while start > 0 and not text[start - 1].isspace() and start > best - width // 2:
            start -= 1
    end = min(len(text), start + width)
    while end < len(text) and not text[end].isspace() and end < start + width + 20:
        end += 1
    body = render(text, spans, start, end)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
