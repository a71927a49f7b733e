"""Helpers the dataset adapters share: locating files, stable ids, per-key summaries."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from hashlib import blake2b
from pathlib import Path

import polars as pl

from shopmind.data.model import ATTRIBUTES, SOURCE_LINE, UTC_DATETIME
from shopmind.data.readers import InputError, ReadResult

#: Origin of synthetic timestamps for datasets that only give an order (or nothing).
SYNTHETIC_EPOCH = datetime(2000, 1, 1)


#: a date (and time) stamped on an export's name: 2026-12-06, 20261206, 2026_12_06T0800, 2026-12-06 08-00-00Z
_STAMP = r"\d{4}[-_.]?\d{2}[-_.]?\d{2}(?:[-_T ]?\d{2}[-:_]?\d{2}(?:[-:_]?\d{2})?Z?)?"
_STAMPED = re.compile(rf"^(?:{_STAMP}[-_ .]+)?(.+?)(?:[-_ .]+{_STAMP})?$")


def feed_name(stem: str) -> str:
    """The feed an export belongs to: its name without a date stamp (``orders_2026-12-06`` ->
    ``orders``). Runs are compared (volume, drift) with the previous run of the same source; a
    daily export named by its date was a new source every day, so those checks never ran."""
    found = _STAMPED.match(stem)
    return found.group(1) if found else stem


def resolve_files(path: Path, pattern: str, what: str) -> list[Path]:
    """The file itself, or the files matching ``pattern`` in a folder (sorted for stable order)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.glob(pattern) if p.is_file())
        if files:
            return files
        raise InputError(f"no {what} ({pattern}) in folder {path}")
    raise InputError(f"{what} not found: {path}")


def resolve_one(path: Path, pattern: str, what: str) -> Path:
    """Like :func:`resolve_files` for formats that are one file: a folder must hold exactly one."""
    files = resolve_files(path, pattern, what)
    if len(files) > 1:
        names = ", ".join(p.name for p in files)
        raise InputError(f"folder {path} holds several {what} files ({names}); pass one of them")
    return files[0]


def require_columns(frame: pl.DataFrame, columns: Iterable[str], path: Path) -> None:
    """A file of the wrong format fails here with its columns named, not deep in an expression."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = ", ".join(c for c in frame.columns if c != SOURCE_LINE)
        seen = f"found: {found}" if found else "no column could be read from it: is it in this format?"
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} ({seen})")


def content_id(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """16-hex blake2b of the listed cells: identical source records get identical ids.

    Stable across runs and library versions (unlike ``pl.hash``), so a re-ingest of the same
    line maps to the same id and exact duplicates stay detectable by id.
    """
    joined = frame.select(
        pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("\x00") for c in columns], separator="\x1f")
    ).to_series()
    digests = [blake2b(v.encode("utf-8"), digest_size=8).hexdigest() for v in joined.to_list()]
    return pl.Series(digests, dtype=pl.Utf8)


def most_frequent(frame: pl.DataFrame, key: str, value: str) -> pl.DataFrame:
    """Per ``key``, the commonest non-null ``value``; ties go to the value seen first in the file."""
    return (
        frame.filter(pl.col(key).is_not_null() & pl.col(value).is_not_null())
        .group_by(key, value)
        .agg(pl.len().alias("_n"), pl.col(SOURCE_LINE).min().alias("_first"))
        .sort([key, "_n", "_first"], descending=[False, True, False])
        .group_by(key, maintain_order=True)
        .first()
        .select(key, value)
    )


def first_occurrence(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Distinct non-null keys in file order, each with the line where it first appears."""
    return (
        frame.filter(pl.col(key).is_not_null())
        .group_by(key, maintain_order=True)
        .agg(pl.col(SOURCE_LINE).min())
        .sort(SOURCE_LINE, nulls_last=True)
    )


def integral(expr: pl.Expr) -> pl.Expr:
    """``"17850.0"`` -> ``"17850"``: exports written through floats; other text is left as is."""
    return expr.str.strip_chars().str.replace(r"^(-?\d+)\.0*$", "${1}")


def numeric_if_clean(series: pl.Series) -> pl.Series:
    """Float64 when every value converts, else the raw strings so the gate reports the bad cells."""
    converted = series.cast(pl.Float64, strict=False)
    return converted if converted.null_count() == series.null_count() else series


def synthetic_time(seconds: pl.Expr) -> pl.Expr:
    """Timestamps that only encode an order: the epoch above plus ``seconds``."""
    return (
        (pl.lit(SYNTHETIC_EPOCH) + pl.duration(seconds=seconds))
        .dt.replace_time_zone("UTC")
        .cast(UTC_DATETIME)
    )


def attribute_lists(keys: list[str], pairs: list[list[tuple[str, str]]]) -> pl.DataFrame:
    """``product_id`` plus the canonical attributes list built from (key, value) pairs."""
    values = [[{"key": k, "value": v} for k, v in row] for row in pairs]
    return pl.DataFrame(
        {"product_id": keys, "attributes": values}, schema={"product_id": pl.Utf8, "attributes": ATTRIBUTES}
    )


def malformed_meta(table: str, *results: ReadResult) -> list[dict[str, object]]:
    """Unparsed lines in the form the gate quarantines as ``MALFORMED_LINE``."""
    return [m.as_dict(table) for r in results for m in r.malformed]


def encodings_meta(files: Iterable[Path], results: Iterable[ReadResult]) -> dict[str, str]:
    """file -> the encoding it was read in, for the files that are not UTF-8 (cp1252, gb18030, a mixed
    file's "mixed (...)"): decided per file and said with the files read (``evaluate search``)."""
    plain = (None, "utf-8", "utf-8-sig", "ascii")
    return {str(f): r.encoding for f, r in zip(files, results, strict=True) if r.encoding not in plain}


def redecoded_meta(table: str, *results: ReadResult) -> list[dict[str, object]]:
    """Lines read with another codec than their file's, for the gate's ``TEXT_ENCODING`` audit."""
    return [
        {"table": table, "line": r.line, "encoding": r.encoding, "old": r.old, "new": r.new}
        for result in results
        for r in result.redecoded
    ]


def slug(expr: pl.Expr) -> pl.Expr:
    """A stable item id from a name: lower case, runs of non-word characters become ``-``."""
    return expr.str.strip_chars().str.to_lowercase().str.replace_all(r"[^\w]+", "-").str.strip_chars("-")
