"""Facet counts over a result set, vectorised over the catalog's columns.

The result set is given as catalog rows (every product that passed the query *and* the
filters, not just the page shown), so counts always agree with ``total`` — the mismatch
users report most about hybrid engines (Meilisearch #4494). Facets are *conjunctive*: a
selected brand filter narrows the brand facet too (counts describe the result set as is).

Every facet carries enough to check it adds up: for a single-valued field (brand, a category
level, price) ``sum(values) + other + missing == total``; ``other`` counts products whose
value is not among the ``values`` shown (the list is cut at ``size``), ``missing`` those
without a value. Attribute facets count products having each value (a product may have
several values of one key), ``missing`` counts products without the key.

Price buckets: edges are "nice" numbers (1, 2, 2.5, 5 x 10^k) near the quantiles of the
result set's prices, so buckets hold similar counts and read well ("$20–50"); buckets are
half-open ``[min, max)``, the first has no lower and the last no upper bound.

Currencies: buckets never mix them. ``price`` is in one currency (the query's or filter's,
else the result set's most common) and counts products priced in another as ``other``; each
other currency of the result set gets its own ``price.<CODE>`` facet. With exchange rates
(``rates``) every price is converted and ``price`` is the only price facet. Edges are
rounded to the currency's minor unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from shopmind.search.catalog import Catalog, fold
from shopmind.search.money import round_money

FACET_BRAND = "brand"
FACET_CATEGORY = "category"
FACET_PRICE = "price"
#: Facet name asking for the most common attribute keys of the result set.
FACET_ATTRIBUTES = "attributes"
DEFAULT_FACETS: tuple[str, ...] = (FACET_BRAND, FACET_CATEGORY, FACET_PRICE, FACET_ATTRIBUTES)
#: An attribute facet's name in the answer (``attr.colour``); a request may name it so too.
ATTR_PREFIX = "attr."
#: Attribute keys the automatic attribute facets leave out: numbers kept beside the price (a product's
#: "was" price, ``compare_at_price``, which the hit shows crossed out; the shop's unit cost) and the
#: variant SKUs the gate joins orders by. As facets they listed prices as if they were a colour
#: ("149.00", "159.00"); a request naming one still gets it.
NOT_FACETS = frozenset({"compare_at_price", "cost", "sku"})


@dataclass
class Facet:
    """Counts of one facet over a result set of ``total`` products."""

    name: str
    kind: str  # "terms" or "range"
    total: int
    values: list[tuple[str, int]] = field(default_factory=list)
    buckets: list[tuple[float | None, float | None, int]] = field(default_factory=list)
    other: int = 0
    missing: int = 0
    currency: str | None = None  # of a price facet's bucket edges

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {
            "name": self.name,
            "kind": self.kind,
            "other": self.other,
            "missing": self.missing,
        }
        if self.kind == "range":
            d["buckets"] = [{"min": lo, "max": hi, "count": c} for lo, hi, c in self.buckets]
            d["currency"] = self.currency
        else:
            d["values"] = dict(self.values)
        return d

    def counts(self) -> dict[str, int]:
        return dict(self.values)


def _terms(name: str, codes: np.ndarray, labels: Sequence[str], total: int, size: int) -> Facet:
    """Facet of a dictionary-encoded single-valued column (``codes`` of the result rows; -1 = none)."""
    have = codes[codes >= 0]
    counts = np.bincount(have, minlength=len(labels)) if len(have) else np.zeros(len(labels), dtype=np.int64)
    nz = np.flatnonzero(counts)
    # most frequent first; ties by label so the order never depends on insertion order
    order = sorted(nz.tolist(), key=lambda c: (-int(counts[c]), fold(labels[c]), labels[c]))
    shown = order[:size]
    values = [(labels[c], int(counts[c])) for c in shown]
    return Facet(
        name, "terms", total, values=values, other=int(len(have) - sum(v for _, v in values)),
        missing=int(total - len(have)),
    )  # fmt: skip


def nice_number(x: float) -> float:
    """The largest of 1, 2, 2.5, 5 x 10^k not above ``x`` (x > 0)."""
    if x <= 0 or not math.isfinite(x):
        return 0.0
    e = math.floor(math.log10(x))
    base = 10.0**e
    for m in (5.0, 2.5, 2.0, 1.0):
        if m * base <= x * (1 + 1e-12):
            return m * base
    return base


def price_edges(prices: np.ndarray, n_buckets: int) -> list[float]:
    """Interior bucket edges: nice numbers near the quantiles of ``prices`` (finite values)."""
    if len(prices) == 0 or n_buckets < 2:
        return []
    qs = np.quantile(prices, np.linspace(0, 1, n_buckets + 1)[1:-1])
    edges = sorted({nice_number(float(q)) for q in qs if q > 0})
    lo, hi = float(prices.min()), float(prices.max())
    return [e for e in edges if lo < e <= hi]


def _price(
    catalog: Catalog,
    rows: np.ndarray,
    n_buckets: int,
    currency: str | None = None,
    rates: dict[str, float] | None = None,
) -> dict[str, Facet]:
    """Price facets of ``rows``: one per currency, or one converted facet with ``rates``."""
    total = len(rows)
    raw = catalog.price[rows]
    priced = ~np.isnan(raw)
    missing = int((~priced).sum())
    codes = catalog.currency_code[rows]
    labels = catalog.currencies
    per_code = np.bincount(codes[priced] + 1, minlength=len(labels) + 1)  # index 0: no currency
    present = [c - 1 for c in np.flatnonzero(per_code).tolist()]
    main = catalog.currency_of(currency) if currency else -1
    if main < 0 and not currency and present:  # the result set's most common currency
        main = max(present, key=lambda c: (int(per_code[c + 1]), c >= 0, -c))
    cur = labels[main] if main >= 0 else (currency.upper() if currency else None)
    if rates and cur:
        p = catalog.price_in(cur, rates)[rows]
        return {FACET_PRICE: _price_facet(FACET_PRICE, p, cur, total, missing, n_buckets)}
    if present in ([], [main]):
        return {FACET_PRICE: _price_facet(FACET_PRICE, raw, cur, total, missing, n_buckets)}
    out = {
        FACET_PRICE: _price_facet(
            FACET_PRICE, np.where(codes == main, raw, np.nan), cur, total, missing, n_buckets
        )
    }
    for c in present:
        if c != main:
            name = f"{FACET_PRICE}.{labels[c] if c >= 0 else 'unknown'}"
            p = np.where(codes == c, raw, np.nan)
            out[name] = _price_facet(name, p, labels[c] if c >= 0 else None, total, missing, n_buckets)
    return out


def _price_facet(
    name: str, p: np.ndarray, currency: str | None, total: int, missing: int, n_buckets: int
) -> Facet:
    """Buckets of the known values of ``p``; NaN entries of priced products (another
    currency) are ``other``, so ``sum(buckets) + other + missing == total``."""
    known = p[~np.isnan(p)]
    edges = sorted({float(round_money(e, currency) or e) for e in price_edges(known, n_buckets)})
    counts = np.bincount(np.searchsorted(edges, known, side="right"), minlength=len(edges) + 1)
    bounds = [None, *edges, None]
    buckets = [(bounds[i], bounds[i + 1], int(counts[i])) for i in range(len(edges) + 1) if len(known)]
    other = total - missing - len(known)
    return Facet(name, "range", total, buckets=buckets, other=int(other), missing=missing, currency=currency)


def attribute_entries(catalog: Catalog, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, pair) of every attribute value of ``rows``: a boolean lookup over the coordinate
    list (one pass, vectorised)."""
    if not len(catalog.attr_row) or not len(rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    in_set = np.zeros(catalog.n_rows, dtype=bool)
    in_set[rows] = True
    sel = in_set[catalog.attr_row]
    return catalog.attr_row[sel].astype(np.int64), catalog.attr_pair[sel]


def _attributes(
    catalog: Catalog,
    rows: np.ndarray,
    keys: Sequence[str] | None,
    n_keys: int,
    size: int,
    max_values: int,
) -> dict[str, Facet]:
    """Facets of attribute keys: ``keys`` when given, else the ``n_keys`` keys most products of
    the result set have (keys with more than ``max_values`` distinct values in the catalog,
    such as free-text dimensions, are not facetable by default)."""
    total = len(rows)
    a_rows, a_pairs = attribute_entries(catalog, rows)
    n_k = len(catalog.keys)
    pair_key = catalog.pair_key.astype(np.int64)
    # products per key: unique (row, key) pairs
    if len(a_rows):
        rk = np.unique(a_rows * max(n_k, 1) + pair_key[a_pairs])
        per_key = np.bincount(rk % max(n_k, 1), minlength=n_k)
    else:
        per_key = np.zeros(n_k, dtype=np.int64)
    if keys is None:
        distinct = np.bincount(pair_key, minlength=n_k) if len(pair_key) else np.zeros(n_k, dtype=np.int64)
        cands = [
            k
            for k in np.flatnonzero(per_key).tolist()
            if distinct[k] <= max_values and fold(catalog.keys[k]) not in NOT_FACETS
        ]
        cands.sort(key=lambda k: (-int(per_key[k]), fold(catalog.keys[k])))
        chosen = cands[:n_keys]
    else:
        # a key as named, else without "attr.": the name the answer gives the facet (docs/API.md's
        # ``facets=attr.colour`` was read as the key "attr.colour" and answered an empty facet)
        lookup = {fold(k): i for i, k in enumerate(catalog.keys)}
        chosen = [lookup.get(fold(k), lookup.get(fold(k.removeprefix(ATTR_PREFIX)), -1)) for k in keys]
    pair_counts = np.bincount(a_pairs, minlength=len(catalog.pairs)) if len(a_pairs) else None
    out: dict[str, Facet] = {}
    for i, kc in enumerate(chosen):
        label = catalog.keys[kc] if kc >= 0 else str(keys[i]).removeprefix(ATTR_PREFIX)  # type: ignore[index]
        name = f"attr.{label}"
        if kc < 0 or pair_counts is None:
            out[name] = Facet(name, "terms", total, missing=total)
            continue
        pcs = np.flatnonzero((catalog.pair_key == kc) & (pair_counts > 0)) if pair_counts is not None else []
        order = sorted(pcs.tolist(), key=lambda p: (-int(pair_counts[p]), fold(catalog.pairs[p][1])))
        values = [(catalog.pairs[p][1], int(pair_counts[p])) for p in order[:size]]
        shown_rows = sum(int(pair_counts[p]) for p in order[size:])
        out[name] = Facet(
            name, "terms", total, values=values, other=shown_rows, missing=int(total - per_key[kc])
        )
    return out


def compute_facets(
    catalog: Catalog,
    rows: np.ndarray,
    names: Sequence[str] = DEFAULT_FACETS,
    size: int = 20,
    price_buckets: int = 5,
    attribute_keys: int = 5,
    attribute_max_values: int = 50,
    currency: str | None = None,
    rates: dict[str, float] | None = None,
) -> dict[str, Facet]:
    """Facets of the result set ``rows`` (catalog rows). ``names``: ``brand``, ``category``
    (one facet per level: ``category.lvl0``, ``category.lvl1``, ... with full prefix paths as
    values), ``price`` (buckets in ``currency``, see the module doc), ``attributes`` (the most common attribute keys, as
    ``attr.<key>``); any other name is read as an attribute key, with or without ``attr.``. A key no
    product has gives an empty facet (``request_warnings`` says so in the answer)."""
    rows = np.asarray(rows, dtype=np.int64)
    total = len(rows)
    out: dict[str, Facet] = {}
    explicit_keys: list[str] = []
    for name in dict.fromkeys(names):
        if name == FACET_BRAND:
            out[FACET_BRAND] = _terms(FACET_BRAND, catalog.brand_code[rows], catalog.brands, total, size)
        elif name == FACET_CATEGORY:
            for lv in range(catalog.depth):
                fname = f"category.lvl{lv}"
                out[fname] = _terms(fname, catalog.cat_codes[lv][rows], catalog.cat_values(lv), total, size)
        elif name == FACET_PRICE:
            out.update(_price(catalog, rows, price_buckets, currency, rates))
        elif name == FACET_ATTRIBUTES:
            out.update(_attributes(catalog, rows, None, attribute_keys, size, attribute_max_values))
        else:
            explicit_keys.append(name)
    if explicit_keys:
        out.update(_attributes(catalog, rows, explicit_keys, len(explicit_keys), size, attribute_max_values))
    return out
