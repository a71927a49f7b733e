"""`shopmind evaluate assistant` prints a table of the headline figures, not ~2,000 lines of JSON."""

from __future__ import annotations

from rich.console import Console

from shopmind.assistant.cli import headline


def _part(n: int, intent: float, oos: float | None) -> dict:
    return {"questions": n, "intent_accuracy": intent, "slot_exact_match": 1.0, "answers_all_facts_correct": 0.9,
            "answers_with_unsupported_fact": 0, "out_of_scope_handoff_rate": oos}  # fmt: skip


def test_one_row_per_set_in_number_order_then_all_and_the_goals() -> None:
    summary = {**_part(30, 0.95, 0.9), "by_set": {"heldout10": _part(10, 0.9, None), "main": _part(10, 1.0, 1.0),
               "heldout2": _part(10, 0.95, 0.8)}}  # fmt: skip
    console = Console(width=200, record=True)
    console.print(headline(summary))
    lines = [ln for ln in console.export_text().splitlines() if ln.startswith("│")]
    assert [ln.split("│")[1].strip() for ln in lines] == ["main", "heldout2", "heldout10", "all", "goal"]
    heldout10 = [c.strip() for c in lines[2].split("│")[1:-1]]
    assert heldout10 == [
        "heldout10",
        "10",
        "0.900",
        "1.000",
        "0.900",
        "0",
        "-",
    ]  # no out-of-scope question: '-'
    goal = [c.strip() for c in lines[4].split("│")[1:-1]]
    assert goal == ["goal", "", ">= 0.95", ">= 0.95", ">= 0.95", "<= 0", ">= 0.9"]
