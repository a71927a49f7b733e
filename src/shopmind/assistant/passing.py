"""Round 27's "topic_passing": a word of the off-topic lexicon said in passing does not hand off a
shop question.

Why: ``levels.off_topic_thing`` hands off a policy reading of a message naming an off-topic thing
of the lexicon ("car", "flight", "gym", "library") whose meaning sits far from every policy
passage - "how do I return a rental car" is about the car. But a shopper names such things in
passing: "can I return a gym bag I bought last week?" (the gym says what the bag is for), "I
ordered it on the public wifi at the library, did the payment go through?" (where they were);
both were handed off (the lead's defect (b), held-out-25's q2651 and q2663). The word is in
passing when it stands where a sentence says *where* ("at the library", "on the way to the gym")
or modifies the next word, a thing the shopper bought ("a gym bag I bought"): not a service's
noun ("gym membership", "concert tickets"), a shop concept ("flight refund") or a function word
("the hotel charged", "library book" is not bought). Chinese off-topic words are never read as in
passing (no such structure is read here). A message whose every off-topic word is in passing,
read as a policy question whose best section scores above ``policy_sure`` (its words match a
policy more closely than any hand-off line of the seed does), keeps its reading.
"""

from __future__ import annotations

import re
import unicodedata

from shopmind.assistant.lexicon import CONCEPTS, _stems, default_lexicon
from shopmind.assistant.timewords import is_time_word

#: before an off-topic word: a preposition of place and a determiner, perhaps one word between
#: ("at the library", "on the public wifi", "to my local gym")
_PLACE = re.compile(
    r"\b(?:at|in|inside|outside|near|from|to|by|outside of|on the way to)\s+(?:the|my|a|an|our|your|this|that)\s+(?:[a-z]+\s+)?$"  # fmt: skip
)
_FUNCTION_WORDS = (
    "a an the my your our his her their its this that these those i you he she we they it me him us them "
    "and or but if so of to in on at for with from by about as into over after before is are was were be "
    "been am do does did have has had will would can could should may might must not no yes what which "
    "who whom whose when where why how all any some every each just also too very"
)
_FUNCTION = frozenset(_FUNCTION_WORDS.split())
#: nouns of a service or a booking, not of goods: an off-topic word before one names the service
#: itself ("gym membership", "concert tickets", "hotel room", "library card")
_SERVICE_WORDS = (
    "ticket booking reservation fare fee bill room seat pass card account app plan service trip tour "
    "class lesson session appointment deposit insurance subscription membership rental hire stay "
    "flight ride visit payment loan"
)
_SERVICE_NOUNS = frozenset(_SERVICE_WORDS.split())
#: the message tells of a purchase (a thing bought, here or elsewhere)
_BOUGHT = re.compile(r"\b(?:bought|ordered|purchased|got (?:it|this|them|one) from|paid for)\b|买的|下单|下的单|订单", re.I)  # fmt: skip
_EN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _off_topic_terms() -> list[tuple[str, re.Pattern[str]]]:
    terms = [t for t in CONCEPTS["off_topic"][0] if t.isascii()]
    return [(t, re.compile(rf"\b{re.escape(t)}(?:s|es)?\b")) for t in sorted(terms, key=len, reverse=True)]


_TERMS = _off_topic_terms()
_CONCEPT_STEMS = frozenset(
    s for name, (en, _) in CONCEPTS.items() for phrase in en for s in _stems(_EN_WORD.findall(phrase.lower()))
)
_SERVICE_STEMS = frozenset(_stems(sorted(_SERVICE_NOUNS)))


def _modifies_a_thing(after: str) -> bool:
    """Whether the word after an off-topic word is a thing bought: not a function word, a shop
    concept's or an off-topic word, a service's noun or a time word."""
    m = _EN_WORD.match(after.lstrip())
    if m is None or not after[:1].isspace():
        return False
    w = m.group(0)
    stem = _stems([w])[0]
    return not (w in _FUNCTION or stem in _CONCEPT_STEMS or stem in _SERVICE_STEMS or is_time_word(w))


def off_topic_in_passing(text: str) -> bool:
    """Whether ``text`` names off-topic things of the lexicon only in passing (the module
    docstring): each English one after a preposition of place, or modifying a thing the message
    says was bought; no Chinese one. False when it names none."""
    t = unicodedata.normalize("NFKC", text).lower()
    if "off_topic" not in default_lexicon().concepts(text):
        return False
    zh = CONCEPTS["off_topic"][1]
    if any(z in t for z in zh):
        return False
    bought = _BOUGHT.search(t) is not None
    found, taken = False, [False] * len(t)
    for _, pat in _TERMS:
        for m in pat.finditer(t):
            if any(taken[m.start() : m.end()]):
                continue  # inside a longer term already read ("car" in "rental car")
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
            found = True
            if _PLACE.search(t[: m.start()]):
                continue
            if bought and _modifies_a_thing(t[m.end() :]):
                continue
            return False
    return found


#: intents that are no shop question (``levels.HANDOFF_INTENTS``)
NOT_SHOP = ("out_of_scope", "greeting", "complaint")


def shop_reading_kept(options: dict, text: str, sure_shop: bool, section_score: float, policy_sure: float) -> bool:  # fmt: skip
    """Whether a policy reading naming an off-topic thing keeps its reading (``route``): the classifier
    reads a shop question surely (``sure_shop``: its shop intents' probability at the hand-off
    threshold or above) and the best section scores above ``policy_sure``; with "topic_passing" the
    off-topic words must also be in passing (``off_topic_in_passing``); "topic_sure" is that rule
    without the words' places (the lead's wording of the defect, measured beside it)."""
    if not (sure_shop and section_score > policy_sure):
        return False
    if options.get("topic_passing") and off_topic_in_passing(text):
        return True
    return bool(options.get("topic_sure"))
