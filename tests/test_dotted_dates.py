"""Day-first dotted timestamps (``01.11.2026 10:00``, ``1.11.2026``): German, Austrian, Swiss,
Russian and Polish shop exports write them; they were TYPE_ERROR in the mapping flow.

A dotted date is always day first (``01.02.2026`` is 1 February), only a four-digit year is
read, and the Spark engine reads them identically (tests/test_spark_gate.py holds its parity).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.data.model import ROW, SCHEMAS, SOURCE_LINE
from shopmind.quality.coerce import TYPE_ERRORS, coerce


def _events(values: list[str], tz: str = "UTC") -> pl.DataFrame:
    n = len(values)
    raw = pl.DataFrame(
        {
            ROW: list(range(n)),
            SOURCE_LINE: [i + 2 for i in range(n)],
            "event_id": [f"e{i}" for i in range(n)],
            "type": ["view"] * n,
            "item_id": ["p"] * n,
            "user_id": ["u"] * n,
            "timestamp": values,
        }
    )
    return coerce(raw, SCHEMAS["events"], tz).frame


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01.11.2026 10:00", datetime(2026, 11, 1, 10, 0, tzinfo=UTC)),
        ("1.11.2026", datetime(2026, 11, 1, tzinfo=UTC)),
        ("01.02.2026", datetime(2026, 2, 1, tzinfo=UTC)),  # day first, never 2 January
        ("1.2.2026 9:05", datetime(2026, 2, 1, 9, 5, tzinfo=UTC)),
        ("31.12.2026 23:59:58", datetime(2026, 12, 31, 23, 59, 58, tzinfo=UTC)),
        ("13.01.2026 08:00:00.250", datetime(2026, 1, 13, 8, 0, 0, 250000, tzinfo=UTC)),
        (" 01.11.2026 10:00 ", datetime(2026, 11, 1, 10, 0, tzinfo=UTC)),
    ],
)
def test_a_dotted_day_first_timestamp_is_read(text: str, expected: datetime) -> None:
    out = _events([text])
    assert out["timestamp"].to_list() == [expected]
    assert out[TYPE_ERRORS].to_list() == [[]]


@pytest.mark.parametrize(
    "text", ["01.13.2026", "31.02.2026", "01.11.26", "01.11.2026 25:00", "2026.11.01", "01.11.2026 10h"]
)
def test_an_impossible_or_unsupported_dotted_date_stays_a_type_error(text: str) -> None:
    out = _events([text])
    assert out["timestamp"].to_list() == [None]
    assert out[TYPE_ERRORS].to_list() == [["timestamp"]]


def test_a_dotted_naive_timestamp_is_read_in_the_shop_time_zone() -> None:
    out = _events(["01.07.2026 12:00", "2026-07-01 12:00"], tz="Europe/Berlin")
    assert out["timestamp"].to_list() == [datetime(2026, 7, 1, 10, 0, tzinfo=UTC)] * 2


def test_a_german_export_mapped_with_a_draft_is_accepted(tmp_path: Path) -> None:
    """The user's path: `shopmind mapping` drafts the mapping, `ingest --format table` reads it."""
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "CustomerID;StockCode;InvoiceDate;Quantity\n"
        "u1;A1;01.11.2026 10:00;2\n"
        "u2;A2;1.11.2026;1\n"
        "u3;A3;02.11.2026 09:05:07;1\n"
        "u4;A4;32.11.2026;1\n",  # no 32nd: quarantined, named
        encoding="utf-8",
    )
    draft = tmp_path / "orders.toml"
    made = CliRunner().invoke(app, ["mapping", str(orders), "--out", str(draft)])
    assert made.exit_code == 0, made.output
    ws = tmp_path / "ws"
    run = CliRunner().invoke(
        app, ["ingest", str(orders), "--format", "table", "--mapping", str(draft), "--workspace", str(ws)]
    )
    assert run.exit_code == 0, run.output
    con = duckdb.connect(str(ws / "shopmind.duckdb"), read_only=True)
    try:
        stamps = con.execute("SELECT user_id, timestamp FROM events ORDER BY timestamp").fetchall()
        quarantined = con.execute("SELECT row_no, codes FROM quarantine").fetchall()
    finally:
        con.close()
    assert [s.astimezone(UTC).replace(tzinfo=None) for _, s in stamps] == [
        datetime(2026, 11, 1),
        datetime(2026, 11, 1, 10, 0),
        datetime(2026, 11, 2, 9, 5, 7),
    ]
    assert quarantined == [(3, ["TYPE_ERROR"])]
