"""Money on the dashboards: the shop's currency, and amounts written as the storefront writes them.

The rules for writing an amount live in one place, ``shopmind.search.money.format_amount`` (what
the browser's ``Intl.NumberFormat`` writes in the page's language: ``$1,234.50`` in English,
``US$1,234.50`` in Chinese, ``CHF 1,234.50`` for a code without a symbol); :func:`money` is the
dashboards' thin caller (``–`` for no value), as ``search.money.format_money`` is the storefront's
and the assistant's. The dashboards drawn by script call ``SM.money`` (``static/i18n.js``), the
ones drawn on the server (ads, pricing) :func:`money`; ``tests/test_dashboards_manager_browser.py``
compares the two in Chromium, so an amount reads the same on every page.

Which currency: a campaign's bid and spend and a segment's spend carry no currency of their own:
they are in the shop's. :func:`shop_currency` takes it from the served catalog — the currency most
of its priced products list. A catalog that lists several (the demo shop: English listings in USD,
Chinese ones in CNY) has ``others``, and the pages say so beside the figures. Amounts that carry a
currency (an experiment's revenue per currency, an ad's sales per currency) are written in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shopmind.search.money import DIGITS, SYMBOLS, format_amount

__all__ = ["DIGITS", "SYMBOLS", "ShopCurrency", "currency_of", "money", "shop_currency"]


def money(lang: str, value: Any, currency: str | None, digits: int | None = None) -> str:
    """``value`` in ``currency`` as the page's language writes it (``search.money.format_amount``);
    ``–`` for no value."""
    return format_amount(value, currency, lang, digits) or "–"


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
