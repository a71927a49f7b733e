"""The fact guard: every number, date and id an answer states must come from retrieved facts.

``fact_tokens(text)`` reads the checkable tokens of a text: ISO dates, ids (letters + at least
four digits, like ``O0000123`` or ``P00042``) and numbers (``$1,299.00`` -> ``1299``,
``12.5`` -> ``12.5``; "3-5" is two numbers). ``check(answer, facts)`` returns the tokens of the
answer that are not among the tokens of the facts. The same reader runs on both sides, so a
fact is "supported" exactly when the retrieved text contains it; prices compare as numbers
(``124.9`` == ``124.90``), never as strings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)|(\d{4})年(\d{1,2})月(\d{1,2})日")
_ID = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,3}\d{4,}(?![A-Za-z0-9])")
# the look-behind covers both forms: a digit glued to letters is part of a name ("SKU1"), not a
# number; it once applied to the grouped form only, so "SKU1" in a fact backed an invented "$1"
_NUMBER = re.compile(r"(?<![A-Za-z])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")


def number_token(value: float | str) -> str:
    """The guard's token of a number: ``n:1299`` for 1,299.00, ``n:10000.01`` (exact: a ``%g``
    format once rounded 10000.01 to 10000, letting an invented price through)."""
    v = round(float(str(value).replace(",", "")), 6)
    return f"n:{int(v)}" if v == int(v) else f"n:{v!r}"


def fact_tokens(text: str) -> set[str]:
    """Dates (``d:2026-10-28``), ids (``id:P00042``) and numbers (``n:124.99``) in ``text``."""
    t = unicodedata.normalize("NFKC", text)
    out: set[str] = set()

    def date(m: re.Match[str]) -> str:
        y, mo, d = (
            (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
        )
        out.add(f"d:{int(y):04d}-{int(mo):02d}-{int(d):02d}")
        return " "

    t = _DATE.sub(date, t)

    def ident(m: re.Match[str]) -> str:
        out.add("id:" + m.group().upper())
        return " "

    t = _ID.sub(ident, t)
    for m in _NUMBER.finditer(t):
        out.add(number_token(m.group()))
    return out


def unsupported(answer: str, facts: Iterable[str]) -> list[str]:
    """Tokens of ``answer`` that no fact text contains (sorted; empty = the answer is grounded)."""
    allowed: set[str] = set()
    for f in facts:
        allowed |= fact_tokens(f)
    return sorted(fact_tokens(answer) - allowed)
