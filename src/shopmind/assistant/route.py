"""Routing one message's reading to the intent it is answered under (split from ``core`` in round 19).

Why a module of its own: ``core.Assistant.turn`` reads a message (intent model, slots, the policy
question before it) and composes the answer; between the two sits the routing that the rounds
10-18 grew rule by rule — an order id or "it" after an order turn makes an order question, a named
product a product question, a message with nothing of the shop in it goes out of scope, a policy
reading takes the topic of its best section, the domain margin hands off what lies nearer the
shop's out-of-scope examples — and it had pushed ``core.py`` to its size limit. ``route`` is that
code, unchanged; the switches it reads are ``asst.options`` (``options.OPTIONS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shopmind.assistant import domain as D
from shopmind.assistant.compose import CHEAPER_THAN_SHOWN, sure_topics
from shopmind.assistant.compose import POLICY_INTENTS as _POLICY_INTENTS
from shopmind.assistant.followup import chit_chat, plain_order_message
from shopmind.assistant.greeting import greeting_only
from shopmind.assistant.intent import Prediction
from shopmind.assistant.levels import off_topic_thing, sure_section
from shopmind.assistant.lexicon import default_lexicon
from shopmind.assistant.party import another_party
from shopmind.assistant.passing import NOT_SHOP, shop_reading_kept
from shopmind.assistant.policy import TOPIC_INTENT
from shopmind.assistant.reading import (
    asks_about_order,
    asks_comparison,
    asks_delivery_time,
    asks_dispatch_time,
    asks_order_progress,
    asks_progress,
    field_cue,
    fields_asked,
    is_brief,
    is_short,
    only_greeting,
)
from shopmind.assistant.reply import _State
from shopmind.assistant.scope import names_policy, names_shop
from shopmind.assistant.slots import Slots, refers_to_page
from shopmind.assistant.timewords import names_when

if TYPE_CHECKING:
    from shopmind.assistant.core import Assistant

#: intents answered from a thing the message names (a product, a category, a price)
_NEEDS_A_THING = ("product_question", "compare", "product_search")


@dataclass
class Routed:
    """What ``route`` settled: the intent and confidence the turn is answered under, whether it
    continues the search before (``follow_up``), the policy section an unsure reading may be
    answered from (``sure``), the topics the policy search is restricted to (``when``: delivery
    times; ``sure_t``: a sure classifier's topics) and whether an order question named no order
    (``no_order``: answered from a section with the request for the order number)."""

    intent: str
    conf: float
    follow_up: bool
    sure: str | None
    sure_t: tuple[str, ...] | None
    when: bool
    no_order: bool


def route(asst: Assistant, text: str, ask: str, where: str, pred: Prediction, slots: Slots, state: _State) -> Routed:  # fmt: skip
    """The intent ``text`` is answered under (``ask``: what the policy parts read, ``text`` itself
    or with the policy question before it; ``where``: what a section is retrieved for). Clears the
    slots a policy or hand-off reading does not use (an amount, a colour), as the turn did."""
    intent, conf = pred.intent, pred.confidence
    follow_up = False
    kept = not slots.order_id and state.order_id and not slots.product_ids and not slots.category
    progress = kept and intent != "complaint" and asks_progress(text)  # "when will it get here?"
    pronoun = kept and asst.options["order_pronoun"] and asks_of_order(asst, text, intent, conf, pred)
    # "has it been delivered or is it still on the way?": the classifier reads the order's
    # status and the message points at "it": the order of the conversation, however long
    pronoun = pronoun or bool(kept and asst.options["order_it"] and intent == "order_status" and refers_to_page(text))  # fmt: skip
    if progress or pronoun or (kept and is_short(text) and (intent == "order_status" or (intent == "shipping" and refers_to_page(text)))) or (kept and asst.options["order_brief"] and is_brief(text) and intent == "order_status"):  # fmt: skip
        slots.order_id = state.order_id  # "has it shipped?": the order of the turn before
        intent = "order_status" if progress or pronoun else intent
    pay = bool(asst.options.get("pay_amount")) and intent in ("payment", "product_search", "order_status") and not (slots.order_id or slots.product_ids or slots.from_page or follow_up or slots.category_source not in (None, "graph")) and "instalment" in default_lexicon().concepts(text)  # fmt: skip
    if pay:
        # round 30: "basket comes to about $320, could i spread that over a few months interest
        # free", "订单 1000 块 可以 interest-free 分期吗": an amount beside instalments, naming no
        # order or product (a category only the graph guessed), asks the instalment policy
        intent, conf = "payment", max(conf, asst.threshold)  # (kept sure below)
        slots.category = slots.price_min = slots.price_max = slots.currency = None
    if slots.order_id and (intent not in ("return_refund", "complaint", "shipping") or asks_about_order(text, slots.order_id) or (asst.options["order_plain"] and plain_order_message(text)) or (asst.options.get("order_first") and order_asked(asst, text, slots.order_id, intent)) or (asst.options.get("order_clause") and intent in ("return_refund", "shipping") and asks_order_progress(text, slots.order_id, bool(asst.options.get("progress_words"))))):  # fmt: skip
        # round 26's "order_clause": "O0002834到了吗 不合适的话多少天内能退" - the order's own piece asks
        # how far it got, the rest a policy question (added by ``compose``): the order's status first
        intent, conf = "order_status", max(conf, 0.5)
    elif len([p for p in slots.product_ids if not slots.from_page]) >= 2:
        intent, conf = "compare", max(conf, 0.5)
    elif slots.product_ids and not slots.from_page and (intent in ("out_of_scope", "greeting") or conf < asst.threshold):  # fmt: skip
        intent, conf = "product_question", max(conf, 0.5)  # a message naming one product is about it
    elif asst.options["title_fact"] and len(slots.product_ids) == 1 and not slots.from_page and intent == "product_search" and field_cue(text, bool(asst.options.get("field_words"))):  # fmt: skip
        # one product named (by id or title) and a fact of it asked (price, stock, colour):
        # nothing is left to search for, the named product is the question's
        intent, conf = "product_question", max(conf, 0.5)
    elif slots.from_page and field_cue(text, bool(asst.options.get("field_words"))) and asks_page_fact(asst, text, intent, conf):  # fmt: skip
        # on a product's page, a message asking a fact of a product (price, stock, colour)
        # that the classifier cannot answer otherwise: the page says which product
        intent, conf = "product_question", max(conf, 0.5)
    elif slots.category and (slots.price_max or slots.price_min or slots.attributes) and (intent in ("shipping", "payment", "out_of_scope", "greeting", "compare") or (asst.options.get("search_amount") and intent == "order_status" and not slots.order_id)):  # fmt: skip
        # a category with a price/attribute is a search (a comparison needs two products,
        # and fewer than two are named here: the branch above takes two); round 30's
        # "search_amount": also an order reading naming no order ("有沒有1260元以下的帐篷": the
        # intent model reads the amount's digits as an id, ``intent.normalise``)
        intent, conf = "product_search", max(conf, 0.5)
    elif state.search_text and not slots.category and (slots.attributes or slots.price_max or slots.price_min) and (intent in ("product_search", "out_of_scope", "greeting", "product_question") or (intent != "complaint" and is_short(text))):  # fmt: skip
        intent, conf, follow_up = "product_search", max(conf, 0.5), True
    elif asst.options.get("cheaper_kept") and state.search_text and state.products and not (slots.category or slots.product_ids or slots.order_id) and is_short(text) and CHEAPER_THAN_SHOWN.search(text):  # fmt: skip
        # round 29: "cheaper ones?" / "便宜一点的呢" after a search keeps the search, lower priced
        intent, conf, follow_up = "product_search", max(conf, asst.threshold), True
    elif asst.options.get("have_search") and intent == "product_question" and slots.category and not (slots.product_ids or slots.order_id):  # fmt: skip
        # round 29: "有红色连衣裙吗" - a product question naming no product, only a category (and
        # maybe its colour or price): nothing to answer it of but a search of that category
        intent, conf = "product_search", max(conf, asst.threshold)
    if asst.options.get("compare_cue") and intent != "compare" and conf < asst.threshold and not (slots.order_id or follow_up) and asks_comparison(text) and not names_policy(text, asst.policy_concepts) and (slots.category or asst.scope.all_known(text)):  # fmt: skip
        # round 24: "compare these two headphones" - an unsure reading of a message whose own
        # words ask to compare, naming no policy's topic and nothing foreign to the shop ("compare
        # ChatGPT and Gemini" keeps its reading), is a comparison (``reading._COMPARE``)
        intent, conf = "compare", max(conf, asst.threshold)
    in_domain = follow_up or names_shop(ask, slots, asst.policy, asst.policy_floor)
    # round 23's "known_words": every word of the message is the shop's or everyday language's
    # (``scope.DomainWords.all_known``): nothing in it names another domain
    known = bool(asst.options.get("known_words")) and asst.scope.all_known(ask)
    # round 26's "greeting_words": only the words of opening or closing a chat ("哈喽 客服在吗",
    # "evening all, anyone on"), nothing of the shop named: a greeting whatever the classifier reads
    greets = bool(asst.options.get("greeting_words")) and intent != "complaint" and not (slots.order_id or [p for p in slots.product_ids if not slots.from_page] or slots.category or slots.attributes or slots.price_max or slots.price_min) and greeting_only(text, bool(asst.options.get("chat_words")))  # fmt: skip
    if greets:
        intent, conf = "greeting", max(conf, asst.threshold)
    elif conf < asst.threshold and intent in ("greeting", "out_of_scope") and (only_greeting(text) or (asst.options["greeting_chat"] and pred.intent == "greeting" and not in_domain and chit_chat(text))):  # fmt: skip
        intent, conf = "greeting", max(conf, 0.5)  # "cheers, that's all I needed" (``only_greeting``)
    elif not in_domain and pred.confidence < asst.threshold and not known:
        # nothing of a shop in it (no concept, id, product, category or price), the classifier
        # unsure: out of scope, whatever its weak guess was
        intent, conf = "out_of_scope", 1.0 - pred.confidence
    elif intent == "out_of_scope" and (conf < asst.threshold or known):
        # the mirror case: an unsure off-topic guess for a message in the shop's words is
        # overruled by them, the classifier's next reading stands (still unsure: it routes
        # a policy question or hands off as unsure, it is never answered off-topic); with
        # "known_words" also a sure one when no word of the message is foreign to the shop
        intent, conf = next((k, pr) for k, pr in pred.ranked if k != "out_of_scope")
    if known and intent == "greeting" and not in_domain:
        # "在么在么", "morning! is someone there who can help?": the classifier leans to a greeting,
        # nothing of the shop or of another domain is named: greeted back (no fact is stated)
        conf = max(conf, asst.threshold)
    policy_mass = sum(pr for k, pr in pred.ranked if k in _POLICY_INTENTS)
    # round 27's "order_when": an order reading asking ahead about a day is the delivery times'
    ahead = order_when(asst, text, intent, slots, state, follow_up)
    no_order = intent == "order_status" and not slots.order_id and not state.order_id and not ahead
    if no_order and shipping_question(asst, ask, asst.options["no_order_policy"]):
        # an order question naming no order ("where can I follow my parcel?") that a shipping
        # section matches above the floor: answered from that section (with the request for
        # the order number), the order and shipping readings' confidence together
        topic = asst.policy.topic(asst.policy.search(ask, None)[0][0])
        intent, policy_mass = (
            TOPIC_INTENT.get(topic, "shipping"),
            policy_mass + dict(pred.ranked)["order_status"],
        )
    else:
        no_order = False
    shop_thing = slots.order_id or slots.product_ids or slots.category or slots.attributes or slots.price_max or slots.price_min  # fmt: skip
    when = not (shop_thing or state.order_id or follow_up) and intent in (*_POLICY_INTENTS, "out_of_scope", "product_search") and (asks_delivery_time(ask) or (bool(asst.options.get("ship_when")) and asks_dispatch_time(ask)))  # fmt: skip
    when = when or clock_when(asst, text, intent, slots, state, follow_up) or ahead
    if when:  # "if I buy now when would it arrive?": delivery times, not a refund's (``reading``)
        intent, conf = "shipping", max(conf, asst.threshold)
    elif intent == "product_search" and conf >= asst.threshold and not (shop_thing or follow_up) and names_policy(ask, asst.policy_concepts):  # fmt: skip
        # nothing to search for, a policy's topic: its best section's topic decides (``scope``)
        intent = next((TOPIC_INTENT.get(asst.policy.topic(h), intent) for h, _ in asst.policy.search(ask, None)[:1]), intent)  # fmt: skip
    sure_t: tuple[str, ...] | None = None
    if intent in _POLICY_INTENTS:
        # a policy question: the classifier says so, the retriever picks the section (and
        # with it the topic) over all sections, both languages, its question lines included
        hits = asst.policy.search(where, ("shipping",) if when else None)
        sure_t = sure_topics(asst, where, pred.intent, pred.confidence, hits) if asst.options["sure_topic"] and not when else None  # fmt: skip
        if sure_t:
            hits = asst.policy.search(where, sure_t)  # the sure classifier's topics (``compose``)
        if hits and hits[0][1] > 0:
            intent, conf = TOPIC_INTENT.get(asst.policy.sections[hits[0][0]].topic, intent), policy_mass
            conf = max(conf, asst.threshold) if (when or pay) else conf
        if not (shop_thing or follow_up) and off_topic_thing(asst.policy, ask, asst.off_topic_level, bool(asst.options.get("news_word"))) and not kept_in_passing(asst, text, hits, pred):  # fmt: skip
            intent, conf = "out_of_scope", max(conf, 0.5)  # "how do I return a rental car?"
    sure = None  # a message naming no order or product: its section may answer it
    if conf < asst.threshold and not (slots.order_id or slots.product_ids or follow_up):
        sure = sure_section(asst.policy, asst.policy_sure, ask, asst.dense_sure)
    elif intent == "out_of_scope" and not (slots.order_id or slots.product_ids or follow_up or off_topic_thing(asst.policy, ask, asst.off_topic_level, bool(asst.options.get("news_word")))):  # fmt: skip
        # an off-topic reading the classifier is sure of: only the encoder's level may overrule
        # it (BM25 shares words with "return a rental car"; meaning is what the level reads);
        # a message naming an off-topic thing must pass the higher ``off_topic_level`` first
        sure = sure_section(asst.policy, float("inf"), ask, asst.dense_sure)
    if sure:  # unsure reading, but a section matches as no hand-off message of the seed does
        intent = TOPIC_INTENT.get(asst.policy.sections[sure].topic, intent)
    if intent == "product_search" and conf >= asst.threshold and not (shop_thing or follow_up) and asst.scope.foreign(ask):  # fmt: skip
        intent, conf = "out_of_scope", max(conf, 0.5)  # "novels?": not a word of this shop (``scope``)
    # round 28's "when_kept": a delivery-time question ("i need it by friday, whats the quickest")
    # of only the shop's and everyday words is not handed off by the margin
    when_kept = when and bool(asst.options.get("when_kept")) and asst.scope.all_known(text)
    if intent in _POLICY_INTENTS and (sure or conf >= asst.threshold) and not (shop_thing or follow_up or state.order_id or ask is not text or when_kept) and asst.domain is not None and not words_sure(asst, where, pred) and off_domain(asst, text, intent if asst.options["topic_level"] else None):  # fmt: skip
        intent, conf = "out_of_scope", max(conf, 0.5)  # nearer what the shop hands off (``domain``)
    elif asst.options["domain_any"] and intent in _NEEDS_A_THING and not (shop_thing or follow_up or state.order_id or slots.from_page or ask is not text) and asst.domain is not None and off_domain(asst, text):  # fmt: skip
        # a product question, comparison or search naming no product, category, attribute or
        # price has nothing of the shop to answer from: the same margin decides ("compare
        # ChatGPT and Gemini", "this week's lottery numbers")
        intent, conf = "out_of_scope", max(conf, 0.5)
    if asst.options["owner_foreign"] and intent in (*_POLICY_INTENTS, "order_status", *_NEEDS_A_THING) and not (slots.order_id or slots.product_ids or slots.from_page or follow_up or state.order_id or ask is not text) and asst.scope.owners(text):  # fmt: skip
        # round 19: another seller's order, return or fee ("my parcel from amazon", "淘宝买的衣服
        # 怎么退"): a name the shop never uses stands as the seller (``scope.owner_position``)
        intent, conf = "out_of_scope", max(conf, 0.5)
    if asst.options.get("party_service") and intent in (*_POLICY_INTENTS, "order_status", *_NEEDS_A_THING) and not (slots.order_id or slots.product_ids or slots.from_page or follow_up or state.order_id or ask is not text) and another_party(text, asst.scope.foreign):  # fmt: skip
        # round 30: another party's service in the shop's words ("我的信用卡账单能分期吗", "a letter
        # i sent by royal mail", "厂家还给修吗"): who gives the service is not this shop (``party``)
        intent, conf = "out_of_scope", max(conf, 0.5)
    if named_complaint(asst, text, pred, follow_up):
        # round 25: "not sure if this counts as a complaint but the box was crushed, what can you
        # do" - the classifier is unsure, a complaint first or second; the shopper calls it one
        intent, conf = "complaint", max(conf, dict(pred.ranked)["complaint"])
    if (
        asst.options["policy_amount"]
        and intent in _POLICY_INTENTS
        and not (slots.product_ids or slots.category)
    ):
        # "my basket is $40, do I pay postage?": an amount a policy applies to, not a price to search
        slots.price_min = slots.price_max = slots.currency = None
    if asst.options["policy_attrs"] and intent in (*_POLICY_INTENTS, "out_of_scope") and not (slots.product_ids or slots.category):  # fmt: skip
        # "can I swap the blue one for grey?": a colour a policy or a hand-off is about, not a search's
        slots.attributes = {}
        if intent == "out_of_scope":
            slots.price_min = slots.price_max = slots.currency = None
    return Routed(intent, conf, follow_up, sure, sure_t, when, no_order)


def clock_when(asst: Assistant, text: str, intent: str, slots: Slots, state: _State, follow_up: bool) -> bool:  # fmt: skip
    """Round 25's "clock_when": a message asking when something would arrive and naming a time of
    day or a day ("can it arrive at twenty to four", "能下午四点送到吗": ``timewords.names_when``)
    asks the delivery times even on a product's page (the page's product is what would arrive,
    not a product fact asked) and whatever the classifier reads into "can it arrive" (the seed-only
    model: a return, 0.78 - "arrived broken, can I return it"), with no order named or in the
    conversation. A complaint reading keeps its hand-off ("it was meant to come at 4pm!")."""
    if not asst.options.get("clock_when") or intent not in (*_POLICY_INTENTS, "out_of_scope", "product_search", "product_question"):  # fmt: skip
        return False
    named = slots.order_id or state.order_id or follow_up or slots.category or (slots.product_ids and not slots.from_page)  # fmt: skip
    return not named and asks_delivery_time(text) and names_when(text)


def kept_in_passing(asst: Assistant, text: str, hits: list[tuple[str, float]], pred: Prediction) -> bool:
    """Round 27's "topic_passing" / "topic_sure" (``passing.shop_reading_kept``): an off-topic word
    of the lexicon does not hand off a message the classifier surely reads as a shop question whose
    best section is strong ("can I return a gym bag I bought last week?")."""
    if not (asst.options.get("topic_passing") or asst.options.get("topic_sure")) or not hits:
        return False
    sure_shop = sum(pr for k, pr in pred.ranked if k not in NOT_SHOP) >= asst.threshold
    return shop_reading_kept(asst.options, text, sure_shop, hits[0][1], asst.policy_sure)


def order_when(asst: Assistant, text: str, intent: str, slots: Slots, state: _State, follow_up: bool) -> bool:  # fmt: skip
    """Round 27's "order_when": an order-status reading of a message naming no order (none in the
    conversation either) nor a product, that names a day or a time of day (``timewords.names_when``)
    and no status word of a parcel ("where is", "hasn't arrived": the lexicon's ``status``) and asks
    ahead (``_AHEAD``: "will it", "if i order"), asks when an order placed then would leave or arrive - the shipping section's cut-offs and times -
    not an order's status ("placed an order at 3pm today, will it go out today or tomorrow",
    "ordered on a sunday, does it sit there till monday"); the order reading asked for an order
    number and stated no time (English intent misses of held-out-19, -22, -24)."""
    if not asst.options.get("order_when") or intent != "order_status" or follow_up:
        return False
    if slots.order_id or state.order_id or slots.product_ids or slots.category:
        return False
    return names_when(text) and _AHEAD.search(text) is not None and "status" not in default_lexicon().concepts(text)  # fmt: skip


#: words asking what would happen, not what has ("will it go out today", "if i order wed night",
#: "does it sit there till monday", "周五下单的话", "会不会拖到周一"): ``order_when``'s question ahead
_AHEAD = re.compile(r"\b(?:will|would|if i|if you|does it|do they|gonna|going to)\b|的话|会不会|能不能", re.I)


def words_sure(asst: Assistant, where: str, pred: Prediction) -> bool:
    """Round 26's "margin_sure": the classifier is sure of a policy intent and the message's best
    section scores above ``policy_sure`` - higher than any complaint, greeting or off-topic line of
    the seed reaches on this shop's sections (``levels.policy_sure``). Two signals that each say
    "a policy question" then outweigh the domain margin (mUSE distance to what the shop hands off),
    which handed off "给宝宝买的 toy 坏了 买了十个月 还在 warranty 期内吗" (return 0.999, the warranty
    period 9.0 against a level of 4.4) and "if my discount code drops the total under the free
    postage line do i end up paying postage" (shipping 0.91, free delivery 11.7)."""
    if not asst.options.get("margin_sure") or pred.intent not in _POLICY_INTENTS or pred.confidence < asst.threshold:  # fmt: skip
        return False
    hits = asst.policy.search(where, None)
    return bool(hits) and hits[0][1] > asst.policy_sure


def named_complaint(asst: Assistant, text: str, pred: Prediction, follow_up: bool) -> bool:
    """Round 25's "complaint_named": the classifier is unsure (its first reading below the hand-off
    threshold), reads a complaint first or second, and the message names a complaint in the
    shopper's own words (the lexicon's ``complaint`` concept: "complaint", "投诉", "a real person").
    Such a message is handed off as a complaint, not answered from the section its other words
    match (``levels.sure_section`` answered "not sure if this counts as a complaint but the box was
    crushed, what can you do" from the warranty's exclusions)."""
    if not asst.options.get("complaint_named") or follow_up or pred.confidence >= asst.threshold:
        return False
    if "complaint" not in [k for k, _ in pred.ranked[:2]]:
        return False
    return "complaint" in default_lexicon().concepts(text)


def order_asked(asst: Assistant, text: str, order_id: str, intent: str) -> bool:
    """Round 21's "order_first": whether a message naming an order that the classifier reads as a
    return or shipping question asks the order's status in its own piece - the pieces naming the
    order (``clauses.order_split``), with more of the message beside them, read alone as an order
    question above the hand-off threshold ("did O0000334 arrive? if so can i still exchange it":
    the status first, then the policy, which "order_rest" adds). A return of that order ("I want
    to send O123 back, how?") reads as a return in its own piece and keeps its reading."""
    from shopmind.assistant.clauses import order_split

    if intent not in ("return_refund", "shipping"):
        return False
    own, rest = order_split(text, order_id)
    if not (own and rest):
        return False
    pred = asst.model.predict(own)
    return pred.intent == "order_status" and pred.confidence >= asst.threshold


def off_domain(asst: Assistant, text: str, intent: str | None = None) -> bool:
    """``DomainMargin.off_domain`` at the level ``level_q`` reads (the lowest margin: None)."""
    q = level_q(asst, text)
    d = asst.domain
    return d is not None and (
        d.off_domain(text, intent) if q is None else d.off_domain(text, intent, quantile=q)
    )


def level_q(asst: Assistant, text: str) -> float | None:
    """The hand-off level's quantile (``DomainMargin.level_at``): ``domain.LEVEL_QUANTILE``
    when "level_q" is on; with "foreign_level", ``domain.FOREIGN_QUANTILE`` for a message
    naming a word the shop never uses (``scope.DomainWords.foreign``: "ikea", "顺丰"): two
    weak signals together, where either alone lost policy questions (round 9, round 11)."""
    q = D.LEVEL_QUANTILE if asst.options["level_q"] else None
    if asst.options["foreign_level"] and asst.scope.foreign(text):
        q = max(q or 0.0, D.FOREIGN_QUANTILE)
    return q


def asks_of_order(
    asst: Assistant, text: str, intent: str, conf: float, pred: Prediction | None = None
) -> bool:
    """Whether a brief message after a turn that named an order, naming no order, product or
    category itself (the caller's ``kept``), asks about that order: it points at "it"
    ("is it out for delivery yet?", "它现在什么情况了") — the only thing of the conversation it
    can point at — and reads as nothing the order's status cannot answer (a return, a payment,
    a complaint the classifier is sure of). Round 13: a structural reading of the pronoun
    instead of more words for a parcel's progress (``reading.asks_progress``)."""
    if not (is_brief(text) and refers_to_page(text)):
        return False
    if intent in ("return_refund", "payment", "product_search", "compare"):
        return False
    if (
        intent == "complaint"
        and conf >= asst.threshold
        and asst.options["order_complaint"]
        and pred is not None
    ):
        # "它发出来没有啊，都好几天了": impatient, but the next reading is the order's status
        return [k for k, _ in pred.ranked[:2]][1:] == ["order_status"]
    return intent != "complaint" or conf < asst.threshold


def asks_page_fact(asst: Assistant, text: str, intent: str, conf: float) -> bool:
    """Whether a message on a product's page that names a product fact is that product's
    question: the classifier ranks a product question first but is unsure of it, or it
    points at the page ("these", "this one") and reads as a greeting (a greeting never asks
    a fact: "hey how much r these") or as an unsure off-topic guess. Chosen on round 12's
    dev misses (one each in held-out-7, -10 and -11, all wrong before; no dev reply lost):
    a routing rule over the existing fact cues, no new words."""
    if intent == "product_question":
        return conf < asst.threshold
    if asst.options.get("page_facts") and page_facts(asst, text, conf):
        return True
    if not refers_to_page(text):
        return False
    return intent == "greeting" or (intent == "out_of_scope" and conf < asst.threshold)


def page_facts(asst: Assistant, text: str, conf: float) -> bool:
    """Round 28's "page_facts": on a product's page, a message asking two of the product's facts
    ("before it goes in my basket, tell me the cost and the exact shade": the shop's words made it
    shipping), or pointing at the page with an unsure reading and naming no policy's topic ("这个是
    不是断货了 add to cart 按不了": a return, 0.29), is the page product's question."""
    if len(fields_asked(text, bool(asst.options.get("field_words")))) >= 2:
        return True
    return conf < asst.threshold and refers_to_page(text) and not names_policy(text, asst.policy_concepts)


def shipping_question(asst: Assistant, text: str, any_topic: bool = False) -> bool:
    """Whether the best policy section for ``text`` is a shipping one scoring above the floor
    (``any_topic``, round 16's "no_order_policy": of any topic with an intent, "where's my
    receipt?" is the invoice section's)."""
    hits = asst.policy.search(text, None)
    topic = asst.policy.topic(hits[0][0]) if hits else ""
    return bool(hits) and hits[0][1] > asst.policy_floor and (topic == "shipping" or (any_topic and topic in TOPIC_INTENT))  # fmt: skip
