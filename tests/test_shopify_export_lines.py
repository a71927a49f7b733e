"""Shopify's own exports, with their full real headers (the product export's 50 columns, the order
export's 79): an order line without a ``Lineitem sku`` (a custom item, a variant the shop gave no
SKU) is joined to its product by its ``Lineitem name`` when exactly one product fits it, and
quarantined only when none (or several) does; the columns a mapping reads to leave rows out
(``Status``, ``Financial Status``) or to name items are not reported as ignored.

Before: every SKU-less line was quarantined ``EVT_ITEM_MISSING`` (its name unread), and the run
report listed ``Status`` as an ignored column of the catalogue it had just filtered by it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl

from shopmind.data.mapping_draft import draft

PRODUCTS = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Google Shopping / Google Product Category",
    "Google Shopping / Gender",
    "Google Shopping / Age Group",
    "Google Shopping / MPN",
    "Google Shopping / Condition",
    "Google Shopping / Custom Product",
    "Google Shopping / Custom Label 0",
    "Google Shopping / Custom Label 1",
    "Google Shopping / Custom Label 2",
    "Google Shopping / Custom Label 3",
    "Google Shopping / Custom Label 4",
    "Variant Image",
    "Variant Weight Unit",
    "Variant Tax Code",
    "Cost per item",
    "Included / International",
    "Price / International",
    "Compare At Price / International",
    "Status",
]
ORDERS = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing Street",
    "Billing Address1",
    "Billing Address2",
    "Billing Company",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Billing Phone",
    "Shipping Name",
    "Shipping Street",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping Company",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Payment Reference",
    "Refunded Amount",
    "Vendor",
    "Outstanding Balance",
    "Employee",
    "Location",
    "Device ID",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
    "Lineitem discount",
    "Tax 1 Name",
    "Tax 1 Value",
    "Tax 2 Name",
    "Tax 2 Value",
    "Tax 3 Name",
    "Tax 3 Value",
    "Tax 4 Name",
    "Tax 4 Value",
    "Tax 5 Name",
    "Tax 5 Value",
    "Phone",
    "Receipt Number",
    "Duties",
    "Billing Province Name",
    "Shipping Province Name",
    "Payment ID",
    "Payment Terms Name",
    "Next Payment Due At",
    "Payment References",
]


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(rows)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr + run.stdout
    return run


def _shop(folder: Path) -> None:
    """Variants without SKUs (Vero's), a default variant without one (Angle), two products a name
    cannot tell apart (Tee, Tee - Classic), a draft product; orders naming them, a custom item, a
    refunded order."""
    v = {"Title": "Vero Shower Trim", "Vendor": "Delta", "Option1 Name": "Color", "Status": "active",
         "Published": "TRUE", "Variant Inventory Qty": "3"}  # fmt: skip
    products = [
        {"Handle": "vero-trim", **v, "Option1 Value": "Chrome", "Variant Price": "129.00"},
        {"Handle": "vero-trim", "Option1 Value": "Bronze", "Variant Price": "119.00"},
        {"Handle": "angle", "Title": "Strong-Tie Angle", "Option1 Name": "Title", "Option1 Value": "Default Title",
         "Variant Price": "3.50", "Status": "active"},
        {"Handle": "tee", "Title": "Tee", "Option1 Name": "Size", "Option1 Value": "Classic - M",
         "Variant SKU": "T-1", "Variant Price": "10.00", "Status": "active"},
        {"Handle": "tee-classic", "Title": "Tee - Classic", "Option1 Name": "Size", "Option1 Value": "M",
         "Variant SKU": "TC-1", "Variant Price": "12.00", "Status": "active"},
        {"Handle": "soon", "Title": "Soon Lamp", "Variant SKU": "S-1", "Variant Price": "40.00", "Status": "draft"},
    ]  # fmt: skip
    _write(folder / "products_export_1.csv", PRODUCTS, products)
    first = {"Financial Status": "paid", "Currency": "USD", "Created at": "2026-12-01 10:00:00 +0100"}
    line = {"Created at": "2026-12-01 10:00:00 +0100", "Lineitem quantity": "1"}
    orders = [
        {"Name": "#1", "Email": "ann@example.com", **first, **line, "Lineitem name": "Vero Shower Trim - Bronze",
         "Lineitem price": "119.00", "Id": "501"},
        {"Name": "#1", "Email": "ann@example.com", **line, "Lineitem name": "strong-tie  ANGLE",
         "Lineitem price": "3.50"},
        {"Name": "#1", "Email": "ann@example.com", **line, "Lineitem name": "Gift wrapping", "Lineitem price": "2.00"},
        {"Name": "#2", "Email": "bob@example.com", **first, **line, "Lineitem name": "Tee - Classic - M",
         "Lineitem price": "12.00", "Id": "502"},
        {"Name": "#2", "Email": "bob@example.com", **line, "Lineitem name": "Tee - Classic - M",
         "Lineitem sku": "TC-1", "Lineitem price": "12.00"},
        {"Name": "#3", "Email": "cy@example.com", **first, **line, "Financial Status": "refunded",
         "Lineitem name": "Vero Shower Trim - Chrome", "Lineitem price": "129.00", "Id": "503"},
    ]  # fmt: skip
    _write(folder / "orders_export_1.csv", ORDERS, orders)


def test_the_order_draft_names_items_by_their_line_name() -> None:
    orders = draft(ORDERS)
    assert orders.item_name == "Lineitem name" and "Lineitem name" not in orders.unplaced
    assert 'item_name = "Lineitem name"' in orders.toml("orders_export_1.csv")
    assert draft(PRODUCTS).item_name is None


def _ingested(folder: Path) -> str:
    """The shop drafted (the drafts as written, the currency set) and ingested; the orders' console."""
    _shop(folder)
    for name in ("products", "orders"):
        _cli("mapping", f"{name}_export_1.csv", "--out", f"{name}.toml", cwd=folder)
    toml = folder / "products.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('# currency = "EUR"', 'currency = "USD"'))
    ran = [
        _cli(
            "ingest",
            f"{name}_export_1.csv",
            "--format",
            "table",
            "--mapping",
            f"{name}.toml",
            "-w",
            "ws",
            cwd=folder,
        )  # fmt: skip
        for name in ("products", "orders")
    ]
    return " ".join(ran[1].stdout.split())


def test_a_line_without_a_sku_is_joined_to_the_one_product_its_name_names(tmp_path: Path) -> None:
    said = _ingested(tmp_path)
    assert "4 lines without a Lineitem sku named by their Lineitem name" in said  # the refunded one left out
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    events = con.execute("SELECT order_id, item_id FROM events ORDER BY order_id, item_id").fetchall()
    named = con.execute(
        "SELECT old_value, new_value FROM audit WHERE code = 'EVT_ITEM_NAME' ORDER BY 1"
    ).fetchall()
    quarantined = con.execute("SELECT codes, payload FROM quarantine").fetchall()
    con.close()
    assert events == [("#1", "angle"), ("#1", "vero-trim"), ("#2", "tee-classic")]
    assert named == [("Vero Shower Trim - Bronze", "vero-trim"), ("strong-tie  ANGLE", "angle")]
    # a custom item names no product, "Tee - Classic - M" fits two: each quarantined with its name
    assert sorted((codes, json.loads(p)["item_id"]) for codes, p in quarantined) == [
        (["EVT_ITEM_UNKNOWN"], "Gift wrapping"), (["EVT_ITEM_UNKNOWN"], "Tee - Classic - M")
    ]  # fmt: skip


def test_columns_read_to_leave_rows_out_are_not_reported_as_ignored(tmp_path: Path) -> None:
    _ingested(tmp_path)
    ignored: dict[str, list[str]] = {}
    for report in sorted((tmp_path / "ws" / "reports").glob("*.json")):
        ignored.update(json.loads(report.read_text(encoding="utf-8"))["meta"]["ignored_columns"])
    assert not {"Status", "Published"} & set(ignored["products"])  # both read by [listed]
    assert not {"Financial Status", "Lineitem name", "Name"} & set(ignored["events"])
    assert "Billing Name" in ignored["events"]


def test_a_compare_at_price_above_the_price_is_the_hits_was_price_and_no_facet() -> None:
    """Shopify's Variant Compare At Price (kept as ``attributes.compare_at_price``, as WooCommerce's
    regular price under ``[sale]``) was listed as an attribute facet of prices ("149.00", "159.00")
    and the storefront never showed a sale. Now a hit carries it as ``compare_at_price`` when it is
    above the price (Shopify shows no sale otherwise), and the automatic facets leave it out."""
    from shopmind.data.model import ATTRIBUTES
    from shopmind.search.engine import SearchConfig, SearchEngine

    def attrs(**kv: str) -> list[dict[str, str]]:
        return [{"key": k, "value": v} for k, v in kv.items()]

    frame = pl.DataFrame(
        {
            "product_id": ["sale", "equal", "plain", "comma"],
            "title": ["Chrome trim", "Bronze trim", "Black trim", "Nickel trim"],
            "price": [119.0, 139.0, 129.0, 12.5],
            "currency": ["USD", "USD", "USD", "EUR"],
            "attributes": [
                attrs(compare_at_price="149.00", color="Chrome", cost="65.00"),
                attrs(compare_at_price="139.00", color="Bronze", cost="70.00"),
                attrs(color="Black", cost="75.00"),
                attrs(compare_at_price="15,00", color="Nickel"),
            ],
        },
        schema_overrides={"attributes": ATTRIBUTES},
    )
    eng = SearchEngine.build(frame, None, SearchConfig(encoder=None, ltr="off"))
    res = eng.search("trim", facets=["attributes"])
    was = {h.product_id: h.compare_at_price for h in res.hits}
    assert was == {"sale": 149.0, "equal": None, "plain": None, "comma": 15.0}
    assert set(res.facets) == {"attr.color"}  # not compare_at_price, not the shop's cost
    assert res.as_dict()["hits"][0].keys() >= {"compare_at_price", "price"}
    assert (
        "attr.compare_at_price" in eng.search("trim", facets=["attr.compare_at_price"]).facets
    )  # when asked


#: the product export's header since Shopify renamed its columns (2025; help.shopify.com "Using CSV files
#: to import and export products": URL handle, SKU, Price, Compare-at price, Product image URL, ...)
PRODUCTS_2025 = (
    "URL handle,Title,Description,Vendor,Product category,Type,Tags,Published on online store,Status,SKU,"
    "Option1 name,Option1 value,Option2 name,Option2 value,Option3 name,Option3 value,Price,Compare-at price,"
    "Cost per item,Inventory quantity,Product image URL,Image position,Image alt text,Variant image URL,"
    "Price / International,Compare-at price / International"
)


def test_the_renamed_shopify_product_export_is_grouped_by_its_url_handle(tmp_path: Path) -> None:
    """Drafted by the old names only, the renamed export was keyed by SKU: each variant a product of
    its own, the variant lines without a title quarantined, the image column unread."""
    d = draft(PRODUCTS_2025.split(","))
    assert d.group == "URL handle" and d.columns["URL handle"] == "product_id"
    assert d.columns["SKU"] == "attributes.sku" and d.columns["Product image URL"] == "image_url"
    assert d.columns["Compare-at price"] == "attributes.compare_at_price" and d.listed == {
        "Status": ["active"],
        "Published on online store": ["true", ""],
    }
    (tmp_path / "products_export_1.csv").write_text(
        PRODUCTS_2025 + "\n"
        "shirt,Shirt,Soft cotton,Example,,,,TRUE,active,001,Size,S,Color,Red,,,20.00,25.00,8.00,3,"
        "https://example.invalid/shirt-1.jpg,1,Front,,,\n"
        "shirt,,,,,,,,,002,,M,,Red,,,22.00,26.00,8.00,2,,,,,,\n"
        "shirt,,,,,,,,,,,,,,,,,,,,https://example.invalid/shirt-2.jpg,2,Back,,,\n"
        "mug,Mug,,Example,,,,TRUE,active,MUG,Title,Default Title,,,,,9.99,,3.00,5,,,,,,\n",
        encoding="utf-8",
    )
    _cli("mapping", "products_export_1.csv", "--out", "p.toml", cwd=tmp_path)
    toml = tmp_path / "p.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('# currency = "EUR"', 'currency = "USD"'))
    _cli(
        "ingest",
        "products_export_1.csv",
        "--format",
        "table",
        "--mapping",
        "p.toml",
        "-w",
        "ws",
        cwd=tmp_path,
    )
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT product_id, title, price, stock, image_url FROM products ORDER BY 1"
    ).fetchall()
    con.close()
    assert rows == [
        ("mug", "Mug", 9.99, 5, None),
        ("shirt", "Shirt", 20.0, 5, "https://example.invalid/shirt-1.jpg"),
    ]


def test_the_product_page_shows_the_was_price_and_not_the_shops_cost() -> None:
    """The product page listed every attribute to the shopper: the compare-at price as a row of text and
    the shop's unit cost (and any competitor price, floor or ceiling the pricing guardrails read)."""
    from shopmind.serve.pages import product_view

    def view(price: float, **attrs: str) -> dict[str, object]:
        return product_view(
            {"product_id": "vero-trim", "title": "Vero Shower Trim", "price": price, "currency": "USD",
             "attributes": [{"key": k, "value": v} for k, v in attrs.items()]}
        )  # fmt: skip

    shown = view(119.0, compare_at_price="149.00", cost="65.00", color="Chrome", price_floor="90", sku="VT-B")
    assert shown["compare_at_price"] == 149.0
    assert shown["attributes"] == [("color", "Chrome"), ("sku", "VT-B")]
    assert view(149.0, compare_at_price="149.00")["compare_at_price"] is None  # not above the price: no sale
