"""JSON Lines and JSON arrays of objects, read without losing a line or trusting a line's depth.

Polars reads a clean file in one pass with JSON types. A file with a broken line, or a column
whose types clash between lines, is read line by line: each line is one record or one
``MALFORMED_LINE`` with the parser's complaint. Lines nesting deeper than ``MAX_JSON_DEPTH``
never reach a parser (Python's ``json`` recurses once per level).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl

from shopmind.data.limits import KEPT_CHARS, MAX_JSON_DEPTH, too_deep
from shopmind.data.model import SOURCE_LINE
from shopmind.data.records import POLARS_FAILURES, InputError, MalformedLine, ReadResult, physical_lines


def read_jsonl(text: str, path: Path) -> ReadResult:
    """Records of a JSON Lines file or a JSON array; a file with no record at all is refused, as an
    empty CSV is (it would otherwise pass as a batch of zero rows, published with exit 0)."""
    if not text.strip():
        raise InputError(f"{path} is empty: expected JSON objects, one per line (or a JSON array of them)")
    if text.lstrip().startswith("["):
        return _read_json_array(text, path)
    lines = physical_lines(text)
    deep = [
        MalformedLine(n, line.rstrip("\r")[:KEPT_CHARS], f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        for n, line in enumerate(lines, start=1)
        if too_deep(line)
    ]
    if deep:  # never handed to a parser: blank them (numbering kept) and count them
        for m in deep:
            lines[m.line - 1] = ""
        text = "\n".join(lines)
    numbers = [n for n, line in enumerate(lines, start=1) if line.strip()]
    try:
        frame = pl.read_ndjson(io.BytesIO(text.encode("utf-8")))
    except POLARS_FAILURES:
        frame = None
    if frame is not None and frame.height == len(numbers):
        return ReadResult(frame.with_columns(pl.Series(SOURCE_LINE, numbers, dtype=pl.Int64)), deep)
    records: list[dict[str, object]] = []
    good_lines: list[int] = []
    malformed: list[MalformedLine] = list(deep)
    for number in numbers:
        raw = lines[number - 1]
        record, reason = _json_record(raw)
        if record is None:
            malformed.append(MalformedLine(number, raw.rstrip("\r"), reason or "invalid JSON"))
        else:
            records.append(record)
            good_lines.append(number)
    frame = _records_frame(records)
    malformed.sort(key=lambda m: m.line)
    return ReadResult(frame.with_columns(pl.Series(SOURCE_LINE, good_lines, dtype=pl.Int64)), malformed)


def _json_record(raw: str) -> tuple[dict[str, object] | None, str | None]:
    """One JSON Lines record, or why the line is not one."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at column {exc.colno}"
    except RecursionError:  # pragma: no cover - too_deep() keeps such lines away
        return None, "JSON nested too deeply"
    if not isinstance(value, dict):
        return None, f"expected a JSON object, found {type(value).__name__}"
    return {str(k): v for k, v in value.items()}, None


def _records_frame(records: list[dict[str, object]]) -> pl.DataFrame:
    """Records with their JSON types; a column whose types clash (a number on one line, an
    object on the next) fails Polars' schema inference, so then every value becomes text (nested
    values as JSON), as CSV cells are: the gate owns converting and reporting types."""
    if not records:
        return pl.DataFrame()
    try:
        return pl.from_dicts(records, infer_schema_length=None)
    except (*POLARS_FAILURES, TypeError, OverflowError):
        names = list(dict.fromkeys(k for r in records for k in r))
        cells = {name: [_text_cell(r.get(name)) for r in records] for name in names}
        return pl.DataFrame(cells, schema=dict.fromkeys(names, pl.Utf8))


def _text_cell(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _read_json_array(text: str, path: Path) -> ReadResult:
    """A ``.json`` holding one array of objects: no line numbers, a broken file is one error."""
    if too_deep(text):
        raise InputError(f"{path}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is neither JSON Lines nor a JSON array of objects: {exc}") from exc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError(f"{path} is neither JSON Lines nor a JSON array of objects")
    if not records:
        raise InputError(f"{path} holds an empty JSON array: no records to read")
    return ReadResult(_records_frame([{str(k): v for k, v in r.items()} for r in records]))
