"""Read a shop's export (CSV/TSV, Parquet, JSON Lines, a workbook) into a frame without losing a line.

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
import re
from pathlib import Path
from typing import Literal

import polars as pl

from shopmind.data.encoding import DecodeError, Redecoded, decode_text
from shopmind.data.excel import EXCEL_SUFFIXES, read_workbook
from shopmind.data.headerless import column_names, first_line_is_data
from shopmind.data.jsonl import read_jsonl
from shopmind.data.limits import KEPT_CHARS, MAX_LINE_CHARS, blank_long_lines
from shopmind.data.mapping_file import Mapping, apply_mapping, load_mapping
from shopmind.data.model import SOURCE_LINE
from shopmind.data.raw_bytes import (
    cut_reason,
    mac_line_ends,
    magic,
    no_line_end,
    read_bytes,
    read_bytes_cut,
    require_line_end,
)
from shopmind.data.recbole import atomic_kind, strip_types
from shopmind.data.records import (
    POLARS_FAILURES,
    InputError,
    MalformedLine,
    ReadResult,
    not_a_file,
    physical_lines,
)

__all__ = [
    "InputError",
    "MalformedLine",
    "Mapping",
    "ReadResult",
    "decode",
    "load_mapping",
    "read_head",
    "read_table",
]

Format = Literal["csv", "parquet", "jsonl", "excel"]

DELIMITERS = ",;\t|"
_SNIFF_CHARS = 64 * 1024
_CR_MASK = "\ufdd0"  # a Unicode noncharacter: never text, stands in for a bare CR while splitting
# the csv module's per-field limit (128 KiB by default) would split the one-line limit in two
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_CHARS))


def read_table(
    path: Path,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    *,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> ReadResult:
    """Read one file; ``fmt`` overrides the extension, ``delimiter`` the sniffed one, ``sheet`` names a
    workbook's sheet (default: its first sheet holding a cell)."""
    path = Path(path)
    kind = _format(path, fmt)
    if kind == "parquet":
        result = ReadResult(_read_parquet(path))
    elif kind == "excel":
        frame, note = read_workbook(path, read_bytes(path), sheet)
        result = ReadResult(frame, note=note)
    else:
        if kind == "csv":
            require_line_end(path)
        text, encoding, redecoded, unread = _text_of(path)
        cut = [m for m in unread if m.cut_off]
        if cut and kind == "jsonl" and text.lstrip().startswith("["):  # one value: no line stands alone
            raise InputError(f"{path}: a JSON array is no use without its end: {cut[0].reason}")
        if kind == "jsonl":
            result = read_jsonl(text, path)
        else:
            _require_header(text, unread, path)
            sep = delimiter or ("\t" if _is_tsv(path, fmt) else sniff_delimiter(text))
            result = _read_csv(text, sep, path)
        result.malformed = sorted([*result.malformed, *unread], key=lambda m: m.line)
        result.encoding = encoding
        result.redecoded = redecoded
    if kind == "csv" and atomic_kind(path):  # RecBole: `rating:float` is the column `rating`
        result.frame = strip_types(result.frame, path)
    if mapping:
        result.frame = apply_mapping(result.frame, mapping, path)
    return result


#: How much of a text export ``read_head`` reads: enough for a header and a sample of rows.
HEAD_BYTES = 1 << 20


def read_head(path: Path, max_bytes: int = HEAD_BYTES) -> ReadResult:
    """The first rows of a file, read the way ``read_table`` reads all of it: for what needs only the
    columns (``shopmind mapping``), so a 2 GB export is not decoded whole to learn its header.

    Text is cut at the last line end inside ``max_bytes`` (a line end cannot fall inside a character
    in UTF-8 or the legacy codecs); UTF-16/32 text (NUL bytes) and JSON arrays are read whole,
    since a cut there is not a line boundary. Parquet gives its schema with no rows.
    """
    path = Path(path)
    if path.is_dir():  # named a folder, not told its extension '(none)' says nothing of its format
        raise not_a_file(path)
    kind = _format(path, None)
    if kind == "parquet" and magic(path) == b"PAR1":
        try:
            return ReadResult(pl.DataFrame(schema=pl.read_parquet_schema(path)))
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            raise InputError(f"cannot read Parquet file {path}: {exc}") from exc
    if kind not in ("csv", "jsonl"):
        return read_table(path)
    if not path.is_file():
        raise not_a_file(path)
    try:
        if magic(path)[:2] == b"\x1f\x8b":
            with gzip.open(path) as stream:
                chunk = stream.read(max_bytes + 1)
        else:
            with path.open("rb") as raw:
                chunk = raw.read(max_bytes + 1)
    except EOFError:  # a gzip file cut off within the head: its whole lines still name the columns
        chunk = read_bytes_cut(path)[0][: max_bytes + 1]
        if len(chunk) <= max_bytes:  # what decompressed ends mid-line: cut at the last whole one
            chunk = chunk[: chunk.rfind(b"\n") + 1]
    except (OSError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    whole = len(chunk) <= max_bytes
    chunk = mac_line_ends(chunk)
    if not whole and kind == "csv" and b"\n" not in chunk:  # reading on would load it whole to refuse it
        raise InputError(no_line_end(path, max_bytes))
    if not whole:
        chunk = chunk[: chunk.rfind(b"\n") + 1]
    if not whole and (b"\x00" in chunk or not chunk or chunk.lstrip().startswith(b"[")):
        return read_table(path)
    text, _ = decode(chunk, path)
    if kind == "jsonl":
        return read_jsonl(text, path)
    result = _read_csv(text, "\t" if _is_tsv(path, None) else sniff_delimiter(text), path)
    if atomic_kind(path):
        result.frame = strip_types(result.frame, path)
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
            "excel": "excel",
            "xlsx": "excel",
            "xls": "excel",
            "ods": "excel",
        }
        if fmt.lower() not in aliases:
            raise InputError(f"unknown format {fmt!r} for {path}; use one of csv, tsv, parquet, jsonl, excel")
        return aliases[fmt.lower()]
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if ".parquet" in suffixes or (suffixes and suffixes[-1] == ".pq"):
        return "parquet"
    last = suffixes[-1] if suffixes else ""
    if last in (".csv", ".tsv", ".txt", ".tab") or atomic_kind(path):  # RecBole's files are TSV
        return "csv"
    if last in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if last in EXCEL_SUFFIXES:
        return "excel"
    raise InputError(
        f"cannot tell the format of {path} from its extension {last or '(none)'!r}; expected .csv, .tsv, "
        ".txt, .parquet, .jsonl or .json (optionally .gz), a workbook (.xlsx, .xls, .ods) or a RecBole atomic "
        "file (.inter, .item)"
    )


def _is_tsv(path: Path, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt.lower() == "tsv"
    return any(s.lower() in (".tsv", ".tab") for s in path.suffixes) or atomic_kind(path) is not None


def decode(data: bytes, path: Path | None = None) -> tuple[str, str]:
    """Text and the encoding used (see :mod:`shopmind.data.encoding`); not text is an InputError."""
    try:
        decoded = decode_text(data, path)
    except DecodeError as exc:
        raise InputError(str(exc)) from None
    return decoded.text, decoded.encoding


def _text_of(path: Path) -> tuple[str, str, list[Redecoded], list[MalformedLine]]:
    """Decoded text with unreadable lines blanked, and those lines as malformed records.

    Lines no codec reads cleanly and lines over :data:`MAX_LINE_CHARS` are kept out of the
    parsers (blank lines are skipped by them) but not out of the account. A gzip file cut off
    (a download that stopped) is read up to its last whole line; the line it stops in is a
    malformed record marked ``cut_off`` (its text so far, where the cut is), so the gate quarantines
    it and holds the batch: the lines after the cut are missing.
    """
    data, cut = read_bytes_cut(path)
    data = mac_line_ends(data)
    tail = b""
    if cut is not None:
        end = data.rfind(b"\n") + 1
        data, tail = data[:end], data[end:]
        if not data.strip():
            raise InputError(
                f"{cut_reason(path, cut, len(data) + len(tail))}: not even its first line is whole"
            )
    try:
        decoded = decode_text(data, path)
    except DecodeError as exc:
        raise InputError(str(exc)) from None
    text, long_lines = blank_long_lines(decoded.text)
    unread = [MalformedLine(u.line, u.raw, u.reason) for u in decoded.undecodable]
    unread += [MalformedLine(x.line, x.head, x.reason) for x in long_lines]
    if cut is not None:
        line = len(physical_lines(text)) + 1
        try:
            raw = tail.decode(decoded.encoding, errors="replace")
        except LookupError:
            raw = tail.decode("utf-8", errors="replace")
        whole = (
            f"line {line} is incomplete and any lines after it are missing"
            if tail
            else (f"any lines after line {line - 1} are missing")
        )
        reason = f"{cut_reason(path, cut, len(data) + len(tail))}: {whole} (fetch the file again)"
        unread.append(MalformedLine(line, raw.rstrip("\r")[:KEPT_CHARS], reason, cut_off=True))
    return text, decoded.encoding, decoded.redecoded, unread


def _require_header(text: str, unread: list[MalformedLine], path: Path) -> None:
    """A CSV's first line must be its header: if that line could not be read, nothing can."""
    if not unread:
        return
    content = re.search(r"\S", text)
    first = text.count("\n", 0, content.start()) + 1 if content else None
    header = min(unread, key=lambda m: m.line)
    if first is None or header.line < first:
        raise InputError(
            f"{path}: line {header.line} should be the header but cannot be read: {header.reason}"
        )


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
    frame, malformed = _parse_csv(text, sep, path)
    values = first_line_is_data(text, sep, frame)
    if values is None:
        return ReadResult(_blank_to_null(frame), malformed, delimiter=sep)
    # no header line: read again under made names, line 1 a row (the made line shifts the numbers)
    names = column_names(len(values))
    frame, malformed = _parse_csv(sep.join(names) + "\n" + text.lstrip("\r\n"), sep, path)
    shift = 1 - text[: len(text) - len(text.lstrip("\r\n"))].count("\n")  # blank lines before line 1
    frame = frame.with_columns(pl.col(SOURCE_LINE) - shift)
    malformed = [MalformedLine(m.line - shift, m.raw, m.reason, m.cut_off) for m in malformed]
    shown = ", ".join(v[:20] for v in values[:4]) + (", ..." if len(values) > 4 else "")
    note = (
        f"no header line: line {1 - shift + 1} holds values ({shown}) of the kind the lines below hold, so it is read as a "
        f"row and the columns are named {names[0]} ... {names[-1]} (map those names)"
    )
    return ReadResult(_blank_to_null(frame), malformed, delimiter=sep, note=note)


def _parse_csv(text: str, sep: str, path: Path) -> tuple[pl.DataFrame, list[MalformedLine]]:
    frame = _fast_csv(text, sep)
    malformed: list[MalformedLine] = []
    if frame is None:
        frame, malformed = _slow_csv(text, sep, path)
    frame, repeats = _repeated_headers(frame, sep)
    return frame, sorted([*malformed, *repeats], key=lambda m: m.line)


def _repeated_headers(frame: pl.DataFrame, sep: str) -> tuple[pl.DataFrame, list[MalformedLine]]:
    """Records that repeat the header field for field (two exports pasted into one file) are no rows:
    each is taken out as a malformed line saying so. It was quarantined as a TYPE_ERROR on its date,
    quantity and price, which sent the user looking for a bad value in a row that has none."""
    names = [c for c in frame.columns if c != SOURCE_LINE]
    if not names or frame.is_empty():
        return frame, []
    is_header = pl.all_horizontal([pl.col(c).str.strip_chars() == c.strip() for c in names]).fill_null(False)
    hits = frame.filter(is_header)
    if hits.is_empty():
        return frame, []
    raw = sep.join(names)
    reason = "repeats the header line 1 (two exports joined into one file?): not a row"
    return frame.filter(~is_header), [MalformedLine(int(n), raw, reason) for n in hits[SOURCE_LINE]]


def _fast_csv(text: str, sep: str) -> pl.DataFrame | None:
    """Polars parse, accepted only if every record provably has the header's field count.

    Polars silently pads short rows with nulls and turns blank lines into null rows, so a
    successful parse alone does not prove the file was clean.
    """
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), separator=sep, infer_schema=False)
    except POLARS_FAILURES:
        return None
    starts = _record_starts(text, sep, frame.width)
    if starts is None or len(starts) != frame.height:
        return None
    return frame.with_columns(pl.Series(SOURCE_LINE, starts, dtype=pl.Int64))


def _record_starts(text: str, sep: str, width: int) -> list[int] | None:
    """1-based start lines of the data records, or None if any record is blank or ragged."""
    lines = pl.Series("line", physical_lines(text), dtype=pl.Utf8)
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
    if (records["quotes"] % 2 == 1).any():
        return None  # a stray quote swallowed the lines after it (escaped quotes come in pairs)
    quoted = records.filter(pl.col("quotes") > 0)
    if quoted.height:
        chunk = "\n".join(lines.gather(quoted["members"].explode()).to_list())
        rows = list(csv.reader(io.StringIO(chunk, newline="\n"), delimiter=sep))
        if len(rows) != quoted.height or any(len(r) != width for r in rows):
            return None
    return (records["n"] + 1).to_list()


def _slow_csv(text: str, sep: str, path: Path) -> tuple[pl.DataFrame, list[MalformedLine]]:
    """Python's csv module, line by line: keeps good records, reports the rest with their text."""
    physical = [line.rstrip("\r") for line in physical_lines(text)]
    reader = csv.reader(io.StringIO(text, newline="\n"), delimiter=sep)
    header: list[str] | None = None
    good: list[list[str]] = []
    good_lines: list[int] = []
    malformed: list[MalformedLine] = []
    previous = 0
    while True:
        try:
            row, error = next(reader), None
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a bare CR inside an unquoted field: that record only
            row, error = [], str(exc)
        start, end = previous + 1, reader.line_num
        previous = end
        if error is not None and header is None:
            raise InputError(f"{path}: line {start}: cannot read the header: {error}")
        if error is None and not row:
            continue
        if header is None:
            header = row
            continue
        # an odd number of quote characters means a stray quote swallowed the lines after it
        # (escaped quotes come in pairs), even when the swallowed text happens to fit the header
        balanced = error is None and sum(line.count('"') for line in physical[start - 1 : end]) % 2 == 0
        if balanced and len(row) == len(header):
            good.append(row)
            good_lines.append(start)
        elif balanced and end == start:
            malformed.append(MalformedLine(start, physical[start - 1], _field_reason(len(header), len(row))))
        else:  # a stray quote swallowed several lines, or the record failed: judge each line alone
            for number in range(start, min(end, len(physical)) + 1):
                raw = physical[number - 1]
                alone, problem = _one_line(raw, sep)
                if alone is not None and len(alone) == len(header) and raw.count('"') % 2 == 0:
                    good.append(alone)
                    good_lines.append(number)
                elif raw:
                    reason = problem or _field_reason(len(header), len(alone or [])) + " (unbalanced quote)"
                    malformed.append(MalformedLine(number, raw, reason))
    if header is None:
        raise InputError(f"{path} has no header line")
    schema = {name: pl.Utf8 for name in _dedupe(header)}
    frame = pl.DataFrame(good, schema=schema, orient="row")
    return frame.with_columns(pl.Series(SOURCE_LINE, good_lines, dtype=pl.Int64)), malformed


def _one_line(raw: str, sep: str) -> tuple[list[str] | None, str | None]:
    """One physical line parsed on its own: its fields, or None and the csv module's complaint.

    A bare CR inside a field is data to Polars but a line break to the csv module, which then
    refuses the line; it is parsed with the CR masked, so both parse paths agree.
    """
    masked = raw.replace("\r", _CR_MASK) if "\r" in raw and _CR_MASK not in raw else raw
    try:
        fields = next(csv.reader([masked], delimiter=sep), [])
    except csv.Error as exc:
        return None, f"cannot split the line: {exc}"
    return ([f.replace(_CR_MASK, "\r") for f in fields] if masked is not raw else fields), None


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


# --- Parquet -------------------------------------------------------------


def _read_parquet(path: Path) -> pl.DataFrame:
    """Native types; ``_line`` is the 1-based row number (Parquet has no lines)."""
    data = read_bytes(path)
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise InputError(f"cannot read Parquet file {path}: {exc}") from exc
    return frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(SOURCE_LINE))
