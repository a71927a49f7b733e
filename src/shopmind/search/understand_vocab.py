"""The shop's vocabulary as the query parser matches it: brands, category names and mined
aliases, attribute values and synonym groups from a ``KnowledgeGraph``, matched longest
first (English over whole stemmed terms, Chinese by substring), one kind chosen per span,
and the expansions (synonyms, a category's name in the other language) a query gets.

Split out of ``search/understand.py`` (which orchestrates prices, spelling and these
matches into an ``Understood``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from shopmind.search.graph import CJK_RE, KnowledgeGraph, entry_key, fold, word_term
from shopmind.search.price_phrases import PRICE_VOCAB
from shopmind.search.query import Constraint
from shopmind.search.synonyms import groups as synonym_groups
from shopmind.text.analysis import STOP_WORDS, UNITS

#: how many of the language's most frequent English words (``wordfreq``) count as real words, never
#: spelling-corrected into a catalog word: "looking" in "I'm looking for a red dress" became "cooking"
#: (one edit) and matched cookware; a shopper's sentence words are words, not typos (0: none)
COMMON_EN = 5000


@functools.cache
def common_english(n: int) -> frozenset[str]:
    """The ``n`` most frequent English words of ``wordfreq`` (ASCII letters only), loaded once."""
    if n <= 0:
        return frozenset()
    from wordfreq import top_n_list  # ~0.3 s once, on the first word the catalog lacks

    return frozenset(w for w in top_n_list("en", n) if w.isascii() and w.isalpha())


#: Recognised categories per span beyond which a name is too ambiguous to filter on.
MAX_PATHS = 8
#: A category a name points to needs at least this share of the products of the name's best
#: supported category: one odd row ("Beauty > Dresses" next to 600 "Women > Dresses") is noise.
MIN_SUPPORT_SHARE = 0.05
MAX_EXPANSIONS = 12


@dataclass(frozen=True)
class Entry:
    """A catalog value a word sequence can name."""

    kind: str  # brand | category | attribute
    key: str
    value: str
    count: int
    source: str  # catalog | graph


class CatalogVocabulary:
    """Lookup tables of one catalog's values and synonym groups (built once per graph)."""

    def __init__(
        self,
        graph: KnowledgeGraph,
        synonyms: Mapping[str, Iterable[str]] | Path | str | None = None,
        builtin_synonyms: bool = True,
    ) -> None:
        self.graph = graph
        self._en: dict[tuple[str, ...], list[Entry]] = {}
        self._zh: dict[str, list[Entry]] = {}
        for kind, key, value, count in graph.vocabulary():
            names = [graph.categories[value].name] if kind == "category" else [value]
            for name in names:
                self._add(entry_key(name), Entry(kind, key, value, count, "catalog"))
        for path, aliases in graph.category_aliases.items():
            count = graph.category_count(path)
            for alias in aliases:
                k = ("zh", alias) if CJK_RE.search(alias) else ("en", (alias,))
                self._add(k, Entry("category", "category", path, count, "graph"))
        for entries in list(self._en.values()) + list(self._zh.values()):
            entries.sort(key=lambda e: (e.source != "catalog", -e.count, e.kind, e.value))
            drop_unsupported(entries)
        self._en_max = max((len(k) for k in self._en), default=0)
        self._zh_max = max((len(k) for k in self._zh), default=0)
        self._en_terms = {t for k in self._en for t in k}
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

    def is_value(self, word: str) -> bool:
        """Whether ``word`` alone names an attribute value of the catalog (a material, a colour: "leather")."""
        k = entry_key(word)
        return k is not None and k[0] == "en" and any(e.kind == "attribute" for e in self._en.get(k[1], ()))

    def knows(self, word: str) -> bool:
        """Whether ``word`` is a real word here: a term of the shop's vocabulary (brands,
        categories, attribute values, mined aliases), of a synonym group, a stop word, a
        unit or one of the most frequent English words (``COMMON_EN``). Such a word is never
        spelling-corrected, even when no product uses it: "sofa" is a sofa (with its synonyms),
        never "soft"; "looking" is looking, never "cooking"."""
        t = word_term(word)
        return (
            t in self._en_terms
            or t in self._syn_terms
            or t in STOP_WORDS
            or t in UNITS
            or fold(word) in PRICE_VOCAB
            or fold(word) in common_english(COMMON_EN)
        )

    def _add(self, key: tuple[str, object] | None, entry: Entry) -> None:
        if key is None:
            return
        target = self._zh if key[0] == "zh" else self._en
        lst = target.setdefault(key[1], [])  # type: ignore[arg-type]
        if entry not in lst:
            lst.append(entry)

    # ------------------------------------------------------------------ catalog values
    def match_en(self, run: list[tuple[str, int, int]], text: str) -> list[tuple[int, int, list[Entry], str]]:
        """Catalog values in a run of Latin terms, longest first: (start, end, entries, surface)."""
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
                entries = [Entry(x.kind, x.key, x.value, x.count, "synonym") for x in entries]
            out.append((s, e, entries, text[s:e]))
            i += size
        return out

    def match_zh(self, run: str, start: int) -> list[tuple[int, int, list[Entry], str]]:
        """Catalog values in a CJK run at ``start``, by substring, longest first."""
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
                    hit = (size, [Entry(x.kind, x.key, x.value, x.count, "synonym") for x in syn])
                    break
            if hit is None:
                i += 1
                continue
            size, entries = hit
            out.append((start + i, start + i + size, entries, run[i : i + size]))
            i += size
        return out

    def _synonym_entries(self, members: list[str] | None) -> list[Entry]:
        for member in members or ():
            k = entry_key(member)
            if k is None:
                continue
            entries = (self._zh if k[0] == "zh" else self._en).get(k[1])  # type: ignore[call-overload]
            if entries:
                return [e for e in entries if e.source == "catalog"]
        return []

    def resolve(self, matches: list[tuple[int, int, list[Entry], str]], text: str) -> list[Constraint]:
        """One kind per matched span; ambiguous spans prefer what fits the recognised category."""
        cats: list[str] = []
        for _, _, entries, _ in matches:
            if entries and entries[0].kind == "category":
                cats.extend(e.value for e in entries if e.kind == "category")
        out: list[Constraint] = []
        for s, e, entries, _ in matches:
            best = [x for x in entries if x.source == entries[0].source]
            kinds: dict[str, list[Entry]] = {}
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

    def _equivalents(self, surface: str, chosen: list[Entry]) -> tuple[tuple[str, str], ...]:
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
    def expansions(
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


def drop_unsupported(entries: list[Entry]) -> None:
    """Remove (in place) the category entries of one name whose product count is below
    ``MIN_SUPPORT_SHARE`` of the best supported category of that name."""
    top = max((e.count for e in entries if e.kind == "category"), default=0)
    floor = MIN_SUPPORT_SHARE * top
    entries[:] = [e for e in entries if e.kind != "category" or e.count >= floor]
