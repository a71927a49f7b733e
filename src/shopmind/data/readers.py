"""Read a shop's export (CSV/TSV, Parquet, JSON Lines) into a frame without losing a line.

Exports arrive in any encoding and dialect, and some of their lines are broken. The reader
keeps every line accountable: parsed records go into ``frame`` with their physical line
number (``_line``), lines that cannot be split into the header's fields go into
``malformed`` so the gate can quarantine them (``MALFORMED_LINE``) instead of dropping them.
CSV cells stay strings: the gate owns type coercion and reports what fails, per cell.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl
from charset_normalizer import from_bytes

from shopmind.data.model import SCHEMAS, SOURCE_LINE, TABLES, TableName

Format = Literal["csv", "parquet", "jsonl"]

DELIMITERS = ",;\t|"
_SNIFF_CHARS = 64 * 1024
_DETECT_BYTES = 128 * 1024
#: Chaos margin (charset-normalizer's mess ratio) within which cp1252 beats the first guess.
_WESTERN_MARGIN = 0.1
_WESTERN = "cp1252"
#: Non-ASCII bytes below which any code page reads the sample equally well (1 byte of "É"
#: is as plausible in cp932 as in cp1252), so detection would only be a coin toss.
_MIN_EVIDENCE = 32
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


class InputError(ValueError):
    """A file or option the user gave cannot be read; the message says what and where."""


@dataclass(frozen=True)
class MalformedLine:
    line: int  # 1-based physical line where the record starts
    raw: str
    reason: str

    def as_dict(self, table: str) -> dict[str, object]:
        """The form adapters put into ``Batch.meta["malformed"]`` for the gate."""
        return {"table": table, "line": self.line, "raw": self.raw, "reason": self.reason}


@dataclass
class ReadResult:
    frame: pl.DataFrame
    malformed: list[MalformedLine] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True)
class Mapping:
    """Which canonical table a generic file feeds and how its columns are named there."""

    table: TableName
    columns: dict[str, str]  # source column -> canonical column
    constants: dict[str, object]  # canonical column -> fixed value
    path: Path


def read_table(
    path: Path,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    *,
    delimiter: str | None = None,
) -> ReadResult:
    """Read one file; ``fmt`` overrides the extension, ``delimiter`` the sniffed one."""
    path = Path(path)
    kind = _format(path, fmt)
    if kind == "parquet":
        result = ReadResult(_read_parquet(path))
    else:
        data = _read_bytes(path)
        text, encoding = decode(data, path)
        if kind == "jsonl":
            result = _read_jsonl(text, path)
        else:
            sep = delimiter or ("\t" if _is_tsv(path, fmt) else sniff_delimiter(text))
            result = _read_csv(text, sep, path)
        result.encoding = encoding
    if mapping:
        result.frame = apply_mapping(result.frame, mapping, path)
    return result


# --- formats and bytes -----------------------------------------------------------------


def _format(path: Path, fmt: str | None) -> Format:
    if fmt is not None:
        aliases: dict[str, Format] = {
            "csv": "csv",
            "tsv": "csv",
            "txt": "csv",
            "parquet": "parquet",
            "jsonl": "jsonl",
            "json": "jsonl",
            "ndjson": "jsonl",
        }
        if fmt.lower() not in aliases:
            raise InputError(f"unknown format {fmt!r} for {path}; use one of csv, tsv, parquet, jsonl")
        return aliases[fmt.lower()]
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if ".parquet" in suffixes or (suffixes and suffixes[-1] == ".pq"):
        return "parquet"
    last = suffixes[-1] if suffixes else ""
    if last in (".csv", ".tsv", ".txt", ".tab"):
        return "csv"
    if last in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    raise InputError(
        f"cannot tell the format of {path} from its extension {last or '(none)'!r}; "
        "expected .csv, .tsv, .txt, .parquet, .jsonl or .json (optionally .gz)"
    )


def _is_tsv(path: Path, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt.lower() == "tsv"
    return any(s.lower() in (".tsv", ".tab") for s in path.suffixes)


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc


def decode(data: bytes, path: Path | None = None) -> tuple[str, str]:
    """Text and the encoding used: BOM, else strict UTF-8, else a checked guess, else latin-1."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}: starts with a {encoding} byte-order mark but is not {encoding}: {exc}"
                ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    for encoding in (_guess_encoding(data, first_bad), "cp1252", "latin_1"):
        if encoding is None:
            continue
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    raise AssertionError("latin-1 decodes any byte string")  # pragma: no cover


def _guess_encoding(data: bytes, first_bad: int) -> str | None:
    """charset-normalizer on the head plus the bytes around the first non-UTF-8 byte.

    Western shop exports are mostly cp1252, and on short samples charset-normalizer ranks
    look-alike code pages (cp1250, cp775, cp932) first, so cp1252 wins unless another
    encoding reads clearly less messy (as GBK or Shift-JIS text does).
    """
    sample = data[:_DETECT_BYTES]
    if first_bad >= _DETECT_BYTES:
        sample += (
            b"\n" + data[max(first_bad - _DETECT_BYTES // 2, _DETECT_BYTES) : first_bad + _DETECT_BYTES // 2]
        )
    if len(sample.translate(None, bytes(range(0x80)))) < _MIN_EVIDENCE:
        return _WESTERN  # too few bytes to tell code pages apart: the Western default
    western = from_bytes(sample, cp_isolation=[_WESTERN]).best()
    best = from_bytes(sample).best()
    if western is not None and (best is None or western.chaos <= best.chaos + _WESTERN_MARGIN):
        return western.encoding
    return best.encoding if best is not None else None


def sniff_delimiter(text: str) -> str:
    """The delimiter among ``,;\\t|``: csv.Sniffer, checked against the header line."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample.rsplit("\n", 1)[0]
    header = sample.split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and (counts[sniffed] > 0 or not any(counts.values())):
        return sniffed
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


# --- CSV -------------------------------------------------------------------------------


def _read_csv(text: str, sep: str, path: Path) -> ReadResult:
    if not text.strip():
        raise InputError(f"{path} is empty: expected a header line")
    frame = _fast_csv(text, sep)
    malformed: list[MalformedLine] = []
    if frame is None:
        frame, malformed = _slow_csv(text, sep, path)
    return ReadResult(_blank_to_null(frame), malformed, delimiter=sep)


def _fast_csv(text: str, sep: str) -> pl.DataFrame | None:
    """Polars parse, accepted only if every record provably has the header's field count.

    Polars silently pads short rows with nulls and turns blank lines into null rows, so a
    successful parse alone does not prove the file was clean.
    """
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), separator=sep, infer_schema=False)
    except (pl.exceptions.PolarsError, ValueError):
        return None
    starts = _record_starts(text, sep, frame.width)
    if starts is None or len(starts) != frame.height:
        return None
    return frame.with_columns(pl.Series(SOURCE_LINE, starts, dtype=pl.Int64))


def _record_starts(text: str, sep: str, width: int) -> list[int] | None:
    """1-based start lines of the data records, or None if any record is blank or ragged."""
    lines = pl.Series("line", _physical_lines(text), dtype=pl.Utf8)
    quotes = lines.str.count_matches('"', literal=True)
    starts = ((quotes.cum_sum() - quotes) % 2) == 0  # not inside a quoted field
    if (starts & (lines.str.strip_chars("\r") == "")).any():
        return None
    records = (
        pl.DataFrame({"start": starts, "quotes": quotes, "seps": lines.str.count_matches(sep, literal=True)})
        .with_row_index("n")
        .with_columns(record=pl.col("start").cast(pl.Int64).cum_sum() - 1)  # 0 = header
        .filter(pl.col("record") > 0)
        .group_by("record", maintain_order=True)
        .agg(
            pl.col("n").first(), pl.col("n").alias("members"), pl.col("quotes").sum(), pl.col("seps").first()
        )
    )
    if (records.filter(pl.col("quotes") == 0)["seps"] != width - 1).any():
        return None  # a record without quotes is one line: its separators are its fields
    quoted = records.filter(pl.col("quotes") > 0)
    if quoted.height:
        chunk = "\n".join(lines.gather(quoted["members"].explode()).to_list())
        rows = list(csv.reader(io.StringIO(chunk, newline="\n"), delimiter=sep))
        if len(rows) != quoted.height or any(len(r) != width for r in rows):
            return None
    return (records["n"] + 1).to_list()


def _physical_lines(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _slow_csv(text: str, sep: str, path: Path) -> tuple[pl.DataFrame, list[MalformedLine]]:
    """Python's csv module, line by line: keeps good records, reports the rest with their text."""
    physical = [line.rstrip("\r") for line in _physical_lines(text)]
    reader = csv.reader(io.StringIO(text, newline="\n"), delimiter=sep)
    header: list[str] | None = None
    good: list[list[str]] = []
    good_lines: list[int] = []
    malformed: list[MalformedLine] = []
    previous = 0
    for row in reader:
        start, end = previous + 1, reader.line_num
        previous = end
        if not row:
            continue
        if header is None:
            header = row
            continue
        if len(row) == len(header):
            good.append(row)
            good_lines.append(start)
        elif end == start:
            malformed.append(MalformedLine(start, physical[start - 1], _field_reason(len(header), len(row))))
        else:  # a stray quote swallowed several lines: judge each line on its own
            for number in range(start, end + 1):
                raw = physical[number - 1]
                alone = next(csv.reader([raw], delimiter=sep))
                if len(alone) == len(header):
                    good.append(alone)
                    good_lines.append(number)
                elif raw:
                    reason = _field_reason(len(header), len(alone)) + " (unbalanced quote)"
                    malformed.append(MalformedLine(number, raw, reason))
    if header is None:
        raise InputError(f"{path} has no header line")
    schema = {name: pl.Utf8 for name in _dedupe(header)}
    frame = pl.DataFrame(good, schema=schema, orient="row")
    return frame.with_columns(pl.Series(SOURCE_LINE, good_lines, dtype=pl.Int64)), malformed


def _field_reason(expected: int, found: int) -> str:
    return f"expected {expected} fields, found {found}"


def _dedupe(names: list[str]) -> list[str]:
    """Polars' naming of repeated header names, so both parse paths agree."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            out.append(f"{name}_duplicated_{seen[name]}")
            seen[name] += 1
        else:
            out.append(name)
            seen[name] = 0
    return out


def _blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV cannot tell empty from missing; polars makes ``,,`` null and ``""`` empty: unify."""
    return frame.with_columns(pl.col(pl.Utf8).replace("", None))


# --- Parquet and JSON Lines -------------------------------------------------------------


def _read_parquet(path: Path) -> pl.DataFrame:
    """Native types; ``_line`` is the 1-based row number (Parquet has no lines)."""
    data = _read_bytes(path)
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise InputError(f"cannot read Parquet file {path}: {exc}") from exc
    return frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(SOURCE_LINE))


def _read_jsonl(text: str, path: Path) -> ReadResult:
    if text.lstrip().startswith("["):
        return _read_json_array(text, path)
    lines = pl.Series("line", _physical_lines(text), dtype=pl.Utf8)
    numbers = ((lines.str.strip_chars() != "").arg_true() + 1).cast(pl.Int64)
    try:
        frame = pl.read_ndjson(io.BytesIO(text.encode("utf-8")))
    except (pl.exceptions.PolarsError, ValueError):
        frame = None
    if frame is not None and frame.height == numbers.len():
        return ReadResult(frame.with_columns(numbers.alias(SOURCE_LINE)))
    good: list[str] = []
    good_lines: list[int] = []
    malformed: list[MalformedLine] = []
    for number in numbers.to_list():
        raw = lines[number - 1]
        reason = _json_problem(raw)
        if reason is None:
            good.append(raw)
            good_lines.append(number)
        else:
            malformed.append(MalformedLine(number, raw.rstrip("\r"), reason))
    frame = pl.read_ndjson(io.BytesIO("\n".join(good).encode("utf-8"))) if good else pl.DataFrame()
    return ReadResult(frame.with_columns(pl.Series(SOURCE_LINE, good_lines, dtype=pl.Int64)), malformed)


def _json_problem(raw: str) -> str | None:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    return None if isinstance(value, dict) else f"expected a JSON object, found {type(value).__name__}"


def _read_json_array(text: str, path: Path) -> ReadResult:
    """A ``.json`` holding one array of objects: no line numbers, a broken file is one error."""
    try:
        records = json.loads(text)
        frame = pl.from_dicts(records, infer_schema_length=None)
    except (json.JSONDecodeError, TypeError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{path} is neither JSON Lines nor a JSON array of objects: {exc}") from exc
    return ReadResult(frame)


# --- mappings ---------------------------------------------------------------------------


def load_mapping(path: Path) -> Mapping:
    """Parse a mapping TOML, rejecting names the canonical table does not have."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"mapping file not found: {path}")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"mapping {path} is not valid TOML: {exc}") from exc
    table = doc.get("table")
    if table not in TABLES:
        raise InputError(f"mapping {path}: 'table' must be one of {', '.join(TABLES)}, got {table!r}")
    columns = doc.get("columns", {})
    constants = doc.get("constants", {})
    if not isinstance(columns, dict) or not isinstance(constants, dict):
        raise InputError(f"mapping {path}: [columns] and [constants] must be tables")
    known = SCHEMAS[table].columns
    for source, target in columns.items():
        if target not in known:
            raise InputError(
                f"mapping {path}: [columns] {source} = {target!r}: {target!r} is not a column of "
                f"{table} (known: {', '.join(known)})"
            )
    for name in constants:
        if name not in known:
            raise InputError(
                f"mapping {path}: [constants] {name!r} is not a column of {table} (known: {', '.join(known)})"
            )
    both = sorted(set(columns.values()) & set(constants))
    if both:
        raise InputError(
            f"mapping {path}: {', '.join(map(repr, both))} both mapped from a column and set constant"
        )
    return Mapping(table=table, columns=dict(columns), constants=dict(constants), path=path)


def apply_mapping(frame: pl.DataFrame, mapping: dict[str, str], path: Path) -> pl.DataFrame:
    """Rename source columns to canonical names; a missing or clashing column is an error."""
    missing = [c for c in mapping if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: mapped column(s) {', '.join(map(repr, missing))} not in the file "
            f"(columns: {', '.join(c for c in frame.columns if c != SOURCE_LINE)})"
        )
    kept = [c for c in frame.columns if c not in mapping]
    clash = sorted(set(kept) & set(mapping.values()))
    if clash:
        raise InputError(f"{path}: mapping targets {', '.join(map(repr, clash))} already exist as columns")
    return frame.rename(mapping)
