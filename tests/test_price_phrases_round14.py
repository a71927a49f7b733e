"""Chinese suffix bounds close a price phrase (issue 13, round 14): "890元以内有什么跑步鞋" was read
with no price because the character after "以内" ("有") is not one the number's unit check allows;
the bound word already ends the phrase. Units glued to the number stay no price."""

from __future__ import annotations

import pytest

from shopmind.search.price_phrases import PriceReader


@pytest.fixture(scope="module")
def reader() -> PriceReader:
    return PriceReader(1.0, 5000.0, ["CNY", "USD"])


def _bounds(reader: PriceReader, text: str) -> list[tuple[float | None, float | None, str | None]]:
    return [(p.lo, p.hi, p.currency) for p in reader.prices(text)]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("890元以内有什么跑步鞋", [(None, 890.0, "CNY")]),
        ("300块以下有没有耳机", [(None, 300.0, "CNY")]),
        ("500以内有什么推荐", [(None, 500.0, None)]),
        ("200元左右有什么", [(160.0, 240.0, "CNY")]),
        ("1000元以上有哪些帐篷", [(1000.0, None, "CNY")]),
        ("50元之内买得到吗", [(None, 50.0, "CNY")]),
        # unchanged: the bound word followed by 的, or at the end
        ("890元以内的跑步鞋", [(None, 890.0, "CNY")]),
        ("跑步鞋890元以内", [(None, 890.0, "CNY")]),
    ],
)
def test_a_chinese_bound_word_closes_the_price(reader: PriceReader, text: str, want: list) -> None:
    assert _bounds(reader, text) == want


@pytest.mark.parametrize("text", ["50寸以下电视", "5岁以下玩具", "3天以内能到吗", "2人以上帐篷", "100起步价"])
def test_a_unit_between_the_number_and_the_bound_word_is_still_no_price(
    reader: PriceReader, text: str
) -> None:
    assert reader.prices(text) == []
