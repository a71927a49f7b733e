"""Bytes to text for shop exports: BOMs, UTF-16/32 without a BOM, binary files, mixed encodings.

Exports are written by many tools over many years, and some files are concatenations of
exports from different systems: UTF-8 lines next to cp1252 and GBK lines. Decoding such a
file with one guessed codec publishes garbled titles, so a file that is not valid UTF-8 is
decoded line by line: a line that is valid UTF-8 is UTF-8 (unless, in a mostly Chinese file,
it is a GBK/Big5 line that is valid UTF-8 by accident: ``cjk_lines``), any other line is read with the
file's guessed codec unless another common shop codec reads it clearly less messily
(charset-normalizer's mess ratio, the measure its own detection ranks by). A line that no
codec reads cleanly is not guessed at: it is returned as undecodable so the reader can
quarantine it (``MALFORMED_LINE``) with its bytes shown escaped. Lines read with a codec other
than the file's main one are listed, so the gate can audit the change (``TEXT_ENCODING``).

Files that are not text at all (random bytes, a ZIP/xlsx or Parquet file named .csv) are a
user error, said with what the file looks like, never a traceback from a parser.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from shopmind.data.cjk_lines import reread_chinese_lines
from shopmind.data.code_pages import CODE_PAGES, prefer_by_words, unexplained_words

_DETECT_BYTES = 128 * 1024
#: Chaos margin (charset-normalizer's mess ratio) within which cp1252 beats the first guess.
_WESTERN_MARGIN = 0.1
_WESTERN = "cp1252"
#: Chaos margin within which gb18030 beats the first guess (after cp1252; see _guess_encoding).
_CHINESE_MARGIN = 0.1
_CHINESE = "gb18030"
#: Non-ASCII bytes below which any code page reads the sample equally well (1 byte of "É"
#: is as plausible in cp932 as in cp1252), so detection would only be a coin toss.
_MIN_EVIDENCE = 32
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
#: Codecs a line of a mixed file is tried in besides the file's guess: Western European and
#: Chinese (gb18030 is a superset of GBK and GB2312) are the legacy encodings shop exports use.
LINE_CODECS = ("cp1252", "gb18030")
#: How much less messy another codec must read a line to replace the file's guess for it.
_LINE_MARGIN = 0.1
#: Mess ratio above which no codec is trusted with a line: garbage, quarantined not guessed.
#: Correct decodings of real lines measure 0-0.3; GBK read as cp1252 measures 2-4.
_GARBAGE_MESS = 0.6
#: Bytes sampled to decide whether a file is text at all.
_BINARY_SAMPLE = 64 * 1024
#: Share of control bytes (C0 except tab, newline, CR, form feed) above which a file is binary.
#: Text has none; random bytes have ~11 %. One garbage line in a text file stays far below.
_BINARY_SHARE = 0.05
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D))
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?): name it .xlsx, which ingest reads as it is"),
    (b"PAR1", "a Parquet file: name it .parquet or pass --format parquet"),
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office file (.xls?): name it .xls, which ingest reads as it is"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
#: Names that already say what the bytes are: the "name it ..." hint is then wrong (a dataset format that
#: reads text only was given a workbook named .xlsx), so the message says the format wants text.
_NAMED = {b"PK\x03\x04": (".xlsx", ".xlsm", ".xlsb", ".ods"), b"PAR1": (".parquet", ".pq"),
          b"\xd0\xcf\x11\xe0": (".xls",)}  # fmt: skip


class DecodeError(ValueError):
    """The bytes are not a text file; the message says what they look like."""


@dataclass(frozen=True)
class Redecoded:
    """A line read with another codec than the file's main one, or a valid-UTF-8 line re-read in
    the file's Chinese codec (``cjk_lines``): what it would have read as."""

    line: int  # 1-based physical line
    encoding: str
    old: str  # as the main codec reads it (undecodable bytes replaced); for a re-read line, as UTF-8
    new: str


@dataclass(frozen=True)
class Undecodable:
    """A line no codec reads cleanly; ``raw`` shows its bytes (non-text ones escaped)."""

    line: int
    raw: str
    reason: str


@dataclass
class Decoded:
    text: str  # undecodable lines are left blank, so line numbers stay physical
    encoding: str  # the codec, or "mixed (utf-8 120, gb18030 3)" for a per-line decode
    redecoded: list[Redecoded] = field(default_factory=list)
    undecodable: list[Undecodable] = field(default_factory=list)


def decode_text(data: bytes, path: Path | None = None) -> Decoded:
    """Decode a text file, line by line where it mixes encodings (see the module docstring)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"{path}: starts with a {encoding} byte-order mark but is not {encoding}: {exc}"
                ) from exc
    wide = _utf16_or_32(data)
    if wide is not None:
        return Decoded(data.decode(wide), wide)
    _refuse_binary(data, path)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    return _decode_lines(data, first_bad)


def decode(data: bytes, path: Path | None = None) -> tuple[str, str]:
    """Text and the encoding used (undecodable lines left blank); see :func:`decode_text`."""
    decoded = decode_text(data, path)
    return decoded.text, decoded.encoding


def _utf16_or_32(data: bytes) -> str | None:
    """UTF-16/32 without a byte-order mark, told by where the zero bytes of ASCII text fall.

    In UTF-16LE every ASCII character is followed by a zero byte, so zeros crowd the odd
    offsets and almost never sit on even ones (UTF-32 puts three zeros in each group of four).
    UTF-8 and legacy text has no zero bytes at all, so the test cannot misfire on them.
    """
    sample = data[:_BINARY_SAMPLE]
    if len(sample) < 4 or sample.count(0) < len(sample) // 8:
        return None
    sample = sample[: len(sample) // 4 * 4]
    quarter = len(sample) // 4
    zeros = [sample[i::4].count(0) / quarter for i in range(4)]
    candidates: list[str] = []
    if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9 and zeros[0] < 0.1:
        candidates.append("utf-32-le")
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] < 0.1:
        candidates.append("utf-32-be")
    odd, even = (zeros[1] + zeros[3]) / 2, (zeros[0] + zeros[2]) / 2
    if odd > 0.3 and even < 0.05:
        candidates.append("utf-16-le")
    if even > 0.3 and odd < 0.05:
        candidates.append("utf-16-be")
    for codec in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        head = text[:_BINARY_SAMPLE]
        controls = sum(head.count(chr(b)) for b in _CONTROL_BYTES)
        if controls <= len(head) * 0.01:
            return codec
    return None


def _refuse_binary(data: bytes, path: Path | None) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            if path is not None and Path(path).suffix.lower() in _NAMED.get(magic, ()):
                kind = what.split(":")[0]
                raise DecodeError(f"{path} is {kind}, and this is read as a text file: save it as CSV")
            raise DecodeError(f"{path} is {what}, not a text file")
    sample = data[:_BINARY_SAMPLE]
    if not sample:
        return
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > len(sample) * _BINARY_SHARE:
        share = controls / len(sample)
        raise DecodeError(
            f"{path} does not look like a text file: {share:.0%} of its first {len(sample):,} bytes "
            "are control bytes (binary data, fields separated by control characters, or an encoding "
            "shopmind cannot read)"
        )


def _decode_lines(data: bytes, first_bad: int) -> Decoded:
    """Per-line decoding of a file that is not valid UTF-8 as a whole."""
    lines = data.split(b"\n")
    kinds: list[str] = []  # "ascii" | "utf-8" | "other"
    utf8_numbers: list[int] = []
    legacy = bytearray()
    for raw in lines:
        if raw.isascii():
            kinds.append("ascii")
            continue
        try:
            raw.decode("utf-8")
            kinds.append("utf-8")
            utf8_numbers.append(len(kinds))
        except UnicodeDecodeError:
            kinds.append("other")
            if len(legacy) < _DETECT_BYTES:
                legacy += raw + b"\n"
    guess = _guess_encoding(bytes(legacy), data, first_bad)
    clean = _clean_in_guess(lines, kinds, guess)
    texts: list[str] = []
    chosen: list[str | None] = []
    undecodable: list[Undecodable] = []
    for number, (raw, kind) in enumerate(zip(lines, kinds, strict=True), start=1):
        if kind != "other":
            texts.append(raw.decode("utf-8"))
            chosen.append(kind)
            continue
        if number in clean:
            texts.append(clean[number])
            chosen.append(guess)
            continue
        codec, text = _line_codec(raw, guess)
        if codec is None:
            shown = raw.decode(guess, errors="backslashreplace").rstrip("\r")
            undecodable.append(
                Undecodable(
                    number,
                    shown,
                    f"bytes no encoding reads cleanly (tried utf-8, {', '.join(_candidates(guess))})",
                )
            )
            texts.append("")
            chosen.append(None)
        else:
            texts.append(text)
            chosen.append(codec)
    counts: dict[str, int] = {}
    for codec in chosen:
        if codec not in (None, "ascii"):
            counts[codec] = counts.get(codec, 0) + 1
    reread = reread_chinese_lines(lines, utf8_numbers, counts)
    for number, (codec, _, text) in reread.items():
        texts[number - 1] = text
        chosen[number - 1] = codec
        counts[codec] += 1
        counts["utf-8"] -= 1
    if counts.get("utf-8") == 0:
        del counts["utf-8"]
    main = max(counts, key=lambda c: (counts[c], c == guess)) if counts else guess
    redecoded = [
        Redecoded(
            number,
            codec,
            lines[number - 1].decode(main, errors="replace").rstrip("\r"),
            texts[number - 1].rstrip("\r"),
        )
        for number, codec in enumerate(chosen, start=1)
        if codec not in (None, "ascii", main)
    ]
    if reread:
        redecoded += [
            Redecoded(number, codec, utf8.rstrip("\r"), text.rstrip("\r"))
            for number, (codec, utf8, text) in reread.items()
            if codec == main  # else listed above, with what the main codec reads
        ]
        redecoded.sort(key=lambda r: r.line)
    if len(counts) > 1 or undecodable:
        parts = [f"{c} {n}" for c, n in sorted(counts.items(), key=lambda kv: -kv[1])]
        if undecodable:
            parts.append(f"undecodable {len(undecodable)}")
        encoding = f"mixed ({', '.join(parts)})"
    else:
        encoding = main
    return Decoded("\n".join(texts), encoding, redecoded, undecodable)


#: Non-UTF-8 lines judged together: a group the file's codec reads with no mess at all is
#: accepted whole, so a consistent cp1252 or GBK file costs one mess measure per group.
_GROUP = 32


def _clean_in_guess(lines: list[bytes], kinds: list[str], guess: str) -> dict[int, str]:
    """Line number -> text for the non-UTF-8 lines whose group reads cleanly in ``guess``.

    One mess measure over a group of lines instead of one per line: a line another codec
    reads better (a GBK line among cp1252 ones) makes its group messy, and only messy groups'
    lines are judged one by one. Mess measures are per character sequence, so a clean group
    has no messy line in it.
    """
    others = [n for n, kind in enumerate(kinds, start=1) if kind == "other"]
    clean: dict[int, str] = {}
    for start in range(0, len(others), _GROUP):
        group: dict[int, str] = {}
        for number in others[start : start + _GROUP]:
            try:
                group[number] = lines[number - 1].decode(guess)
            except (UnicodeDecodeError, LookupError):
                continue
        if group and _mess("\n".join(group.values())) == 0.0:
            clean.update(group)
    return clean


def _candidates(guess: str) -> list[str]:
    return list(dict.fromkeys([guess, *LINE_CODECS]))


#: Two CJK ideographs in a row: the least a line must hold to be read as Chinese against its file's codec.
_HANZI_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]{2}")


def _line_codec(raw: bytes, guess: str) -> tuple[str | None, str]:
    """The codec for one non-UTF-8 line: the file's guess unless another reads it clearly cleaner.

    The file's codec is decided for the file: a line leaves it for gb18030 only when that reading holds
    Chinese text (two hanzi in a row). Why: a latin-1 Home Depot file whose titles already held mojibake
    ("16å¡", "360è_") had 7 of its 12 non-ASCII lines read as gb18030 ("16濉": one rare
    hanzi glued to a number in an English title, less messy by charset-normalizer's measure) and the other 5
    as cp1252, so the file was said to be "mixed (gb18030 7, cp1252 5)" with gb18030 its main codec. A GBK
    line of a mixed export holds words (``红色连衣裙``, ``耳机``); a line whose only Chinese would be one lone
    character keeps the file's reading, messy or not (what the file holds; the gate sees it as it is).
    """
    best: tuple[float, str, str] | None = None
    lone = False  # a gb18030 reading passed over for holding no two hanzi in a row
    for codec in _candidates(guess):
        try:
            text = raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        if codec == _CHINESE != guess and not _HANZI_RUN.search(text):
            lone = True
            continue
        mess = _mess(text)
        if codec == guess and mess <= _LINE_MARGIN:
            return codec, text  # no other codec can beat the guess by the margin: decided
        if (
            codec == guess != _WESTERN
            and codec in CODE_PAGES
            and mess <= _GARBAGE_MESS
            and not (unexplained_words(text, codec))
        ):
            # the file's words chose this code page, and this line's words are all its
            # languages': "Ilość Ilość" measures 0.36 (a repeated accent), "Iloœæ Iloœæ" 0.0
            return codec, text
        margin = 0.0 if best is None or best[1] != guess else _LINE_MARGIN
        if best is None or mess < best[0] - margin:
            best = (mess, codec, text)
    if lone and best is not None and best[1] == guess:
        return guess, best[2]  # no Chinese reading worth leaving the file's codec for (docstring)
    if best is None or best[0] > _GARBAGE_MESS:
        return None, ""
    return best[1], best[2]


#: charset-normalizer splits words at spaces and most punctuation but not at ``|``, so in a
#: pipe-delimited export the fields run together into one long "word", and a long upper-case code
#: beside an accented one ("ABCDEFGHIJKLMNOPQRST|Café") measured 1.0, garbage: the line was
#: quarantined. The delimiter is structure, not text, and is measured as the space it stands for.
_PIPE_AS_SPACE = str.maketrans("|", " ")


def _mess(text: str) -> float:
    """charset-normalizer's mess ratio, plus C0/C1 control characters (which it does not count)."""
    controls = len(_CONTROL_CHARS.findall(text))
    return mess_ratio(text.translate(_PIPE_AS_SPACE), 1.0) + 4 * controls / max(len(text), 1)


def _guess_encoding(legacy: bytes, data: bytes, first_bad: int) -> str:
    """The detector's guess (:func:`_detect`), settled among the Windows code pages by the words
    each decodes to (``code_pages``: a Polish cp1250 file is no longer read as cp1252).

    cp1251 is not a candidate when every non-ASCII character reads as a hanzi in gb18030: two
    Cyrillic capitals are one GB2312 hanzi ("中" reads "Ц" "Р"), and a short Chinese sample is
    then as Russian as it is Chinese; the Chinese reading the per-line decode finds is kept.
    """
    sample = legacy or data[max(first_bad - _DETECT_BYTES // 2, 0) : first_bad + _DETECT_BYTES // 2]
    guess = _detect(sample) or _WESTERN  # the detector found nothing: the Western default
    candidates = tuple(c for c in CODE_PAGES if c != "cp1251" or not _reads_as_chinese(sample))
    return prefer_by_words(sample, guess, candidates)


def _detect(sample: bytes) -> str | None:
    """charset-normalizer on the non-UTF-8 lines (or the bytes around the first bad byte).

    Western shop exports are mostly cp1252, and on short samples charset-normalizer ranks
    look-alike code pages (cp1250, cp775, cp932) first, so cp1252 wins unless another
    encoding reads clearly less messy (as GBK or Shift-JIS text does).
    """
    if len(sample.translate(None, bytes(range(0x80)))) < _MIN_EVIDENCE:
        return _WESTERN  # too few bytes for the detector: the Western default (then the words)
    western = from_bytes(sample, cp_isolation=[_WESTERN]).best()
    best = from_bytes(sample).best()
    if western is not None and (best is None or western.chaos <= best.chaos + _WESTERN_MARGIN):
        return western.encoding
    if western is None and _reads_as_western(sample):
        # charset-normalizer's duplicate-accent and accent-share rules refuse cp1252 for a column
        # of ids that all carry one accented letter ("é1", "é2"), and mac_latin2 won: the file was
        # published as "ť1". Isolated Latin letters that are no valid Chinese are cp1252's.
        return _WESTERN
    # the same rule for the Chinese shop codec: a GBK export whose Chinese text is a few words
    # repeated (a category column) reads as Korean Johab with chaos 0.0 and was published garbled;
    # real EUC-KR text reads as gb18030 with chaos ~0.16, Big5 and Shift-JIS not at all
    chinese = from_bytes(sample, cp_isolation=[_CHINESE]).best()
    if best is not None and chinese is not None and chinese.chaos <= best.chaos + _CHINESE_MARGIN:
        return chinese.encoding
    if best is not None and best.encoding in _KOREAN and chinese is None and _reads_as_chinese(sample):
        # the same collision when charset-normalizer refuses gb18030 outright (a few short ids
        # repeated on every row read as cp949 with chaos 0.0): every character a Chinese one
        return _CHINESE
    return best.encoding if best is not None else None


#: Korean codecs whose byte ranges overlap GBK's: short GBK samples are read as one of them.
_KOREAN = frozenset({"cp949", "euc_kr", "johab", "iso2022_kr"})


def _reads_as_western(sample: bytes) -> bool:
    """cp1252 reads ``sample`` as Latin letters standing alone among ASCII, and gb18030 cannot
    read it (GBK read as cp1252 gives letters in pairs, one per byte of each character)."""
    try:
        text = sample.decode(_WESTERN)
    except UnicodeDecodeError:
        return False
    if _reads_as_chinese(sample):
        return False
    wide = [i for i, c in enumerate(text) if ord(c) > 0x7F]
    if not wide or not all(unicodedata.category(text[i]).startswith("L") for i in wide):
        return False
    paired = sum(
        1 for i in wide if (i + 1 < len(text) and ord(text[i + 1]) > 0x7F) or (i and ord(text[i - 1]) > 0x7F)
    )
    return paired <= len(wide) / 2


def _reads_as_chinese(sample: bytes) -> bool:
    """gb18030 reads every non-ASCII character of ``sample`` as a CJK ideograph or CJK punctuation."""
    try:
        text = sample.decode(_CHINESE)
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 0x7F]
    return bool(wide) and all(
        0x4E00 <= ord(c) <= 0x9FFF
        or 0x3400 <= ord(c) <= 0x4DBF
        or 0x3000 <= ord(c) <= 0x303F
        or 0xFF00 <= ord(c) <= 0xFFEF
        for c in wide
    )
