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
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
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
#: How a currency is written before an amount ("CN¥100", "$100"); others as "100 CHF".
SYMBOLS: dict[str, str] = {
    "USD": "$", "CNY": "CN¥", "EUR": "€", "GBP": "£", "JPY": "JP¥", "KRW": "₩", "INR": "₹",
    "CAD": "CA$", "AUD": "A$", "HKD": "HK$", "TWD": "NT$", "SGD": "SGD ", "BRL": "R$",
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


def format_money(value: float | None, currency: str | None, trim: bool = True) -> str:
    """``"CN¥100"``, ``"$49.5"``, ``"100 CHF"``; the bare number when the currency is unknown.
    Trailing zeros are dropped (a chip reads "under $50", not "under $50.00"); ``trim=False``
    keeps the currency's minor unit, as a price tag reads ("€19.90", "¥12800")."""
    v = round_money(value, currency)
    if v is None:
        return ""
    num = f"{v:.{minor_unit(currency)}f}"
    if trim and "." in num:
        num = num.rstrip("0").rstrip(".")
    if not currency:
        return num
    sym = SYMBOLS.get(currency.upper())
    return f"{sym}{num}" if sym else f"{num} {currency.upper()}"


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
