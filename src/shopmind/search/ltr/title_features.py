"""The re-ranker's five title features, computed for all of a query's candidates at once.

Why: ``FeatureExtractor`` filled ``title_phrase``, ``title_bigrams``, ``title_char3``,
``title_head`` and ``title_first_pos`` with one Python pass per candidate over per-title sets
(pairs of terms, character trigrams, first positions); on Home Depot's build-time training
(~560k candidate rows) that pass and its per-row lookups were ~15 % of the re-ranker (issue
17, session 28). Here each title is kept as two integer arrays (its analysed terms in order,
as ids of a vocabulary that grows as titles are first read; its distinct character trigrams,
each as one integer of its three code points), and the features are array operations over the
candidates' concatenated arrays. The values are exactly the per-candidate ones: the same sets
are compared, only as integers (a query term no read title has gets no id and matches nothing,
as it matched no title before).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from shopmind.search.ltr.folds import normalise_query

_PAIR = np.int64(1 << 31)  # bigram key = first term id * _PAIR + second term id


class TitleRow(NamedTuple):
    terms: np.ndarray  # analysed term ids in title order (int64)
    grams: np.ndarray  # distinct character trigrams (``char3_keys``)
    n_terms: int  # at least 1
    text: str  # the normalised title


class TitleTable:
    """Per product row, its title as ``TitleRow``, made on first use (a server reads only the
    rows its candidates reach) from the raw title, or from terms analysed elsewhere (``give``)."""

    def __init__(self, tokens: Callable[[str], list[str]], raw_titles: Sequence[str]) -> None:
        self._tokens = tokens
        self._raw = raw_titles  # the extractor's list (rows only ever append)
        self.term_ids: dict[str, int] = {}
        self._rows: dict[int, TitleRow] = {}
        self._given: dict[int, list[str]] = {}

    def give(self, terms: Sequence[list[str]]) -> None:
        """Analysed terms of rows ``0..len(terms)-1`` (by the same analyzer, on the normalised title)."""
        self._given.update((i, t) for i, t in enumerate(terms) if i not in self._rows)

    def drop_given(self) -> None:
        self._given.clear()

    def row(self, i: int) -> TitleRow:
        got = self._rows.get(i)
        if got is None:
            text = normalise_query(self._raw[i])
            terms = self._given.pop(i, None)
            if terms is None:
                terms = self._tokens(text)
            tid = self.term_ids
            t = np.fromiter((tid.setdefault(w, len(tid)) for w in terms), dtype=np.int64, count=len(terms))
            got = self._rows[i] = TitleRow(t, char3_keys(text), max(len(terms), 1), text)
        return got

    def columns(self, query: str, tokens: list[str], rows: np.ndarray) -> dict[str, np.ndarray]:
        """The five title features of the candidate ``rows`` for ``query`` (analysed: ``tokens``)."""
        got = self._rows
        facts = [got.get(i) or self.row(i) for i in rows.tolist()]
        n = len(facts)
        phrase = normalise_query(query or "")
        out: dict[str, np.ndarray] = {
            "title_phrase": np.fromiter(
                (bool(phrase) and phrase in f.text for f in facts), dtype=bool, count=n
            )
        }
        t_len = np.fromiter((len(f.terms) for f in facts), dtype=np.int64, count=n)
        terms = np.concatenate([f.terms for f in facts]) if n else np.zeros(0, dtype=np.int64)
        owner = np.repeat(np.arange(n), t_len)
        tid = self.term_ids  # (read after the rows above: their terms have ids now)
        # bigrams: distinct query pairs that are adjacent in the title
        qpairs = set(zip(tokens, tokens[1:], strict=False))
        if qpairs:
            keys = sorted({tid[a] * int(_PAIR) + tid[b] for a, b in qpairs if a in tid and b in tid})
            hits = np.zeros(n)
            if keys and len(terms) > 1:
                qk = np.array(keys, dtype=np.int64)
                tk = terms[:-1] * _PAIR + terms[1:]
                ok = (owner[1:] == owner[:-1]) & np.isin(tk, qk)
                distinct = np.unique(owner[:-1][ok] * len(qk) + np.searchsorted(qk, tk[ok]))
                hits = np.bincount(distinct // len(qk), minlength=n).astype(np.float64)
            out["title_bigrams"] = hits / len(qpairs)
        else:
            out["title_bigrams"] = np.full(n, np.nan)
        # character trigrams: Jaccard of the query's and the title's sets
        q3 = char3_keys(phrase)
        g_len = np.fromiter((len(f.grams) for f in facts), dtype=np.int64, count=n)
        grams = np.concatenate([f.grams for f in facts]) if n else np.zeros(0, dtype=np.int64)
        inter = np.bincount(np.repeat(np.arange(n), g_len)[np.isin(grams, q3)], minlength=n)
        union = len(q3) + g_len - inter
        out["title_char3"] = np.divide(inter, union, out=np.zeros(n), where=union > 0)
        # the last query term in the title; the first position of any query term in it
        head = tid.get(tokens[-1], -1) if tokens else -1
        out["title_head"] = np.bincount(owner[terms == head], minlength=n) > 0
        q_ids = np.array([tid[w] for w in set(tokens) if w in tid], dtype=np.int64)
        at = np.isin(terms, q_ids)
        first = np.full(n, np.iinfo(np.int64).max)
        starts = np.cumsum(t_len) - t_len
        np.minimum.at(first, owner[at], (np.arange(len(terms)) - np.repeat(starts, t_len))[at])
        n_terms = np.fromiter((f.n_terms for f in facts), dtype=np.int64, count=n)
        found = first < np.iinfo(np.int64).max
        out["title_first_pos"] = np.where(found, np.where(found, first, 0) / n_terms, 1.0)
        return out


def char3_keys(text: str) -> np.ndarray:
    """The distinct character trigrams of `` text `` (padded with one space each side), sorted,
    each as one integer: its three code points (< 2**21 each) side by side."""
    t = f" {text} "
    if len(t) < 3:
        return np.zeros(0, dtype=np.int64)
    c = np.frombuffer(t.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    return np.unique((c[:-2] << 42) | (c[1:-1] << 21) | c[2:])
