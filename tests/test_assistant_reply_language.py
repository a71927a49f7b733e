"""The reply's language: the message's when it shows one, else the page's (t1hz, session 26).

Before, any message without a Chinese character was answered in English, so "asdfgh", "???"
or an order number typed on the Chinese storefront got an English reply.
"""

from __future__ import annotations

import pytest

from shopmind.assistant.reply_language import message_language, reply_language


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("我的订单到哪了", "zh"),
        ("iphone 多少钱", "zh"),
        ("where is my order", "en"),
        ("refund?", "en"),
        ("hi", "en"),
        ("asdfgh", None),
        ("???", None),
        ("12345", None),
        ("P00319", None),
        ("qwerty jkl", None),
        ("", None),
    ],
)
def test_message_language(text, said):
    assert message_language(text) == said


def test_a_message_without_a_language_is_answered_in_the_page_language():
    for text in ("asdfgh", "???", "12345", "🙂"):
        assert reply_language(text, "zh") == "zh"
        assert reply_language(text, "en") == "en"
        assert reply_language(text) == "en"  # no page language: English, as before
    assert reply_language("where is my order", "zh") == "en"  # the message's own language wins
    assert reply_language("退货", "en") == "zh"


def test_an_unknown_page_language_is_refused_naming_it():
    with pytest.raises(ValueError, match="lang must be one of en, zh, got 'fr'"):
        reply_language("???", "fr")
