"""A JSON Lines object giving one key two values is quarantined (MALFORMED_LINE) with a reason naming
the key, its values and the line (data/jsonl.py): Polars kept the first or the last value (by the
line), Python's json the last, both silently."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.config import GateConfig
from shopmind.data.adapters import canonical
from shopmind.data.jsonl import read_jsonl
from shopmind.data.model import SOURCE_LINE
from shopmind.data.readers import InputError
from shopmind.quality.gate import run_gate

LINES = [
    '{"event_id": "e1", "type": "view", "user_id": "u1", "item_id": "P1", "price": 12.5}',
    '{"event_id": "e2", "type": "view", "user_id": "u1", "item_id": "P2", "price": 12.5, "price": 10}',
    '{"event_id": "e3", "type": "view", "user_id": "u2", "item_id": "P1", "price": null}',
]


@pytest.mark.parametrize("extra", ["", "not json"], ids=["one-pass read", "line-by-line read"])
def test_a_repeated_key_quarantines_its_line_naming_key_values_and_line(extra: str) -> None:
    text = "\n".join([*LINES, extra]) + "\n"
    result = read_jsonl(text, Path("events.jsonl"))
    assert result.frame[SOURCE_LINE].to_list() == [1, 3]
    repeated = [m for m in result.malformed if m.line == 2]
    assert len(repeated) == 1
    assert repeated[0].reason == (
        "key 'price' given 2 times in one object on line 2 (12.5, then 10): which value is meant cannot be told"
    )
    assert repeated[0].raw == LINES[1]


def test_a_nested_repeat_and_a_repeat_with_null_are_caught_and_the_same_value_twice_is_read() -> None:
    lines = [
        '{"id": "a", "attrs": {"colour": "red", "colour": "blue"}}',
        '{"id": "b", "attrs": {"colour": "red"}, "note": 7, "note": null}',
        '{"id": "c", "attrs": {"colour": "red"}, "note": 7, "note": 7}',
        '{"id": "d", "attrs": {"colour": "green"}, "note": "note"}',  # a value equal to a key name
    ]
    result = read_jsonl("\n".join(lines) + "\n", Path("p.jsonl"))
    assert result.frame["id"].to_list() == ["c", "d"]
    assert [(m.line, m.reason.split(" given")[0]) for m in result.malformed] == [
        (1, "key 'colour'"),
        (2, "key 'note'"),
    ]
    assert "(7, then null)" in result.malformed[1].reason


def test_a_json_array_with_a_repeated_key_is_refused_naming_it() -> None:
    text = '[{"id": "a", "price": 1}, {"id": "b", "price": 2, "price": 3}]'
    with pytest.raises(InputError, match=r"gives the key 'price' 2 times \(2, then 3\)"):
        read_jsonl(text, Path("p.json"))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "k": st.sampled_from(["a", "b", "note"]),
                "v": st.integers(-5, 5),
                "w": st.none() | st.text(max_size=6),
            }
        ),
        min_size=1,
        max_size=12,
    ),
    doubled=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_exactly_the_lines_with_a_key_given_two_values_are_quarantined(
    rows: list[dict[str, object]], doubled: list[bool]
) -> None:
    lines, expected_bad = [], []
    for n, row in enumerate(rows, start=1):
        line = json.dumps(row)
        if doubled[n - 1]:
            line = line[:-1] + f', "v": {row["v"] + 1}' + "}"  # type: ignore[operator]
            expected_bad.append(n)
        lines.append(line)
    result = read_jsonl("\n".join(lines) + "\n", Path("t.jsonl"))
    assert [m.line for m in result.malformed] == expected_bad
    assert result.frame.height + len(result.malformed) == len(rows)  # every line accounted once
    if result.frame.height:
        kept = [n for n in range(1, len(rows) + 1) if n not in expected_bad]
        assert result.frame[SOURCE_LINE].to_list() == kept
        assert result.frame["v"].to_list() == [rows[n - 1]["v"] for n in kept]


def test_the_gate_quarantines_the_line_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    batch = canonical.load(tmp_path)
    outcome = run_gate(batch, GateConfig(), None, now=datetime(2026, 12, 1, tzinfo=UTC)).tables["events"]
    quarantine = outcome.quarantine.filter(outcome.quarantine["line"] == 2)
    assert quarantine["codes"].to_list() == [["MALFORMED_LINE"]]
    assert "key 'price' given 2 times in one object on line 2 (12.5, then 10)" in quarantine["detail"][0]
    assert outcome.input_rows == 3
