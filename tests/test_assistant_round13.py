"""Issue 13, round 13: the intent model learns from the shop's labelled conversations by default
(n-grams + the policy encoder's vectors) in one encoder call per turn, and round 13's structural
candidates. Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.assistant.core import Assistant
from shopmind.assistant.domain import DomainMargin
from shopmind.assistant.intent import Prediction, default_model
from shopmind.assistant.intent_dense import shared_embed
from shopmind.assistant.knowledge import load_policies
from shopmind.assistant.slots import Slots, read_ceilings, understood_slots
from shopmind.demo.policies import policy_files
from shopmind.search.engine import SearchConfig, SearchEngine
from test_assistant_context import ORDERS, PRODUCTS
from test_assistant_round11 import LABELLED, _bag


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine.build(PRODUCTS, None, SearchConfig(encoder=None, ltr="off"))


@pytest.fixture(scope="module")
def asst(engine) -> Assistant:
    return Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()), labelled=LABELLED)


def test_labelled_conversations_train_the_intent_model_with_vectors(engine, asst) -> None:
    plain = Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()))
    assert plain.model is default_model() and plain.model.dense is None  # no labels: the seed's model
    m = asst.model
    assert m is not default_model() and m.dense is not None and m.embed is shared_embed()
    assert m.dense.shape == (512, len(m.labels)) and asst.threshold == m.threshold == 0.5
    # the shop's labelled phrasings are training texts: more of them read as labelled
    right = sum(m.predict(t).intent == i for t, i, _ in LABELLED)
    seed_right = sum(plain.model.predict(t).intent == i for t, i, _ in LABELLED)
    assert right > seed_right, (right, seed_right)
    text = "my hotel booking was cancelled, refund?"
    assert m.predict(text).confidence != pytest.approx(plain.model.predict(text).confidence, abs=1e-3)
    # switched off, the seed's model stays
    off = Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()), labelled=LABELLED, train_intent=False)  # fmt: skip
    assert off.model is default_model() and off.domain is not None


def _count_calls(asst: Assistant, turns: list[str]) -> list[int]:
    """Encoder calls of the last turn of a conversation (memo cleared before it, as the latency bench)."""
    emb = shared_embed()
    inner = emb.encode
    calls: list[int] = []
    emb.encode = lambda ts: (calls.append(len(ts)), inner(ts))[1]  # type: ignore[method-assign]
    try:
        cid = f"calls-{turns[-1]}"
        for t in turns[:-1]:
            asst.turn(t, cid)
        asst.policy.clear_memo()
        calls.clear()
        asst.turn(turns[-1], cid)
    finally:
        emb.encode = inner  # type: ignore[method-assign]
    return calls


def test_a_turn_with_the_trained_intent_model_makes_one_encoder_call(asst) -> None:
    # a plain policy question: the typed text and its normalised form, one call
    assert _count_calls(asst, ["Do You Deliver To Norway?"]) == [2]
    # a multi-part message: its asked clauses come in the same call (``clause_sections``)
    calls = _count_calls(asst, ["How long does delivery take? And can I pay with PayPal?"])
    assert len(calls) == 1 and calls[0] >= 4
    # a brief follow-up after a policy answer: the message with the question before it, too
    calls = _count_calls(asst, ["how long does standard delivery take", "and to Norway?"])
    assert len(calls) == 1 and calls[0] >= 3


@pytest.mark.parametrize(
    ("text", "before", "after"),
    [
        ("a desk lamp, nothing over $100", (100.0, None), (None, 100.0)),
        ("need a lamp, can't spend more than $40 though", (40.0, None), (None, 40.0)),
        ("台灯不要超过320元", (320.0, None), (None, 320.0)),
        ("台灯，预算就320", (None, None), (None, 320.0)),
        ("a lamp, budget is $120", (None, None), (None, 120.0)),
        ("lamp budget about 40 dollars", (32.0, 48.0), (None, 40.0)),
        # unchanged: a floor asked as a floor, an "around" without a budget, a stated ceiling
        ("desk lamp over $100", (100.0, None), (100.0, None)),
        ("lamp for around $40", (32.0, 48.0), (32.0, 48.0)),
        ("台灯 300元以内", (None, 300.0), (None, 300.0)),
    ],
)
def test_a_budget_or_a_negated_floor_is_a_ceiling(engine, text, before, after) -> None:
    u = engine.parser.parse(text)
    s = Slots()
    understood_slots(u, {}, s)
    assert (s.price_min, s.price_max) == before
    read_ceilings(u, s)
    assert (s.price_min, s.price_max) == after


def test_the_domain_level_per_policy_intent_is_the_lowest_left_out_margin_of_that_intent() -> None:
    domain = ["return an item within 30 days", "delivery takes 3 days", "pay by card"]
    off = ["book a hotel", "weather tomorrow"]
    labelled = [(t, i, g) for t, i, g in LABELLED]
    d = DomainMargin(_bag, domain, off, labelled, k=1)
    assert set(d.levels) == {"return_refund", "shipping", "payment"}
    assert d.level == pytest.approx(min(d.levels.values()))
    for intent, level in d.levels.items():
        margins = [
            d._margins(_bag([t]), exclude=g)[0] for t, i, g in labelled if i == intent
        ]  # each with its own group left out
        assert level == pytest.approx(float(np.min(margins)), abs=1e-6)
    # an intent the shop has no labelled question of falls back to the one level
    assert d.off_domain("book a hotel", "complaint") == d.off_domain("book a hotel")


# ------------------------------------------------------------------ round 13, step 2: structure
@pytest.fixture()
def plain(engine) -> Assistant:
    """The test shop's assistant without labelled conversations (routing rules only)."""
    return Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()))


def _reading(intent: str, conf: float) -> Prediction:
    rest = (1.0 - conf) / 2
    return Prediction(intent, conf, ((intent, conf), ("product_search", rest), ("greeting", rest)))


def _reads(order_turn: str, then: tuple[str, float]):  # noqa: ANN202 - a predict
    """A classifier reading the order's turn as an order question and any other as ``then``."""
    return lambda t: _reading("order_status", 0.95) if "B55001" in t else _reading(*then)


@pytest.mark.parametrize(
    ("text", "reading", "about_order"),
    [
        ("is it out for delivery yet?", ("shipping", 0.9), True),
        ("它现在什么情况了", ("out_of_scope", 0.6), True),
        ("what about it now", ("complaint", 0.3), True),  # an unsure complaint reading
        ("can i return it?", ("return_refund", 0.9), False),  # a return question keeps its reading
        ("it broke, this is unacceptable", ("complaint", 0.9), False),  # a sure complaint too
        ("is the shipping free for orders over 50?", ("shipping", 0.9), False),  # no "it"
    ],
)
def test_after_an_order_a_brief_message_pointing_at_it_is_about_that_order(plain, monkeypatch, text, reading, about_order) -> None:  # fmt: skip
    monkeypatch.setattr(plain.model, "predict", _reads("B55001", reading))
    plain.options["order_pronoun"] = True
    plain.turn("where is my order B55001?", f"o-{text}", "C9")
    r = plain.turn(text, f"o-{text}", "C9")
    assert (r.intent == "order_status" and r.slots["order_id"] == "B55001") == about_order, r
    if about_order:
        assert {"type": "order", "id": "B55001"} in r.citations and not r.handoff
    plain.options["order_pronoun"] = False  # the switch off: round 12's reading
    plain.turn("where is my order B55001?", f"off-{text}", "C9")
    if about_order:
        assert plain.turn(text, f"off-{text}", "C9").intent != "order_status"


def test_an_amount_in_a_policy_question_is_not_a_search_price(plain, monkeypatch) -> None:
    monkeypatch.setattr(plain.model, "predict", lambda t: _reading("shipping", 0.95))
    text = "my basket is about $40, do i pay for delivery?"
    plain.options["policy_amount"] = False
    r = plain.turn(text, "amount-off")
    assert r.slots["price_min"] == 32.0 and r.slots["price_max"] == 48.0  # read as "around $40"
    plain.options["policy_amount"] = True
    r = plain.turn(text, "amount-on")
    assert r.intent == "shipping" and r.slots["price_min"] is None and r.slots["price_max"] is None
    assert any(c["type"] == "policy" for c in r.citations)
    # a search keeps its price
    monkeypatch.setattr(plain.model, "predict", lambda t: _reading("product_search", 0.95))
    r = plain.turn("lamps for about $40", "amount-search")
    assert r.intent == "product_search" and r.slots["price_max"] == 48.0


def test_a_budget_ceiling_filters_the_search(plain, monkeypatch) -> None:
    monkeypatch.setattr(plain.model, "predict", lambda t: _reading("product_search", 0.95))
    plain.options["price_ceiling"] = True
    r = plain.turn("need a lamp, can't spend more than $40 though", "ceiling-on")
    assert r.slots["price_max"] == 40.0 and r.slots["price_min"] is None
    assert all(c["id"] != "SKU2002" for c in r.citations)  # the $45 lamp is over the ceiling
    plain.options["price_ceiling"] = False
    r = plain.turn("need a lamp, can't spend more than $40 though", "ceiling-off")
    assert r.slots["price_min"] == 40.0  # round 12: read as a floor


def test_a_search_reading_of_a_fact_asked_of_one_named_product_is_its_question(plain, monkeypatch) -> None:
    monkeypatch.setattr(plain.model, "predict", lambda t: _reading("product_search", 0.9))
    plain.options["title_fact"] = True
    r = plain.turn("how much is the desk lamp?", "title-on")
    assert r.intent == "product_question" and {"type": "product", "id": "SKU2002"} in r.citations
    assert "45" in r.answer and not r.handoff
    # no fact asked: a search; the switch off: round 12's search
    assert plain.turn("desk lamp", "title-plain").intent == "product_search"
    plain.options["title_fact"] = False
    assert plain.turn("how much is the desk lamp?", "title-off").intent == "product_search"


def test_a_product_reading_naming_no_thing_of_the_shop_goes_by_the_domain_margin(asst, monkeypatch) -> None:
    monkeypatch.setattr(asst.model, "predict", lambda t: _reading("compare", 0.9))
    far = {"which is better, chatgpt or gemini?", "how much is the desk lamp?"}
    monkeypatch.setattr(asst.domain, "off_domain", lambda text, intent=None: text in far)
    asst.options["domain_any"] = True
    r = asst.turn("which is better, chatgpt or gemini?", "any-on")
    assert r.intent == "out_of_scope" and r.handoff and not r.citations
    # a message naming a product of the shop is never judged by the margin
    assert asst.turn("how much is the desk lamp?", "any-named").intent != "out_of_scope"
    asst.options["domain_any"] = False
    r = asst.turn("which is better, chatgpt or gemini?", "any-off")
    assert r.intent == "compare" and not r.handoff  # round 12: asks which products to compare
