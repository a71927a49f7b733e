"""A two-digit year is never read as the year 6 or 26 (quality.timestamps).

Chrono's ``%Y`` takes any number of digits, so the default ``%Y/%m/%d`` read ``06/12/26`` as
0006-12-26 and a declared ``%d/%m/%Y`` read it as 0026-12-06. The row was then quarantined as
``TS_IMPLAUSIBLE — before the plausible window``: a reason that hides both the cause (the export
writes two-digit years) and the fix (``date_format = "%d/%m/%y"``). Such a value is now a type error
whose hint names the ``%y`` patterns that read it, and four-digit years read as before."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import polars as pl
import pytest

from shopmind.data.formats import Formats
from shopmind.data.model import EVENTS, ROW, SOURCE_LINE
from shopmind.quality.coerce import TYPE_ERRORS, TYPE_HINTS, coerce


def _coerced(stamps: list[str], date_format: str | None = None) -> pl.DataFrame:
    n = len(stamps)
    frame = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "type": ["view"] * n,
            "timestamp": stamps,
            "item_id": ["p"] * n,
        }
    ).with_columns(pl.int_range(n, dtype=pl.Int64).alias(ROW), pl.lit(None, pl.Int64).alias(SOURCE_LINE))
    formats = Formats(date_format=date_format) if date_format else None
    return coerce(frame, EVENTS, formats=formats).frame


@pytest.mark.parametrize(
    ("value", "declared"),
    [
        ("06/12/26", None),  # the default %Y/%m/%d: the year 6
        ("06-12-26 10:00", None),  # the default %Y-%m-%d %H:%M
        ("26/12/06", None),  # year 26
        ("06/12/26", "%d/%m/%Y"),  # a declared four-digit pattern: the year 26
        ("6/12/26 10:00:05", "%m/%d/%Y"),
        ("06.12.26", "%d.%m.%Y"),
        ("6 Dec 26", "%d %b %Y"),
    ],
)
def test_a_two_digit_year_is_a_type_error_naming_the_y_pattern(value: str, declared: str | None) -> None:
    frame = _coerced([value], declared)
    assert frame["timestamp"].to_list() == [None]
    assert frame[TYPE_ERRORS].to_list() == [["timestamp"]]
    (hint,) = frame[TYPE_HINTS].to_list()[0]
    suggested = re.findall(r'date_format = "([^"]+)"', hint)
    assert suggested and all("%y" in f for f in suggested), hint


@pytest.mark.parametrize(
    ("value", "declared", "read"),
    [
        ("2026/12/06", None, datetime(2026, 12, 6, tzinfo=UTC)),
        ("2026-12-06 10:00", None, datetime(2026, 12, 6, 10, 0, tzinfo=UTC)),
        ("2026-12-06T10:00:00+00:00", None, datetime(2026, 12, 6, 10, 0, tzinfo=UTC)),
        ("06/12/2026", "%d/%m/%Y", datetime(2026, 12, 6, tzinfo=UTC)),
        ("12/6/2026 10:00:05", "%m/%d/%Y", datetime(2026, 12, 6, 10, 0, 5, tzinfo=UTC)),
        ("6 Dec 2026", "%d %b %Y", datetime(2026, 12, 6, tzinfo=UTC)),
        ("06/12/26", "%d/%m/%y", datetime(2026, 12, 6, tzinfo=UTC)),
        ("2026.12.06", "%Y.%m.%d", datetime(2026, 12, 6, tzinfo=UTC)),
        ("0001-01-01", None, datetime(1, 1, 1, tzinfo=UTC)),  # four digits: read, then TS_IMPLAUSIBLE
    ],
)
def test_four_digit_and_declared_two_digit_years_read_as_before(
    value: str, declared: str | None, read: datetime
) -> None:
    frame = _coerced([value], declared)
    assert frame["timestamp"].to_list() == [read]
    assert frame[TYPE_ERRORS].to_list() == [[]]
