"""Chinese (GBK/GB2312, Big5) lines that happen to be valid UTF-8, in a file decoded line by line.

:func:`shopmind.data.encoding.decode_text` reads a file that is not valid UTF-8 as a whole line
by line, and a line that *is* valid UTF-8 was taken as UTF-8. A short GBK line can be valid UTF-8
by accident: a GB2312 character whose lead byte is C2-DF and whose trail byte is A1-BF is a
two-byte UTF-8 sequence. 小 (D0 A1) reads as Cyrillic "С", 苹 (C6 BB) as "ƻ", 一 (D2 BB) as "һ",
女 (C5 AE) as "Ů", so ``P7,小,12.5`` was published as ``P7,С,12.5`` with no audit record.

How often: 930 of the 6,763 GB2312 hanzi (13.8 %) are valid UTF-8 on their own; weighted by
use (675k hanzi of the QBQTC query/title corpus) 17.9 % of the characters of real text are, among
them 95 of the 500 commonest (一 么 知 学 图 全 什 小 业 时 女 片 说 平 品 水 山 色 ...). A run of
two hanzi is valid UTF-8 only if both are (1.9 % of uniform random GB2312 pairs; 4-byte UTF-8
from four GB bytes adds rare level-2 leads F0-F3 only), so long Chinese text is never affected:
the risk is the one-character value between separators (sizes 小, one-character categories and
ids), which Chinese catalogs are full of.

The rule (why each part):

* Only in a file whose non-ASCII lines are mostly in a Chinese codec: gb18030 or Big5 lines
  outnumber the other non-ASCII lines that are not candidates themselves. A UTF-8 file with a few
  GBK lines keeps its UTF-8 lines.
* Only a line whose UTF-8 reading has no 3- or 4-byte sequence (UTF-8 Chinese is 3-byte: it
  stays UTF-8) and whose bytes are, in the file's codec, nothing but common hanzi (GB2312 levels
  1-2: lead B0-F7, trail A1-FE; Big5 lead A4-F9, trail A1-FE) among ASCII.
* Only when the UTF-8 reading is implausible: it holds no *word*, and at least one letter that
  cannot be one. A word is a run of two or more letters of one common alphabet (Latin with
  Latin-1/Latin Extended-A, Greek, Cyrillic, Armenian, Hebrew, Arabic), with no capital
  non-ASCII letter right after a small letter. "Café", "crème", "она", "και" are words; "С"
  alone between commas, "ƻ" (Latin Extended-B), "ˮ" (a modifier letter), "XLС" (Latin and
  Cyrillic in one word) or "NikeŮ" are not. Real text in those alphabets has words; a GBK value
  read as UTF-8 gives one letter per hanzi, rarely two of one script next to each other.
* Latin-1 symbols (¥ ° ² ® ½ × ÷ ...), µ, Greek μ and Ω (units: "10μm", "5kΩ") count for
  neither side: they are common in real UTF-8 text, so a line whose only non-ASCII characters
  read as such symbols stays UTF-8 (the 31 GB2312 hanzi of row C2, 楼 路 录 陆 ..., and 梅 渭 惟
  are not repaired when they stand alone). Other non-letters of the two-byte range (tone bars
  ˥, Arabic-Indic digits, U+037E) are implausible, like rare letters.

What stays garbled (said so the promise is exact): a GBK line whose hanzi, read as UTF-8, form
such a word ("小小" gives "СС"; a hanzi glued to ASCII letters reading as a small Latin-1
letter, "Tee每" gives "Teeÿ"), or whose only readable-as-UTF-8 hanzi are the symbol ones. A
line re-read by this rule is reported as re-decoded (``Redecoded``: the UTF-8 reading as ``old``)
so the gate audits it (``TEXT_ENCODING``): nothing changes silently.
"""

from __future__ import annotations

import unicodedata

#: Chinese codecs whose lines may be valid UTF-8 by accident, with their common-hanzi lead bytes.
CJK_LEADS: dict[str, tuple[int, int]] = {"gb18030": (0xB0, 0xF7), "big5": (0xA4, 0xF9)}
_TRAIL_MIN = 0xA1
#: Non-ASCII characters that count for neither reading: the Latin-1 symbols (¡..¿ with ª µ º,
#: × ÷) and Greek μ Ω as units, all common in real UTF-8 text. Any other non-ASCII character
#: that is no letter (a tone bar ˥, an Arabic-Indic digit, U+037E) is rare in it: implausible.
_NEUTRAL = frozenset([chr(c) for c in range(0xA0, 0xC0)] + ["\u00d7", "\u00f7", "\u03bc", "\u03a9"])


def _script(c: str) -> str | None:
    """The common alphabet of a letter (ASCII included), or None for rare blocks (IPA, Latin
    Extended-B, Coptic, historic Cyrillic, Syriac, ...), which real text almost never holds."""
    o = ord(c)
    if o < 0x80 or 0xC0 <= o <= 0x17F or o in (0x1A0, 0x1A1, 0x1AF, 0x1B0) or 0x1CD <= o <= 0x1DC:
        return "latin"  # Latin-1 letters, Latin Extended-A, Vietnamese ơ ư, pinyin ǎ ǐ ǒ ǔ
    if 0x218 <= o <= 0x21B:
        return "latin"  # Romanian ș ț
    if 0x386 <= o <= 0x3CE:
        return "greek"
    if 0x400 <= o <= 0x45F or 0x490 <= o <= 0x4FF:
        return "cyrillic"  # Russian, Ukrainian, Bulgarian, Serbian; Kazakh, Tatar, Mongolian
    if 0x531 <= o <= 0x587:
        return "armenian"
    if 0x5D0 <= o <= 0x5EA:
        return "hebrew"
    if 0x620 <= o <= 0x64A or 0x66E <= o <= 0x6D3:
        return "arabic"
    return None


def _is_letter(c: str) -> bool:
    return (c.isalpha() or unicodedata.category(c).startswith("M")) and c not in _NEUTRAL


def _is_word(word: str) -> bool:
    """Two or more letters of one common alphabet, no capital non-ASCII letter after a small one.

    A combining mark (NFD text: "c" + U+0327) belongs to the letter before it."""
    if len(word) < 2:
        return False
    scripts: set[str | None] = set()
    previous = ""
    for c in word:
        if unicodedata.category(c).startswith("M"):
            if not previous:
                return False
            continue
        scripts.add(_script(c))
        if ord(c) > 0x7F and c.isupper() and previous.islower():
            return False
        previous = c
    return len(scripts) == 1 and None not in scripts


def utf8_reading_is_implausible(text: str) -> bool:
    """No word of a common alphabet (see the module docstring), and some letter outside one or
    some non-ASCII character that is neither a letter nor a common symbol (``_NEUTRAL``)."""
    implausible = False
    i, n = 0, len(text)
    while i < n:
        if not _is_letter(text[i]):
            if ord(text[i]) > 0x7F and text[i] not in _NEUTRAL:
                implausible = True
            i += 1
            continue
        j = i + 1
        while j < n and _is_letter(text[j]):
            j += 1
        word = text[i:j]
        i = j
        if word.isascii():
            continue
        if _is_word(word):
            return False
        implausible = True
    return implausible


def hanzi_reading(raw: bytes, codec: str) -> str | None:
    """``raw`` in ``codec`` when its non-ASCII bytes are all common hanzi (see CJK_LEADS), else None."""
    low, high = CJK_LEADS[codec]
    expect_trail = False
    for b in raw:
        if expect_trail:
            if b < _TRAIL_MIN or b == 0xFF:
                return None
            expect_trail = False
        elif b >= 0x80:
            if not low <= b <= high:
                return None
            expect_trail = True
    if expect_trail:
        return None
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        return None
    if all(c.isascii() or 0x4E00 <= ord(c) <= 0x9FFF for c in text):
        return text
    return None


def chinese_rereading(raw: bytes, codec: str) -> tuple[str, str] | None:
    """(UTF-8 reading, ``codec`` reading) of a valid-UTF-8 line that is a Chinese line by the rule
    of the module docstring (the file-level part is the caller's), else None."""
    if max(raw, default=0) >= 0xE0:
        return None  # a 3- or 4-byte UTF-8 sequence (UTF-8 Chinese): not re-read
    hanzi = hanzi_reading(raw, codec)
    if hanzi is None:
        return None
    utf8 = raw.decode("utf-8")
    if not utf8_reading_is_implausible(utf8):
        return None
    return utf8, hanzi


def reread_chinese_lines(
    lines: list[bytes], kinds: list[str], chosen: list[str | None]
) -> dict[int, tuple[str, str, str]]:
    """Line number -> (codec, UTF-8 reading, codec reading) for the valid-UTF-8 lines of a mostly
    Chinese file that are Chinese lines read as UTF-8 by accident (see the module docstring)."""
    counts: dict[str, int] = {}
    for codec in chosen:
        if codec not in (None, "ascii"):
            counts[codec] = counts.get(codec, 0) + 1
    codec = max(CJK_LEADS, key=lambda c: counts.get(c, 0))
    if not counts.get(codec):
        return {}
    found: dict[int, tuple[str, str, str]] = {}
    for number, (raw, kind) in enumerate(zip(lines, kinds, strict=True), start=1):
        if kind == "utf-8":
            pair = chinese_rereading(raw, codec)
            if pair is not None:
                found[number] = (codec, pair[0], pair[1])
    others = sum(counts.values()) - counts[codec] - len(found)
    return found if counts[codec] > others else {}
