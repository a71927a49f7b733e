"""Defects found walking the second-round features as a new shop engineer would (session 32, t1w).

Each test failed before its fix: the command, route or page did something a shop engineer would call wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shopmind.forecast.series import SeriesError, read_long


# ------------------------------------------------------------------ evaluate forecast -f long: duplicates
def test_a_duplicate_id_date_names_its_own_row_and_the_first(tmp_path: Path) -> None:
    """Was 'row 3: duplicate (id, date) = ('a', 2024-01-01)' for a file whose rows 2-3 are two different
    dates and whose repeat of row 2 is row 5: with several repeated pairs the row named was another
    pair's first row (the second row flagged), beside the first pair's key."""
    p = tmp_path / "s.csv"
    p.write_text(
        "id,date,value\na,2024-01-01,1\na,2024-01-02,1\nb,2024-01-01,1\na,2024-01-01,2\na,2024-01-02,3\n"
    )
    with pytest.raises(
        SeriesError, match=r"row 5: duplicate \(id, date\) = \('a', 2024-01-01\), first at row 2"
    ):
        read_long(p, freq="D")
