"""Issue 13, round 6: the section model (a classifier over the shop's own policy sentences)
orders the sections BM25 matched. Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import pytest

import shopmind.assistant.policy as policy
from shopmind.assistant.knowledge import load_policies
from shopmind.assistant.policy import PolicyIndex
from shopmind.assistant.section_model import SectionModel, section_pieces
from shopmind.demo.policies import policy_files


@pytest.fixture(scope="module")
def sections():
    return load_policies(texts=policy_files())


def test_pieces_are_every_heading_sentence_and_question_phrase_of_every_section(sections) -> None:
    pieces = section_pieces(sections)
    assert all(t and t == t.strip() for t, _ in pieces)
    by_id: dict[str, list[str]] = {}
    for t, sid in pieces:
        by_id.setdefault(sid, []).append(t)
    assert set(by_id) == {s.id for s in sections} and len(by_id) == 17
    for s in sections:
        for heading, _ in s.text.values():  # both languages' headings
            assert heading in by_id[s.id]
        assert len(by_id[s.id]) >= 6  # 2 headings, >= 2 body sentences, >= 2 question phrases
    assert "退货期限" in by_id["returns-window"] and "return deadline" in by_id["returns-window"]


def test_the_section_model_orders_what_bm25_matched_and_keeps_its_scores(sections, monkeypatch) -> None:
    idx = PolicyIndex(sections, dense=False)  # the section model alone beside BM25
    text = "是不是可以用PayPal付款"  # "付款" is also in the failed-payment section's body
    monkeypatch.setattr(policy, "SECTION_MODEL_WEIGHT", 0.0)
    alone = idx._search(text)
    monkeypatch.setattr(policy, "SECTION_MODEL_WEIGHT", 1.0)
    both = idx._search(text)
    assert alone[0][0] == "payment-failed" and both[0][0] == "payment-methods"
    assert dict(alone) == dict(both)  # the same sections with their own BM25 scores, reordered
    assert both[0][1] < both[1][1]  # the section model outranked a higher BM25 score
    probs = idx.model.probabilities(text)
    assert probs["payment-methods"] > probs["payment-failed"] and abs(sum(probs.values()) - 1) < 0.05


def test_one_section_or_none_needs_no_model(sections) -> None:
    one = PolicyIndex(sections[:1])
    assert one.model is not None and one.model.model is None and one.model.probabilities("x") == {}
    assert one.search(sections[0].text["en"][0])[0][0] == sections[0].id
    assert PolicyIndex([]).search("退货") == [] and SectionModel([]).probabilities("退货") == {}
