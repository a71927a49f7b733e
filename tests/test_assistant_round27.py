"""Issue 13, round 27: held-out-26 a dev set and round 26's rule (round 24's ``judge24``) over 27
sets (``bench/assistant_loso27.py``). Phrasings are this test's own, not any labelled set's (the
lead's are the lead's)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso26 as L26  # noqa: E402
import assistant_loso27 as L  # noqa: E402
import assistant_round_util as RU  # noqa: E402
from assistant_round_util import ADOPTED_27, ADOPTED_28, ADOPTED_29, restored_switches, seed_assistant  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.core import Assistant  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402
from shopmind.assistant.greeting import greeting_only  # noqa: E402
from shopmind.assistant.intent import IntentModel, Prediction  # noqa: E402
from shopmind.assistant.passing import off_topic_in_passing  # noqa: E402
from shopmind.assistant.reading import asks_order_progress, read_as_indexed  # noqa: E402
from shopmind.assistant.reply import _State  # noqa: E402
from shopmind.assistant.route import order_when  # noqa: E402
from shopmind.assistant.slots import Slots, order_by_tail  # noqa: E402
from test_assistant_context import ORDERS  # noqa: E402


def test_held_out_26_is_a_dev_set_and_the_rule_reads_all_27() -> None:
    assert LABELLED_SETS[: len(L.DEV_SETS)] == L.DEV_SETS
    assert len(L.DEV_SETS) == 27 and L.DEV_SETS[-1] == "heldout26"
    assert LABELLED_SETS[len(L.DEV_SETS)] == "heldout27"  # round 28 adds held-out-27 after them
    # round 26 kept these two (the lead's defect fix and greeting_words)
    assert f"{L26.REF}+order_clause+greeting_words" == L.REF
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert (
        set(L.REF.split("+")) - {"ab", "intent"} == on - ADOPTED_27 - ADOPTED_28 - ADOPTED_29 - RU.ADOPTED_30
    )


#: the seed-only assistant (what a served shop without labelled conversations builds) and its
#: switches, restored after each test that flips them
asst = pytest.fixture(scope="module")(seed_assistant)
switches = pytest.fixture(restored_switches)


def test_an_order_refused_for_want_of_a_customer_id_keeps_the_public_policy_part(asst: Assistant, switches: dict) -> None:  # fmt: skip
    # the lead's defect (a): "where is my order O… and how long do returns take?" without a customer
    # id was answered "Please sign in …" alone, though the returns policy is public
    oid, owner = ORDERS["order_id"][0], ORDERS["customer_id"][0]
    asks = (f"where is my order {oid} and how long do returns take?", f"我的订单{oid}到了吗？退货要多久？")
    switches["refused_policy"] = False
    for text in asks:
        r = asst.turn(text, None)
        assert (r.intent, r.citations) == ("order_status", []), text  # the defect: the policy part lost
    switches["refused_policy"] = True
    for text, customer in [(t, c) for t in asks for c in (None, "C-somebody-else")]:
        r = asst.turn(text, None, customer_id=customer)
        assert r.intent == "order_status" and not r.handoff, text
        assert [c["type"] for c in r.citations] == ["policy"], (text, customer)  # no order data
        assert asst.policy.sections[r.citations[0]["id"]].topic == "returns"
        assert oid in r.answer and "2026" not in r.answer  # the refusal names the id, states no date
    # its own customer still gets the order and the policy; a message asking the order alone, the refusal alone
    r = asst.turn(asks[0], None, customer_id=owner)
    assert [c["type"] for c in r.citations] == ["order", "policy"]
    assert asst.turn(f"where is my order {oid}?", None).citations == []


class _Reads:
    """The seed-only model, except that ``text`` reads surely as ``intent`` - as the models trained on
    the shop's labelled questions read the dev questions these switches are for (round 27, run 1)."""

    def __init__(self, model: IntentModel, text: str, intent: str) -> None:
        self.model, self.text, self.intent = model, text, intent
        self.embed, self.threshold = model.embed, model.threshold

    def predict(self, text: str) -> Prediction:
        if text != self.text:
            return self.model.predict(text)
        return Prediction(self.intent, 0.9, ((self.intent, 0.9), ("shipping", 0.05)))


def _reading(asst: Assistant, text: str, intent: str, customer: str | None = None):  # noqa: ANN202 - a Reply
    saved = asst.model
    asst.model = _Reads(saved, text, intent)  # type: ignore[assignment]
    try:
        return asst.turn(text, None, customer_id=customer)
    finally:
        asst.model = saved


def test_an_english_order_piece_asking_how_far_it_got_in_other_words_keeps_the_order(asst: Assistant, switches: dict) -> None:  # fmt: skip
    oid, owner = ORDERS["order_id"][0], ORDERS["customer_id"][0]
    asks = (
        f"is {oid} out the door yet? if it doesnt fit whats the return fee",
        f"is {oid} still stuck at your depot? if the size is off is swapping it free",
    )
    for text in asks:
        assert asks_order_progress(read_as_indexed(text, True), oid, more=True), text
        assert not asks_order_progress(read_as_indexed(text, True), oid), text
        switches["progress_words"] = False
        assert _reading(asst, text, "return_refund", owner).intent == "return_refund", text
        switches["progress_words"] = True
        r = _reading(asst, text, "return_refund", owner)
        assert r.intent == "order_status" and r.citations[0] == {"type": "order", "id": oid}, text
    # the lexicon's status words count too ("any update on"); a piece that tells, or names a defect, does not
    assert asks_order_progress(f"any update on {oid}? if the size is off is swapping it free", oid, more=True)
    for text in (f"{oid} arrived yet broken, how do i return it", f"{oid} is here, can i return it if it doesnt fit"):  # fmt: skip
        assert not asks_order_progress(read_as_indexed(text, True), oid, more=True), text


def test_an_order_reading_asking_ahead_about_a_day_asks_the_delivery_times(asst: Assistant, switches: dict) -> None:  # fmt: skip
    def answer_off(text: str) -> str:
        switches["order_when"] = False
        answer = _reading(asst, text, "order_status").answer
        switches["order_when"] = True
        return answer

    ahead = ("need it by saturday, if i order on wednesday night will it make it", "if i order on saturday night does it sit there till monday")  # fmt: skip
    for text in ahead:
        switches["order_when"] = False  # the order number asked for, or another topic's section
        assert _reading(asst, text, "order_status").intent != "shipping", text
        switches["order_when"] = True
        r = _reading(asst, text, "order_status")
        assert r.intent == "shipping" and r.citations and asst.policy.sections[r.citations[0]["id"]].topic == "shipping", text  # fmt: skip
    # an order's status asked without its id is read as before (no question ahead, or a status word)
    for text in ("i ordered something on friday, can you check it", "I ordered on monday, will it ever arrive? where is it"):  # fmt: skip
        assert not order_when(asst, text, "order_status", Slots(), _State(), False), text
        assert _reading(asst, text, "order_status").answer == answer_off(text), text


def test_off_topic_words_in_passing_are_read_by_where_they_stand() -> None:
    passing = (
        "can I return a gym bag I bought last week?",  # the lead's: it modifies a thing bought
        "I ordered it on the public wifi at the library, did the payment go through?",  # the lead's: a place
        "wore the trainers to the gym once, can i still send them back",
    )
    for text in passing:
        assert off_topic_in_passing(text), text
    about = (
        "how do I return a rental car?",
        "how do i return a library book late",  # not a thing bought
        "the hotel charged my card twice, how do i get that refunded?",  # a verb after it
        "is there a warranty on the used car i bought last week?",  # the car is the thing
        "can i cancel my gym membership",  # a service's noun
        "I bought concert tickets, refund?",
        "健身卡怎么退款",  # Chinese words are never in passing
        "can I return a jacket?",  # no off-topic word at all
    )
    for text in about:
        assert not off_topic_in_passing(text), text


def test_a_shop_question_naming_an_off_topic_thing_in_passing_is_answered(asst: Assistant, switches: dict) -> None:  # fmt: skip
    # the lead's defect (b): an off-topic word of the lexicon in passing handed a shop question off
    gym = "i wore the trainers to the gym once, can i still return them"  # the small shop sells bags
    switches["topic_passing"] = False
    assert (r := _reading(asst, gym, "return_refund")).intent == "out_of_scope" and r.handoff
    switches["topic_passing"] = True
    r = _reading(asst, gym, "return_refund")
    assert (
        r.intent == "return_refund"
        and not r.handoff
        and asst.policy.sections[r.citations[0]["id"]].topic == "returns"
    )
    library = "I ordered it on the public wifi at the library, did the payment go through?"
    r = _reading(asst, library, "payment")
    assert (
        r.intent == "payment"
        and not r.handoff
        and asst.policy.sections[r.citations[0]["id"]].topic == "payment"
    )
    # the thing asked about is off-topic: still handed off, however sure the classifier
    for text in ("how do I return a rental car?", "is there a warranty on the used car i bought last week?"):
        assert (r := _reading(asst, text, "return_refund")).intent == "out_of_scope" and r.handoff, text
    # an unsure reading keeps the hand-off (the classifier must read a shop question surely)
    assert asst.turn("is it ok to eat pizza at the gym", None).handoff


def test_asking_whether_a_person_answers_is_chatting_with_its_switch(asst: Assistant, switches: dict) -> None:  # fmt: skip
    asking = ("quick question before i begin - am i speaking to a live person or a bot?", "bot or human?", "您好 请问你是真人还是机器人", "thanks for clearing that up, you've been super helpful")  # fmt: skip
    for text in asking:
        assert greeting_only(read_as_indexed(text, True), chat=True) and not greeting_only(read_as_indexed(text, True)), text  # fmt: skip
    demands = ("i want to speak to a real person now", "is this a bot? where is my parcel", "thanks for sorting that, can i also return it")  # fmt: skip
    for text in demands:
        assert not greeting_only(read_as_indexed(text, True), chat=True), text
    switches["chat_words"] = False
    assert _reading(asst, asking[1], "out_of_scope").intent == "out_of_scope"
    switches["chat_words"] = True
    r = _reading(asst, asking[1], "out_of_scope")
    assert (r.intent, r.handoff, r.citations) == ("greeting", False, [])


def test_an_order_named_by_the_end_of_its_id_is_the_customers_one_order_ending_so(asst: Assistant, switches: dict) -> None:  # fmt: skip
    oid, owner = ORDERS["order_id"][0], ORDERS["customer_id"][0]
    tail = oid[-4:]
    own = {o: r for o, r in asst.orders.items() if r["customer_id"] == owner}
    assert [o for o in own if o.endswith(tail)] == [oid]  # one of the customer's orders ends so
    texts = (f"can you check my order ending in {tail}, i lost the email", f"尾号{tail}的订单到哪了")
    for text in texts:
        assert order_by_tail(text, asst.orders, {owner}) == oid, text
        assert order_by_tail(text, asst.orders, {"C-somebody-else"}) is None, text  # never another's
        switches["id_tail"] = False
        assert asst.turn(text, None, customer_id=owner).slots["order_id"] is None, text
        switches["id_tail"] = True
        r = asst.turn(text, None, customer_id=owner)
        assert r.slots["order_id"] == oid and r.intent == "order_status" and r.citations[0]["id"] == oid, text
        assert asst.turn(text, None).slots["order_id"] is None  # no customer id: no order is looked up
    assert order_by_tail("my order ending in 99999", asst.orders, {owner}) is None


def test_round_27_adopts_six_switches_and_refuses_topic_sure() -> None:
    # run 1 (27 folds, against the reference, clean 2,616): order_when +3 (3 of 3 touched sets up),
    # progress_words +2, chat_words +3, id_tail +2 by the rule; refused_policy and topic_passing moved
    # no dev answer (the lead's defects, fix_ok); together clean 2,626, 8 sets up, none down
    assert all(core.OPTIONS[n] for n in ADOPTED_27)
    assert core.OPTIONS["topic_sure"] is False  # out of scope 392 -> 385, 4 sets down
