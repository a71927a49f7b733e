"""``data.categories.top_categories``: the one definition of a product's top-level category that
the recs/forecast evaluators, ``tune recs``, ``pricing suggest`` and the pricing release share."""

import polars as pl

from shopmind.data.categories import top_categories


def test_first_level_per_product_paths_missing_dropped() -> None:
    products = pl.DataFrame(
        {
            "product_id": ["a", "b", "c", "d"],
            "category_path": ["Garden > Hoses > Long", "Kitchen", None, "家居 > 灯具"],
            "title": ["x", "y", "z", "w"],
        }
    )
    got = top_categories(products)
    assert got is not None and got.columns == ["item_id", "category"]
    assert got.rows() == [("a", "Garden"), ("b", "Kitchen"), ("d", "家居")]


def test_no_table_or_no_path_column_is_none_but_no_paths_is_empty() -> None:
    assert top_categories(None) is None
    assert top_categories(pl.DataFrame({"product_id": ["a"], "title": ["x"]})) is None
    empty = top_categories(
        pl.DataFrame(
            {"product_id": ["a"], "category_path": [None]}, schema_overrides={"category_path": pl.Utf8}
        )
    )
    assert empty is not None and empty.height == 0 and empty.columns == ["item_id", "category"]
