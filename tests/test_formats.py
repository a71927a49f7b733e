"""Numbers and dates the values alone cannot settle (``data.formats``): a quarantine reason that says
the cause and the setting, a mapping's ``[formats]`` that reads them, slash dates settled by the
column or refused, and the Spark engine reaching the same account (one definition: ``coerce``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.data.adapters import get_adapter
from shopmind.data.formats import Formats, parse_formats, resolve_slash_dates
from shopmind.data.model import ROW, SCHEMAS, SOURCE_LINE
from shopmind.data.records import InputError
from shopmind.quality.coerce import TYPE_ERRORS, TYPE_HINTS, coerce
from shopmind.quality.gate import eager
from test_number_formats import both_engines


def _prices(values: list[str], formats: Formats | None = None) -> pl.DataFrame:
    n = len(values)
    raw = pl.DataFrame(
        {
            ROW: list(range(n)),
            SOURCE_LINE: [i + 2 for i in range(n)],
            "product_id": ["p"] * n,
            "price": values,
        },
        schema_overrides={"price": pl.Utf8},
    )
    return coerce(raw, SCHEMAS["products"], formats=formats).frame


def test_a_price_with_a_currency_sign_is_a_type_error_whose_hint_names_the_setting() -> None:
    out = _prices(["€12,50", "1.299,00 €", "12 zł", "1,234", "abc", "12,50"])
    assert out[TYPE_ERRORS].to_list() == [["price"]] * 5 + [[]]
    hints = out[TYPE_HINTS].to_list()
    assert hints[0] == [
        "price '€12,50' has a currency sign (€) in the number: declare it in the mapping, [formats] "
        'currency_sign = "€" (the currency itself from a column or [constants] currency), or export the number alone'
    ]
    assert 'currency_sign = "€"' in hints[1][0] and "'1.299,00 €'" in hints[1][0]
    assert 'currency_sign = "zł"' in hints[2][0]
    assert hints[3] == [
        "price '1,234' is a decimal comma or a thousands group (the value cannot tell): declare the mark in "
        'the mapping, [formats] decimal = "comma" or "dot"'
    ]
    assert hints[4:] == [[], []]  # no likely cause known: no hint; a read value: none


def test_a_sign_in_another_number_column_gets_no_currency_hint() -> None:
    raw = pl.DataFrame(
        {ROW: [0], SOURCE_LINE: [2], "product_id": ["p"], "stock": ["€12"]},
        schema_overrides={"stock": pl.Utf8},
    )
    out = coerce(raw, SCHEMAS["products"]).frame
    assert out[TYPE_ERRORS].to_list() == [["stock"]] and out[TYPE_HINTS].to_list() == [[]]


@pytest.mark.parametrize(
    ("formats", "values", "expected"),
    [
        (
            Formats(currency_sign="€"),
            ["€12,50", "1.299,00 €", "€ 7", "-€3.5", "12 zł"],
            [12.5, 1299.0, 7.0, -3.5, None],
        ),
        (
            Formats(decimal="comma"),
            ["1,234", "1.234", "1 234,5", "12.50", "7"],
            [1.234, 1234.0, 1234.5, 12.5, 7.0],
        ),
        (Formats(decimal="dot"), ["1,234", "1.234", "1,234,567.5", "12,5"], [1234.0, 1.234, 1234567.5, 12.5]),
        (Formats(decimal="comma", currency_sign="zł"), ["1.299,00 zł", "12,50zł"], [1299.0, 12.5]),
    ],
)
def test_declared_formats_read_what_the_values_alone_cannot(
    formats: Formats, values: list[str], expected: list[float | None]
) -> None:
    out = _prices(values, formats)
    assert out["price"].to_list() == [pytest.approx(v) if v is not None else None for v in expected]
    assert [e == [] for e in out[TYPE_ERRORS].to_list()] == [v is not None for v in expected]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"decimal": "koma"}, '[formats] decimal = \'koma\': "comma" (1.299,50) or "dot" (1,299.50)'),
        ({"currency_sign": "12"}, "[formats] currency_sign = '12': one sign or code"),
        ({"currency_sign": ""}, "[formats] currency_sign = '': one sign or code"),
        ({"date_format": "%d/%m"}, "needs %d, %m (or a month name: %b Jan, %B January) and %Y (or %y)"),
        ({"date_format": "%d/%m/%Y %Z"}, "no directive but"),
        ({"date_format": 5}, "a strftime pattern"),
        ({"dates": "x"}, "[formats] dates: not a setting"),
    ],
)
def test_a_bad_formats_setting_is_refused_naming_it(section: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match="mapping m.toml") as err:
        parse_formats(section, "mapping m.toml")
    assert message in str(err.value)


def _export(tmp_path: Path, dates: list[str], prices: list[str], formats: str = "") -> tuple[Path, Path]:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "Kunde;Artikel;Datum;Preis\n"
        + "".join(f"u{i};A{i};{d};{p}\n" for i, (d, p) in enumerate(zip(dates, prices, strict=True))),
        encoding="utf-8",
    )
    mapping = tmp_path / "orders.toml"
    mapping.write_text(
        'table = "events"\n[columns]\nKunde = "user_id"\nArtikel = "item_id"\nDatum = "timestamp"\n'
        f'Preis = "price"\n[constants]\ntype = "purchase"\ncurrency = "EUR"\n{formats}',
        encoding="utf-8",
    )
    return orders, mapping


def _ingest(orders: Path, mapping: Path, ws: Path) -> tuple[int, str]:
    run = CliRunner().invoke(
        app, ["ingest", str(orders), "--format", "table", "--mapping", str(mapping), "--workspace", str(ws)]
    )
    return run.exit_code, run.output


def test_a_mapping_with_formats_ingests_prices_with_signs_and_slash_dates(tmp_path: Path) -> None:
    """The user's path: the CLI, a mapping declaring the sign and the date order, the store's values."""
    orders, mapping = _export(
        tmp_path,
        ["03/11/2026 10:00", "04/11/2026", "05/11/2026"],
        ["€12,50", "1.299,00 €", "12 zł"],
        '[formats]\ncurrency_sign = "€"\ndate_format = "%d/%m/%Y"\n',
    )
    code, output = _ingest(orders, mapping, tmp_path / "ws")
    assert code == 0, output
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT item_id, price, timestamp FROM events ORDER BY item_id").fetchall()
        detail = con.execute("SELECT detail FROM quarantine").fetchall()
    finally:
        con.close()
    assert [(u, p, t.astimezone(UTC).replace(tzinfo=None)) for u, p, t in rows] == [
        ("A0", 12.5, datetime(2026, 11, 3, 10, 0)),
        ("A1", 1299.0, datetime(2026, 11, 4)),
    ]
    assert len(detail) == 1 and 'currency_sign = "zł"' in detail[0][0]


def _settle(values: list[str], formats: Formats | None = None) -> Formats | None:
    frame = pl.DataFrame({"event_id": ["e"] * len(values), "timestamp": values})
    return resolve_slash_dates(frame, "events", formats, Path("orders.csv"))


def test_the_column_settles_the_order_of_slash_dates_when_a_number_is_above_12() -> None:
    assert _settle(["03/11/2026", "13/11/2026 10:00", None]) == Formats(dates={"timestamp": "%d/%m/%Y"})  # type: ignore[list-item]
    assert _settle(["03/11/2026", "11/30/2026"]) == Formats(dates={"timestamp": "%m/%d/%Y"})
    assert _settle(["2026-11-03", "03.11.2026"]) is None  # no slash date: nothing to settle
    declared = Formats(date_format="%m/%d/%y")
    assert _settle(["03/11/26"], declared) == declared


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            ["03/11/2026", "04/11/2026 10:00"],
            "orders.csv: column 'timestamp' has dates like '03/11/2026' that are day first or month first (no "
            "number above 12 tells); declare the order in a mapping (`shopmind mapping orders.csv` drafts one): "
            '[formats] date_format = "%d/%m/%Y" (day first) or "%m/%d/%Y" (month first)',
        ),
        (["03/11/26"], "two-digit year (03/11/26): neither the century"),
        (["13/11/26", "03/11/2026"], '[formats] date_format = "%d/%m/%y"'),
        (["13/11/2026", "11/13/2026"], "mixes day-first and month-first dates"),
    ],
)
def test_slash_dates_the_file_cannot_settle_are_refused_naming_column_example_and_setting(
    values: list[str], message: str
) -> None:
    with pytest.raises(InputError) as err:
        _settle(values)
    assert message in str(err.value)


def test_an_unsettled_export_is_refused_by_ingest_before_anything_is_written(tmp_path: Path) -> None:
    orders, mapping = _export(tmp_path, ["03/11/2026", "04/11/2026"], ["1", "2"])
    code, output = _ingest(orders, mapping, tmp_path / "ws")
    assert code == 2, output
    assert "column 'Datum' (timestamp) has dates like '03/11/2026'" in " ".join(output.split())
    assert "declare the order in the mapping orders.toml: [formats] date_format" in " ".join(output.split())
    assert "Traceback" not in output
    assert (
        not (tmp_path / "ws" / "shopmind.duckdb").exists()
        or not duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
        .execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'")
        .fetchone()[0]
    )


_DAYS = st.dates(min_value=date(1970, 1, 1), max_value=date(2068, 12, 31))


@settings(max_examples=60, deadline=None)
@given(st.lists(_DAYS, min_size=1, max_size=8), st.sampled_from(["%d/%m/%Y", "%m/%d/%Y"]))
def test_slash_dates_round_trip_in_the_order_the_column_shows(days: list[date], order: str) -> None:
    """Written in one order with a 13th in the column, read back as the same days, through the
    adapters' settling and the gate's coercion."""
    days = [*days, date(2026, 1, 13)]
    texts = [d.strftime(order) for d in days]
    formats = _settle(texts)
    assert formats == Formats(dates={"timestamp": order})
    raw = pl.DataFrame(
        {ROW: list(range(len(texts))), SOURCE_LINE: list(range(len(texts))), "event_id": ["e"] * len(texts),
         "type": ["view"] * len(texts), "timestamp": texts}
    )  # fmt: skip
    out = coerce(raw, SCHEMAS["events"], formats=formats).frame
    assert [t.date() for t in out["timestamp"].to_list()] == days


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_DAYS.filter(lambda d: d.year >= 2000), min_size=1, max_size=8),
    st.sampled_from(["%d/%m/%y", "%m/%d/%y"]),
)
def test_declared_two_digit_years_round_trip(days: list[date], order: str) -> None:
    texts = [d.strftime(order) for d in days]
    raw = pl.DataFrame(
        {ROW: list(range(len(texts))), SOURCE_LINE: list(range(len(texts))), "event_id": ["e"] * len(texts),
         "type": ["view"] * len(texts), "timestamp": texts}
    )  # fmt: skip
    out = coerce(raw, SCHEMAS["events"], formats=Formats(date_format=order)).frame
    assert [t.date() for t in out["timestamp"].to_list()] == days


def test_spark_reads_declared_formats_and_says_the_same_hints(tmp_path: Path) -> None:
    orders, mapping = _export(
        tmp_path,
        ["03/11/2026 10:00", "13/11/2026", "05/11/2026", "06/11/2026"],
        ["€12,50", "1,234", "12 zł", "7,5"],
        '[formats]\ncurrency_sign = "€"\n',
    )
    batch = get_adapter("table").load(orders, mapping=mapping)
    assert batch.meta["formats"] == {"events": {"currency_sign": "€", "dates": {"timestamp": "%d/%m/%Y"}}}
    for run in both_engines(batch, tmp_path / "out"):
        events = run.tables["events"]
        assert sorted(eager(events.accepted)["price"].to_list()) == [7.5, 12.5]
        details = sorted(eager(events.quarantine)["detail"].to_list())
        assert len(details) == 2
        assert 'decimal = "comma" or "dot"' in details[0] and 'currency_sign = "zł"' in details[1]
