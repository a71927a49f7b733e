"""Issue 13, round 13: the intent model learns from the shop's labelled conversations by default
(n-grams + the policy encoder's vectors) in one encoder call per turn, and round 13's structural
candidates. Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.assistant.core import Assistant
from shopmind.assistant.domain import DomainMargin
from shopmind.assistant.intent import default_model
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
