"""Numbers with units as pieces for the static encoder (issue 17 item 2, round 4).

Why: the analyzer joins a number and its unit into one token (``3/4 in.`` / ``3/4-inch`` ->
``3/4in``, ``40 volt`` -> ``40v``, ``2 x 4 x 8`` -> ``2x4x8``) so lexical search matches any
spelling. For a per-word embedding that makes every size its own rare word: Home Depot has
~6,100 such words, each sent through e5 once as an opaque string (``passage: 3/4in``), and
queries with digits carried ~80 % of static-fit's gap to e5 on round 3's tuning half. Split into a number and a readable
unit word (``3/4in`` -> ``3/4``, ``inch``; ``2x4x8`` -> ``2``, ``4``, ``8``), sizes share a
small vocabulary (numbers recur across units, units are ~40 words e5 knows), so fewer words go
through e5 and the unit's meaning ("volt", "gallon") enters the vector. Other words with
digits (model numbers: ``ss7000``, ``2700k``) stay as they are.

Off by default (``StaticEncoder(number_units=True)``): measured in round 4 it lost on the tuning
half of the Home Depot sample (dense NDCG@10 0.6156 vs 0.6280; fusion + LTR 0.6809 vs 0.6823) and
saves ~10 % of the vocabulary (docs/BENCHMARKS.md, issue 17).
"""

from __future__ import annotations

import re

from shopmind.text.analysis import _NUM, UNITS

#: The analyzer's canonical unit -> the word e5 reads for it (hand-written: the analyzer's
#: spellings list abbreviations and plurals in no fixed order, and a few need two words).
UNIT_WORDS: dict[str, str] = {
    "in": "inch",
    "ft": "feet",
    "yd": "yard",
    "mm": "millimeter",
    "cm": "centimeter",
    "m": "meter",
    "km": "kilometer",
    "gal": "gallon",
    "qt": "quart",
    "pt": "pint",
    "oz": "ounce",
    "floz": "fluid ounce",
    "lb": "pound",
    "kg": "kilogram",
    "g": "gram",
    "ml": "milliliter",
    "l": "liter",
    "w": "watt",
    "kw": "kilowatt",
    "v": "volt",
    "a": "amp",
    "mah": "mah",
    "btu": "btu",
    "gauge": "gauge",
    "pack": "pack",
    "pc": "piece",
    "ct": "count",
    "sqft": "square feet",
    "cuft": "cubic feet",
    "gb": "gb",
    "tb": "tb",
    "mb": "mb",
    "hz": "hz",
    "mp": "megapixel",
    "hp": "horsepower",
    "psi": "psi",
    "rpm": "rpm",
}
_CANON = sorted(set(UNITS.values()), key=len, reverse=True)
_NUM_UNIT = re.compile(rf"(?P<num>{_NUM})(?P<unit>{'|'.join(re.escape(u) for u in _CANON)})")
_DIM = re.compile(rf"{_NUM}(?:x{_NUM}){{1,2}}")


def number_pieces(word: str) -> list[str]:
    """The static encoder's pieces of one analyzer token: ``[number, *unit words]`` for a number
    with a unit, the numbers of a dimension, else ``[word]``."""
    if not any(c.isdigit() for c in word):
        return [word]
    m = _NUM_UNIT.fullmatch(word)
    if m is not None:
        return [m.group("num"), *UNIT_WORDS.get(m.group("unit"), m.group("unit")).split()]
    if _DIM.fullmatch(word):
        return word.split("x")
    return [word]
