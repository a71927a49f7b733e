"""UCI Online Retail (or Online Retail II): one CSV of invoice lines -> events (one per line) and derived products.

The export is dirty on purpose (cancellations, null customers, negative prices, duplicate
lines); the adapter keeps every line as it is and leaves judging to the gate. Event ids are
a hash of the line's content, so identical lines share an id and are caught as duplicates,
and re-ingesting the same file yields the same ids whatever the line numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from shopmind.data.adapters._common import (
    content_id,
    first_occurrence,
    integral,
    malformed_meta,
    most_frequent,
    require_columns,
    resolve_one,
)
from shopmind.data.excel import EXCEL_SUFFIXES
from shopmind.data.formats import resolve_slash_dates
from shopmind.data.model import SOURCE_LINE, Batch
from shopmind.data.readers import InputError, ReadResult, read_table

NAME = "online-retail"
COLUMNS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID")
ID_COLUMNS = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]
CURRENCY = "GBP"


def load(path: Path) -> Batch:
    file = _file(Path(path))
    result, sheets = _read(file)
    lines, renamed = _second_edition(result.frame)
    require_columns(lines, COLUMNS, file)
    events = _events(lines)
    formats = _date_order(events, file)
    return Batch(
        source=NAME,
        events=events,
        products=_products(lines, formats["events"]["dates"]["timestamp"] if formats else None),
        meta={
            **({"formats": formats} if formats else {}),
            "files": [str(file)],
            "timezone": "Europe/London",  # InvoiceDate is naive UK local time
            "malformed": malformed_meta("events", result),
            "notes": [
                "event_id = hash of (InvoiceNo, StockCode, Quantity, InvoiceDate, UnitPrice, CustomerID)",
                "type = return for invoices starting with 'C' (cancellations), purchase otherwise",
                "products derived from invoice lines: title = commonest Description, "
                "price = median positive UnitPrice, created_at = earliest InvoiceDate",
                *([f"Online Retail II's columns read as the first edition's: {renamed}"] if renamed else []),
                *([sheets] if sheets else []),
            ],
        },
    )


#: UCI's Online Retail II (2009-2011, the same shop and layout) names three columns differently
SECOND_EDITION = {"Invoice": "InvoiceNo", "Price": "UnitPrice", "Customer ID": "CustomerID"}


def _second_edition(lines: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    """Online Retail II's columns under the first edition's names, and what was renamed ('' if nothing).
    Why: its export was refused as 'missing column(s) InvoiceNo, UnitPrice, CustomerID' though every
    column is there under its new name (t1e, session 33); a column the file has under both names is
    left as it is."""
    rename = {a: b for a, b in SECOND_EDITION.items() if a in lines.columns and b not in lines.columns}
    return lines.rename(rename), ", ".join(f"{a} -> {b}" for a, b in rename.items())


def _read(file: Path) -> tuple[ReadResult, str]:
    """The export's lines, and a note when a workbook's sheets were read as one table ('' otherwise).

    Online Retail II's workbook holds its years on two sheets of one header ('Year 2009-2010', 'Year
    2010-2011'); the first sheet alone was half the data without a word in the run. Every sheet with the
    first table's columns is read, one after another (``_line`` counts on across them); other sheets
    (empty, other columns) are named as not read."""
    if file.suffix.lower() not in EXCEL_SUFFIXES:
        return read_table(file, fmt="csv"), ""
    names = _sheet_names(file)
    if len(names) < 2:
        return read_table(file, fmt="excel"), ""
    base: ReadResult | None = None
    parts: list[pl.DataFrame] = []
    read: list[str] = []
    skipped: list[str] = []
    for name in names:
        try:
            result = read_table(file, fmt="excel", sheet=name)
        except InputError:  # an empty sheet (a cover, notes)
            skipped.append(name)
            continue
        if base is not None and result.frame.columns != base.frame.columns:
            skipped.append(name)
            continue
        base = base or result
        offset = int(parts[-1][SOURCE_LINE].max() or 0) if parts else 0
        parts.append(result.frame.with_columns(pl.col(SOURCE_LINE) + offset))
        read.append(name)
    if base is None:
        return read_table(file, fmt="excel"), ""  # its own error: every sheet is empty
    base.frame = pl.concat(parts)
    said = f"workbook sheets {', '.join(map(repr, read))} read as one table (line numbers count on)"
    return base, said + (f"; not read: {', '.join(map(repr, skipped))}" if skipped else "")


def _sheet_names(file: Path) -> list[str]:
    """The workbook's sheets, the first one read first (``read_workbook``'s order: the first holding a cell)."""
    import fastexcel

    from shopmind.data.readers import read_bytes

    return list(fastexcel.read_excel(read_bytes(file)).sheet_names)


def _file(path: Path) -> Path:
    """The export: a CSV (gzipped or not) or UCI's own workbook, ``Online Retail.xlsx``. Why: the
    dataset's home distributes the workbook; read as CSV it was refused as 'a ZIP archive ... name it
    .xlsx' although it was named so (t1w, session 30). A folder's CSV is taken before a workbook."""
    books = sorted(p for p in path.iterdir() if p.suffix.lower() in EXCEL_SUFFIXES) if path.is_dir() else []
    if books and not any(p.is_file() for p in path.glob("*.csv*")):
        if len(books) > 1:
            names = ", ".join(p.name for p in books)
            raise InputError(
                f"folder {path} holds several Online Retail workbooks ({names}); pass one of them"
            )
        return books[0]
    return resolve_one(path, "*.csv*", "Online Retail CSV")


def _date_order(events: pl.DataFrame, file: Path) -> dict[str, Any]:
    """The ``formats`` meta of an export that writes InvoiceDate with slashes, as UCI's own files do
    (``12/1/2010 8:26``, month first): the order settled by the column (some number above 12), else
    UCI's month first; products' created_at (an InvoiceDate) read the same way. Why: every line of
    such an export was a TYPE_ERROR and the batch held, 0 events accepted (t1w, session 30)."""
    formats = resolve_slash_dates(events, "events", None, file, unclear="month")
    if formats is None:
        return {}
    order = formats.dates["timestamp"]
    return {"events": formats.as_meta(), "products": {"dates": {"created_at": order}}}


def _events(lines: pl.DataFrame) -> pl.DataFrame:
    return lines.select(
        content_id(lines, ID_COLUMNS).alias("event_id"),
        pl.when(pl.col("InvoiceNo").str.strip_chars().str.starts_with("C"))
        .then(pl.lit("return"))
        .otherwise(pl.lit("purchase"))
        .alias("type"),
        pl.col("InvoiceDate").alias("timestamp"),
        integral(pl.col("CustomerID")).alias("user_id"),
        pl.col("InvoiceNo").alias("session_id"),
        pl.col("StockCode").alias("item_id"),
        integral(pl.col("Quantity")).alias("quantity"),
        pl.col("UnitPrice").alias("price"),
        pl.lit(CURRENCY).alias("currency"),
        pl.col("InvoiceNo").alias("order_id"),
        pl.col(SOURCE_LINE),
    )


def _products(lines: pl.DataFrame, order: str | None = None) -> pl.DataFrame:
    """One product per StockCode, summarised from all of its lines; ``order``: the date part's format
    of a slash-dated export (polars' guess read ``1/4/2011`` as 1 April, so created_at was not the
    earliest line and its events were flagged as before the product)."""
    date = pl.col("InvoiceDate").str.strip_chars()
    settled = [date.str.to_datetime(f"{order}{t}", strict=False) for t in (" %H:%M:%S", " %H:%M", "")]
    typed = lines.with_columns(
        pl.col("UnitPrice").cast(pl.Float64, strict=False).alias("_price"),
        pl.coalesce(*(settled if order else []), pl.col("InvoiceDate").str.to_datetime(strict=False)).alias(
            "_ts"
        ),
    )
    prices = (
        typed.filter(pl.col("_price") > 0).group_by("StockCode").agg(pl.col("_price").median().alias("price"))
    )
    created = typed.group_by("StockCode").agg(
        pl.col("InvoiceDate").sort_by(["_ts", SOURCE_LINE], nulls_last=True).first().alias("created_at")
    )
    titles = most_frequent(lines, "StockCode", "Description").rename({"Description": "title"})
    return (
        first_occurrence(lines, "StockCode")
        .join(titles, on="StockCode", how="left")
        .join(prices, on="StockCode", how="left")
        .join(created, on="StockCode", how="left")
        .select(
            pl.col("StockCode").alias("product_id"),
            "title",
            "price",
            pl.lit(CURRENCY).alias("currency"),
            "created_at",
            pl.lit("en").alias("language"),
            SOURCE_LINE,
        )
    )
