"""Issue 13, round 10: a question about when a parcel would arrive, asked with no order, is about
delivery times; a search reading with nothing to search for but a policy's topic is that policy
question; warranty claims have their own concept; services a goods shop does not sell are
off-topic things. Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import pytest

from shopmind.assistant.core import Assistant
from shopmind.assistant.knowledge import load_policies
from shopmind.assistant.lexicon import default_lexicon
from shopmind.assistant.reading import asks_delivery_time
from shopmind.assistant.scope import names_policy, policy_concepts
from shopmind.demo.policies import policy_files
from shopmind.search.engine import SearchConfig, SearchEngine
from test_assistant_context import ORDERS, PRODUCTS


@pytest.fixture(scope="module")
def asst() -> Assistant:
    engine = SearchEngine.build(PRODUCTS, None, SearchConfig(encoder=None, ltr="off"))
    return Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()))


def _sections(reply) -> list[str]:  # noqa: ANN001 - a Reply
    return [c["id"] for c in reply.citations if c["type"] == "policy"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("if i order on sunday, when would it arrive?", True),
        ("周六下单的话几天能到", True),
        ("can you send it to norway and how soon would it get here", True),
        ("when will my refund arrive?", False),  # a refund: the refund section's question
        ("退款多久能到账", False),
        ("where is my parcel?", False),  # where one is, not when one would arrive
        ("it arrived broken, what now?", False),  # a defect
    ],
)
def test_asks_delivery_time_reads_when_a_parcel_would_arrive(text: str, want: bool) -> None:
    assert asks_delivery_time(text) is want


def test_a_delivery_time_question_without_an_order_cites_the_delivery_times(asst) -> None:
    r = asst.turn("if i order on sunday, when would it arrive?", "c-when", "C1")
    assert r.intent == "shipping" and not r.handoff and _sections(r) == ["shipping-times"]
    r = asst.turn("周六下单的话几天能到", "c-when-zh", "C1")
    assert r.intent == "shipping" and _sections(r)[:1] == ["shipping-times"]
    # after a turn that named an order, the same words are about that order (round 8's rule)
    asst.turn(f"status of {ORDERS['order_id'][0]}", "c-when-order", ORDERS["customer_id"][0])
    r = asst.turn("when would it arrive?", "c-when-order", ORDERS["customer_id"][0])
    assert r.intent == "order_status"


def test_a_search_reading_naming_only_a_policy_topic_is_that_policy_question(asst) -> None:
    concepts = policy_concepts(asst.policy.sections.values())
    assert {"instalment", "invoice", "tracking"} <= concepts and not {"order", "search"} & concepts
    assert names_policy("有没有免息分期", concepts) and not names_policy("有没有红色的", concepts)
    r = asst.turn("有没有免息分期", "c-inst", None)
    assert r.intent == "payment" and _sections(r) == ["payment-instalments"] and not r.handoff
    r = asst.turn("有没有可以开发票的", "c-inv", None)
    assert r.intent == "payment" and _sections(r) == ["payment-invoice"]


def test_a_warranty_claim_is_its_own_concept_and_finds_the_claim_section(asst) -> None:
    lex = default_lexicon()
    assert "claim" in lex.concepts("how do i claim on the guarantee?")
    assert "claim" in lex.concepts("保修怎么申请走保修")
    assert "claim" not in lex.concepts("换货怎么申请")  # applying for an exchange is no claim
    assert "claim" not in lex.concepts("how long is the guarantee?")
    r = asst.turn("how do i claim on the guarantee, my kettle is broken", "c-claim", None)
    assert _sections(r)[:1] == ["warranty-claim"]
    r = asst.turn("how long is the guarantee on a kettle?", "c-period", None)
    assert _sections(r)[:1] == ["warranty-period"]
    r = asst.turn("换货怎么申请", "c-exch", None)
    assert _sections(r)[:1] == ["returns-exchange"]


def test_a_refund_for_a_service_the_shop_does_not_sell_is_handed_off(asst) -> None:
    lex = default_lexicon()
    assert "off_topic" in lex.concepts("can i cancel my gym membership?")
    assert "off_topic" in lex.concepts("我的健身卡怎么退款")
    assert "off_topic" not in lex.concepts("can i return my jacket?")
    for text in ("how do i get my money back for a gym membership i cancelled?", "我的健身卡怎么退款"):
        r = asst.turn(text, f"c-{text[:6]}", None)
        assert r.intent == "out_of_scope" and r.handoff and not r.citations, text
    r = asst.turn("can i return my jacket?", "c-jacket", None)
    assert r.intent == "return_refund" and _sections(r)[:1] == ["returns-window"]


def test_how_many_are_left_asks_for_the_stock() -> None:
    from shopmind.assistant.reading import fields_asked

    lex = default_lexicon()
    assert fields_asked("how many of this one remain, are any left?") == ["stock"]
    assert fields_asked("这款还剩几个") == ["stock"]
    assert "stock" in lex.concepts("how many have you got remaining")
    assert "stock" in lex.concepts("还剩多少件")
    assert "stock" not in lex.concepts("has my parcel left the warehouse?")  # progress, not stock
    assert fields_asked("how much is it?") == ["price"]
