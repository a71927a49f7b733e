"""Compound heads: a query word no product holds, matched by the catalog's English compounds that end in it.

"leather bag" on the demo shop: no title holds "bag" - its bags are "Handbag"s - so "bag" matched nothing, min-match
asked for "leather" alone and leather phone cases and shoes outranked the leather handbags (session 32, t1f). English
writes many product nouns as closed compounds whose last part is the thing ("handbag", "backpack", "earring",
"sweatshirt", "bookcase"); a shopper names the thing. So a query term no live product holds stands also for the
catalog's terms that are a known word followed by it ("hand" + "bag"), as a synonym would (``Understood.alternatives``
-> the lexical match counts either). Only for terms that match nothing: "case" of "phone case" never reaches
"bookcase"; and the first part must be a common English word or a catalog word of at least ``MIN_PART`` letters, so
"string" is no compound of "ring". ``COMPOUNDS = False`` turns it off (bench/search_compounds.py's "before" arm).
"""

from __future__ import annotations

from typing import Any

#: Off: no compound heads (the "before" arm of bench/search_compounds.py).
COMPOUNDS = True
#: The shortest first part and head of a compound ("ear" + "ring").
MIN_PART = 3
#: At most this many compounds per head, the most frequent first.
MAX_COMPOUNDS = 5


def compound_terms(lexical: Any, term: str) -> list[str]:
    """The live index terms of ``lexical`` that are a known word followed by ``term`` ("bag" ->
    ["handbag"]), most frequent first; [] for a term that is not ASCII letters or is too short.
    Reads the heads ``prepare`` made with the index (at build, load, upsert, delete): a request builds
    them only for an index changed behind the engine's back."""
    if not COMPOUNDS or len(term) < MIN_PART or not (term.isascii() and term.isalpha()):
        return []
    cache = getattr(lexical, "_compound_heads", None)
    if cache is None or cache[0] != heads_key(lexical):
        return prepare(lexical).get(term, [])
    return cache[1].get(term, [])


def heads_key(lexical: Any) -> tuple[int, int]:
    """What the heads were built over: the vocabulary size and the live postings count."""
    return (len(lexical.terms), int(lexical.df.sum()))


def prepare(lexical: Any, saved: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Build (or take ``saved``: the heads ``saved_heads`` wrote with this index) the compound heads of
    ``lexical`` now, so that no shopper's request pays for them (session 33: the first request with an
    unmatched term built them: 95 CPU-ms on Home Depot, 147 on CrowdFlower, bench/search_compound_heads_first.py)."""
    heads = saved if saved is not None else _heads(lexical)
    lexical._compound_heads = (heads_key(lexical), heads)
    return heads


def saved_heads(lexical: Any) -> dict[str, object] | None:
    """The heads to save with ``lexical`` (key and heads), if they are current; None otherwise."""
    cache = getattr(lexical, "_compound_heads", None)
    if cache is None or cache[0] != heads_key(lexical):
        return None
    return {"key": list(cache[0]), "heads": cache[1]}


def load_heads(lexical: Any, saved: dict[str, object] | None) -> None:
    """Take the heads saved with ``lexical`` when they were built over this very index (else leave them to
    ``ensure``: an index saved before heads were saved)."""
    if saved is not None and tuple(saved.get("key", ())) == heads_key(lexical):  # type: ignore[arg-type]
        prepare(lexical, saved["heads"])  # type: ignore[arg-type]


def ensure(lexical: Any) -> None:
    """Build the heads of ``lexical`` unless they are current (the engine calls it after every change)."""
    if saved_heads(lexical) is None:
        prepare(lexical)


def _heads(lexical: Any) -> dict[str, list[str]]:
    """Head term -> the live terms of compounds ending in it, split on the *surface* words the index saw
    ("rainshower" = "rain" + "shower": head term "shower"), never on stems, whose endings are no words
    ("rainshower" stems to "rainshow", which is no compound of "show")."""
    from shopmind.search.understand_vocab import COMMON_EN, common_english

    df = lexical.df
    surface = [
        (w, tid)
        for w, tid in lexical.surface.items()
        if tid < len(df) and df[tid] > 0 and w.isascii() and w.isalpha() and len(w) >= 2 * MIN_PART
    ]
    words = common_english(COMMON_EN) | {w for w, _ in lexical.surface.items() if w.isascii() and w.isalpha()}
    tokens = lexical.analyzer.tokens
    heads: dict[str, dict[str, int]] = {}
    for w, tid in surface:
        for i in range(MIN_PART, len(w) - MIN_PART + 1):
            if w[:i] in words:
                for head in tokens(w[i:]):
                    heads.setdefault(head, {})[lexical.terms[tid]] = int(df[tid])
    return {
        h: [t for t, _ in sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_COMPOUNDS]]
        for h, v in heads.items()
    }
