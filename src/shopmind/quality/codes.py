"""Stable reason codes of the quality gate.

A code never changes meaning once released: quarantine rows, audit records, run history and
the demo shop's defect ground truth all refer to these strings. Each code has a default
*action* (what happens to a failing row) and *severity* (whether crossing its threshold holds
the batch); both, and the threshold, can be overridden in the gate configuration.

Actions:
- ``quarantine``: the row is removed from the accepted table and kept in the quarantine.
- ``flag``: the row is accepted and carries the code in ``_flags``.
- ``repair``: the value was changed; the row is accepted and an audit record keeps old and new.
- ``batch``: a batch-level measurement (no row is moved).

A row check's severity applies when its failing share crosses the threshold *and* at least
``min_rows`` rows fail (default :data:`MIN_ROWS`), so a tiny batch with one bad row is not held.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal["quarantine", "flag", "repair", "batch"]
Severity = Literal["warn", "error"]


#: Failing rows a row check needs before its threshold can hold or warn a batch: one bad row
#: of a 20-row batch is 5 %, far above a 1 % threshold, yet it is one row, not a pattern.
MIN_ROWS = 5


@dataclass(frozen=True)
class Code:
    code: str
    table: str  # products | events | judgments | any | batch
    action: Action
    severity: Severity
    threshold: float  # fraction of the table's rows above which severity applies
    summary: str
    #: and at least this many failing rows (row checks only; batch measurements ignore it)
    min_rows: int = MIN_ROWS


_ALL: tuple[Code, ...] = (
    # --- any table: reading and types -------------------------------------------------
    Code(
        "MALFORMED_LINE",
        "any",
        "quarantine",
        "error",
        0.01,
        "the line could not be split into the expected fields",
    ),
    Code(
        "TYPE_ERROR",
        "any",
        "quarantine",
        "error",
        0.01,
        "a value could not be converted to the column's type",
    ),
    Code("REQUIRED_MISSING", "any", "quarantine", "error", 0.05, "a required field is empty"),
    Code(
        "COMPLETENESS",
        "any",
        "batch",
        "warn",
        0.5,
        "share of non-empty values in a column below its threshold",
    ),
    Code("TEXT_MOJIBAKE", "any", "repair", "warn", 0.05, "mis-decoded text repaired (ftfy)"),
    Code("TEXT_HTML", "any", "repair", "warn", 0.5, "HTML tags and entities stripped from text"),
    Code("TEXT_WHITESPACE", "any", "repair", "warn", 1.0, "whitespace and unicode form normalised"),
    Code("TEXT_T2S", "any", "repair", "warn", 1.0, "traditional Chinese converted to simplified (OpenCC)"),
    Code(
        "TEXT_CONTROL",
        "any",
        "repair",
        "warn",
        0.05,
        "control characters (NUL, other C0 except tab/newline, DEL, C1) removed from text",
    ),
    Code(
        "TEXT_ENCODING",
        "any",
        "repair",
        "warn",
        0.05,
        "line of a mixed-encoding file decoded with its own encoding (e.g. a GBK line in a UTF-8 file)",
    ),
    Code(
        "TEXT_TOO_LONG",
        "any",
        "quarantine",
        "warn",
        0.01,
        "free text longer than its gate.max_*_chars limit (not text a person wrote)",
    ),
    Code(
        "TS_IMPLAUSIBLE",
        "any",
        "quarantine",
        "error",
        0.01,
        "timestamp outside the plausible window (before 1970, or a product date after now + tolerance)",
    ),
    Code(
        "URL_UNSAFE",
        "any",
        "repair",
        "warn",
        0.05,
        "URL (image_url) cleared: not http(s), protocol-relative or relative (javascript:, data:, ...),"
        " or holding a space, control character, quote or angle bracket",
    ),
    Code(
        "CURRENCY_CASE",
        "any",
        "repair",
        "warn",
        1.0,
        "currency code in lower or mixed case ('usd') upper-cased to its ISO 4217 code",
    ),
    Code("TS_UNIT", "any", "batch", "warn", 1.0, "numeric timestamps: unit guessed (s/ms/us/ns)"),
    Code("TS_TIMEZONE", "any", "batch", "warn", 1.0, "naive local timestamps converted to UTC"),
    # --- products ---------------------------------------------------------------------
    Code(
        "PRD_ID_UNSAFE",
        "products",
        "quarantine",
        "error",
        0.05,
        "product id no URL path can carry: '.', '..', holding '/' or a control character, or over 200 characters",
    ),
    Code(
        "PRD_DUP_ID",
        "products",
        "quarantine",
        "warn",
        0.05,
        "duplicate product id; the latest version is kept",
    ),
    Code("PRD_TITLE_PLACEHOLDER", "products", "quarantine", "warn", 0.02, "title too short or a placeholder"),
    Code("PRD_DESC_MISSING", "products", "flag", "warn", 0.5, "description empty"),
    Code("PRD_PRICE_NONPOSITIVE", "products", "quarantine", "error", 0.05, "price is zero or negative"),
    Code("PRD_PRICE_OUTLIER", "products", "flag", "warn", 0.05, "price far from its category's median (MAD)"),
    Code(
        "PRD_CURRENCY_UNKNOWN",
        "products",
        "quarantine",
        "error",
        0.05,
        "currency missing or not an ISO 4217 code",
    ),
    Code(
        "PRD_CATEGORY_INCONSISTENT",
        "products",
        "flag",
        "warn",
        0.05,
        "category level appears under another parent in the tree",
    ),
    Code("PRD_STOCK_NEGATIVE", "products", "quarantine", "warn", 0.05, "stock below zero"),
    Code(
        "PRD_PRICE_BOUNDS",
        "products",
        "flag",
        "warn",
        0.05,
        "attribute price_floor above attribute price_ceiling: no price satisfies both (pricing keeps the price)",
    ),
    Code("PRD_RATING_RANGE", "products", "quarantine", "warn", 0.05, "rating outside the rating scale"),
    # --- events -----------------------------------------------------------------------
    Code("EVT_TYPE_UNKNOWN", "events", "quarantine", "error", 0.05, "event type not in the known set"),
    Code("EVT_ITEM_MISSING", "events", "quarantine", "error", 0.05, "an item event without an item id"),
    Code(
        "EVT_USER_MISSING", "events", "quarantine", "warn", 0.5, "a purchase or cart event without a user id"
    ),
    Code("EVT_DUP_EXACT", "events", "quarantine", "warn", 0.05, "exact duplicate of an earlier event"),
    Code("EVT_ID_CONFLICT", "events", "quarantine", "error", 0.01, "event id reused for a different event"),
    Code(
        "EVT_DUP_NEAR",
        "events",
        "quarantine",
        "warn",
        0.1,
        "same user, item and type within the near-duplicate window",
    ),
    Code("EVT_TS_FUTURE", "events", "quarantine", "error", 0.01, "timestamp in the future"),
    Code(
        "EVT_QTY_SIGN", "events", "quarantine", "warn", 0.05, "quantity sign inconsistent with the event type"
    ),
    Code(
        "EVT_QTY_OUTLIER",
        "events",
        "flag",
        "warn",
        0.05,
        "quantity far above the item's usual quantity (MAD)",
    ),
    Code(
        "EVT_PRICE_NONPOSITIVE",
        "events",
        "quarantine",
        "warn",
        0.05,
        "price of a purchase or return is zero or negative",
    ),
    Code(
        "EVT_PRICE_UNIT",
        "events",
        "repair",
        "warn",
        0.05,
        "price x100 or /100 against the item's median, rescaled",
    ),
    Code("EVT_CURRENCY_UNKNOWN", "events", "quarantine", "error", 0.05, "currency not an ISO 4217 code"),
    Code("EVT_RATING_RANGE", "events", "quarantine", "warn", 0.05, "rating outside the rating scale"),
    Code("EVT_ITEM_UNKNOWN", "events", "quarantine", "warn", 0.2, "event for a product not in the catalog"),
    Code(
        "EVT_ITEM_SKU",
        "events",
        "repair",
        "warn",
        1.0,
        "item_id is a variant SKU of one catalog product (its sku attribute): replaced by the product's id",
    ),
    Code(
        "EVT_ITEM_NAME",
        "events",
        "repair",
        "warn",
        1.0,
        "an order line without a SKU names one catalog product (its title, or title - variant): its item "
        "is that product",
    ),
    Code(
        "EVT_ITEM_UNLISTED",
        "events",
        "flag",
        "warn",
        1.0,
        "event for a product the shop keeps as not for sale (draft, archived): accepted for learning and "
        "forecasts; the product stays out of search and recommendations",
    ),
    Code("EVT_BEFORE_PRODUCT", "events", "flag", "warn", 0.05, "event earlier than the product's creation"),
    Code(
        "EVT_BOT_SESSION",
        "events",
        "quarantine",
        "warn",
        0.1,
        "session looks automated (rate, regular gaps, breadth)",
    ),
    Code(
        "EVT_RETURN_UNLINKED",
        "events",
        "flag",
        "warn",
        0.5,
        "return or cancellation without an earlier purchase to link",
    ),
    # --- judgments --------------------------------------------------------------------
    Code(
        "JDG_RELEVANCE_RANGE",
        "judgments",
        "quarantine",
        "error",
        0.01,
        "relevance outside the judgment scale",
    ),
    Code(
        "JDG_DUP",
        "judgments",
        "quarantine",
        "warn",
        0.05,
        "duplicate (query, product) judgment; the latest is kept",
    ),
    Code(
        "JDG_PRODUCT_UNKNOWN", "judgments", "flag", "warn", 0.5, "judgment for a product not in the catalog"
    ),
    # --- batch ------------------------------------------------------------------------
    Code("BATCH_FRESHNESS", "batch", "batch", "warn", 2.0, "newest event older than the threshold (days)"),
    Code(
        "BATCH_VOLUME",
        "batch",
        "batch",
        "warn",
        0.5,
        "row count changed by more than the threshold vs the previous run",
    ),
    Code(
        "BATCH_DRIFT",
        "batch",
        "batch",
        "warn",
        0.2,
        "a column drifted vs the previous accepted batch (PSI / JS)",
    ),
    Code(
        "FILE_TRUNCATED",
        "batch",
        "batch",
        "error",
        0.0,
        "a compressed file is cut off (a download that stopped): the rows after the cut are missing",
    ),
    Code(
        "BATCH_NONE_ACCEPTED",
        "batch",
        "batch",
        "error",
        0.0,
        "every row of the table was quarantined: nothing of it would be published",
    ),
)

CODES: dict[str, Code] = {c.code: c for c in _ALL}
