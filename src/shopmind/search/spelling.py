"""Spelling correction of query words against the catalog's own words (SymSpell-style
deletion neighbourhoods, optimal-string-alignment distance).

Split out of ``search/lexical.py``: the corrector knows nothing of BM25F; the index feeds it
its surface words and document frequencies (``LexicalIndex._speller``) and asks for a fix
of a word no live document uses.
"""

from __future__ import annotations

import numpy as np


def max_edits(term: str) -> int:
    """Edit budget for a query term: 0 below 4 letters, 1 for 4-7, 2 from 8."""
    n = len(term)
    return 0 if n < 4 else 1 if n < 8 else 2


def correctable(term: str) -> bool:
    """Whether a word may be corrected or offered as a correction: ASCII letters only."""
    return term.isascii() and term.isalpha()


def _deletes(term: str, depth: int) -> set[str]:
    out = {term}
    frontier = {term}
    for _ in range(depth):
        nxt = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1 :])
        out |= nxt
        frontier = nxt
    return out


def osa_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment (Damerau-Levenshtein with adjacent transpositions) distance;
    returns ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class SpellIndex:
    """SymSpell-style deletion neighbourhoods of the catalog's surface words (built incrementally).

    A word of the query whose term is not in the index is matched against the words seen at
    indexing time (before stemming: "stainles" -> "stainless", whose stem differs from that of
    the typo); candidates within the edit budget are ranked by distance, then by the document
    frequency of their term, then by how often the spelling itself occurs (the usual spelling
    of a term, not a truncated one that stems alike), then alphabetically, and words whose term no live document uses
    are skipped.
    """

    def __init__(self) -> None:
        self.deletes: dict[str, list[str]] = {}
        self.words: dict[str, int] = {}
        self.upto = 0
        self.max_len = 0
        self.df = np.zeros(0, dtype=np.int64)
        self.counts: dict[str, int] = {}

    def extend(self, surface: dict[str, int]) -> None:
        """Index the words added to ``surface`` since the last call (it only grows between
        merges; a merge builds a new map and a new speller)."""
        if surface is not self.words:
            self.deletes, self.words, self.upto, self.max_len = {}, surface, 0, 0
        if len(surface) == self.upto:
            return
        for w in list(surface)[self.upto :]:
            self.max_len = max(self.max_len, len(w))
            if len(w) >= 3:
                for d in _deletes(w, 2 if len(w) >= 6 else 1):
                    self.deletes.setdefault(d, []).append(w)
        self.upto = len(surface)

    def correct(self, word: str) -> str | None:
        budget = max_edits(word)
        # a word longer than every catalog word + the budget cannot match (and would make a
        # huge deletion neighbourhood): a pasted 100 kB "word" is answered at once
        if budget == 0 or len(word) > self.max_len + budget or not correctable(word):
            return None
        best: tuple[int, int, int, str] | None = None
        seen: set[str] = set()
        for d in _deletes(word, budget):
            for cand in self.deletes.get(d, ()):
                if cand in seen:
                    continue
                seen.add(cand)
                tid = self.words[cand]
                if tid >= len(self.df) or self.df[tid] <= 0:
                    continue
                dist = osa_distance(word, cand, budget)
                if dist > budget:
                    continue
                key = (dist, -int(self.df[tid]), -self.counts.get(cand, 0), cand)
                if best is None or key < best:
                    best = key
        return None if best is None else best[3]
