"""Issue 13, round 11: learning from the shop's own labelled conversations in sentence-vector
space — out of scope by distance to the shop's domain (``domain``), the policy ordering's nearest
labelled questions (``PolicyIndex.set_examples``), the cached shared encoder (``intent_dense``).
Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from shopmind.assistant.core import Assistant
from shopmind.assistant.domain import DomainMargin
from shopmind.assistant.intent_dense import CachedEmbed, labelled_pairs, labelled_sections
from shopmind.assistant.knowledge import load_policies
from shopmind.assistant.policy import PolicyIndex
from shopmind.demo.policies import policy_files
from shopmind.search.engine import SearchConfig, SearchEngine
from test_assistant_context import ORDERS, PRODUCTS


def _bag(texts: list[str]) -> np.ndarray:
    """A deterministic toy encoder: hashed bag of words, unit length."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for r, t in enumerate(texts):
        for w in t.lower().split():
            out[r, zlib.crc32(w.encode()) % 64] += 1.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_cached_embed_encodes_each_text_once_and_returns_unit_rows() -> None:
    calls: list[list[str]] = []

    def enc(ts: list[str]) -> np.ndarray:
        calls.append(list(ts))
        return _bag(ts) * 3.0  # not unit length: the cache normalises

    e = CachedEmbed(enc, size=2)
    a = e(["red shoes", "blue hat", "red shoes"])
    assert calls == [["red shoes", "blue hat"]] and a.shape == (3, 64)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0) and np.allclose(a[0], a[2])
    e(["blue hat"])
    assert len(calls) == 1  # a cache hit
    e(["green bag"])  # pushes "red shoes" out (size 2)
    e(["red shoes"])
    assert calls[-1] == ["red shoes"] and len(calls) == 3


def test_labelled_pairs_keep_the_named_sets_and_refuse_a_question_without_intent() -> None:
    qs = [
        {"id": 1, "set": "a", "text": "where is it", "intent": "order_status", "expect": {}},
        {
            "id": 2,
            "set": "b",
            "text": "can i send it back",
            "intent": "return_refund",
            "expect": {"section": "returns-window"},
        },  # fmt: skip
    ]
    assert labelled_pairs(qs, ["b"]) == [("can i send it back", "return_refund", "b")]
    assert labelled_sections(qs) == [("can i send it back", "returns-window")]
    with pytest.raises(ValueError, match="needs a text and an intent"):
        labelled_pairs([{"id": 3, "text": "hello"}])


def test_domain_level_is_the_lowest_left_out_margin_of_a_labelled_policy_question() -> None:
    domain = ["return an item within 30 days", "delivery takes 3 days", "pay by card"]
    off = ["tell me a joke", "what is the weather"]
    labelled = [
        ("can i return my shoes", "return_refund", "g1"),
        ("refund for my concert ticket", "out_of_scope", "g1"),
        ("how long does delivery take", "shipping", "g2"),
        ("refund for my train ticket", "out_of_scope", "g2"),
    ]
    d = DomainMargin(_bag, domain, off, labelled, k=1)
    # the level: each group's policy questions scored with that group left out, the lowest kept
    m1 = float(d._margins(_bag(["can i return my shoes"]), exclude="g1")[0])
    m2 = float(d._margins(_bag(["how long does delivery take"]), exclude="g2")[0])
    assert d.level == pytest.approx(min(m1, m2))
    # a ticket refund sits nearer the labelled out-of-scope tickets than any policy question does
    assert d.off_domain("refund for my cinema ticket")
    assert not d.off_domain("can i return my shoes")
    # without labelled out-of-scope conversations the rule is off
    assert DomainMargin(_bag, domain, off, labelled[::2], k=1).level == -np.inf
    assert not DomainMargin(_bag, domain, off, (), k=1).off_domain("refund for my cinema ticket")
    with pytest.raises(ValueError, match="k must be"):
        DomainMargin(_bag, domain, off, labelled, k=0)


def test_policy_examples_lean_the_ordering_and_refuse_unknown_sections() -> None:
    pol = PolicyIndex(load_policies(texts=policy_files()), dense=False)
    q = "the strap snapped, what now"
    before = [s for s, _ in pol.search(q, None, k=17)]
    assert len(before) >= 2
    target = before[-1]  # the section ranked last among those BM25 matched
    pol.set_examples([("the strap snapped what now", target), ("strap snapped again", target), ("my strap snapped", target)] + [("pay with a card", s) for s in pol.sections if s != target][:3], _bag)  # fmt: skip
    after = [s for s, _ in pol.search(q, None, k=17)]
    assert after.index(target) < before.index(target)
    pol.set_examples([], _bag)
    assert [s for s, _ in pol.search(q, None, k=17)] == before
    with pytest.raises(ValueError, match="unknown sections"):
        pol.set_examples([("hi", "no-such-section")], _bag)


#: the test shop's own labelled conversations (text, intent, group): two groups, each with
#: policy questions and services the shop does not sell told with a refund / payment word
LABELLED = [
    ("can i send back shoes that do not fit", "return_refund", "log1"),
    ("how many days do i have to return something", "return_refund", "log1"),
    ("do you deliver to austria", "shipping", "log1"),
    ("which cards can i pay with", "payment", "log1"),
    ("i want my money back for the concert that got cancelled", "out_of_scope", "log1"),
    ("how do i pay my gas bill in instalments", "out_of_scope", "log1"),
    ("my hotel booking was cancelled, refund?", "out_of_scope", "log1"),
    ("can i get a refund if the item arrived broken", "return_refund", "log2"),
    ("how long does standard delivery take", "shipping", "log2"),
    ("can i pay later with an invoice", "payment", "log2"),
    ("the airline lost my suitcase, how do i claim compensation", "out_of_scope", "log2"),
    ("can i return my rented scooter at another station", "out_of_scope", "log2"),
    ("how do i cancel my streaming subscription payment", "out_of_scope", "log2"),
]


@pytest.fixture(scope="module")
def asst() -> Assistant:
    engine = SearchEngine.build(PRODUCTS, None, SearchConfig(encoder=None, ltr="off"))
    return Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()), labelled=LABELLED)


def test_a_service_refund_near_the_shops_labelled_hand_offs_is_handed_off(asst) -> None:
    assert asst.domain is not None and np.isfinite(asst.domain.level)
    r = asst.turn("the theatre cancelled the show, how do i get a refund for my tickets?", "c-theatre")
    assert r.intent == "out_of_scope" and r.handoff and not r.citations
    # the shop's own questions stay answered from their sections
    r = asst.turn("these boots are too small, can i send them back?", "c-boots")
    assert r.intent == "return_refund" and not r.handoff
    assert any(c["type"] == "policy" for c in r.citations)
    r = asst.turn("how many days until my parcel arrives with standard delivery?", "c-days")
    assert r.intent == "shipping" and not r.handoff


def test_without_labelled_conversations_no_domain_rule_is_built() -> None:
    engine = SearchEngine.build(PRODUCTS, None, SearchConfig(encoder=None, ltr="off"))
    a = Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()))
    assert a.domain is None and a.policy._examples is None
