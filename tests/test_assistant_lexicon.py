"""The assistant's concept lexicon, spelling repair, compositional seed and calibrated confidence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.assistant.intent import IntentModel, is_validation, normalise, seed_pairs
from shopmind.assistant.lexicon import Lexicon, _one_edit, default_lexicon
from shopmind.assistant.reading import field_asked as _field
from shopmind.assistant.seed import INTENTS, SEED
from shopmind.assistant.seed_gen import FRAMES, generate


def test_concepts_meet_across_words_and_languages() -> None:
    lex = default_lexicon()
    assert "ship_cost" in lex.concepts("do I pay postage?") and "ship_cost" in lex.concepts("运费多少")
    assert "refund" in lex.concepts("when do I get my money back") and "refund" in lex.concepts(
        "退款几天到账"
    )
    assert "return" in lex.concepts("I returned it yesterday")  # stems: returned ~ return
    assert "abroad" in lex.concepts("can you ship to Australia") and "abroad" in lex.concepts("能寄到日本吗")
    assert "instalment" not in lex.concepts("it broke after a month")  # "monthly" is no single word here
    assert lex.concepts("明天北京会下雪吗") == ()  # nothing of a shop
    assert lex.concepts("") == ()


def test_spelling_repair_takes_the_one_known_word_one_edit_away() -> None:
    lex = default_lexicon()
    assert [lex.correct(w) for w in ("retrun", "warrenty", "availble", "shiping", "recieved")] == ["return", "warranty", "available", "shipping", "received"]  # fmt: skip
    assert lex.correct("return") == "return" and lex.correct("abc") == "abc"  # known / too short
    assert lex.correct("oder") == "oder"  # order, older, ...: several words one edit away, no guess
    tie = Lexicon(concepts={}, known_texts=["card cart"])
    assert tie.correct("carx") == "carx"  # two candidates: no guess
    assert tie.correct("crad") == "card"  # a swap is one edit


@given(st.text(alphabet="abcdert", min_size=1, max_size=8))
@settings(max_examples=150, deadline=None)
def test_spelling_repair_invariants(word: str) -> None:
    lex = Lexicon(concepts={}, known_texts=["trade treat dart radar tread read"])
    out = lex.correct(word)
    assert out == word or (out in lex.vocab and _one_edit(word, out) and _one_edit(out, word))


def test_product_field_reads_concepts_then_cues() -> None:
    assert _field("is this availble?") == "stock"
    assert _field("这个是什么颜色的") == "colour"
    assert _field("how much for this") == "price"
    assert _field("tell me about it") == "price"  # the default


def test_generated_seed_is_deterministic_and_covers_every_intent() -> None:
    a, b = generate(per_intent=40), generate(per_intent=40)
    assert a == b and set(a) == set(INTENTS) == set(FRAMES)
    assert all(0 < len(v) <= 40 and len(set(v)) == len(v) for v in a.values())
    assert not any("{" in t or "}" in t for v in a.values() for t in v)  # every field filled
    assert generate(per_intent=40, seed=14) != a


def test_calibrated_model_chooses_temperature_and_threshold_on_the_seed_split() -> None:
    val = [t for t, _ in seed_pairs() if is_validation(t)]
    assert 0.1 < len(val) / len(seed_pairs()) < 0.3
    assert all(
        is_validation(normalise(t).upper()) == is_validation(t) for t in val[:20]
    )  # on the normalised text
    m = IntentModel.calibrated(epochs=120)
    c = m.calibration
    assert c["validation"] == len(val) and 0.05 <= m.threshold <= 0.95 and m.temperature > 0
    assert 0.5 < c["validation_accuracy"] <= 1.0 and 0.0 <= c["handed_off"] < 0.5 and m.threshold == 0.5
    assert c["accuracy_above_threshold"] >= c["validation_accuracy"] >= c["accuracy_below_threshold"]
    texts = ["where is my order O1234567", "能分期吗", "tell me a joke"]
    one, many = [m.predict(t) for t in texts], m.predict_many(texts)
    for x, y in zip(one, many, strict=True):
        assert x.intent == y.intent and x.confidence == pytest.approx(y.confidence, abs=1e-4)
        assert sum(p for _, p in x.ranked) == pytest.approx(1.0, abs=1e-5)
    # the temperature is applied: raw logits / T give the same probabilities
    z = m.logits(["能分期吗"])[0] / m.temperature
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert p.max() == pytest.approx(one[1].confidence, abs=1e-4)
    assert len(SEED) == len(INTENTS)


def test_the_seed_model_is_trained_once_per_process() -> None:
    from shopmind.assistant.intent import default_model

    m = default_model()
    assert default_model() is m and m.threshold == 0.5 and m.calibration["validation"] > 0


def test_a_negated_chinese_term_names_no_concept() -> None:
    lex = default_lexicon()
    assert "worn" not in lex.concepts("未穿着、未洗涤的商品可退")  # unworn, unwashed: not about worn items
    assert "worn" in lex.concepts("穿着出门过一次") and "worn" in lex.concepts("用过的能退吗")
    assert "worn" not in lex.concepts("没用过的能退吗")
    assert "worn" in lex.concepts("没用过？不，用过了")  # one affirmed mention is enough
    assert "pay_failed" in lex.concepts("付款不成功")  # a term that holds its own negation still counts


def test_the_worn_items_section_wins_a_question_about_worn_items() -> None:
    from shopmind.assistant.knowledge import load_policies
    from shopmind.assistant.policy import PolicyIndex
    from shopmind.demo.policies import policy_files

    idx = PolicyIndex(load_policies(texts=policy_files()))
    for q in ("外套穿过两次还能退吗", "jeans worn once, returnable?"):
        assert idx.search(q, None, k=1)[0][0] == "returns-worn", q
