"""Policy retrieval: BM25 (bm25s) over policy sections, every language of a section in one passage.

Each section is one document holding every language the shop wrote it in: headings, bodies and
the "Common questions" lines. A question in either language (or mixed) matches a section through
whichever language it shares with it. Tokens (``policy_tokens``): English words stemmed
(Snowball via PyStemmer, the shop analyzer's stemmer), Chinese as character unigrams and
bigrams (no segmenter: "可以退" and "退货" share "退"; jieba's words would share nothing).

Why not the product search's BM25F index (the first version, RRF-fused with bigram BM25): on
the demo's labelled policy questions the plain bigram BM25 beat the fusion (Recall@3 0.984 vs
0.922). The BM25F analyzer segments Chinese with jieba, so a question worded differently from
the section shares no term with it; and reciprocal-rank fusion let the weaker ranking push the
right section out of the top 3. On 17 short passages one BM25 over character n-grams is the
better core; stemming lets "returned"/"returns"/"returning" meet. Measured variants that did
not rank better (stop-word lists, heading weight, k1/b, jieba words added) are in
docs/BENCHMARKS.md. ``BM25Baseline`` (bm25s defaults, no stemming) is reported beside it.

The sections BM25 matched are then ordered by BM25 (relative to the best) plus the probability of
``section_model`` — a classifier trained on the sections' own sentences, headings and question
phrases (no labelled questions): it knows which words *define* a section, where BM25 also counts
words a section merely mentions (round 6: dev Recall@1 0.894 -> 0.917) — plus, weighted by
``DENSE_WEIGHT``, the z-scored cosine of a multilingual sentence encoder (``policy_dense``: a
shopper's everyday words that share no term with the section's; round 7). The BM25 scores are kept.

bm25s (Lucene BM25) is used rather than hand-written scoring: a small, well-kept library (numpy
+ scipy) that is also the baseline, so the two rankings differ only by their tokens.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np

from shopmind.assistant.aspect import AspectTable
from shopmind.assistant.knowledge import Section
from shopmind.assistant.lexicon import default_lexicon
from shopmind.assistant.policy_dense import DenseSections, EncodeMany
from shopmind.assistant.section_model import SectionModel
from shopmind.assistant.section_pair import PairTieBreak

#: intent -> policy topics it may cite
INTENT_TOPICS: dict[str, tuple[str, ...]] = {
    "return_refund": ("returns", "warranty"),
    "shipping": ("shipping",),
    "payment": ("payment",),
    "order_status": ("shipping",),
}
#: policy topic -> the intent a question about it has (topics a shop adds beyond these are
#: retrieved but do not steer the intent)
TOPIC_INTENT: dict[str, str] = {
    "returns": "return_refund",
    "warranty": "return_refund",
    "shipping": "shipping",
    "payment": "payment",
}

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")


@functools.cache
def _stemmer():  # noqa: ANN202 - PyStemmer has no type stubs
    import Stemmer

    return Stemmer.Stemmer("english")


#: each concept group a text mentions adds this many ``~concept`` tokens (0: none)
CONCEPT_TOKENS = 2
#: weight of the section model's probability against BM25 / best BM25 when ordering sections
#: (``section_model``; 0: BM25 alone). Chosen on the dev sets' 216 single-section questions:
#: Recall@1 0.894 (0) / 0.912 (0.5) / 0.917 (1.0) / 0.921 (1.5) / 0.907 (2) / 0.875 (5); 1.0 is
#: the middle of the plateau.
SECTION_MODEL_WEIGHT = 1.0
#: weight of the dense z-score (``policy_dense``) in the same ordering (0: no encoder is loaded).
#: Chosen on the dev sets (main, held-out-1..6), see docs/BENCHMARKS.md round 7.
DENSE_WEIGHT = 0.2
#: weight of the shop's labelled questions (``set_examples``): the z-score, over the matched
#: sections, of the mean cosine to each section's ``EXAMPLE_K`` nearest labelled questions.
#: Chosen leave-one-set-out on the dev sets' 406 single-section questions (round 11): Recall@1
#: 375 (0) / 381 (0.1) / 385 (0.2) / 390 (0.5) / 391 (1.0) / 388 (2.0); 0.5 raised 10 of 11
#: left-out sets and lowered 1.
EXAMPLE_WEIGHT = 0.5
EXAMPLE_K = 3
#: weight of the question form's section probability (``aspect.AspectTable``, learned from the
#: shop's labelled policy questions) in the same ordering; 0: not used (round 19's candidate)
ASPECT_WEIGHT = 0.0
#: the form reorders only the sections of the topic the other signals put first (``_aspect_shift``)
ASPECT_IN_TOPIC = False
#: round 20's "heading_w": weight of a section's own defining text (its headings and question
#: line, ``heading_tokens``) in the ordering of the leading topic's sections: BM25 over that text
#: alone, relative to the best of those sections (``_heading_shift``); 0: not used
HEADING_WEIGHT = 0.0


def policy_tokens(text: str, concepts: Sequence[str] | None = None) -> list[str]:
    """Stemmed English words (typos repaired) + Chinese character unigrams and bigrams + one
    ``~concept`` token per customer-service concept mentioned (``lexicon``), for sections and
    questions alike: "postage" meets a section about "shipping costs" through ``~ship_cost``.
    (No stop-word list: measured, dropping the analyzer's or a longer list of question words
    ranked no better.) ``concepts``: the concept tokens to add instead of the text's own
    (``section_concepts``)."""
    t = unicodedata.normalize("NFKC", text).lower()
    lex = default_lexicon()
    out: list[str] = _stemmer().stemWords(lex.words(t))
    for run in _CJK_RUN.findall(t):
        out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    out.extend(["~" + c for c in (lex.concepts(t) if concepts is None else concepts)] * CONCEPT_TOKENS)
    return out


def section_concepts(s: Section) -> tuple[str, ...]:
    """The concepts every language version of a section names (its heading, body and question
    line in that language); one language: its own. Why: the versions say the same thing, so a
    concept only one wording triggers is an accident of that wording — "美国运通" (American
    Express) is not about shipping abroad, "换一种支付方式" (pay another way) is not an exchange —
    and it pulled questions about the real topic to the wrong section."""
    lex = default_lexicon()
    per_lang = [set(lex.concepts(f"{h} {b} {s.questions.get(lang, '')}")) for lang, (h, b) in s.text.items()]
    shared = set.intersection(*per_lang) if per_lang else set()
    return tuple(c for c in lex.concepts(section_text(s)) if c in shared)


def section_tokens(s: Section) -> list[str]:
    """What a section is indexed as: ``policy_tokens`` of all its text, with ``section_concepts``."""
    return policy_tokens(section_text(s), section_concepts(s))


def heading_tokens(s: Section) -> list[str]:
    """What a section *is about* in its own words: ``policy_tokens`` of every language's heading
    and question line, no body and no concept tokens (round 20: the body of the refund section
    says "parcel" and "arrive"; its heading says what it answers)."""
    return policy_tokens(" ".join([h for h, _ in s.text.values()] + list(s.questions.values())), ())


def baseline_tokens(text: str) -> list[str]:
    """Lower-cased Latin words plus Chinese character unigrams and bigrams (no stemming)."""
    t = text.lower()
    out = _WORD.findall(t)
    for run in re.findall(r"[\u4e00-\u9fff]+", t):
        out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def section_text(s: Section) -> str:
    """Everything of a section that is indexed: every language's heading, body, question line."""
    return " ".join([h + " " + b for h, b in s.text.values()] + list(s.questions.values()))


class _BM25:
    """bm25s over ``sections`` with a tokenizer; ``rank(text, k)`` -> [(section id, score)]."""

    def __init__(self, sections: Sequence[Section], tokens, indexed=None) -> None:  # noqa: ANN001 - str -> list[str]; Section -> list[str]
        import bm25s

        self.ids = [s.id for s in sections]
        self.tokens = tokens
        self.model = bm25s.BM25()
        self.model.index(
            [(indexed or (lambda x: tokens(section_text(x))))(s) for s in sections], show_progress=False
        )

    def rank(self, text: str, k: int, positive: bool = True) -> list[tuple[str, float]]:
        """Top ``k``; ``positive``: only sections sharing a term with ``text``."""
        toks = [t for t in self.tokens(text) if t in self.model.vocab_dict]
        if not toks or not self.ids:
            return []
        docs, scores = self.model.retrieve([toks], k=min(k, len(self.ids)), show_progress=False)
        pairs = [(self.ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0], strict=True)]
        return [p for p in pairs if p[1] > 0] if positive else pairs


class PolicyIndex:
    """Sections indexed once; ``search`` returns (section id, BM25 score), best first."""

    def __init__(
        self, sections: Sequence[Section], dense: bool = True, encode: EncodeMany | None = None
    ) -> None:
        """``dense``: also order by the sentence encoder (``encode``, default mUSE v3)."""
        self.sections = {s.id: s for s in sections}
        self.empty = not sections  # a shop without policy documents: every lookup finds nothing
        self._by_topic: dict[str, set[str]] = {}
        for s in sections:
            self._by_topic.setdefault(s.topic, set()).add(s.id)
        self.bm25 = None if self.empty else _BM25(sections, policy_tokens, section_tokens)
        self.model = None if self.empty else SectionModel(sections)
        self._seed_model = self.model  # the model on the sections alone (``learn_sections([])``)
        use_dense = dense and DENSE_WEIGHT > 0 and len(sections) >= 2
        self.dense = DenseSections(sections, encode) if use_dense else None
        self._memo = functools.lru_cache(maxsize=1024)(self._search)
        self._examples: tuple[Callable[[list[str]], np.ndarray], np.ndarray, np.ndarray] | None = None
        self.aspects = AspectTable({sid: s.topic for sid, s in self.sections.items()})
        self.heads = None if self.empty else _BM25(sections, policy_tokens, heading_tokens)
        #: round 20's in-topic tie-break between the first two sections (``learn_pair``; None: off)
        self.pair: PairTieBreak | None = None

    def set_aspects(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Learn which sections answer which question forms from the shop's labelled policy
        questions ((text, section id); ``aspect``); read in the ordering when ``ASPECT_WEIGHT``
        is above 0. Unknown sections are a clear error."""
        self.aspects = AspectTable({sid: s.topic for sid, s in self.sections.items()}, pairs)
        self._memo.cache_clear()

    def set_examples(self, pairs: Sequence[tuple[str, str]], embed: Callable[[list[str]], np.ndarray]) -> None:  # fmt: skip
        """The shop's labelled policy questions ((text, section id)) as one more ordering signal:
        a question near the labelled questions a section answered leans to that section.
        Why: the shop's own customers' wording ("what do i need to send you to get it fixed")
        is nearer its earlier questions than any section's text; the sections' text is what the
        other signals read. Empty ``pairs``: no signal. Unknown sections are a clear error."""
        bad = sorted({sid for _, sid in pairs} - set(self.sections))
        if bad:
            raise ValueError(f"labelled policy questions name unknown sections: {bad[:5]}")
        self._memo.cache_clear()
        if not pairs:
            self._examples = None
            return
        vecs = np.asarray(embed([t for t, _ in pairs]), dtype=np.float32)
        self._examples = (embed, vecs, np.array([sid for _, sid in pairs], dtype=object))

    def learn_sections(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Train the section model on the shop's labelled policy questions ((text, section id))
        besides the sections' own pieces; empty ``pairs``: the model on the sections alone.
        Why (round 14): the labelled questions already pull the ordering through their vectors
        (``set_examples``); the model reads their words and n-grams, which the encoder's
        nearest-neighbour cosines blur. Unknown sections are a clear error."""
        bad = sorted({sid for _, sid in pairs} - set(self.sections))
        if bad:
            raise ValueError(f"labelled policy questions name unknown sections: {bad[:5]}")
        if self.empty:
            return
        self.model = SectionModel(list(self.sections.values()), pairs) if pairs else self._seed_model
        self._memo.cache_clear()

    def learn_pair(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Learn the in-topic tie-break (``section_pair``) from the shop's labelled policy questions
        ((text, section id)), the ones ``learn_sections`` and ``set_examples`` were given (called
        after them); empty ``pairs`` or too few confusable ones: none. Unknown sections are a
        clear error."""
        from shopmind.assistant.section_pair import learn

        bad = sorted({sid for _, sid in pairs} - set(self.sections))
        if bad:
            raise ValueError(f"labelled policy questions name unknown sections: {bad[:5]}")
        self.pair = None if self.empty or not pairs else learn(self, list(pairs))
        self._memo.cache_clear()

    def components(self, text: str, hits: Sequence[tuple[str, float]], model: SectionModel | None = None, examples: tuple | None = None, heads: bool = False) -> dict[str, list[float]]:  # fmt: skip
        """Per matched section (``hits``: BM25, best first) the ordering's signals: BM25 / the best,
        the section model's probability, the dense z-score, the labelled examples' z-score and
        (``heads``) the heading BM25 / its best among ``hits``; ``model`` / ``examples``: other
        learnt parts than the index's own (``section_pair`` reads them out of fold)."""
        top = hits[0][1]
        prob = (model or self.model).probabilities(text)  # type: ignore[union-attr]
        z = self.dense.zscores(text) if self.dense is not None and len(hits) > 1 else {}
        ex = self._example_z(text, [h[0] for h in hits], self._examples if examples is None else examples)
        head: dict[str, float] = {}
        if heads and self.heads is not None:
            got = {sid: v for sid, v in self.heads.rank(text, len(self.sections)) if sid in dict(hits)}
            best = max(got.values(), default=0.0)
            head = {sid: v / best for sid, v in got.items()} if best > 0 else {}
        return {sid: [b / top, prob.get(sid, 0.0), z.get(sid, 0.0), ex.get(sid, 0.0), head.get(sid, 0.0)] for sid, b in hits}  # fmt: skip

    def _example_z(self, text: str, ids: Sequence[str], examples: tuple | None = None) -> dict[str, float]:
        """Z-score over ``ids`` of each one's mean cosine to its ``EXAMPLE_K`` nearest examples
        (``examples``: (embed, vectors, owners), default the index's own)."""
        examples = self._examples if examples is None else examples
        if examples is None or len(ids) < 2:
            return {}
        embed, vecs, owner = examples
        sims = np.einsum("jd,d->j", vecs, np.asarray(embed([text]), dtype=np.float32)[0])  # no BLAS pool
        near = np.array([float(np.sort(sims[owner == sid])[-EXAMPLE_K:].mean()) if (owner == sid).any() else 0.0 for sid in ids])  # fmt: skip
        sd = float(near.std())
        return {} if sd <= 1e-9 else {sid: float(v) for sid, v in zip(ids, (near - near.mean()) / sd, strict=True)}  # fmt: skip

    def clear_memo(self) -> None:
        """Forget memoised searches and encodings (a benchmark's turn retrieves afresh)."""
        self._memo.cache_clear()
        if self.dense is not None:
            self.dense.cache_clear()
        if self._examples is not None and hasattr(self._examples[0], "cache_clear"):
            self._examples[0].cache_clear()  # the labelled examples' encoder (``set_examples``)

    def prefetch(self, texts: Sequence[str]) -> None:
        """Encode ``texts`` for the dense signal (and the labelled examples') in one batch each
        (no-op without an encoder)."""
        if self.dense is not None:
            self.dense.prefetch(texts)
        if self._examples is not None:
            self._examples[0](list(texts))  # a caching encoder keeps them for ``_example_z``

    def search(self, text: str, topics: Sequence[str] | None = None, k: int = 3, pair: bool = True) -> list[tuple[str, float]]:  # fmt: skip
        """Memoised ``_search`` (a turn asks twice: to route the intent, then to answer)."""
        return self._memo(text, tuple(topics) if topics else None, k, pair)

    def ordering(self, text: str, topics: Sequence[str] | None = None) -> dict[str, float]:
        """The ordering score (``ordering_score``: BM25 / the best, section model, dense and labelled
        examples) of each section ``text`` shares a word with, only within ``topics`` when given;
        {} when it shares none. Round 21's "followup_prior" adds two readings' scores (a follow-up's
        own and the one with the question before it), which the ranks ``search`` returns cannot."""
        if self.bm25 is None or self.model is None:
            return {}
        hits = self.bm25.rank(text, len(self.sections))
        if not hits:
            return {}
        allowed = {sid for t in topics for sid in self._by_topic.get(t, ())} if topics else None
        comp = self.components(text, hits)
        return {sid: ordering_score(c) for sid, c in comp.items() if allowed is None or sid in allowed}

    def _search(self, text: str, topics: Sequence[str] | None = None, k: int = 3, pair: bool = True) -> list[tuple[str, float]]:  # fmt: skip
        """Top ``k`` sections for ``text``, only within ``topics`` when given; ``pair``: with the
        in-topic tie-break when one was learnt (a clause of a multi-part message is read without
        it under round 20's "pair_whole")."""
        if self.bm25 is None:
            return []
        hits = self.bm25.rank(text, len(self.sections))
        allowed = {sid for t in topics for sid in self._by_topic.get(t, ())} if topics else None
        comp: dict[str, list[float]] = {}
        if hits and self.model is not None:  # order by BM25 (relative to the best) + the section model
            # + the encoder's z-score, only where there is an order to choose (2+ sections matched)
            comp = self.components(text, hits, heads=HEADING_WEIGHT > 0 or self.pair is not None)
            base = {sid: ordering_score(c) for sid, c in comp.items()}
            adj = self._aspect_shift(text, base, allowed) if ASPECT_WEIGHT > 0 else {}
            if HEADING_WEIGHT > 0:
                for sid, v in self._heading_shift(comp, base, allowed).items():
                    adj[sid] = adj.get(sid, 0.0) + v
            hits.sort(key=lambda h: -(base[h[0]] + adj.get(h[0], 0.0)))
        if allowed is not None:
            hits = [h for h in hits if h[0] in allowed]
        if pair and self._pair_swaps(hits, comp):
            hits[0], hits[1] = hits[1], hits[0]
        return hits[:k]

    def _pair_swaps(self, hits: list[tuple[str, float]], comp: dict[str, list[float]]) -> bool:
        """Round 20's "pair_tiebreak": whether the tie-break (``section_pair``) puts the second of
        the first two sections first; only when both are of one topic (and were ordered)."""
        if self.pair is None or len(hits) < 2 or not comp:
            return False
        a, b = hits[0][0], hits[1][0]
        return self.topic(a) == self.topic(b) and self.pair.prefers_second(comp[a], comp[b])

    def _heading_shift(self, comp: dict[str, list[float]], base: dict[str, float], allowed: set[str] | None) -> dict[str, float]:  # fmt: skip
        """Round 20's "heading_w": ``HEADING_WEIGHT`` x each section's heading BM25 relative to the
        best among the sections of the topic the other signals put first (among ``allowed``);
        other topics get nothing, so it reorders sections inside a topic and never moves the
        answer to another topic."""
        pool = [sid for sid in base if allowed is None or sid in allowed]
        if not pool:
            return {}
        lead = self.sections[max(pool, key=lambda sid: base[sid])].topic
        same = [sid for sid in base if self.sections[sid].topic == lead]
        best = max(comp[sid][4] for sid in same)
        return {sid: HEADING_WEIGHT * comp[sid][4] / best for sid in same} if best > 0 else {}

    def _aspect_shift(self, text: str, base: dict[str, float], allowed: set[str] | None) -> dict[str, float]:
        """What the question's form adds to each matched section's ordering score (``aspect``):
        ``ASPECT_WEIGHT`` x its score; with ``ASPECT_IN_TOPIC``, only within the topic of the
        section the other signals put first (among ``allowed``), raised from the topic's lowest,
        so the form reorders that topic's sections and never moves the answer to another topic
        (round 19: "who pays the postage when I send something back?" went from the return label
        to free delivery, the cost form being shipping's more often than returns')."""
        asp = self.aspects.scores(text)
        if not asp:
            return {}
        if not ASPECT_IN_TOPIC:
            return {sid: ASPECT_WEIGHT * asp.get(sid, 0.0) for sid in base}
        pool = [sid for sid in base if allowed is None or sid in allowed]
        if not pool:
            return {}
        lead = self.sections[max(pool, key=lambda sid: base[sid])].topic
        same = [sid for sid in base if self.sections[sid].topic == lead]
        low = min(asp.get(sid, 0.0) for sid in same)
        return {sid: ASPECT_WEIGHT * (asp.get(sid, 0.0) - low) for sid in same}

    def topic(self, section_id: str) -> str:
        return self.sections[section_id].topic


def ordering_score(c: Sequence[float]) -> float:
    """A matched section's ordering score from its ``PolicyIndex.components``: BM25 / the best +
    the weighted section model, dense and labelled-example signals (the heading is not in it)."""
    return c[0] + SECTION_MODEL_WEIGHT * c[1] + DENSE_WEIGHT * c[2] + EXAMPLE_WEIGHT * c[3]


class BM25Baseline:
    """bm25s (Lucene BM25, its defaults) over the same sections, one document each, no routing,
    no stemming, no stop words: the side-by-side baseline of ``shopmind evaluate assistant``."""

    def __init__(self, sections: Sequence[Section]) -> None:
        self._bm25 = _BM25(sections, baseline_tokens)
        self.ids = self._bm25.ids

    def search(self, text: str, k: int = 3) -> list[str]:
        return [sid for sid, _ in self._bm25.rank(text, k, positive=False)]
