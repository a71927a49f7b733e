"""Issue 13, round 29: held-out-28 a dev set and round 28's rule (round 24's ``judge24``) over 29
sets (``bench/assistant_loso29.py``). Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso28 as L28  # noqa: E402
import assistant_loso29 as L  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402


def test_held_out_28_is_a_dev_set_and_the_rule_reads_all_29() -> None:
    assert LABELLED_SETS[: len(L.DEV_SETS)] == L.DEV_SETS
    assert len(L.DEV_SETS) == 29 and L.DEV_SETS[-1] == "heldout28"
    assert LABELLED_SETS[len(L.DEV_SETS)] == "heldout29"  # round 30 adds held-out-29 after them
    # round 28 kept these four (three by the rule, one defect fix)
    assert f"{L28.REF}+id_split+field_words+ceiling_most+news_word" == L.REF
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert set(L.REF.split("+")) - {"ab", "intent"} == on - ADOPTED_29 - ADOPTED_30


# ------------------------------------------------------------------ round 29's candidates
import pytest  # noqa: E402

from assistant_round_util import ADOPTED_29, ADOPTED_30, restored_switches, seed_assistant  # noqa: E402
from shopmind.assistant.answer import CANNED  # noqa: E402
from shopmind.assistant.compose import CHEAPER_THAN_SHOWN  # noqa: E402
from shopmind.assistant.person import asks_person, says_yes  # noqa: E402

#: round 29's candidates (``options.OPTIONS``)
ROUND_29 = ("person_asked", "offer_yes", "have_search", "cheaper_kept")


@pytest.fixture(scope="module")
def asst():
    return seed_assistant()


@pytest.fixture
def opts(asst):
    yield from restored_switches(asst)


def test_a_plain_request_for_a_person_is_read_in_each_language() -> None:
    for text in [
        "i'd like to talk to a human",
        "could you put me through to an actual person",
        "agent pls",
        "just get me a representative",
        "帮我转人工",
        "我要找真人客服人员",
        "能不能跟真人聊",
        "can someone connect me to 客服 人工",
    ]:
        assert asks_person(text), text
    for text in [
        "hey, is this a bot or a real person?",
        "你到底是不是真人",
        "my parcel was left with someone next door",  # a person named, nothing asked of one
        "i want to talk to someone about my return of the lamp, it arrived bent and the box was open too",
    ]:
        assert not asks_person(text), text


def test_a_bare_yes_is_read_and_anything_more_is_not() -> None:
    for text in ["Yes!", "yeah sure", "ok go ahead", "好的", "嗯 麻烦了", "yes please"]:
        assert says_yes(text), text
    for text in ["", "thanks", "yes is the lamp in stock", "不用了", "no thanks"]:
        assert not says_yes(text), text


def test_a_request_for_a_person_and_a_yes_to_the_offer_hand_off(asst, opts) -> None:
    opts.update(person_asked=False, offer_yes=False)
    assert asst.turn("i'd like to talk to a human", "r29-a").answer != CANNED["person"]["en"]
    opts.update(person_asked=True, offer_yes=True)
    r = asst.turn("i'd like to talk to a human", "r29-b")
    assert (r.intent, r.handoff, r.answer) == ("complaint", True, CANNED["person"]["en"])
    r = asst.turn("帮我转人工", "r29-c")  # a complaint reading keeps its own answer (both pass it on)
    assert (r.intent, r.handoff) == ("complaint", True)
    first = asst.turn("who won the football match last night", "r29-d")
    assert first.handoff and first.intent == "out_of_scope"  # it offers a colleague
    r = asst.turn("yes please", "r29-d")
    assert (r.intent, r.handoff, r.answer) == ("complaint", True, CANNED["person"]["en"])
    asst.turn("hello", "r29-e")  # no offer made: a yes is not a hand-off
    assert asst.turn("yes", "r29-e").answer != CANNED["person"]["en"]


def test_cheaper_than_shown_reads_the_comparative_in_both_languages() -> None:
    for text in [
        "cheaper ones?",
        "anything less expensive",
        "more affordable options?",
        "便宜一点的呢",
        "有没有更实惠的",
    ]:
        assert CHEAPER_THAN_SHOWN.search(text), text
    assert not CHEAPER_THAN_SHOWN.search("how much is it")


def test_the_decision_as_the_defaults() -> None:
    # run 1 (29 folds): no clean dev answer moved by any of the four, none of (3)-(6) broken -
    # all four kept as the lead's defect fixes (fix_ok)
    assert {n for n in ROUND_29 if core.OPTIONS[n]} == ADOPTED_29 == set(ROUND_29)
