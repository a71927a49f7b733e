"""Issue 13, round 25: held-out-24 a dev set and round 24's rule over 25 sets
(``bench/assistant_loso25.py``); the lead's two defects (an unsure complaint answered instead of
handed off, a time of day answered from the refund section), each test showing the defect with
its switch off. Phrasings are this test's own, not any labelled set's (the lead's two are the
lead's)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso25 as L  # noqa: E402
import assistant_round_util as RU  # noqa: E402
from assistant_round_util import ADOPTED_27, ADOPTED_28, ADOPTED_29, restored_switches, seed_assistant  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.core import Assistant, Reply  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402
from shopmind.assistant.slots import order_ids  # noqa: E402
from shopmind.assistant.timewords import names_when  # noqa: E402


def test_held_out_24_is_a_dev_set_and_the_rule_reads_all_25() -> None:
    assert LABELLED_SETS[: len(L.DEV_SETS)] == L.DEV_SETS
    assert len(L.DEV_SETS) == 25 and L.DEV_SETS[-1] == "heldout24"
    assert LABELLED_SETS[len(L.DEV_SETS)] == "heldout25"  # round 26 adds held-out-25 after them
    assert f"{L24.REF}+time_words+compare_cue+gift_browse" == L.REF  # round 24 adopted these three
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert set(L.REF.split("+")) - {
        "ab",
        "intent",
    } == on - ADOPTED_25 - ADOPTED_27 - ADOPTED_28 - ADOPTED_29 - RU.ADOPTED_30 - {
        "order_clause",
        "greeting_words",
    }  # round 26's


#: the switches round 25 adopted (on in ``core.OPTIONS``, not in its reference)
ADOPTED_25 = {"clock_when", "complaint_named", "ceiling_words"}


@pytest.fixture(scope="module")
def asst() -> Assistant:
    return seed_assistant()


@pytest.fixture
def switches(asst: Assistant) -> Iterator[dict[str, bool]]:
    """The assistant's switches, restored after the test."""
    yield from restored_switches(asst)


def _talk(asst: Assistant, turns: list[str], page: str | None = None) -> Reply:
    """A fresh conversation of ``turns``; the last one's reply (asked on ``page``)."""
    asst._conversations.clear()
    for t in turns[:-1]:
        asst.turn(t, "c")
    return asst.turn(turns[-1], "c", page_product=page)


def test_an_unsure_complaint_is_handed_off_as_a_complaint(asst: Assistant, switches: dict) -> None:
    # found by the lead: the classifier is unsure (complaint 0.33, a return 0.28) and the
    # warranty's exclusions matched the other words well enough to answer
    text = "not sure if this counts as a complaint but the box was crushed, what can you do"
    switches["complaint_named"] = False
    before = _talk(asst, [text])
    assert asst.model.predict(text).intent == "complaint" and before.confidence < asst.threshold
    assert not before.handoff and before.intent == "return_refund" and before.citations
    switches["complaint_named"] = True
    after = _talk(asst, [text])
    assert (after.intent, after.handoff, after.citations) == ("complaint", True, [])
    # sure readings keep theirs: a refund asked beside the word, a plain policy question
    assert _talk(asst, ["not sure if this counts as a complaint but the box was crushed, can i get a refund"]).intent == "return_refund"  # fmt: skip
    assert not _talk(asst, ["how long does a refund take?"]).handoff


def test_a_time_of_day_asks_the_delivery_times_not_the_refund(asst: Assistant, switches: dict) -> None:
    # found by the lead: "can it arrive at twenty to four" answered from the refund section. Why:
    # not the number words - the seed-only classifier reads "can it arrive" alone as a return
    # (0.78: "arrived broken, can I return it?"); alone the message was routed to delivery times
    # (``reading.asks_delivery_time``), but on a product's page the page's product blocked that
    # route, and after a refund answer the brief message was read with the refund question
    text = "can it arrive at twenty to four"
    switches["clock_when"] = False
    assert [c["id"] for c in _talk(asst, [text]).citations] == ["shipping-times"]
    assert [c["id"] for c in _talk(asst, [text], page="SKU2002").citations] == ["returns-refund"]
    assert [c["id"] for c in _talk(asst, ["how long do refunds take", text]).citations] == ["returns-refund"]
    switches["clock_when"] = True
    for turns, page in (([text], "SKU2002"), (["how long do refunds take", text], None), (["能下午四点送到吗"], "SKU2001")):  # fmt: skip
        r = _talk(asst, turns, page)
        assert (r.intent, [c["id"] for c in r.citations]) == ("shipping", ["shipping-times"]), turns
    # no time named: the page's product and the question before keep their readings
    assert _talk(asst, ["how long do refunds take", "when will it arrive"]).intent == "return_refund"
    assert _talk(asst, ["does this arrive assembled"], page="SKU2002").intent != "shipping"
    # an order in the conversation is what arrives: its status
    assert _talk(asst, ["where is B55001", text]).intent == "order_status"


def test_times_of_day_and_days_are_named_and_amounts_are_not() -> None:
    for t in ("at twenty to four", "by 4pm", "3:40", "half past six", "at four", "noon", "by friday", "tomorrow", "下午四点", "三点四十", "周五", "明天"):  # fmt: skip
        assert names_when(t), t
    for t in ("under 50", "30 days", "at 40", "at 4 dollars", "by 4 days", "4 pieces", "满99包邮", "买了三件", "within thirty days"):  # fmt: skip
        assert not names_when(t), t


def test_ceiling_words_read_a_maximum_only_with_their_switch(asst: Assistant, switches: dict) -> None:
    cases = {
        "lamp, i can stretch to $70": 70.0,
        "lamp that wont cost more than 70 dollars?": 70.0,
        "台灯 别超 470 元": 470.0,
        "lamp, 20 dollars max": 20.0,
        "lamp, $70 tops": 70.0,
        "台灯 不超300": 300.0,
    }
    for on in (False, True):
        switches["ceiling_words"] = on
        for text, ceiling in cases.items():
            s = asst.catalog.slots(text, None, asst.orders)
            assert s.price_max == (ceiling if on else None), (on, text)
    assert asst.catalog.slots("can i return it up to 30 days later", None, asst.orders).price_max is None
    assert asst.catalog.slots("lamp over 70", None, asst.orders).price_min == 70.0  # a floor stays one
    # round 25's run 2: "2 tops" read as "$2 tops" (q1068 of held-out-12): an amount needs its currency
    assert asst.catalog.slots("I sent back 2 tops worth $64 last week", None, asst.orders).price_max != 2.0


def test_a_look_alike_prefix_split_from_the_digits_is_the_order() -> None:
    known = {"O0003250", "O0001823"}
    assert order_ids("0-0003250 到底发没发货", known, True, True) == []
    assert order_ids("0-0003250 到底发没发货", known, True, True, sep=True) == ["O0003250"]
    assert order_ids("1-0003250", known, True, True, sep=True) == []  # "1" is no look-alike of "O"


def test_round_25_adopts_the_defect_fixes_and_ceiling_words_and_refuses_the_others() -> None:
    # run 3 (25 folds, against the reference): the three together clean 2,378 -> 2,385, up on 5
    # of 5 touched sets, none down, no language down; "id_sep" gained on held-out-24 alone and
    # "service_words" moved no clean answer (run 2)
    assert all(core.OPTIONS[n] for n in ADOPTED_25)
    assert core.OPTIONS["id_sep"] is False and core.OPTIONS["service_words"] is False
