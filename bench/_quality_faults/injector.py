"""The full injector (products, events, judgments) and the order its classes are injected in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from shopmind.data.model import ROW

from .inject_base import NotApplicable
from .inject_events import EventFaults
from .inject_products import ProductFaults


class Injector(ProductFaults, EventFaults):
    """Injects defects into a copy of a batch's raw frames and records where (the ground truth)."""

    # judgments ------------------------------------------------------------------------------

    def judgments_inplace(self, code: str, change: Callable[[dict[str, Any]], dict[str, Any]], pool: pl.DataFrame | None = None) -> int:  # fmt: skip
        self.need("judgments")
        pool = self.pool("judgments") if pool is None else pool
        rows = []
        for r in self.pick("judgments", pool, self.n):
            self.edit("judgments", r[ROW], **change(r))
            rows.append(r[ROW])
        return self.record(("judgments", code), rows)

    def judgments_required_missing(self) -> int:
        self.need("judgments")
        cols = [c for c in ("query", "product_id", "relevance") if self.has("judgments", c)]
        return self.judgments_inplace(
            "REQUIRED_MISSING", lambda r: {(c := self.choice(cols)): self.blank("judgments", c)}
        )

    def judgments_type_error(self) -> int:
        self.need("judgments")
        return self.type_error("judgments", lambda change: self.judgments_inplace("TYPE_ERROR", change))

    def judgments_relevance_range(self) -> int:
        self.need("judgments", "relevance")
        return self.judgments_inplace(
            "JDG_RELEVANCE_RANGE", lambda r: {"relevance": self.out_of_scale(self.relevance_scale)}
        )

    def judgments_product_unknown(self) -> int:
        if self.catalog is None:
            raise NotApplicable("no products table: nothing is known or unknown")
        return self.judgments_inplace(
            "JDG_PRODUCT_UNKNOWN", lambda r: {"product_id": self.new_id("bench-unknown-")}
        )

    def judgments_dup(self) -> int:
        """A later judgment of the same (query, product) is appended: the gate keeps the latest,
        so the original row is the stale duplicate (the defect); the copy carries a valid grade."""
        self.need("judgments", "query", "product_id")
        pool = self.pool("judgments").filter(
            pl.col("query").is_not_null() & pl.col("product_id").is_not_null()
        )
        grades = (
            self.raw["judgments"]
            .filter(pl.col(ROW).is_in(pool[ROW].implode()))["relevance"]
            .unique()
            .to_list()
        )
        rows = []
        for r in self.pick("judgments", pool, self.n):
            self.append("judgments", r[ROW], relevance=self.choice(sorted(grades, key=str)))
            rows.append(r[ROW])
        return self.record(("judgments", "JDG_DUP"), rows)


#: Injection order: restrictive classes first (they need particular rows), row-local ones last.
CLASSES: tuple[tuple[str, str, Callable[[Injector], int]], ...] = (
    ("products", "PRD_DUP_ID", Injector.products_dup_id),
    ("products", "TEXT_T2S", Injector.products_text_t2s),
    ("products", "TEXT_MOJIBAKE", Injector.products_text_mojibake),
    ("products", "TEXT_HTML", Injector.products_text_html),
    ("products", "TEXT_WHITESPACE", Injector.products_text_whitespace),
    ("products", "PRD_DESC_MISSING", Injector.products_desc_missing),
    ("products", "REQUIRED_MISSING", Injector.products_required_missing),
    ("products", "TYPE_ERROR", Injector.products_type_error),
    ("products", "PRD_TITLE_PLACEHOLDER", Injector.products_title_placeholder),
    ("products", "PRD_PRICE_NONPOSITIVE", Injector.products_price_nonpositive),
    ("products", "PRD_PRICE_OUTLIER", Injector.products_price_outlier),
    ("products", "PRD_CURRENCY_UNKNOWN", Injector.products_currency_unknown),
    ("products", "PRD_CATEGORY_INCONSISTENT", Injector.products_category_inconsistent),
    ("products", "PRD_STOCK_NEGATIVE", Injector.products_stock_negative),
    ("products", "PRD_RATING_RANGE", Injector.products_rating_range),
    ("events", "EVT_PRICE_UNIT", Injector.events_price_unit),
    ("events", "EVT_QTY_OUTLIER", Injector.events_qty_outlier),
    ("events", "EVT_DUP_NEAR", Injector.events_dup_near),
    ("events", "EVT_BEFORE_PRODUCT", Injector.events_before_product),
    ("events", "EVT_RETURN_UNLINKED", Injector.events_return_unlinked),
    ("events", "EVT_RATING_RANGE", Injector.events_rating_range),
    ("events", "EVT_CURRENCY_UNKNOWN", Injector.events_currency_unknown),
    ("events", "EVT_QTY_SIGN", Injector.events_qty_sign),
    ("events", "EVT_PRICE_NONPOSITIVE", Injector.events_price_nonpositive),
    ("events", "EVT_USER_MISSING", Injector.events_user_missing),
    ("events", "EVT_ITEM_UNKNOWN", Injector.events_item_unknown),
    ("events", "EVT_ITEM_MISSING", Injector.events_item_missing),
    ("events", "EVT_DUP_EXACT", Injector.events_dup_exact),
    ("events", "EVT_ID_CONFLICT", Injector.events_id_conflict),
    ("events", "EVT_TS_FUTURE", Injector.events_ts_future),
    ("events", "EVT_TYPE_UNKNOWN", Injector.events_type_unknown),
    ("events", "REQUIRED_MISSING", Injector.events_required_missing),
    ("events", "TYPE_ERROR", Injector.events_type_error),
    ("events", "EVT_BOT_SESSION", Injector.events_bot_session),
    ("judgments", "JDG_DUP", Injector.judgments_dup),
    ("judgments", "JDG_RELEVANCE_RANGE", Injector.judgments_relevance_range),
    ("judgments", "JDG_PRODUCT_UNKNOWN", Injector.judgments_product_unknown),
    ("judgments", "REQUIRED_MISSING", Injector.judgments_required_missing),
    ("judgments", "TYPE_ERROR", Injector.judgments_type_error),
)
