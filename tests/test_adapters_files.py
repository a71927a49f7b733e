"""The canonical and mapped-table adapters: a shop's own files, exact values on tiny fixtures."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from adapters_util import _col, _load, _write
from shopmind.data.model import SOURCE_LINE
from shopmind.data.readers import InputError

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
