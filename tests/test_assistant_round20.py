"""Issue 13, round 20: held-out-19 a dev set and round 19's rule over 20 sets
(``bench/assistant_loso20.py``); the misses grouped by kind (``bench/assistant_misses20.py``); the
candidates: a section's headings in the ordering of its topic (``policy.HEADING_WEIGHT``) and an
in-topic tie-break learnt out of fold from the labelled questions (``section_pair``,
"pair_tiebreak"). Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso20 as L  # noqa: E402
from assistant_loso17 import expand  # noqa: E402
from assistant_loso19 import REF as REF19  # noqa: E402
from assistant_misses20 import miss_kind, table  # noqa: E402
from shopmind.assistant import policy as policy_mod  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402
from shopmind.assistant.knowledge import load_policies  # noqa: E402
from shopmind.assistant.policy import PolicyIndex, heading_tokens, ordering_score, policy_tokens  # noqa: E402
from shopmind.assistant.section_pair import PairTieBreak, confusable_diffs, fit_weights  # noqa: E402
from shopmind.demo.policies import policy_files  # noqa: E402

TOPIC = {
    "returns-window": "returns",
    "returns-how": "returns",
    "warranty-claim": "warranty",
    "warranty-period": "warranty",
    "shipping-free": "shipping",
}


def test_held_out_19_is_a_dev_set_and_the_rule_reads_all_20() -> None:
    assert LABELLED_SETS[: len(L.DEV_SETS)] == L.DEV_SETS
    assert len(L.DEV_SETS) == 20 and L.DEV_SETS[-1] == "heldout19"
    assert f"{REF19}+owner_foreign" == L.REF  # round 19's final parts
    assert expand("REF+pair_tiebreak", L.REF).split("+")[-2:] == ["owner_foreign", "pair_tiebreak"]


def test_misses_are_grouped_by_what_went_wrong() -> None:
    sec = {"section": "returns-window"}

    def kind(expect: dict, **m: object) -> str:
        return miss_kind(expect, {"intent": "return_refund", "handoff": False, **m}, TOPIC)

    w = ["returns-window"]
    assert kind(sec, want_sections=w, cited_sections=["returns-how"]) == "wrong section inside the topic"
    assert kind(sec, want_sections=w, cited_sections=["shipping-free"]) == "wrong topic"
    assert kind(sec, want_sections=w, cited_sections=[]) == "policy question answered from no section"
    assert kind(sec, want_sections=w, cited_sections=[], handoff=True) == "handed off where an answer was due"
    two = {"all": [sec, {"section": "warranty-period"}]}
    both = ["returns-window", "warranty-period"]
    assert kind(two, want_sections=both, cited_sections=w) == "two-part question, a part missing"
    order = {"all": [{"status": "shipped", "order_id": "o1"}, sec]}
    assert kind(order, want_sections=w, cited_sections=w) == "order fact"  # its policy part was right
    assert kind(order, want_sections=w, cited_sections=[]) == "two-part question, a part missing"
    assert kind({"field": "price", "product_id": "p", "value": "9"}) == "product fact or search"
    assert kind({"handoff": True}, intent="out_of_scope") == "out-of-scope answered"
    with pytest.raises(KeyError):
        kind(sec, want_sections=w, cited_sections=["nope"])
    misses = [
        {"id": "a", "set": "main", "facts_ok": False, "want_sections": w, "cited_sections": ["returns-how"]},
        {
            "id": "b",
            "set": "heldout",
            "facts_ok": False,
            "want_sections": w,
            "cited_sections": ["returns-how"],
        },
        {"id": "c", "set": "main", "facts_ok": True, "want_sections": w, "cited_sections": w},  # intent only
        {"id": "c", "set": "main", "facts_ok": None, "extra": True, "want_sections": w, "cited_sections": w},
    ]
    t = table(misses, {"a": {"expect": sec}, "b": {"expect": sec}, "c": {"expect": sec}}, TOPIC)
    assert t["wrong section inside the topic"]["n"] == 2
    assert dict(t["wrong section inside the topic"]["by_set"]) == {"main": 1, "heldout": 1}
    assert sum(x["n"] for x in t.values()) == 2
    with pytest.raises(SystemExit, match="not a dev question"):
        table(misses, {"a": {"expect": sec}}, TOPIC)


def test_a_sections_headings_hold_what_it_is_about_not_its_body() -> None:
    secs = {s.id: s for s in load_policies(texts=policy_files())}
    toks = set(heading_tokens(secs["returns-refund"]))
    assert set(policy_tokens("refund timing", ())) <= toks
    assert "warehous" not in toks and not any(t.startswith("~") for t in toks)  # body words, concepts
    assert set(policy_tokens("退款", ())) & toks  # the Chinese heading too


def test_the_ordering_score_is_the_weighted_signals_and_the_heading_is_not_in_it() -> None:
    c = [0.5, 0.25, -1.0, 2.0, 9.0]
    want = 0.5 + policy_mod.SECTION_MODEL_WEIGHT * 0.25 + policy_mod.DENSE_WEIGHT * -1.0 + policy_mod.EXAMPLE_WEIGHT * 2.0  # fmt: skip
    assert ordering_score(c) == pytest.approx(want)
    assert ordering_score(c) == ordering_score([*c[:4], 0.0])


def test_headings_reorder_only_the_leading_topics_sections(monkeypatch) -> None:
    index = PolicyIndex(load_policies(texts=policy_files()), dense=False)
    text = "my item is broken, how do I claim a refund and how long does the refund take"

    def order(weight: float) -> list[str]:
        monkeypatch.setattr(policy_mod, "HEADING_WEIGHT", weight)
        index.clear_memo()
        return [sid for sid, _ in index.search(text, None, k=len(index.sections))]

    plain, heads = order(0.0), order(5.0)
    lead = index.topic(heads[0])
    assert index.topic(plain[0]) == lead  # never moves the answer to another topic
    assert sorted(plain) == sorted(heads)  # only the order changes, not what matched
    assert [s for s in heads if index.topic(s) != lead] == [s for s in plain if index.topic(s) != lead]
    assert heads[0] == "returns-refund", heads  # "refund" is its heading's word


def test_the_tie_break_learns_the_signal_that_tells_the_labelled_section_apart() -> None:
    rng = np.random.default_rng(7)
    d = rng.normal(size=(200, 5))
    d[:, 4] = np.abs(d[:, 4]) + 0.1  # the labelled section always has the higher heading score
    w = fit_weights(d)
    assert w[4] > 1.0 and np.abs(w[:4]).max() < w[4]
    assert np.array_equal(w, fit_weights(d))  # deterministic
    pair = PairTieBreak(w, len(d))
    assert pair.prefers_second([0.9, 0.5, 0.0, 0.0, 0.0], [0.9, 0.5, 0.0, 0.0, 1.0])
    assert not pair.prefers_second([0.9, 0.5, 0.0, 0.0, 1.0], [0.9, 0.5, 0.0, 0.0, 0.0])


def test_the_tie_break_swaps_only_two_sections_of_one_topic() -> None:
    index = PolicyIndex(load_policies(texts=policy_files()), dense=False)
    index.pair = PairTieBreak([0.0, 0.0, 0.0, 0.0, 1.0], 50)  # the heading decides
    comp = {"returns-window": [1, 0, 0, 0, 0.2], "returns-refund": [0.9, 0, 0, 0, 1.0], "shipping-free": [0.8, 0, 0, 0, 1.0]}  # fmt: skip
    assert index._pair_swaps([("returns-window", 3.0), ("returns-refund", 2.0)], comp)
    assert not index._pair_swaps([("returns-window", 3.0), ("shipping-free", 2.0)], comp)  # two topics
    assert not index._pair_swaps([("returns-refund", 3.0), ("returns-window", 2.0)], comp)
    index.pair = None
    assert not index._pair_swaps([("returns-window", 3.0), ("returns-refund", 2.0)], comp)


def test_a_clause_is_read_without_the_tie_break_under_pair_whole() -> None:
    index = PolicyIndex(load_policies(texts=policy_files()), dense=False)
    text = "how long does a refund take once you get the return"
    plain = [sid for sid, _ in index.search(text, None, k=2)]
    assert index.topic(plain[0]) == index.topic(plain[1]) == "returns", plain
    w = [-1.0, -policy_mod.SECTION_MODEL_WEIGHT, -policy_mod.DENSE_WEIGHT, -policy_mod.EXAMPLE_WEIGHT, 0.0]
    index.pair = PairTieBreak(w, 50)  # always the second of two of one topic
    index.clear_memo()
    assert [sid for sid, _ in index.search(text, None, k=2)] == plain[::-1]
    assert [sid for sid, _ in index.search(text, None, k=2, pair=False)] == plain  # a clause's reading


def test_the_tie_break_is_learnt_out_of_fold_from_confusable_questions_only() -> None:
    index = PolicyIndex(load_policies(texts=policy_files()), dense=False)
    asks = {
        "warranty-period": [
            "how many months is the guarantee",
            "how long does the warranty last on a lamp",
            "warranty length for a blender",
            "is the guarantee one year or two",
        ],
        "warranty-claim": [
            "the warranty repair, what do i send you",
            "my blender broke, how do i use the guarantee",
            "claim under warranty for a lamp",
            "faulty kettle, guarantee replacement please",
        ],
        "returns-window": [
            "how many days do i have to return it",
            "is there a deadline to send things back",
            "return period for shoes",
            "can i still return it after three weeks",
        ],
        "returns-refund": [
            "when is my refund paid",
            "how long until my money is back after a return",
            "refund still not here",
            "refund time after you get the parcel",
        ],
    }
    pairs = [(f"{t} ({i})", sid) for i in range(3) for sid, ts in asks.items() for t in ts]
    index.learn_sections(pairs)
    diffs = confusable_diffs(index, pairs)
    assert diffs.shape[1] == 5 and 0 < len(diffs) <= len(pairs)
    index.learn_pair(pairs)
    assert (index.pair is None) == (len(diffs) < 20)
    index.learn_pair([])
    assert index.pair is None
    with pytest.raises(ValueError, match="unknown sections"):
        index.learn_pair([("how long", "nope")])


def test_round_20_defaults() -> None:
    from shopmind.assistant import core

    assert "pair_tiebreak" in core.OPTIONS and "pair_whole" in core.OPTIONS
    assert policy_mod.HEADING_WEIGHT >= 0.0
