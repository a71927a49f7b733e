"""The ``[formats]`` a drafted mapping needs, read from the export's first price values (``shopmind mapping``).

The draft named columns from the header alone, so a catalog whose prices read ``$24.99`` or ``7,50 €``
got a mapping without ``[formats] currency_sign``: its first ingest quarantined every row as a
TYPE_ERROR, and the fix was in a reason the user met only after the run (first-hour walk, session 28).
Here the sample values of the price columns say what is certain: one currency sign on every signed
price, and a decimal mark no value contradicts (``7,50``, ``1.299,00``: comma; ``24.99``,
``1,299.00``: dot). A sign that names one currency (``€``, ``zł``, ``EUR``) also fills a missing
currency; ``$`` and ``¥`` name several, so the draft says so and leaves the currency to the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from shopmind.config import ISO_4217
from shopmind.quality.numbers import _SIGN

#: canonical price-like columns whose values carry the export's number format
PRICE_COLUMNS = ("price", "attributes.cost", "attributes.compare_at_price")
#: signs that name one ISO 4217 currency ("$" and "¥" name several)
SIGN_CURRENCY = {"€": "EUR", "£": "GBP", "₽": "RUB", "₴": "UAH", "₹": "INR", "₺": "TRY", "₩": "KRW", "₪": "ILS",
                 "zł": "PLN", "Kč": "CZK"}  # fmt: skip
#: the currencies a sign of several may mean, as the note names them
_SHARED = {"$": "USD, CAD, AUD, NZD, MXN, ...", "¥": "JPY or CNY"}
_GROUP = "[\u00a0\u202f ]"
#: a decimal comma the value alone makes certain (``7,50``, ``1.299,00``, ``1 299,00``)
_COMMA = rf"^-?\d+,\d{{1,2}}$|^-?\d+,\d{{4,}}$|^-?\d{{1,3}}(?:[.]|{_GROUP})\d{{3}}(?:(?:[.]|{_GROUP})\d{{3}})*,\d+$"
#: a decimal dot the value alone makes certain (``24.99``, ``1,299.00``, ``1 299.00``)
_DOT = rf"^-?\d+\.\d{{1,2}}$|^-?\d+\.\d{{4,}}$|^-?\d{{1,3}}(?:[,]|{_GROUP})\d{{3}}(?:(?:[,]|{_GROUP})\d{{3}})*\.\d+$"
#: ``1,234``: a thousands group or a decimal comma, which only a declared dot settles
_AMBIGUOUS = r"^-?\d{1,3}(,\d{3})+$"


@dataclass
class PriceFormats:
    """What the sample prices say: the ``[formats]`` settings, a currency, and notes for the user."""

    formats: dict[str, str] = field(default_factory=dict)
    currency: str | None = None
    notes: list[str] = field(default_factory=list)


def price_formats(
    frame: pl.DataFrame, columns: dict[str, str], extra: list[str] | None = None
) -> PriceFormats:
    """Read the text values of the mapped price columns (and ``extra``: a ``[sale]`` price) of a file's
    first rows; Parquet or JSON numbers are already numbers and say nothing."""
    names = [src for src, dst in columns.items() if dst in PRICE_COLUMNS] + list(extra or [])
    values: list[str] = []
    for name in names:
        if name in frame.columns and frame[name].dtype == pl.Utf8:
            values += [
                v.strip() for v in frame[name].drop_nulls().unique(maintain_order=True).head(500) if v.strip()
            ]
    out = PriceFormats()
    if not values:
        return out
    # a sign beside a number ("N/A" or "TBD" is no currency code), a code only when ISO 4217 knows it
    signs = {
        m.group(0)
        for v in values
        if re.search(r"\d", v)
        and (m := re.search(_SIGN, v))
        and (len(m.group(0)) != 3 or m.group(0) in ISO_4217)
    }
    if len(signs) > 1:
        out.notes.append(
            f"the prices carry several currency signs ({', '.join(sorted(signs))}): no [formats] currency_sign "
            "was drafted; one file should hold one currency, or export the numbers alone"
        )
    numbers = [re.sub(_SIGN, "", v).strip() for v in values]
    comma = any(re.search(_COMMA, n) for n in numbers)
    dot = any(re.search(_DOT, n) for n in numbers)
    if len(signs) == 1:
        (sign,) = signs
        out.formats["currency_sign"] = sign
        out.currency = SIGN_CURRENCY.get(sign) or (sign if sign in ISO_4217 else None)
        if out.currency is None:
            out.notes.append(
                f'the prices are written with "{sign}", which several currencies use: set [constants] currency '
                f"to the shop's ISO 4217 code ({_SHARED.get(sign, 'its three letters')})"
            )
    if comma and dot:
        out.notes.append(
            "the prices mix a decimal comma (7,50) and a decimal dot (24.99): no [formats] decimal was drafted; "
            "check the column"
        )
    elif comma:
        out.formats["decimal"] = "comma"
    elif dot and (signs or any(re.search(_AMBIGUOUS, n) for n in numbers)):
        out.formats["decimal"] = "dot"  # said where it matters: beside a sign, or to settle "1,234"
    return out
