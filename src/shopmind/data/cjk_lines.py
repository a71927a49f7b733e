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
  Latin-1/Latin Extended-A, Greek, Cyrillic, Armenian, Hebrew, Arabic) holding a core letter of
  it (an ASCII letter in Latin, а-я/Ё-Џ in Cyrillic), and in Latin no capital non-ASCII letter
  right after a small one. "Café", "crème", "она", "και" are words; "С" alone between commas,
  "ƻ" (Latin Extended-B), "ˮ" (a modifier letter), "XLС" (Latin and Cyrillic in one word),
  "NikeŮ", "üë" (眉毛), "үү" (爷爷), "һֱ" (一直: a Hebrew point on a Cyrillic letter) are not.
  Real text in those alphabets has words; a GBK value read as UTF-8 gives one letter per hanzi
  from scattered blocks, rarely two of one alphabet's core next to each other.
* Latin-1 symbols (¥ ° ² ® ½ × ÷ ...) and units ("25°C", "100Ω") count for neither side when
  they touch text: they are common in real UTF-8 text (Greek μ and Ω are letters of any
  alphabet's word: "με", "10μm", "5kΩ"). Standing alone as
  a field (``P1,·,12``: 路) a symbol is no text, so it counts as implausible. Other non-letters
  of the two-byte range (tone bars ˥, Arabic-Indic digits, U+037E) are implausible anywhere.

Measured (``bench/gbk_utf8_lines.py``; real Chinese text of QBQTC as catalog-like lines, Debian
word lists as UTF-8 lines): 17.7-18.0 % of one-character values and 5.1-5.5 % of jieba words are
valid UTF-8 in GBK; the rule repairs 99.9 % and 99.1-99.2 % of those (what it leaves is a word as
below, or no GB2312 at all: mojibake already in the corpus). Of 384k French, German, Spanish and
Russian words as UTF-8 lines it re-reads 7, of 914k Portuguese, Polish, Ukrainian, Bulgarian and
Greek words 8 (after μ was made a letter of Greek words: 14 before), all one-letter words alone
on their line (ô, ä, é, в, γ, Ω ...).

What stays garbled (said so the promise is exact): a GBK line whose hanzi, read as UTF-8, form
such a word ("谢谢" gives "лл", "小小" "СС"; a hanzi glued to ASCII letters reading as a small
Latin-1 letter, "Tee每" gives "Teeÿ"), or whose symbol-reading hanzi touch other text. A
line re-read by this rule is reported as re-decoded (``Redecoded``: the UTF-8 reading as ``old``)
so the gate audits it (``TEXT_ENCODING``): nothing changes silently.
"""

from __future__ import annotations

import re
import unicodedata

#: Chinese codecs whose lines may be valid UTF-8 by accident, with their common-hanzi lead bytes.
CJK_LEADS: dict[str, tuple[int, int]] = {"gb18030": (0xB0, 0xF7), "big5": (0xA4, 0xF9)}
#: Non-ASCII characters that count for neither reading: the Latin-1 symbols (¡..¿ with ª µ º,
#: × ÷), all common in real UTF-8 text. Any other non-ASCII character that is no letter (a tone
#: bar ˥, an Arabic-Indic digit, U+037E) is rare in it: implausible.
_NEUTRAL = frozenset([chr(c) for c in range(0xA0, 0xC0)] + ["\u00d7", "\u00f7"])
#: Greek μ and Ω: letters of Greek words ("με") and unit symbols next to Latin ones ("10μm",
#: "5kΩ") or after digits ("100Ω"): they belong to any alphabet's word, after digits they are
#: neutral, alone as a field (惟 read as "Ω") implausible.
_UNITS = frozenset("\u03bc\u03a9")


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


#: Letters a word of each alphabet holds at least one of: an ASCII letter in Latin text, a basic
#: letter in Cyrillic (а-я and Ё-Џ). "üë", "žž", "ŷŵ" or "үү" (眉毛, 啪啪, 欧诺, 爷爷 read as
#: UTF-8) are letters of Latin or Cyrillic that no word of those languages is made of alone.
_CORE = {"latin": (0x41, 0x7A), "cyrillic": (0x400, 0x45F)}
#: Field separators: a Latin-1 symbol standing alone between them ("P1,·,12": 路) is no text.
_SEPARATORS = frozenset(",;|\t\r\"'")


def _is_word(word: str) -> bool:
    """Two or more letters of one common alphabet holding one of its core letters; in Latin, no
    capital non-ASCII letter right after a small letter ("NikeŮ": Nike女).

    A combining diacritic (``_attachable``; NFD text: "c" + U+0327) belongs to the Latin, Greek or
    Cyrillic letter before it; any other mark (Hebrew points after a Cyrillic letter: 一直 read
    as "һֱ") makes no word."""
    scripts: set[str | None] = set()
    previous = ""
    letters = 0
    core = False
    for c in word:
        if unicodedata.category(c).startswith("M"):
            if not (previous and _attachable(c) and _script(previous) in ("latin", "greek", "cyrillic")):
                return False
            continue
        letters += 1
        if c in _UNITS:
            previous = c
            continue
        script = _script(c)
        scripts.add(script)
        if script == "latin" and ord(c) > 0x7F and c.isupper() and previous.islower():
            return False
        bounds = _CORE.get(script or "")
        core = core or bounds is None or bounds[0] <= ord(c) <= bounds[1]
        previous = c
    return letters >= 2 and core and len(scripts) == 1 and None not in scripts


def _attachable(mark: str) -> bool:
    """Diacritics of NFD Latin, Greek and Cyrillic text (acute, cedilla, ogonek, Greek
    perispomeni ...), not the medieval combining letters U+0363-036F (同 reads as "ͬ")."""
    return 0x300 <= ord(mark) <= 0x333 or 0x342 <= ord(mark) <= 0x345


def _lone(text: str, i: int) -> bool:
    """The character at ``i`` is a whole field: only separators or the line's ends beside it."""
    return (i == 0 or text[i - 1] in _SEPARATORS) and (i + 1 == len(text) or text[i + 1] in _SEPARATORS)


_WIDE = re.compile("[^\x00-\x7f]")
#: A whole word of ASCII and small Latin-1 letters with at least one of each: always a word by
#: ``_is_word`` (one alphabet, its core, no capital after a small letter), so found by a regex.
_PLAIN_LATIN_WORD = re.compile(
    "(?<![^\\W\\d_])(?=[a-zA-Z\u00df-\u00f6\u00f8-\u00ff]*[\u00df-\u00f6\u00f8-\u00ff])"
    "(?=[\u00df-\u00f6\u00f8-\u00ff]*[a-zA-Z])[a-zA-Z\u00df-\u00f6\u00f8-\u00ff]+"
    "(?![^\\W\\d_]|[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670])"
)
_NOT_HANZI = re.compile("[^\x00-\x7f\u4e00-\u9fff]")


def utf8_reading_is_implausible(text: str) -> bool:
    """No word of a common alphabet (see the module docstring), and some letter outside one,
    some non-ASCII character that is neither a letter nor a common symbol (``_NEUTRAL``), or a
    common symbol standing alone as a field. Only the words around non-ASCII characters are
    looked at (found in C), so an accented line costs a few characters' work, not its length."""
    if _PLAIN_LATIN_WORD.search(text):
        return False  # the common case of real text ("Café"), found in C
    implausible = False
    end = 0  # the text before ``end`` is judged
    for match in _WIDE.finditer(text):
        i = match.start()
        if i < end:
            continue
        c = text[i]
        if not _is_letter(c):
            implausible = implausible or c not in _NEUTRAL or _lone(text, i)
            continue
        start, end = i, i + 1
        while start > 0 and _is_letter(text[start - 1]):
            start -= 1
        while end < len(text) and _is_letter(text[end]):
            end += 1
        if end - start == 1 and c not in _UNITS:
            implausible = True  # one letter alone: no word (the common case, 小 -> "С")
            continue
        word = text[start:end]
        if all(ch in _UNITS for ch in word):
            implausible = implausible or (len(word) == 1 and _lone(text, start))
            continue
        if _is_word(word):
            return False
        implausible = True
    return implausible


#: A line of ASCII and common-hanzi byte pairs (lead range per codec, trail A1-FE), matched in C.
_HANZI_BYTES = {
    codec: re.compile(b"(?:[\\x00-\\x7f]|[\\x%02x-\\x%02x][\\xa1-\\xfe])*" % (low, high))
    for codec, (low, high) in CJK_LEADS.items()
}


def hanzi_reading(raw: bytes, codec: str) -> str | None:
    """``raw`` in ``codec`` when its non-ASCII bytes are all common hanzi (see CJK_LEADS), else None."""
    if _HANZI_BYTES[codec].fullmatch(raw) is None:
        return None
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        return None
    if _NOT_HANZI.search(text) is None:
        return text
    return None  # an empty code point (GB2312 D7FA-D7FE) or Big5's kana rows


#: Bytes both readings share: ASCII, and pairs that are a two-byte UTF-8 sequence (lead C2-DF,
#: continuation 80-BF) and a common hanzi (lead >= B0 / A4, trail A1-FE) at once. In a valid
#: UTF-8 line of two-byte sequences the two pairings coincide, so this is the whole byte test.
_SHARED_BYTES = re.compile(b"(?:[\\x00-\\x7f]|[\\xc2-\\xdf][\\xa1-\\xbf])*")


def chinese_rereading(raw: bytes, codec: str) -> tuple[str, str] | None:
    """(UTF-8 reading, ``codec`` reading) of a valid-UTF-8 line that is a Chinese line by the rule
    of the module docstring (the file-level part is the caller's), else None."""
    if _SHARED_BYTES.fullmatch(raw) is None:
        return None  # a 3- or 4-byte UTF-8 sequence (UTF-8 Chinese), or bytes of no common hanzi
    utf8 = raw.decode("utf-8")
    if not utf8_reading_is_implausible(utf8):
        return None
    hanzi = raw.decode(codec)
    if codec != "gb18030" and _NOT_HANZI.search(hanzi):
        return None  # Big5's kana rows (C6 A1-BF); in GB2312 all 930 such pairs are hanzi
    return utf8, hanzi


def reread_chinese_lines(
    lines: list[bytes], utf8_numbers: list[int], counts: dict[str, int]
) -> dict[int, tuple[str, str, str]]:
    """Line number -> (codec, UTF-8 reading, codec reading) for the valid-UTF-8 lines
    (``utf8_numbers``, 1-based) of a mostly Chinese file (``counts``: non-ASCII lines per codec)
    that are Chinese lines read as UTF-8 by accident (see the module docstring)."""
    codec = max(CJK_LEADS, key=lambda c: counts.get(c, 0))
    chinese = counts.get(codec, 0)
    if not chinese or chinese <= sum(counts.values()) - chinese - len(utf8_numbers):
        return {}  # not even every UTF-8 line being a candidate would make the file mostly Chinese
    found: dict[int, tuple[str, str, str]] = {}
    for number in utf8_numbers:
        pair = chinese_rereading(lines[number - 1], codec)
        if pair is not None:
            found[number] = (codec, pair[0], pair[1])
    others = sum(counts.values()) - chinese - len(found)
    return found if chinese > others else {}
