"""`shopmind mapping`: a draft mapping TOML from an export's header (data.mapping_draft)."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopmind.data.mapping_draft import draft, draft_for_file
from shopmind.data.readers import load_mapping

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))

SHOPIFY = ["Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Published", "Variant SKU",
           "Variant Price", "Variant Inventory Qty", "Image Src"]  # fmt: skip


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_a_shopify_product_export_maps_to_products() -> None:
    d = draft(SHOPIFY)
    assert d.table == "products"
    assert d.columns == {
        "Variant SKU": "product_id", "Title": "title", "Body (HTML)": "description", "Type": "category_path",
        "Vendor": "brand", "Variant Price": "price", "Variant Inventory Qty": "stock", "Image Src": "image_url",
        "Published": "created_at",
    }  # fmt: skip
    assert d.unplaced == ["Handle", "Tags"] and d.missing == []


def test_a_chinese_back_office_export_maps_to_products() -> None:
    d = draft(["商品编号", "商品名称", "品牌", "类目", "售价", "库存", "主图"])
    assert d.table == "products"
    assert d.columns == {"商品编号": "product_id", "商品名称": "title", "品牌": "brand", "类目": "category_path",
                         "售价": "price", "库存": "stock", "主图": "image_url"}  # fmt: skip


def test_order_lines_become_purchase_events_and_judgments_are_told_apart() -> None:
    d = draft(["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"])
    assert d.table == "events" and d.constants == {"type": "purchase"} and d.missing == []
    assert d.columns["InvoiceNo"] == "order_id" and d.columns["StockCode"] == "item_id"
    j = draft(["id", "product_uid", "search_term", "relevance"])
    assert j.table == "judgments" and j.missing == []
    assert j.columns == {"product_uid": "product_id", "search_term": "query", "relevance": "relevance"}


def test_what_cannot_be_placed_is_said_and_table_can_be_forced() -> None:
    d = draft(["colour", "weight"], table="products")
    assert d.columns == {} and d.missing == ["product_id", "title"] and d.unplaced == ["colour", "weight"]
    text = d.toml("x.csv")
    assert "# required product_id: no column of the file looks like it" in text
    with pytest.raises(ValueError, match="table must be one of"):
        draft(["a"], table="orders")  # type: ignore[arg-type]


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=8, unique=True))
def test_every_draft_is_valid_toml_that_load_mapping_accepts(headers: list[str]) -> None:
    d = draft(headers)
    doc = tomllib.loads(d.toml('we"ird\nname.csv'))
    assert doc["table"] == d.table
    assert doc.get("columns", {}) == d.columns  # every header survives TOML quoting exactly
    assert set(doc.get("columns", {})) <= set(headers)


def test_the_draft_ingests_end_to_end(tmp_path: Path) -> None:
    rows = [
        ["mug-blue", "Blue Mug", "<p>A mug</p>", "Acme", "Kitchen", "mug", "2026-01-02", "SKU1", "12.50", "5",
         "https://cdn.example/mug.jpg"],
        ["pot", "Tea Pot", "", "Acme", "Kitchen", "", "2026-01-03", "SKU2", "30", "1", ""],
    ]  # fmt: skip
    text = ",".join(SHOPIFY) + "\n" + "".join(",".join(r) + "\n" for r in rows)
    (tmp_path / "export.csv").write_text(text, encoding="utf-8")
    made = shopmind("mapping", "export.csv", "--out", "export.toml", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert load_mapping(tmp_path / "export.toml").table == "products"
    assert "prices but no currency column" in made.stderr + made.stdout
    drafted = (tmp_path / "export.toml").read_text(encoding="utf-8")
    assert '# currency = "EUR"' in drafted
    (tmp_path / "export.toml").write_text(
        drafted.replace('# currency = "EUR"', 'currency = "EUR"')
    )  # the user's fix
    again = shopmind("mapping", "export.csv", "--out", "export.toml", cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr + again.stdout
    run = shopmind(
        "ingest", "export.csv", "--format", "table", "--mapping", "export.toml", "-w", "ws", cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    got = sorted(con.execute("SELECT product_id, title, brand, price, stock FROM products").fetchall())
    con.close()
    assert got == [("SKU1", "Blue Mug", "Acme", 12.5, 5), ("SKU2", "Tea Pot", "Acme", 30.0, 1)]
    missing = shopmind("ingest", "export.csv", "--format", "table", "-w", "ws2", cwd=tmp_path)
    assert (
        missing.returncode == 2
        and "`shopmind mapping export.csv` drafts one" in missing.stderr + missing.stdout
    )


def test_real_online_retail_header_drafts_purchase_events(tmp_path: Path) -> None:
    source = DATA / "online-retail" / "online_retail.csv.gz"
    if not source.is_file():
        pytest.skip(f"{source} not present")
    with gzip.open(source, "rt", encoding="utf-8", errors="replace") as f:
        head = "".join(next(f) for _ in range(200))
    (tmp_path / "orders.csv").write_text(head, encoding="utf-8")
    d = draft_for_file(tmp_path / "orders.csv")
    assert d.table == "events" and d.constants == {"type": "purchase"} and d.missing == []
    assert set(d.columns.values()) == {"timestamp", "user_id", "item_id", "quantity", "price", "order_id"}
    assert d.unplaced == ["Description", "Country"]
