"""Money on the dashboards: the shop's currency, and amounts written as the storefront writes them.

The storefront writes a price with the browser's ``Intl.NumberFormat`` in the page's language
(``static/i18n.js`` ``SM.money``): ``$1,234.50`` in English and ``US$1,234.50`` in Chinese,
``CN¥`` / ``¥`` the other way round, a code before the amount for a currency without a symbol
(``CHF 1,234.50``). The dashboards drawn by script call the same ``SM.money``; the ones drawn on
the server (ads, pricing) call :func:`money`, which writes what ``Intl`` writes for the pages' two
languages (``tests/test_dashboards_money_browser.py`` compares the two in Chromium), so an amount
reads the same on every page.

Which currency: a campaign's bid, an experiment's revenue per user and a segment's spend carry
no currency of their own: they are in the shop's. :func:`shop_currency` takes it from the served
catalog — the currency most of its priced products list. A catalog that lists several (the demo
shop: English listings in USD, Chinese ones in CNY) has ``others``; amounts summed over products
of both are not converted, and the pages say so beside the figures rather than hide it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from shopmind.search.money import MINOR_UNITS

#: Decimal places ``Intl`` (CLDR) writes for a currency: ISO 4217's minor units (``search.money``),
#: except where CLDR shows fewer than ISO defines (checked in Chromium); every other code has 2.
#: (A hand-written twin of the ISO table had 2 for BIF, DJF, GNF, KMF, RWF, UYI and VUV, where both
#: ISO and Intl have 0.)
DIGITS: dict[str, int] = {**MINOR_UNITS, "HUF": 0, "IDR": 0, "IQD": 0}
#: The symbol ``Intl`` writes before an amount, per page language; a code it has none for is
#: written as the code and a no-break space ("CHF 1,234.50").
SYMBOLS: dict[str, dict[str, str]] = {
    "en": {
        "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "CN¥", "CAD": "CA$", "AUD": "A$",
        "HKD": "HK$", "TWD": "NT$", "INR": "₹", "KRW": "₩", "BRL": "R$", "MXN": "MX$", "NZD": "NZ$",
        "ILS": "₪", "VND": "₫", "PHP": "₱",
    },
    "zh-Hans": {
        "USD": "US$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "CNY": "¥", "CAD": "CA$", "AUD": "AU$",
        "HKD": "HK$", "TWD": "NT$", "INR": "₹", "KRW": "₩", "BRL": "R$", "MXN": "MX$", "NZD": "NZ$",
        "ILS": "₪", "VND": "₫",
    },
}  # fmt: skip


def money(lang: str, value: Any, currency: str | None, digits: int | None = None) -> str:
    """``value`` in ``currency`` as the page's language writes it (``"$1,234.50"``,
    ``"US$1,234.50"``), thousands grouped; without a currency the grouped number alone; ``–``
    for no value. Rounded half away from zero on the shortest decimal form, as ``Intl`` does
    (2.005 -> 2.01), so the server's figures equal the scripts'."""
    try:
        amount = Decimal(repr(float(value)))
    except (TypeError, ValueError, InvalidOperation):
        return "–"
    if not amount.is_finite():
        return "–"
    code = (currency or "").upper()
    places = DIGITS.get(code, 2) if digits is None else digits
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    number = f"{abs(rounded):,.{places}f}"
    sign = "-" if amount < 0 else ""
    if not code:
        return sign + number
    symbol = SYMBOLS.get(lang, SYMBOLS["en"]).get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{code}\u00a0{number}"


@dataclass(frozen=True)
class ShopCurrency:
    """The shop's currency (None: no priced product) and the catalog's other currencies."""

    code: str | None
    others: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        """For a page's script (``<meta name="shopmind-currency">``)."""
        return {"code": self.code, "others": list(self.others)}


def currency_of(codes: Iterable[Any]) -> ShopCurrency:
    """The currency most of ``codes`` name (ties: the first in alphabetical order, so the answer
    does not depend on row order) and the others, most listed first."""
    counts = Counter(str(c).strip().upper() for c in codes if c is not None and str(c).strip())
    ranked = sorted(counts, key=lambda c: (-counts[c], c))
    if not ranked:
        return ShopCurrency(None)
    return ShopCurrency(ranked[0], tuple(ranked[1:]))


def shop_currency(products: Any) -> ShopCurrency:
    """The served catalog's currency (``products``: the release's ``ProductTable`` or any mapping
    of product rows). Products without a price do not count."""
    counts = getattr(products, "priced_currencies", None)
    if callable(counts):
        return currency_of(counts())
    return currency_of(
        p.get("currency") for p in products.values() if isinstance(p, dict) and p.get("price") is not None
    )
