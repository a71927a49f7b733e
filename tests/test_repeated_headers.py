"""A repeated header as Excel (``price_1``) and pandas (``price.1``) name its second copy is the
repeated column it is, by the rule for two ``price`` headers (``records.repeat_of``): the mapping
draft maps the first copy and says so, a canonical file refuses the column given twice."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from shopmind.data.adapters import canonical, table
from shopmind.data.mapping_draft import draft, draft_for_file
from shopmind.data.readers import InputError, load_mapping
from shopmind.data.records import repeat_of


def _workbook(path: Path, rows: list[list[str]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    wb.close()
    return path


def test_repeat_of_knows_the_three_namings_and_needs_the_first_copy() -> None:
    headers = ["sku", "price", "price_1", "price.1", "price_duplicated_0", "price_1_1", "image_1", "v.2"]
    assert [repeat_of(h, headers) for h in headers] == [
        None,
        None,
        "price",
        "price",
        "price",
        "price",
        None,
        None,
    ]
    assert repeat_of("price_0", ["price", "price_0"]) is None  # no tool numbers a copy 0 this way
    assert repeat_of("price_01", ["price", "price_01"]) is None


@pytest.mark.parametrize("second", ["price_1", "price.1"])
def test_the_draft_maps_the_first_copy_and_says_the_second_repeats_it(second: str) -> None:
    headers = ["order", "customer", "sku", "date", "qty", "price", second]
    result = draft(headers)
    assert result.columns.get("price") == "price" and second not in result.columns
    assert result.repeated == {"price": [("price", 6), (second, 7)]}
    text = result.toml("orders.csv")
    assert (
        f"# price is 2 columns of the header: the first (column 6) is mapped under its name; the later are read as {second} (column 7)"
        in text.replace('"', "")
    )


def test_a_workbook_with_a_repeated_header_drafts_and_ingests_the_first_copy(tmp_path: Path) -> None:
    """fastexcel names a workbook's second ``price`` ``price_1``: it was an unplaced column."""
    book = _workbook(
        tmp_path / "orders.xlsx",
        [["order", "customer", "sku", "date", "qty", "price", "price"], ["1", "u1", "A1", "2026-11-01", "2", "12.50", "10.00"]],
    )  # fmt: skip
    result = draft_for_file(book)
    assert result.repeated == {"price": [("price", 6), ("price_1", 7)]}
    (tmp_path / "o.toml").write_text(result.toml(book.name) + 'currency = "EUR"\n', encoding="utf-8")
    batch = table.load(book, load_mapping(tmp_path / "o.toml"))
    assert batch.events["price"].to_list() == ["12.50"]
    assert batch.meta["ignored_columns"] == {"events": ["price_1"]}


@pytest.mark.parametrize(
    "header", ["product_id,title,title.1", "product_id,title,title_1", "product_id,title,Title"]
)
def test_a_canonical_column_given_twice_in_any_naming_is_refused(tmp_path: Path, header: str) -> None:
    (tmp_path / "products.csv").write_text(f"{header}\nP1,A,B\nP2,C,D\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'title' is given 2 times in the header"):
        canonical.load(tmp_path)


def test_a_canonical_workbook_with_a_column_twice_is_refused(tmp_path: Path) -> None:
    _workbook(tmp_path / "products.xlsx", [["product_id", "title", "title"], ["P1", "Mug", "Cup"]])
    with pytest.raises(
        InputError, match=r"column 'title' is given 2 times in the header \('title', 'title_1'\)"
    ):
        canonical.load(tmp_path)


def test_a_numbered_column_without_its_base_is_a_column_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text("product_id,title,image_1\nP1,Mug,a.jpg\n", encoding="utf-8")
    batch = canonical.load(tmp_path)
    assert batch.products["title"].to_list() == ["Mug"]
    assert batch.meta["ignored_columns"] == {"products": ["image_1"]}
