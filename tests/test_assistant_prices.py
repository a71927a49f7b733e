"""The assistant on products without a price, and prices as their tags read (assistant.answer)."""

from __future__ import annotations

import pytest

from shopmind.assistant.answer import compare_answer, product_answer, search_answer
from shopmind.assistant.guard import unsupported
from shopmind.search.money import format_money

UNPRICED = {"product_id": "P1", "title": "Kettle", "price": None, "currency": None, "stock": 3}
MUG = {"product_id": "P2", "title": "Mug", "price": 19.9, "currency": "EUR", "stock": 0}
POT = {"product_id": "P3", "title": "Pot", "price": 12800.0, "currency": "JPY", "stock": 1}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_product_without_a_price_is_said_to_have_none(lang: str) -> None:
    # was: "Kettle (P1) costs ." / "Kettle（P1）售价。"
    text = product_answer(UNPRICED, "price", lang, None).text
    assert text == ("Kettle (P1) has no price listed." if lang == "en" else "Kettle（P1）暂无标价。")


def test_prices_read_as_their_tags_and_stay_grounded() -> None:
    out = product_answer(MUG, ["price", "stock"], "en", None)
    assert out.text == "Mug (P2) costs €19.90 and is out of stock."  # was "€19.9"
    assert unsupported(out.text, out.facts) == []
    found = search_answer([UNPRICED, MUG, POT], "en")
    assert (
        found.text
        == "Here is what I found: Kettle (P1), no price listed; Mug (P2), €19.90; Pot (P3), ¥12,800"  # as the storefront writes it (Intl, en)
    )
    assert unsupported(found.text, found.facts) == []
    assert format_money(50.0, "USD") == "$50" and format_money(50.0, "USD", trim=False) == "$50.00"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_comparing_with_an_unpriced_product_says_so(lang: str) -> None:
    out = compare_answer([UNPRICED, MUG], lang)  # was: TypeError, None < float
    assert (
        "P1 has no price listed, so I can't compare them." if lang == "en" else "P1暂无标价，无法比较。"
    ) in out.text
    assert unsupported(out.text, out.facts) == []
    cheaper = compare_answer([MUG, {**MUG, "product_id": "P4", "price": 5.5}], lang).text
    assert cheaper.endswith("The cheaper one is P4." if lang == "en" else "更便宜的是P4。")
