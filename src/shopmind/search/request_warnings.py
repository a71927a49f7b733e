"""Warnings of a read request: the facets, attribute keys, categories and brands it names that the catalog lacks.

An unknown name is not an error: attribute keys and categories come and go between releases,
and a storefront asking for one must still get its page (a 400 would break it the day a key is
dropped). So the answer stays what it was — an empty facet, no hit in that category — and its
``warnings`` list says which parameter named what, instead of leaving an integrator to guess
between a typo, a dropped key and a category with nothing in stock. Search and recommendations
share the form (``warning``); "unknown" means no product of the served catalog ever had it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from shopmind.search.facets import ATTR_PREFIX, DEFAULT_FACETS

if TYPE_CHECKING:
    from shopmind.search.catalog import Catalog
    from shopmind.search.query import Filters


def warning(code: str, param: str, value: str, message: str) -> dict[str, str]:
    """One entry of a response's ``warnings``: a stable code, the query parameter, its value."""
    return {"code": code, "param": param, "value": value, "message": message}


def meaning_only(query: str) -> dict[str, str]:
    """No product contains a word of ``query`` (nor a synonym or correction of one): every result came
    from the dense part alone. Why say it: a string of letters no catalog holds ("zzzzqqq") still
    has nearest neighbours, and "100 results" above them reads as matches; a query in another
    language than the catalog's is answered the same way on purpose, so the results stay and the
    storefront can say what they are."""
    return warning(
        "meaning_only",
        "q",
        query,
        "q: no product contains the query's words; the results are the products closest in meaning",
    )


def constraints_dropped(labels: list[str], every: bool = True) -> dict[str, str]:
    """What the query was read as (``understood.constraints``: "under $30", "colour: red") matched no
    product together, so the search ran without some or all of them (``search/relax.py``: as few as
    it must; ``every``: all of them). Why say it in ``warnings`` and not only in ``notes``: the
    response still lists those constraints as understood, and a storefront showing them as chips
    above CN¥459 dresses for "red dress under $30" tells the shopper a filter is on that is not;
    ``value`` holds the labels of the ones left out, joined by "; "."""
    shown = "; ".join(labels)
    message = (
        f"q: no product matched what the query was read as ({shown}); the results are searched without it"
        if every
        else f"q: no product matched everything the query was read as; the results are searched without {shown}"
    )
    return warning("constraints_dropped", "q", shown, message)


def words_unmatched(words: list[str]) -> dict[str, str]:
    """No product holds these words of the query (nor a synonym, translation or spelling fix of
    one), so the results match its other words: "blue sofa" on a shop with no sofa answers blue
    things. Why say it rather than answer nothing: engines relax a query that matches nothing
    (Meilisearch drops words by default, Algolia's ``removeWordsIfNoResults``), and a shopper is
    better served by "no results for 'sofa'; showing results for 'blue'" than by an empty page or
    by blue shirts under "38 results for 'blue sofa'". ``value``: the words, joined by "; "."""
    shown = "; ".join(words)
    quoted = ", ".join(f"'{w}'" for w in words)
    return warning(
        "words_unmatched",
        "q",
        shown,
        f"q: no product matches {quoted}; the results match the query's other words",
    )


def unknown_currency(
    catalog: Catalog, filters: Filters, rates: dict[str, float] | None
) -> list[dict[str, str]]:
    """``currency=EUR`` with a price bound on a shop no product of which is priced in EUR (and no
    ``[search] currency_rates`` to convert): every product fails the bound, and the empty answer said
    nothing - a typo'd or wrong currency read as "nothing in this price range"."""
    code = (filters.currency or "").upper()
    bounded = filters.price_min is not None or filters.price_max is not None
    if not code or not bounded or catalog.currency_of(code) >= 0 or (rates and code in rates):
        return []
    known = ", ".join(catalog.currencies) or "none"
    return [
        warning(
            "unknown_currency",
            "currency",
            code,
            f"currency: no product of the catalog is priced in {code} (its currencies: {known}), so the price "
            "bounds match nothing",
        )
    ]


def unknown_category(value: str, close: Sequence[str] = ()) -> dict[str, str]:
    """A category filter no product is in; ``close``: the catalog's categories nearest in spelling."""
    return _unknown_filter("category", f"is in category {value!r}", value, close)


def unknown_brand(value: str, close: Sequence[str] = ()) -> dict[str, str]:
    """A brand filter no product has; ``close``: the catalog's brands nearest in spelling."""
    return _unknown_filter("brand", f"has brand {value!r}", value, close)


def _unknown_filter(param: str, what: str, value: str, close: Sequence[str]) -> dict[str, str]:
    maybe = f" - did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    message = f"{param}: no product of the catalog {what}, so the filter matches nothing{maybe}"
    return warning(f"unknown_{param}", param, value, message)


def close_names(value: str, names: Sequence[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``names`` nearest to ``value`` in spelling (difflib, case-folded), a category
    path also by its last level ("Furnitur" -> "Home > Furniture")."""
    import difflib

    keys: dict[str, str] = {}
    for name in names:
        for k in (name.casefold(), name.rsplit(">", 1)[-1].strip().casefold()):
            keys.setdefault(k, name)
    got = difflib.get_close_matches(value.casefold().strip(), list(keys), n=3 * n, cutoff=0.8)
    return list(dict.fromkeys(keys[k] for k in got))[:n]


def unknown_attribute(key: str, value: str) -> dict[str, str]:
    return warning(
        "unknown_attribute",
        "attr",
        f"{key}:{value}",
        f"attr: no product of the catalog has an attribute {key!r}, so the filter {key}:{value} matches nothing",
    )


def search_warnings(catalog: Catalog, filters: Filters, facets: Sequence[str]) -> list[dict[str, str]]:
    """The request's facets, category, brand and attribute filters that no product of ``catalog``
    has (in request order, once each; an attribute filter by its key: a known key with a value no
    product has is an ordinary empty filter, as a price range with nothing in it)."""
    out: list[dict[str, str]] = []
    for name in dict.fromkeys(facets):
        if (
            name in DEFAULT_FACETS
            or catalog.knows_key(name)
            or catalog.knows_key(name.removeprefix(ATTR_PREFIX))
        ):
            continue
        example = f" such as {catalog.keys[0]!r}" if catalog.keys else ""
        out.append(
            warning(
                "unknown_facet",
                "facets",
                name,
                f"facets: no product of the catalog has an attribute {name!r} (known facets: "
                f"{', '.join(DEFAULT_FACETS)}, or an attribute key{example})",
            )
        )
    if any(not catalog.knows_category(c) for c in filters.categories):
        paths = [p for level in range(catalog.depth) for p in catalog.cat_values(level)]
        out += [
            unknown_category(c, close_names(c, paths))
            for c in dict.fromkeys(filters.categories)
            if not catalog.knows_category(c)
        ]
    out += [
        unknown_brand(b, close_names(b, catalog.brands))
        for b in dict.fromkeys(filters.brands)
        if not catalog.knows_brand(b)
    ]
    out += [
        unknown_attribute(key, value)
        for key, values in filters.attributes
        if not catalog.knows_key(key)
        for value in dict.fromkeys(values)
    ]
    return out
