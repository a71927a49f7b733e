"""Shopify's ``Published`` (TRUE/FALSE: on the online store or not) leaves a product out like a draft.

Before: the draft read only ``Status`` (active, draft, archived), so an active product the shop had
not published on its online store (``Published`` FALSE) was imported as for sale: search found it
and recommendations named it. Now it is kept as not for sale (``Batch.unlisted``, the store's
``unlisted_products``: its orders stay purchases) and the import's account says how many and why.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from shopmind.data.adapters.table import load
from shopmind.data.mapping_draft import draft
from test_shop_exports import _write
from test_shopify_export_lines import _cli

HEADER = ["Handle", "Title", "Vendor", "Published", "Variant SKU", "Variant Price", "Status"]
#: Shopify's product export since 2025 ("URL handle", "Published on online store")
HEADER_2025 = ["Title", "URL handle", "Description", "Vendor", "Published on online store", "Status", "SKU", "Price"]  # fmt: skip
ORDER_HEADER = ["Name", "Email", "Financial Status", "Currency", "Created at", "Lineitem quantity",
                "Lineitem name", "Lineitem price", "Lineitem sku"]  # fmt: skip

ROWS = [
    {"Handle": "on", "Title": "On", "Variant SKU": "ON-1", "Variant Price": "5", "Status": "active", "Published": "TRUE"},
    {"Handle": "on", "Variant SKU": "ON-2", "Variant Price": "6"},  # a variant line: its product's first line's
    {"Handle": "hidden", "Title": "Hidden", "Variant SKU": "H-1", "Variant Price": "7", "Status": "active",
     "Published": "FALSE"},
    {"Handle": "hidden", "Variant SKU": "H-2", "Variant Price": "8"},
    {"Handle": "draft", "Title": "Draft", "Variant SKU": "D-1", "Variant Price": "9", "Status": "draft",
     "Published": "FALSE"},
    {"Handle": "lower", "Title": "Lower", "Variant SKU": "L-1", "Variant Price": "4", "Status": "Active",
     "Published": "true"},
    {"Handle": "blank", "Title": "Blank", "Variant SKU": "B-1", "Variant Price": "3", "Status": "active"},
]  # fmt: skip


def test_the_draft_keeps_only_active_published_products() -> None:
    d = draft(HEADER)
    assert d.group == "Handle"
    assert d.listed == {"Status": ["active"], "Published": ["true", ""]}
    assert "Published" not in d.unplaced
    assert 'Published = ["true", ""]' in d.toml("products_export.csv")
    new = draft(HEADER_2025)
    assert new.listed == {"Status": ["active"], "Published on online store": ["true", ""]}


def test_woocommerce_published_is_unchanged() -> None:
    """WooCommerce's Published (1, 0, -1) has no Status beside it: its own rule, as before."""
    woo = draft(["ID", "Type", "SKU", "Name", "Published", "Stock", "Regular price", "Parent"])
    assert woo.listed == {"Published": ["1"]}


def test_an_unpublished_product_is_left_out_kept_and_counted(tmp_path: Path) -> None:
    _write(tmp_path / "products_export.csv", HEADER, ROWS)
    (tmp_path / "m.toml").write_text(
        draft(HEADER).toml("products_export.csv").replace('# currency = "EUR"', 'currency = "USD"')
    )
    batch = load(tmp_path / "products_export.csv", tmp_path / "m.toml")
    assert batch.products["product_id"].to_list() == ["on", "lower", "blank"]
    assert batch.unlisted is not None
    unlisted = {r["product_id"]: r["status"] for r in batch.unlisted.iter_rows(named=True)}
    assert unlisted == {"hidden": "Published: FALSE", "draft": "draft"}  # each told by what left it out
    skus = {
        r["product_id"]: sorted(a["value"] for a in r["attributes"] if a["key"] == "sku")
        for r in batch.unlisted.iter_rows(named=True)
    }
    assert skus["hidden"] == ["H-1", "H-2"]  # its variants' orders join it
    assert batch.meta["read_as"]["products"].endswith(
        "2 products not for sale left out ([listed] Status: draft 1; Published: FALSE 1): kept as not for "
        "sale, their orders stay purchases"
    )


def test_a_status_only_mapping_reads_as_before(tmp_path: Path) -> None:
    """A mapping drafted before (``[listed] Status`` alone) keeps every active product."""
    _write(tmp_path / "products_export.csv", HEADER, ROWS)
    toml = draft(HEADER).toml("products_export.csv").replace('# currency = "EUR"', 'currency = "USD"')
    toml = "\n".join(line for line in toml.splitlines() if not line.startswith("Published = "))
    (tmp_path / "m.toml").write_text(toml)
    batch = load(tmp_path / "products_export.csv", tmp_path / "m.toml")
    assert batch.products["product_id"].to_list() == ["on", "hidden", "lower", "blank"]
    assert batch.meta["read_as"]["products"].endswith(
        "1 products not for sale left out ([listed] Status: draft 1): kept as not for sale, their orders "
        "stay purchases"
    )


def test_ingested_it_is_in_the_store_not_the_catalogue_and_its_orders_are_purchases(tmp_path: Path) -> None:
    _write(tmp_path / "products_export.csv", HEADER, ROWS)
    line = {"Financial Status": "paid", "Currency": "USD", "Created at": "2026-11-20 10:00:00 +0100",
            "Lineitem quantity": "1", "Lineitem price": "7"}  # fmt: skip
    orders = [
        {**line, "Name": "#1", "Email": "a@example.com", "Lineitem sku": "ON-1"},
        {**line, "Name": "#2", "Email": "b@example.com", "Lineitem sku": "H-2"},
    ]
    _write(tmp_path / "orders_export.csv", ORDER_HEADER, orders)
    for name in ("products", "orders"):
        _cli("mapping", f"{name}_export.csv", "--out", f"{name}.toml", cwd=tmp_path)
    toml = tmp_path / "products.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('# currency = "EUR"', 'currency = "USD"'))
    said = _cli(
        "ingest", "products_export.csv", "-f", "table", "--mapping", "products.toml", "-w", "ws", cwd=tmp_path
    )
    assert "2 products not for sale left out ([listed] Status: draft 1; Published: FALSE 1)" in " ".join(
        said.stdout.split()
    )
    _cli("ingest", "orders_export.csv", "-f", "table", "--mapping", "orders.toml", "-w", "ws", cwd=tmp_path)
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    products = sorted(r[0] for r in con.execute("SELECT product_id FROM products").fetchall())
    kept = dict(con.execute("SELECT product_id, status FROM unlisted_products").fetchall())
    events = con.execute("SELECT item_id, _flags FROM events ORDER BY item_id").fetchall()
    con.close()
    assert products == ["blank", "lower", "on"]  # not searchable, not recommended
    assert kept == {"hidden": "Published: FALSE", "draft": "draft"}
    assert events == [("hidden", ["EVT_ITEM_UNLISTED"]), ("on", [])]  # its order is still a purchase
