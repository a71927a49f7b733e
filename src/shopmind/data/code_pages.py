"""Which European single-byte code page a legacy file is in, told by the words it decodes to.

charset-normalizer cannot tell cp1252 (Western) from cp1250 (Central European) or cp1251
(Cyrillic) on a short sample: every byte decodes in all three, and its mess ratio barely moves.
:mod:`shopmind.data.encoding` therefore read such files as cp1252, and a Polish export in cp1250
was published as ``Iloœæ`` (``Ilość``), ``Krzes³o`` (``Krzesło``), or quarantined whole when a
byte cp1252 leaves undefined (``Ź``) was on every line.

The evidence used here is the one a reader uses: each candidate decoding is split into words,
and a word holding non-ASCII characters is *explained* by a code page when all those characters
are letters of one language that code page is made for (``Ilość``: Polish; ``Iloœæ``: no
language has both œ and æ; ``Krzes³o``: ³ is no letter). The code page with clearly fewer
unexplained words wins; on a tie the detector's answer stands, so a file whose words read
equally well both ways (``Zdjęcie`` / ``Zdjêcie``, ``Café`` / ``Café``) keeps the Western
default it had. Only the three Windows code pages shop tools export in are compared, and only
when the detector's guess is one of them: GBK, Big5, Shift-JIS and UTF-8 are not touched.
"""

from __future__ import annotations

import re
import unicodedata

#: Non-ASCII letters (lower case) of the languages each code page is made for. A word is
#: explained when its non-ASCII letters all belong to one of its code page's languages.
_WESTERN = {
    "French": "àâçéèêëîïôœùûüÿ",  # æ left out (ex æquo, Lætitia): with it œæ was French
    "German": "äöüß",
    "Spanish": "áéíñóúü",
    "Catalan": "àçéèíïòóúü",
    "Portuguese": "àáâãçéêíóôõú",
    "Italian": "àèéìíîòóù",
    "Dutch": "áéëïóöü",
    "Danish/Norwegian": "æøåéèóòô",
    "Swedish": "åäöé",
    "Finnish/Estonian": "äöåõüšž",
    "Icelandic/Faroese": "áðéíóúýþæö",
    "Albanian": "çë",
}
_CENTRAL = {
    "Polish": "ąćęłńóśźż",
    "Czech": "áčďéěíňóřšťúůýž",
    "Slovak": "áäčďéíĺľňóôŕšťúýž",
    "Hungarian": "áéíóöőúüű",
    "Romanian": "ăâîşţ",
    "Croatian/Bosnian/Slovene": "čćđšž",
    "German": "äöüß",
}
#: Where a language puts its letters, for the ones whose byte reads as a Central European
#: letter elsewhere: Italian writes accents on a word's last vowel only (più, città; "kùò" is
#: "kůň"), Spanish ñ stands before a vowel ("Gdañsk" is "Gdańsk"), Portuguese ã/õ before a vowel,
#: an s or at the end (São, ações, irmã). A match of the pattern is a letter out of place.
_MISPLACED = {
    "Italian": re.compile(r"[àèéìíîòóù]\w"),
    "Spanish": re.compile(r"ñ(?![aeiouáéíóú])"),
    "Portuguese": re.compile(r"[ãõ](?=[^\Waeiouáéíóús])"),
}
_CYRILLIC = {
    "Russian/Ukrainian/Belarusian/Bulgarian/Serbian/Macedonian": (
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўђјљњћџѓќѕ"
    ),
}
#: Code page -> (its languages, whether its words may hold ASCII letters too).
CODE_PAGES: dict[str, tuple[dict[str, str], bool]] = {
    "cp1252": (_WESTERN, True),
    "cp1250": (_CENTRAL, True),
    "cp1251": (_CYRILLIC, False),  # "Cafй" is no Russian word: one script per word
}
_ALPHABETS = {
    codec: ([(frozenset(letters), _MISPLACED.get(name)) for name, letters in languages.items()], latin)
    for codec, (languages, latin) in CODE_PAGES.items()
}
#: Word separators of text and of delimited files (a field is never one word with its neighbour).
_WORDS = re.compile(r"[^\s,;|\"'()\[\]{}<>/\\:=+*!?.0-9-]+")


def unexplained_words(text: str, codec: str) -> int:
    """Words of ``text`` holding a non-ASCII character that no language of ``codec`` explains."""
    alphabets, latin = _ALPHABETS[codec]
    count = 0
    for word in _WORDS.findall(text):
        if word.isascii():
            continue
        wide = {c.lower() for c in word if ord(c) > 0x7F}
        symbol = any(not unicodedata.category(c).startswith("L") for c in wide)  # ³ ¹ ¿ £: "Krzes³o"
        mixed = not latin and any(c.isascii() and c.isalpha() for c in word)
        fits = any(
            wide <= letters and (misplaced is None or not misplaced.search(word.lower()))
            for letters, misplaced in alphabets
        )
        count += symbol or mixed or not fits
    return count


def prefer_by_words(sample: bytes, guess: str, candidates: tuple[str, ...] = tuple(CODE_PAGES)) -> str:
    """``guess``, or the code page of ``candidates`` whose decoding of ``sample`` leaves clearly
    fewer unexplained words (fewer than half as many) when ``guess`` is one of them."""
    if guess not in candidates:
        return guess
    # a byte a code page leaves undefined (0x8F is Ź in cp1250, nothing in cp1252) decodes as
    # U+FFFD, no letter: its word is unexplained, so one garbage line weighs one word per codec
    counts = {c: unexplained_words(sample.decode(c, errors="replace"), c) for c in candidates}
    best = min(counts, key=lambda c: (counts[c], c != guess))
    return best if counts[best] * 2 < counts[guess] else guess
