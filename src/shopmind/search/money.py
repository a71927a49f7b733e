"""Money in search: minor units, display, and comparing prices across currencies.

A catalog may list products in several currencies (the demo shop: English listings in USD,
Chinese ones in CNY). A number is only comparable to a number of the same currency, so
filters, sorts and facets work *per currency* unless the shop configures exchange rates
(``[search.currency_rates]``: currency -> value of one unit in a common reference unit, e.g.
``USD = 1.0``, ``CNY = 0.14``); then prices are converted before they are compared.

Amounts shown by the API are rounded to the currency's minor unit (ISO 4217 exponent: 0 for
JPY or KRW, 3 for BHD or KWD, 2 for the rest), so a price stored as ``0.8200000000000001``
is served as ``0.82``. Hand-written rather than Babel: the exponents that differ from 2 are
a short list fixed by ISO 4217, and the display symbols we need are a dozen.

Writing an amount (:func:`format_amount`): the one set of rules for every text the server writes
— the storefront's server-drawn tags and chips, the assistant's answers (:func:`format_money`)
and the dashboards (``serve.money.money``): what the browser's ``Intl.NumberFormat`` writes in
the page's language (``static/i18n.js`` ``SM.money``), so a price reads the same whoever drew it.
Decimal places: ``Intl``'s (CLDR: ISO's minor unit, except HUF, IDR and IQD, written with 0);
rounding half away from zero on the shortest decimal form (2.005 -> 2.01); thousands grouped;
the symbol before the amount, per language (``$`` / ``US$``, ``CN¥`` / ``¥``), a code with a
no-break space where ``Intl`` has no symbol (``CHF 1,234.50``). ``trim`` drops a whole ``.00``
("under $50", as ``Intl``'s ``trailingZeroDisplay: "stripIfInteger"``), never a single zero
("$49.50"). ``tests/test_dashboards_manager_browser.py`` compares the rules with Chromium's Intl.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:  # catalog.py imports this module
    from shopmind.search.catalog import Catalog
    from shopmind.search.query import Filters, Understood

#: ISO 4217 currencies whose minor unit is not 1/100 (the exponent); every other code has 2.
MINOR_UNITS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip
#: Decimal places ``Intl`` (CLDR) writes for a currency: ISO 4217's minor units, except where CLDR
#: shows fewer than ISO defines (checked in Chromium); every other code has 2. (A hand-written twin
#: of the ISO table had 2 for BIF, DJF, GNF, KMF, RWF, UYI and VUV, where both ISO and Intl have 0.)
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

_CODE = re.compile(r"^[A-Z]{3}$")


def minor_unit(currency: str | None) -> int:
    """Decimal places of ``currency`` (2 when unknown or missing)."""
    return MINOR_UNITS.get((currency or "").upper(), 2)


def round_money(value: float | None, currency: str | None) -> float | None:
    """``value`` rounded to the minor unit of ``currency``; None/NaN/inf -> None."""
    if value is None:
        return None
    v = float(value)
    if not math.isfinite(v):
        return None
    places = minor_unit(currency)
    out = round(v, places)
    return float(int(out)) if places == 0 else out


def format_amount(
    value: object, currency: str | None, lang: str = "en", digits: int | None = None, trim: bool = False
) -> str | None:
    """``value`` in ``currency`` as ``Intl`` writes it in ``lang`` (module docstring): ``"$1,234.50"``,
    ``"US$1,234.50"``, ``"CHF\u00a01,234.50"``; the grouped number alone without a currency; None for
    no value (None, NaN, inf, not a number). ``digits`` overrides the currency's decimal places."""
    try:
        amount = Decimal(repr(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError, InvalidOperation):
        return None
    if not amount.is_finite():
        return None
    code = (currency or "").strip().upper()
    places = DIGITS.get(code, 2) if digits is None else digits
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    number = f"{abs(rounded):,.{places}f}"
    if trim and places and rounded == rounded.to_integral_value():
        number = number.split(".")[0]
    sign = "-" if amount < 0 else ""  # as Intl: -0.004 is "-$0.00"
    if not code:
        return sign + number
    symbol = SYMBOLS.get(lang, SYMBOLS["en"]).get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{code}\u00a0{number}"


def format_money(value: float | None, currency: str | None, trim: bool = True, lang: str = "en") -> str:
    """An amount in a shopper-facing text (search chips, the assistant's answers, a product page's
    tag): :func:`format_amount`, ``""`` for no value. A chip reads "under $50", not "under $50.00";
    ``trim=False`` keeps the decimals, as a price tag reads ("€19.90", "¥12,800")."""
    return format_amount(value, currency, lang, trim=trim) or ""


def check_currency(value: object, where: str) -> str | None:
    """A currency code as the API accepts it (three letters, upper-cased) or None; raises
    ``ValueError`` naming ``where`` for anything else."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _CODE.match(value.strip().upper()):
        raise ValueError(f"{where}: {value!r} is not a three-letter currency code (ISO 4217)")
    return value.strip().upper()


def check_rates(rates: object) -> dict[str, float]:
    """Validate a ``currency_rates`` table: ``{code: positive finite number}``."""
    if rates is None:
        return {}
    if not isinstance(rates, Mapping):
        raise ValueError(f"currency_rates must be a table of currency = rate, not {type(rates).__name__}")
    out: dict[str, float] = {}
    for k, v in rates.items():
        code = check_currency(k, "currency_rates")
        if (
            code is None
            or isinstance(v, bool)
            or not isinstance(v, int | float)
            or not math.isfinite(v)
            or v <= 0
        ):
            raise ValueError(f"currency_rates.{k}: must be a positive number, not {v!r}")
        out[code] = float(v)
    return out


def row_factors(codes: np.ndarray, labels: list[str], rates: Mapping[str, float], target: str) -> np.ndarray:
    """Per row, the factor turning its price into ``target`` (1 for ``target`` itself; NaN when
    either side has no rate, or the row has no currency): ``codes`` index ``labels`` (-1 = none)."""
    to = rates.get(target)
    per_label = np.array(
        [1.0 if c == target else rates[c] / to if to and c in rates else np.nan for c in labels] + [np.nan],
        dtype=np.float64,
    )
    return per_label[np.where(codes >= 0, codes, len(labels))]


def round_money_expr(price: str = "price", currency: str = "currency") -> pl.Expr:
    """``price`` rounded to the minor unit of the row's ``currency`` (a Polars expression, for
    tables served as they are: the release's product snapshot that pages and recs read)."""
    cur = pl.col(currency).cast(pl.Utf8).str.to_uppercase()
    p = pl.col(price).cast(pl.Float64)
    expr = p.round(2)
    for places in sorted(set(MINOR_UNITS.values())):
        codes = [c for c, n in MINOR_UNITS.items() if n == places]
        expr = pl.when(cur.is_in(codes)).then(p.round(places)).otherwise(expr)
    return expr.alias(price)


# ---------------------------------------------------------------------- the engine's currency rules
def query_currency(understood: Understood, catalog: Catalog, graph: object | None) -> str | None:
    """The currency a query is priced in: the one it names, else (in a catalog with more than
    one currency) the one products in its language are priced in (the graph's)."""
    for c in understood.constraints:
        if c.kind == "price" and c.currency:
            return c.currency
    if len(catalog.currencies) < 2:
        return None
    by_lang = getattr(graph, "currency_by_language", None) or {}
    return by_lang.get("zh" if understood.language == "zh" else "en") or None


def with_currency(
    filters: Filters, understood: Understood, catalog: Catalog, graph: object | None, notes: list[str]
) -> Filters:
    """Price bounds without a currency in a catalog of several currencies are read in the
    query's currency (else the catalog's most common one), never across currencies."""
    if filters.currency or (filters.price_min is None and filters.price_max is None):
        return filters
    if len(catalog.currencies) < 2:
        return filters
    cur = query_currency(understood, catalog, graph)
    if cur is None:
        counts = np.bincount(catalog.currency_code[catalog.live] + 1, minlength=len(catalog.currencies) + 1)
        cur = catalog.currencies[int(np.argmax(counts[1:]))]
    notes.append(f"price bounds read in {cur} (the catalog has prices in {', '.join(catalog.currencies)})")
    return replace(filters, currency=cur)


def price_sort_keys(
    catalog: Catalog, rows: np.ndarray, currency: str | None, rates: Mapping[str, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """(currency group, comparable price) per row for the price sorts: converted prices with
    ``rates``; without them ``currency`` (else the rows' commonest currency) is group 0 and
    each other currency a later group, so a yuan amount is never ranked against dollars."""
    if rates and currency:
        p = catalog.price_in(currency, dict(rates))[rows]
        return np.where(np.isnan(p), 1.0, 0.0), p
    codes = catalog.currency_code[rows]
    p = catalog.price[rows]
    known = ~np.isnan(p)
    per = np.bincount(codes[known] + 1, minlength=len(catalog.currencies) + 1).astype(np.float64)
    first = catalog.currency_of(currency)
    if first >= 0:
        per[first + 1] = np.inf
    rank = np.empty(len(per))
    rank[np.lexsort((np.arange(len(per)), -per))] = np.arange(len(per))
    return np.where(known, rank[codes + 1], np.inf), p
