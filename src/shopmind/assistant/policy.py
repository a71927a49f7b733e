"""Policy retrieval: the product search's BM25F index over policy sections, routed by intent.

Each section is indexed as one document of the project's ``LexicalIndex`` (the same analyzer:
English stemming, jieba for Chinese, numbers with units) with both languages in it: headings
as the title field, bodies as the description, the topic as the category. A question in either
language (or mixed) therefore matches the section through whichever language it shares.
``search`` fuses that ranking with BM25 over character bigrams (RRF); ``BM25Baseline`` is the
bigram BM25 alone (bm25s, defaults), shown side by side by ``shopmind evaluate assistant``.
Dense retrieval is not used: the sections are few and short, and the lexical index already
sees both languages of every section.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import polars as pl

from shopmind.assistant.knowledge import Section
from shopmind.search.lexical import LexicalIndex

RRF_K = 60
#: intent -> policy topics it may cite
INTENT_TOPICS: dict[str, tuple[str, ...]] = {
    "return_refund": ("returns", "warranty"),
    "shipping": ("shipping",),
    "payment": ("payment",),
    "order_status": ("shipping",),
}


class PolicyIndex:
    """Sections indexed once; ``search`` returns section ids, best first."""

    def __init__(self, sections: Sequence[Section]) -> None:
        self.sections = {s.id: s for s in sections}
        self.empty = not sections  # a shop without policy documents: every lookup finds nothing
        self._by_topic: dict[str, list[str]] = {}
        if self.empty:
            self._memo = functools.lru_cache(maxsize=1)(lambda *_a: [])
            return
        rows = [
            {
                "product_id": s.id,
                "title": " ".join(h for h, _ in s.text.values()),
                "attributes": " ".join(s.questions.values()),
                "description": " ".join(b for _, b in s.text.values()),
                "category_path": s.topic,
            }
            for s in sections
        ]
        self.index = LexicalIndex()
        self.index.upsert(pl.DataFrame(rows))
        self.bigrams = BM25Baseline(sections)
        self._memo = functools.lru_cache(maxsize=1024)(self._search)
        for s in sections:
            self._by_topic.setdefault(s.topic, []).append(s.id)

    def lexical(self, text: str, topics: Sequence[str] | None = None, k: int = 3) -> list[tuple[str, float]]:
        """Top ``k`` (section id, BM25F score) for ``text``, only within ``topics`` when given."""
        if self.empty:
            return []
        cands = None
        if topics:
            cands = [sid for t in topics for sid in self._by_topic.get(t, [])]
            if not cands:
                return []
        r = self.index.search(text, k=k, candidates=cands, correct=False)
        return [(i, s) for i, s in zip(r.ids, r.scores, strict=True) if s > 0]

    def search(self, text: str, topics: Sequence[str] | None = None, k: int = 3) -> list[tuple[str, float]]:
        """Memoised ``_search`` (a turn asks twice: to route the intent, then to answer)."""
        return self._memo(text, tuple(topics) if topics else None, k)

    def _search(self, text: str, topics: Sequence[str] | None = None, k: int = 3) -> list[tuple[str, float]]:
        """Top ``k`` (section id, fused score): reciprocal-rank fusion (k=60) of the BM25F index
        (the shop analyzer: stems, jieba words) and BM25 over character bigrams, which catches
        Chinese phrasings jieba segments differently from the section ("退" in "可以退")."""
        allowed = None if not topics else {sid for t in topics for sid in self._by_topic.get(t, [])}
        n = len(self.sections)
        fused: dict[str, float] = {}
        for ranked in ([i for i, _ in self.lexical(text, topics, n)], self.bigrams.search(text, n)):
            for rank, sid in enumerate(ranked):
                if allowed is None or sid in allowed:
                    fused[sid] = fused.get(sid, 0.0) + 1.0 / (RRF_K + rank + 1)
        return sorted(fused.items(), key=lambda x: (-x[1], x[0]))[:k]


_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+")


def baseline_tokens(text: str) -> list[str]:
    """Lower-cased Latin words plus Chinese character unigrams and bigrams (no stemming)."""
    t = text.lower()
    out = _WORD.findall(t)
    for run in re.findall(r"[\u4e00-\u9fff]+", t):
        out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


class BM25Baseline:
    """bm25s (Lucene BM25, its defaults) over the same sections, one document each, no routing."""

    def __init__(self, sections: Sequence[Section]) -> None:
        import bm25s

        self.ids = [s.id for s in sections]
        corpus = [baseline_tokens(" ".join([h + " " + b for h, b in s.text.values()] + list(s.questions.values()))) for s in sections]  # fmt: skip
        self.model = bm25s.BM25()
        self.model.index(corpus, show_progress=False)

    def search(self, text: str, k: int = 3) -> list[str]:
        toks = [t for t in baseline_tokens(text) if t in self.model.vocab_dict]
        if not toks:
            return []
        docs, _ = self.model.retrieve([toks], k=min(k, len(self.ids)), show_progress=False)
        return [self.ids[int(i)] for i in docs[0]]
