"""`shopmind mapping` reads the export's first values as well as its header (t1x, session 28).

The first-hour walk found two drafts that sent the user into a failed first ingest: a catalog whose
prices read "$24.99" or "7,50 €" got no ``[formats]`` (every row quarantined as TYPE_ERROR), and a
"customer,sku,qty" file was drafted as products with its quantity as stock."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.data.mapping_draft import draft, draft_for_file
from shopmind.data.readers import load_mapping


def _ingest(tmp_path: Path, name: str, text: str) -> tuple[int, str]:
    """Draft the file's mapping, then ingest the file with it unchanged."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["mapping", str(tmp_path / name), "-o", str(tmp_path / "m.toml")])
    assert res.exit_code == 0, res.output
    load_mapping(tmp_path / "m.toml")  # the draft is a mapping ingest reads
    res = CliRunner().invoke(
        app,
        ["ingest", str(tmp_path / name), "-f", "table", "--mapping", str(tmp_path / "m.toml"),
         "-w", str(tmp_path / "ws")],
        env={"COLUMNS": "200", "NO_COLOR": "1"},
    )  # fmt: skip
    return res.exit_code, res.output


@pytest.mark.parametrize(
    ("text", "formats", "currency"),
    [
        ("sku,title,price\nA1,Linen shirt,€24.99\nA2,Cap,€12.00\nA3,Belt,€8.50\n",
         {"currency_sign": "€", "decimal": "dot"}, "EUR"),
        ("Artikelnummer;Bezeichnung;Preis\nA1;Hemd;7,50 €\nA2;Mütze;\"1.299,00 €\"\nA3;Gürtel;12,00 €\n",
         {"currency_sign": "€", "decimal": "comma"}, "EUR"),
        ("sku,title,price\nA1,Linen shirt,24.99 PLN\nA2,Cap,12 PLN\nA3,Belt,8.50 PLN\n",
         {"currency_sign": "PLN", "decimal": "dot"}, "PLN"),
    ],
)  # fmt: skip
def test_signed_prices_get_formats_and_the_currency_the_sign_names(
    tmp_path: Path, text: str, formats: dict[str, str], currency: str
) -> None:
    (tmp_path / "catalog.csv").write_text(text, encoding="utf-8")
    result = draft_for_file(tmp_path / "catalog.csv")
    assert result.formats == formats and result.constants == {"currency": currency}
    code, output = _ingest(tmp_path, "catalog.csv", text)
    assert code == 0 and "TYPE_ERROR" not in output, output  # every price read on the first ingest


def test_a_dollar_sign_gets_its_formats_and_a_word_on_the_currency(tmp_path: Path) -> None:
    (tmp_path / "catalog.csv").write_text('sku,title,price\nA1,Linen shirt,$24.99\nA2,Cap,"$1,299.00"\n')
    result = draft_for_file(tmp_path / "catalog.csv")
    assert result.formats == {"currency_sign": "$", "decimal": "dot"} and "currency" not in result.constants
    text = result.toml("catalog.csv")
    assert "[formats]" in text and 'currency_sign = "$"' in text
    assert "several currencies use" in text and "USD, CAD" in text and result.needs_currency


def test_plain_prices_get_no_formats_and_mixed_signs_are_said(tmp_path: Path) -> None:
    (tmp_path / "plain.csv").write_text("sku,title,price,currency\nA1,Shirt,24.99,USD\nA2,Cap,12,USD\n")
    assert draft_for_file(tmp_path / "plain.csv").formats == {}
    (tmp_path / "tbd.csv").write_text("sku,title,price\nA1,Shirt,TBD\nA2,Cap,12\n")  # no currency code
    assert draft_for_file(tmp_path / "tbd.csv").formats == {}
    (tmp_path / "mixed.csv").write_text("sku,title,price\nA1,Shirt,$24.99\nA2,Cap,€12.00\n")
    mixed = draft_for_file(tmp_path / "mixed.csv")
    assert "currency_sign" not in mixed.formats and any(
        "several currency signs ($, €)" in n for n in mixed.notes
    )


@pytest.mark.parametrize(
    "headers",
    [["customer", "sku", "qty"], ["Customer ID", "Product", "Quantity"], ["email", "item", "count"]],
)
def test_a_customer_an_item_and_a_quantity_are_purchases(headers: list[str]) -> None:
    result = draft(headers)
    assert result.table == "events" and result.constants == {"type": "purchase"}
    assert set(result.columns.values()) == {"user_id", "item_id", "quantity"}
    assert result.missing == ["timestamp"]  # asked for, not guessed


def test_a_stock_list_without_customers_stays_a_catalog() -> None:
    result = draft(["sku", "title", "qty"])
    assert result.table == "products" and result.columns["qty"] == "stock"
