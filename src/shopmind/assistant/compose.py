"""The answer for an intent the turn has settled on: an order's status (for its own customer only),
a policy section (with the other sections a multi-part message asks for), a product's facts, a
comparison, or a product search.

Split from ``core`` in round 12: ``core`` decides *what* a message asks (intent, slots, context,
hand-off); this module retrieves the facts and fills the templates of ``answer``. The behaviour
is the one ``core`` had (checked answer for answer on the dev sets, docs/BENCHMARKS.md).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from shopmind.assistant import answer as A
from shopmind.assistant.clauses import names_order, questions
from shopmind.assistant.knowledge import Section
from shopmind.assistant.policy import INTENT_TOPICS
from shopmind.assistant.reading import asks_order_progress, fields_asked, names_gift
from shopmind.assistant.reply import _State
from shopmind.assistant.slots import Slots, fits, read_ceilings, understood_slots
from shopmind.search.query import Filters

if TYPE_CHECKING:
    from shopmind.assistant.core import Assistant

_CHEAPER = re.compile(r"cheaper|less expensive|便宜", re.I)
#: round 29's "cheaper_kept": a follow-up asking for cheaper ones than the search just listed
CHEAPER_THAN_SHOWN = re.compile(r"cheaper|less expensive|more affordable|lower[- ]pric|便宜|实惠", re.I)
#: policy sections one answer quotes at most (a message asking two policy questions gets both)
MAX_SECTIONS = 2
#: round 16's "clause_topic": a bare clause's best section in the message's topic must score above
#: this share of ``policy_floor`` (1.0: the floor itself; 0: any word shared with it). Chosen
#: leave-one-set-out on the 16 dev sets: 1.0 raised answers with every fact right by 2 (2 sets up,
#: 0 down), 0 by 4 (4 up, 0 down) - the clause is already asked and in the message's topic
CLAUSE_TOPIC_FLOOR = 0.0
#: round 18's "clause_near": how many of an asked clause's best sections are read for a quoted one
NEAR_K = 2
#: intents answered from a policy section
POLICY_INTENTS = frozenset({"return_refund", "shipping", "payment"})


def compose(asst: Assistant, intent: str, text: str, lang: str, slots: Slots, state: _State, customer_id: str | None, page_product: str | None, follow_up: bool, ask: str | None = None, topics: tuple[str, ...] | None = None) -> tuple[A.Composed, bool]:  # fmt: skip
    """The answer for ``intent`` and whether it hands off; a policy section is retrieved for
    ``ask`` (the message, or a follow-up with the question before it) among ``topics`` (None:
    all), the clauses of a multi-part question are the message's own."""
    from shopmind.assistant.followup import anaphoric  # followup imports this module

    if intent == "order_status":
        o = asst.orders.get(slots.order_id or "")
        if o is None or not customer_id or o["customer_id"] not in asst.customer_forms(customer_id):
            c = A.order_refused(slots.order_id, lang, bool(customer_id))
            # round 27's "refused_policy": the order's data is private, the policy asked beside it
            # is public ("where is my order O… and how long do returns take?" without a customer id)
            return (with_policy(asst, c, text, lang, slots.order_id) if asst.options.get("refused_policy") else c), False  # fmt: skip
        titles = {
            it["product_id"]: asst.products.get(it["product_id"], {}).get("title", "") for it in o["items"]
        }
        return with_policy(asst, A.order_answer(o, titles, lang), text, lang, o["order_id"]), False
    if intent in INTENT_TOPICS:
        hits = asst.policy.search(ask or text, topics)
        joint = bool(hits and ask and ask is not text and ask.endswith(text))  # not an asked clause
        if joint and asst.options.get("followup_prior") and not anaphoric(asst, text):
            hits = prior_hits(asst, text, ask, hits)  # type: ignore[arg-type]
        elif joint and asst.options.get("followup_own") and not anaphoric(asst, text):
            # a follow-up read with the question before it ("warranty 多久" then "怎么 claim"):
            # the joint text finds the earlier section again; the message's own best section
            # answers when it scores above the floor in the same topic as the joint reading
            own = asst.policy.search(text, topics)
            if own and own[0][1] > asst.policy_floor and asst.policy.topic(own[0][0]) == asst.policy.topic(hits[0][0]):  # fmt: skip
                hits = own
        elif hits and not joint and asst.options.get("asked_piece"):
            hits = asked_hits(asst, text, hits)
        if not hits:
            return A.Composed(A.CANNED["unsure"][lang]), True
        top = asst.policy.sections[hits[0][0]]
        secs = [top, *clause_sections(asst, text, (top.id,))]
        if len(secs) > 1 and asst.options.get("clause_order"):
            secs = in_clause_order(asst, text, secs)
        return A.policy_answer(secs[0], lang, tuple(secs[1:])), False
    if intent == "product_question":
        if not slots.product_ids:
            return A.Composed(A.CANNED["ask_product"][lang]), False
        p = asst.products[slots.product_ids[0]]
        return A.product_answer(p, fields_asked(text, bool(asst.options.get("field_words"))), lang, asst.colour(p)), False  # fmt: skip
    if intent == "compare":
        ids = list(slots.product_ids)
        if len(ids) < 2 and page_product in asst.products and page_product not in ids:
            ids.append(page_product)  # type: ignore[arg-type]
        if len(ids) < 2:
            return A.Composed(A.CANNED["ask_product"][lang]), False
        return A.compare_answer([asst.products[i] for i in ids[:4]], lang), False
    if intent == "product_search":
        return search(asst, text, lang, slots, state, follow_up), False
    return A.Composed(A.CANNED["greeting"][lang]), False


def with_policy(asst: Assistant, c: A.Composed, text: str, lang: str, order_id: str | None) -> A.Composed:
    """An order answer (its status, or its refusal) followed by the policy sections the message
    asks beside the order: its other asked clauses (``clause_sections``) or, when the order's own
    piece asks its progress, the rest's section (``rest_sections``)."""
    more = clause_sections(asst, text, (), skip=order_id)
    if not more and order_id and (asst.options.get("order_rest") or (asst.options.get("order_clause") and asks_order_progress(text, order_id, bool(asst.options.get("progress_words"))))):  # fmt: skip
        # round 26's "order_clause": the order's piece asks its progress, the rest its own matter
        # ("O0003006发了吗 发票是随包裹寄还是发邮箱": no second piece worded as a question)
        more = rest_sections(asst, text, order_id)
    if not more:
        return c
    # "has it arrived and how long do I have to return it?": the policy too
    p = A.policy_answer(more[0], lang, tuple(more[1:]))
    return A.Composed(f"{c.text}{'' if lang == 'zh' else ' '}{p.text}", c.facts + p.facts, c.citations + p.citations)  # fmt: skip


def rest_sections(asst: Assistant, text: str, order_id: str) -> list[Section]:
    """Round 21's "order_rest": the section a message naming an order asks beside the order's status
    - its words outside the pieces naming the order (``clauses.order_split``), when the classifier
    reads them as a policy question above the hand-off threshold and their best section scores
    above the floor (``levels.policy_floor``). Why: 7 of round 20's 13 two-part misses named an
    order and asked a policy question in a piece not worded as a question ("O0003006发了吗 发票是随包
    裹寄还是发邮箱"), which ``clause_sections`` never cuts; the answer gave the status alone."""
    from shopmind.assistant.clauses import order_split

    _, rest = order_split(text, order_id)
    if not rest:
        return []
    pred = asst.model.predict(rest)
    mass = sum(pr for k, pr in pred.ranked if k in POLICY_INTENTS)
    hits = asst.policy.search(rest, None, k=1)
    if mass >= asst.threshold and hits and hits[0][1] > asst.policy_floor:
        return [asst.policy.sections[hits[0][0]]]
    return []


#: round 22's "asked_piece": the weight of a story's asked piece's ordering against the whole message's
ASKED_PIECE_WEIGHT = 1.0


def asked_hits(asst: Assistant, text: str, hits: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Round 22's "asked_piece": a message told as a story and one question (``clauses.asked_after_story``)
    is answered from the section of its leading topic that the whole message's ordering plus
    ``ASKED_PIECE_WEIGHT`` x the asked piece's own ordering puts first; never another topic, and
    unchanged when the asked piece matches no section of that topic. Why: 21 of round 21's dev misses
    were the wrong section inside the right topic, most of them a story whose words name a sibling
    section ("tags still on, never worn - am I still inside the return period?" quoted the worn-items
    section, "won't switch on ... what's the process to get it sorted" the warranty period)."""
    from shopmind.assistant.clauses import asked_after_story

    piece = asked_after_story(text)
    if piece is None:
        return hits
    topic = (asst.policy.topic(hits[0][0]),)
    own = asst.policy.ordering(piece, topic)
    if not own:
        return hits
    whole = asst.policy.ordering(text, topic)
    return _weighted_order(hits, whole, own, ASKED_PIECE_WEIGHT, set(own) | set(whole))


#: round 21's "followup_prior": the weight of the joint reading's ordering against the follow-up's own
FOLLOWUP_PRIOR = 0.5


def prior_hits(asst: Assistant, text: str, ask: str, hits: list[tuple[str, float]]) -> list[tuple[str, float]]:  # fmt: skip
    """Round 21's "followup_prior": a follow-up read with the question before it (``ask``, whose
    sections are ``hits``) answered from the section of the joint reading's topic that its *own*
    words put first, the joint reading's ordering added at ``FOLLOWUP_PRIOR`` as a prior. Unchanged
    when its own words match no section of that topic. Why: 8 of round 20's 23 in-topic misses
    were follow-ups ("ok and how do i actually send it back?" after a return-window question) whose
    joint text found the earlier section again; "followup_own" lets the message's own best section
    answer only when it is above the floor over all topics, which a brief follow-up seldom is."""
    topic = (asst.policy.topic(hits[0][0]),)
    own = asst.policy.ordering(text, topic)
    if not own:
        return hits
    prior = asst.policy.ordering(ask, topic)
    return _weighted_order(hits, own, prior, FOLLOWUP_PRIOR, set(own) | set(prior))


def _weighted_order(
    hits: list[tuple[str, float]],
    base: dict[str, float],
    extra: dict[str, float],
    weight: float,
    sections: set[str],
) -> list[tuple[str, float]]:
    """``sections`` ordered by ``base + weight * extra`` (a section missing from one ordering takes that
    ordering's lowest score), each with its BM25 score from ``hits``; ties keep ``sections``' order."""
    low_base, low_extra = min(base.values(), default=0.0), min(extra.values(), default=0.0)
    ids = sorted(sections, key=lambda s: -(base.get(s, low_base) + weight * extra.get(s, low_extra)))
    bm25 = dict(hits)
    return [(s, bm25.get(s, 0.0)) for s in ids]


def clause_sections(asst: Assistant, text: str, have: tuple[str, ...], skip: str | None = None) -> list[Section]:  # fmt: skip
    """Sections a multi-part message asks for beyond ``have``: for each of its asked clauses
    (``clauses.questions``: only when two or more clauses are questions, none naming ``skip``,
    the order id) that the classifier reads as a policy question above the hand-off
    threshold, the clause's own top section; at most ``MAX_SECTIONS`` in all."""
    o = asst.options
    parts = questions(text, o.get("clause_cues", False), o.get("clause_syntax", False), o.get("clause_lead", False), o.get("clause_space", False))  # fmt: skip
    if not parts:
        return []
    asst.policy.prefetch([text, *parts])  # one batched encoding for the message and its clauses
    out: list[str] = []
    # round 17's "clause_floor": a clause read alone adds its section only above the floor a
    # hand-off message reaches (``levels.policy_floor``), as a whole message must to be in the domain
    floor = asst.policy_floor if asst.options.get("clause_floor") else 0.0
    # round 20's "pair_whole": the in-topic tie-break (``section_pair``, learnt on whole questions)
    # orders the sections of the message, not of a clause read alone
    pair = not o.get("pair_whole")
    for part in parts:
        if skip and (skip.lower() in part.lower() or (o.get("order_clause") and names_order(part, skip))):
            continue  # the order's own clause ("O-0001234 到了吗": its digits, round 26) asks no policy
        pred = asst.model.predict(part)
        mass = sum(pr for k, pr in pred.ranked if k in POLICY_INTENTS)
        hits = asst.policy.search(part, None, k=1, pair=pair)
        if mass >= asst.threshold and hits and hits[0][1] > floor and hits[0][0] not in (*have, *out):
            if asst.options.get("clause_near") and near_quoted(asst, part, (*have, *out)):
                continue
            out.append(hits[0][0])
        elif have and asst.options.get("clause_topic") and not (mass >= asst.threshold and hits and hits[0][0] in have):  # fmt: skip
            # round 16: a clause too bare to read alone ("... and what isn't covered?") asks
            # within the topic of the message's section; its best section there answers when it
            # scores above the floor (the words a policy shares with no hand-off message)
            topic = asst.policy.topic(have[0])
            found = asst.policy.search(part, (topic,), k=3, pair=pair)
            if asst.options.get("clause_in_have") and found and found[0][0] in (*have, *out):
                # round 17: the clause's best section in the topic is quoted already - it asks
                # what the answer says (the next best of the topic is a section nobody asked for)
                continue
            own = [h for h in found if h[0] not in (*have, *out)]
            if own and own[0][1] > CLAUSE_TOPIC_FLOOR * asst.policy_floor:
                out.append(own[0][0])
    return [asst.policy.sections[s] for s in out[: MAX_SECTIONS - len(have)]]


def near_quoted(asst: Assistant, part: str, quoted: tuple[str, ...]) -> bool:
    """Round 18's "clause_near": whether a section the answer quotes already is the asked clause's
    runner-up (``NEAR_K`` best over all topics) - then that section answers it too and the
    clause adds none. Why: round 17's dev answers quoting an unasked section mostly add a clause's
    own best section where the section quoted already answers it ("can you ship to the uk? how
    long would that take": labelled with the international section alone, which gives its days)."""
    return any(sid in quoted for sid, _ in asst.policy.search(part, None, k=NEAR_K))


def in_clause_order(asst: Assistant, text: str, secs: list[Section]) -> list[Section]:
    """Round 18's "clause_order": the sections of a multi-part answer in the order the message
    asks them - a section's place is the first asked clause whose best section it is (over all
    topics, else within its own topic); one no clause names keeps its place after them. Why:
    the whole message's best section led the answer and named its intent, so "how long does
    delivery take and how long do i have to return it?" was filed as a return question; the
    first question asked is what the message is about (the labelled intent of a two-part
    question is its first part's)."""
    o = asst.options
    parts = questions(text, o.get("clause_cues", False), o.get("clause_syntax", False), o.get("clause_lead", False), o.get("clause_space", False))  # fmt: skip
    place: dict[str, int] = {}
    for i, part in enumerate(parts):
        for s in secs:
            if s.id in place:
                continue
            best = asst.policy.search(part, None, k=1) or asst.policy.search(part, (s.topic,), k=1)
            if best and best[0][0] == s.id:
                place[s.id] = i
    return sorted(secs, key=lambda s: place.get(s.id, len(parts)))


def sure_topics(asst: Assistant, where: str, intent: str, conf: float, hits: list[tuple[str, float]]) -> tuple[str, ...] | None:  # fmt: skip
    """Round 18's "sure_topic": the policy topics a question is answered from when the classifier
    is sure of a policy intent (``intent`` at ``conf`` at or above the hand-off threshold) whose
    topics the retriever's best section (``hits``) is not in, and a section of those topics
    matches ``where`` above the floor: those topics (else None, all). Why: the retriever ranks
    sections over every topic and its best section's topic overrules the classifier, so "who
    pays the postage when I send something back?" was answered from free delivery (shipping)
    though the classifier read a return; the classifier was trained on the shop's labelled
    questions, the retriever's words ("postage") are shared by both topics."""
    from shopmind.assistant.policy import INTENT_TOPICS

    topics = INTENT_TOPICS.get(intent) if intent in POLICY_INTENTS else None
    if not topics or conf < asst.threshold or not hits or asst.policy.topic(hits[0][0]) in topics:
        return None
    own = asst.policy.search(where, topics)
    return topics if own and own[0][1] > asst.policy_floor else None


def search(asst: Assistant, text: str, lang: str, slots: Slots, state: _State, follow_up: bool) -> A.Composed:
    """Up to three products the engine finds for the message (with the conversation's earlier
    search for a follow-up, or "cheaper than this one") that fit its price and attributes."""
    query = text
    colour_of = asst.catalog.colour_of
    if follow_up:
        query = f"{state.search_text} {text}"
        prev = Slots()
        if asst.engine.parser is not None:
            u = asst.engine.parser.parse(state.search_text)
            understood_slots(u, colour_of, prev)
            if asst.options.get("price_ceiling"):
                read_ceilings(u, prev, bool(asst.options.get("ceiling_words")), bool(asst.options.get("ceiling_most")))  # fmt: skip
        slots.category = slots.category or prev.category
        if slots.price_min is None and slots.price_max is None:
            slots.price_min, slots.price_max, slots.currency = (prev.price_min, prev.price_max, prev.currency)  # fmt: skip
        slots.attributes = {**prev.attributes, **slots.attributes}
    shown = [asst.products[p] for p in state.products if p in asst.products]
    cheaper = follow_up and asst.options.get("cheaper_kept") and shown and not slots.from_page and CHEAPER_THAN_SHOWN.search(text)  # fmt: skip
    if cheaper:  # round 29: "cheaper ones?" after a search - the same search, below the dearest
        high = max(shown, key=lambda p: p["price"])  # listed, none of those it listed again
        if asst.options.get("cheaper_low"):  # round 30: cheaper than what the shopper saw - the cheapest
            high = min(shown, key=lambda p: p["price"])
        slots.price_min, slots.price_max, slots.currency = None, high["price"] - 0.01, high.get("currency")
        query = state.search_text
    if slots.from_page and _CHEAPER.search(text):  # "cheaper than this one": same category, lower price
        p = asst.products[slots.product_ids[0]]
        slots.category, slots.currency = p.get("category_path"), p.get("currency")
        slots.price_max = p["price"] - 0.01
        query = str(p.get("category_path") or "").split(" > ")[-1]
    state.search_text = query
    query, bounds = _ceiling_query(asst, query, slots)
    if cheaper:  # the engine's own hits are filtered by the bound, not only its first 50
        bounds = Filters(price_max=slots.price_max, currency=slots.currency)
    resp = asst.engine.search(query, bounds, size=50, facets=(), highlight=False)
    if not resp.filters.get("categories") and slots.category_source == "synonym":
        # the engine dropped a synonym's category that matched nothing ("手机壳" read as
        # phones): the customer's price and attributes still hold, that reading does not
        slots.category = None
    picked = []
    for h in resp.hits:
        p = asst.products.get(h.product_id)
        if p is not None and fits(p, slots, asst.colour) and h.product_id not in slots.product_ids and not (cheaper and h.product_id in state.products):  # fmt: skip
            picked.append(p)
        if len(picked) == 3:
            break
    if not picked and asst.options.get("gift_browse") and names_gift(text) and (slots.price_min is not None or slots.price_max is not None):  # fmt: skip
        picked = gift_browse(asst, slots)
    return A.search_answer(picked, lang)


def gift_browse(asst: Assistant, slots: Slots) -> list[dict]:
    """Up to three of the shop's most popular products within a gift query's price (and its
    category and colour when named). Round 24's "gift_browse": "gift for my mother under 50"
    matched no product by its words - who a gift is for names no product - and the answer found
    nothing although the budget is the whole of what was asked."""
    bounds = Filters(price_min=slots.price_min, price_max=slots.price_max, currency=slots.currency)
    resp = asst.engine.search("", bounds, size=50, facets=(), highlight=False)
    picked = [p for h in resp.hits if (p := asst.products.get(h.product_id)) is not None and fits(p, slots, asst.colour)]  # fmt: skip
    return picked[:3]


def _ceiling_query(asst: Assistant, query: str, slots: Slots) -> tuple[str, Filters | None]:
    """The text and price filter sent to the engine: with ``ceiling_query``, a price phrase the
    assistant reads otherwise than the engine ("nothing over $100": at most 100, the engine's
    pattern a floor of 100) is cut from the text and the assistant's bounds go as the filter.
    Why (round 14): the engine's floor kept only products of $100 and more, the assistant's
    ceiling then dropped them all, and the answer suggested nothing."""
    if not asst.options.get("ceiling_query") or asst.engine.parser is None:
        return query, None
    if slots.price_min is None and slots.price_max is None:
        return query, None
    u = asst.engine.parser.parse(query)
    spans = [c.span for c in u.constraints if c.kind == "price" and c.source == "pattern" and (c.price_min, c.price_max) != (slots.price_min, slots.price_max)]  # fmt: skip
    if not spans:
        return query, None
    q = u.query
    for a, b in sorted(spans, reverse=True):
        q = f"{q[:a]} {q[b:]}"
    return " ".join(q.split()), Filters(
        price_min=slots.price_min, price_max=slots.price_max, currency=slots.currency
    )
