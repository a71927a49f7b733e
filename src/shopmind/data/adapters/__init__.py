"""Registry of dataset adapters: each turns one known export format into a canonical Batch.

Adapters read a path (a file, or a folder for formats that are folders) and derive
everything from its content, so the same format from another download or a held-out split
loads the same way. ``load(path, **options)`` rejects options the adapter does not take.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shopmind.data.adapters import (
    amazon,
    canonical,
    crowdflower,
    diginetica,
    groceries,
    home_depot,
    movielens,
    online_retail,
    qbqtc,
    table,
    womens_reviews,
    yoochoose,
)
from shopmind.data.model import Batch
from shopmind.data.readers import InputError


@dataclass(frozen=True)
class Adapter:
    name: str
    summary: str
    default_path: str | None  # relative to the data root; None for formats with no bundled data
    load: Callable[..., Batch]


def _with_options(fn: Callable[..., Batch], name: str, *allowed: str) -> Callable[..., Batch]:
    """Wrap ``fn`` so an option it does not take is a user error naming the valid ones."""

    def load(path: Path | str, **options: object) -> Batch:
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            valid = ", ".join(allowed) or "none"
            raise InputError(
                f"adapter {name!r} does not take option(s) {', '.join(unknown)} (valid: {valid})"
            )
        return fn(Path(path), **options)

    return load


def _adapter(
    name: str, summary: str, default_path: str | None, fn: Callable[..., Batch], *options: str
) -> Adapter:
    return Adapter(name, summary, default_path, _with_options(fn, name, *options))


ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (
        _adapter(
            "online-retail",
            "UCI Online Retail invoice lines (CSV or UCI's .xlsx) -> purchase/return events + derived products",
            "online-retail/online_retail.csv.gz",
            online_retail.load,
        ),
        _adapter(
            "amazon-5core",
            "S3-Rec Amazon sequences (user item...) -> ordered purchase events + attribute-only products",
            "amazon-beauty/Beauty.txt",
            amazon.load,
        ),
        _adapter(
            "home-depot",
            "Home Depot products.csv + judgments_dev.csv (or the only judgments*.csv, or a file given) "
            "-> products + graded judgments (1-3)",
            "home-depot",
            home_depot.load,
        ),
        _adapter(
            "crowdflower",
            "CrowdFlower train.csv -> products (title + HTML description) + judgments (1-4)",
            "crowdflower/train.csv",
            crowdflower.load,
        ),
        _adapter(
            "qbqtc",
            "QBQTC Chinese query-title JSON lines (one file, or a folder holding one) -> products + judgments (0-2)",
            "qbqtc-zh/dev.json",
            qbqtc.load,
        ),
        _adapter(
            "movielens",
            "RecBole atomic files (.inter + .item) -> rating events + movies",
            "movielens-100k",
            movielens.load,
        ),
        _adapter(
            "diginetica",
            "DIGINETICA item views (;-separated) -> view events",
            "diginetica-sample/sample_train-item-views.csv",
            diginetica.load,
        ),
        _adapter(
            "yoochoose",
            "YOOCHOOSE clicks (SessionId, ItemId, Time) -> click events",
            "yoochoose-sample",
            yoochoose.load,
        ),
        _adapter(
            "womens-reviews",
            "Women's clothing reviews (Parquet) -> anonymous rating events + products",
            "womens-reviews/WomensClothingE-CommerceReviews.parquet.brotli",
            womens_reviews.load,
        ),
        _adapter(
            "groceries",
            "Groceries baskets (member, date, item name) -> purchase events + products",
            "groceries/Groceries_dataset.csv",
            groceries.load,
        ),
        _adapter(
            "canonical",
            "products/events/judgments files (CSV, Parquet, JSONL or a workbook) already in canonical columns (what demo-data writes)",
            None,
            canonical.load,
        ),
        _adapter(
            "table",
            "one CSV/Parquet/JSONL/workbook export + a mapping TOML (--mapping; `shopmind mapping FILE` drafts one)",
            None,
            table.load,
            "mapping",
        ),
    )
}


def get_adapter(name: str) -> Adapter:
    """The adapter called ``name``; an unknown name lists the valid ones."""
    try:
        return ADAPTERS[name]
    except KeyError:
        raise InputError(f"unknown format {name!r}; valid: {', '.join(ADAPTERS)}") from None
