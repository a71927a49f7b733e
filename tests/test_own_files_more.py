"""A shop's own files through the generic door, part 2 (helper t1hx, session 25): a download cut off,
a workbook with title rows, a JSON object wrapping its records, a CSV without a header line.

Each case was refused whole or misread before; the tests say what a user gets instead.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.data.readers import InputError, read_head, read_table

ROWS = "".join(f"{i},item {i},{i % 97 + 0.5}\n" for i in range(1, 3001))
CSV = "id,name,price\n" + ROWS


def _cut(tmp_path: Path, text: str, keep: float, name: str = "products.csv.gz") -> Path:
    data = gzip.compress(text.encode())
    path = tmp_path / name
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def test_a_cut_off_gzip_is_read_up_to_the_cut_and_the_cut_is_said(tmp_path: Path) -> None:
    """A download that stopped: the whole file was refused ("Compressed file ended before the
    end-of-stream marker was reached"); now its whole lines are read and the line it stops in is a
    malformed record saying where and that the rest is missing."""
    path = _cut(tmp_path, CSV, 0.5)
    result = read_table(path)
    lines = CSV.splitlines()
    n = result.frame.height
    assert 100 < n < 2999
    assert result.frame["id"].to_list() == [str(i) for i in range(1, n + 1)]  # no row lost or changed
    *_, last = result.malformed
    assert last.cut_off and last.line == n + 2  # header + n rows, then the line it stops in
    assert lines[n + 1].startswith(last.raw) and last.raw != lines[n + 1]
    assert f"its gzip data stops after {path.stat().st_size:,} bytes" in last.reason
    assert f"line {n + 2} is incomplete and any lines after it are missing" in last.reason
    assert read_head(path).frame.columns[:3] == ["id", "name", "price"]  # the draft still sees the header


def test_a_cut_off_workbook_or_json_array_is_refused_naming_the_cut(tmp_path: Path) -> None:
    array = json.dumps([{"id": i, "title": f"t{i}"} for i in range(2000)], indent=1)
    with pytest.raises(InputError, match=r"a JSON array is no use without its end: .*is cut off"):
        read_table(_cut(tmp_path, array, 0.5, "products.json.gz"))
    with pytest.raises(InputError, match=r"not even its first line is whole"):
        read_table(_cut(tmp_path, "x" * 100_000 + "\n", 0.5, "one.csv.gz"))


@settings(max_examples=40, deadline=None)
@given(keep=st.floats(min_value=0.05, max_value=0.999), rows=st.integers(min_value=1, max_value=400))
def test_a_cut_anywhere_loses_no_whole_line_and_invents_none(
    tmp_path_factory, keep: float, rows: int
) -> None:
    text = "id,name,price\n" + "".join(f"{i},item {i},{i}.5\n" for i in range(1, rows + 1))
    path = _cut(tmp_path_factory.mktemp("cut"), text, keep)
    try:
        result = read_table(path)
    except InputError as exc:  # cut inside the header line: said so
        assert "not even its first line is whole" in str(exc) or "empty" in str(exc)
        return
    n = result.frame.height
    assert result.frame["id"].to_list() == [str(i) for i in range(1, n + 1)]
    assert result.frame["price"].to_list() == [f"{i}.5" for i in range(1, n + 1)]
    cut = [m for m in result.malformed if m.cut_off]
    assert len(cut) == 1 and cut[0].line == n + 2


def test_a_cut_off_batch_is_held_by_file_truncated(tmp_path: Path) -> None:
    """The gate quarantines the cut line (one row of thousands, under MALFORMED_LINE's 1 %) and holds
    the batch by FILE_TRUNCATED: the rows after the cut are missing, so it must not publish as whole."""
    from shopmind.data.adapters import table
    from shopmind.quality.gate import run_gate

    path = _cut(tmp_path, CSV, 0.7)
    mapping = tmp_path / "m.toml"
    mapping.write_text('table = "products"\n[columns]\nid = "product_id"\nname = "title"\nprice = "price"\n'
                       '[constants]\ncurrency = "EUR"\n')  # fmt: skip
    result = run_gate(table.load(path, mapping))
    cut = [c for c in result.checks if c["code"] == "FILE_TRUNCATED"]
    assert len(cut) == 1 and cut[0]["crossed"] and cut[0]["severity"] == "error"
    assert result.held and result.exit_code == 1
    assert "is cut off" in cut[0]["detail"]["reason"]
    q = result.tables["products"].quarantine
    assert q.filter(q["line"] == cut[0]["detail"]["line"]).height == 1


def test_the_memory_estimate_of_a_cut_gzip_reads_no_trailer_from_its_data(tmp_path: Path) -> None:
    """A cut file's last 4 bytes are compressed data, not the size trailer: a 40 kB cut file was
    refused as needing ~20.7 GB of memory before it was read."""
    from shopmind.engine.budget import DEFLATE_MAX_RATIO, GATE_BYTES_PER_TEXT_BYTE, _file_need

    for keep in (0.3, 0.5, 0.77, 0.9):
        path = _cut(tmp_path, CSV * 3, keep)
        size = path.stat().st_size
        assert _file_need(path) <= size * DEFLATE_MAX_RATIO * GATE_BYTES_PER_TEXT_BYTE


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Export")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    wb.close()
    return path


def test_a_workbook_with_title_rows_above_its_header_is_read_from_the_header(tmp_path: Path) -> None:
    """A report exported with a title in A1, a date line and a blank row above the table was refused
    ("2 column(s) have no header"); the header is the first row naming every filled column below."""
    rows: list[list[object]] = [
        ["Sales export Q3"],
        ["exported 2026-10-01", None, None],
        [],
        ["sku", "title", "price"],
        ["00123", "lamp", 12.5],
        ["00124", "desk", 80],
    ]
    result = read_table(_workbook(tmp_path / "products.xlsx", rows))
    assert result.frame.columns == ["sku", "title", "price", "_line"]
    assert result.frame.rows() == [("00123", "lamp", "12.5", 5), ("00124", "desk", "80", 6)]
    assert result.note is not None
    assert "header on row 4" in result.note
    assert "3 row(s) above it skipped: 'Sales export Q3'; 'exported 2026-10-01'" in result.note


def test_a_workbook_header_is_not_taken_from_values(tmp_path: Path) -> None:
    """A first row of values under a title is no header; a column no row names is refused, saying so;
    an empty unnamed column (formatting only) is dropped, not refused."""
    path = _workbook(tmp_path / "a.xlsx", [["Report"], ["sku", "title"], ["A", "x", None, 5]])
    with pytest.raises(
        InputError, match="2 column\\(s\\) have no header but hold values: no row among the first"
    ):
        read_table(path)
    path = _workbook(tmp_path / "b.xlsx", [["sku", "title", None, "price"], ["A", "x", None, 5]])
    assert read_table(path).frame.rows() == [("A", "x", "5", 2)]


def test_a_json_object_wrapping_its_records_is_read_from_its_key(tmp_path: Path) -> None:
    """`{"products": [...], "page": 1}` (an API dump) was read as one row with a list column."""
    path = tmp_path / "products.json"
    records = [{"id": f"00{i}", "title": f"t{i}", "price": i + 0.5} for i in range(3)]
    path.write_text(json.dumps({"page": 1, "products": records, "total": 3}, indent=2))
    result = read_table(path)
    assert result.frame.drop("_line").rows() == [("000", "t0", 0.5), ("001", "t1", 1.5), ("002", "t2", 2.5)]
    assert result.note == "JSON object: the 3 records under its key 'products' (not read: page, total)"
    path.write_text(json.dumps({"data": records}))
    assert read_table(path).note == "JSON object: the 3 records under its key 'data'"


def test_a_json_object_of_other_shapes_is_refused_or_read_as_one_record(tmp_path: Path) -> None:
    path = tmp_path / "item2attributes.json"
    path.write_text(json.dumps({f"B{i:04d}": {"brand": "x", "rank": i} for i in range(12)}))
    with pytest.raises(InputError, match=r"one JSON object of 12 keys each holding an object \(a map keyed by "
                       r"B0000, B0001, B0002 and 9 more\), not records"):  # fmt: skip
        read_table(path)
    path.write_text(json.dumps({"products": [{"id": 1}], "orders": [{"id": 2}]}))
    with pytest.raises(InputError, match=r"several keys holding records \(products, orders\)"):
        read_table(path)
    path.write_text(json.dumps({"id": "7", "title": "lamp", "tags": ["a"]}, indent=2))  # one record, pretty
    result = read_table(path)
    assert result.malformed == [] and result.frame.drop("_line").to_dicts() == [
        {"id": "7", "title": "lamp", "tags": ["a"]}
    ]
    path.write_text(json.dumps({str(i): [i, i + 1] for i in range(4, 30)}))  # item2attributes: id -> list
    with pytest.raises(
        InputError, match=r"one JSON object of 26 keys each holding a list \(a map keyed by 4, 5, 6"
    ):
        read_table(path)
    path.write_text(json.dumps({"id": "7", "tags": ["a"], "sizes": ["S", "M"]}))  # one record of lists
    assert read_table(path).frame.height == 1
    path.write_text('{"id": "7"}\n{"id": "8"}\n')  # JSON Lines stays JSON Lines
    assert read_table(path).frame["id"].to_list() == ["7", "8"]


def test_a_csv_without_a_header_line_gets_made_names_and_keeps_its_first_row(tmp_path: Path) -> None:
    """A database dump without a header: its first row was drafted as the column names "1001",
    "2024-01-02", "3.50" and lost from the batch."""
    from shopmind.data.mapping_draft import draft_for_file

    path = tmp_path / "orders.csv"
    path.write_text("\n1001,2024-01-02,3.50\n1002,2024-01-03,4.00\n1003,2024-01-04,5.25\n1004,x\n")
    result = read_table(path)
    assert result.frame.rows() == [
        ("1001", "2024-01-02", "3.50", 2), ("1002", "2024-01-03", "4.00", 3), ("1003", "2024-01-04", "5.25", 4)
    ]  # fmt: skip
    assert result.frame.columns[:3] == ["column_1", "column_2", "column_3"]
    assert [(m.line, m.raw) for m in result.malformed] == [(5, "1004,x")]
    assert result.note == (
        "no header line: line 2 holds values (1001, 2024-01-02, 3.50) of the kind the lines below hold, so it "
        "is read as a row and the columns are named column_1 ... column_3 (map those names)"
    )
    text = draft_for_file(path).toml(path.name)
    assert "# read as: no header line: line 2 holds values" in text and "column_2" in text


@pytest.mark.parametrize(
    "text",
    [
        "id,date,price\n1001,2024-01-02,3.50\n",  # a header of words
        "sku,2023,2024\nA,10,12\nB,11,13\n",  # a pivot's years are names
        "1001,title\n1002,lamp\n",  # one value of two cells: not half... it is half, but the word stays
        "5,price\n6,x\n7,y\n",
    ],
)
def test_a_header_line_stays_the_header(tmp_path: Path, text: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text)
    result = read_table(path)
    if text.startswith(("1001,title", "5,price")):  # half its cells are values, like the rows below
        assert result.frame.columns[0] == "column_1"
    else:
        assert result.note is None and result.frame.columns[0] == text.split(",")[0]


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 10**6), st.dates(), st.decimals(0, 1000, places=2)), min_size=1, max_size=30
    )
)
def test_a_headerless_numeric_file_loses_no_row(
    tmp_path_factory, rows: list[tuple[int, object, object]]
) -> None:
    path = tmp_path_factory.mktemp("nh") / "dump.csv"
    path.write_text("".join(f"{a},{b},{c}\n" for a, b, c in rows))
    result = read_table(path)
    assert result.frame.drop("_line").rows() == [(str(a), str(b), str(c)) for a, b, c in rows]
    assert result.frame["_line"].to_list() == list(range(1, len(rows) + 1))


def test_a_csv_whose_lines_end_in_cr_alone_is_read_line_by_line(tmp_path: Path) -> None:
    """Excel for Mac's "CSV (Macintosh)" ends lines in CR alone: the file was one header line of every
    cell and no row (published as "the file holds no rows"), its data lost without a word."""
    path = tmp_path / "products.csv"
    path.write_bytes(b"id,title,price\r00123,lamp,12.5\r00124,desk,80\r")
    result = read_table(path)
    assert result.frame.rows() == [("00123", "lamp", "12.5", 2), ("00124", "desk", "80", 3)]
    assert read_head(path).frame.columns == ["id", "title", "price", "_line"]
    gz = tmp_path / "products.csv.gz"
    gz.write_bytes(gzip.compress(b"id,title\r1,a\r2,b\r"))
    assert read_table(gz).frame["title"].to_list() == ["a", "b"]
    path.write_bytes(b"id,title\r\n1,a\rb\r\n")  # CRLF file with a bare CR in a cell: kept
    assert read_table(path).frame["title"].to_list() == ["a\rb"]


def test_a_csv_without_any_line_end_is_refused_before_it_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of one endless line (a binary dump named .csv): it was decoded whole to learn its header
    is too long (a 40 MB file peaked at 145 MB; 2 GB would take ~7 GB); now the first 4 MiB decide."""
    from shopmind.data import raw_bytes

    path = tmp_path / "dump.csv"
    path.write_bytes(b"x" * (5 << 20))
    reads: list[int] = []
    real = raw_bytes.read_bytes_cut
    monkeypatch.setattr("shopmind.data.readers.read_bytes_cut", lambda p: reads.append(1) or real(p))
    for read in (read_table, read_head):
        with pytest.raises(InputError, match=r"line 1 should be the header but cannot be read: the first [\d,]+ bytes "
                           "hold no line end"):  # fmt: skip
            read(path)
    assert reads == []


def test_a_compact_date_is_a_date_not_epoch_seconds(tmp_path: Path) -> None:
    """20240106 (a warehouse date key, `date +%Y%m%d`) was read as epoch seconds: 1970-08-23 06:15:06,
    inside the plausible window, stored without a word. Text and integer columns alike; a number that
    is no calendar date stays epoch seconds, as before."""
    from datetime import UTC, datetime

    import polars as pl

    from shopmind.data.adapters import table
    from shopmind.quality.gate import run_gate

    mapping = tmp_path / "m.toml"
    mapping.write_text('table = "products"\n[columns]\nsku = "product_id"\nname = "title"\nprice = "price"\n'
                       'created = "created_at"\n[constants]\ncurrency = "EUR"\n')  # fmt: skip
    csv_path = tmp_path / "products.csv"
    csv_path.write_text(
        "sku,name,price,created\nA1,lamp,12.5,20240106\nA2,desk,80,2024-01-07\nA3,sofa,9,1704067200\n"
    )
    parquet = tmp_path / "products.parquet"
    pl.DataFrame({"sku": ["A1", "A3"], "name": ["lamp", "sofa"], "price": [12.5, 9.0],
                  "created": [20240106, 1704067200]}).write_parquet(parquet)  # fmt: skip
    for path in (csv_path, parquet):
        accepted = run_gate(table.load(path, mapping)).tables["products"].accepted.sort("product_id")
        got = dict(zip(accepted["product_id"], accepted["created_at"], strict=True))
        assert got["A1"] == datetime(2024, 1, 6, tzinfo=UTC)
        assert got["A3"] == datetime(2024, 1, 1, tzinfo=UTC)


def test_a_workbook_sheet_is_named_in_the_mapping_and_an_empty_cover_sheet_is_passed(tmp_path: Path) -> None:
    """A workbook whose first sheet is an empty cover was refused ("the first sheet 'Cover' is empty"),
    and a table on the second sheet could not be named at all."""
    import xlsxwriter

    from shopmind.data.adapters import table

    path = tmp_path / "export.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Cover")
    notes = wb.add_worksheet("Notes")
    notes.write(0, 0, "internal")
    data = wb.add_worksheet("Data")
    for r, row in enumerate([["sku", "name", "price"], ["00123", "lamp", "12.5"]]):
        for c, v in enumerate(row):
            data.write_string(r, c, v)
    wb.close()
    first = read_table(path)
    assert first.frame.columns == ["internal", "_line"]
    assert (
        first.note
        == "workbook, sheet 'Notes' (not read: 'Cover', 'Data'; another: sheet = \"...\" in the mapping)"
    )
    assert read_table(path, sheet="Data").frame.rows() == [("00123", "lamp", "12.5", 2)]
    with pytest.raises(
        InputError, match=r"no sheet 'Orders' \(the mapping's sheet\); its sheets: 'Cover', 'Notes'"
    ):
        read_table(path, sheet="Orders")
    mapping = tmp_path / "m.toml"
    mapping.write_text('table = "products"\nsheet = "Data"\n[columns]\nsku = "product_id"\nname = "title"\n'
                       'price = "price"\n[constants]\ncurrency = "EUR"\n')  # fmt: skip
    assert table.load(path, mapping).products["product_id"].to_list() == ["00123"]
    mapping.write_text('[mapping]\ntable = "products"\n')
    with pytest.raises(
        InputError, match=r"'table' is inside \[mapping\]; write table = \.\.\. as the first line"
    ):
        table.load(path, mapping)


def test_dates_with_month_names_are_read_by_a_declared_format(tmp_path: Path) -> None:
    """ "2 Jan 2024" was a TYPE_ERROR, and no [formats] date_format could read it (%b was refused)."""
    from datetime import UTC, datetime

    from shopmind.data.adapters import table
    from shopmind.quality.gate import run_gate

    src = tmp_path / "products.csv"
    src.write_text("sku,name,price,created\nA1,lamp,12.5,2 Jan 2024\nA2,desk,80,13 Feb 2024 10:30\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text('table = "products"\n[columns]\nsku = "product_id"\nname = "title"\nprice = "price"\n'
                       'created = "created_at"\n[constants]\ncurrency = "EUR"\n[formats]\ndate_format = "%d %b %Y"\n')  # fmt: skip
    accepted = run_gate(table.load(src, mapping)).tables["products"].accepted.sort("product_id")
    assert accepted["created_at"].to_list() == [
        datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 2, 13, 10, 30, tzinfo=UTC)
    ]  # fmt: skip
