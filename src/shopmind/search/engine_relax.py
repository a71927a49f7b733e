"""When the constraints read from a query give way: nothing passes them together, or what passes
them does not match the query's own words.

Why: "purple lamp" on a shop with no purple lamp was read as "colour: purple" (a filter) plus the
words "purple lamp"; inside the purple products the min-match rule fell back to one word, so a
purple phone, perfume and blouse were the answer and no lamp could be (the filter shut them out).
A shopper who names what the product is wants that first: lamps, purple ones if there are any,
and else lamps with the colour left out and said so (``constraints_dropped``). The words of the
query that no constraint was read from ("lamp", "台灯") are what the product is or how it is
described; the constrained result must match as many of them as the search without the
constraints can (the *core words*). When it matches fewer — or nothing passes the constraints
together — as few constraints as must go are left out, in ``relax.drop_order``, and the search
without them keeps only products matching that many core words: lamps, not every purple thing
that matched the one word "purple" (the words left out still rank: a purple lamp first).

A core word no product of the caller's filters has ("purple qqqq") asks for nothing: the need is
what the unconstrained candidates reach, so such a query keeps its constraints as before.
``core_tokens`` returning nothing is exactly the earlier behaviour (relax only on an empty
result; ``bench/search_core_words.py`` patches it so to measure both in one run).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from shopmind.search.engine_query import _merge_filters
from shopmind.search.engine_retrieval import required_terms
from shopmind.search.engine_types import _Candidates
from shopmind.search.graph import CJK_RE
from shopmind.search.query import Constraint, Filters, Understood
from shopmind.search.relax import label as relaxed_label
from shopmind.search.relax import relax
from shopmind.search.request_warnings import words_unmatched
from shopmind.text.analysis import query_pairs


def core_tokens(
    text: str, constraints: Sequence[Constraint], tokens: Sequence[str], analyse: Callable[[str], list[str]]
) -> list[str]:
    """The query's index terms that no understood constraint was read from, in query order:
    ``tokens`` minus the terms of each constraint's span of ``text`` (analysed the same way, so a
    stem or a spelling fix is the same term). "purple lamp" with "colour: purple" -> ["lamp"].

    None when a category was read from the query: what the product is has been understood, and
    the words left are the shopper's own phrasing around it ("I'm looking for a pink handbag
    under $120" -> "i", "m", "look"), which must not pull the search out of the category (the
    assistant's searches found nothing when they did). Single Latin letters ("m" of "I'm") are
    never core words."""
    if any(c.kind == "category" for c in constraints):
        return []
    read: set[str] = set()
    for c in constraints:
        start, end = c.span
        if 0 <= start < end <= len(text):
            read.update(analyse(text[start:end]))
    return [t for t in dict.fromkeys(tokens) if t not in read and not (len(t) == 1 and t.isascii())]


def unmatched_words(
    pairs: Sequence[tuple[str, str]], tokens: Sequence[str], found: Callable[[str], bool]
) -> list[str]:
    """The query's words (surface forms of ``pairs``, one per term of ``tokens``) whose term no
    product matches (``found``: the term or one of its alternatives is in a live product), when
    another term is matched: "blue sofa" on a shop with no sofa -> ["sofa"]. A Chinese term sharing
    a character with a matched term is not named (jieba's overlapping cuts: "真皮靴子" gives "真皮",
    "皮靴", "靴子", and "皮靴" is no word the shopper wrote; "电水壶" is answered by its "水壶")."""
    hit = {t for t in tokens if found(t)}
    if not hit:
        return []
    covered = {ch for h in hit for ch in h if CJK_RE.match(ch)}
    out: list[str] = []
    for (word, _), t in zip(pairs, tokens, strict=False):
        if t in hit or word in out or (CJK_RE.search(t) and set(t) & covered):
            continue
        out.append(word)
    return out


def best_match(core_hit: np.ndarray | None, rows: np.ndarray) -> int:
    """The most core words one of ``rows`` matches (0 without core words or rows)."""
    if core_hit is None or not len(rows):
        return 0
    return int(core_hit[rows].max())


class Relaxation:
    """The understood constraints' relaxation, a mixin of ``SearchEngine`` (module docstring)."""

    def _unmatched(self, text: str, tokens: list[str], alts: Mapping[str, list[str]]) -> list[dict[str, str]]:
        """The ``words_unmatched`` warning (``unmatched_words``) of a search whose results match the
        query's other words; called only when there are results that matched a word."""
        lexical = self.lexical  # type: ignore[attr-defined]

        def live(term: str) -> bool:
            tid = lexical.vocab.get(term)
            return tid is not None and lexical.df[tid] > 0

        pairs = query_pairs(lexical.analyzer.pairs(text))  # as ``analyze_query`` made ``tokens``
        words = unmatched_words(pairs, tokens, lambda t: live(t) or any(live(a) for a in alts.get(t, ())))
        return [words_unmatched(words)] if words else []

    def _core_words(self, text: str, understood: Understood, tokens: list[str]) -> list[str]:
        """The query's core words (``core_tokens``, looked up here so a bench can patch it)."""
        return core_tokens(text, understood.constraints, tokens, self._terms)  # type: ignore[attr-defined]

    def _core_need(
        self, core_hit: np.ndarray | None, matched: np.ndarray, user_mask: np.ndarray, n_terms: int
    ) -> int:
        """Core words the search without the understood constraints reaches: the most any of its
        lexical candidates (the caller's filters, the min-match rule) matches."""
        if core_hit is None:
            return 0
        required = required_terms(matched[user_mask], n_terms, self.config.min_match)  # type: ignore[attr-defined]
        rows = np.flatnonzero(user_mask & (matched >= max(required, 1)))
        return best_match(core_hit, rows)

    def _give_way(
        self,
        text: str,
        understood: Understood,
        user_filters: Filters,
        applied: Filters,
        cands: _Candidates,
        lex: np.ndarray,
        matched: np.ndarray,
        tokens: list[str],
        core_hit: np.ndarray | None,
        browse: bool,
        qvec: np.ndarray | None,
        timing: dict[str, float],
        notes: list[str],
    ) -> tuple[Filters, _Candidates, list[str], bool]:
        """(filters applied, candidates, labels of the constraints left out, whether all were)
        after leaving out as few understood constraints as must go; the inputs unchanged when
        none must. Called only with understood constraints applied to a non-empty query."""
        rates = self.config.currency_rates  # type: ignore[attr-defined]
        catalog = self.catalog  # type: ignore[attr-defined]
        n_terms = len(set(tokens))
        user_mask = catalog.mask(user_filters, rates)
        if not user_mask.any():
            # the request's own filters match nothing (a category no product is in: its warning
            # names it, with the close ones): leaving out what the query was read as changes
            # nothing, and "searched without them" above 0 results was untrue (session 32)
            notes.append("no product matches the request's filters, so nothing was searched (see warnings)")
            return applied, cands, [], True
        need = 0
        if core_hit is not None and not browse:
            need = self._core_need(core_hit, matched, user_mask, n_terms)
        short = len(cands.rows) > 0 and best_match(core_hit, cands.rows) < need
        if len(cands.rows) and not short:
            return applied, cands, [], True

        def attempt(kept: tuple[Constraint, ...]) -> tuple[Filters, Any] | None:
            f = user_filters
            if kept:
                parsed = replace(understood, constraints=kept).filters()
                f = self._with_currency(_merge_filters(user_filters, parsed), understood, [])  # type: ignore[attr-defined]
            m = catalog.mask(f, rates)
            if need:  # what the core words name first ("lamp"): the rest ranks inside it
                m &= core_hit >= need  # type: ignore[operator]
            if kept and not m.any():
                return None
            if browse:
                return f, self._browse(m)  # type: ignore[attr-defined]
            return f, self._candidates(m, lex, matched, n_terms, qvec, timing)  # type: ignore[attr-defined]

        (applied, cands), gone = relax(understood.constraints, attempt, lambda got: len(got[1].rows) > 0)
        dropped = [relaxed_label(c) for c in gone]
        every = len(gone) == len(understood.constraints)
        if short:
            read = "; ".join(relaxed_label(c) for c in understood.constraints)
            notes.append(
                f"no product matched the query's other words together with {read}; searched without {'; '.join(dropped)}"
            )
        elif every:
            notes.append("the constraints read from the query matched nothing; searched without them")
        else:
            notes.append(
                f"the constraints read from the query matched nothing together; searched without {'; '.join(dropped)}"
            )
        return applied, cands, dropped, every
