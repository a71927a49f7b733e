"""Issue 13, round 12: core.py split (the catalog side in ``catalog``, the answers in ``compose``)
and one encoder call per turn (the text as typed and its ``normalise``d form encoded together,
one vector cache shared by every reader). Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.assistant.catalog import ShopCatalog
from shopmind.assistant.core import Assistant
from shopmind.assistant.intent import Prediction, normalise
from shopmind.assistant.intent_dense import CachedEmbed, Normalised, shared_embed
from shopmind.assistant.knowledge import load_policies
from shopmind.assistant.policy_dense import DenseSections
from shopmind.demo.policies import policy_files
from shopmind.search.engine import SearchConfig, SearchEngine
from test_assistant_context import ORDERS, PRODUCTS
from test_assistant_round11 import LABELLED, _bag


def _counting(calls: list[list[str]]):  # noqa: ANN202 - an encoder
    def enc(ts: list[str]) -> np.ndarray:
        calls.append(list(ts))
        return _bag(ts)

    return enc


def test_a_text_and_its_companion_are_encoded_in_one_call() -> None:
    calls: list[list[str]] = []
    e = CachedEmbed(_counting(calls), companion=normalise)
    typed = "Can I return Order 12345?"
    e([typed])
    assert calls == [[typed, normalise(typed)]]
    # the normalised reader (policy examples, domain margin) finds its form cached
    got = Normalised(e)([typed])
    assert len(calls) == 1 and np.allclose(got[0], _bag([normalise(typed)])[0])
    # a text that is its own normalised form is encoded once, alone
    e(["can i pay by card"])
    assert calls[-1] == ["can i pay by card"]
    e.cache_clear()
    e([typed])
    assert len(calls) == 3


def test_dense_sections_read_their_question_vectors_from_the_shared_cache() -> None:
    calls: list[list[str]] = []
    query = CachedEmbed(_counting(calls), companion=normalise)
    secs = load_policies(texts=policy_files())
    d = DenseSections(secs, _bag, query=query)
    assert calls == []  # the passages go through ``encode``, not the question cache
    z = d.zscores("How Long Does Delivery Take?")
    assert len(calls) == 1 and len(calls[0]) == 2 and z
    d.best("How Long Does Delivery Take?")
    assert len(calls) == 1  # the cosines are kept too
    d.cache_clear()  # clears the cosines and the question vectors
    d.zscores("How Long Does Delivery Take?")
    assert len(calls) == 2
    # scores equal those of an encoder without a shared cache
    plain = DenseSections(secs, _bag)
    assert plain.zscores("How Long Does Delivery Take?") == pytest.approx(z)


def test_the_catalog_finds_products_by_title_and_by_the_page() -> None:
    engine = SearchEngine.build(PRODUCTS, None, SearchConfig(encoder=None, ltr="off"))
    cat = ShopCatalog(engine, PRODUCTS)
    assert cat.categories and set(cat.products) == {"SKU2001", "SKU2002"}
    s = cat.slots("is the desk lamp in stock?", None, {})
    assert s.product_ids == ["SKU2002"] and not s.from_page
    s = cat.slots("how much is this one?", "SKU2001", {})
    assert s.product_ids == ["SKU2001"] and s.from_page
    s = cat.slots("where is order B55001?", "SKU2001", {"B55001": {}})
    assert s.order_id == "B55001" and s.product_ids == []  # an order question is not about the page


@pytest.fixture(scope="module")
def asst() -> Assistant:
    engine = SearchEngine.build(PRODUCTS, None, SearchConfig(encoder=None, ltr="off"))
    return Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()), labelled=LABELLED)


def test_a_policy_turn_makes_one_encoder_call(asst) -> None:
    emb = shared_embed()
    inner = emb.encode
    calls: list[int] = []

    def counted(ts: list[str]) -> np.ndarray:
        calls.append(len(ts))
        return inner(ts)

    emb.encode = counted
    try:
        # the round-11 test's own policy questions (answered there), one typed with capitals
        for text in ("These Boots are too small, can I send them back?", "how many days until my parcel arrives with standard delivery?"):  # fmt: skip
            asst.policy.clear_memo()
            calls.clear()
            r = asst.turn(text, f"c-{text}")
            assert not r.handoff and any(c["type"] == "policy" for c in r.citations), r
            assert len(calls) == 1, (text, calls)  # typed + normalised forms in one call
            assert calls[0] == (1 if normalise(text) == text else 2)
    finally:
        emb.encode = inner


# ------------------------------------------------------------------ round 12, step 3: routing
@pytest.fixture(scope="module")
def plain() -> Assistant:
    """The test shop's assistant without labelled conversations (routing rules only)."""
    engine = SearchEngine.build(PRODUCTS, None, SearchConfig(encoder=None, ltr="off"))
    return Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()))


def _reading(intent: str, conf: float) -> Prediction:
    rest = (1.0 - conf) / 2
    return Prediction(intent, conf, ((intent, conf), ("product_search", rest), ("greeting", rest)))


def test_a_page_fact_question_read_as_a_greeting_is_the_pages_product_question(plain) -> None:
    hi, lo = plain.threshold + 0.05, plain.threshold - 0.05
    assert plain._asks_page_fact("hey how much r these", "greeting", hi)  # a greeting asks no fact
    assert not plain._asks_page_fact("hey how much is shipping", "greeting", hi)  # not the page's
    assert plain._asks_page_fact("what colour would you call this one", "out_of_scope", lo)
    assert not plain._asks_page_fact(
        "how much does this cost in bitcoin", "out_of_scope", hi
    )  # sure: off-topic
    assert plain._asks_page_fact("price?", "product_question", lo)
    assert not plain._asks_page_fact("price?", "product_question", hi)  # sure: answered anyway


def test_a_greeting_reading_of_a_price_question_on_a_page_answers_the_pages_price(plain, monkeypatch) -> None:
    monkeypatch.setattr(plain.model, "predict", lambda t: _reading("greeting", 0.9))
    r = plain.turn("hey how much r these", "c-page", None, "SKU2001")
    assert r.intent == "product_question" and not r.handoff
    assert {"type": "product", "id": "SKU2001"} in r.citations and "19" in r.answer


def test_a_category_with_a_price_read_as_a_comparison_is_a_search(plain, monkeypatch) -> None:
    monkeypatch.setattr(plain.model, "predict", lambda t: _reading("compare", 0.9))
    r = plain.turn("any lamps under 50 dollars?", "c-lamps")
    assert r.intent == "product_search" and not r.handoff
    assert r.suggested == ["SKU2002"]
