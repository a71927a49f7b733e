"""Text repairs with an audit trail: mojibake, HTML, unicode/whitespace, traditional → simplified.

Repairs run on *distinct* values only (a 540k-line feed has ~4k distinct descriptions), and
only on values that can need them (non-ASCII for mojibake, '<' or '&' for HTML), which keeps
ftfy's per-string cost off the hot path. Every changed cell yields one audit record per step,
so a person can see exactly what was changed and undo it. Repairs are idempotent: running
them on their own output changes nothing (tested with hypothesis).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import ftfy
import polars as pl

from shopmind.data.model import ROW

AUDIT_SCHEMA = {
    "table_name": pl.Utf8,
    ROW: pl.Int64,
    "column_name": pl.Utf8,
    "code": pl.Utf8,
    "old_value": pl.Utf8,
    "new_value": pl.Utf8,
}

#: Text columns repaired per table.
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "products": ("title", "description", "brand", "category_path"),
    "events": ("query",),
    "judgments": ("query",),
}

_TAG = re.compile(
    r"<\s*(?:br|p|div|li|ul|ol|span|b|i|em|strong|h[1-6]|a|img|table|tr|td|font)\b[^>]*>|<\s*/\s*\w+\s*>",
    re.I,
)
_ENTITY = re.compile(r"&(?:#\d{1,6}|#x[0-9a-f]{1,5}|[a-z][a-z0-9]{1,8});", re.I)
_SPACES = re.compile(r"\s+")
#: A script or style element is code, not text: removed with its content (an unclosed one: its
#: tag). Only closing tags were stripped generically, so "<script>alert(1)</script>" became the
#: text "<script>alert(1)" (shown escaped, but garbage in a title or description).
_CODE_ELEMENT = re.compile(
    r"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>|<\s*(?:script|style)\b[^>]*>", re.I | re.S
)
_BLOCK_TAG = re.compile(r"<\s*(?:br|p|div|li|tr|h[1-6])\b[^>]*>|<\s*/\s*(?:p|div|li|tr|h[1-6])\s*>", re.I)


def fix_mojibake(text: str) -> str:
    # fix_encoding only undoes mis-decoding; it leaves quotes, entities and width alone, so
    # each of those stays a separate, separately audited step.
    fixed = ftfy.fix_encoding(text)
    return fixed if fixed != text else _cp1252_roundtrip(text)


def _cp1252_roundtrip(text: str) -> str:
    """UTF-8 read as cp1252, undone when the bytes decode strictly as UTF-8 into non-Latin text.

    ftfy judges short strings by how odd they look and lets garbled short Chinese names pass
    ("æš–å±…" for "暖居"). A strict round trip only succeeds on real mis-decoding: genuine
    accented text ("café" → b"caf\xe9") is not valid UTF-8 and stays as it is.
    """
    try:
        decoded = text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
    return decoded if any(ord(ch) > 0x24F for ch in decoded) else text


def strip_html(text: str) -> str:
    if not (_TAG.search(text) or _ENTITY.search(text) or _CODE_ELEMENT.search(text)):
        return text
    text = _CODE_ELEMENT.sub(" ", text)
    text = _BLOCK_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    # Unescape until stable so '&amp;lt;' does not survive a second pass (idempotence).
    for _ in range(3):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    # tags stood between words: collapse the spaces they leave, so no second repair is needed
    return _SPACES.sub(" ", _TAG.sub("", _CODE_ELEMENT.sub(" ", text))).strip()


#: C0 controls except tab, newline and CR (whitespace, normalised next), DEL and C1 controls:
#: never part of real text (a NUL in a title is a writer's bug), and invisible in a page.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def normalise_space(text: str) -> str:
    # NFKC folds full-width Latin letters and digits common in Chinese shop text ("ＲＥＤ" → "RED").
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


@lru_cache(maxsize=1)
def _opencc() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("t2s").convert


def to_simplified(text: str) -> str:
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    return _opencc()(text)


def _steps(t2s: bool) -> list[tuple[str, Callable[[str], str], re.Pattern[str] | None]]:
    steps: list[tuple[str, Callable[[str], str], re.Pattern[str] | None]] = [
        ("TEXT_MOJIBAKE", fix_mojibake, re.compile(r"[^\x00-\x7f]")),
        ("TEXT_CONTROL", strip_controls, _CONTROL),
        ("TEXT_HTML", strip_html, re.compile(r"[<&]")),
        ("TEXT_WHITESPACE", normalise_space, None),
    ]
    if t2s:
        steps.append(("TEXT_T2S", to_simplified, re.compile(r"[\u4e00-\u9fff]")))
    return steps


def _trace(
    text: str, steps: list[tuple[str, Callable[[str], str], re.Pattern[str] | None]]
) -> list[tuple[str, str, str]]:
    """Apply the steps until nothing changes; return each change as (code, old, new).

    A fixed point, not one pass: one repair can expose another (NFKC turning '½Â°C' into
    '1⁄2Â°C' lets ftfy see the mojibake), and a repair that needed two passes would not be
    idempotent.
    """
    changes: list[tuple[str, str, str]] = []
    for _ in range(4):
        before = text
        for code, fn, needs in steps:
            if needs is not None and not needs.search(text):
                continue
            new = fn(text)
            if new != text:
                changes.append((code, text, new))
                text = new
        if text == before:
            break
    return changes


def repair_value(text: str, t2s: bool = False) -> str:
    """All text repairs applied to one value (used by tests and single-row writes)."""
    changes = _trace(text, _steps(t2s))
    return changes[-1][2] if changes else text


def repair_text(
    frame: pl.DataFrame, table: str, t2s: bool = False, max_chars: dict[str, int] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Repair the text columns of ``frame``; return the repaired frame and its audit records.

    Values longer than ``max_chars[column]`` are left as they are: the gate quarantines them
    (``TEXT_TOO_LONG``), and running ftfy over a 50 MB string would only cost time.
    """
    steps = _steps(t2s)
    audits: list[pl.DataFrame] = []
    for col in TEXT_COLUMNS.get(table, ()):
        if col not in frame.columns:
            continue
        trace_rows: list[tuple[str, int, str, str, str]] = []
        final: dict[str, str | None] = {}
        values = frame[col].drop_nulls().unique()
        if max_chars and col in max_chars:
            values = values.filter(values.str.len_chars() <= max_chars[col])
        for value in values.to_list():
            changes = _trace(value, steps)
            if changes:
                final[value] = changes[-1][2] or None  # a value repaired to nothing is empty: null
                trace_rows += [(value, i, code, old, new) for i, (code, old, new) in enumerate(changes)]
        if not final:
            continue
        trace = pl.DataFrame(
            trace_rows,
            schema={
                col: pl.Utf8,
                "_step": pl.Int64,
                "code": pl.Utf8,
                "old_value": pl.Utf8,
                "new_value": pl.Utf8,
            },
            orient="row",
        )
        hit = frame.select(ROW, col).filter(pl.col(col).is_in(list(final)))
        audits.append(
            hit.join(trace, on=col)
            .sort(ROW, "_step")
            .select(
                pl.lit(table).alias("table_name"),
                pl.col(ROW),
                pl.lit(col).alias("column_name"),
                "code",
                "old_value",
                "new_value",
            )
        )
        frame = frame.with_columns(
            pl.col(col).replace_strict(final, default=pl.col(col), return_dtype=pl.Utf8).alias(col)
        )
    audit = pl.concat(audits) if audits else pl.DataFrame(schema=AUDIT_SCHEMA)
    return frame, audit
