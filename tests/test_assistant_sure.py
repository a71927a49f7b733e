"""Issue 13, round 6: a section that matches as no hand-off message of the seed does answers an
unsure reading, and a question in traditional characters is read as the index reads it.
Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import pytest

from shopmind.assistant.core import Assistant
from shopmind.assistant.knowledge import load_policies
from shopmind.assistant.levels import HANDOFF_INTENTS, sure_section
from shopmind.assistant.seed import SEED
from shopmind.demo.policies import policy_files
from shopmind.search.engine import SearchConfig, SearchEngine
from test_assistant_context import ORDERS, PRODUCTS


def _engine(t2s: bool | None = None) -> SearchEngine:
    return SearchEngine.build(
        PRODUCTS, None, SearchConfig(encoder=None, ltr="off", traditional_to_simplified=t2s)
    )


@pytest.fixture(scope="module")
def asst() -> Assistant:
    return Assistant(_engine(), PRODUCTS, ORDERS, load_policies(texts=policy_files()))


def _sections(reply) -> list[str]:  # noqa: ANN001 - a Reply
    return [c["id"] for c in reply.citations if c["type"] == "policy"]


def test_policy_sure_is_the_best_score_of_the_seeds_hand_off_texts(asst) -> None:
    texts = [t for k in HANDOFF_INTENTS for t in SEED[k]]
    best = max(h[0][1] for t in texts if (h := asst.policy.search(t, None, k=1)))
    assert asst.policy_sure == best > asst.policy_floor > 0
    # no hand-off text of the seed passes its own level: none of them would be answered by it
    assert not [t for t in texts if sure_section(asst.policy, asst.policy_sure, t)]
    bare = Assistant(asst.engine, PRODUCTS, None, [], model=asst.model)
    assert bare.policy_sure == float("inf") and sure_section(bare.policy, bare.policy_sure, "运费") is None


def test_an_unsure_reading_with_a_section_above_the_level_is_answered_from_it(asst) -> None:
    text = "the email with the link to follow my delivery never arrived"
    assert asst.model.predict(text).confidence < asst.threshold  # the classifier alone is unsure
    sure, dense = asst.policy_sure, asst.dense_sure
    try:  # the round-5 rule: unsure is handed off (neither level, BM25's nor the encoder's)
        asst.policy_sure = asst.dense_sure = float("inf")
        before = asst.turn(text)
    finally:
        asst.policy_sure, asst.dense_sure = sure, dense
    after = asst.turn(text)
    assert before.handoff and not _sections(before)
    assert not after.handoff and after.intent == "shipping" and _sections(after) == ["shipping-tracking"]


def test_a_sure_complaint_is_still_handed_off_whatever_section_it_matches(asst) -> None:
    text = "this is a disgrace, the courier threw my parcel over the fence"
    assert asst.policy.search(text, None)[0][1] > asst.policy_sure  # a strong shipping match
    r = asst.turn(text)
    assert r.intent == "complaint" and r.handoff and not _sections(r)


def test_a_message_naming_an_order_is_not_answered_by_the_level(asst) -> None:
    r = asst.turn("the email with the link to follow B55001 never arrived", customer_id="C9")
    assert r.intent == "order_status" and any(c["type"] == "order" for c in r.citations)


@pytest.mark.parametrize(
    ("text", "section"),
    [
        ("收到貨後幾天內可以退？", "returns-window"),
        ("運費怎麼算", "shipping-free"),
        ("寄到國外要多久", "shipping-international"),
    ],
)
def test_traditional_characters_are_read_as_the_index_reads_them(asst, text: str, section: str) -> None:
    assert asst.engine.t2s  # a simplified catalog: the search already reads queries this way
    on = asst.turn(text)
    off = Assistant(_engine(False), PRODUCTS, ORDERS, load_policies(texts=policy_files()), model=asst.model)
    assert not off.engine.t2s and _sections(off.turn(text)) != [section]  # read as typed: missed
    assert _sections(on) == [section] and not on.handoff
