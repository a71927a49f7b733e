"""The language a reply is written in: the message's when it has one, else the page's.

Why: the reply language was "zh if the message has a Chinese character, else en", so a shopper
on the Chinese storefront who typed "asdfgh", "???" or an order number got an English answer.
A message carries a language signal when it holds a Chinese character (zh) or an English word
(en: a Latin word wordfreq's English list knows at a Zipf frequency of at least
``ENGLISH_ZIPF``); without either (keyboard mashing, punctuation, digits, emoji) the caller's
language — the storefront page's, or the API's ``lang`` — decides, and English only when none
was given (the behaviour before).
"""

from __future__ import annotations

import re
from functools import lru_cache

from wordfreq import zipf_frequency

#: Languages a reply can be written in (the assistant's canned and composed answers).
REPLY_LANGUAGES = ("en", "zh")
#: A Latin word this common in English text (Zipf scale: 3 = once per million words) makes the
#: message English: "refund" 3.9, "order" 5.5, "hi" 5.0; "asdfgh" 0, "qwerty" 2.5, "jkl" 1.5.
ENGLISH_ZIPF = 3.0

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@lru_cache(maxsize=4096)
def _english(word: str) -> bool:
    return zipf_frequency(word.lower(), "en") >= ENGLISH_ZIPF


def message_language(text: str) -> str | None:
    """``zh``, ``en``, or None when the message shows no language (see the module docstring)."""
    if _CJK.search(text):
        return "zh"
    if any(_english(w) for w in _LATIN_WORD.findall(text)):
        return "en"
    return None


def reply_language(text: str, page_lang: str | None = None) -> str:
    """The message's language, else ``page_lang`` (one of ``REPLY_LANGUAGES``), else English."""
    said = message_language(text)
    if said is not None:
        return said
    if page_lang is not None and page_lang not in REPLY_LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(REPLY_LANGUAGES)}, got {page_lang!r}")
    return page_lang or "en"
