"""One set of rules writes money: the storefront's tags and chips, the assistant's answers and the
dashboards read an amount the same way, as the browser's Intl writes it (t1y, session 29).

Why: ``search.money.format_money`` wrote "CN¥1234.50", "JP¥12800" and "100 CHF" while the
dashboards' ``serve.money.money`` (and the storefront's own script, ``SM.money``) wrote
"CN¥1,234.50", "¥12,800" and "CHF 100.00": a product page's tag changed under the shopper's eyes
when the script drew it again. ``tests/test_dashboards_manager_browser.py`` compares
``serve.money.money`` with Chromium's Intl.
"""

from __future__ import annotations

import pytest

from shopmind.search.money import format_amount, format_money
from shopmind.serve.money import money

CODES = ("USD", "EUR", "CNY", "JPY", "GBP", "CHF", "KWD", "HUF", "SGD", "KRW", None)
VALUES = (0, 0.5, 2.005, 19.9, 50, 1234.5, 12800, 1_000_000.125, -3.25)


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
def test_the_storefront_and_the_dashboards_write_an_amount_alike(lang: str) -> None:
    for code in CODES:
        for v in VALUES:
            assert format_money(v, code, trim=False, lang=lang) == money(lang, v, code), (code, v)


def test_the_storefront_conventions() -> None:
    assert format_money(1234.5, "CNY", trim=False) == "CN¥1,234.50"  # was "CN¥1234.50"
    assert format_money(12800, "JPY", trim=False) == "¥12,800"  # was "JP¥12800"
    assert format_money(100, "CHF", trim=False) == "CHF\u00a0100.00"  # was "100.00 CHF"
    assert format_money(1234.5, "CNY", trim=False, lang="zh-Hans") == "¥1,234.50"
    # a chip drops a whole ".00" and nothing else ("under $49.5" read as a typo)
    assert format_money(50.0, "USD") == "$50" and format_money(49.5, "USD") == "$49.50"
    assert format_money(2.5, "KWD") == "KWD\u00a02.500" and format_money(3.0, "KWD") == "KWD\u00a03"
    assert format_money(None, "USD") == "" and money("en", None, "USD") == "–"
    assert format_amount(float("nan"), "USD") is None and format_amount("abc", "USD") is None


def test_a_product_page_tag_is_written_in_the_page_language() -> None:
    from shopmind.serve.pages import templates

    tag = templates.env.from_string("{{ 1299 | money('USD') }}")
    assert tag.render(lang="en") == "$1,299.00" and tag.render(lang="zh-Hans") == "US$1,299.00"
