"""What the lexical index reads and answers, without the index: the indexed ``FIELDS`` and
their text (``product_fields``), the BM25F parameters and the ``SearchResult``.

A module of its own so that code needing only these (a Spark executor analysing product
text, ``shopmind tune`` building parameter sets, the LTR features) does not import the
index's scoring and storage code; ``search.lexical`` re-exports every name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from shopmind.data.model import CATEGORY_SEP

FIELDS: tuple[str, ...] = ("title", "brand", "category_path", "attributes", "description")


@dataclass(frozen=True)
class BM25Params:
    """BM25F parameters: one ``k1``; a weight and a length-normalisation ``b`` per field.

    The defaults are textbook values chosen a priori (k1 = 1.2, b = 0.75; title counts most,
    description least); they were not tuned on any judgments.
    """

    k1: float = 1.2
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "title": 2.0,
            "brand": 1.5,
            "category_path": 1.0,
            "attributes": 1.0,
            "description": 0.5,
        }
    )
    b: Mapping[str, float] = field(
        default_factory=lambda: {
            "title": 0.75,
            "brand": 0.5,
            "category_path": 0.5,
            "attributes": 0.5,
            "description": 0.75,
        }
    )

    def as_dict(self) -> dict[str, object]:
        return {"k1": self.k1, "weights": dict(self.weights), "b": dict(self.b)}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> BM25Params:
        return cls(k1=float(d["k1"]), weights=dict(d["weights"]), b=dict(d["b"]))  # type: ignore[arg-type]


@dataclass
class SearchResult:
    """Ranked product ids with scores; ``corrections`` maps a query term to its spelling fix."""

    ids: list[str]
    scores: list[float]
    terms: list[str]
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def spelling_corrected(self) -> bool:
        return bool(self.corrections)


def product_fields(product: Mapping[str, object]) -> dict[str, str]:
    """The text of each indexed field of a product row (canonical columns; missing -> '')."""
    out: dict[str, str] = {}
    for name in FIELDS:
        value = product.get(name)
        if value is None:
            out[name] = ""
        elif name == "attributes":
            out[name] = _attributes_text(value)
        elif name == "category_path":
            out[name] = str(value).replace(CATEGORY_SEP.strip(), " ")
        else:
            out[name] = str(value)
    return out


def _attributes_text(value: object) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, Mapping):
        return " ".join(f"{k} {v}" for k, v in value.items() if v is not None)
    if isinstance(value, Iterable):
        parts = []
        for item in value:
            if isinstance(item, Mapping):
                parts.append(f"{item.get('key') or ''} {item.get('value') or ''}")
            elif item is not None:
                parts.append(str(item))
        return " ".join(parts)
    return str(value)


def rows_of(products: pl.DataFrame | Iterable[Mapping[str, object]]) -> list[Mapping[str, object]]:
    """The products as a list of row mappings, from a DataFrame or any iterable of rows."""
    if isinstance(products, pl.DataFrame):
        return list(products.iter_rows(named=True))
    return list(products)
