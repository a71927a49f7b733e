"""The assistant: one turn = understand (intent + slots + context) -> retrieve -> compose -> guard.

``Assistant(engine, products, orders, sections).turn(message, conversation_id, customer_id,
page_product)`` returns a ``Reply``. Facts come only from the served ``SearchEngine`` (products,
with the search layer's query understanding for prices and attributes), the validated order
table and the policy sections; answers are templates filled with them (``answer.py``); the
guard (``guard.py``) checks the final text against the facts it was composed from, and an
optional phraser's text is used only when it passes the same guard.

Privacy: an order is shown only when the message's order id belongs to the ``customer_id`` of
the turn; an unknown id and another customer's id get the same answer (no existence oracle).
The order table may name customers by the workspace's pseudonym (``pseudonym_key``: a shop that
keeps no raw id puts its orders there pseudonymised); the turn's customer id matches either form.
Below ``threshold`` confidence, for complaints and for out-of-scope messages the reply offers a
hand-off to a person and is logged (``handoffs`` and the optional JSON-lines file) with e-mails,
phone numbers and addresses masked and, given ``pseudonym_key``, the conversation as its pseudonym
(the form the turn log and the events hold).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

from shopmind.assistant import answer as A
from shopmind.assistant.clauses import questions
from shopmind.assistant.domain import DomainMargin
from shopmind.assistant.domain import for_shop as domain_for_shop
from shopmind.assistant.guard import unsupported
from shopmind.assistant.intent import Embed, IntentModel, Prediction, default_model
from shopmind.assistant.intent_dense import Normalised, shared_embed
from shopmind.assistant.knowledge import Section, validate_orders
from shopmind.assistant.levels import (
    dense_sure,
    off_topic_level,
    off_topic_thing,
    policy_floor,
    policy_sure,
    sure_section,
)
from shopmind.assistant.phraser import PhraserConfig, PhraserError, phrase
from shopmind.assistant.policy import INTENT_TOPICS, TOPIC_INTENT, PolicyIndex
from shopmind.assistant.reading import (
    FIELD_CUE,
    asks_about_order,
    asks_delivery_time,
    asks_progress,
    fields_asked,
    is_brief,
    is_short,
    only_greeting,
    read_as_indexed,
)
from shopmind.assistant.reply import Reply, _State
from shopmind.assistant.scope import DomainWords, names_policy, names_shop, policy_concepts
from shopmind.assistant.slots import (
    COLOUR_KEYS,
    Slots,
    find_ids,
    fits,
    order_ids,
    refers_to_page,
    understood_slots,
)
from shopmind.privacy import mask_pii, pseudonymise
from shopmind.search.engine import SearchEngine

log = logging.getLogger("shopmind.assistant")

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CHEAPER = re.compile(r"cheaper|less expensive|便宜", re.I)
MAX_CONVERSATIONS = 10_000
#: policy sections one answer quotes at most (a message asking two policy questions gets both)
MAX_SECTIONS = 2
_POLICY_INTENTS = frozenset({"return_refund", "shipping", "payment"})


class Assistant:
    """Grounded shop assistant over one release's catalog, orders and policies."""

    def __init__(
        self,
        engine: SearchEngine,
        products: pl.DataFrame,
        orders: pl.DataFrame | None,
        sections: Iterable[Section],
        model: IntentModel | None = None,
        phraser: PhraserConfig | None = None,
        threshold: float | None = None,
        handoff_log: Path | str | None = None,
        pseudonym_key: bytes | None = None,
        intent_embed: Embed | None = None,
        labelled: Sequence[tuple[str, str, str]] = (),
        labelled_sections: Sequence[tuple[str, str]] = (),
        train_intent: bool = False,
        dense_intent: bool = False,
    ) -> None:
        self.engine = engine
        self.pseudonym_key = pseudonym_key
        sections = list(sections)
        self.model = model or (
            IntentModel.calibrated(embed=intent_embed) if intent_embed else default_model()
        )
        self.phraser = phraser
        # None: the model's own hand-off threshold (chosen on the seed's validation split)
        self.threshold = self.model.threshold if threshold is None else threshold
        self.handoff_log = Path(handoff_log) if handoff_log else None
        self.handoffs: list[dict[str, object]] = []
        cols = [c for c in ("product_id", "title", "price", "currency", "stock", "category_path", "attributes") if c in products.columns]  # fmt: skip
        self.products = {r["product_id"]: r for r in products.select(cols).iter_rows(named=True)}
        titles = products.group_by(pl.col("title").str.to_lowercase().alias("t")).agg(pl.col("product_id"))
        # unique titles grouped by their first word: a message is checked only against the
        # titles whose first word it contains (3,000 titles: ~50 first words, not 3,000 scans)
        self._titles: dict[str, list[tuple[str, str]]] = {}
        for t, ids in titles.iter_rows():
            if t and len(ids) == 1 and len(t) >= 4:
                self._titles.setdefault(t.split()[0], []).append((t, ids[0]))
        for group in self._titles.values():
            group.sort(key=lambda x: -len(x[0]))
        self.orders: dict[str, dict] = {}
        self.rejected_orders: list = []
        if orders is not None:
            accepted, self.rejected_orders = validate_orders(orders, set(self.products))
            self.orders = {r["order_id"]: r for r in accepted.iter_rows(named=True)}
        self.policy = PolicyIndex(sections)
        self.policy_floor = policy_floor(self.policy)
        self.policy_sure = policy_sure(self.policy)
        self.dense_sure = dense_sure(self.policy)
        self.off_topic_level = off_topic_level(self.policy)
        self.scope = DomainWords.for_shop(products.iter_rows(named=True), sections)
        self.policy_concepts = policy_concepts(sections)
        self._categories = products["category_path"].unique().to_list() if "category_path" in products.columns else []  # fmt: skip
        self.domain: DomainMargin | None = None
        if labelled or labelled_sections or train_intent:
            self.fit_labelled(labelled, labelled_sections, train_intent and model is None and intent_embed is None, dense_intent)  # fmt: skip
        self._colour_of = self._colour_map()
        self._conversations: OrderedDict[str, _State] = OrderedDict()

    # ------------------------------------------------------------------ setup
    def fit_labelled(self, labelled: Sequence[tuple[str, str, str]], sections: Sequence[tuple[str, str]] = (), train_intent: bool = False, dense_intent: bool = False) -> None:  # fmt: skip
        """Learn from the shop's own labelled conversations (``intent_dense.labelled_pairs``):
        ``domain`` hands off what lies nearer their out-of-scope examples than any labelled
        policy question does, and the policy ordering leans to the section that answered the
        nearest labelled questions (``sections``: (text, section id)); both need the policy
        encoder. ``train_intent``: the intent model also trains on them (with mUSE vectors when
        ``dense_intent``) — off by default: leave-one-set-out it raised as many dev sets as it
        lowered (docs/BENCHMARKS.md, round 11)."""
        if train_intent:
            pairs = [(t, i) for t, i, _ in labelled]
            self.model = IntentModel.calibrated(extra=pairs, embed=shared_embed() if dense_intent else None)
            self.threshold = self.model.threshold
        self.domain = None
        if self.policy.dense is None:
            return
        self.policy.set_examples(sections, Normalised(shared_embed()))
        if labelled:
            secs = list(self.policy.sections.values())
            self.domain = domain_for_shop(shared_embed(), secs, self._categories, labelled)

    def _colour_map(self) -> dict[str, str]:
        """Catalog colour values in any language -> the English value the graph links."""
        out: dict[str, str] = {}
        parser = self.engine.parser
        for p in self.products.values():
            for a in p.get("attributes") or []:
                k, v = a["key"], a["value"]
                if k in COLOUR_KEYS:
                    out[v] = v.lower()
                elif v not in out and not v.isascii() and parser is not None:
                    for c in parser.parse(v).constraints:
                        alt = dict(c.alternatives)
                        hit = next((alt[x] for x in COLOUR_KEYS if x in alt), None)
                        if hit:
                            out[v] = hit.lower()
                            break
        return out

    def colour(self, p: dict) -> str | None:
        for a in p.get("attributes") or []:
            if a["key"] in COLOUR_KEYS or a["value"] in self._colour_of:
                return self._colour_of.get(a["value"], a["value"].lower())
        return None

    # ------------------------------------------------------------------ a turn
    def turn(
        self,
        message: str,
        conversation_id: str | None = None,
        customer_id: str | None = None,
        page_product: str | None = None,
    ) -> Reply:
        """Answer one message (see the module docstring)."""
        t0 = time.perf_counter()
        text = read_as_indexed(message, getattr(self.engine, "t2s", False))
        lang = "zh" if _CJK.search(text) else "en"
        state = self._state(conversation_id)
        pred = self.model.predict(text)
        slots = self._slots(text, page_product)
        # what the policy parts read: the message, or with the policy question before it
        ask = self._policy_followup(text, state, slots, pred) or text
        if ask is not text:
            pred = self.model.predict(ask)
        intent, conf = pred.intent, pred.confidence
        follow_up = False
        kept = not slots.order_id and state.order_id and not slots.product_ids and not slots.category
        progress = kept and intent != "complaint" and asks_progress(text)  # "when will it get here?"
        if progress or (kept and is_short(text) and (intent == "order_status" or (intent == "shipping" and refers_to_page(text)))):  # fmt: skip
            slots.order_id = state.order_id  # "has it shipped?": the order of the turn before
            intent = "order_status" if progress else intent
        if slots.order_id and (intent not in ("return_refund", "complaint", "shipping") or asks_about_order(text, slots.order_id)):  # fmt: skip
            intent, conf = "order_status", max(conf, 0.5)
        elif len([p for p in slots.product_ids if not slots.from_page]) >= 2:
            intent, conf = "compare", max(conf, 0.5)
        elif slots.product_ids and not slots.from_page and (intent in ("out_of_scope", "greeting") or conf < self.threshold):  # fmt: skip
            intent, conf = "product_question", max(conf, 0.5)  # a message naming one product is about it
        elif slots.from_page and intent == "product_question" and conf < self.threshold and FIELD_CUE.search(text):  # fmt: skip
            # on a product's page, a product question the classifier ranks first but is unsure of
            # that names a fact of a product (price, stock, colour): the page says which product
            intent, conf = "product_question", max(conf, 0.5)
        elif slots.category and (slots.price_max or slots.price_min or slots.attributes) and intent in ("shipping", "payment", "out_of_scope", "greeting"):  # fmt: skip
            intent, conf = "product_search", max(conf, 0.5)  # a category with a price/attribute is a search
        elif state.search_text and not slots.category and (slots.attributes or slots.price_max or slots.price_min) and (intent in ("product_search", "out_of_scope", "greeting", "product_question") or (intent != "complaint" and is_short(text))):  # fmt: skip
            intent, conf, follow_up = "product_search", max(conf, 0.5), True
        in_domain = follow_up or names_shop(ask, slots, self.policy, self.policy_floor)
        if conf < self.threshold and intent in ("greeting", "out_of_scope") and only_greeting(text):
            intent, conf = "greeting", max(conf, 0.5)  # "cheers, that's all I needed" (``only_greeting``)
        elif not in_domain and pred.confidence < self.threshold:
            # nothing of a shop in it (no concept, id, product, category or price), the classifier
            # unsure: out of scope, whatever its weak guess was
            intent, conf = "out_of_scope", 1.0 - pred.confidence
        elif intent == "out_of_scope" and conf < self.threshold:
            # the mirror case: an unsure off-topic guess for a message in the shop's words is
            # overruled by them, the classifier's next reading stands (still unsure: it routes
            # a policy question or hands off as unsure, it is never answered off-topic)
            intent, conf = next((k, pr) for k, pr in pred.ranked if k != "out_of_scope")
        policy_mass = sum(pr for k, pr in pred.ranked if k in _POLICY_INTENTS)
        no_order = intent == "order_status" and not slots.order_id and not state.order_id
        if no_order and self._shipping_question(ask):
            # an order question naming no order ("where can I follow my parcel?") that a shipping
            # section matches above the floor: answered from that section (with the request for
            # the order number), the order and shipping readings' confidence together
            intent, policy_mass = "shipping", policy_mass + dict(pred.ranked)["order_status"]
        else:
            no_order = False
        shop_thing = slots.order_id or slots.product_ids or slots.category or slots.attributes or slots.price_max or slots.price_min  # fmt: skip
        when = not (shop_thing or state.order_id or follow_up) and intent in (*_POLICY_INTENTS, "out_of_scope", "product_search") and asks_delivery_time(ask)  # fmt: skip
        if when:  # "if I buy now when would it arrive?": delivery times, not a refund's (``reading``)
            intent, conf = "shipping", max(conf, self.threshold)
        elif intent == "product_search" and conf >= self.threshold and not (shop_thing or follow_up) and names_policy(ask, self.policy_concepts):  # fmt: skip
            # nothing to search for, a policy's topic: its best section's topic decides (``scope``)
            intent = next((TOPIC_INTENT.get(self.policy.topic(h), intent) for h, _ in self.policy.search(ask, None)[:1]), intent)  # fmt: skip
        if intent in _POLICY_INTENTS:
            # a policy question: the classifier says so, the retriever picks the section (and
            # with it the topic) over all sections, both languages, its question lines included
            hits = self.policy.search(ask, ("shipping",) if when else None)
            if hits and hits[0][1] > 0:
                intent, conf = TOPIC_INTENT.get(self.policy.sections[hits[0][0]].topic, intent), policy_mass
                conf = max(conf, self.threshold) if when else conf
            if not (shop_thing or follow_up) and off_topic_thing(self.policy, ask, self.off_topic_level):
                intent, conf = "out_of_scope", max(conf, 0.5)  # "how do I return a rental car?"
        sure = None  # a message naming no order or product: its section may answer it
        if conf < self.threshold and not (slots.order_id or slots.product_ids or follow_up):
            sure = sure_section(self.policy, self.policy_sure, ask, self.dense_sure)
        elif intent == "out_of_scope" and not (slots.order_id or slots.product_ids or follow_up or off_topic_thing(self.policy, ask, self.off_topic_level)):  # fmt: skip
            # an off-topic reading the classifier is sure of: only the encoder's level may overrule
            # it (BM25 shares words with "return a rental car"; meaning is what the level reads);
            # a message naming an off-topic thing must pass the higher ``off_topic_level`` first
            sure = sure_section(self.policy, float("inf"), ask, self.dense_sure)
        if sure:  # unsure reading, but a section matches as no hand-off message of the seed does
            intent = TOPIC_INTENT.get(self.policy.sections[sure].topic, intent)
        if intent == "product_search" and conf >= self.threshold and not (shop_thing or follow_up) and self.scope.foreign(ask):  # fmt: skip
            intent, conf = "out_of_scope", max(conf, 0.5)  # "novels?": not a word of this shop (``scope``)
        if intent in _POLICY_INTENTS and (sure or conf >= self.threshold) and not (shop_thing or follow_up or state.order_id or ask is not text) and self.domain is not None and self.domain.off_domain(text):  # fmt: skip
            intent, conf = "out_of_scope", max(conf, 0.5)  # nearer what the shop hands off (``domain``)
        if intent in ("complaint", "out_of_scope"):
            c = A.Composed(A.CANNED[intent][lang])
            handoff = True
        elif conf < self.threshold and not sure:
            c, handoff = A.Composed(A.CANNED["unsure"][lang]), True
        else:
            c, handoff = self._compose(
                intent,
                text,
                lang,
                slots,
                state,
                customer_id,
                page_product,
                follow_up,
                ask,
                ("shipping",) if when else None,
            )
            if no_order and not handoff:
                more = A.order_refused(None, lang, bool(customer_id)).text
                c = A.Composed(
                    f"{c.text}{'' if lang == 'zh' else ' '}{more}", c.facts, c.citations, c.suggested
                )
        reply = Reply(c.text, intent, round(conf, 4), lang, slots.as_dict(), c.citations, c.suggested, handoff, c.facts)  # fmt: skip
        self._finish(reply, text, lang)
        if handoff:
            self._log_handoff(reply, text, conversation_id)
        if reply.suggested:
            state.products = reply.suggested
        if slots.order_id:
            state.order_id = slots.order_id
        answered_policy = not handoff and any(c["type"] == "policy" for c in reply.citations)
        state.policy_text = ask[-200:] if answered_policy else ""
        reply.ms = round((time.perf_counter() - t0) * 1e3, 3)
        return reply

    def _policy_followup(self, text: str, state: _State, slots: Slots, own: Prediction) -> str | None:
        """The message read with the policy question of the turn before ("你们发国外吗" then
        "大概要多少天": how long *international* delivery takes), or None. Only for a brief
        message (``reading.is_brief``) right after a policy answer, naming no order, product or category,
        that is not understood alone — the classifier is sure of no intent, or it reads a policy
        question whose best section scores no higher than ``policy_floor`` (a self-contained
        question such as "and can I exchange it instead?" keeps its own words) — and whose reading
        together with the question before is a policy question. Why: a follow-up's words alone
        point at another section (the days of standard delivery)."""
        if (
            not state.policy_text
            or slots.order_id
            or slots.product_ids
            or slots.category
            or not is_brief(text)
        ):
            return None
        if own.confidence >= self.threshold:
            hits = self.policy.search(text, None)
            if own.intent not in _POLICY_INTENTS or (hits and hits[0][1] > self.policy_floor):
                return None
        ask = f"{state.policy_text} {text}"
        return ask if self.model.predict(ask).intent in _POLICY_INTENTS else None

    def _shipping_question(self, text: str) -> bool:
        """Whether the best policy section for ``text`` is a shipping one scoring above the floor."""
        hits = self.policy.search(text, None)
        return bool(hits) and hits[0][1] > self.policy_floor and self.policy.topic(hits[0][0]) == "shipping"

    def _state(self, conversation_id: str | None) -> _State:
        if conversation_id is None:
            return _State()
        st = self._conversations.pop(conversation_id, None) or _State()
        self._conversations[conversation_id] = st
        while len(self._conversations) > MAX_CONVERSATIONS:
            self._conversations.popitem(last=False)
        return st

    def _slots(self, text: str, page_product: str | None) -> Slots:
        s = Slots()
        oids = order_ids(text, self.orders)
        s.order_id = oids[0] if oids else None
        ids = [tok for tok, _ in find_ids(text) if tok in self.products]
        low, rest = text.lower(), text
        if not ids:
            named = [
                (t, pid)
                for first, group in self._titles.items()
                if first in low
                for t, pid in group
                if t in low
            ]
            if named:  # a product named by its title (the longest); its words are not search slots
                t, pid = max(named, key=lambda x: len(x[0]))
                at = low.find(t)
                ids, rest = [pid], text[:at] + " " + text[at + len(t) :]
        if not ids and page_product in self.products and (refers_to_page(text) or not s.order_id):
            ids, s.from_page = [page_product], True  # type: ignore[list-item]
        s.product_ids = list(dict.fromkeys(ids))
        if self.engine.parser is not None:
            understood_slots(self.engine.parser.parse(rest), self._colour_of, s)
        return s

    def _compose(self, intent: str, text: str, lang: str, slots: Slots, state: _State, customer_id: str | None, page_product: str | None, follow_up: bool, ask: str | None = None, topics: tuple[str, ...] | None = None) -> tuple[A.Composed, bool]:  # fmt: skip
        """The answer for ``intent``; a policy section is retrieved for ``ask`` (the message, or a
        follow-up with the question before it) among ``topics`` (None: all), the clauses of a
        multi-part question are the message's own."""
        if intent == "order_status":
            o = self.orders.get(slots.order_id or "")
            if o is None or not customer_id or o["customer_id"] not in self._customer_forms(customer_id):
                return A.order_refused(slots.order_id, lang, bool(customer_id)), False
            titles = {
                it["product_id"]: self.products.get(it["product_id"], {}).get("title", "")
                for it in o["items"]
            }
            c = A.order_answer(o, titles, lang)
            more = self._clause_sections(text, (), skip=o["order_id"])
            if more:  # "has it arrived and how long do I have to return it?": the policy too
                p = A.policy_answer(more[0], lang, tuple(more[1:]))
                c = A.Composed(f"{c.text}{'' if lang == 'zh' else ' '}{p.text}", c.facts + p.facts, c.citations + p.citations)  # fmt: skip
            return c, False
        if intent in INTENT_TOPICS:
            hits = self.policy.search(ask or text, topics)
            if not hits:
                return A.Composed(A.CANNED["unsure"][lang]), True
            top = self.policy.sections[hits[0][0]]
            return A.policy_answer(top, lang, tuple(self._clause_sections(text, (top.id,)))), False
        if intent == "product_question":
            if not slots.product_ids:
                return A.Composed(A.CANNED["ask_product"][lang]), False
            p = self.products[slots.product_ids[0]]
            return A.product_answer(p, fields_asked(text), lang, self.colour(p)), False
        if intent == "compare":
            ids = list(slots.product_ids)
            if len(ids) < 2 and page_product in self.products and page_product not in ids:
                ids.append(page_product)  # type: ignore[arg-type]
            if len(ids) < 2:
                return A.Composed(A.CANNED["ask_product"][lang]), False
            return A.compare_answer([self.products[i] for i in ids[:4]], lang), False
        if intent == "product_search":
            return self._search(text, lang, slots, state, follow_up), False
        return A.Composed(A.CANNED["greeting"][lang]), False

    def _clause_sections(self, text: str, have: tuple[str, ...], skip: str | None = None) -> list[Section]:
        """Sections a multi-part message asks for beyond ``have``: for each of its asked clauses
        (``clauses.questions``: only when two or more clauses are questions, none naming ``skip``,
        the order id) that the classifier reads as a policy question above the hand-off
        threshold, the clause's own top section; at most ``MAX_SECTIONS`` in all."""
        parts = questions(text)
        if not parts:
            return []
        self.policy.prefetch([text, *parts])  # one batched encoding for the message and its clauses
        out: list[str] = []
        for part in parts:
            if skip and skip.lower() in part.lower():
                continue
            pred = self.model.predict(part)
            mass = sum(pr for k, pr in pred.ranked if k in _POLICY_INTENTS)
            hits = self.policy.search(part, None, k=1)
            if mass >= self.threshold and hits and hits[0][1] > 0 and hits[0][0] not in (*have, *out):
                out.append(hits[0][0])
        return [self.policy.sections[s] for s in out[: MAX_SECTIONS - len(have)]]

    def _search(self, text: str, lang: str, slots: Slots, state: _State, follow_up: bool) -> A.Composed:
        query = text
        if follow_up:
            query = f"{state.search_text} {text}"
            prev = Slots()
            if self.engine.parser is not None:
                understood_slots(self.engine.parser.parse(state.search_text), self._colour_of, prev)
            slots.category = slots.category or prev.category
            if slots.price_min is None and slots.price_max is None:
                slots.price_min, slots.price_max, slots.currency = (
                    prev.price_min,
                    prev.price_max,
                    prev.currency,
                )
            slots.attributes = {**prev.attributes, **slots.attributes}
        if slots.from_page and _CHEAPER.search(text):  # "cheaper than this one": same category, lower price
            p = self.products[slots.product_ids[0]]
            slots.category, slots.currency = p.get("category_path"), p.get("currency")
            slots.price_max = p["price"] - 0.01
            query = str(p.get("category_path") or "").split(" > ")[-1]
        state.search_text = query
        resp = self.engine.search(query, size=50, facets=(), highlight=False)
        if not resp.filters.get("categories") and slots.category_source == "synonym":
            # the engine dropped a synonym's category that matched nothing ("手机壳" read as
            # phones): the customer's price and attributes still hold, that reading does not
            slots.category = None
        picked = []
        for h in resp.hits:
            p = self.products.get(h.product_id)
            if p is not None and fits(p, slots, self.colour) and h.product_id not in slots.product_ids:
                picked.append(p)
            if len(picked) == 3:
                break
        return A.search_answer(picked, lang)

    # ------------------------------------------------------------------ guard, phraser, log
    def _finish(self, reply: Reply, message: str, lang: str) -> None:
        bad = unsupported(reply.answer, reply.facts)
        if bad:  # a template bug must never reach a customer: hand off instead
            reply.notes.append(f"template answer failed the guard ({', '.join(bad)}); handed off")
            reply.answer, reply.handoff, reply.citations, reply.suggested = (
                A.CANNED["unsure"][lang],
                True,
                [],
                [],
            )
            return
        if self.phraser is None or not reply.facts:
            return
        try:
            text = phrase(self.phraser, message, reply.answer, reply.facts, lang)
        except PhraserError as e:
            reply.notes.append(str(e))
            return
        bad = unsupported(text, reply.facts)
        if bad:
            reply.notes.append(f"phrased answer rejected by the guard: {', '.join(bad)} not in the facts")
            log.warning("assistant phraser rejected: %s", ", ".join(bad))
            return
        reply.answer, reply.phrased = text, True

    def _customer_forms(self, customer_id: str) -> set[str]:
        """The customer's id as an order row may name them: as given, or its pseudonym."""
        key = self.pseudonym_key
        return {customer_id} if key is None else {customer_id, pseudonymise(customer_id, key)}

    def _log_handoff(self, reply: Reply, message: str, conversation_id: str | None) -> None:
        if conversation_id and self.pseudonym_key is not None:
            conversation_id = pseudonymise(conversation_id, self.pseudonym_key)
        rec = {"ts": time.time(), "conversation_id": conversation_id, "message": mask_pii(message), "intent": reply.intent, "confidence": reply.confidence}  # fmt: skip
        self.handoffs.append(rec)
        del self.handoffs[:-1000]
        log.info("assistant hand-off: intent=%s confidence=%.2f", reply.intent, reply.confidence)
        if self.handoff_log is not None:
            with self.handoff_log.open("a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
