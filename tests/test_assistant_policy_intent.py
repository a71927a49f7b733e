"""Issue 13, round 2 and 5: policy retrieval vs the bm25s baseline, the dense-feature path of the intent
model, the seed (no labelled question is generated), section concepts, the CLI's encoder check."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.assistant.intent import IntentModel, generated_pairs, normalise, seed_pairs
from shopmind.assistant.knowledge import load_policies
from shopmind.assistant.policy import BM25Baseline, PolicyIndex, policy_tokens
from shopmind.assistant.seed import INTENTS
from shopmind.demo.assistant import assistant_data
from shopmind.demo.generator import generate
from shopmind.demo.policies import policy_files


@pytest.fixture(scope="module")
def data():
    return assistant_data(generate(seed=7, n_products=400, n_users=200, days=20), seed=7)


@pytest.fixture(scope="module")
def sections():
    return load_policies(texts=policy_files())


# ------------------------------------------------------------------ tokens
def _words(text: str) -> list[str]:
    return [t for t in policy_tokens(text) if not t.startswith("~")]


def test_policy_tokens_stem_english_and_cut_chinese_into_characters_and_bigrams() -> None:
    assert _words("Can I return the shoes?") == ["can", "i", "return", "the", "shoe"]
    assert _words("returned returning returns") == ["return"] * 3
    assert _words("可以退吗") == ["可", "以", "退", "吗", "可以", "以退", "退吗"]
    assert _words("ＲＥＴＵＲＮ 退货") == ["return", "退", "货", "退货"]  # NFKC
    # concept tokens (CONCEPT_TOKENS each) join the words: "postage" and "运费" meet
    assert policy_tokens("postage?").count("~ship_cost") == policy_tokens("运费").count("~ship_cost") >= 1
    assert _words("how long is the retrun windw") == _words("how long is the return window")  # typos


@given(
    st.lists(st.sampled_from([*"abcxyz退货运费 ,.?IＡ", "the ", "shoes ", "退款"]), max_size=20).map("".join)
)
@settings(max_examples=80, deadline=None)
def test_policy_tokens_invariants(text: str) -> None:
    toks = policy_tokens(text)
    assert all(t == t.lower() and t.strip() for t in toks)
    assert policy_tokens(text.upper()) == toks  # case never matters (NFKC + lower)
    # every Chinese run of n characters gives n unigrams and n - 1 bigrams
    runs = [r for r in "".join(c if "\u4e00" <= c <= "\u9fff" else " " for c in text).split()]
    assert sum(len(t) == 1 and "\u4e00" <= t <= "\u9fff" for t in toks) == sum(len(r) for r in runs)
    assert sum(len(t) == 2 and "\u4e00" <= t[0] <= "\u9fff" for t in toks) == sum(len(r) - 1 for r in runs)


# ------------------------------------------------------------------ retrieval
def _recall(rank, qs) -> float:  # noqa: ANN001
    return float(np.mean([q["expect"]["section"] in rank(str(q["text"]))[:3] for q in qs]))


def test_policy_retrieval_is_at_least_the_bm25s_baseline(data, sections) -> None:
    qs = [q for q in data.questions if "section" in q["expect"] and q["set"] == "main"]
    assert len(qs) >= 40
    ours = PolicyIndex(sections)
    base = BM25Baseline(sections)
    r_ours = _recall(lambda t: [s for s, _ in ours.search(t, None, 3)], qs)
    r_base = _recall(lambda t: base.search(t, 3), qs)
    assert r_ours >= r_base and r_ours >= 0.95, (r_ours, r_base)


def test_topic_restriction_and_empty_index(sections) -> None:
    idx = PolicyIndex(sections)
    hits = idx.search("how long does a refund take", ("payment",), 3)
    assert hits and all(idx.sections[s].topic == "payment" for s, _ in hits)
    assert idx.search("zzzz qqqq", None, 3) == []  # no shared term: no section
    assert PolicyIndex([]).search("refund", None, 3) == []


# ------------------------------------------------------------------ dense features
def _fake_embed(texts: list[str]) -> np.ndarray:
    """A deterministic 16-d 'sentence vector': hashed character bigram counts, unit length."""
    out = np.zeros((len(texts), 16), dtype=np.float32)
    for i, t in enumerate(texts):
        for a, b in zip(t, t[1:], strict=False):
            out[i, (ord(a) * 31 + ord(b)) % 16] += 1
    n = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(n == 0, 1, n)


def test_intent_model_with_dense_features_predicts_alike_one_by_one_and_in_batch() -> None:
    calls: list[int] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return _fake_embed(texts)

    m = IntentModel.train(embed=embed, epochs=60, dense_scale=2.0)
    assert m.dense is not None and m.dense.shape == (16, len(m.labels)) and np.abs(m.dense).sum() > 0
    texts = ["where is my order O1234567", "我想退货", "tell me a joke", "包邮吗"]
    one = [m.predict(t) for t in texts]
    many = m.predict_many(texts)
    for a, b in zip(one, many, strict=True):
        assert a.intent == b.intent and a.confidence == pytest.approx(b.confidence, abs=1e-4)
    assert calls[0] == len(seed_pairs()) + len(generated_pairs())  # training embeds every utterance once
    plain = IntentModel.train(epochs=60)
    assert plain.dense is None and plain.predict("hi").ranked[0][0] in INTENTS


# ------------------------------------------------------------------ held-out 2


def test_evaluate_assistant_refuses_an_unknown_intent_encoder_in_one_line() -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    r = CliRunner().invoke(app, ["evaluate", "assistant", "--intent-encoder", "bert"])
    assert r.exit_code == 2 and "--intent-encoder must be 'none' or 'e5'" in r.output
    assert "Traceback" not in r.output


def test_no_labelled_question_is_a_generated_seed_utterance(data) -> None:
    generated = {normalise(t) for t, _ in generated_pairs()}
    assert len(generated) > 500
    assert not [q["text"] for q in data.questions if normalise(str(q["text"])) in generated]


# ------------------------------------------------------------------ round 5: section concepts
def test_a_section_takes_only_the_concepts_every_language_version_names(sections) -> None:
    from shopmind.assistant.knowledge import Section
    from shopmind.assistant.policy import PolicyIndex, section_concepts

    by_id = {s.id: s for s in sections}
    # "美国运通" (American Express) and "换一种支付方式" (pay another way) are wording, not topics
    assert "abroad" not in section_concepts(by_id["payment-methods"])
    assert "exchange" not in section_concepts(by_id["payment-failed"])
    assert "pay_method" in section_concepts(by_id["payment-methods"])  # both versions name it
    assert "abroad" in section_concepts(by_id["shipping-international"])
    # one language: its own concepts
    one = Section("x-1", "shipping", {"en": ("Abroad", "We ship overseas.")})
    assert "abroad" in section_concepts(one)
    idx = PolicyIndex(sections)
    assert idx.search("能寄到美国吗", None, k=1)[0][0] == "shipping-international"
