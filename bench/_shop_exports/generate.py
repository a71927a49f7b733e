"""Seeded Shopify and WooCommerce exports with the platforms' real column sets and their awkward cases.

Shopify: ``products_export_1.csv`` (one line per variant and per extra image under the Handle; the
product's cells on its first line only; ``Option1..3 Name`` on the first line, values per variant;
``Title`` / ``Default Title`` for a product without options; Status active / draft / archived) and
``orders_export_1.csv`` (one line per item under the order's Name; currency, payment and the order's Id
on its first line only; refunded and voided orders). WooCommerce: ``wc-product-export-<date>.csv``
(UTF-8 with a BOM, as WooCommerce writes it; a variable product, then its variations naming it in
Parent by its SKU; Regular and Sale price with the sale's dates; Attribute 1 name / value(s)).

The awkward cases, each counted in ``Expected``: an empty option value, a variant without a SKU (and
its order lines, which name no SKU), a sale price without dates, a sale over, a sale not begun, prices
written with a decimal comma, draft and archived products with orders, a refunded order.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

SHOPIFY_PRODUCTS = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option1 Linked To", "Option2 Name", "Option2 Value", "Option2 Linked To",
    "Option3 Name", "Option3 Value", "Option3 Linked To", "Variant SKU", "Variant Grams",
    "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
    "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price", "Variant Requires Shipping",
    "Variant Taxable", "Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Gift Card",
    "SEO Title", "SEO Description", "Variant Image", "Variant Weight Unit", "Variant Tax Code",
    "Cost per item", "Status",
]  # fmt: skip
SHOPIFY_ORDERS = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Billing Street", "Billing City", "Billing Zip", "Billing Country", "Notes",
    "Cancelled at", "Payment Method", "Refunded Amount", "Vendor", "Id", "Tags", "Risk Level", "Source",
    "Lineitem discount", "Phone",
]  # fmt: skip
WOO_PRODUCTS = [
    "ID", "Type", "SKU", "Name", "Published", "Is featured?", "Visibility in catalog", "Short description",
    "Description", "Date sale price starts", "Date sale price ends", "Tax status", "Tax class", "In stock?",
    "Stock", "Low stock amount", "Backorders allowed?", "Sold individually?", "Weight (kg)", "Length (cm)",
    "Width (cm)", "Height (cm)", "Allow customer reviews?", "Purchase note", "Sale price", "Regular price",
    "Categories", "Tags", "Shipping class", "Images", "Download limit", "Download expiry days", "Parent",
    "Grouped products", "Upsells", "Cross-sells", "External URL", "Button text", "Position",
    "Attribute 1 name", "Attribute 1 value(s)", "Attribute 1 visible", "Attribute 1 global",
]  # fmt: skip

KINDS = [  # (category, type, nouns, vendors, option name, option values, second option)
    ("Apparel & Accessories > Clothing > Shirts", "Shirts", ["Linen Shirt", "Oxford Shirt", "Flannel Shirt"],
     ["Northwind", "Kestrel"], "Size", ["S", "M", "L", "XL"], ("Color", ["White", "Blue", "Sage"])),
    ("Apparel & Accessories > Shoes", "Shoes", ["Trail Runner", "City Sneaker", "Leather Boot"],
     ["Stride", "Kestrel"], "Size", ["8", "9", "10", "11"], None),
    ("Home & Garden > Kitchen & Dining", "Kitchen", ["Chef Knife", "Cast Iron Pan", "Café Mug"],
     ["Ironhouse", "Brühl & Co"], "Title", ["Default Title"], None),
    ("Home & Garden > Decor", "Decor", ["Wool Throw", "Linen Cushion", "Ceramic Vase"],
     ["Maison Lune", "Northwind"], "Color", ["Oat", "Rust", "Slate"], None),
]  # fmt: skip
ADJ = ["Classic", "Everyday", "Heritage", "Lightweight", "Organic", "Premium", "Studio", "Weekend"]


@dataclass
class Expected:
    """What the generator wrote on purpose, to read the ingest's counts against."""

    products: int = 0
    product_lines: int = 0
    not_for_sale: dict[str, int] = field(default_factory=dict)
    order_lines: int = 0
    refunded_lines: int = 0
    lines_without_sku: int = 0
    lines_of_not_for_sale: int = 0
    variants_without_sku: int = 0
    empty_option_values: int = 0
    woo_products: int = 0
    woo_lines: int = 0
    woo_on_sale_lines: int = 0
    woo_sale_without_dates: int = 0
    woo_sale_over: int = 0
    woo_sale_later: int = 0
    woo_comma_prices: int = 0


def _write(path: Path, header: list[str], rows: list[dict[str, str]], bom: bool = False) -> None:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(rows)


def shopify(folder: Path, seed: int = 28, n_products: int = 120, n_orders: int = 400) -> Expected:
    """The Shopify products and orders exports in ``folder``; what they hold on purpose."""
    rng = random.Random(seed)
    exp = Expected()
    rows: list[dict[str, str]] = []
    variants: list[tuple[str, str, str, float, str]] = []  # sku, handle, name, price, status
    for i in range(n_products):
        category, kind, nouns, vendors, opt, values, second = KINDS[i % len(KINDS)]
        noun = nouns[(i // len(KINDS)) % len(nouns)]
        title = f"{ADJ[i % len(ADJ)]} {noun} {i:03d}"
        handle = title.lower().replace(" ", "-").replace("é", "e")
        status = "draft" if i % 17 == 5 else "archived" if i % 23 == 7 else "active"
        if status != "active":
            exp.not_for_sale[status] = exp.not_for_sale.get(status, 0) + 1
        base = round(rng.uniform(9, 140), 0) - 0.01
        chosen = values if opt == "Title" else rng.sample(values, k=rng.randint(2, len(values)))
        seconds = second[1][: rng.randint(1, len(second[1]))] if second else [None]
        first = True
        for v in chosen:
            for s in seconds:
                sku = f"{handle[:3].upper()}-{i:03d}-{v}{'-' + s[:2].upper() if s else ''}"
                if i % 29 == 3 and not first:  # a variant the merchant never gave a SKU
                    sku = ""
                    exp.variants_without_sku += 1
                price = base + (2.0 if v in ("XL", "11") else 0.0)
                line = {"Handle": handle, "Option1 Value": v, "Variant SKU": sku, "Variant Grams": "450",
                        "Variant Inventory Tracker": "shopify", "Variant Inventory Qty": str(rng.randint(-2, 40)),
                        "Variant Inventory Policy": "deny", "Variant Fulfillment Service": "manual",
                        "Variant Price": f"{price:.2f}", "Variant Requires Shipping": "TRUE",
                        "Variant Taxable": "TRUE", "Variant Weight Unit": "kg",
                        "Cost per item": f"{price * 0.45:.2f}"}  # fmt: skip
                if rng.random() < 0.2:
                    line["Variant Compare At Price"] = f"{price * 1.25:.2f}"
                if s is not None:
                    line["Option2 Value"] = s
                    if i % 13 == 1 and not first:  # an empty option value
                        line["Option2 Value"] = ""
                        exp.empty_option_values += 1
                if first:
                    line.update({"Title": title, "Vendor": vendors[i % len(vendors)], "Product Category": category,
                                 "Body (HTML)": f"<p>The <strong>{title}</strong>: {noun.lower()} for every day.</p>",
                                 "Type": kind, "Tags": ", ".join(rng.sample(["new", "sale", "gift", "eco", "bestseller"], 2)),
                                 "Published": "TRUE" if status == "active" else "FALSE", "Option1 Name": opt,
                                 "Image Src": f"https://cdn.shopify.example/{handle}-1.jpg", "Image Position": "1",
                                 "Gift Card": "FALSE", "Status": status})  # fmt: skip
                    if second:
                        line["Option2 Name"] = second[0]
                rows.append(line)
                variants.append((sku, handle, f"{title} - {v}", price, status))
                first = False
        if i % 3 == 0:  # an extra image line
            rows.append({"Handle": handle, "Image Src": f"https://cdn.shopify.example/{handle}-2.jpg",
                         "Image Position": "2"})  # fmt: skip
    exp.products = n_products - sum(exp.not_for_sale.values())
    exp.product_lines = len(rows)
    _write(folder / "products_export_1.csv", SHOPIFY_PRODUCTS, rows)
    orders: list[dict[str, str]] = []
    start = datetime(2026, 9, 1, 8, tzinfo=UTC)
    for n in range(n_orders):
        name, email = f"#{1001 + n}", f"customer{rng.randint(1, 160)}@example.com"
        when = (start + timedelta(minutes=rng.randint(0, 60 * 24 * 90))).strftime("%Y-%m-%d %H:%M:%S +0100")
        status = "refunded" if n % 41 == 9 else "voided" if n % 97 == 50 else "paid"
        for k, (sku, _handle, label, price, p_status) in enumerate(rng.sample(variants, rng.randint(1, 3))):
            line = {"Name": name, "Email": email, "Created at": when, "Lineitem quantity": str(rng.randint(1, 3)),
                    "Lineitem name": label, "Lineitem price": f"{price:.2f}", "Lineitem sku": sku,
                    "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                    "Lineitem fulfillment status": "fulfilled", "Lineitem discount": "0.00"}  # fmt: skip
            if k == 0:
                line.update({"Financial Status": status, "Paid at": when, "Fulfillment Status": "fulfilled",
                             "Accepts Marketing": "no", "Currency": "EUR", "Subtotal": "0", "Total": "0",
                             "Billing Name": f"Kundin {n}", "Billing City": "Köln", "Billing Country": "DE",
                             "Id": str(5_600_000_000 + n), "Source": "web", "Risk Level": "Low",
                             "Payment Method": "Shopify Payments"})  # fmt: skip
            orders.append(line)
            exp.order_lines += 1
            if status != "paid":
                exp.refunded_lines += 1
            elif not sku:
                exp.lines_without_sku += 1
            elif p_status != "active":
                exp.lines_of_not_for_sale += 1
    _write(folder / "orders_export_1.csv", SHOPIFY_ORDERS, orders)
    return exp


def woocommerce(folder: Path, seed: int = 28, n_products: int = 60) -> tuple[Expected, Path]:
    """A WooCommerce product export (BOM, variable products and variations, sales) in ``folder``."""
    rng = random.Random(seed)
    exp = Expected()
    rows: list[dict[str, str]] = []
    next_id = 100

    def money(value: float, comma: bool) -> str:
        if comma:
            exp.woo_comma_prices += 1
            return f"{value:.2f}".replace(".", ",")
        return f"{value:.2f}"

    for i in range(n_products):
        category, _kind, nouns, _vendors, opt, values, _second = KINDS[i % len(KINDS)]
        name = f"{ADJ[(i + 3) % len(ADJ)]} {nouns[i % len(nouns)]} W{i:02d}"
        sku = f"wc-{i:02d}"
        comma = i % 7 == 2  # a shop whose sheet was saved with a decimal comma
        base = round(rng.uniform(8, 120), 0)
        common = {"Published": "1" if i % 19 != 4 else "0", "Visibility in catalog": "visible",
                  "Tax status": "taxable", "In stock?": "1", "Allow customer reviews?": "1",
                  "Categories": category.replace("Apparel & Accessories", "Apparel"), "Position": "0"}  # fmt: skip
        variable = opt != "Title" and i % 2 == 0
        sale, starts, ends = "", "", ""
        kind_of_sale = i % 5
        if kind_of_sale == 1:  # on sale, no dates
            sale = money(base * 0.8, comma)
            exp.woo_sale_without_dates += 1
        elif kind_of_sale == 2:
            sale, starts, ends = money(base * 0.7, comma), "2026-01-01", "2026-01-31"
            exp.woo_sale_over += 1
        elif kind_of_sale == 3:
            sale, starts, ends = money(base * 0.75, comma), "2099-01-01", ""
            exp.woo_sale_later += 1
        parent_line = {**common, "ID": str(next_id), "SKU": sku, "Name": name,
                       "Description": f"<p>{name}, made to last.</p>", "Short description": f"{name}",
                       "Tags": "new, gift" if i % 3 else "sale", "Images": f"https://shop.example/{sku}.jpg"}  # fmt: skip
        next_id += 1
        if not variable:
            parent_line.update({"Type": "simple", "Stock": str(rng.randint(0, 30)), "Regular price": money(base, comma),
                                "Sale price": sale, "Date sale price starts": starts, "Date sale price ends": ends})  # fmt: skip
            rows.append(parent_line)
            exp.woo_on_sale_lines += int(kind_of_sale == 1)
            exp.woo_lines += 1
            exp.woo_products += int(common["Published"] == "1")
            continue
        chosen = rng.sample(values, k=rng.randint(2, len(values)))
        parent_line.update({"Type": "variable", "Attribute 1 name": opt, "Attribute 1 value(s)": ", ".join(chosen),
                            "Attribute 1 visible": "1", "Attribute 1 global": "1"})  # fmt: skip
        rows.append(parent_line)
        exp.woo_lines += 1
        exp.woo_products += int(common["Published"] == "1")
        for v in chosen:
            rows.append({**common, "ID": str(next_id), "Type": "variation", "SKU": f"{sku}-{v.lower()}",
                         "Name": f"{name} - {v}", "Stock": str(rng.randint(0, 12)), "Parent": sku,
                         "Regular price": money(base, comma), "Sale price": sale, "Date sale price starts": starts,
                         "Date sale price ends": ends, "Attribute 1 name": opt, "Attribute 1 value(s)": v,
                         "Attribute 1 global": "1"})  # fmt: skip
            next_id += 1
            exp.woo_lines += 1
            exp.woo_on_sale_lines += int(kind_of_sale == 1)
    path = folder / "wc-product-export-7-12-2026-1733529600000.csv"
    _write(path, WOO_PRODUCTS, rows, bom=True)
    return exp, path
