"""Request bodies and path parameters of the API, validated with pydantic, one item at a time.

A batch is accepted as a list of free-form objects and each item is validated on its own,
so one bad event is answered with its reason while the good ones are stored (a wholly bad
batch is a 422). The strict per-item models below are what OpenAPI documents.

The rules are the gate's, not a second copy: currencies come from the gate's ISO 4217 list,
timestamps must lie in the one plausibility window (``shopmind.quality.plausible``), and the
row-local event checks of the gate (``EVT_CURRENCY_UNKNOWN``, ``EVT_RATING_RANGE``,
``EVT_QTY_SIGN``, ``EVT_PRICE_NONPOSITIVE``, ``EVT_USER_MISSING``, ``EVT_ITEM_UNKNOWN``
against the served catalog) are applied at write time with the gate configuration's action
for each code (:func:`event_verdict`): a code whose action is ``quarantine`` rejects the
event with that code, ``flag`` accepts it and says so. The gate still judges every drained
entry (it has the final word; batch-wide checks such as duplicates and bots need the batch).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Path as PathParam
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from shopmind.config import ISO_4217, GateConfig
from shopmind.data.limits import MAX_ID_CHARS
from shopmind.data.model import (
    EVENT_TYPES,
    ITEMLESS_EVENT_TYPES,
    NEGATIVE_QUANTITY_TYPES,
    unknown_type_reason,
)
from shopmind.quality.codes import CODES
from shopmind.quality.plausible import timestamp_problem, to_utc

MAX_BATCH = 1000
#: Longest id (product, user, item, event, run) the API accepts, in a path or a body: ids are
#: stored, logged and used in file names, so every one is bounded (a 5,000-character run id
#: used to reach the file system and fail there with a 500).
MAX_ID = MAX_ID_CHARS  # data.limits: the gate quarantines a longer product id
#: What an id may hold, as the OpenAPI document says it: no control character (C0 or DEL) and
#: at least one character that is not white space. A NUL or a newline in an id was accepted
#: and stored (live log, catalog, access log lines); a path id of one space was answered as an
#: empty product id by the gate. The check itself is ``_clean_id`` (its message says which
#: character and where, which a regular expression's "should match pattern" does not).
ID_PATTERN = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
#: A control character (C0 or DEL): refused in ids here and in campaign text (routes/ads.py).
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def _clean_id(value: str) -> str:
    """An id without control characters and not only white space (see ``ID_PATTERN``)."""
    bad = CONTROL_CHARS.search(value)
    if bad is not None:
        raise ValueError(
            f"an id may not contain control characters ({bad.group()!r} at position {bad.start()})"
        )
    if not value.strip():
        raise ValueError("an id may not be only white space")
    return value


def clean_optional_id(value: str | None) -> str | None:
    """``_clean_id`` for an optional id (a query parameter that may be absent)."""
    return None if value is None else _clean_id(value)


_ID_FIELD = {"min_length": 1, "max_length": MAX_ID, "json_schema_extra": {"pattern": ID_PATTERN}}
#: An id in a body (product, user, session, item, event, order, conversation).
Id = Annotated[str, Field(**_ID_FIELD), AfterValidator(_clean_id)]
#: A path parameter naming an id: the same bounds everywhere.
IdPath = Annotated[str, PathParam(**_ID_FIELD), AfterValidator(_clean_id)]


def _not_bool(value: Any) -> Any:
    """JSON ``true``/``false`` is not a number (pydantic's lax mode read ``"quantity": true``
    as 1 and ``"price": true`` as 1.0, and the event or product was stored)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


NotBool = BeforeValidator(_not_bool)
#: Bounds on numbers: finite (no NaN/Infinity, which JSON parsers accept) and of a size the
#: store's Float64/Int64 columns hold exactly (10**30 used to become a silent null).
MAX_AMOUNT = 1e12
MAX_COUNT = 1_000_000_000
#: The gate configuration write-time checks follow (the drain of the live log uses the same).
GATE = GateConfig()

EventType = Literal[
    "view", "click", "add_to_cart", "remove_from_cart", "wishlist", "purchase", "return", "rate", "search"
]
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]


def _known_type(value: object) -> object:
    """An unknown type is named with the value sent and the known ones, in the gate's words
    (pydantic's "Input should be 'view', ..." did not say what was sent)."""
    if isinstance(value, str) and value not in EVENT_TYPES:
        raise ValueError(unknown_type_reason(value))
    return value


#: An event's type as the API reads it: the Literal (its schema's enum), an unknown one named.
KnownEventType = Annotated[EventType, BeforeValidator(_known_type)]


def _plausible(value: datetime) -> datetime:
    """A timestamp inside the gate's plausibility window, in UTC (naive = UTC)."""
    problem = timestamp_problem(value, datetime.now(UTC), GATE.future_tolerance_seconds)
    if problem:
        raise ValueError(problem)
    return to_utc(value)


Timestamp = Annotated[datetime, AfterValidator(_plausible)]


def _currency_case(value: object) -> object:
    """``usd`` / ``Eur`` as ``USD`` / ``EUR``, as the gate's ``CURRENCY_CASE`` repair does for a
    batch (three ASCII letters whose upper case is an ISO 4217 code; anything else is left for
    the ISO check to reject): an event the gate would repair is not refused by the API."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 3 and text.isascii() and text.isalpha() and text.upper() in ISO_4217:
            return text.upper()
    return value


Currency = Annotated[str, BeforeValidator(_currency_case)]
Amount = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False), NotBool]


class EventIn(BaseModel):
    """One behaviour event. ``event_id`` makes a retried event count once."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    event_id: Id
    type: KnownEventType
    timestamp: Timestamp | None = Field(default=None, description="ISO 8601; default: time received")
    user_id: Id | None = None
    session_id: Id | None = None
    item_id: Id | None = None
    quantity: Annotated[int | None, NotBool] = Field(default=None, ge=-10_000, le=10_000)
    price: Annotated[float | None, NotBool] = Field(default=None, ge=0, le=1e9)
    currency: Currency | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        description="ISO 4217 (the gate's list; lower case is read as upper case, as the gate's CURRENCY_CASE "
        "repair does; another code is rejected with EVT_CURRENCY_UNKNOWN)",
        json_schema_extra={"enum": [*sorted(ISO_4217), None]},
    )
    query: str | None = Field(default=None, max_length=1000)
    rating: Annotated[float | None, NotBool] = Field(
        default=None,
        allow_inf_nan=False,
        description="on the gate's rating scale (outside it: EVT_RATING_RANGE)",
        json_schema_extra={"minimum": GATE.rating_scale[0], "maximum": GATE.rating_scale[1]},
    )
    order_id: Id | None = None
    position: Annotated[int | None, NotBool] = Field(default=None, ge=0, le=100_000)
    request_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="the X-Request-ID of the search/recommendation response the shopper acted on: "
        "experiments credit the event to exactly that response (else by session and a 30-minute window)",
    )

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
        if d["request_id"] is None:  # analytics only (experiments' attribution): logged when given
            del d["request_id"]
        return d


#: The gate's row-local event checks as (code, field, test on a validated record): each is the
#: Python form of the SQL rule in ``shopmind.quality.checks`` with the same inputs (the ISO
#: list, the rating scale, the types needing a user, the negative-quantity types);
#: tests/test_live_validation.py checks that the gate quarantines exactly the rows these reject.
_EVENT_RULES: tuple[tuple[str, str, Callable[[Mapping[str, Any], GateConfig], bool]], ...] = (
    ("EVT_USER_MISSING", "user_id", lambda e, c: e.get("user_id") is None and e["type"] in c.require_user_types),
    (
        "EVT_QTY_SIGN",
        "quantity",
        lambda e, c: e.get("quantity") is not None
        and (e["quantity"] >= 0 if e["type"] in NEGATIVE_QUANTITY_TYPES else e["quantity"] <= 0),
    ),
    (
        "EVT_PRICE_NONPOSITIVE",
        "price",
        lambda e, c: e["type"] in ("purchase", "return") and e.get("price") is not None and e["price"] <= 0,
    ),
    ("EVT_CURRENCY_UNKNOWN", "currency", lambda e, c: e.get("currency") is not None and e["currency"] not in ISO_4217),
    (
        "EVT_RATING_RANGE",
        "rating",
        lambda e, c: e.get("rating") is not None and not c.rating_scale[0] <= e["rating"] <= c.rating_scale[1],
    ),
)  # fmt: skip


def event_verdict(
    record: Mapping[str, Any], catalog: Mapping[str, Any] | None, cfg: GateConfig = GATE
) -> tuple[list[dict[str, str]], list[str]]:
    """The gate's row-local verdict on one validated event: (reasons to reject, codes to flag).

    ``catalog`` is the served catalog (product id → product), or None when nothing is served
    yet (then ``EVT_ITEM_UNKNOWN`` is left to the gate, which knows the store)."""
    failed = [(code, fld) for code, fld, test in _EVENT_RULES if test(record, cfg)]
    item = record.get("item_id")
    if catalog is not None and item is not None and str(item) not in catalog:
        failed.append(("EVT_ITEM_UNKNOWN", "item_id"))
    reject, flags = [], []
    for code, fld in failed:
        action = cfg.code(code).action
        if action == "quarantine":
            value = record.get(fld)
            reject.append({"field": fld, "code": code, "message": f"{fld}={value!r}: {CODES[code].summary}"})
        elif action == "flag":
            flags.append(code)
    return reject, flags


def item_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its ``$defs`` inlined, for the ``items`` of a batch that is
    validated item by item (a ``#/$defs/...`` reference left in the OpenAPI document points
    nowhere, and schemathesis could not generate a product batch at all)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


class EventBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        json_schema_extra={"items": item_schema(EventIn)},
        description="Each item is an EventIn; invalid items are answered one by one.",
    )


class Attribute(BaseModel):
    key: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=1000)


class ProductBody(BaseModel):
    """PUT /v1/products/{id} body: a product without its id (the path carries it); the
    quality gate then checks it like any batch."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    title: str = Field(min_length=1, max_length=2000)
    description: str | None = Field(default=None, max_length=50_000)
    category_path: str | None = Field(default=None, max_length=1000)
    brand: str | None = Field(default=None, max_length=200)
    price: Amount | None = None
    currency: Currency | None = Field(
        default=None, max_length=3, description="ISO 4217 (the gate's list; lower case read as upper case)"
    )
    attributes: list[Attribute] | None = Field(default=None, max_length=200)
    stock: Annotated[int | None, NotBool] = Field(default=None, ge=-MAX_COUNT, le=MAX_COUNT)
    rating: Amount | None = None
    created_at: Timestamp | None = None
    image_url: str | None = Field(default=None, max_length=2000)
    language: str | None = Field(default=None, max_length=20)


class ProductIn(ProductBody):
    """A product of a batch (POST /v1/products:batch): the same fields plus its id."""

    product_id: Id


class ProductBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    products: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        json_schema_extra={"items": item_schema(ProductIn)},
    )


class SessionEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item_id: Id
    type: KnownEventType = "view"
    timestamp: Timestamp | None = None


class SessionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[SessionEvent] = Field(min_length=0, max_length=200)
    k: Annotated[int, NotBool] = Field(default=10, ge=1, le=200)


def error_message(err: Mapping[str, Any]) -> str:
    """The message of one pydantic error as the user should read it: our own validators' words without the
    "Value error, " / "Assertion failed, " pydantic puts in front of them (session 33), pydantic's otherwise."""
    if err.get("type") in ("value_error", "assertion_error"):
        raised = (err.get("ctx") or {}).get("error")
        if raised is not None and str(raised):
            return str(raised)
    return str(err.get("msg", "invalid"))


def item_errors(exc: ValidationError) -> list[dict[str, str]]:
    """pydantic errors as {field, message} (first field of each location)."""
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err.get("loc", ()))
        out.append({"field": loc or "(item)", "message": error_message(err)})
    return out
