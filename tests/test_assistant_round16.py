"""Issue 13, round 16: order ids typed with look-alike digits, a stricter reading of a question
after a condition and a colon lead-in, a bare clause read in its message's topic, follow-ups
pointing back at the answer before, the one asked clause of a story, and the hand-off level's
quantile (measured, not kept). Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.assistant import core as core_mod
from shopmind.assistant.clauses import asked, questions
from shopmind.assistant.core import Assistant
from shopmind.assistant.domain import MIN_LEVEL_QUESTIONS, DomainMargin
from shopmind.assistant.followup import asked_piece, chit_chat, plain_order_message
from shopmind.assistant.knowledge import load_policies
from shopmind.assistant.slots import Slots, order_ids, read_ceilings
from shopmind.demo.policies import policy_files
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.price_phrases import PriceReader
from test_assistant_context import ORDERS, PRODUCTS
from test_assistant_round11 import LABELLED, _bag


def test_an_order_id_typed_with_look_alike_digits_is_the_known_order() -> None:
    known = {"O0003474": 1, "B55001": 1, "O1234567": 1}
    assert order_ids("hey has 00003474 gone out yet", known, forms=True, lookalike=True) == ["O0003474"]
    assert order_ids("hey has 00003474 gone out yet", known, forms=True) == []  # switched off
    assert order_ids("where is 855001", known, forms=True, lookalike=True) == ["B55001"]
    # a number that is no known order behind a look-alike letter stays nothing
    assert order_ids("i paid 90003474 for it", known, forms=True, lookalike=True) == []
    # the written id and the digits-alone form still win as before
    assert order_ids("order O0003474 please", known, forms=True, lookalike=True) == ["O0003474"]
    assert order_ids("订单号1234567", known, forms=True, lookalike=True) == ["O1234567"]


def test_a_question_after_a_condition_needs_an_auxiliary_and_a_colon_ends_a_lead_in() -> None:
    # round 15's cues read the subordinate "when it" as a question: two clauses
    story = "and if it doesn't fit when it finally turns up, how long have i got to send it back?"
    assert len(questions(story, cues=True)) == 2
    assert questions(story, cues=True, syntax=True) == []  # one question after a condition
    assert asked("and if it doesn't fit when it finally turns up", cues=True)
    assert not asked("and if it doesn't fit when it finally turns up", cues=True, syntax=True)
    # round 15's own examples are still cut
    for text in (
        "which cards do you take, and if my basket is over $300 can i spread the cost?",
        "do you send parcels to norway, and once it has left how do i see where it is?",
    ):
        assert questions(text, cues=True, syntax=True) == questions(text, cues=True)
        assert len(questions(text, cues=True, syntax=True)) == 2
    lead = "Three things: do you post to Iceland, and is there a fee for express?"
    assert questions(lead, cues=True) == []  # the lead-in hid the first question
    assert questions(lead, cues=True, syntax=True) == ["do you post to Iceland", "is there a fee for express"]
    # a time is no lead-in
    assert questions("if i order by 16:00 does it leave today?", cues=True, syntax=True) == []


def test_the_one_asked_clause_of_a_story_and_chit_chat() -> None:
    letter = (
        "Hello there, we are moving flat on Friday. If I order today, when would it get to me? Thanks, Sam"
    )
    assert asked_piece(letter, cues=True, syntax=True) == "when would it get to me"
    assert asked_piece("when would it get to me?", cues=True) is None  # brief: nothing around it
    assert asked_piece("how long is delivery, and what does it cost?", cues=True) is None  # two asked
    assert chit_chat("晚上好，外面下雨了呢") is False  # 呢 asks
    assert chit_chat("good evening, lovely sunny day here") is True
    assert chit_chat("hello, is anyone there?") is False
    assert plain_order_message("oops, wrong number - it's B55001")
    assert not plain_order_message("B55001 arrived broken, i want a refund")


def test_chinese_and_english_price_ceilings() -> None:
    r = PriceReader(1.0, 10000.0, ["CNY", "USD"])
    for text, hi in (
        ("生日礼物，上限 800 块", 800.0),
        ("500封顶的蓝牙耳机", 500.0),
        ("顶多200块的包", 200.0),
    ):
        got = r.prices(text)
        assert len(got) == 1 and got[0].lo is None and got[0].hi == hi, text


class _Price:
    def __init__(self, lo: float, span: tuple[int, int]) -> None:
        self.kind, self.source, self.span = "price", "pattern", span
        self.price_min, self.price_max = lo, None


class _U:
    def __init__(self, query: str, lo: float, span: tuple[int, int]) -> None:
        self.query, self.constraints = query, [_Price(lo, span)]


def test_a_negated_floor_three_words_away_is_a_ceiling() -> None:
    q = "a rug, but i won't spend a penny more than $70"
    at = q.index("more than")
    s = Slots(price_min=70.0)
    read_ceilings(_U(q, 70.0, (at, len(q))), s)  # type: ignore[arg-type]
    assert (s.price_min, s.price_max) == (None, 70.0)
    q2 = "i would be happy to pay a lot more than $70"  # no negation: a floor
    s2 = Slots(price_min=70.0)
    read_ceilings(_U(q2, 70.0, (q2.index("more than"), len(q2))), s2)  # type: ignore[arg-type]
    assert (s2.price_min, s2.price_max) == (70.0, None)


def test_level_at_reads_a_quantile_of_the_left_out_margins_only_for_enough_of_them() -> None:
    domain = ["return an item within 30 days", "delivery takes 3 days", "pay by card"]
    off = ["book a hotel", "weather tomorrow"]
    big = [(f"{t} {n}", i, f"log{n % 3}") for n in range(9) for t, i, _ in LABELLED]
    m = DomainMargin(_bag, domain, off, big, k=1)
    pooled = np.sort(m._sorted[None])
    assert len(pooled) >= MIN_LEVEL_QUESTIONS
    assert m.level_at() == m.level == pytest.approx(float(pooled[0]))
    assert m.level_at(None, 0.1) == pytest.approx(float(pooled[int(0.1 * len(pooled))]))
    assert m.level_at(None, 0.1) >= m.level
    with pytest.raises(ValueError, match="quantile"):
        m.level_at(None, 1.0)
    small = DomainMargin(_bag, domain, off, list(LABELLED), k=1)  # 7 policy questions: unchanged
    assert small.level_at(None, 0.5) == small.level


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine.build(PRODUCTS, None, SearchConfig(encoder=None, ltr="off"))


def _shop(engine: SearchEngine) -> Assistant:
    a = Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()), labelled=LABELLED)
    if a.domain is None:
        pytest.skip("the policy encoder (mUSE) is not available")
    return a


def test_a_bare_second_clause_is_read_in_the_topic_of_the_first(engine) -> None:
    a = _shop(engine)
    text = "how many months of warranty do i get, and what isn't included?"
    a.options["clause_topic"] = False
    before = [c["id"] for c in a.turn(text, "t-off").citations]
    a.options["clause_topic"] = True
    after = [c["id"] for c in a.turn(text, "t-on").citations]
    assert before == ["warranty-period"]
    assert after == ["warranty-period", "warranty-exclusions"]


def test_a_follow_up_pointing_back_reads_with_the_question_before(engine) -> None:
    a = _shop(engine)

    def ask(cid: str, first: str, then: str) -> list[str]:
        a.turn(first, cid)
        return [c["id"] for c in a.turn(then, cid).citations]

    first, then = "can i pay in monthly instalments?", "what does that cost?"
    a.options["followup_that"] = False
    assert ask("off", first, then) == []  # alone: a product's price, and no product named
    a.options["followup_that"] = True
    assert ask("on", first, then) == ["payment-instalments"]
    # a follow-up naming its own subject keeps its own reading
    assert ask("own", "can i send back shoes that do not fit?", "and can i swap them instead?") == [
        "returns-exchange"
    ]


def test_round16_switches_default() -> None:
    for name in ("level_q", "foreign_level", "asked_intent", "asked_focus", "greeting_chat"):
        assert core_mod.OPTIONS[name] is False  # measured, not kept
    kept = ("clause_topic", "followup_that", "clause_syntax", "order_brief", "order_plain", "order_lookalike", "no_order_policy")  # fmt: skip
    for name in kept:
        assert core_mod.OPTIONS[name] is True
