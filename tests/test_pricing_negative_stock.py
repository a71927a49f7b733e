"""Negative stock in a pricing inventory history is read as out of stock, and said per product
(pricing/observations.negative_stock): it was read so silently, and a booking error looks the same."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.pricing.elasticity import weekly_availability
from shopmind.pricing.observations import negative_stock, negative_stock_note

START = dt.date(2024, 1, 1)


def _history() -> pl.DataFrame:
    rows = []
    for item, levels in {"A": [3, -2, -5, 4], "B": [1, 1, 0, 2], "C": [-1, 2, 2, 2]}.items():
        rows += [(item, START + dt.timedelta(days=d), s) for d, s in enumerate(levels)]
    return pl.DataFrame(rows, schema=["item_id", "date", "stock"], orient="row")


def test_negative_stock_lists_each_product_with_its_count_and_lowest_level() -> None:
    neg = negative_stock(_history())
    assert neg.to_dicts() == [
        {"item_id": "A", "snapshots": 2, "lowest": -5.0},
        {"item_id": "C", "snapshots": 1, "lowest": -1.0},
    ]
    note = negative_stock_note(_history())
    assert note is not None
    assert note.startswith(
        "stock: 3 snapshot(s) of 2 product(s) below 0 read as out of stock: A (2x, lowest -5), C (1x"
    )
    # and it is read as out of stock: A's two negative days (the first of them a run-out day, half)
    avail = weekly_availability(_history()).filter(pl.col("item_id") == "A")["avail"].to_list()
    assert avail == [(1 + 0.5 + 0 + 1) / 4]


def test_no_note_without_negative_counts_or_for_an_in_stock_history() -> None:
    assert negative_stock_note(_history().filter(pl.col("stock") >= 0)) is None
    flags = pl.DataFrame({"item_id": ["A"], "date": [START], "in_stock": [0]})
    assert negative_stock_note(flags) is None


def test_many_products_are_counted_not_all_listed() -> None:
    rows = [(f"P{i:02d}", START, -1) for i in range(14)]
    note = negative_stock_note(
        pl.DataFrame(rows, schema=["item_id", "date", "stock"], orient="row"), shown=10
    )
    assert note is not None and "of 14 product(s)" in note and "P09 (1x" in note and "and 4 more" in note
    assert "P10 (" not in note


def test_the_cli_says_which_products_had_negative_stock(tmp_path: Path) -> None:
    rows = []
    for w in range(12):
        for item, base in (("A", 10.0), ("B", 6.0)):
            price = base * (0.8 if w % 3 == 0 else 1.0)
            rows.append(
                (item, dt.datetime(2024, 1, 1, 12) + dt.timedelta(weeks=w), 5 + w % 3, price, "purchase")
            )
    ev = pl.DataFrame(rows, schema=["item_id", "timestamp", "quantity", "price", "type"], orient="row")
    ev.write_csv(tmp_path / "ev.csv")
    _history().write_csv(tmp_path / "stock.csv")
    res = CliRunner().invoke(
        app,
        ["pricing", "suggest", str(tmp_path / "ev.csv"), "--stock", str(tmp_path / "stock.csv"),
         "--out", str(tmp_path / "rep")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (
        "note: stock: 3 snapshot(s) of 2 product(s) below 0 read as out of stock: A (2x, lowest -5)"
        in res.output
    )
