"""A date column no default reading takes names the `date_format` that reads it (quality.date_hints):
in the quarantine reason and on the ingest console. It was a bare ``TYPE_ERROR — not convertible:
timestamp``, which left the user to find the setting and guess its pattern."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from shopmind.data.formats import Formats
from shopmind.data.model import EVENTS, ROW, SOURCE_LINE
from shopmind.quality.coerce import TYPE_ERRORS, TYPE_HINTS, coerce


def _events(stamps: list[str]) -> pl.DataFrame:
    n = len(stamps)
    return pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "type": ["view"] * n,
            "timestamp": stamps,
            "item_id": ["p"] * n,
        }
    ).with_columns(pl.int_range(n, dtype=pl.Int64).alias(ROW), pl.lit(None, pl.Int64).alias(SOURCE_LINE))


def _hints(stamps: list[str], formats: Formats | None = None) -> list[list[str]]:
    return coerce(_events(stamps), EVENTS, formats=formats).frame[TYPE_HINTS].to_list()


@pytest.mark.parametrize(
    ("value", "fmt", "read"),
    [
        ("6 Dec 2026", "%d %b %Y", datetime(2026, 12, 6, tzinfo=UTC)),
        ("December 6, 2026 10:00", "%B %d, %Y", datetime(2026, 12, 6, 10, 0, tzinfo=UTC)),
        ("06-Dec-2026 09:05:07", "%d-%b-%Y", datetime(2026, 12, 6, 9, 5, 7, tzinfo=UTC)),
        ("2026/12/06 10:00", "%Y/%m/%d", datetime(2026, 12, 6, 10, 0, tzinfo=UTC)),
        ("06.12.26", "%d.%m.%y", datetime(2026, 12, 6, tzinfo=UTC)),  # never "%Y.%m.%d", the year 6
        ("2026年12月06日", "%Y年%m月%d日", datetime(2026, 12, 6, tzinfo=UTC)),
    ],
)
def test_the_hint_names_the_date_format_and_that_format_reads_the_value(
    value: str, fmt: str, read: datetime
) -> None:
    assert _hints([value]) == [
        [f'timestamp {value!r}: it reads with [formats] date_format = "{fmt}": declare that in the mapping']
    ]
    declared = coerce(_events([value]), EVENTS, formats=Formats(date_format=fmt)).frame
    assert declared[TYPE_ERRORS].to_list() == [[]] and declared["timestamp"].to_list() == [read]


def test_a_value_two_formats_read_names_both_with_their_order() -> None:
    assert _hints(["06/12/26 10:00"]) == [
        [
            "timestamp '06/12/26 10:00': it reads with [formats] date_format = \"%d/%m/%y\" (day first) or "
            '"%m/%d/%y" (month first), which the value cannot tell apart: declare the export\'s in the mapping'
        ]
    ]


def test_what_no_format_reads_says_why_and_points_to_iso() -> None:
    am_pm, long_number, word, iso = _hints(["12/06/2026 10:00 PM", "9" * 23, "yesterday", "2026-12-06"])
    assert am_pm == [
        "timestamp '12/06/2026 10:00 PM': a 12-hour time (AM/PM) is not read: export 24-hour times or ISO "
        "dates (2026-11-03 09:05:07)"
    ]
    assert "a number, but too long for a unix time in seconds, ms, µs or ns" in long_number[0]
    assert word[0].startswith("timestamp 'yesterday': no date_format reads it")
    assert iso == []  # a value that reads gets no hint


def test_a_declared_format_that_does_not_read_the_value_is_named() -> None:
    (hint,) = _hints(["6 Dec 2026"], Formats(date_format="%d/%m/%Y"))
    assert hint == [
        "timestamp '6 Dec 2026' is not read by the mapping's date_format '%d/%m/%Y': it reads with [formats] "
        'date_format = "%d %b %Y": declare that in the mapping'
    ]


def test_ingest_console_names_the_setting_and_the_mapping_with_it_reads_every_row(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "user,item,date,qty,price,order\nu1,i1,6 Nov 2026,1,1.5,o1\nu2,i2,7 Nov 2026,1,1.5,o2\n"
        "u3,i3,2026-12-01,2,1.5,o3\n",
        encoding="utf-8",
    )
    mapping = (
        'table = "events"\n[columns]\nuser = "user_id"\nitem = "item_id"\ndate = "timestamp"\nqty = "quantity"\n'
        'price = "price"\norder = "order_id"\n[constants]\ntype = "purchase"\ncurrency = "EUR"\n'
    )
    (tmp_path / "m.toml").write_text(mapping, encoding="utf-8")

    def ingest(workspace: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "shopmind.cli", "ingest", "orders.csv", "--format", "table", "--mapping",
             "m.toml", "-w", workspace],
            cwd=tmp_path, capture_output=True, text=True, timeout=300, env={"COLUMNS": "300", "PATH": ""},
        )  # fmt: skip

    first = ingest("a")
    assert first.returncode == 0, first.stderr
    assert (
        "e.g. line 2: not convertible: timestamp — timestamp '6 Nov 2026': it reads with [formats] "
        'date_format = "%d %b %Y": declare that in the mapping'
    ) in first.stdout
    (tmp_path / "m.toml").write_text(mapping + '[formats]\ndate_format = "%d %b %Y"\n', encoding="utf-8")
    second = ingest("b")
    assert second.returncode == 0, second.stderr
    assert "TYPE_ERROR" not in second.stdout and "events      3         3            0" in second.stdout


def test_a_date_that_does_not_exist_is_said_so_and_no_unset_format_is_named() -> None:
    """31/11/2026 in a column the file settled as day first (no date_format in the mapping) was
    "not read by the mapping's date_format '%d/%m/%Y'": the mapping set none, and November has no 31st
    (first-hour walk, session 28, t1x)."""
    settled = Formats(dates={"timestamp": "%d/%m/%Y"})
    (hint,) = _hints(["31/11/2026"], settled)
    assert hint == [
        "timestamp '31/11/2026' is no date: day 31 of month 11 does not exist (November has 30 days): "
        "correct the date in the export"
    ]
    (leap,) = _hints(["29/02/2026 10:00"])  # no order given: only day first puts 29 and 2 in range
    assert "day 29 of month 2 does not exist (February of 2026 has 28 days)" in leap[0]
    (other,) = _hints(["12/31/2026"], settled)  # reads month first: the settled order is named as such
    assert other == [
        "timestamp '12/31/2026' is not read as '%d/%m/%Y' (day first), the order the column's other dates "
        'are written in: it reads with [formats] date_format = "%m/%d/%Y": declare that in the mapping'
    ]
    assert "mapping's date_format" not in other[0]
