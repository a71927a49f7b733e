"""Files already in the canonical model: ``products.*``, ``events.*``, ``judgments.*``.

This is what ``shopmind demo-data`` writes and what a shop can export directly. Columns the
model does not know are dropped and listed in ``meta["ignored_columns"]`` rather than passed
on silently, so a misspelt column shows up in the report.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import feed_name, redecoded_meta
from shopmind.data.excel import EXCEL_SUFFIXES
from shopmind.data.formats import resolve_slash_dates
from shopmind.data.model import SCHEMAS, SOURCE_LINE, TABLES, Batch, TableName
from shopmind.data.readers import InputError, ReadResult, read_table
from shopmind.data.records import repeat_of

NAME = "canonical"
EXTENSIONS = (".parquet", ".csv", ".tsv", ".jsonl", ".json", ".ndjson", *EXCEL_SUFFIXES)


def load(path: Path) -> Batch:
    path = Path(path)
    files = _table_files(path)
    results = {table: read_table(file) for table, file in files.items()}
    renamed: dict[str, dict[str, str]] = {}
    for table, result in results.items():
        result.frame, renamed[table] = canonical_names(result.frame, table, files[table])
    batch = Batch(source=_source_name(path), meta=_meta(files, results))
    if any(renamed.values()):  # said in the report, as ignored columns are
        batch.meta["renamed_columns"] = {t: r for t, r in renamed.items() if r}
    for table, result in results.items():
        require_known_columns(result.frame, table, files[table])
        formats = resolve_slash_dates(result.frame, table, None, files[table])  # refuses an unclear order
        if formats:
            batch.meta.setdefault("formats", {})[table] = formats.as_meta()  # type: ignore[index]
        setattr(batch, table, keep_canonical(result.frame, table))
    return batch


def table_of(file: Path) -> TableName | None:
    """The table a file feeds, from its name before the first dot (``events.csv.gz``)."""
    stem = file.name.split(".", 1)[0].lower()
    return stem if stem in TABLES else None  # type: ignore[return-value]


#: How both CSV parse paths name a repeated header: shown as the header the file has.
_DUPLICATED = re.compile(r"^(.+)_duplicated_\d+$")


def canonical_names(frame: pl.DataFrame, table: TableName, path: Path) -> tuple[pl.DataFrame, dict[str, str]]:
    """The frame with header names that differ from a canonical column only in case or surrounding
    white space renamed to it (``Product_ID``, `` title``), and what was renamed.

    Such a header matched no column, so every row of an export named that way was quarantined as
    missing its id or title (and a small batch "published" with nothing accepted). A canonical
    column given twice (``title,title`` or ``title,Title``, or ``title,title_1`` / ``title.1`` as a
    workbook or pandas names the second copy) is an ``InputError`` naming it: which of the two is
    meant cannot be guessed, and the first was taken without a word.
    """
    known = SCHEMAS[table].columns
    targets: dict[str, list[str]] = {}
    for name in frame.columns:
        if name == SOURCE_LINE:
            continue
        base = repeat_of(name, frame.columns) or name  # price_duplicated_0, price_1, price.1
        target = base.strip().lower()
        if target in known:
            targets.setdefault(target, []).append(name)
    for target, names in targets.items():
        if len(names) > 1:
            shown = ", ".join(repr(_DUPLICATED.sub(r"\1", n)) for n in names)
            raise InputError(
                f"{path}: column {target!r} is given {len(names)} times in the header ({shown}); "
                "keep one (which one is meant cannot be told)"
            )
    renames = {names[0]: target for target, names in targets.items() if names[0] != target}
    return (frame.rename(renames) if renames else frame), renames


def keep_canonical(frame: pl.DataFrame, table: TableName) -> pl.DataFrame:
    """The frame's canonical columns (and ``_line``), in the model's order."""
    known = [c for c in (*SCHEMAS[table].columns, SOURCE_LINE) if c in frame.columns]
    return frame.select(known)


def require_known_columns(frame: pl.DataFrame, table: TableName, path: Path) -> None:
    """A file with none of the table's columns is the wrong file (or header), not bad rows.

    Without this the gate would judge rows that have no field it knows, and every row would
    fail for the same reason; one message naming the file and both column lists says it all.
    """
    if frame.width > 1 and not any(c in SCHEMAS[table].columns for c in frame.columns):
        found = ", ".join(c for c in frame.columns if c != SOURCE_LINE)
        raise InputError(
            f"{path}: none of its columns ({found}) is a column of {table} "
            f"(expected: {', '.join(SCHEMAS[table].columns)})"
        )


def ignored_columns(frame: pl.DataFrame, table: TableName) -> list[str]:
    return [c for c in frame.columns if c not in SCHEMAS[table].columns and c != SOURCE_LINE]


def _table_files(path: Path) -> dict[TableName, Path]:
    if path.is_file():
        table = table_of(path)
        if table is None:
            raise InputError(f"{path}: a canonical file must be named {', '.join(TABLES)} (e.g. events.csv)")
        return {table: path}
    if not path.is_dir():
        raise InputError(f"canonical data not found: {path}")
    found: dict[TableName, list[Path]] = {}
    for file in sorted(path.iterdir()):
        table = table_of(file)
        if table is not None and file.is_dir() and any(f.is_file() for f in file.iterdir()):
            # never skipped silently: a folder of part files is a table the user meant to load
            raise InputError(
                f"{file}: {table} is a folder of part files; the single-node reader takes one file per "
                f"table; --engine spark reads folders of Parquet parts (when every table of the folder is "
                f"Parquet), or concatenate the parts into one {file.name.split('.', 1)[0]}.parquet"
            )
        if table is not None and file.is_file() and _readable(file):
            found.setdefault(table, []).append(file)
    if not found:
        raise InputError(
            f"no canonical table file in {path}: expected {', '.join(TABLES)} with one of {EXTENSIONS}"
        )
    for table, candidates in found.items():
        if len(candidates) > 1:
            raise InputError(f"{path}: several files for {table}: {', '.join(c.name for c in candidates)}")
    return {t: found[t][0] for t in TABLES if t in found}


def _readable(file: Path) -> bool:
    name = file.name.lower().removesuffix(".gz")
    return any(name.endswith(ext) or f"{ext}." in name for ext in EXTENSIONS)


def _source_name(path: Path) -> str:
    return feed_name((path if path.is_dir() else path.parent).resolve().name) or NAME


def _meta(files: dict[TableName, Path], results: dict[TableName, ReadResult]) -> dict[str, object]:
    return {
        "files": [str(f) for f in files.values()],
        "malformed": [m.as_dict(t) for t, r in results.items() for m in r.malformed],
        "redecoded": [line for t, r in results.items() for line in redecoded_meta(t, r)],
        "ignored_columns": {t: cols for t, r in results.items() if (cols := ignored_columns(r.frame, t))},
        **({"read_as": notes} if (notes := {t: r.note for t, r in results.items() if r.note}) else {}),
    }
