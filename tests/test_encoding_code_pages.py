"""Central European (cp1250) and Cyrillic (cp1251) exports told from cp1252 by the words they decode
to (data/code_pages.py): a Polish file with a handful of accented letters was read as cp1252."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopmind.data.code_pages import prefer_by_words, unexplained_words
from shopmind.data.encoding import decode_text
from shopmind.data.model import SOURCE_LINE
from shopmind.data.readers import read_table

#: Words each of which alone reads wrongly in cp1252 (a symbol inside it, or letters no one
#: Western language has together or in that place).
CENTRAL = ["Ilość", "Krzesło", "Książka", "łódź", "Żółw", "źdźbło", "Wrocław", "Gdańsk", "Łódź", "jabłko",
           "mąka", "żółty", "čeština", "Příliš", "žluťoučký", "kůň", "úpěl"]  # fmt: skip
#: Central European words with the same bytes in cp1250 and cp1252, or that read as well in both.
SHARED = ["Kraków", "Kecskemét", "Košice", "pieróg", "Zdjęcie", "Świeca", "Cena", "Nazwa"]
#: Western words (as test_readers' round trip draws them), which must keep reading as cp1252.
WESTERN = ["Café", "crème", "Zürich", "Größe", "naïve", "São", "Málaga", "Øre", "façade", "señor", "Ærø",
           "Œuvre", "niño", "più", "città", "Kecskemét", "ações", "cœur", "Ísland"]  # fmt: skip


def test_a_polish_header_with_few_accents_is_read_as_cp1250() -> None:
    """`Ilość` was `Iloœæ`: 2 non-ASCII bytes are below the detector's evidence floor, so cp1252 won."""
    text = "Kod,Nazwa,Ilość,Cena\nA1,Krzesło,2,12.50\n"
    decoded = decode_text(text.encode("cp1250"))
    assert decoded.encoding == "cp1250"
    assert decoded.text == text


def test_a_long_polish_file_is_read_whole_not_quarantined_line_by_line(tmp_path: Path) -> None:
    """Every row's `ź` is 0x9F (Ÿ in cp1252, a letter) and the detector found nothing: 40 rows
    were quarantined as bytes no encoding reads cleanly."""
    lines = ["Kod,Nazwa,Ilość,Cena,Kategoria"] + [f"A{i},Żółta łódź {i},3,12.50,Książki" for i in range(40)]
    path = tmp_path / "produkty.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1250"))
    result = read_table(path)
    assert result.encoding == "cp1250"
    assert result.malformed == []
    assert result.frame.columns[:3] == ["Kod", "Nazwa", "Ilość"]
    assert result.frame["Nazwa"].to_list()[:2] == ["Żółta łódź 0", "Żółta łódź 1"]


def test_a_czech_and_a_russian_export_are_read_in_their_code_page() -> None:
    czech = "Kód,Název,Množství\n" + "".join(f"A{i},Židle čeština {i},3\n" for i in range(40))
    assert decode_text(czech.encode("cp1250")).text == czech
    russian = "Артикул,Наименование,Цена,Количество\nA1,Стул,12,3\n"
    decoded = decode_text(russian.encode("cp1251"))
    assert (decoded.encoding, decoded.text) == ("cp1251", russian)


def test_unexplained_words_counts_symbols_in_words_and_letters_of_no_one_language() -> None:
    assert unexplained_words("Krzes³o, Ksi¹¿ka", "cp1252") == 2  # ³ ¹ ¿ are no letters
    assert unexplained_words("Iloœæ", "cp1252") == 1  # œ French, æ Danish: no language has both
    assert unexplained_words("Ilość", "cp1250") == 0
    assert unexplained_words("Café crème, Größe", "cp1252") == 0
    assert unexplained_words("kùò", "cp1252") == 1  # Italian accents end a word
    assert unexplained_words("Gdañsk", "cp1252") == 1  # Spanish ñ stands before a vowel
    assert unexplained_words("Cafй", "cp1251") == 1  # two scripts in one word
    assert unexplained_words("Цена", "cp1251") == 0
    assert unexplained_words("12 €, ½", "cp1252") == 2  # symbols alone count against every code page alike
    assert unexplained_words("12 €, ½", "cp1250") == 2


def test_a_tie_or_a_codec_outside_the_code_pages_keeps_the_guess() -> None:
    assert prefer_by_words("Café".encode("cp1252"), "cp1252") == "cp1252"  # "Café" in both
    assert prefer_by_words("Zdjęcie".encode("cp1250"), "cp1252") == "cp1252"  # Zdjêcie is French-like
    assert prefer_by_words("Zdjęcie".encode("cp1250"), "cp1250") == "cp1250"  # a detector's cp1250 stands
    assert prefer_by_words("中文".encode("gbk"), "gb18030") == "gb18030"
    assert prefer_by_words("Ilość".encode("cp1250"), "cp1252", ("cp1252",)) == "cp1252"


@pytest.mark.parametrize("codec", ["gbk", "big5"])
def test_chinese_is_never_read_as_cyrillic(codec: str) -> None:
    """Two cp1251 capitals are one GB2312 hanzi (中 reads ЦР): a short Chinese sample keeps its
    Chinese reading, as before the word rule."""
    text = "id,name\n1,中文\n2,茶\n" if codec == "gbk" else "id,name\n1,臺北\n2,高雄\n"
    decoded = decode_text(text.encode(codec))
    assert "cp1251" not in decoded.encoding


def _table(rows: list[list[str]]) -> str:
    return "".join(",".join(r) + "\n" for r in rows)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(
        st.lists(st.sampled_from(CENTRAL + SHARED), min_size=1, max_size=3), min_size=1, max_size=6
    ),
    decisive=st.sampled_from(CENTRAL),
)
def test_central_european_tables_read_back_exactly(
    tmp_path: Path, words: list[list[str]], decisive: str
) -> None:
    rows = [["id", "nazwa"]] + [[f"P{i}", " ".join(w)] for i, w in enumerate(words)] + [["X", decisive]]
    path = tmp_path / "t.csv"
    path.write_bytes(_table(rows).encode("cp1250"))
    result = read_table(path)
    assert result.malformed == []
    assert [list(r) for r in result.frame.drop(SOURCE_LINE).rows()] == rows[1:]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.lists(st.sampled_from(WESTERN), min_size=1, max_size=3), min_size=1, max_size=6))
def test_western_tables_stay_cp1252(tmp_path: Path, words: list[list[str]]) -> None:
    rows = [["id", "name"]] + [[f"P{i}", " ".join(w)] for i, w in enumerate(words)]
    path = tmp_path / "t.csv"
    path.write_bytes(_table(rows).encode("cp1252"))
    result = read_table(path)
    assert result.encoding == "cp1252"
    assert [list(r) for r in result.frame.drop(SOURCE_LINE).rows()] == rows[1:]
