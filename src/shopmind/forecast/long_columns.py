"""Which columns of a long series file are its id, date and value (``forecast.series.read_long``).

Why: the long format was read only with columns named exactly ``id``, ``date``, ``value``, so a file of
the same three columns written by another tool was refused before any series was read: headers in
capitals (``ID, Date, Value``, as a spreadsheet export writes them) and Nixtla's long layout
``unique_id, ds, y`` - what statsforecast reads and datasetsforecast's M4 loader writes, the layout in
which the M4 Weekly figure the issue quotes is published (t1e, session 33: held-out rehearsal). A column
is matched by its exact name first, then ignoring case and surrounding spaces, then by Nixtla's name for
it; a file that holds two candidates for one role is refused naming both, never guessed.
"""

from __future__ import annotations

import polars as pl

#: Nixtla's names for the three roles (statsforecast / datasetsforecast)
NIXTLA = {"id": "unique_id", "date": "ds", "value": "y"}


class ColumnChoiceError(ValueError):
    """Two columns of the file could each be the role's column."""


def _key(name: str) -> str:
    return name.strip().casefold()


def long_columns(columns: list[str], wanted: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """``{file column: wanted name}`` for the roles found (a role not found is left out: the caller's
    'missing column' error names it) and a note per column read under another name.

    ``wanted``: role (``id``, ``date``, ``value``) -> the name asked for (``read_long``'s ``id_col`` ...).
    """
    found: dict[str, str] = {}
    notes: list[str] = []
    for role, name in wanted.items():
        if name in columns:
            found[name] = name
            continue
        same = [c for c in columns if _key(c) == _key(name)]
        alias = NIXTLA.get(role) if name == role else None  # Nixtla's name only for the default names
        if not same and alias is not None:
            same = [c for c in columns if _key(c) == alias]
        if len(same) > 1:
            raise ColumnChoiceError(f"columns {same[0]!r} and {same[1]!r} could each be {name!r}; rename one")
        if same:
            found[same[0]] = name
            notes.append(f"{same[0]!r} read as {name!r}")
    return found, notes


def drop_text_columns(
    frame: pl.DataFrame, covariates: list[str], info: dict[str, str] | None
) -> tuple[pl.DataFrame, list[str]]:
    """``frame`` and ``covariates`` without the columns that hold text and no number at all (a series' name
    or category, M4's frequency tag 'Weekly'): they are no covariate, and refusing the file for them
    ('column 'freq' value 'W' is not a number') stopped a held-out file over a column nothing reads (t1e,
    session 33). Said in ``info['not_read']``. A column of numbers with some bad cells stays an error."""
    text = []
    for c in covariates:
        cells = frame[c].cast(pl.Utf8).str.strip_chars()
        filled = cells.filter(cells.is_not_null() & (cells != ""))
        if filled.len() and filled.cast(pl.Float64, strict=False).null_count() == filled.len():
            text.append(c)
    if text and info is not None:
        info["not_read"] = ", ".join(f"{c!r}" for c in text) + " (text, not numbers: no covariate)"
    return frame.drop(text), [c for c in covariates if c not in text]
