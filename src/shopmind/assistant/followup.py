"""A brief message after a policy answer, read with the policy question before it.

"你们发国外吗" then "大概要多少天" asks how long *international* delivery takes; the follow-up's
words alone point at another section (the days of standard delivery). ``policy_followup`` says
when a message is read together with the question before it, and ``anaphoric`` when the joint
reading's section stands against the message's own best section (``compose.compose``).

Moved from ``core`` in round 16 (core was at the project's module size); the behaviour with
round 16's switch off is the one core had (rounds 9-15, docs/BENCHMARKS.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopmind.assistant.clauses import asked_pieces
from shopmind.assistant.compose import POLICY_INTENTS
from shopmind.assistant.intent import Prediction
from shopmind.assistant.lexicon import default_lexicon
from shopmind.assistant.policy import section_concepts
from shopmind.assistant.reading import asks_delivery_time, is_brief
from shopmind.assistant.reply import _State
from shopmind.assistant.slots import Slots, refers_to_page
from shopmind.assistant.timewords import names_when

if TYPE_CHECKING:
    from shopmind.assistant.core import Assistant


def one_topic_concepts(asst: Assistant) -> frozenset[str]:
    """The customer-service concepts (``lexicon``) that the shop's policy sections of one topic
    only name (``policy.section_concepts``): "exchange", "tracking", "instalment" on the demo, not
    "duration" (delivery, return window, refund and warranty all say how long). Cached per
    assistant."""
    got = getattr(asst, "_one_topic", None)
    if got is None:
        topics: dict[str, set[str]] = {}
        for sec in asst.policy.sections.values():
            for c in section_concepts(sec):
                topics.setdefault(c, set()).add(sec.topic)
        got = frozenset(c for c, t in topics.items() if len(t) == 1)
        asst._one_topic = got  # type: ignore[attr-defined]
    return got


def anaphoric(asst: Assistant, text: str) -> bool:
    """Whether a brief follow-up points back at the answer before it ("how long would *that*
    take?", "what does *it* cost?") with round 16's "followup_that" on: it points ("it", "that",
    "这个") and names no concept of one policy topic (``one_topic_concepts``) — "and can I
    exchange it instead?" names its own subject and keeps its own reading. What it asks is then
    about the earlier question's subject, so the joint reading decides."""
    if not (asst.options.get("followup_that") and is_brief(text) and refers_to_page(text)):
        return False
    return not set(default_lexicon().concepts(text)) & one_topic_concepts(asst)


def asked_piece(text: str, cues: bool = False, syntax: bool = False) -> str | None:
    """The one asked clause of a message told around it (``clauses``: two or more pieces, exactly
    one of them asked): "Dear team, I need shoes by Wednesday. If I choose express today, how
    many working days will it take? Kind regards" -> its question. None otherwise."""
    if is_brief(text):
        return None
    pieces = asked_pieces(text, cues, syntax)
    asked = [p for p, q in pieces if q]
    return asked[0] if len(pieces) >= 2 and len(asked) == 1 else None


def asked_reading(asst: Assistant, text: str, own: Prediction) -> Prediction:
    """Round 16's "asked_intent": a message the classifier reads as out of scope or is unsure of,
    whose one asked clause (``asked_piece``) it reads surely as a policy question, takes that
    reading — the story around a question (a letter's greeting and sign-off, why it is urgent)
    is not what it asks. Else ``own``."""
    if not asst.options.get("asked_intent") or (
        own.intent != "out_of_scope" and own.confidence >= asst.threshold
    ):
        return own
    piece = asked_piece(text, bool(asst.options.get("clause_cues")), bool(asst.options.get("clause_syntax")))
    if piece is None:
        return own
    p = asst.model.predict(piece)
    return p if p.intent in POLICY_INTENTS and p.confidence >= asst.threshold else own


def asked_focus(asst: Assistant, text: str) -> str | None:
    """Round 16's "asked_focus": the text a policy section is retrieved for — the one asked clause
    of a message told around it, when that clause alone matches a section above the floor
    ("I received them 25 days ago and haven't worn them, is it too late to return them?": the
    story's words pull to another section than the question's). None: the whole message."""
    if not asst.options.get("asked_focus"):
        return None
    piece = asked_piece(text, bool(asst.options.get("clause_cues")), bool(asst.options.get("clause_syntax")))
    if piece is None:
        return None
    hits = asst.policy.search(piece, None)
    return piece if hits and hits[0][1] > asst.policy_floor else None


def policy_followup(asst: Assistant, text: str, state: _State, slots: Slots, own: Prediction) -> str | None:  # fmt: skip
    """The message read with the policy question of the turn before, or None. Only for a brief
    message (``reading.is_brief``) right after a policy answer, naming no order, product or
    category, that is not understood alone — the classifier is sure of no intent, or it reads a
    policy question whose best section scores no higher than ``policy_floor`` (a self-contained
    question such as "and can I exchange it instead?" keeps its own words), or (round 15's
    "followup_oos") a sure off-topic reading the domain margin keeps in the shop's domain, or
    (round 16's "followup_that") one pointing back at the answer before (``anaphoric``) — and
    whose reading together with the question before is a policy question."""
    if not state.policy_text or slots.order_id or slots.product_ids or slots.category or not is_brief(text):
        return None
    if asst.options.get("clock_when") and asks_delivery_time(text) and names_when(text):
        return None  # round 25: "can it arrive at twenty to four" asks delivery times on its own
    if own.confidence >= asst.threshold and not anaphoric(asst, text):
        hits = asst.policy.search(text, None)
        if own.intent not in POLICY_INTENTS or (hits and hits[0][1] > asst.policy_floor):
            # a sure off-topic reading the domain margin keeps in the shop's domain is tried
            # with the question before ("followup_oos"); a margin below the level stays off
            oos = own.intent == "out_of_scope" and asst.options["followup_oos"]
            if not (oos and asst.domain is not None and not asst.domain.off_domain(text)):
                return None
    ask = f"{state.policy_text} {text}"
    return ask if asst.model.predict(ask).intent in POLICY_INTENTS else None


#: concepts a message naming an order may hold and still only give the order ("it's O123")
_PLAIN = frozenset({"order", "status", "greeting"})


def plain_order_message(text: str) -> bool:
    """Round 16's "order_plain": a brief message naming an order and no customer-service concept
    of its own ("sorry, forgot to say - it's O0000158") gives the order: its status is asked,
    whatever the classifier reads into the apology (a complaint)."""
    return is_brief(text) and not set(default_lexicon().concepts(text)) - _PLAIN


def chit_chat(text: str) -> bool:
    """Round 16's "greeting_chat": a message that asks nothing (no clause is a question, no
    question mark) — a greeting with small talk ("早上好呀，今天天气真不错") is answered as the
    greeting the classifier leans to, not handed off as not understood."""
    return "?" not in text and "？" not in text and not any(q for _, q in asked_pieces(text, True))
