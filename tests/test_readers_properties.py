"""read_table's properties: what a CSV writer writes (any dialect, any of five encodings) is read
back cell for cell, and any bytes at all give rows with an exact line account or one InputError.
Split from test_readers.py (the single cases stay there)."""

from __future__ import annotations

import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopmind.data.model import SOURCE_LINE
from shopmind.data.readers import InputError, read_table
from test_readers import _csv_text

# --- property: what a CSV writer writes, read_table reads back --------------------------------

_SAFE = string.ascii_letters + string.digits + " .-_'\"\n"
_WIDE = "éèüöäßñøåçÉÜ中文字€—😀"
#: Single-byte code pages are told apart by how natural the decoded text reads, so their
#: cells are real words; byte soups like "ÉÉÉÉ" are as plausible in cp932 as in cp1252.
_WORDS = ["Café", "crème", "Zürich", "Größe", "naïve", "São", "Málaga", "Øre", "façade", "señor", "Ærø"]


@st.composite
def _tables(draw: st.DrawFn) -> tuple[list[list[str]], str, str]:
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    words = st.lists(st.sampled_from(_WORDS), max_size=3).map(" ".join)
    cell = st.one_of(st.text(_SAFE + sep, max_size=12), words)
    if encoding.startswith("utf"):
        cell = st.one_of(cell, st.text(_SAFE + sep + _WIDE, max_size=12))
    width = draw(st.integers(2, 4))
    header = [f"c{i}" for i in range(width)]
    body = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1, max_size=8))
    return [header, *body], sep, encoding


def test_a_pipe_delimited_cp1252_line_with_a_long_code_is_read_not_quarantined(tmp_path: Path) -> None:
    """charset-normalizer does not split words at ``|``: the fields ran together and a long upper-case
    code beside an accented word measured as garbage (found by test_csv_round_trip)."""
    path = tmp_path / "t.csv"
    for sep in ("|", ",", ";", "\t"):
        rows = [
            ["c0", "c1", "c2"],
            ["AAAAAAAAAA", "AAAAAAAAAA", "Café"],
            ["ABCDEFGHIJKLMNOPQRST", "x", "Zürich"],
        ]
        for encoding in ("cp1252", "latin-1"):
            path.write_bytes(_csv_text(rows, sep).encode(encoding))
            result = read_table(path)
            assert result.malformed == [], (sep, encoding)
            assert [list(r) for r in result.frame.drop(SOURCE_LINE).rows()] == rows[1:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=_tables())
def test_csv_round_trip(tmp_path: Path, table: tuple[list[list[str]], str, str]) -> None:
    rows, sep, encoding = table
    path = tmp_path / "t.csv"
    path.write_bytes(_csv_text(rows, sep).encode(encoding))
    result = read_table(path)
    assert result.malformed == []
    expected = [[v if v != "" else None for v in row] for row in rows[1:]]
    assert [list(r) for r in result.frame.drop(SOURCE_LINE).rows()] == expected


# --- property: any bytes in -> rows with an exact account, or one InputError ----------------------


def _account(result: object, text_lines: int) -> None:
    lines = result.frame[SOURCE_LINE].to_list() + [m.line for m in result.malformed]  # type: ignore[attr-defined]
    assert len(lines) == len(set(lines)), "a line counted twice"
    assert all(1 <= n <= text_lines for n in lines)


_BYTES = st.one_of(
    st.binary(max_size=400),
    st.lists(
        st.one_of(
            st.sampled_from(
                [b"id,name", b"1,a", b'2,"b', b"3,c,d", b"", b"\r", b"\x00", b"\xff\xfe", b'"', b"{"]
            ),
            st.binary(max_size=12),
            st.text(max_size=12).map(lambda t: t.encode("utf-8")),
            st.sampled_from(["Größe", "红色", "café"]).map(lambda t: t.encode("gbk", "ignore") or b"x"),
        ),
        max_size=12,
    ).map(b"\n".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_BYTES, ext=st.sampled_from(["csv", "tsv", "jsonl", "json"]))
def test_any_bytes_give_rows_with_an_account_or_an_input_error(tmp_path: Path, data: bytes, ext: str) -> None:
    path = tmp_path / f"t.{ext}"
    path.write_bytes(data)
    try:
        result = read_table(path)
    except InputError as exc:
        assert str(exc)  # a message, naming the file where it is about the file
        return
    _account(result, max(data.count(b"\n") + 1, 1) * 4)  # UTF-16/32 widen no line count beyond x4


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.lists(
            st.text(alphabet=string.ascii_letters + "éü中 ,;|\t", max_size=8), min_size=1, max_size=4
        ).map(",".join),
        min_size=1,
        max_size=10,
    ),
    encoding=st.sampled_from(["utf-8", "cp1252", "gb18030"]),
)
def test_without_quotes_every_nonblank_line_is_counted_exactly_once(
    tmp_path: Path, lines: list[str], encoding: str
) -> None:
    path = tmp_path / "t.csv"
    data = ("\n".join(["a,b,c", *lines]) + "\n").encode(encoding, "ignore")
    path.write_bytes(data)
    try:
        result = read_table(path, delimiter=",")
    except InputError:
        return
    text_lines = data.count(b"\n")
    nonblank = [n for n, line in enumerate(data.split(b"\n")[:-1], 1) if n > 1 and line.rstrip(b"\r")]
    counted = sorted(result.frame[SOURCE_LINE].to_list() + [m.line for m in result.malformed])
    assert counted == nonblank
    _account(result, text_lines)
