"""MovieLens in RecBole atomic files: ``X.inter`` (ratings) and optional ``X.item`` (movies).

RecBole headers carry types (``rating:float``); they are stripped to the bare names. Column
names differ between RecBole's MovieLens variants, so titles, genres and years are looked up
under each known name.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import (
    content_id,
    malformed_meta,
    numeric_if_clean,
    require_columns,
    resolve_one,
)
from shopmind.data.model import ATTRIBUTES, SOURCE_LINE, Batch
from shopmind.data.readers import InputError, ReadResult, read_table

NAME = "movielens"
TITLE_COLUMNS = ("movie_title", "title")
GENRE_COLUMNS = ("class", "genre", "genres")
YEAR_COLUMNS = ("release_year", "year")


def load(path: Path) -> Batch:
    inter_file = resolve_one(path, "*.inter", "RecBole .inter file")
    item_file, said = _item_file(inter_file)
    inter = _read_atomic(inter_file)
    items = _read_atomic(item_file) if item_file.is_file() else None
    return Batch(
        source=NAME,
        events=_events(inter.frame, inter_file),
        products=_products(items.frame, item_file) if items is not None else None,
        meta={
            "files": [str(inter_file)] + ([str(item_file)] if items is not None else []),
            "rating_scale": (1.0, 5.0),
            "malformed": malformed_meta("events", inter)
            + (malformed_meta("products", items) if items else []),
            "notes": ["category_path = first genre; all genres and the year are attributes", *said],
        },
    )


def _item_file(inter_file: Path) -> tuple[Path, list[str]]:
    """RecBole's ``<name>.item`` beside ``<name>.inter``; else the folder's only ``*.item``, said. Why: a
    copy whose files were renamed apart (``ratings.inter`` beside ``movies.item``) was read without its
    movies and nothing said so (t1g, session 34)."""
    own = inter_file.with_suffix(".item")
    others = sorted(p for p in inter_file.parent.glob("*.item") if p.is_file())
    if own.is_file() or len(others) != 1:
        return own, []
    return others[0], [
        f"{others[0].name} read as the movies of {inter_file.name} (the folder's only .item file)"
    ]


def _read_atomic(file: Path) -> ReadResult:
    """Tab-separated, RecBole types taken off the names (``data.recbole``, as the generic path reads them)."""
    return read_table(file, delimiter="\t")


def _events(frame: pl.DataFrame, file: Path) -> pl.DataFrame:
    require_columns(frame, ["user_id", "item_id", "rating", "timestamp"], file)
    return frame.select(
        content_id(frame, ["user_id", "item_id", "rating", "timestamp"]).alias("event_id"),
        pl.lit("rate").alias("type"),
        pl.lit(numeric_if_clean(frame["timestamp"])).alias("timestamp"),
        "user_id",
        "item_id",
        pl.lit(numeric_if_clean(frame["rating"])).alias("rating"),
        SOURCE_LINE,
    )


def _products(frame: pl.DataFrame, file: Path) -> pl.DataFrame:
    require_columns(frame, ["item_id"], file)
    title = _first_present(frame, TITLE_COLUMNS, file)
    genre = next((c for c in GENRE_COLUMNS if c in frame.columns), None)
    year = next((c for c in YEAR_COLUMNS if c in frame.columns), None)
    genres = (
        pl.col(genre).str.split(" ").list.eval(pl.element().filter(pl.element() != "")) if genre else None
    )
    parts = []
    if genres is not None:
        parts.append(genres.list.eval(pl.struct(key=pl.lit("genre"), value=pl.element())))
    if year:
        year_entry = pl.struct(key=pl.lit("year"), value=pl.col(year))
        parts.append(pl.when(pl.col(year).is_not_null()).then(pl.concat_list(year_entry)))
    attributes = pl.concat_list([p.fill_null([]) for p in parts]) if parts else pl.lit(None)
    return frame.select(
        pl.col("item_id").alias("product_id"),
        pl.col(title).alias("title"),
        (genres.list.first() if genres is not None else pl.lit(None, pl.Utf8)).alias("category_path"),
        attributes.cast(ATTRIBUTES).alias("attributes"),
        pl.lit("en").alias("language"),
        SOURCE_LINE,
    )


def _first_present(frame: pl.DataFrame, names: tuple[str, ...], file: Path) -> str:
    for name in names:
        if name in frame.columns:
            return name
    raise InputError(f"{file}: no title column (looked for {', '.join(names)})")
