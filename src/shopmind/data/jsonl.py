"""JSON Lines and JSON arrays of objects, read without losing a line or trusting a line's depth.

Polars reads a clean file in one pass with JSON types. A file with a broken line, or a column
whose types clash between lines, is read line by line: each line is one record or one
``MALFORMED_LINE`` with the parser's complaint. Lines nesting deeper than ``MAX_JSON_DEPTH``
never reach a parser (Python's ``json`` recurses once per level).

An object giving one key two values (``{"price": 12.5, "price": 10}``) is a ``MALFORMED_LINE``
naming the key, its values and the line: which value is meant cannot be told, and the parsers
chose silently (Polars kept the first value of ``{"a":1,"a":2}`` but the last of
``{"b":0,"a":1,"a":2}``, Python's ``json`` always the last). The same value twice loses nothing
and is read. Clean files keep the one-pass read: only lines a Polars screen finds
(``_repeated_keys``) are parsed for this.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl

from shopmind.data.limits import KEPT_CHARS, MAX_JSON_DEPTH, too_deep
from shopmind.data.model import SOURCE_LINE
from shopmind.data.records import (
    POLARS_FAILURES,
    InputError,
    MalformedLine,
    ReadResult,
    name_list,
    physical_lines,
)


def read_jsonl(text: str, path: Path) -> ReadResult:
    """Records of a JSON Lines file or a JSON array; a file with no record at all is refused, as an
    empty CSV is (it would otherwise pass as a batch of zero rows, published with exit 0)."""
    if not text.strip():
        raise InputError(f"{path} is empty: expected JSON objects, one per line (or a JSON array of them)")
    if text.lstrip().startswith("["):
        return _read_json_array(text, path)
    if text.lstrip().startswith("{") and (whole := _one_object(text, path)) is not None:
        return whole
    lines = physical_lines(text)
    held = [
        MalformedLine(n, line.rstrip("\r")[:KEPT_CHARS], f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        for n, line in enumerate(lines, start=1)
        if too_deep(line)
    ]
    if held:  # never handed to a parser: blank them (numbering kept) and count them
        for m in held:
            lines[m.line - 1] = ""
        text = "\n".join(lines)
        held.sort(key=lambda m: m.line)
    numbers = [n for n, line in enumerate(lines, start=1) if line.strip()]
    try:
        frame = pl.read_ndjson(io.BytesIO(text.encode("utf-8")))
    except POLARS_FAILURES:
        frame = None
    if frame is not None and frame.height == len(numbers):
        frame = frame.with_columns(pl.Series(SOURCE_LINE, numbers, dtype=pl.Int64))
        repeated = _repeated_keys(lines, frame)
        if repeated:
            frame = frame.filter(~pl.col(SOURCE_LINE).is_in([m.line for m in repeated]))
            held = sorted(held + repeated, key=lambda m: m.line)
        return ReadResult(frame, held)
    records: list[dict[str, object]] = []
    good_lines: list[int] = []
    malformed: list[MalformedLine] = list(held)
    for number in numbers:
        raw = lines[number - 1]
        record, reason = _json_record(raw, number)
        if record is None:
            malformed.append(MalformedLine(number, raw.rstrip("\r"), reason or "invalid JSON"))
        else:
            records.append(record)
            good_lines.append(number)
    frame = _records_frame(records)
    malformed.sort(key=lambda m: m.line)
    return ReadResult(frame.with_columns(pl.Series(SOURCE_LINE, good_lines, dtype=pl.Int64)), malformed)


class _RepeatedKey(ValueError):
    def __init__(self, key: str, values: list[object]) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def _no_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """``json.loads``' object hook: an object giving a key two values raises, naming it and them."""
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen and seen[key] != value:  # the same value twice loses nothing
            raise _RepeatedKey(key, [v for k, v in pairs if k == key])
        seen[key] = value
    return seen


def _key_names(dtype: pl.DataType | pl.Schema) -> set[str]:
    """Every key name Polars found: the columns and, inside structs and lists of them, their fields."""
    names: set[str] = set()
    fields = dtype.items() if isinstance(dtype, pl.Schema) else []
    if isinstance(dtype, pl.Struct):
        fields = [(f.name, f.dtype) for f in dtype.fields]
    elif isinstance(dtype, (pl.List, pl.Array)):
        return _key_names(dtype.inner)
    for name, inner in fields:
        names.add(name)
        names |= _key_names(inner)
    return names


def _repeated_keys(lines: list[str], frame: pl.DataFrame) -> list[MalformedLine]:
    """The lines of a file Polars read whole one of whose objects gives a key two values.

    Polars' schema holds every key of every line (a column, or a field of a struct column), so a
    repeated key is a known name quoted twice on one line: counted per name in Polars (literal
    search, both JSON spellings of a non-ASCII name), and only those lines parsed to be sure (a
    value equal to a key name, the same key in two objects, the same value twice). Parsing every
    line in Python instead cost 3/4 of a clean file's read."""
    names = sorted(_key_names(frame.schema) - {SOURCE_LINE})
    if not names or not lines:
        return []
    series = pl.Series(lines, dtype=pl.Utf8)
    twice = pl.repeat(False, len(lines), eager=True)
    for name in names:
        spellings = dict.fromkeys([json.dumps(name, ensure_ascii=False), json.dumps(name)])
        counts = [series.str.count_matches(quoted, literal=True) for quoted in spellings]
        twice = twice | (sum(counts[1:], counts[0]) > 1)
    found = (_repeated_key(i + 1, lines[i]) for i in twice.arg_true().to_list())
    return [m for m in found if m is not None]


def _repeated_key(number: int, line: str) -> MalformedLine | None:
    """The line as a ``MALFORMED_LINE`` when one of its objects gives a key twice, else None."""
    record, reason = _json_record(line, number)
    return (
        MalformedLine(number, line.rstrip("\r")[:KEPT_CHARS], reason) if record is None and reason else None
    )


def _json_record(raw: str, number: int) -> tuple[dict[str, object] | None, str | None]:
    """One JSON Lines record, or why the line (``number``) is not one."""
    try:
        value = json.loads(raw, object_pairs_hook=_no_repeats)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at column {exc.colno}"
    except RecursionError:  # pragma: no cover - too_deep() keeps such lines away
        return None, "JSON nested too deeply"
    except _RepeatedKey as exc:
        values = ", then ".join(json.dumps(v, ensure_ascii=False)[:40] for v in exc.values)
        return None, (
            f"key {exc.key!r} given {len(exc.values)} times in one object on line {number} ({values}): "
            "which value is meant cannot be told"
        )
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


#: keys of one object each holding a list above which it is a map keyed by id, not one record's lists
_MAP_KEYS = 20


def _one_object(text: str, path: Path) -> ReadResult | None:
    """A file that is one JSON object (not JSON Lines: nothing follows it), else None.

    An API dump wraps its records (``{"products": [...], "page": 1}``): the one key holding a list of
    objects is read, and the note says which. Without one the object is a record itself (one line
    of JSON Lines, or one record printed over several lines); a map keyed by id (``{"B0001": {...},
    ...}``; Amazon's item2attributes maps ids to lists) is refused naming that shape - it was read as one row of
    12,101 columns. Several keys holding records are refused naming them: which table is meant
    cannot be told. A record printed over several lines is one row (each of its lines was a
    MALFORMED_LINE).
    """
    if too_deep(text):
        return None  # judged line by line, where a too-deep line is held
    try:
        value = json.loads(text, object_pairs_hook=_no_repeats)
    except (json.JSONDecodeError, _RepeatedKey):
        return None  # JSON Lines (or broken lines): judged line by line
    if not isinstance(value, dict):
        return None
    arrays = [
        k for k, v in value.items() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)
    ]
    if len(arrays) > 1:
        raise InputError(
            f"{path} is one JSON object with several keys holding records ({name_list(arrays)}): which one is "
            "the table cannot be told; save the one you mean as a JSON array or JSON Lines"
        )
    if arrays:
        key = arrays[0]
        records = value[key]
        others = [k for k in value if k != key]
        note = f"JSON object: the {len(records):,} records under its key {key!r}"
        if others:
            note += f" (not read: {name_list(others, 10)})"
        frame = _records_frame([{str(k): v for k, v in r.items()} for r in records])
        return ReadResult(frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(SOURCE_LINE)),
                          note=note)  # fmt: skip
    kinds = {type(v) for v in value.values()}
    if len(value) > 1 and (kinds == {dict} or (kinds == {list} and len(value) > _MAP_KEYS)):
        held = "an object" if kinds == {dict} else "a list"
        raise InputError(
            f"{path} is one JSON object of {len(value):,} keys each holding {held} (a map keyed by "
            f"{name_list(list(value), 3)}), not records: write it as JSON Lines, one object per line with "
            "its key as a field, or as a JSON array of such objects"
        )
    if "\n" in text.strip():  # one record printed over several lines: each line alone is no JSON
        first = text[: len(text) - len(text.lstrip())].count("\n") + 1
        return ReadResult(
            _records_frame([value]).with_columns(pl.lit(first, dtype=pl.Int64).alias(SOURCE_LINE))
        )
    return None  # one record on one line: read as JSON Lines reads it


def _read_json_array(text: str, path: Path) -> ReadResult:
    """A ``.json`` holding one array of objects: no line numbers, a broken file is one error."""
    if too_deep(text):
        raise InputError(f"{path}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        records = json.loads(text, object_pairs_hook=_no_repeats)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is neither JSON Lines nor a JSON array of objects: {exc}") from exc
    except _RepeatedKey as exc:  # no line numbers to quarantine by: the file is refused, as a broken one is
        values = ", then ".join(json.dumps(v, ensure_ascii=False)[:40] for v in exc.values)
        raise InputError(
            f"{path}: an object gives the key {exc.key!r} {len(exc.values)} times ({values}); which value is "
            "meant cannot be told: keep one (or write the records as JSON Lines, whose lines are judged one by one)"
        ) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError(f"{path} is neither JSON Lines nor a JSON array of objects")
    if not records:
        raise InputError(f"{path} holds an empty JSON array: no records to read")
    return ReadResult(_records_frame([{str(k): v for k, v in r.items()} for r in records]))
