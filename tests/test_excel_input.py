"""Workbooks (.xlsx, .ods ...) read as exports: first sheet, cells as text, rows accounted (data.excel)."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from shopmind.data.model import SOURCE_LINE
from shopmind.data.readers import InputError, read_table


def workbook(path: Path, rows: list[list[object]], extra_sheet: bool = False) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("商品")
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, datetime.datetime):
                ws.write_datetime(r, c, v, when)
            elif v is not None:
                ws.write(r, c, v)
    if extra_sheet:
        wb.add_worksheet("notes").write(0, 0, "lookup")
    wb.close()
    return path


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


ROWS: list[list[object]] = [
    ["product_id", "title", "price", "currency", "stock", "created_at"],
    ["P1", "蓝色马克杯", 12.5, "CNY", 5, datetime.datetime(2026, 1, 2, 10, 30)],
    [None, None, None, None, None, None],  # an empty row: skipped like a blank line
    ["P2", "Tea pot", "12,50", "EUR", "1", "2026-01-03"],
    ["P3", "勺子", 0.99, "CNY", None, None],
]


def test_the_first_sheet_is_read_as_text_with_its_row_numbers(tmp_path: Path) -> None:
    result = read_table(workbook(tmp_path / "products.xlsx", ROWS, extra_sheet=True))
    frame = result.frame
    assert frame[SOURCE_LINE].to_list() == [2, 4, 5]
    assert frame["product_id"].to_list() == ["P1", "P2", "P3"]
    assert frame["price"].to_list() == ["12.5", "12,50", "0.99"]
    assert frame["created_at"].to_list() == ["2026-01-02 10:30:00", "2026-01-03", None]
    assert (
        result.note == "workbook, sheet '商品' (not read: 'notes'; another: sheet = \"...\" in the mapping)"
    )


def test_a_folder_with_a_workbook_ingests_and_the_report_says_which_sheet(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    workbook(tmp_path / "shop" / "products.xlsx", ROWS, extra_sheet=True)
    run = shopmind("ingest", "shop", "-w", "ws", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    got = sorted(con.execute("SELECT product_id, price, currency, stock FROM products").fetchall())
    con.close()
    assert got == [("P1", 12.5, "CNY", 5), ("P2", 12.5, "EUR", 1), ("P3", 0.99, "CNY", None)]
    summary = json.loads(run.stdout[run.stdout.index("{") :])
    assert summary["meta"]["read_as"] == {
        "products": "workbook, sheet '商品' (not read: 'notes'; another: sheet = \"...\" in the mapping)"
    }
    # one workbook named after its table is detected too
    single = shopmind("ingest", "shop/products.xlsx", "-w", "ws2", cwd=tmp_path)
    assert single.returncode == 0, single.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 not really a zip", "cannot read the workbook"),
        (b"product_id,title\nP1,a\n", "cannot read the workbook"),
    ],
)
def test_a_file_that_is_no_workbook_is_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "products.xlsx").write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_table(tmp_path / "products.xlsx")
    run = shopmind("ingest", "products.xlsx", "-w", "ws", cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert message in run.stderr + run.stdout
    assert not (tmp_path / "ws").exists()


def test_a_column_without_a_header_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "products.xlsx", [["product_id", None, "title"], ["P1", "x", "a"]])
    with pytest.raises(InputError, match="1 column\\(s\\) have no header"):
        read_table(path)
