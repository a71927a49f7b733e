"""Issue 13, round 7: a number the price pattern reads but a unit of time follows is not a price."""

from __future__ import annotations

import pytest

from shopmind.assistant.slots import counts_time


@pytest.mark.parametrize(
    ("query", "span", "time"),
    [
        ("can i pay it off over 6 months", (17, 23), True),  # "over 6"
        ("will it leave today if i order before 4pm", (31, 39), True),  # "before 4"
        ("分12个月付可以吗", (1, 3), True),
        ("over 200 dollars", (0, 16), False),
        ("300以下月饼", (0, 5), False),  # a bare 月 starts a word (mooncakes), not a month
        ("shoes under 60 for my 2 kids", (6, 14), False),
    ],
)
def test_counts_time_reads_only_the_words_right_after_the_number(query, span, time) -> None:
    assert counts_time(query, span) is time


def test_a_time_span_in_a_policy_question_is_no_price_slot() -> None:
    from shopmind.assistant.evaluate import build_demo

    asst = build_demo(seed=3, n_products=200, n_users=60, days=5).assistant
    text = "could i spread the cost over 4 months"
    parsed = asst.engine.parser.parse(text)
    assert [c.price_min for c in parsed.constraints if c.kind == "price"] == [4.0]  # the pattern's reading
    r = asst.turn(text)
    assert r.slots["price_min"] is None and r.slots["price_max"] is None
    assert asst.turn("any dresses over 200 dollars?").slots["price_min"] == 200.0
