"""Prices and quantities written as spreadsheets export them (quality.numbers), on both engines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopmind.data.adapters import get_adapter
from shopmind.data.model import ROW, SCHEMAS, SOURCE_LINE, Batch
from shopmind.engine.spark.rowlocal import merge_notes
from shopmind.quality.coerce import TYPE_ERRORS, coerce
from shopmind.quality.gate import GateResult, eager, run_gate

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def _prices(values: list[str | None]) -> pl.DataFrame:
    raw = pl.DataFrame(
        {
            ROW: list(range(len(values))),
            SOURCE_LINE: [i + 2 for i in range(len(values))],
            "product_id": [f"P{i}" for i in range(len(values))],
            "title": ["x"] * len(values),
            "price": values,
        },
        schema_overrides={"price": pl.Utf8},
    )
    return coerce(raw, SCHEMAS["products"]).frame


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12,50", 12.5),
        ("0,99", 0.99),
        ("-3,5", -3.5),
        ("0,125", 0.125),
        ("1.234,56", 1234.56),
        ("12.345.678,9", 12345678.9),
        ("1,234.50", 1234.5),
        ("1,234,567", 1234567.0),
        ("1.234.567", 1234567.0),
        ("1 234,50", 1234.5),
        ("1\u00a0234,50", 1234.5),
        ("12\u202f345", 12345.0),
        ("1 234.5", 1234.5),
        ("12,3456", 12.3456),
        # plain numbers read exactly as before
        ("12.5", 12.5),
        ("1.234", 1.234),
        ("+7", 7.0),
        ("1e3", 1000.0),
    ],
)
def test_a_value_in_a_certain_local_format_is_read(text: str, value: float) -> None:
    out = _prices([text])
    assert out["price"].to_list() == [pytest.approx(value)]
    assert out[TYPE_ERRORS].to_list() == [[]]


@pytest.mark.parametrize(
    "text", ["1,234", "-12,345", "1,2,3", "12,50,1", "1.234,5.6", "€12,50", "12 ,50", "1 23"]
)
def test_an_ambiguous_or_broken_value_stays_a_type_error(text: str) -> None:
    out = _prices([text])
    assert out["price"].to_list() == [None]
    assert out[TYPE_ERRORS].to_list() == [["price"]]


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda x: round(x, 2)))
def test_german_and_english_spreadsheet_forms_of_a_number_read_as_the_number(x: float) -> None:
    english = f"{x:,.2f}"  # 1,234,567.89
    german = english.replace(",", "_").replace(".", ",").replace("_", ".")  # 1.234.567,89
    french = english.replace(",", "\u202f").replace(".", ",")  # 1 234 567,89
    out = _prices([english, german, french, f"{x:.2f}"])
    assert out["price"].to_list() == [pytest.approx(x, abs=1e-9)] * 4
    assert out[TYPE_ERRORS].to_list() == [[]] * 4


def test_the_run_notes_count_values_read_in_each_format() -> None:
    out = coerce(
        pl.DataFrame(
            {ROW: [0, 1, 2, 3], SOURCE_LINE: [2, 3, 4, 5], "product_id": ["a", "b", "c", "d"],
             "price": ["12,50", "1,234.00", "3.5", "1,234"]}
        ),
        SCHEMAS["products"],
    )  # fmt: skip
    assert out.notes == {"number_formats.price": {"decimal comma": 1, "thousands groups": 1}}


def test_partition_notes_of_number_formats_add_up() -> None:
    parts = [json.dumps({"number_formats.price": {"decimal comma": n}}) for n in (2, 3)]
    assert merge_notes(parts) == {"number_formats.price": {"decimal comma": 5}}


def _shop(tmp_path: Path) -> Path:
    shop = tmp_path / "shop"
    shop.mkdir()
    rows = [
        ("P1", "Kaffeebecher", "12,50", "4"),
        ("P2", "Teekanne", "1.234,00", "3"),
        ("P3", "Löffel", "0,99", "1.000.000"),
        ("P4", "Gabel", "1,234", "2"),  # ambiguous: quarantined as before
        ("P5", "Messer", "7.25", "1"),
    ]
    text = "product_id;title;price;currency;stock\n" + "".join(
        f"{a};{b};{c};EUR;{d}\n" for a, b, c, d in rows
    )
    (shop / "products.csv").write_text(text, encoding="utf-8")
    return shop


def test_a_semicolon_export_with_decimal_commas_is_accepted(tmp_path: Path) -> None:
    result = run_gate(get_adapter("canonical").load(_shop(tmp_path)), now=NOW)
    outcome = result.tables["products"]
    accepted = eager(outcome.accepted).sort("product_id")
    assert accepted["product_id"].to_list() == ["P1", "P2", "P3", "P5"]
    assert accepted["price"].to_list() == [12.5, 1234.0, 0.99, 7.25]
    assert accepted["stock"].to_list() == [4, 3, 1_000_000, 1]
    quarantined = eager(outcome.quarantine)
    assert quarantined["codes"].to_list() == [["TYPE_ERROR"]]
    assert outcome.notes["number_formats.price"] == {"decimal comma": 3}
    assert outcome.notes["number_formats.stock"] == {"thousands groups": 1}


def both_engines(batch: Batch, out: Path) -> tuple[GateResult, GateResult]:
    """``batch`` through the Polars gate and the Spark gate (one local core; the test is skipped
    without Spark), the two results asserted equal (``engine.compare.differences``)."""
    from shopmind.engine import EngineConfig
    from shopmind.engine.compare import differences
    from shopmind.engine.spark.session import spark_available

    why = spark_available()
    if why:
        pytest.skip(why)
    from conftest import TEST_DRIVER_MEMORY  # the JVM's heap is the first session's (see there)
    from shopmind.engine.spark.gate import run_gate_spark
    from shopmind.engine.spark.session import get_session

    polars_run = run_gate(batch, now=NOW)
    spark = get_session(
        EngineConfig(kind="spark", master="local[1]", shuffle_partitions=1, driver_memory=TEST_DRIVER_MEMORY)
    )
    try:
        spark_run = run_gate_spark(spark, batch, str(out), None, None, now=NOW)
    finally:
        spark.stop()
    assert differences(polars_run, spark_run.result) == []
    return polars_run, spark_run.result


def test_spark_reads_the_same_numbers_and_notes(tmp_path: Path) -> None:
    _, spark_run = both_engines(get_adapter("canonical").load(_shop(tmp_path)), tmp_path / "out")
    assert spark_run.tables["products"].notes["number_formats.price"] == {"decimal comma": 3}
