"""Dataset adapters: exact values on tiny fixtures in each format, documented counts on the real files."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from shopmind.data.adapters import ADAPTERS, get_adapter
from shopmind.data.model import SOURCE_LINE, Batch
from shopmind.data.readers import InputError


def _load(name: str, path: Path, **options: object) -> Batch:
    return get_adapter(name).load(path, **options)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _col(frame: pl.DataFrame | None, name: str) -> list[object]:
    assert frame is not None
    return frame[name].to_list()


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


# --- home-depot -------------------------------------------------------------------------------


def test_home_depot(tmp_path: Path) -> None:
    _write(
        tmp_path / "products.csv", 'product_uid,product_title\n100001,Angle Bracket\n100002,"Deck, Coating"\n'
    )
    _write(tmp_path / "judgments_dev.csv", "id,search_term,product_uid,relevance\n2,angle bracket,100001,3\n")
    _write(
        tmp_path / "judgments_test.csv", "id,search_term,product_uid,relevance\n9,deck stain,100002,2.33\n"
    )
    for path in (tmp_path, tmp_path / "products.csv"):
        batch = _load("home-depot", path)
        assert _col(batch.products, "title") == ["Angle Bracket", "Deck, Coating"]
        assert _col(batch.products, "language") == ["en", "en"]
        assert _col(batch.judgments, "query") == ["angle bracket", "deck stain"]
        assert _col(batch.judgments, "product_id") == ["100001", "100002"]
        assert _col(batch.judgments, "relevance") == ["3", "2.33"]
        assert batch.meta["relevance_scale"] == (1.0, 3.0)
    with pytest.raises(InputError, match="products file not found"):
        _load("home-depot", tmp_path / "judgments")


# --- crowdflower ------------------------------------------------------------------------------

CROWDFLOWER = """"id","query","product_title","product_description","median_relevance","relevance_variance"
1,"led lights","Set of 10 LED Lights","<b>Bright</b>
two lines",4,0
2,"christmas lights","Set of 10 LED Lights","<b>Bright</b>
two lines",3,0.471
4,"projector","ViewSonic Pro8200","",4,0
"""


def test_crowdflower(tmp_path: Path) -> None:
    batch = _load("crowdflower", _write(tmp_path / "train.csv", CROWDFLOWER))
    products = batch.products
    ids = _col(products, "product_id")
    assert ids[0] == ids[1] != ids[2]
    assert _col(products, "description") == ["<b>Bright</b>\ntwo lines", "<b>Bright</b>\ntwo lines", None]
    assert _col(products, SOURCE_LINE) == [2, 4, 6]
    assert _col(batch.judgments, "relevance") == ["4", "3", "4"]
    assert _col(batch.judgments, "query") == ["led lights", "christmas lights", "projector"]
    assert _col(batch.judgments, "product_id") == ids
    assert batch.meta["relevance_scale"] == (1.0, 4.0)


# --- qbqtc ------------------------------------------------------------------------------------


def test_qbqtc(tmp_path: Path) -> None:
    rows = [
        {"id": 0, "query": "小孩咳嗽", "title": "小孩咳嗽吃什么药", "label": "1"},
        {"id": 1, "query": "咳嗽", "title": "小孩咳嗽吃什么药", "label": "2"},
        {"id": 2, "query": "感冒", "title": "感冒怎么办", "label": "0"},
    ]
    path = _write(
        tmp_path / "dev.json", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{oops\n"
    )
    batch = _load("qbqtc", path)
    ids = _col(batch.products, "product_id")
    assert ids[0] == ids[1] != ids[2]
    assert _col(batch.products, "language") == ["zh"] * 3
    assert _col(batch.judgments, "relevance") == ["1", "2", "0"]
    assert _col(batch.judgments, SOURCE_LINE) == [1, 2, 3]
    assert [m["line"] for m in batch.meta["malformed"]] == [4]  # type: ignore[union-attr]
    assert batch.meta["relevance_scale"] == (0.0, 2.0)


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


# --- canonical and table ----------------------------------------------------------------------


def test_canonical_folder(tmp_path: Path) -> None:
    _write(tmp_path / "products.csv", "product_id,title,price,colour\nP1,Red dress,20,red\n")
    _write(
        tmp_path / "events.jsonl", '{"event_id": "e1", "type": "view", "timestamp": "2026-01-01T00:00:00Z"}\n'
    )
    _write(tmp_path / "notes.txt", "not a table")
    batch = _load("canonical", tmp_path)
    assert batch.products is not None and batch.products.columns == [
        "product_id",
        "title",
        "price",
        SOURCE_LINE,
    ]
    assert _col(batch.events, "type") == ["view"]
    assert batch.judgments is None
    assert batch.meta["ignored_columns"] == {"products": ["colour"]}
    single = _load("canonical", tmp_path / "products.csv")
    assert single.events is None and single.products is not None


def test_canonical_table_folder_is_named_not_skipped(tmp_path: Path) -> None:
    """A table given as a folder of part files is an error naming it, never a batch without it."""
    _write(tmp_path / "products.csv", "product_id,title,price\nP1,Red dress,20\n")
    (tmp_path / "events").mkdir()
    pl.DataFrame({"event_id": ["e1"]}).write_parquet(tmp_path / "events" / "part-00000.parquet")
    with pytest.raises(InputError, match=r"events: events is a folder of part files.*--engine spark"):
        _load("canonical", tmp_path)


def test_canonical_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no canonical table file"):
        _load("canonical", tmp_path)
    _write(tmp_path / "events.csv", "event_id\n")
    _write(tmp_path / "events.jsonl", "")
    with pytest.raises(InputError, match="several files for events"):
        _load("canonical", tmp_path)
    with pytest.raises(InputError, match="must be named"):
        _load("canonical", _write(tmp_path / "orders.csv", "a\n"))


def test_table_with_mapping(tmp_path: Path) -> None:
    data = _write(tmp_path / "orders.csv", "CustomerID,StockCode,When,Country\n7,A1,2026-01-01,UK\n")
    mapping = _write(
        tmp_path / "map.toml",
        'table = "events"\n[columns]\nCustomerID = "user_id"\nStockCode = "item_id"\nWhen = "timestamp"\n'
        '[constants]\ntype = "purchase"\ncurrency = "GBP"\n',
    )
    batch = _load("table", data, mapping=mapping)
    assert batch.source == "orders"
    assert batch.events is not None
    assert batch.events.row(0, named=True) == {
        "event_id": batch.events["event_id"][0],  # made from the row's content
        "type": "purchase",
        "timestamp": "2026-01-01",
        "user_id": "7",
        "item_id": "A1",
        "currency": "GBP",
        SOURCE_LINE: 2,
    }
    assert batch.meta["ignored_columns"] == {"events": ["Country"]}
    with pytest.raises(InputError, match="needs a mapping"):
        _load("table", data)


# --- the real datasets ------------------------------------------------------------------------

DATA = Path(os.environ.get("SHOPMIND_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


def _real(name: str) -> Batch:
    if not DATA.is_dir():
        pytest.skip(f"real datasets not found at {DATA}")
    adapter = get_adapter(name)
    assert adapter.default_path is not None
    return adapter.load(DATA / adapter.default_path)


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
