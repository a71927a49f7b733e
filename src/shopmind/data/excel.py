"""Excel and OpenDocument workbooks (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``) as exports.

A shop's catalog often lives in a spreadsheet, and a Chinese back office exports ``.xlsx``;
asking the shop to save it as CSV first loses what the spreadsheet knew (dates as dates, no
delimiter or encoding to guess). The workbook is read by fastexcel (Rust calamine, what
Polars' own ``read_excel`` uses; no Excel or LibreOffice needed). Every cell comes back as
text, as a CSV's would, so the gate owns type coercion and reports what fails per cell; a
date cell becomes ISO text (``2026-01-02 10:30:00``), read in the batch's time zone.

Which sheet: the first one — a workbook's other sheets (notes, pivot tables, lookups) are not
records of the table; their names are returned so the run report says they were not read.
``_line`` is the row number counted from the sheet's first non-empty row, as a CSV's line; rows
with every cell empty are skipped like blank lines. The header is the first row that looks like one
(:func:`header_row`): a title and blank rows above the table are skipped, and the note says so.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.model import SOURCE_LINE
from shopmind.data.records import InputError

#: File name endings read as workbooks.
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def read_workbook(path: Path, data: bytes, sheet: str | None = None) -> tuple[pl.DataFrame, str]:
    """A sheet as text columns with ``_line``, and a note on what was read: ``sheet`` by name, else the
    first sheet holding a cell (an empty cover sheet first refused the workbook, with no way to name
    the sheet of the table)."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
        if not names:
            raise InputError(f"{path}: the workbook has no sheet")
        if sheet is not None and sheet not in names:
            raise InputError(
                f"{path}: no sheet {sheet!r} (the mapping's sheet); its sheets: {', '.join(map(repr, names))}"
            )
        order = [sheet] if sheet is not None else names
        for name in order:
            raw = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
            if raw.width and raw.height:
                break
        names = [name, *(n for n in names if n != name)]
    except InputError:
        raise
    except (
        Exception
    ) as exc:  # fastexcel's own errors (not a workbook, encrypted, corrupt) name no class we can list
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]  # calamine appends a context trace
        raise InputError(f"cannot read the workbook {path}: {first}") from None
    if raw.width == 0 or raw.height == 0:
        which = f"sheet {names[0]!r} is" if sheet is not None else "every sheet is"
        raise InputError(f"{path}: {which} empty (a table's header must be in its first rows)")
    top = header_row(raw)
    frame = _below_header(raw, top, path, names[0])
    frame = frame.with_columns(
        pl.int_range(top + 2, top + 2 + frame.height, dtype=pl.Int64).alias(SOURCE_LINE)
    )
    cells = [c for c in frame.columns if c != SOURCE_LINE]
    frame = frame.filter(
        pl.any_horizontal(pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "") for c in cells)
    )
    note = f"workbook, sheet {names[0]!r}"
    if top:
        above = [" ".join(v.strip() for v in row if v and v.strip()) for row in raw.head(top).iter_rows()]
        shown = "; ".join(repr(t[:60]) for t in above if t)
        note += (
            f", header on row {top + 1} (rows counted from the sheet's first non-empty row; "
            f"{top} row(s) above it skipped: {shown or 'blank'})"
        )
    if len(names) > 1:
        note += f' (not read: {", ".join(repr(n) for n in names[1:])}; another: sheet = "..." in the mapping)'
    return frame, note


#: rows of a sheet searched for its header (a title, a date, notes and blanks above the table)
HEADER_SEARCH_ROWS = 30
#: rows below a candidate header whose filled columns must all be named by it
_FIT_ROWS = 200
_HEADER_CELL_CHARS = 100
_NOT_A_NAME = r"^\s*[-+]?[\d.,]+\s*$|^\d{4}-\d{2}-\d{2}"  # numbers and dates are values, not names


def header_row(raw: pl.DataFrame) -> int:
    """Index of the header in a sheet read without one: the first row whose filled cells are all short
    names (no number, no date) and name every column the rows below fill. A report exported with a
    title ("Sales export Q3" in A1, a blank row, then the table) was refused: the title row named one
    column of three. The rows skipped must look like titles (each fills at most half the header's
    columns) and a header below them needs rows under it. No such row in the first
    :data:`HEADER_SEARCH_ROWS`: 0, and the caller says which columns have no name."""
    filled = [(pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "")).alias(c) for c in raw.columns]
    mask = raw.select(filled)
    for i, row in enumerate(raw.head(HEADER_SEARCH_ROWS).iter_rows()):
        named = {c for c, v, f in zip(raw.columns, row, mask.row(i), strict=True) if f}
        if not named:
            continue
        texts = pl.Series([row[raw.columns.index(c)] for c in named], dtype=pl.Utf8)
        if bool((texts.str.len_chars() > _HEADER_CELL_CHARS).any() or texts.str.contains(_NOT_A_NAME).any()):
            continue
        below = mask.slice(i + 1, _FIT_ROWS)
        used = {c for c in below.columns if bool(below[c].any())}
        if used <= named and (i == 0 or used):
            # what is skipped must look like titles: rows filling at most half the header's columns
            # (a first row naming 2 of 3 columns is a header missing a name, not a title)
            widest = int(mask.head(i).sum_horizontal().max() or 0) if i else 0
            return i if widest <= max(1, len(named) // 2) else 0
    return 0


def _below_header(raw: pl.DataFrame, top: int, path: Path, sheet: str) -> pl.DataFrame:
    """The rows below the header, named by it (a repeated name as fastexcel names it: ``price_1``);
    a column with no name and no value is dropped, one with values but no name refused."""
    header = [v if v and v.strip() else "" for v in raw.row(top)]
    body = raw.slice(top + 1)
    unnamed = [c for c, h in zip(raw.columns, header, strict=True) if not h]
    holding = [c for c in unnamed if body[c].drop_nulls().str.strip_chars().ne("").any()]
    if holding:
        where = (
            f"the header row (row {top + 1} from the first non-empty row) must name every column"
            if top
            else f"no row among the first {HEADER_SEARCH_ROWS} names every column the rows below it fill"
        )
        raise InputError(
            f"{path}: sheet {sheet!r}: {len(holding)} column(s) have no header but hold values: {where}"
        )
    seen: dict[str, int] = {}
    names: dict[str, str] = {}
    for c, h in zip(raw.columns, header, strict=True):
        if not h:
            continue
        n = seen.get(h, 0)
        seen[h] = n + 1
        names[c] = h if n == 0 else f"{h}_{n}"
    return body.select(pl.col(c).alias(n) for c, n in names.items())
