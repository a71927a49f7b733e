"""The canonical data model: three tables every other part of shopmind reads.

Adapters turn a dataset into these tables; the quality gate coerces, repairs and checks
them; the store keeps the accepted rows. Keeping one model (rather than one per dataset)
is what lets search, recommendations and serving ignore where the data came from.

Columns are split into *required* and *optional*: an optional column may be absent from a
batch altogether (it is then added as nulls), a required one must be present and non-null.
Adapters may hand over raw values (strings, unix numbers); the gate's coercion step owns
turning them into the dtypes below and reporting, per cell, what could not be converted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

TableName = Literal["products", "events", "judgments"]
TABLES: tuple[TableName, ...] = ("products", "events", "judgments")

#: Internal column: position of the row in the batch, unique per table (0-based).
#: Every row of the account (accepted + quarantined) is identified by it.
ROW = "_row"
#: Internal column: where the row came from in the source, for error messages ("line 17").
SOURCE_LINE = "_line"
#: Internal column on accepted rows: codes of checks that flagged (but did not quarantine) the row.
FLAGS = "_flags"

UTC_DATETIME = pl.Datetime("us", "UTC")
ATTRIBUTES = pl.List(pl.Struct({"key": pl.Utf8, "value": pl.Utf8}))
#: Attribute keys that are the shop's own business, never a shopper's: the pricing guardrails' terms
#: (unit cost, a competitor's price, the floor and ceiling; ``pricing/release.py`` reads them). Search
#: does not index them (no facet, filter or query word can reveal a product's cost) and the product
#: page does not list them. Compared lower-cased and stripped.
SHOP_ONLY_ATTRIBUTES: tuple[str, ...] = ("cost", "competitor_price", "price_floor", "price_ceiling")

#: Separator of category levels in ``category_path`` ("Women > Dresses > Maxi").
CATEGORY_SEP = " > "

EVENT_TYPES: tuple[str, ...] = (
    "view",
    "click",
    "add_to_cart",
    "remove_from_cart",
    "wishlist",
    "purchase",
    "return",
    "rate",
    "search",
)
#: The words around an unknown event type's value in a rejected event's message and a quarantined
#: row's reason (API, Polars and Spark gates alike): the value sent, then the types known.
UNKNOWN_TYPE_SAID: tuple[str, str] = ("type '", "' is not an event type; one of: " + ", ".join(EVENT_TYPES))


def unknown_type_reason(value: str) -> str:
    """The value sent and the known ones: type 'purchse' is not an event type; one of: view, click, ..."""
    return f"{UNKNOWN_TYPE_SAID[0]}{value}{UNKNOWN_TYPE_SAID[1]}"


#: Event types that need no item (a search is about a query, not a product).
ITEMLESS_EVENT_TYPES: frozenset[str] = frozenset({"search"})
#: Event types whose quantity must be negative (returns and cancellations mirror accounting).
NEGATIVE_QUANTITY_TYPES: frozenset[str] = frozenset({"return", "remove_from_cart"})


@dataclass(frozen=True)
class TableSchema:
    """Dtypes of one canonical table, split into required and optional columns."""

    name: TableName
    required: dict[str, pl.DataType]
    optional: dict[str, pl.DataType]
    key: tuple[str, ...]

    @property
    def columns(self) -> dict[str, pl.DataType]:
        return {**self.required, **self.optional}


PRODUCTS = TableSchema(
    name="products",
    required={"product_id": pl.Utf8, "title": pl.Utf8},
    optional={
        "description": pl.Utf8,
        "category_path": pl.Utf8,
        "brand": pl.Utf8,
        "price": pl.Float64,
        "currency": pl.Utf8,
        "attributes": ATTRIBUTES,
        "stock": pl.Int64,
        "rating": pl.Float64,
        "created_at": UTC_DATETIME,
        "updated_at": UTC_DATETIME,
        "image_url": pl.Utf8,
        "language": pl.Utf8,
    },
    key=("product_id",),
)

EVENTS = TableSchema(
    name="events",
    required={"event_id": pl.Utf8, "type": pl.Utf8, "timestamp": UTC_DATETIME},
    optional={
        "user_id": pl.Utf8,
        "session_id": pl.Utf8,
        "item_id": pl.Utf8,
        "quantity": pl.Int64,
        "price": pl.Float64,
        "currency": pl.Utf8,
        "query": pl.Utf8,
        "rating": pl.Float64,
        "order_id": pl.Utf8,
        "position": pl.Int64,
    },
    key=("event_id",),
)

JUDGMENTS = TableSchema(
    name="judgments",
    required={"query": pl.Utf8, "product_id": pl.Utf8, "relevance": pl.Float64},
    optional={"query_id": pl.Utf8},
    key=("query", "product_id"),
)

SCHEMAS: dict[TableName, TableSchema] = {s.name: s for s in (PRODUCTS, EVENTS, JUDGMENTS)}


@dataclass
class Batch:
    """What an adapter or reader hands to the gate: up to three tables from one source.

    ``source`` names the feed (e.g. ``online-retail``) so that runs of the same feed can be
    compared over time (volume change, drift). ``meta`` carries adapter facts that belong in
    the report (file paths, raw line counts, notes such as the dataset's rating scale).
    """

    source: str
    products: pl.DataFrame | None = None
    events: pl.DataFrame | None = None
    judgments: pl.DataFrame | None = None
    meta: dict[str, object] = field(default_factory=dict)
    #: products the export lists as not for sale (a mapping's ``[listed]``: Shopify's draft or archived):
    #: ``product_id``, ``attributes`` (their variant SKUs), ``status``. Kept out of the catalogue, but
    #: remembered by the store, so the shop's past orders of them stay purchases (``EVT_ITEM_UNLISTED``).
    unlisted: pl.DataFrame | None = None

    def tables(self) -> dict[TableName, pl.DataFrame]:
        """The tables present in the batch, each with a ``_row`` column added if missing."""
        out: dict[TableName, pl.DataFrame] = {}
        for name in TABLES:
            frame = getattr(self, name)
            if frame is None:
                continue
            if ROW not in frame.columns:
                frame = frame.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))
            out[name] = frame
        return out


def empty_frame(schema: TableSchema) -> pl.DataFrame:
    """An empty frame with the canonical columns of ``schema`` (plus ``_row``)."""
    return pl.DataFrame(schema={ROW: pl.Int64, **schema.columns})
