"""Dataset adapters of behaviour logs (orders, ratings, views, clicks, reviews, baskets): exact values on
tiny fixtures in each format. Search relevance sets: test_adapters_search.py; canonical and mapped
files: test_adapters_files.py; the real datasets' documented counts: test_adapters_real.py."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from adapters_util import _col, _load, _write
from shopmind.data.adapters import ADAPTERS, get_adapter
from shopmind.data.model import SOURCE_LINE
from shopmind.data.readers import InputError

# --- registry -------------------------------------------------------------------------------


def test_registry_names_and_errors(tmp_path: Path) -> None:
    assert {"online-retail", "amazon-5core", "canonical", "table"} <= set(ADAPTERS)
    with pytest.raises(InputError, match="valid: online-retail"):
        get_adapter("nope")
    with pytest.raises(InputError, match="does not take option"):
        _load("groceries", tmp_path, mapping="x.toml")
    with pytest.raises(InputError, match="not found"):
        _load("crowdflower", tmp_path / "missing.csv")


# --- online-retail ----------------------------------------------------------------------------

RETAIL = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART,6.0,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,85123A,WHITE HANGING HEART,6.0,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536366,85123A,HEART HOLDER,2.0,2010-11-30 09:00:00,3.05,,United Kingdom
C536379,85123A,WHITE HANGING HEART,-1.0,2010-12-01 09:41:00,0.0,14527.0,United Kingdom
536367,22752,,1.0,2010-12-01 10:00:00,-11.06,,United Kingdom
536368,22752,broken,line
"""


def test_online_retail(tmp_path: Path) -> None:
    path = tmp_path / "retail.csv.gz"
    path.write_bytes(gzip.compress(RETAIL.encode()))
    batch = _load("online-retail", path)
    events = batch.events
    assert _col(events, "type") == ["purchase", "purchase", "purchase", "return", "purchase"]
    assert _col(events, "user_id") == ["17850", "17850", None, "14527", None]
    assert _col(events, "quantity") == ["6", "6", "2", "-1", "1"]
    assert (
        _col(events, "order_id")
        == _col(events, "session_id")
        == ["536365", "536365", "536366", "C536379", "536367"]
    )
    assert _col(events, "currency") == ["GBP"] * 5
    assert _col(events, SOURCE_LINE) == [2, 3, 4, 5, 6]
    ids = _col(events, "event_id")
    assert ids[0] == ids[1] and len(set(ids)) == 4  # identical lines, identical ids
    products = batch.products
    assert _col(products, "product_id") == ["85123A", "22752"]
    assert _col(products, "title") == ["WHITE HANGING HEART", None]
    assert _col(products, "price") == [2.55, None]  # median of positive prices (2.55, 2.55, 3.05)
    assert _col(products, "created_at") == ["2010-11-30 09:00:00", "2010-12-01 10:00:00"]
    assert _col(products, SOURCE_LINE) == [2, 6]
    assert batch.meta["timezone"] == "Europe/London"
    assert batch.meta["malformed"] == [
        {
            "table": "events",
            "line": 7,
            "raw": "536368,22752,broken,line",
            "reason": "expected 8 fields, found 4",
        }
    ]


def test_online_retail_event_ids_do_not_depend_on_line_numbers(tmp_path: Path) -> None:
    header, *lines = RETAIL.splitlines()
    a = _write(tmp_path / "a.csv", "\n".join([header, *lines[:5]]) + "\n")
    b = _write(tmp_path / "b.csv", "\n".join([header, lines[4], *lines[:4]]) + "\n")
    ids_a = set(_col(_load("online-retail", a).events, "event_id"))
    assert ids_a == set(_col(_load("online-retail", b).events, "event_id"))


# --- amazon-5core -----------------------------------------------------------------------------


def test_amazon_5core(tmp_path: Path) -> None:
    seq = _write(tmp_path / "Beauty.txt", "1 10 11 12\n2 11 13 11\n\n3\n")
    _write(tmp_path / "Beauty_item2attributes.json", json.dumps({"10": [1, 2], "99": [3]}))
    batch = _load("amazon-5core", seq)
    events = batch.events
    assert _col(events, "user_id") == ["1", "1", "1", "2", "2", "2"]
    assert _col(events, "item_id") == ["10", "11", "12", "11", "13", "11"]
    assert _col(events, "session_id") == _col(events, "user_id")
    assert _col(events, SOURCE_LINE) == [1, 1, 1, 2, 2, 2]
    base = datetime(2000, 1, 1, tzinfo=UTC)
    assert [(t - base).total_seconds() for t in _col(events, "timestamp")] == [0, 1, 2, 0, 1, 2]
    assert len(set(_col(events, "event_id"))) == 6  # a re-bought item is a new event
    products = batch.products
    assert _col(products, "product_id") == ["10", "11", "12", "13", "99"]
    assert _col(products, "title")[0] == "Item 10"
    assert _col(products, SOURCE_LINE) == [1, 1, 1, 2, None]
    assert _col(products, "attributes")[0] == [{"key": "attr", "value": "1"}, {"key": "attr", "value": "2"}]
    assert _col(products, "attributes")[1] is None
    assert batch.meta["titles_synthetic"] and batch.meta["synthetic_timestamps"]


# --- movielens --------------------------------------------------------------------------------


def test_movielens(tmp_path: Path) -> None:
    _write(
        tmp_path / "ml.inter",
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t1\t3\t881250949\n186\t2\t5\t891717742\n",
    )
    _write(
        tmp_path / "ml.item",
        "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        "1\tToy Story\t1995\tAnimation Children's Comedy\n2\tGoldenEye\t\tAction\n",
    )
    batch = _load("movielens", tmp_path)
    events = batch.events
    assert _col(events, "type") == ["rate", "rate"]
    assert _col(events, "rating") == [3.0, 5.0]
    assert _col(events, "timestamp") == [881250949.0, 891717742.0]
    assert _col(events, "user_id") == ["196", "186"]
    products = batch.products
    assert _col(products, "title") == ["Toy Story", "GoldenEye"]
    assert _col(products, "category_path") == ["Animation", "Action"]
    assert _col(products, "attributes") == [
        [
            {"key": "genre", "value": "Animation"},
            {"key": "genre", "value": "Children's"},
            {"key": "genre", "value": "Comedy"},
            {"key": "year", "value": "1995"},
        ],
        [{"key": "genre", "value": "Action"}],
    ]
    assert batch.meta["rating_scale"] == (1.0, 5.0)


def test_movielens_bad_timestamp_stays_raw_for_the_gate(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "x.inter", "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t2\t3\tsoon\n"
    )
    batch = _load("movielens", path)
    assert batch.products is None
    assert _col(batch.events, "timestamp") == ["soon"]


# --- diginetica -------------------------------------------------------------------------------

DIGINETICA = """session_id;user_id;item_id;timeframe;eventdate
1;NA;81766;526309;2016-05-09
1;NA;9654;75848;2016-05-09
2;5;100;900000;2016-06-01
2;5;101;60000;2016-05-31
3;NA;7;12;not-a-date
"""


def test_diginetica(tmp_path: Path) -> None:
    batch = _load("diginetica", _write(tmp_path / "views.csv", DIGINETICA))
    events = batch.events
    assert _col(events, "item_id") == ["9654", "81766", "101", "100", "7"]  # by session, then timeframe
    assert _col(events, SOURCE_LINE) == [3, 2, 5, 4, 6]
    assert _col(events, "user_id") == [None, None, "5", "5", None]
    assert _col(events, "timestamp") == [
        "2016-05-09T00:01:15.848",
        "2016-05-09T00:08:46.309",
        "2016-05-31T00:01:00.000",
        "2016-05-31T00:15:00.000",  # the session's first day + timeframe, not the row's own day
        "not-a-date +12ms",
    ]
    assert _col(events, "type") == ["view"] * 5


# --- yoochoose --------------------------------------------------------------------------------


def test_yoochoose_folder_reads_every_split(tmp_path: Path) -> None:
    _write(tmp_path / "a_train.txt", "SessionId\tItemId\tTime\n3\t214716935\t1396437466.94\n")
    _write(
        tmp_path / "b_test.txt",
        "SessionId\tItemId\tTime\n1\t214536502\t1396860669.277\n1\t214536506\t1396860886.998\n",
    )
    batch = _load("yoochoose", tmp_path)
    events = batch.events
    assert _col(events, "session_id") == ["3", "1", "1"]
    assert _col(events, "timestamp") == [1396437466.94, 1396860669.277, 1396860886.998]
    assert _col(events, SOURCE_LINE) == [2, 2, 3]
    assert _col(events, "type") == ["click"] * 3
    assert len(batch.meta["files"]) == 2  # type: ignore[arg-type]


# --- womens-reviews ---------------------------------------------------------------------------


def test_womens_reviews(tmp_path: Path) -> None:
    path = tmp_path / "reviews.parquet.brotli"
    pl.DataFrame(
        {
            "Clothing ID": [767, 1080, 767, 99],
            "Age": [33, 34, 40, 50],
            "Title": [None, "Love", None, None],
            "Review Text": ["silky", "pretty", None, None],
            "Rating": [4, 5, 3, 2],
            "Recommended IND": [1, 1, 0, 0],
            "Positive Feedback Count": [0, 4, 0, 0],
            "Division Name": ["Initmates", "General", "Initmates", None],
            "Department Name": ["Intimate", "Dresses", "Intimate", None],
            "Class Name": ["Intimates", "Dresses", "Intimates", None],
        }
    ).write_parquet(path, compression="brotli")
    batch = _load("womens-reviews", path)
    events = batch.events
    assert _col(events, "item_id") == ["767", "1080", "767", "99"]
    assert _col(events, "rating") == [4.0, 5.0, 3.0, 2.0]
    assert _col(events, "user_id") == [None] * 4
    assert _col(events, "session_id") == ["review-1", "review-2", "review-3", "review-4"]
    products = batch.products
    assert _col(products, "product_id") == ["767", "1080", "99"]
    assert _col(products, "title") == ["Intimates 767", "Dresses 1080", "Item 99"]
    assert _col(products, "category_path") == [
        "Initmates > Intimate > Intimates",
        "General > Dresses > Dresses",
        None,
    ]
    assert batch.meta["titles_synthetic"] and batch.meta["rating_scale"] == (1.0, 5.0)


# --- groceries --------------------------------------------------------------------------------


def test_groceries(tmp_path: Path) -> None:
    text = (
        "Member_number,Date,itemDescription\r\n1808,21-07-2015,tropical fruit\r\n1808,21-07-2015,tropical fruit\r\n"
        "2552,05-01-2015,cream cheese \r\n2552,05-01-2015,UHT-milk\r\n9,31-02-2015,cream cheese\r\n"
    )
    batch = _load("groceries", _write(tmp_path / "g.csv", text))
    events = batch.events
    assert _col(events, "item_id") == [
        "tropical-fruit",
        "tropical-fruit",
        "cream-cheese",
        "uht-milk",
        "cream-cheese",
    ]
    assert _col(events, "timestamp") == ["2015-07-21", "2015-07-21", "2015-01-05", "2015-01-05", "31-02-2015"]
    assert _col(events, "session_id")[:3] == ["1808:2015-07-21", "1808:2015-07-21", "2552:2015-01-05"]
    ids = _col(events, "event_id")
    assert ids[0] == ids[1] and len(set(ids)) == 4
    products = batch.products
    assert _col(products, "product_id") == ["tropical-fruit", "cream-cheese", "uht-milk"]
    assert _col(products, "title") == ["tropical fruit", "cream cheese ", "UHT-milk"]  # tie: first seen wins
