"""A file's bytes before they are text: gunzipped (a download cut off read up to the cut), line ends
made LF, and a file with no line end refused before it is read whole.

Kept apart from ``readers`` (CSV parsing) so each stays under ~500 lines.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from shopmind.data.limits import MAX_LINE_CHARS
from shopmind.data.records import InputError, not_a_file


def magic(path: Path) -> bytes:
    """A file's first four bytes (b"" when it cannot be opened: the full read then says why)."""
    try:
        with path.open("rb") as f:
            return f.read(4)
    except OSError:
        return b""


def read_bytes(path: Path) -> bytes:
    """A file's bytes, gunzipped when gzip (by its magic, not its name); InputError when unreadable,
    and when a gzip file is cut off (a workbook or Parquet file is no use without its end)."""
    data, cut = read_bytes_cut(path)
    if cut is not None:
        raise InputError(
            f"{path} is cut off: its gzip data stops after {cut:,} bytes without the end-of-stream marker "
            f"({len(data):,} bytes decompressed; a download cut off?): fetch the file again"
        )
    return data


def read_bytes_cut(path: Path) -> tuple[bytes, int | None]:
    """A file's bytes as :func:`read_bytes`, and, when gzip data ends before its end-of-stream marker
    (a download cut off), the compressed size at which it stops (else None) with what decompressed.

    The whole file was refused ("Compressed file ended before the end-of-stream marker"), so a shop
    could not load the 99 % that arrived; Polars and pandas refuse it too, zcat prints what it can.
    """
    if not path.is_file():
        raise not_a_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    if data[:2] != b"\x1f\x8b":
        return data, None
    try:
        return gzip.decompress(data), None
    except EOFError:
        pass
    except (OSError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    parts: list[bytes] = []
    rest = data
    while rest:  # member by member (a concatenated gzip), as gzip.decompress reads it
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            parts.append(stream.decompress(rest))
        except zlib.error as exc:  # pragma: no cover - gzip.decompress read this far without one
            raise InputError(f"cannot read {path}: {exc}") from exc
        if not stream.eof:
            return b"".join(parts), len(data)
        rest = stream.unused_data
    return b"".join(parts), None  # pragma: no cover - gzip.decompress said it ends early


def cut_reason(path: Path, compressed: int, decompressed: int) -> str:
    return (
        f"{path.name} is cut off: its gzip data stops after {compressed:,} bytes without the end-of-stream "
        f"marker ({decompressed:,} bytes decompressed; a download cut off?)"
    )


def mac_line_ends(data: bytes) -> bytes:
    """Line ends of a file whose lines end in CR alone (Excel for Mac's "CSV (Macintosh)", old Mac
    tools) as LF: read as one header line of every cell, such a file was a header-only batch, all its
    rows lost without a word. Only a file with no LF at all, and no NUL (UTF-16/32, where a 0x0D
    byte can be half a character); in UTF-8 and the legacy multi-byte codecs 0x0D is always CR."""
    if b"\r" in data and b"\n" not in data and b"\x00" not in data:
        return data.replace(b"\r", b"\n")
    return data


def no_line_end(path: Path, size: int) -> str:
    return (
        f"{path}: line 1 should be the header but cannot be read: the first {size:,} bytes hold no line end "
        f"(not a line-based text file? lines are limited to {MAX_LINE_CHARS:,} characters)"
    )


def require_line_end(path: Path) -> None:
    """A CSV whose first :data:`MAX_LINE_CHARS` characters hold no line end is refused before it is
    read whole: a 2 GB file of one line was decoded whole (~3.5x its size in memory) to refuse it."""
    size = 4 * MAX_LINE_CHARS + 4  # 4 bytes a character at most: past this line 1 is over the limit
    try:
        if magic(path)[:2] == b"\x1f\x8b":
            with gzip.open(path) as stream:
                head = stream.read(size)
        else:
            with path.open("rb") as raw:
                head = raw.read(size)
    except (OSError, EOFError, gzip.BadGzipFile):
        return  # the full read says why
    if len(head) == size and b"\n" not in head and b"\r" not in head:
        raise InputError(no_line_end(path, size))
