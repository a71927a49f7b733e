"""The contract between query understanding, the search engine and its callers.

Kept in one small module with no behaviour so that the parser (``understand``), the engine
(``engine``) and the HTTP layer agree on what a filter and an understood query *are*,
without importing each other.

- ``Filters`` are hard constraints: a product that fails one is not in the result set (and
  so not in any facet count).
- ``Understood`` is what the parser read out of the free text: the constraints it
  recognised (each with the span of the query it came from, so a UI can show "under $50"
  as a removable chip), the text left to match, spelling fixes and synonym expansions.
  Recognised constraints become filters only when the engine is told to apply them
  (``apply_understood``); otherwise they act as ranking features.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

SortKey = Literal["relevance", "price_asc", "price_desc", "newest", "popularity"]
SORT_KEYS: tuple[str, ...] = ("relevance", "price_asc", "price_desc", "newest", "popularity")

ConstraintKind = Literal["price", "brand", "category", "attribute"]


@dataclass(frozen=True)
class Filters:
    """Hard constraints on products. Every field is optional; empty means "no constraint".

    ``categories`` match a product whose ``category_path`` equals the value or starts with
    it followed by the level separator (a filter on "Tools" keeps "Tools > Drills").
    ``attributes`` maps an attribute key to the accepted values (any of them matches).
    Values compare case-insensitively after Unicode normalisation.

    ``currency`` says what currency ``price_min``/``price_max`` are in: a product priced in
    another currency is compared after conversion when the engine has exchange rates, and is
    out of a price-bounded result otherwise (100 yuan is not 100 dollars). ``None`` means the
    engine's default (the query's currency, else the catalog's main one; see ``engine``).
    """

    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    in_stock: bool = False
    currency: str | None = None
    #: groups of (key, values) of which a product must match at least one per group (one
    #: recognised value and its equivalents in the other language: "colour: red" or "颜色: 红色")
    attribute_any: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...] = ()

    def is_empty(self) -> bool:
        return (
            not self.categories
            and not self.brands
            and self.price_min is None
            and self.price_max is None
            and not self.attributes
            and not self.attribute_any
            and not self.in_stock
        )

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["attributes"] = {k: list(v) for k, v in self.attributes}
        d["attribute_any"] = [{k: list(v) for k, v in group} for group in self.attribute_any]
        d["categories"], d["brands"] = list(self.categories), list(self.brands)
        return d


@dataclass(frozen=True)
class Constraint:
    """One thing the parser recognised in the query.

    ``kind`` says what it is; ``key`` is the attribute key for ``attribute`` (else the kind);
    ``value`` is the canonical catalog value (brand/category/attribute value as the catalog
    spells it) or, for price, a ``"min-max"`` string with an empty side for an open bound;
    ``span`` is the (start, end) character range in the *original* query; ``source`` tells
    how it was recognised (``"pattern"``, ``"catalog"``, ``"synonym"``, ``"graph"``).
    A price carries its ``currency`` (written in the query, else the one the query's language
    is priced in) and every constraint a ``label`` for a chip ("under CN¥100", "red").
    """

    kind: ConstraintKind
    key: str
    value: str
    span: tuple[int, int]
    source: str = "catalog"
    price_min: float | None = None
    price_max: float | None = None
    currency: str | None = None
    label: str = ""
    #: other (key, value) pairs meaning the same (the value in the other language): an
    #: attribute filter accepts a product with the value or any of these
    alternatives: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Understood:
    """What the free text of a query was understood as.

    ``text`` is the query with recognised *price* phrases removed (brand, category and
    attribute words stay: they still match lexically). ``expansions`` are extra terms added
    for lexical matching (synonyms, graph neighbours), weighted below the user's own terms.
    """

    query: str
    text: str
    language: str
    constraints: tuple[Constraint, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    expansions: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    #: words of the query -> expansions that stand for them (synonyms, translations into the
    #: other language): a product matching an alternative matches those words (``engine``)
    alternatives: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def filters(self) -> Filters:
        """The recognised constraints as hard filters (used when the caller opts in)."""
        brands = tuple(c.value for c in self.constraints if c.kind == "brand")
        cats = tuple(c.value for c in self.constraints if c.kind == "category")
        attrs: dict[str, list[str]] = {}
        groups: list[tuple[tuple[str, tuple[str, ...]], ...]] = []
        for c in self.constraints:
            if c.kind == "attribute" and c.alternatives:
                per: dict[str, list[str]] = {c.key: [c.value]}
                for k, v in c.alternatives:
                    per.setdefault(k, []).append(v)
                groups.append(tuple((k, tuple(v)) for k, v in per.items()))
            elif c.kind == "attribute":
                attrs.setdefault(c.key, []).append(c.value)
        lo = hi = None
        currency = None
        prices = [c for c in self.constraints if c.kind == "price"]
        for c in prices:
            currency = currency or c.currency
            lo = c.price_min if lo is None or (c.price_min is not None and c.price_min > lo) else lo
            hi = c.price_max if hi is None or (c.price_max is not None and c.price_max < hi) else hi
        if lo is not None and hi is not None and lo > hi:
            # price phrases that contradict ("1左右0以下": about 1, at most 0) have no common range:
            # the last one the shopper wrote stands alone, rather than a filter nothing can pass
            last = prices[-1]
            lo, hi, currency = last.price_min, last.price_max, last.currency or currency
        return Filters(
            categories=cats,
            brands=brands,
            price_min=lo,
            price_max=hi,
            attributes=tuple((k, tuple(v)) for k, v in attrs.items()),
            currency=currency,
            attribute_any=tuple(groups),
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "query": self.query,
            "text": self.text,
            "language": self.language,
            "constraints": [asdict(c) for c in self.constraints],
            "corrections": dict(self.corrections),
            "expansions": list(self.expansions),
            "notes": list(self.notes),
            "alternatives": {k: list(v) for k, v in self.alternatives},
        }
