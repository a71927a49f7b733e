"""A shop's own Shopify exports, drafted and ingested end to end (data.groups, quality.skus).

Shopify writes a product once per variant line under its Handle (only the first line has the title)
and an order once per item line under its Name (only the first line has the currency and the
order's id). Before: the products draft keyed products by the variant SKU (every variant line
without a title was quarantined, each colour a product of its own), Published (TRUE/FALSE) was
drafted as created_at, the orders export was drafted as a *products* file, and order lines naming
variant SKUs could never join the catalogue."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl

from shopmind.data.groups import group_lines
from shopmind.data.mapping_draft import draft
from shopmind.quality.skus import resolve_skus, sku_index

PRODUCT_HEADER = ["Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
                  "Option1 Name", "Option1 Value", "Variant SKU", "Variant Inventory Qty", "Variant Price",
                  "Variant Compare At Price", "Image Src", "Image Position", "Cost per item", "Status"]  # fmt: skip
ORDER_HEADER = ["Name", "Email", "Financial Status", "Paid at", "Currency", "Subtotal", "Created at",
                "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku", "Billing Name", "Id"]  # fmt: skip


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(rows)


def test_shopify_headers_draft_grouped_products_and_purchase_lines() -> None:
    products = draft(PRODUCT_HEADER)
    assert products.table == "products" and products.group == "Handle"
    assert products.columns == {
        "Handle": "product_id", "Variant SKU": "attributes.sku", "Title": "title", "Body (HTML)": "description",
        "Product Category": "category_path", "Type": "attributes.type", "Tags": "attributes.tags",
        "Vendor": "brand", "Variant Price": "price", "Variant Inventory Qty": "stock", "Image Src": "image_url",
        "Cost per item": "attributes.cost", "Variant Compare At Price": "attributes.compare_at_price",
    }  # fmt: skip
    assert "Published" not in products.unplaced and products.lists == {"Tags": ","}
    # draft and archived products are not for sale, nor one not published on the online store
    assert products.listed == {"Status": ["active"], "Published": ["true", ""]}
    assert products.options == {"Option1 Value": "Option1 Name"}  # sizes, colours: facets
    orders = draft(ORDER_HEADER)
    assert orders.table == "events" and orders.group == "Name" and orders.constants == {"type": "purchase"}
    assert orders.columns == {
        "Created at": "timestamp", "Email": "user_id", "Lineitem sku": "item_id", "Lineitem quantity": "quantity",
        "Lineitem price": "price", "Currency": "currency", "Name": "order_id",
    }  # fmt: skip
    assert "Id" in orders.unplaced  # on an order's first line only: as event ids the lines collapsed
    assert orders.listed == {  # a refunded or voided order is no purchase to learn from
        "Financial Status": ["paid", "partially_paid", "partially_refunded", "authorized", "pending"]
    }


def _shop(tmp_path: Path) -> None:
    first = {"Title": "Vero Shower Trim", "Body (HTML)": "<p><strong>Vero</strong> trim&nbsp;kit</p>",
             "Vendor": "Delta", "Product Category": "Hardware > Plumbing", "Type": "Faucets",
             "Tags": "sale, chrome", "Published": "TRUE", "Option1 Name": "Color", "Status": "active",
             "Image Src": "https://cdn.example/vero.jpg", "Image Position": "1"}  # fmt: skip
    _write(
        tmp_path / "products_export_1.csv",
        PRODUCT_HEADER,
        [
            {"Handle": "vero-trim", **first, "Option1 Value": "Chrome", "Variant SKU": "VT-C",
             "Variant Inventory Qty": "4", "Variant Price": "129.00", "Variant Compare At Price": "159.00",
             "Cost per item": "70.00"},
            {"Handle": "vero-trim", "Option1 Value": "Bronze", "Variant SKU": "VT-B", "Variant Inventory Qty": "-2",
             "Variant Price": "119.00", "Variant Compare At Price": "149.00", "Cost per item": "65.00"},
            {"Handle": "vero-trim", "Option1 Value": "Black", "Variant SKU": "VT-K", "Variant Inventory Qty": "7",
             "Variant Price": "139.00", "Cost per item": "75.00"},
            {"Handle": "vero-trim", "Image Src": "https://cdn.example/vero-2.jpg", "Image Position": "2"},
            {"Handle": "angle", "Title": "Strong-Tie Angle", "Body (HTML)": "12-gauge", "Vendor": "Simpson",
             "Product Category": "Hardware > Brackets", "Type": "Brackets", "Tags": "diy", "Published": "TRUE",
             "Option1 Name": "Title", "Option1 Value": "Default Title", "Variant SKU": "SA-12",
             "Variant Inventory Qty": "30", "Variant Price": "3.50", "Status": "active"},
        ],
    )  # fmt: skip
    _write(
        tmp_path / "orders_export_1.csv",
        ORDER_HEADER,
        [
            {"Name": "#1001", "Email": "ann@example.com", "Financial Status": "paid", "Currency": "USD",
             "Paid at": "2026-11-20 10:00:00 +0100", "Created at": "2026-11-20 10:00:00 +0100",
             "Lineitem quantity": "1", "Lineitem name": "Vero Shower Trim - Bronze", "Lineitem price": "119.00",
             "Lineitem sku": "VT-B", "Billing Name": "Ann Example", "Id": "5001001", "Subtotal": "126.00"},
            {"Name": "#1001", "Email": "ann@example.com", "Created at": "2026-11-20 10:00:00 +0100",
             "Lineitem quantity": "2", "Lineitem name": "Strong-Tie Angle", "Lineitem price": "3.50",
             "Lineitem sku": "SA-12"},
            {"Name": "#1002", "Email": "bob@example.com", "Financial Status": "paid", "Currency": "USD",
             "Created at": "2026-11-21 09:30:00 +0100", "Lineitem quantity": "1",
             "Lineitem name": "Vero Shower Trim - Black", "Lineitem price": "139.00", "Lineitem sku": "VT-K",
             "Id": "5001002"},
            {"Name": "#1003", "Email": "cy@example.com", "Financial Status": "refunded", "Currency": "USD",
             "Created at": "2026-11-22 09:30:00 +0100", "Lineitem quantity": "1", "Lineitem name": "Angle",
             "Lineitem price": "3.50", "Lineitem sku": "SA-12", "Id": "5001003"},
            {"Name": "#1003", "Email": "cy@example.com", "Created at": "2026-11-22 09:30:00 +0100",
             "Lineitem quantity": "1", "Lineitem name": "Vero Shower Trim - Chrome", "Lineitem price": "129.00",
             "Lineitem sku": "VT-C"},
        ],
    )  # fmt: skip


def test_a_shopify_shop_ingests_as_products_and_purchases_joined_by_sku(tmp_path: Path) -> None:
    _shop(tmp_path)
    for name in ("products", "orders"):
        made = shopmind("mapping", f"{name}_export_1.csv", "--out", f"{name}.toml", cwd=tmp_path)
        assert made.returncode == 0, made.stderr
    toml = tmp_path / "products.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('# currency = "EUR"', 'currency = "USD"'))
    ran = shopmind("ingest", "products_export_1.csv", "--format", "table", "--mapping", "products.toml",
                   "-w", "ws", cwd=tmp_path)  # fmt: skip
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert "5 lines grouped by Handle into 2 products" in ran.stdout
    ran = shopmind("ingest", "orders_export_1.csv", "--format", "table", "--mapping", "orders.toml",
                   "-w", "ws", cwd=tmp_path)  # fmt: skip
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert "2 lines left out ([listed] Financial Status: refunded 2)" in ran.stdout  # both lines of #1003
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    products = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT product_id, title, description, category_path, brand, price, currency, stock, image_url, "
            "list_sort(list_transform(attributes, lambda a: [a.key, a.value])) FROM products"
        ).fetchall()
    }
    events = con.execute(
        "SELECT item_id, order_id, user_id, currency, price, quantity, type FROM events ORDER BY price"
    ).fetchall()
    audit = con.execute("SELECT count(*) FROM audit WHERE code = 'EVT_ITEM_SKU'").fetchone()
    quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()
    con.close()
    title, body, category, brand, price, currency, stock, image, attrs = products["vero-trim"]
    assert (title, category, brand, currency, image) == (
        "Vero Shower Trim", "Hardware > Plumbing", "Delta", "USD", "https://cdn.example/vero.jpg"
    )  # fmt: skip
    assert "<" not in body and "Vero trim kit" in body  # HTML stripped for search
    assert price == 119.0 and stock == 11  # the lowest variant price; 4 + 7, the oversold -2 as 0
    assert attrs == sorted(  # Type, each tag and each variant's colour as attributes (facets); numbers are
        # the cheapest variant's; the Color option named on the first line only is every variant's
        [["type", "Faucets"], ["tags", "sale"], ["tags", "chrome"], ["sku", "VT-B"], ["sku", "VT-C"],
         ["sku", "VT-K"], ["compare_at_price", "149.00"], ["cost", "65.00"], ["color", "Chrome"],
         ["color", "Bronze"], ["color", "Black"]]
    )  # fmt: skip
    assert not any(a[0] == "title" for a in products["angle"][-1])  # "Default Title" is no option
    assert products["angle"][4:7] == (3.5, "USD", 30)
    assert [e[:2] for e in events] == [("angle", "#1001"), ("vero-trim", "#1001"), ("vero-trim", "#1002")]
    assert {e[3] for e in events} == {"USD"}  # the second line's currency from its order's first line
    assert all("@" not in e[2] and e[2].startswith("~") for e in events)  # e-mails pseudonymised
    assert {e[6] for e in events} == {"purchase"} and audit == (3,) and quarantined == (0,)


def test_group_lines_keeps_lines_without_a_group_value_apart() -> None:
    frame = pl.DataFrame(
        {
            "order_id": ["#1", "#1", None, None],
            "currency": ["USD", None, "EUR", None],
            "item_id": list("abcd"),
        }
    )
    out, note = group_lines(frame, "events", "order_id", Path("x.csv"))
    assert out["currency"].to_list() == ["USD", "USD", "EUR", None]  # no fill across blank group values
    assert note == "4 lines grouped by order_id: 1 blank cells filled from their group's first line"
    products = pl.DataFrame(
        {"product_id": ["p", "p", None], "title": ["T", None, "U"], "price": ["9", "x", "2"]}
    )
    merged, _ = group_lines(products, "products", "product_id", Path("x.csv"))
    assert merged.rows() == [("p", "T", "9"), (None, "U", "2")]  # an unreadable price is the gate's to judge


def test_a_sku_two_products_list_or_a_product_id_is_not_rewritten() -> None:
    attrs = pl.List(pl.Struct({"key": pl.Utf8, "value": pl.Utf8}))
    catalog = pl.DataFrame(
        {
            "product_id": ["p1", "p2", "S3"],
            "attributes": [
                [{"key": "sku", "value": "S1"}, {"key": "sku", "value": "S2"}],
                [{"key": "sku", "value": "S2"}, {"key": "sku", "value": "S3"}],
                [],
            ],
        },
        schema={"product_id": pl.Utf8, "attributes": attrs},
    )
    index = sku_index(None, catalog)
    assert index is not None and dict(index.sort("sku").iter_rows()) == {"S1": "p1"}
    events = pl.DataFrame({"_row": [0, 1, 2, 3], "item_id": ["S1", "S2", "S3", "p2"]})
    out, audit = resolve_skus(events, index)
    assert out["item_id"].to_list() == ["p1", "S2", "S3", "p2"]
    assert audit.select("_row", "old_value", "new_value").rows() == [(0, "S1", "p1")]


WOO = """ID,Type,SKU,Name,Published,Description,In stock?,Stock,Sale price,Regular price,Categories,Tags,Images,Parent
44,variable,woo-hoodie,Hoodie,1,<p>Warm <b>hoodie</b></p>,1,,,,Clothing > Hoodies,"warm, winter",https://x/h.jpg,
45,variation,woo-hoodie-blue,Hoodie - Blue,1,,1,10,40,45,,,https://x/hb.jpg,woo-hoodie
46,variation,woo-hoodie-red,Hoodie - Red,1,,1,0,,47,,,https://x/hr.jpg,woo-hoodie
47,simple,woo-cap,Cap,1,<p>A cap</p>,1,25,16,18,Accessories,summer,https://x/c.jpg,
"""


def test_a_woocommerce_export_groups_variations_under_their_parent(tmp_path: Path) -> None:
    from shopmind.data.adapters.table import load
    from shopmind.data.mapping_draft import draft_for_file

    (tmp_path / "wc-product-export.csv").write_text(WOO, encoding="utf-8")
    d = draft_for_file(tmp_path / "wc-product-export.csv")
    assert (
        d.group == ["Parent", "SKU"]
        and d.columns["SKU"] == "attributes.sku"
        and d.columns["ID"] == "product_id"
    )
    assert "Type" not in d.columns  # WooCommerce's Type is simple/variable/variation, no merchant facet
    assert d.listed == {"Published": ["1"]}  # 0 private, -1 draft
    (tmp_path / "m.toml").write_text(
        d.toml("wc-product-export.csv").replace('# currency = "EUR"', 'currency = "EUR"')
    )
    batch = load(tmp_path / "wc-product-export.csv", tmp_path / "m.toml")
    got = batch.products.select("product_id", "title", "price", "stock").rows()
    # the parent's id and name (not "Hoodie - Blue"), the lowest price (Blue's sale price, no dates: on sale), 10 + 0
    assert got == [("44", "Hoodie", "40", "10"), ("47", "Cap", "16", "25")]
    assert d.sale == {"price": "Sale price"}
    skus = [a["value"] for a in batch.products["attributes"][0] if a["key"] == "sku"]
    assert sorted(skus) == ["woo-hoodie", "woo-hoodie-blue", "woo-hoodie-red"]


def test_products_not_for_sale_are_left_out_and_said(tmp_path: Path) -> None:
    from shopmind.data.adapters.table import load

    rows = [
        {"Handle": "a", "Title": "A", "Variant SKU": "A-1", "Variant Price": "5", "Status": "active"},
        {
            "Handle": "a",
            "Variant SKU": "A-2",
            "Variant Price": "6",
        },  # its status is its product's first line's
        {"Handle": "b", "Title": "B", "Variant SKU": "B-1", "Variant Price": "7", "Status": "draft"},
        {"Handle": "c", "Title": "C", "Variant SKU": "C-1", "Variant Price": "8", "Status": "Archived"},
        {"Handle": "d", "Title": "D", "Variant SKU": "D-1", "Variant Price": "9", "Status": "ACTIVE"},
    ]
    _write(tmp_path / "products_export.csv", PRODUCT_HEADER, rows)
    d = draft(PRODUCT_HEADER)
    (tmp_path / "m.toml").write_text(
        d.toml("products_export.csv").replace('# currency = "EUR"', 'currency = "EUR"')
    )
    batch = load(tmp_path / "products_export.csv", tmp_path / "m.toml")
    assert batch.products["product_id"].to_list() == ["a", "d"]
    assert batch.meta["read_as"]["products"].endswith(
        "2 products not for sale left out ([listed] Status: Archived 1, draft 1): kept as not for sale, their "
        "orders stay purchases"
    )


def test_the_spark_sku_lookup_reads_only_the_columns_the_products_have(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A batch's products without attributes list no SKU: their ids alone are read; before, an
    all-null attributes column was made for them and exploded for nothing."""
    from shopmind.engine.spark import skus as spark_skus

    seen: list[list[str]] = []
    real = spark_skus.sku_index
    monkeypatch.setattr(spark_skus, "sku_index", lambda store, p: seen.append(p.columns) or real(store, p))
    assert spark_skus.sku_lookup(None, pl.LazyFrame({"product_id": ["S1"], "title": ["t"]})) is None
    attrs = pl.List(pl.Struct({"key": pl.Utf8, "value": pl.Utf8}))
    listed = pl.DataFrame(
        {"product_id": ["p1"], "attributes": [[{"key": "sku", "value": "S1"}]]},
        schema={"product_id": pl.Utf8, "attributes": attrs},
    )
    index = spark_skus.sku_lookup(None, listed)
    assert index is not None and [(i.rows(), code) for i, code in index] == [([("S1", "p1")], "EVT_ITEM_SKU")]
    assert seen == [["product_id"], ["product_id", "attributes"]]


WOO_DATED = """ID,Type,SKU,Name,Published,Date sale price starts,Date sale price ends,Stock,Sale price,Regular price,Parent
1,simple,now,Now,1,2001-01-01,2099-12-31,3,"12,50","15,00",
2,simple,later,Later,1,2099-01-01,,3,10,20,
3,simple,over,Over,1,2001-01-01,2001-02-01 00:00:00,3,10,20,
4,simple,open,Open,1,,,3,9.99,11.99,
5,simple,none,None,1,,,3,,30,
6,simple,odd,Odd,1,01/02/2001,,3,5,7,
"""


def test_a_woocommerce_sale_price_is_the_price_within_its_dates(tmp_path: Path) -> None:
    """Before, the draft mapped Regular price alone (Sale price unplaced): every product on sale was
    priced, filtered and sorted at its regular price."""
    from shopmind.data.adapters.table import load
    from shopmind.data.mapping_draft import draft_for_file

    (tmp_path / "wc.csv").write_text(WOO_DATED, encoding="utf-8-sig")  # Excel-friendly exports carry a BOM
    d = draft_for_file(tmp_path / "wc.csv")
    assert d.columns["Regular price"] == "price"
    assert d.sale == {
        "price": "Sale price",
        "starts": "Date sale price starts",
        "ends": "Date sale price ends",
    }
    assert not {"Sale price", "Date sale price starts"} & set(d.unplaced)
    (tmp_path / "m.toml").write_text(d.toml("wc.csv").replace('# currency = "EUR"', 'currency = "EUR"'))
    batch = load(tmp_path / "wc.csv", tmp_path / "m.toml")
    rows = {
        pid: (price, {a["key"]: a["value"] for a in attrs or []}.get("compare_at_price"))
        for pid, price, attrs in batch.products.select("product_id", "price", "attributes").rows()
    }
    assert rows == {
        "1": ("12,50", "15,00"),  # on sale today: the sale price (read by the gate as 12.50), regular kept
        "2": ("20", None),  # not begun
        "3": ("20", None),  # over (its last day 2001-02-01)
        "4": ("9.99", "11.99"),  # a sale without dates is on
        "5": ("30", None),  # no sale price
        "6": ("7", None),  # a date not read as a day: the regular price, and said
    }
    note = batch.meta["read_as"]["products"]
    assert "2 lines on sale priced at their Sale price" in note
    assert "1 sales not begun, 1 sales over, 1 sales with a date not read as YYYY-MM-DD" in note
    assert "Sale price" not in batch.meta["ignored_columns"]["products"]


def test_a_group_s_lowest_price_reads_a_decimal_comma() -> None:
    """Read as a dot number, "12,50" was no number and sorted last: a product whose variants are priced
    "12,50" and "109,00" was "from 109,00" (its first line with a number) instead of 12,50."""
    frame = pl.DataFrame(
        {"product_id": ["p", "p", "p"], "title": ["T", None, None], "price": ["109,00", "x", "12,50"]}
    )
    merged, _ = group_lines(frame, "products", "product_id", Path("x.csv"))
    assert merged.rows() == [("p", "T", "12,50")]


def test_shopify_options_are_list_facets_of_the_grouped_product(tmp_path: Path) -> None:
    """Before, Option1/Option2 Name and Value were not drafted (unplaced): no size or colour facet."""
    from shopmind.data.adapters.table import load

    header = [*PRODUCT_HEADER, "Option2 Name", "Option2 Value"]
    base = {"Handle": "shoe", "Status": "active"}
    rows = [
        {**base, "Title": "Runner", "Option1 Name": "Size", "Option1 Value": "9", "Option2 Name": "Color",
         "Option2 Value": "Red", "Variant SKU": "1002", "Variant Price": "60"},
        {**base, "Option1 Value": "8", "Option2 Value": "Red", "Variant SKU": "1001", "Variant Price": "55"},
        {**base, "Option1 Value": "8", "Option2 Value": "", "Variant SKU": "1003", "Variant Price": "55"},
        {**base, "Image Src": "https://cdn.example/shoe-2.jpg"},  # an image line: no option
    ]  # fmt: skip
    _write(tmp_path / "p.csv", header, rows)
    d = draft(header)
    assert d.options == {"Option1 Value": "Option1 Name", "Option2 Value": "Option2 Name"}
    (tmp_path / "m.toml").write_text(d.toml("p.csv").replace('# currency = "EUR"', 'currency = "EUR"'))
    batch = load(tmp_path / "p.csv", tmp_path / "m.toml")
    (attrs,) = batch.products["attributes"].to_list()
    got: dict[str, list[str]] = {}
    for a in attrs:
        got.setdefault(a["key"], []).append(a["value"])
    # every variant's size (numbers, yet not the cheapest's only) and SKU; a blank option value adds none
    assert got == {"sku": ["1001", "1003", "1002"], "size": ["8", "9"], "color": ["Red"]}
    assert "Option1 Value" not in batch.meta["ignored_columns"]["products"]


def test_orders_of_an_archived_product_are_purchases_but_it_is_not_for_sale(tmp_path: Path) -> None:
    """[listed] left an archived product out of the catalogue, and then every order of it was quarantined
    as EVT_ITEM_UNKNOWN: the shop's real purchases were lost to the models and the forecasts. Now the
    store keeps it as not for sale; its order lines are accepted with the flag EVT_ITEM_UNLISTED (by its
    variant SKU too) and it stays out of the products (search, recommendations)."""
    rows = [
        {"Handle": "live", "Title": "Live", "Variant SKU": "L-1", "Variant Price": "5", "Status": "active"},
        {"Handle": "gone", "Title": "Gone", "Variant SKU": "G-1", "Variant Price": "6", "Status": "archived"},
        {"Handle": "gone", "Variant SKU": "G-2", "Variant Price": "7"},
    ]  # fmt: skip
    _write(tmp_path / "products_export.csv", PRODUCT_HEADER, rows)
    line = {"Financial Status": "paid", "Currency": "USD", "Created at": "2026-11-20 10:00:00 +0100"}
    orders = [
        {**line, "Name": "#1", "Email": "a@example.com", "Lineitem quantity": "1", "Lineitem sku": "L-1"},
        {**line, "Name": "#2", "Email": "b@example.com", "Lineitem quantity": "1", "Lineitem sku": "G-2"},
        {**line, "Name": "#3", "Email": "c@example.com", "Lineitem quantity": "2", "Lineitem sku": "gone"},
        {**line, "Name": "#4", "Email": "d@example.com", "Lineitem quantity": "1", "Lineitem sku": "never"},
    ]  # fmt: skip
    for o in orders:
        o["Lineitem price"] = "5"
    _write(tmp_path / "orders_export.csv", ORDER_HEADER, orders)
    for name in ("products", "orders"):
        made = shopmind("mapping", f"{name}_export.csv", "--out", f"{name}.toml", cwd=tmp_path)
        assert made.returncode == 0, made.stderr
    toml = tmp_path / "products.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('# currency = "EUR"', 'currency = "USD"'))
    for name in ("products", "orders"):
        ran = shopmind("ingest", f"{name}_export.csv", "--format", "table", "--mapping", f"{name}.toml",
                       "-w", "ws", cwd=tmp_path)  # fmt: skip
        assert ran.returncode == 0, ran.stderr + ran.stdout
        if name == "products":
            assert "1 products not for sale left out ([listed] Status: archived 1): kept as not for sale" in (
                " ".join(ran.stdout.split())
            )
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    products = [r[0] for r in con.execute("SELECT product_id FROM products").fetchall()]
    events = con.execute("SELECT item_id, _flags FROM events ORDER BY item_id").fetchall()
    quarantined = con.execute("SELECT codes FROM quarantine").fetchall()
    checks = dict(con.execute("SELECT code, failed FROM run_checks WHERE table_name = 'events'").fetchall())
    con.close()
    assert products == ["live"]  # the archived product is in no search or recommendation
    assert events == [("gone", ["EVT_ITEM_UNLISTED"]), ("gone", ["EVT_ITEM_UNLISTED"]), ("live", [])]
    assert quarantined == [(["EVT_ITEM_UNKNOWN"],)]  # a SKU no product ever listed is still unknown
    assert checks["EVT_ITEM_UNLISTED"] == 2 and checks["EVT_ITEM_UNKNOWN"] == 1


def test_an_order_line_without_a_sku_is_not_given_its_first_line_s_item() -> None:
    """A variant without a SKU writes an order line with a blank Lineitem sku; the group filled it from the
    order's first line, recording a purchase of the other item (and its quantity and price if blank)."""
    frame = pl.DataFrame(
        {
            "order_id": ["#1", "#1"],
            "currency": ["EUR", None],
            "item_id": ["A-1", None],
            "quantity": ["2", None],
            "price": ["5.00", None],
        }
    )
    out, _ = group_lines(frame, "events", "order_id", Path("x.csv"))
    assert out.rows() == [("#1", "EUR", "A-1", "2", "5.00"), ("#1", "EUR", None, None, None)]


WOO_ATTRS = """ID,Type,SKU,Name,Published,Stock,Regular price,Parent,Attribute 1 name,Attribute 1 value(s),Attribute 2 name,Attribute 2 value(s)
44,variable,hoodie,Hoodie,1,,,,Size,"S, M, L",Material,Cotton
45,variation,hoodie-s,Hoodie - S,1,3,45,hoodie,Size,S,,
46,variation,hoodie-m,Hoodie - M,1,0,45,hoodie,Size,M,,
47,simple,cap,Cap,1,25,18,,Color,Red,,
"""


def test_woocommerce_attributes_are_list_facets_too(tmp_path: Path) -> None:
    """WooCommerce's Attribute 1 name / value(s) (the variable product's line lists its values, "S, M, L")
    were unplaced: no size or material facet."""
    from shopmind.data.adapters.table import load
    from shopmind.data.mapping_draft import draft_for_file

    (tmp_path / "wc.csv").write_text(WOO_ATTRS, encoding="utf-8")
    d = draft_for_file(tmp_path / "wc.csv")
    assert d.options == {
        "Attribute 1 value(s)": "Attribute 1 name",
        "Attribute 2 value(s)": "Attribute 2 name",
    }
    assert d.lists["Attribute 1 value(s)"] == ","
    (tmp_path / "m.toml").write_text(d.toml("wc.csv").replace('# currency = "EUR"', 'currency = "EUR"'))
    batch = load(tmp_path / "wc.csv", tmp_path / "m.toml")
    got = {}
    for pid, attrs in batch.products.select("product_id", "attributes").rows():
        got[pid] = sorted((a["key"], a["value"]) for a in attrs if a["key"] != "sku")
    assert got == {
        "44": [("material", "Cotton"), ("size", "L"), ("size", "M"), ("size", "S")],
        "47": [("color", "Red")],
    }
