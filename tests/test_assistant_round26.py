"""Issue 13, round 26: held-out-25 a dev set and round 25's rule (round 24's ``judge24``) over 26
sets (``bench/assistant_loso26.py``). Phrasings are this test's own, not any labelled set's (the
lead's are the lead's)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso25 as L25  # noqa: E402
import assistant_loso26 as L  # noqa: E402
import assistant_round_util as RU  # noqa: E402
from assistant_round_util import ADOPTED_27, ADOPTED_28, ADOPTED_29, restored_switches, seed_assistant  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.clauses import names_order  # noqa: E402
from shopmind.assistant.core import Assistant  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402
from shopmind.assistant.greeting import greeting_only  # noqa: E402
from shopmind.assistant.intent import IntentModel, Prediction  # noqa: E402
from shopmind.assistant.knowledge import load_policies  # noqa: E402
from shopmind.assistant.reading import asks_order_progress, read_as_indexed  # noqa: E402
from shopmind.assistant.route import words_sure  # noqa: E402
from shopmind.demo.assistant import ORDER_SCHEMA  # noqa: E402
from shopmind.demo.policies import policy_files  # noqa: E402
from test_assistant_context import ORDERS, PRODUCTS  # noqa: E402


def test_held_out_25_is_a_dev_set_and_the_rule_reads_all_26() -> None:
    assert LABELLED_SETS[: len(L.DEV_SETS)] == L.DEV_SETS
    assert len(L.DEV_SETS) == 26 and L.DEV_SETS[-1] == "heldout25"
    assert LABELLED_SETS[len(L.DEV_SETS)] == "heldout26"  # round 27 adds held-out-26 after them
    # round 25 kept these three (two defect fixes and ceiling_words)
    assert f"{L25.REF}+clock_when+complaint_named+ceiling_words" == L.REF
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert (
        set(L.REF.split("+")) - {"ab", "intent"}
        == on - ADOPTED_26 - ADOPTED_27 - ADOPTED_28 - ADOPTED_29 - RU.ADOPTED_30
    )


def test_a_clause_names_its_order_in_any_spelling() -> None:
    for piece in ("我的订单 O-0001234 到了吗", "Ｏ０００１２３４到了吗", "o0001234 arrived?", "0-0001234 到没到", "O000 1234 到了吗"):  # fmt: skip
        assert names_order(piece, "O0001234"), piece
    assert not names_order("O0001235 到了吗", "O0001234") and not names_order("到了吗", "O0001234")


def test_the_orders_own_piece_asks_its_progress_only_when_it_asks() -> None:
    asks = (
        "我的订单 O-0001234 到了吗 要是不合适怎么退",  # the lead's wording
        "O0001234签收了没有 不喜欢的话运费谁出",
        "O0001234 到没到 保修期是多久",
        "O0001234 寄出了嗎 那個要是有問題 保修要準備什麼",
        "is O0001234 delivered? if it doesnt fit can i send it back",
    )
    for text in asks:
        assert asks_order_progress(read_as_indexed(text, True), "O0001234"), text
    tells = (
        "O0001234 签收了 但是坏了 怎么退",  # its piece tells, it does not ask
        "O0001234 arrived broken, how do i return it",  # a defect, not its progress
        "O0001234能退吗 要寄到哪",  # a return of the order
        "has O0001234 arrived",  # nothing beside it: the classifier's reading stands
        "O0001235 到了吗 不合适怎么退",  # another order's id
    )
    for text in tells:
        assert not asks_order_progress(read_as_indexed(text, True), "O0001234"), text


def test_only_the_words_of_opening_or_closing_a_chat_are_a_greeting() -> None:
    for text in ("哈喽 客服在吗", "早上好 请问有人值班吗", "hey, anyone around?", "cheers, have a good one", "多谢 辛苦了", "hi, can someone help"):  # fmt: skip
        assert greeting_only(read_as_indexed(text, True)), text
    for text in ("hi, where is my parcel", "你好 这个多少钱", "hello, is a tomato a fruit", "好的 那运费多少", "thanks, and how long does delivery take", "早点发货吧"):  # fmt: skip
        assert not greeting_only(read_as_indexed(text, True)), text


@pytest.fixture(scope="module")
def asst() -> Assistant:
    """The seed-only assistant (what a served shop without labelled conversations builds)."""
    return seed_assistant()


@pytest.fixture
def switches(asst: Assistant) -> Iterator[dict[str, bool]]:
    """The assistant's switches, restored after the test."""
    yield from restored_switches(asst)


def test_a_greeting_in_chat_words_is_greeted_back_with_its_switch(asst: Assistant, switches: dict) -> None:
    # the seed-only classifier reads these as out of scope (handed off) or as a return / a product
    texts = ("亲 在不在呀", "早安 客服上班了嗎", "sweet, sorted, have a good one")
    switches["greeting_words"] = False
    before = [asst.turn(t, None) for t in texts]
    assert all(r.intent != "greeting" for r in before)
    switches["greeting_words"] = True
    for t in texts:
        r = asst.turn(t, None)
        assert (r.intent, r.handoff, r.citations) == ("greeting", False, []), t
    # a shop thing named keeps its reading: a product on the message, not the page
    assert asst.turn("hi, is the Desk Lamp in stock", None).intent == "product_question"


class _ReadsAsReturn:
    """The seed-only model, except that the whole of ``text`` reads as a sure return - as the model
    trained on the shop's labelled questions (n-grams and mUSE vectors) read "O0002834到了吗 不合适的话
    多少天内能退" and three more such zh dev questions in their folds (round 26, run 1)."""

    def __init__(self, model: IntentModel, text: str) -> None:
        self.model, self.text = model, text
        self.embed, self.threshold = model.embed, model.threshold

    def predict(self, text: str) -> Prediction:
        if text != self.text:
            return self.model.predict(text)
        return Prediction("return_refund", 0.9, (("return_refund", 0.9), ("order_status", 0.08)))


def test_an_orders_status_asked_beside_a_policy_keeps_the_order(asst: Assistant, switches: dict) -> None:
    # the lead's defect: "我的订单 O-… 到了吗 要是不合适怎么退" answered from the return policy alone
    import polars as pl

    row = ORDERS.row(0, named=True)
    row |= {"order_id": "O0001234", "status": "shipped", "shipped_at": row["placed_at"] + timedelta(days=1)}
    orders = pl.DataFrame([row], schema=ORDER_SCHEMA)
    a = Assistant(asst.engine, PRODUCTS, orders, load_policies(texts=policy_files()), model=asst.model)
    assert list(a.orders) == ["O0001234"]
    text = "我的订单 O-0001234 到了吗 要是不合适怎么退"
    a.model = _ReadsAsReturn(asst.model, text)  # type: ignore[assignment]
    a.options["order_clause"] = False
    before = a.turn(text, None, customer_id="C9")
    assert before.intent == "return_refund" and [c["type"] for c in before.citations] == ["policy"]
    a.options["order_clause"] = True
    after = a.turn(text, None, customer_id="C9")
    assert after.intent == "order_status" and after.slots["order_id"] == "O0001234"
    assert [c["id"] for c in after.citations] == ["O0001234", "returns-how"] and "O0001234" in after.answer
    # the order's piece telling, not asking, keeps the return reading
    told = "我的订单 O-0001234 签收了 要是不合适怎么退"
    a.model = _ReadsAsReturn(asst.model, told)  # type: ignore[assignment]
    assert a.turn(told, None, customer_id="C9").intent == "return_refund"


def test_a_sure_policy_reading_whose_words_match_a_section_above_the_level_is_kept(asst: Assistant, switches: dict) -> None:  # fmt: skip
    # round 26's "margin_sure": the domain margin may not hand off a message the classifier is sure
    # is a policy question when its best section scores above what any hand-off line of the seed reaches
    text = "if my coupon takes the basket under the free postage line, do i end up paying postage"
    sure = Prediction("shipping", 0.9, (("shipping", 0.9), ("payment", 0.05)))
    assert asst.policy.search(text, None)[0][1] > asst.policy_sure
    switches["margin_sure"] = False
    assert not words_sure(asst, text, sure)
    switches["margin_sure"] = True
    assert words_sure(asst, text, sure)
    unsure = Prediction("shipping", 0.4, (("shipping", 0.4), ("out_of_scope", 0.3)))
    assert not words_sure(asst, text, unsure)  # the classifier must be sure too
    weak = "is that normal"  # hardly a word of any section
    assert asst.policy.search(weak, None)[0][1] <= asst.policy_sure and not words_sure(asst, weak, sure)


#: the switches round 26 adopted (on in ``core.OPTIONS``, not in its reference)
ADOPTED_26 = {"order_clause", "greeting_words"}


def test_round_26_adopts_order_clause_and_greeting_words() -> None:
    # run 1 (26 folds, against the reference): order_clause clean 2,461 -> 2,470 (7 sets up, 0 down),
    # greeting_words 2,466 (4 of 5 touched sets up, 0 down), the two together 2,475, none down
    assert all(core.OPTIONS[n] for n in ADOPTED_26)
