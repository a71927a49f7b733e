"""`shopmind mapping FILE`: a draft mapping TOML for a shop's own export (``data.mapping_draft``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopmind.cli.common import UsageError, console, out, user_errors


def mapping(
    file: Annotated[
        Path,
        typer.Argument(
            help="The export (CSV/TSV, Parquet, JSON Lines or a workbook: .xlsx/.xls/.ods; any encoding)."
        ),
    ],
    table: Annotated[
        str | None, typer.Option("--table", help="products, events or judgments (default: the best match).")
    ] = None,
    save: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the draft here (refused if the file exists).")
    ] = None,
) -> None:
    """Draft the mapping TOML that `shopmind ingest FILE --format table --mapping ...` needs, from the
    export's column names (Shopify, WooCommerce, order-line and Chinese back-office spellings).

    A draft to read and fix, not a guess that is ingested: columns it could not place and required
    columns it did not find are listed as comments.
    """
    from shopmind.data.mapping_draft import draft_for_file
    from shopmind.data.model import TABLES

    with user_errors():
        if table is not None and table not in TABLES:
            raise UsageError(f"--table {table!r}: one of {', '.join(TABLES)}")
        if save is not None and save.exists():
            raise UsageError(f"--out {save}: exists; choose a new file (a draft never overwrites a mapping)")
        if save is not None and not save.parent.is_dir():
            raise UsageError(f"--out {save}: folder {save.parent} does not exist")
        result = draft_for_file(file, table)  # type: ignore[arg-type]
        text = result.toml(file.name)
        if save is None:
            out.print(text, end="", markup=False, highlight=False, soft_wrap=True)
        else:
            save.write_text(text, encoding="utf-8")
            console.print(f"draft for {result.table} written to {save}: check it, then "
                          f"shopmind ingest {file} --format table --mapping {save}", markup=False)  # fmt: skip
        if result.needs_currency:
            console.print(
                f"prices but no currency column: {result.currency_note}; set currency in [constants] (see the draft)",
                markup=False,
            )
        if result.missing:
            console.print(f"missing required columns: {', '.join(result.missing)}", markup=False)


def register(app: typer.Typer) -> None:
    """Add `shopmind mapping` to ``app``."""
    app.command()(mapping)
