"""read_table: encodings, dialects, compression, formats, and no line lost when lines are broken
(the property tests: test_readers_properties.py)."""

from __future__ import annotations

import csv
import gzip
import io
import random
from pathlib import Path

import polars as pl
import pytest

from shopmind.data.limits import MAX_JSON_DEPTH, MAX_LINE_CHARS, json_depth
from shopmind.data.model import SOURCE_LINE
from shopmind.data.readers import InputError, load_mapping, read_table

ROWS = [["id", "name", "price"], ["1", "Café crème", "3.50"], ["2", "Naïve Größe", "4"], ["3", "Øre ½", "5"]]
EXPECTED = {
    "id": ["1", "2", "3"],
    "name": ["Café crème", "Naïve Größe", "Øre ½"],
    "price": ["3.50", "4", "5"],
}


def _csv_text(rows: list[list[str]], sep: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _data(frame: pl.DataFrame) -> dict[str, list[object]]:
    return frame.drop(SOURCE_LINE).to_dict(as_series=False)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(_csv_text(ROWS).encode(encoding))
    result = read_table(path)
    assert _data(result.frame) == EXPECTED
    assert result.frame[SOURCE_LINE].to_list() == [2, 3, 4]


def test_cp1252_only_characters(tmp_path: Path) -> None:
    rows = [["name", "note"], ["“Quoted” – ok", "3€"], ["Œuvre", "™ brand"]]
    path = tmp_path / "t.csv"
    path.write_bytes(_csv_text(rows).encode("cp1252"))
    result = read_table(path)
    assert result.encoding == "cp1252"
    assert _data(result.frame) == {"name": ["“Quoted” – ok", "Œuvre"], "note": ["3€", "™ brand"]}


def test_gbk_chinese_is_detected(tmp_path: Path) -> None:
    rows = [["id", "title"], ["1", "小孩感冒过后久咳嗽该吃什么药"], ["2", "前列腺癌转移能活多久治疗方法"]]
    path = tmp_path / "t.csv"
    path.write_bytes(_csv_text(rows).encode("gbk"))
    assert read_table(path).frame["title"].to_list() == [rows[1][1], rows[2][1]]


def test_non_utf8_byte_far_into_a_file_is_still_decoded(tmp_path: Path) -> None:
    rows = [["id", "name"]] + [[str(i), "plain ascii"] for i in range(20_000)] + [["x", "Zürich"]]
    path = tmp_path / "t.csv"
    path.write_bytes(_csv_text(rows).encode("latin-1"))
    assert read_table(path).frame["name"][-1] == "Zürich"


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(_csv_text(ROWS, sep), encoding="utf-8")
    result = read_table(path)
    assert result.delimiter == sep
    assert _data(result.frame) == EXPECTED


def test_tsv_extension_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv.gz"
    path.write_bytes(gzip.compress(_csv_text(ROWS, "\t").encode()))
    assert _data(read_table(path).frame) == EXPECTED


def test_empty_cells_are_null_whether_quoted_or_not(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('a,b,c\n1,,""\n', encoding="utf-8")
    assert _data(read_table(path).frame) == {"a": ["1"], "b": [None], "c": [None]}


def test_quoted_newlines_keep_physical_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('id,text\n1,"two\nlines"\n2,one\n3,"a ""quote"",\nthree\nlines"\n4,x\n', encoding="utf-8")
    frame = read_table(path).frame
    assert frame["text"].to_list() == ["two\nlines", "one", 'a "quote",\nthree\nlines', "x"]
    assert frame[SOURCE_LINE].to_list() == [2, 4, 5, 8]


def test_ragged_lines_are_reported_not_lost(tmp_path: Path) -> None:
    lines = [
        "id,name,price",
        "1,ok,1.0",
        "2,short",  # too few fields: polars would pad it with a null
        "3,long,1,extra",
        "",  # blank: skipped, not a record
        "4,ok,2.0",
        '5,"unclosed,3.0',  # a stray quote must not swallow the next lines
        "6,ok,4.0",
        "7,ok,5.0",
    ]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_table(path)
    assert result.frame["id"].to_list() == ["1", "4", "6", "7"]
    assert result.frame[SOURCE_LINE].to_list() == [2, 6, 8, 9]
    bad = {m.line: (m.raw, m.reason) for m in result.malformed}
    assert bad[3] == ("2,short", "expected 3 fields, found 2")
    assert bad[4] == ("3,long,1,extra", "expected 3 fields, found 4")
    assert bad[7][0] == '5,"unclosed,3.0'
    assert result.frame.height + len(result.malformed) == 7  # non-blank data lines


def test_short_last_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3", encoding="utf-8")
    result = read_table(path)
    assert result.frame["a"].to_list() == ["1"]
    assert [(m.line, m.raw) for m in result.malformed] == [(3, "3")]


def test_crlf_and_duplicate_header_names(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,a,b\r\n1,2,3\r\n4,5\r\n")
    result = read_table(path)
    assert result.frame.columns == ["a", "a_duplicated_0", "b", SOURCE_LINE]
    assert result.frame.row(0) == ("1", "2", "3", 2)
    assert [m.line for m in result.malformed] == [3]


@pytest.mark.parametrize(
    "name,compression", [("t.parquet", "zstd"), ("t.parquet.brotli", "brotli"), ("t.pq", "snappy")]
)
def test_parquet_keeps_native_types(tmp_path: Path, name: str, compression: str) -> None:
    frame = pl.DataFrame({"id": [1, 2], "price": [1.5, None], "name": ["a", "b"]})
    frame.write_parquet(tmp_path / name, compression=compression)  # type: ignore[arg-type]
    result = read_table(tmp_path / name)
    assert result.frame.schema["id"] == pl.Int64
    assert result.frame.drop(SOURCE_LINE).equals(frame)
    assert result.frame[SOURCE_LINE].to_list() == [1, 2]


def test_jsonl_lines_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"id": 1, "q": "a"}\n\n{"id": 2, "q": "b"}\n{broken\n[1, 2]\n{"id": 3, "q": "c"}\n', encoding="utf-8"
    )
    result = read_table(path)
    assert result.frame["id"].to_list() == [1, 2, 3]
    assert result.frame[SOURCE_LINE].to_list() == [1, 3, 6]
    assert [(m.line, m.raw) for m in result.malformed] == [(4, "{broken"), (5, "[1, 2]")]
    assert "expected a JSON object" in result.malformed[1].reason


def test_json_extension_reads_json_lines_and_arrays(tmp_path: Path) -> None:
    lines = tmp_path / "a.json"
    lines.write_text('{"id": 1}\n{"id": 2}\n', encoding="utf-8")
    assert read_table(lines).frame[SOURCE_LINE].to_list() == [1, 2]
    array = tmp_path / "b.json"
    array.write_text('[{"id": 1}, {"id": 2}]', encoding="utf-8")
    assert read_table(array).frame["id"].to_list() == [1, 2]


def test_user_mistakes_raise_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "x.docx").write_bytes(b"PK")
    with pytest.raises(InputError, match="cannot tell the format"):
        read_table(tmp_path / "x.docx")
    (tmp_path / "x.xlsx").write_bytes(b"PK")  # a workbook now, but not a readable one: one line
    with pytest.raises(InputError, match=r"^cannot read the workbook \S+x.xlsx: [^\n]*$"):
        read_table(tmp_path / "x.xlsx")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_table(tmp_path / "empty.csv")
    # an empty JSON Lines file, or an empty array, is refused as an empty CSV is (not 0 rows published)
    for name, content in (("empty.jsonl", b""), ("blank.jsonl", b"\n \n"), ("none.json", b" [ ] ")):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(InputError, match="empty"):
            read_table(tmp_path / name)
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="Parquet"):
        read_table(tmp_path / "bad.parquet")
    with pytest.raises(InputError, match="unknown format"):
        read_table(tmp_path / "empty.csv", fmt="xml")


# --- mappings -----------------------------------------------------------------------------


def _mapping(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_mapping_renames_columns(tmp_path: Path) -> None:
    spec = load_mapping(
        _mapping(
            tmp_path, 'table = "events"\n[columns]\nCustomerID = "user_id"\n[constants]\ncurrency = "GBP"\n'
        )
    )
    assert (spec.table, spec.columns, spec.constants) == (
        "events",
        {"CustomerID": "user_id"},
        {"currency": "GBP"},
    )
    data = tmp_path / "t.csv"
    data.write_text("CustomerID,Other\n7,x\n", encoding="utf-8")
    assert read_table(data, mapping=spec.columns).frame.columns == ["user_id", "Other", SOURCE_LINE]


@pytest.mark.parametrize(
    "body,message",
    [
        ('table = "events"\n[columns]\nCustomerID = "customer"\n', "CustomerID = 'customer'"),
        ('table = "events"\n[constants]\ncolour = "red"\n', "'colour' is not a column of events"),
        ('table = "orders"\n', "'table' must be one of"),
        ('table = "events"\n[columns]\nx = "currency"\n[constants]\ncurrency = "EUR"\n', "both mapped"),
        ("table = \n", "not valid TOML"),
    ],
)
def test_mapping_errors_name_key_and_file(tmp_path: Path, body: str, message: str) -> None:
    path = _mapping(tmp_path, body)
    with pytest.raises(ValueError, match=message) as info:
        load_mapping(path)
    assert str(path) in str(info.value)


def test_mapped_column_missing_from_file(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"'StockCode' not in the file \(columns: a, b\)"):
        read_table(data, mapping={"StockCode": "item_id"})
    with pytest.raises(InputError, match="already exist"):
        read_table(data, mapping={"a": "b"})


# --- issue 10 item 5/6: inputs that crashed the reader, and files that mix encodings --------------


def test_binary_garbage_is_one_input_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    rng = random.Random(1)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(20_000)))
    with pytest.raises(InputError, match=r"events\.csv does not look like a text file"):
        read_table(path)
    (tmp_path / "book.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputError, match=r"book\.csv is a ZIP archive \(an Excel \.xlsx"):
        read_table(tmp_path / "book.csv")


def test_a_workbook_saved_as_csv_is_told_to_be_named_xlsx_and_then_reads(tmp_path: Path) -> None:
    """The hint names what fixes it: ingest reads workbooks, so renaming is enough (it said "export
    the sheet as CSV", a detour that loses what the spreadsheet knew)."""
    xlsxwriter = pytest.importorskip("xlsxwriter")
    wb = xlsxwriter.Workbook(str(tmp_path / "orders.csv"))
    ws = wb.add_worksheet()
    for r, row in enumerate([["product_id", "title"], ["p1", "Lamp"], ["p2", "Chair"]]):
        ws.write_row(r, 0, row)
    wb.close()
    with pytest.raises(InputError, match=r"orders\.csv is a ZIP archive .*name it \.xlsx"):
        read_table(tmp_path / "orders.csv")
    (tmp_path / "orders.csv").rename(tmp_path / "orders.xlsx")
    table = read_table(tmp_path / "orders.xlsx")
    assert table.frame["title"].to_list() == ["Lamp", "Chair"]


def test_one_garbage_line_in_a_good_file_is_quarantined_not_fatal(tmp_path: Path) -> None:
    garbage = bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D, 0x00, 0x01, 0xFF, 0xFE]) * 3
    path = tmp_path / "t.csv"
    good = b"".join(b"%d,plain caf\xe9 line\n" % i for i in range(4, 40))
    path.write_bytes(b"id,name\n1,caf\xe9\n" + b"2," + garbage + b"\n3,na\xefve\n" + good)
    result = read_table(path)
    assert result.frame["name"].to_list()[:3] == ["café", "naïve", "plain café line"]
    assert result.frame[SOURCE_LINE].to_list() == [2, *range(4, 41)]
    assert [m.line for m in result.malformed] == [3]
    assert "no encoding reads cleanly" in result.malformed[0].reason
    assert result.malformed[0].raw.startswith("2,\\x81")  # bytes shown escaped, not lost


def test_a_50_mb_line_is_one_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,name\n1,a\n2," + b"x" * 50_000_000 + b"\n3,c")
    result = read_table(path)
    assert result.frame["id"].to_list() == ["1", "3"] and result.frame[SOURCE_LINE].to_list() == [2, 4]
    (long,) = result.malformed
    assert long.line == 3 and "50,000,002 characters is longer than the 1,048,576 limit" in long.reason
    assert len(long.raw) == 4096
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_bytes(b'{"id": 1}\n{"id": "' + b"y" * (MAX_LINE_CHARS + 1) + b'"}\n')
    result = read_table(jsonl)
    assert result.frame["id"].to_list() == [1] and [m.line for m in result.malformed] == [2]


def test_an_unreadable_header_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"x" * (MAX_LINE_CHARS + 1) + b"\n1,2\n")
    with pytest.raises(InputError, match=r"t\.csv: line 1 should be the header but cannot be read"):
        read_table(path)


def test_a_bare_carriage_return_spoils_only_its_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,name\n1,a\n2,x\ry\n3,d\n")
    assert read_table(path).frame["name"].to_list() == ["a", "x\ry", "d"]  # Polars' parse
    path.write_bytes(b"id,name\n1,a\n2,x\ry\n3,d,extra\n4,e\n")  # a ragged line: the csv module's
    result = read_table(path)
    assert result.frame["name"].to_list() == ["a", "x\ry", "e"]
    assert [(m.line, m.raw) for m in result.malformed] == [(4, "3,d,extra")]


def test_a_stray_quote_swallowing_to_the_end_is_caught_even_when_the_fields_fit(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'id,name\n1,a\n2,"b\n3,c\n4,d\n')  # the swallowed text is one 2-field record
    result = read_table(path)
    assert result.frame["id"].to_list() == ["1", "3", "4"]
    assert [(m.line, m.raw) for m in result.malformed] == [(3, '2,"b')]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_bom(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(_csv_text(ROWS).encode(codec))
    result = read_table(path)
    assert result.encoding == codec
    assert _data(result.frame) == EXPECTED


def test_deep_json_is_a_malformed_line_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    deep = '{"id": 2, "x": ' + "[" * 5000 + "]" * 5000 + "}"
    attrs = '{"id": 3, "attributes": ' + '{"a": ' * 3000 + "1" + "}" * 3000 + "}"
    ok = '{"id": 4, "s": "' + "[" * 100 + '"}'  # brackets inside a string do not nest
    path.write_text('{"id": 1}\n' + deep + "\n" + attrs + "\n" + ok + "\n", encoding="utf-8")
    result = read_table(path)
    assert result.frame["id"].to_list() == [1, 4]
    assert [(m.line, m.reason) for m in result.malformed] == [
        (2, f"JSON nested deeper than {MAX_JSON_DEPTH} levels"),
        (3, f"JSON nested deeper than {MAX_JSON_DEPTH} levels"),
    ]
    array = tmp_path / "a.json"
    array.write_text("[" + deep + "]", encoding="utf-8")
    with pytest.raises(InputError, match="nested deeper"):
        read_table(array)


def test_json_depth_counts_structure_not_strings() -> None:
    assert json_depth('{"a": [1, {"b": "[[[\\"["}]}') == 3
    assert json_depth('"\\\\"') == 0 and json_depth('["\\\\", [1]]') == 2


def test_jsonl_columns_whose_types_clash_become_text(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": 1, "v": 5}\n{"id": 2, "v": {"a": [1]}}\n{bad\n', encoding="utf-8")
    result = read_table(path)
    assert result.frame["v"].to_list() == ["5", '{"a": [1]}'] and len(result.malformed) == 1


def test_a_file_mixing_utf8_latin1_and_gbk_is_decoded_line_by_line(tmp_path: Path) -> None:
    """Issue 10 item 6: 8 garbled titles were published from such a file."""
    rows = [("p1", "Red dress", "utf-8"), ("p2", "Größe Kleid rot", "latin-1"),
            ("p3", "红色连衣裙 夏季", "gbk"), ("p4", "Café crème tasse", "cp1252"),
            ("p5", "小孩感冒过后久咳嗽", "gbk"), ("p6", "蓝色牛仔裤", "utf-8"),
            ("p7", "Crème brûlée", "latin-1"), ("p8", "耳机", "gbk"),
            ("p9", "Øre ½ naïve", "latin-1"), ("p10", "Naïve Größe", "utf-8")]  # fmt: skip
    path = tmp_path / "products.csv"
    path.write_bytes(b"product_id,title\n" + b"".join(f"{p},{t}\n".encode(e) for p, t, e in rows))
    result = read_table(path)
    assert result.frame["title"].to_list() == [t for _, t, _ in rows]
    assert result.encoding.startswith("mixed (") and result.malformed == []
    main = {r.encoding for r in result.redecoded}
    assert len(result.redecoded) == 5 and main == {"gb18030", "utf-8"}  # cp1252 is the main codec
    gbk = next(r for r in result.redecoded if r.line == 4)
    assert gbk.new == "p3,红色连衣裙 夏季" and gbk.old != gbk.new


def _id_column_csv(ids: list[str], rows: int = 30) -> str:
    """A long file whose only non-ASCII text is a few short ids repeated on every row."""
    lines = ["id,date,value"]
    for day in range(rows):
        lines += [f"{i},2026-01-{day % 28 + 1:02d},{(day * 7 + n) % 10}" for n, i in enumerate(ids)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("ids", "codec", "read_as"),
    [
        (["é1", "é2", "é3"], "cp1252", "cp1252"),  # was mac_latin2: "ť1"
        (["Crème", "Brûlée", "Café"], "cp1252", "cp1252"),
        (["B2蕉"], "gbk", "gb18030"),  # was cp949: "B2슐"
        (["B2蕉", "C3茶"], "gbk", "gb18030"),
        (["苹果", "香蕉"], "gbk", "gb18030"),
        (["東京", "大阪"], "shift_jis", "cp932"),  # the other CJK codecs keep their reading
        (["臺北", "高雄"], "big5", "big5"),
    ],
)
def test_a_few_repeated_ids_are_read_in_their_own_codec(ids: list[str], codec: str, read_as: str) -> None:
    """charset-normalizer refuses cp1252 / gb18030 outright on a column of a few repeated ids
    (its duplicate-accent rules), and a look-alike code page won: every id published garbled."""
    from shopmind.data.encoding import decode_text

    text = _id_column_csv(ids)
    decoded = decode_text(text.encode(codec))
    assert decoded.encoding == read_as
    assert decoded.text == text
