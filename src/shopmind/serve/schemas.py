"""Request bodies of the write routes, validated with pydantic, one item at a time.

A batch is accepted as a list of free-form objects and each item is validated on its own,
so one bad event is answered with its reason while the good ones are stored (a wholly bad
batch is a 422). The strict per-item models below are what OpenAPI documents.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shopmind.data.model import EVENT_TYPES, ITEMLESS_EVENT_TYPES

MAX_BATCH = 1000
_ID = Field(min_length=1, max_length=200)
EventType = Literal[
    "view", "click", "add_to_cart", "remove_from_cart", "wishlist", "purchase", "return", "rate", "search"
]
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]


class EventIn(BaseModel):
    """One behaviour event. ``event_id`` makes a retried event count once."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: str = _ID
    type: EventType
    timestamp: datetime | None = Field(default=None, description="ISO 8601; default: time received")
    user_id: str | None = Field(default=None, min_length=1, max_length=200)
    session_id: str | None = Field(default=None, min_length=1, max_length=200)
    item_id: str | None = Field(default=None, min_length=1, max_length=200)
    quantity: int | None = Field(default=None, ge=-10_000, le=10_000)
    price: float | None = Field(default=None, ge=0, le=1e9)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    query: str | None = Field(default=None, max_length=1000)
    rating: float | None = Field(default=None, ge=0, le=10)
    order_id: str | None = Field(default=None, max_length=200)
    position: int | None = Field(default=None, ge=0, le=100_000)

    @field_validator("timestamp")
    @classmethod
    def _not_future(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return v
        if v.tzinfo is None:
            v = v.replace(tzinfo=UTC)
        if v > datetime.now(UTC) + timedelta(minutes=10):
            raise ValueError("timestamp is in the future")
        return v.astimezone(UTC)

    @model_validator(mode="after")
    def _who_and_what(self) -> EventIn:
        if self.user_id is None and self.session_id is None:
            raise ValueError("an event needs a user_id or a session_id")
        if self.item_id is None and self.type not in ITEMLESS_EVENT_TYPES:
            raise ValueError(f"a {self.type} event needs an item_id")
        if self.type == "search" and not self.query:
            raise ValueError("a search event needs a query")
        return self

    def record(self) -> dict[str, Any]:
        d = self.model_dump()
        d["timestamp"] = d["timestamp"] or datetime.now(UTC)
        return d


class EventBatch(BaseModel):
    events: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        json_schema_extra={"items": EventIn.model_json_schema()},
        description="Each item is an EventIn; invalid items are answered one by one.",
    )


class Attribute(BaseModel):
    key: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=1000)


class ProductBody(BaseModel):
    """PUT /v1/products/{id} body: a product without its id (the path carries it); the
    quality gate then checks it like any batch."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=2000)
    description: str | None = Field(default=None, max_length=50_000)
    category_path: str | None = Field(default=None, max_length=1000)
    brand: str | None = Field(default=None, max_length=200)
    price: float | None = None
    currency: str | None = Field(default=None, max_length=3)
    attributes: list[Attribute] | None = Field(default=None, max_length=200)
    stock: int | None = None
    rating: float | None = None
    created_at: datetime | None = None
    image_url: str | None = Field(default=None, max_length=2000)
    language: str | None = Field(default=None, max_length=20)


class ProductIn(ProductBody):
    """A product of a batch (POST /v1/products:batch): the same fields plus its id."""

    product_id: str = _ID


class ProductBatch(BaseModel):
    products: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        json_schema_extra={"items": ProductIn.model_json_schema()},
    )


class SessionEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item_id: str = _ID
    type: EventType = "view"
    timestamp: datetime | None = None


class SessionBody(BaseModel):
    events: list[SessionEvent] = Field(min_length=0, max_length=200)
    k: int = Field(default=10, ge=1, le=200)


def item_errors(exc: ValidationError) -> list[dict[str, str]]:
    """pydantic errors as {field, message} (first field of each location)."""
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err.get("loc", ()))
        out.append({"field": loc or "(item)", "message": err.get("msg", "invalid")})
    return out
