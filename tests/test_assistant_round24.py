"""Issue 13, round 24: held-out-23 a dev set and round 23's rule plus a per-language condition
over 24 sets (``bench/assistant_loso24.py``); the three defects the lead found (a comparison read
as a return, a gift with a budget finding nothing, a time of day read as a seller's name) and the
round's candidates ("compare_cue", "gift_browse", "time_words", "ship_when", "service_words"),
each test showing the defect with its switch off. Phrasings are this test's own, not any labelled
set's (the lead's three are the lead's)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso23 as L23  # noqa: E402
import assistant_loso24 as L  # noqa: E402
from assistant_round_util import restored_switches, seed_assistant  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.core import Assistant, Reply  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402
from shopmind.assistant.reading import asks_dispatch_time  # noqa: E402
from shopmind.assistant.timewords import is_service_word, is_time_word  # noqa: E402


def test_held_out_23_is_a_dev_set_and_the_rule_reads_all_24() -> None:
    assert LABELLED_SETS[: len(L.DEV_SETS)] == L.DEV_SETS
    assert len(L.DEV_SETS) == 24 and L.DEV_SETS[-1] == "heldout23"
    assert LABELLED_SETS[len(L.DEV_SETS)] == "heldout24"  # round 25 adds held-out-24 after them
    assert f"{L23.REF}+known_words" == L.REF  # round 23 adopted known_words


def _run(misses: list[dict], clean: int = 5) -> dict:
    counts = {"questions": 10, "facts_right": clean, "intent_right": 8, "slots_right": 10, "unsupported": 0, "oos_handed": 1, "oos": 1, "extra_wrong": 0, "clean_right": clean}  # fmt: skip
    return {"by_set": {"a": dict(counts), "b": dict(counts)}, "total": {k: 2 * v for k, v in counts.items()}, "misses": misses}  # fmt: skip


def _miss(lang: str, intent_ok: bool = True, facts_ok: bool = False, extra: bool | None = None) -> dict:
    return {"id": "q", "lang": lang, "intent": "shipping", "predicted": "shipping" if intent_ok else "payment", "facts_ok": facts_ok, "extra": extra}  # fmt: skip


def test_a_language_losing_more_than_the_slack_is_refused_even_when_the_sums_pass() -> None:
    ref = _run([_miss("zh")] * 3)
    within = _run([_miss("zh")] * 3 + [_miss("en", intent_ok=False)] * L.LANG_SLACK)
    beyond = _run([_miss("zh")] * 3 + [_miss("mixed", intent_ok=False)] * (L.LANG_SLACK + 1))
    for r in (within, beyond):  # the sums alone would adopt: clean up on both sets
        for s in ("a", "b"):
            r["by_set"][s]["clean_right"] += 1
            r["by_set"][s]["facts_right"] += 1
            r["by_set"][s]["answers"] = {"q": "changed"}
        r["total"]["clean_right"] += 2
        r["total"]["facts_right"] += 2
    v = L.judge24({"REF": ref, "W": within, "B": beyond}, ["REF", "W", "B"])
    assert v["W"]["adopt_round23"] and v["W"]["adopt"]
    assert v["B"]["adopt_round23"] and not v["B"]["adopt"]
    assert v["B"]["languages"]["mixed"]["intent_missed"] == [0, L.LANG_SLACK + 1]
    assert not v["B"]["fix_ok"] and v["W"]["fix_ok"]


def test_extra_firings_count_in_no_language_and_a_miss_without_lang_is_refused() -> None:
    got = L.language_misses(
        [_miss("en", extra=True), _miss("zh"), _miss("zh", intent_ok=False, facts_ok=True)]
    )
    assert got["en"] == {"intent_missed": 0, "facts_missed": 0}
    assert got["zh"] == {"intent_missed": 1, "facts_missed": 1}
    with pytest.raises(SystemExit, match="no 'lang'"):
        L.language_misses([{"id": "q7", "intent": "a", "predicted": "a", "facts_ok": False}])


@pytest.fixture(scope="module")
def asst() -> Assistant:
    return seed_assistant()


@pytest.fixture
def switches(asst: Assistant) -> Iterator[dict[str, bool]]:
    """The assistant's switches, restored after the test."""
    yield from restored_switches(asst)


def _turn(asst: Assistant, text: str, on: bool, *names: str) -> Reply:
    for n in names:
        asst.options[n] = on
    asst._conversations.clear()
    return asst.turn(text, "t")


def test_compare_these_two_is_a_comparison_not_a_return(asst: Assistant, switches: dict) -> None:
    # found by the lead: the seed-only classifier reads a return (unsure) and hands it off
    before = _turn(asst, "compare these two headphones", False, "compare_cue")
    assert (before.intent, before.handoff) == ("return_refund", True)
    after = _turn(asst, "compare these two headphones", True, "compare_cue")
    assert (after.intent, after.handoff) == ("compare", False)
    assert "Which product" in after.answer  # no two products named: it asks which
    assert (
        _turn(asst, "could you compare the tote and the lamp side by side", True, "compare_cue").intent
        == "compare"
    )
    # another domain's names keep their reading (never a comparison of the shop's products)
    assert _turn(asst, "compare netflix and spotify", True, "compare_cue").intent != "compare"


def test_a_gift_with_a_budget_lists_the_products_within_it(asst: Assistant, switches: dict) -> None:
    # found by the lead: "gift for my mother under 50" matched no product by its words
    before = _turn(asst, "gift for my mother under 50", False, "gift_browse")
    assert before.intent == "product_search" and before.suggested == [] and before.slots["price_max"] == 50.0
    after = _turn(asst, "gift for my mother under 50", True, "gift_browse")
    assert after.intent == "product_search" and sorted(after.suggested) == ["SKU2001", "SKU2002"]
    assert _turn(asst, "birthday present for my dad under 20", True, "gift_browse").suggested == ["SKU2001"]
    assert _turn(asst, "gift for my mother under 10", True, "gift_browse").suggested == []  # none that cheap
    assert (
        _turn(asst, "something for my mother under 50", True, "gift_browse").suggested == []
    )  # no gift named


def test_a_time_of_day_is_no_sellers_name(asst: Assistant, switches: dict) -> None:
    # found by the lead: "at twenty" stood where a seller is named ("a parcel from amazon")
    text = "if i order now at twenty to four when will it ship?"
    switches["time_words"] = False
    assert asst.scope.owners(text) == ["twenty"]  # why: "twenty" is foreign to the shop, after "at"
    switches["time_words"] = True
    assert asst.scope.owners(text) == []
    before = _turn(asst, text, False, "time_words", "ship_when")
    assert before.intent == "out_of_scope" and before.handoff
    after = _turn(asst, text, True, "time_words", "ship_when")
    assert not after.handoff and after.intent == "shipping"
    assert [c["id"] for c in after.citations] == ["shipping-times"]
    assert asst.scope.owners("my parcel from amazon hasn't come") == ["amazon"]  # a seller still is


def test_numbers_days_and_times_of_day_are_time_words_and_others_are_not() -> None:
    for w in (
        "twenty",
        "thursday",
        "4pm",
        "midnight",
        "thirties",
        "十点",
        "三点半",
        "周三",
        "星期五",
        "晚上",
        "下周一",
        "两天",
    ):
        assert is_time_word(w), w
    for w in ("amazon", "hotel", "twentyfold", "taobao", "淘宝", "酒店", "外卖", ""):
        assert not is_time_word(w), w
    assert is_service_word("Bot") and is_service_word("机器人") and not is_service_word("hotel")


def test_time_and_service_words_are_foreign_only_with_their_switch(asst: Assistant, switches: dict) -> None:
    text = "are you a bot? i ordered on thursday"
    switches.update(time_words=False, service_words=False)
    assert set(asst.scope.foreign(text)) == {"bot", "thursday"}
    switches.update(time_words=True)
    assert asst.scope.foreign(text) == ["bot"]
    switches.update(service_words=True)
    assert asst.scope.foreign(text) == [] and asst.scope.all_known(text)


def test_when_will_it_ship_asks_the_dispatch_times() -> None:
    assert asks_dispatch_time("if i order now when will it ship?")
    assert asks_dispatch_time("周三晚上下单 什么时候发货")
    assert not asks_dispatch_time("has it shipped yet?")  # progress of a parcel, not a policy
    assert not asks_dispatch_time("when will my refund be sent?")  # a refund named: not dispatch


def test_round_24_adopts_the_three_defect_fixes_and_refuses_the_others() -> None:
    # run 3 (all three against the reference, 24 folds): clean 2,277 -> 2,278, no set and no
    # language down (``fix_ok``); "ship_when" gained on one set only, "service_words" moved no answer
    assert core.OPTIONS["time_words"] and core.OPTIONS["compare_cue"] and core.OPTIONS["gift_browse"]
    assert core.OPTIONS["ship_when"] is False and core.OPTIONS["service_words"] is False
