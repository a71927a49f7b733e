"""Which policy section a question is about, learned from the shop's own policy text.

BM25 ranks sections by shared words, and a section's body holds words of other topics: the
refund section says "parcel" and "arrive", the return-window section says "退款" (refund), so a
question about delivery days or about the return deadline is pulled to the refund section.
Lexical re-weighting (heading weight, field weights, k1/b, n-gram mixes, concept weight) moved
policy Recall@1 on the dev sets by at most 3 questions of 216 (docs/BENCHMARKS.md, round 6).

This model is the assistant's intent classifier (``IntentModel``: character n-grams, words,
lexicon concepts) trained with the *sections* as classes, on pieces of the sections themselves:
every heading, every sentence of every body and every phrase of the "Common questions" lines,
in every language. It needs no labelled questions, so it exists for any shop with policy
documents, and it learns which words *define* a section (its heading and questions) rather than
which occur in it. ``PolicyIndex`` adds its probability to the BM25 score (scaled by the best
score) to order the sections BM25 matched; the BM25 scores themselves are kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from shopmind.assistant.intent import IntentModel
from shopmind.assistant.knowledge import Section

_SENTENCE = re.compile(r"(?<=[.。；;!?！？])\s*")


def section_pieces(sections: Sequence[Section]) -> list[tuple[str, str]]:
    """(text, section id) training pairs: each heading, body sentence and question phrase."""
    out: list[tuple[str, str]] = []
    for s in sections:
        for heading, body in s.text.values():
            out.append((heading, s.id))
            out.extend((p.strip(), s.id) for p in _SENTENCE.split(body) if p.strip())
        for line in set(s.questions.values()):
            out.extend((p.strip(), s.id) for p in re.split(r"[,，、]", line) if p.strip())
    return out


class SectionModel:
    """``probabilities(text)`` -> {section id: probability}; None-safe for fewer than two sections."""

    def __init__(self, sections: Sequence[Section], labelled: Sequence[tuple[str, str]] = ()) -> None:
        """``labelled``: the shop's own labelled policy questions ((text, section id)) as more
        training pairs beside the sections' pieces (round 14: its customers' wording, "who
        pays the postage when i send it back", is what the pieces lack)."""
        pairs = section_pieces(sections) + [(t, sid) for t, sid in labelled if t.strip()]
        ids = {sid for _, sid in pairs}
        self.ids = ids
        self.model = IntentModel.train(pairs=pairs) if len(ids) >= 2 else None

    def probabilities(self, text: str) -> dict[str, float]:
        if self.model is None:
            return {}
        return {k: p for k, p in self.model.predict(text).ranked if k in self.ids}
