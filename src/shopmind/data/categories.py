"""Each product's top-level category, as the evaluators, forecasts and prices group items.

``category_path`` is the canonical "A > B > C" path (``data/model.py``); what groups demand,
prices and category popularity is its first level. Five places computed it with the same
expression; this is the one definition, so a change of separator or dtype is made once.
"""

from __future__ import annotations

import polars as pl


def top_categories(products: pl.DataFrame | None) -> pl.DataFrame | None:
    """(item_id, category) for every product with a category path, ids and names as text;
    None when there is no products table or it has no ``category_path`` column (an empty frame
    when it has the column but no product has a path)."""
    if products is None or not {"product_id", "category_path"} <= set(products.columns):
        return None
    return products.select(
        pl.col("product_id").cast(pl.Utf8).alias("item_id"),
        pl.col("category_path").cast(pl.Utf8).str.split(" > ").list.first().alias("category"),
    ).drop_nulls()
