"""Amazon 5-core sequences as preprocessed by S3-Rec: ``user item1 item2 ...`` per line.

The lines hold only the order of each user's items, no times: events get synthetic
timestamps (epoch + position seconds) that keep that order, which is all the sequential
protocols use. Items have no text either, so titles are placeholders, said so in the meta.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import (
    attribute_lists,
    content_id,
    first_occurrence,
    resolve_one,
    synthetic_time,
)
from shopmind.data.model import SOURCE_LINE, Batch
from shopmind.data.readers import InputError, decode

NAME = "amazon-5core"
ATTRIBUTES_SUFFIX = "_item2attributes.json"


def load(path: Path) -> Batch:
    file = resolve_one(path, "*.txt", "S3-Rec sequence file")
    events = _events(file)
    attributes_file = file.with_name(file.stem + ATTRIBUTES_SUFFIX)
    attributes = _attributes(attributes_file) if attributes_file.is_file() else None
    files = [str(file)] + ([str(attributes_file)] if attributes is not None else [])
    return Batch(
        source=NAME,
        events=events,
        products=_products(events, attributes),
        meta={
            "files": files,
            "synthetic_timestamps": True,
            "titles_synthetic": True,
            "malformed": [],
            "notes": [
                "timestamps are 2000-01-01 UTC + the item's position in the user's line, in seconds",
                "titles are 'Item <id>' placeholders; attributes are S3-Rec attribute ids (key 'attr')",
            ],
        },
    )


def _events(file: Path) -> pl.DataFrame:
    text, _ = decode(file.read_bytes(), file)
    lines = pl.DataFrame({"raw": text.split("\n")}, schema={"raw": pl.Utf8})
    tokens = (
        lines.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(SOURCE_LINE))
        .with_columns(
            pl.col("raw").str.strip_chars().str.replace_all(r"\s+", " ").str.split(" ").alias("tokens")
        )
        .filter(pl.col("tokens").list.len() > 1)
        .select(
            SOURCE_LINE,
            pl.col("tokens").list.first().alias("user_id"),
            pl.col("tokens").list.slice(1).alias("item_id"),
        )
        .with_columns(pl.int_ranges(0, pl.col("item_id").list.len()).alias("position"))
        .explode("item_id", "position")
    )
    return tokens.select(
        content_id(tokens, ["user_id", "position", "item_id"]).alias("event_id"),
        pl.lit("purchase").alias("type"),
        synthetic_time(pl.col("position")).alias("timestamp"),
        "user_id",
        pl.col("user_id").alias("session_id"),
        "item_id",
        SOURCE_LINE,
    )


def _attributes(file: Path) -> pl.DataFrame:
    text, _ = decode(file.read_bytes(), file)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{file} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{file}: expected an object {{item_id: [attribute ids]}}")
    keys = [str(k) for k in doc]
    values = [v if isinstance(v, list) else [v] for v in doc.values()]
    return attribute_lists(keys, [[("attr", str(a)) for a in row] for row in values])


def _products(events: pl.DataFrame, attributes: pl.DataFrame | None) -> pl.DataFrame:
    """Every item seen in a sequence or in the attribute file, in order of first appearance."""
    items = first_occurrence(events, "item_id").rename({"item_id": "product_id"})
    if attributes is not None:
        items = items.join(attributes, on="product_id", how="full", coalesce=True, maintain_order="left")
    return items.select(
        "product_id",
        pl.format("Item {}", pl.col("product_id")).alias("title"),
        *(["attributes"] if attributes is not None else []),
        SOURCE_LINE,
    )
