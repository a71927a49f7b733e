"""GBK (and Big5) lines that are valid UTF-8 by accident, in a mostly Chinese file (data/cjk_lines.py).

``P7,小,12.5`` in a GBK export was published as ``P7,С,12.5`` (小 is D0 A1, Cyrillic С in UTF-8) with
no audit record. Real UTF-8 lines inside such a file (accented Latin, Cyrillic, Greek words, UTF-8
Chinese, units) must keep their UTF-8 reading.
"""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from shopmind.data.cjk_lines import chinese_rereading, utf8_reading_is_implausible
from shopmind.data.encoding import decode_text

#: Titles whose GBK bytes are not valid UTF-8: they make the file a per-line decode.
TITLES = [
    "红色连衣裙 夏季",
    "蓝色牛仔裤",
    "耳机 降噪",
    "羊毛大衣",
    "儿童运动鞋",
    "保温杯 500ml",
    "无线鼠标",
    "洗发水",
]
HEADER = "product_id,title,size,price"


def _file(extra: list[tuple[str, str]], gbk_lines: int = 40, seed: int = 0) -> tuple[bytes, str, list[int]]:
    """A GBK products file of ``gbk_lines`` lines with ``extra`` (text, codec) lines placed at
    seeded positions: the bytes, the text they were written from, and the extra lines' numbers."""
    rng = random.Random(seed)
    body = [
        (f"P{i},{rng.choice(TITLES)},{rng.choice(['大', '中', 'M', 'XL'])},{rng.randint(1, 999)}.5", "gbk")
        for i in range(gbk_lines)
    ]
    for item in extra:
        body.insert(rng.randint(0, len(body)), item)
    lines = [(HEADER, "ascii"), *body]
    data = b"".join(text.encode(codec) + b"\n" for text, codec in lines)
    text = "".join(t + "\n" for t, _ in lines)
    numbers = [n for n, line in enumerate(lines, start=1) if line in extra]
    return data, text, numbers


# --- the defect: these failed before the fix -----------------------------------------------------

ACCIDENTAL = [
    "P7,小,12.5",  # 小 -> "С"
    "A1苹",  # 苹 -> "ƻ" (Latin Extended-B)
    "P8,Tee,小,39",  # a size
    "P9,S1,小,小,9",  # two sizes, each alone
    "P10,Nike Air,鞋,199",  # a one-character category: 鞋 -> "Ь"
    "P11,Tee,女,59",  # 女 -> "Ů"
    "P12,Cup,一,9",  # 一 -> "һ"
    "P13,水,3",  # 水 -> "ˮ" (a modifier letter)
    "P14,品,1",  # 品 -> "Ʒ"
    "XL小,2",  # "XLС": Latin and Cyrillic in one word
]


@pytest.mark.parametrize("line", ACCIDENTAL)
@pytest.mark.parametrize("gbk_lines", [20, 200])
def test_a_gbk_line_that_is_valid_utf8_is_read_as_gbk(line: str, gbk_lines: int) -> None:
    assert line.encode("gbk").decode("utf-8") != line  # the premise: valid UTF-8, another text
    data, text, (number,) = _file([(line, "gbk")], gbk_lines=gbk_lines)
    decoded = decode_text(data)
    assert decoded.text == text
    assert decoded.encoding == "gb18030"  # every non-ASCII line is GBK: not "mixed"
    (record,) = [r for r in decoded.redecoded if r.line == number]
    assert record.encoding == "gb18030" and record.new == line
    assert record.old == line.encode("gbk").decode("utf-8")  # what was published before, for the audit
    assert len(decoded.redecoded) == 1


def test_several_accidental_lines_in_one_file_and_a_big5_file() -> None:
    data, text, numbers = _file([(line, "gbk") for line in ACCIDENTAL], gbk_lines=60, seed=3)
    decoded = decode_text(data)
    assert decoded.text == text
    assert sorted(r.line for r in decoded.redecoded) == numbers
    assert len(_LONE) == 930
    # Big5: 讀 (C5 AA) reads as "Ū", 議 (C4 B3) as "ĳ"
    big5 = ["B1,讀,5", "B2,議,6"]
    rows = [f"T{i},{w},{i}" for i, w in enumerate(["紅色連衣裙 夏季", "藍色牛仔褲", "耳機", "羊毛大衣"] * 10)]
    lines = [HEADER, *rows[:20], big5[0], *rows[20:], big5[1]]
    text = "\n".join(lines) + "\n"
    decoded = decode_text(text.encode("big5"))
    assert decoded.text == text and decoded.encoding == "big5"
    assert [(r.line, r.old, r.new) for r in decoded.redecoded] == [
        (22, "B1,Ū,5", big5[0]),
        (43, "B2,ĳ,6", big5[1]),
    ]


def test_the_gate_audits_the_reread_line(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from shopmind.config import GateConfig
    from shopmind.data.adapters import get_adapter
    from shopmind.data.model import ROW
    from shopmind.quality.gate import run_gate

    rows = [f"P{i},{TITLES[i % len(TITLES)]},{10 + i}.0,CNY" for i in range(30)] + ["P99,小,12.5,CNY"]
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "products.csv").write_bytes(
        ("product_id,title,price,currency\n" + "\n".join(rows) + "\n").encode("gbk")
    )
    batch = get_adapter("canonical").load(folder)
    t = run_gate(batch, GateConfig(), None, now=datetime(2026, 12, 1, tzinfo=UTC)).tables["products"]
    assert t.accepted.sort(ROW)["title"].to_list()[-1] == "小"
    audit = t.audit.filter(pl.col("code") == "TEXT_ENCODING")
    assert audit["old_value"].to_list() == ["P99,С,12.5,CNY"]
    assert audit["new_value"].to_list() == ["P99,小,12.5,CNY"]
    assert audit["column_name"].to_list() == ["(line, gb18030)"]


# --- must not change -----------------------------------------------------------------------------

UTF8_LINES = [
    "P20,Café crème,M,3",  # é C3 A9 and è C3 A8 are GB2312 hanzi bytes too (茅, 猫)
    "P21,naïve,M,1",
    "P22,Größe,XL,1",
    "P23,она,M,1",  # Cyrillic words whose bytes are all GB2312 hanzi
    "P24,дом окно,M,2",
    "P25,και,M,3",  # Greek
    "P26,źle,M,3",  # Polish
    "P27,蓝色牛仔裤,M,4",  # UTF-8 Chinese (3-byte)
    "P28,10μm 5kΩ,M,5",  # units
    "P29,25°C ¥99 Brand®,M,6",  # Latin-1 symbols
    "P30,Привет мир,M,1",
    "P31,Καλημέρα,M,1",
    "P32,año ½,M,1",
    "P33,ваза,С,1",  # an isolated Cyrillic letter next to a Cyrillic word
]


def test_real_utf8_lines_inside_a_gbk_file_stay_utf8() -> None:
    data, text, numbers = _file([(line, "utf-8") for line in UTF8_LINES], gbk_lines=50, seed=1)
    decoded = decode_text(data)
    assert decoded.text == text
    assert sorted(r.line for r in decoded.redecoded) == numbers
    assert {r.encoding for r in decoded.redecoded} == {"utf-8"}


def test_a_utf8_file_with_a_few_gbk_lines_keeps_its_lone_cyrillic_letters() -> None:
    """The rule needs the file's non-ASCII lines to be mostly Chinese: here they are Russian."""
    rows = [f"R{i},{w},{i}" for i, w in enumerate(["ваза", "она", "дом", "окно"] * 8)]
    lines = [HEADER, *rows, "R90,С,1", "R91,Я,2", "G1,红色连衣裙,3", "G2,耳机,4"]
    codecs = ["ascii"] + ["utf-8"] * (len(rows) + 2) + ["gbk", "gbk"]
    data = b"".join(line.encode(c) + b"\n" for line, c in zip(lines, codecs, strict=True))
    decoded = decode_text(data)
    assert decoded.text == "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("codec", "words"),
    [
        ("cp1252", ["Café crème", "Größe XL", "Crème brûlée", "Ærø", "é1"]),
        ("big5", ["紅色連衣裙 夏季", "藍色牛仔褲", "耳機", "羊毛大衣"]),
        ("shift_jis", ["赤いワンピース 夏", "青いジーンズ", "イヤホン", "ウールのコート"]),
        ("euc_kr", ["빨간 원피스 여름", "파란 청바지", "이어폰", "울 코트"]),
        ("gbk", ["连衣裙", "大衣", "小", "苹果", "一"]),
    ],
)
def test_single_codec_files_read_as_written(codec: str, words: list[str]) -> None:
    text = "id,title\n" + "".join(f"P{i},{w}\n" for i, w in enumerate(words * 15))
    assert decode_text(text.encode(codec)).text == text


@pytest.mark.parametrize(
    ("text", "implausible"),
    [
        ("P7,С,12.5", True),
        ("A1ƻ", True),
        ("XLС", True),
        ("NikeŮ", True),  # a capital non-ASCII letter after a small one
        ("Café", False),
        ("она", False),
        ("c\u0327a", False),  # NFD: the mark belongs to its letter
        ("25°C", False),  # symbols count for neither side when they touch text
        ("P1,·,12", True),  # ... but not as a field of their own (路)
        ("üë", True),  # Latin letters without an ASCII one (眉毛)
        ("үү", True),  # Cyrillic letters without a basic one (爷爷)
        ("\u04bb\u05b1", True),  # a Hebrew point on a Cyrillic letter (一直)
        ("мкФ", False),  # a Russian unit: mixed case is a Latin-only test
        ("με", False),  # μ is a Greek letter in a Greek word ...
        ("10μm 5kΩ", False),  # ... and a unit next to Latin ones
        ("100Ω", False),
        ("P1,Ω,1", True),  # alone as a field (惟)
        ("P1,СС", False),  # a two-letter Cyrillic word: stays (the documented limit)
        ("abc", False),
    ],
)
def test_utf8_plausibility(text: str, implausible: bool) -> None:
    assert utf8_reading_is_implausible(text) is implausible


def test_chinese_rereading_wants_common_hanzi_and_two_byte_utf8() -> None:
    assert chinese_rereading("P7,小".encode("gbk"), "gb18030") == ("P7,С", "P7,小")
    assert chinese_rereading("P7,С".encode(), "gb18030") == ("P7,С", "P7,小")  # the same bytes
    assert chinese_rereading("P7,Ѐ".encode(), "gb18030") is None  # D0 80: trail below A1, no hanzi
    assert chinese_rereading("P7,蓝".encode(), "gb18030") is None  # 3-byte UTF-8


# --- properties ----------------------------------------------------------------------------------


def _gb2312_hanzi() -> list[str]:
    """The 6,763 hanzi of GB2312 levels 1 and 2 (rows B0-F7; D7FA-D7FE are empty)."""
    out = []
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                out.append(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


_HANZI = _gb2312_hanzi()


def _valid_utf8(text: str) -> bool:
    try:
        text.encode("gbk").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


#: The promise: a hanzi whose bytes are valid UTF-8 alone (930 of them) is repaired when it
#: stands as its own field.
_LONE = [h for h in _HANZI if _valid_utf8(h)]
_ASCII_FIELD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 .-", max_size=8)
_RUN = (
    st.lists(st.sampled_from(_HANZI), min_size=2, max_size=6)
    .map("".join)
    .filter(lambda r: not _valid_utf8(r))
)
_FIELD = st.one_of(_ASCII_FIELD, st.sampled_from(_LONE), _RUN)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.lists(_FIELD, min_size=1, max_size=5).map(",".join), min_size=1, max_size=20))
def test_random_gb2312_lines_decode_exactly(lines: list[str]) -> None:
    """Random GB2312 text among ASCII fields, in a file of 20 GBK lines: read back exactly when each
    hanzi is either in a run that is not valid UTF-8 or stands alone as a field (see _LONE)."""
    assume(all(line.strip() for line in lines))
    data, text, _ = _file([(line, "gbk") for line in lines], gbk_lines=20)
    assert decode_text(data).text == text


_LATIN = "abcdefghijklmnopqrstuvwxyzáâãäåæçèéêëìíîïñòóôõöøùúûüýąćęłńśźżčřšž"
_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюяё"
_GREEK = "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώ"
_WORD = st.one_of(
    # a Latin word holds an ASCII letter ("áá" is no word of any language: 谩谩 read as UTF-8)
    st.text(alphabet=_LATIN, min_size=2, max_size=9).filter(
        lambda w: not w.isascii() and any(c.isascii() for c in w)
    ),
    st.text(alphabet=_CYRILLIC, min_size=2, max_size=9),
    st.text(alphabet=_GREEK, min_size=2, max_size=9),
)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(
        st.tuples(_WORD, st.lists(st.one_of(_WORD, _ASCII_FIELD), max_size=4)).map(
            lambda t: ",".join([t[0], *t[1]])
        ),
        min_size=1,
        max_size=10,
    ),
    capitalise=st.booleans(),
)
def test_random_utf8_words_inside_a_gbk_file_stay_as_written(lines: list[str], capitalise: bool) -> None:
    """The promise on the UTF-8 side: a line holding a word of two or more letters of one alphabet
    (Latin with Latin-1 / Extended-A and an ASCII letter, Cyrillic, Greek; capitalised or not) with
    a non-ASCII letter is never re-read, whatever else it holds."""
    if capitalise:
        lines = [line.title() for line in lines]
    data, text, _ = _file([(line, "utf-8") for line in lines], gbk_lines=40)
    assert decode_text(data).text == text
