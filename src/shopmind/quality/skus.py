"""Order lines naming a variant's SKU joined to the product the SKU belongs to (``EVT_ITEM_SKU``).

A shop's catalogue lists products, its orders list what was sold: variants, by SKU (Shopify's
``Lineitem sku``). A product export grouped by its Handle (``data.groups``) keeps every variant's
SKU in the product's ``sku`` attribute; here an event whose ``item_id`` is no product id of the
catalogue but one product's SKU gets that product's id, each change in the audit like any repair.
Without it every purchase of a grouped product was quarantined as EVT_ITEM_UNKNOWN, and the
recommendations learnt nothing from the shop's orders. A SKU two products list is left alone
(and stays unknown), as the order line cannot tell which product was sold.

An order line *without* a SKU (a Shopify custom item, or a variant the shop gave no SKU) still names
what was sold: a mapping's ``item_name = "Lineitem name"`` makes that name the line's item
(``adapters.table``; the names travel in ``Batch.meta["item_names"]``) and :func:`name_index` joins it
to its product (``EVT_ITEM_NAME``) by this rule: a name *identifies* a product when, case and spaces
aside, it is the product's title, or its title followed by `` - `` and the variant's own title
(Shopify writes ``Vero Shower Trim - Bronze``, ``Tee - M / Blue``). It is joined only when exactly
one product, of the batch or the store, is identified (two products sharing a title, or ``Tee`` and
``Tee - Classic`` both fitting ``Tee - Classic - M``, leave it alone). A name that identifies no
product stays the line's item and is quarantined as ``EVT_ITEM_UNKNOWN`` with the name in the row,
which says what was sold. Before, every such line was quarantined ``EVT_ITEM_MISSING``: a shop
whose variants have no SKUs lost its orders to the models.
"""

from __future__ import annotations

import polars as pl

from shopmind.data.model import ROW
from shopmind.quality.repair import AUDIT_SCHEMA
from shopmind.store.store import Store

CODE = "EVT_ITEM_SKU"
#: an order line without a SKU joined to its product by its name (``name_index``)
NAME_CODE = "EVT_ITEM_NAME"
#: the attribute a product's variant SKUs are kept under, one entry each (``data.groups``)
SKU_KEY = "sku"


def _from_attributes(products: pl.DataFrame) -> pl.DataFrame:
    if "attributes" not in products.columns or products.is_empty():
        return pl.DataFrame(schema={"sku": pl.Utf8, "product_id": pl.Utf8})
    return (
        products.select("product_id", "attributes")
        .explode("attributes")
        .drop_nulls("attributes")
        .unnest("attributes")
        .filter(pl.col("key") == SKU_KEY)
        .select(pl.col("value").str.strip_chars().alias("sku"), "product_id")
        .filter(pl.col("sku").str.len_chars() > 0)
    )


def sku_index(store: Store | None, accepted_products: pl.DataFrame | None) -> pl.DataFrame | None:
    """sku -> product_id over the batch's accepted products (first) and the stored ones; a SKU two
    products list, or one that is itself a product id, is left out."""
    parts = []
    known: list[pl.Series] = []
    if accepted_products is not None and accepted_products.height:
        parts.append(_from_attributes(accepted_products))
        known.append(accepted_products["product_id"].cast(pl.Utf8))
    batch_ids = set(parts[0]["product_id"].to_list()) if parts else set()
    if store is not None:
        stored = store.variant_skus(SKU_KEY)
        parts.append(_from_attributes(stored).filter(~pl.col("product_id").is_in(list(batch_ids))))
        known.append(stored["product_id"].cast(pl.Utf8))
    if not parts:
        return None
    index = pl.concat(parts).unique()
    ids = pl.concat(known) if known else pl.Series([], dtype=pl.Utf8)
    index = index.filter((pl.len().over("sku") == 1) & ~pl.col("sku").is_in(ids.implode()))
    return index if index.height else None


def _fold(text: pl.Expr) -> pl.Expr:
    return text.cast(pl.Utf8).str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()


def name_index(
    names: list[str], store: Store | None, accepted_products: pl.DataFrame | None
) -> pl.DataFrame | None:
    """name -> product_id (as ``sku``, ``product_id``: the shape of :func:`sku_index`) for each of
    ``names`` that identifies exactly one product (the module docstring's rule); the batch's accepted
    products and the stored ones (a stored product the batch also has is the batch's)."""
    if not names:
        return None
    parts: list[pl.DataFrame] = []
    if accepted_products is not None and {"product_id", "title"} <= set(accepted_products.columns):
        parts.append(accepted_products.select(pl.col("product_id").cast(pl.Utf8), "title"))
    if store is not None:
        stored = store.table("products", ["product_id", "title"])
        if parts:
            stored = stored.filter(~pl.col("product_id").is_in(parts[0]["product_id"].implode()))
        parts.append(stored)
    if not parts:
        return None
    # the prefixes a name may be a title by: "tee - classic - m" -> "tee", "tee - classic", the whole
    wanted = {name: " ".join(name.split()).lower().split(" - ") for name in dict.fromkeys(names)}
    keys = {" - ".join(p[:j]) for p in wanted.values() for j in range(1, len(p) + 1)}
    titles = pl.concat(parts).with_columns(_fold(pl.col("title")).alias("key"))
    ids = set(titles["product_id"].drop_nulls().to_list())
    by_key: dict[str, set[str]] = {}
    for key, pid in titles.filter(pl.col("key").is_in(list(keys))).select("key", "product_id").iter_rows():
        by_key.setdefault(key, set()).add(pid)
    rows = []
    for name, pieces in wanted.items():
        if name in ids:
            continue  # a product id already
        found = set().union(*(by_key.get(" - ".join(pieces[:j]), set()) for j in range(1, len(pieces) + 1)))
        if len(found) == 1:
            rows.append((name, found.pop()))
    return pl.DataFrame(rows, schema={"sku": pl.Utf8, "product_id": pl.Utf8}, orient="row") if rows else None


def resolve_skus(
    frame: pl.DataFrame, index: pl.DataFrame | None, code: str = CODE
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events whose item_id is a variant SKU (or, with ``NAME_CODE`` and a :func:`name_index`, an
    item name), given their product's id; the audit of each change."""
    empty = pl.DataFrame(schema=AUDIT_SCHEMA)
    if index is None or "item_id" not in frame.columns or frame.is_empty():
        return frame, empty
    item = pl.col("item_id").cast(pl.Utf8).str.strip_chars()
    joined = frame.with_columns(item.alias("__sku")).join(
        index.rename({"sku": "__sku", "product_id": "__product"}),
        on="__sku",
        how="left",
        maintain_order="left",
    )
    changed = joined.filter(pl.col("__product").is_not_null())
    audit = changed.select(
        pl.lit("events").alias("table_name"),
        pl.col(ROW),
        pl.lit("item_id").alias("column_name"),
        pl.lit(code).alias("code"),
        pl.col("item_id").cast(pl.Utf8).alias("old_value"),
        pl.col("__product").alias("new_value"),
    )
    out = joined.with_columns(
        pl.coalesce(pl.col("__product"), pl.col("item_id").cast(pl.Utf8)).alias("item_id")
    ).drop("__sku", "__product")
    return out, audit.cast(AUDIT_SCHEMA)  # type: ignore[arg-type]
