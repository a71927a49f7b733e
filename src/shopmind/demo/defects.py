"""The defect classes the demo injects per table, and how many rows each class gets.

Why a module of its own: the products, events and judgments tables each inject their own
classes (``products_table``, ``events_table``, ``judgments``), and ``generate`` needs the list of
value defects to keep defective products out of the click stream; the class lists and the
per-class budget are the one thing they share. The codes are the quality gate's
(:mod:`shopmind.quality.codes`).
"""

from __future__ import annotations

PRODUCT_DEFECTS: tuple[str, ...] = (
    "TEXT_MOJIBAKE",
    "TEXT_HTML",
    "TEXT_T2S",
    "PRD_DUP_ID",
    "PRD_TITLE_PLACEHOLDER",
    "PRD_PRICE_NONPOSITIVE",
    "PRD_PRICE_OUTLIER",
    "PRD_CURRENCY_UNKNOWN",
    "PRD_CATEGORY_INCONSISTENT",
    "PRD_STOCK_NEGATIVE",
    "PRD_RATING_RANGE",
)
EVENT_DEFECTS: tuple[str, ...] = (
    "EVT_TYPE_UNKNOWN",
    "EVT_DUP_EXACT",
    "EVT_DUP_NEAR",
    "EVT_TS_FUTURE",
    "EVT_QTY_SIGN",
    "EVT_QTY_OUTLIER",
    "EVT_PRICE_NONPOSITIVE",
    "EVT_PRICE_UNIT",
    "EVT_ITEM_UNKNOWN",
    "EVT_USER_MISSING",
    "EVT_BOT_SESSION",
    "EVT_RETURN_UNLINKED",
    "EVT_BEFORE_PRODUCT",
)
JUDGMENT_DEFECTS: tuple[str, ...] = ("JDG_RELEVANCE_RANGE", "JDG_DUP")
#: Product defects that change a value the gate quarantines or flags: such products get no
#: events and no judgments (the text defects are repaired, so their products stay in use).
_VALUE_DEFECTS = frozenset(PRODUCT_DEFECTS) - {"TEXT_MOJIBAKE", "TEXT_HTML", "TEXT_T2S", "PRD_DUP_ID"}


def _budget(rate: float, n_rows: int, n_classes: int) -> int:
    if rate <= 0:
        return 0
    return max(1, round(rate * n_rows / n_classes))
