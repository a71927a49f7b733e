"""Dataset adapters on the real files under ../shared/data: their documented counts."""

from __future__ import annotations

import polars as pl
import pytest

from adapters_util import _real

# --- the real datasets ------------------------------------------------------------------------


@pytest.mark.slow
def test_real_online_retail() -> None:
    batch = _real("online-retail")
    events = batch.events
    assert events is not None and events.height == 541_909
    assert events["user_id"].null_count() == 135_080
    assert events.filter(pl.col("order_id").str.starts_with("C")).height == 9_288
    assert (events["type"] == "return").sum() == 9_288
    assert events["item_id"].n_unique() == 4_070
    assert batch.products is not None and batch.products.height == 4_070
    assert events["user_id"].drop_nulls().n_unique() == 4_372
    assert batch.meta["malformed"] == []


def test_real_crowdflower() -> None:
    batch = _real("crowdflower")
    assert batch.judgments is not None and batch.judgments.height == 10_158
    assert batch.judgments["query"].n_unique() == 261
    assert batch.products is not None and batch.products["description"].null_count() == 2_444


def test_real_home_depot() -> None:
    batch = _real("home-depot")
    assert batch.products is not None and batch.products.height == 54_667
    assert batch.judgments is not None and batch.judgments.height == 29_730
    assert batch.judgments["query"].n_unique() == 4_708


def test_real_movielens() -> None:
    batch = _real("movielens")
    assert batch.events is not None and batch.events.height == 100_000
    assert (batch.events["user_id"].n_unique(), batch.events["item_id"].n_unique()) == (943, 1_682)
    assert batch.products is not None and batch.products.height == 1_682


def test_real_amazon_beauty() -> None:
    batch = _real("amazon-5core")
    events = batch.events
    assert events is not None and events.height == 198_502
    assert (events["user_id"].n_unique(), events["item_id"].n_unique()) == (22_363, 12_101)
    assert batch.products is not None and batch.products.height == 12_101


def test_real_yoochoose() -> None:
    batch = _real("yoochoose")
    assert batch.events is not None and batch.events.height == 70_278 + 13_568
    assert batch.events["timestamp"].dtype == pl.Float64


def test_real_diginetica() -> None:
    batch = _real("diginetica")
    assert batch.events is not None and batch.events.height == 12_391
    assert batch.events["session_id"].n_unique() == 2_986


def test_real_groceries() -> None:
    batch = _real("groceries")
    assert batch.events is not None and batch.events.height == 38_765
    assert batch.events["user_id"].n_unique() == 3_898
    assert batch.products is not None and batch.products.height == 167


def test_real_womens_reviews() -> None:
    batch = _real("womens-reviews")
    assert batch.events is not None and batch.events.height == 23_486
    assert batch.products is not None and batch.products.height == 1_206


def test_real_qbqtc_dev() -> None:
    batch = _real("qbqtc")
    assert batch.judgments is not None and batch.judgments.height == 20_000
    assert batch.judgments["relevance"].value_counts(sort=True).rows() == [
        ("1", 12_592),
        ("0", 4_894),
        ("2", 2_514),
    ]
