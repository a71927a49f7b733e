"""`shopmind ingest`'s advice for a held batch (cli/ingest_report.held_advice). A shop whose whole
catalog failed TYPE_ERROR (prices written "$24.99", no [formats] currency_sign; the first-hour walk,
session 28) was offered --force and `severity = "warn"` - both publish none of its rows. When every
row of a table failed one check the advice now says the file is read the wrong way, first."""

from __future__ import annotations

from pathlib import Path

from shopmind.cli.ingest_report import held_advice


def _check(fraction: float, failed: int) -> dict:
    return {"table": "products", "code": "TYPE_ERROR", "crossed": True, "severity": "error",
            "action": "quarantine", "fraction": fraction, "failed": failed, "threshold": 0.01, "min_rows": 5,
            "summary": "a value could not be converted to the column's type"}  # fmt: skip


def test_a_table_failed_whole_is_a_reading_problem_before_a_gate_setting() -> None:
    text = held_advice([_check(1.0, 7)], "RUN", Path("ws"))
    lines = text.splitlines()
    said = next(i for i, line in enumerate(lines) if "every products row failed TYPE_ERROR" in line)
    assert said < lines.index("to go on, either:")  # before the three ways on
    assert (
        "read the wrong way" in lines[said] and "--force or a gate change would publish none" in lines[said]
    )


def test_some_bad_rows_get_the_three_ways_on_without_it() -> None:
    text = held_advice([_check(0.3, 30)], "RUN", Path("ws"))
    assert "every products row" not in text and "--force" in text and "[checks.TYPE_ERROR]" in text


def test_a_small_table_that_kept_no_row_says_why_min_rows_did_not_apply() -> None:
    """A 3-row catalog failed whole is held below min_rows 5 (verdicts.row_checks, t1x session 28):
    the advice said "3 rows ... >= min_rows 5"."""
    text = held_advice([_check(1.0, 3)], "RUN", Path("ws"))
    assert "3 rows (100.0%) > threshold 1.0%, below min_rows 5 but the table kept no row" in text
    assert ">= min_rows" not in text
