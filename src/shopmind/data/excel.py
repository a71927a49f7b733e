"""Excel and OpenDocument workbooks (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``) as exports.

A shop's catalog often lives in a spreadsheet, and a Chinese back office exports ``.xlsx``;
asking the shop to save it as CSV first loses what the spreadsheet knew (dates as dates, no
delimiter or encoding to guess). The workbook is read by fastexcel (Rust calamine, what
Polars' own ``read_excel`` uses; no Excel or LibreOffice needed). Every cell comes back as
text, as a CSV's would, so the gate owns type coercion and reports what fails per cell; a
date cell becomes ISO text (``2026-01-02 10:30:00``), read in the batch's time zone.

Which sheet: the first one — a workbook's other sheets (notes, pivot tables, lookups) are not
records of the table; their names are returned so the run report says they were not read.
``_line`` is the row number counted from the sheet's first non-empty row (the header, line 1),
as a CSV's line; rows with every cell empty are skipped like blank lines.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.model import SOURCE_LINE
from shopmind.data.records import InputError

#: File name endings read as workbooks.
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def read_workbook(path: Path, data: bytes) -> tuple[pl.DataFrame, str]:
    """The first sheet as text columns with ``_line``, and a note on what was read."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
        if not names:
            raise InputError(f"{path}: the workbook has no sheet")
        sheet = reader.load_sheet(0, dtypes="string")
        frame = sheet.to_polars()
    except InputError:
        raise
    except (
        Exception
    ) as exc:  # fastexcel's own errors (not a workbook, encrypted, corrupt) name no class we can list
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]  # calamine appends a context trace
        raise InputError(f"cannot read the workbook {path}: {first}") from None
    if frame.width == 0:
        raise InputError(f"{path}: the first sheet {names[0]!r} is empty (the header must be its first row)")
    unnamed = [c for c in frame.columns if c.startswith("__UNNAMED__")]
    if unnamed:
        raise InputError(
            f"{path}: sheet {names[0]!r}: {len(unnamed)} column(s) have no header (the first non-empty row must "
            "name every column)"
        )
    frame = frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(SOURCE_LINE))
    cells = [c for c in frame.columns if c != SOURCE_LINE]
    frame = frame.filter(
        pl.any_horizontal(pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "") for c in cells)
    )
    note = f"workbook, sheet {names[0]!r}"
    if len(names) > 1:
        note += f" (not read: {', '.join(repr(n) for n in names[1:])})"
    return frame, note
