"""Results tables printed into a log keep every name whole (``cli.listing.table_console``)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console


def _summary() -> dict:
    figures = {
        "questions": 10,
        "intent_accuracy": 1.0,
        "slot_exact_match": 1.0,
        "answers_all_facts_correct": 0.9,
        "answers_with_unsupported_fact": 0,
        "out_of_scope_handoff_rate": 1.0,
    }
    return {"by_set": {"file:qs_heldout_rehearsal": figures, "main": figures}, **figures}


def test_assistant_table_in_a_log_keeps_its_names(capsys: pytest.CaptureFixture[str]) -> None:
    """`evaluate assistant` into a log (not a terminal) printed 'file:qs_…' and 'unsuppor…': rich sized the table
    to 80 columns (t1e, session 33). On the table console every set name and heading is whole."""
    from shopmind.assistant.cli import headline
    from shopmind.cli.listing import table_console

    narrow = io.StringIO()
    Console(file=narrow, width=80).print(headline(_summary()))
    assert "file:qs_heldout_rehearsal" not in narrow.getvalue()  # what a log got before
    table_console().print(headline(_summary()))
    out = capsys.readouterr().out
    assert "file:qs_heldout_rehearsal" in out and "unsupported" in out and "oos handed off" in out
