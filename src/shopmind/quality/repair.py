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
_BLOCK_TAG = re.compile(r"<\s*(?:br|p|div|li|tr|h[1-6])\b[^>]*>|<\s*/\s*(?:p|div|li|tr|h[1-6])\s*>", re.I)


def fix_mojibake(text: str) -> str:
    # fix_encoding only undoes mis-decoding; it leaves quotes, entities and width alone, so
    # each of those stays a separate, separately audited step.
    return ftfy.fix_encoding(text)


def strip_html(text: str) -> str:
    if not (_TAG.search(text) or _ENTITY.search(text)):
        return text
    text = _BLOCK_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    # Unescape until stable so '&amp;lt;' does not survive a second pass (idempotence).
    for _ in range(3):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    # tags stood between words: collapse the spaces they leave, so no second repair is needed
    return _SPACES.sub(" ", _TAG.sub("", text)).strip()


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
        ("TEXT_HTML", strip_html, re.compile(r"[<&]")),
        ("TEXT_WHITESPACE", normalise_space, None),
    ]
    if t2s:
        steps.append(("TEXT_T2S", to_simplified, re.compile(r"[\u4e00-\u9fff]")))
    return steps


def repair_value(text: str, t2s: bool = False) -> str:
    """All text repairs applied to one value (used by tests and single-row writes)."""
    for _, fn, _ in _steps(t2s):
        text = fn(text)
    return text


def repair_text(frame: pl.DataFrame, table: str, t2s: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Repair the text columns of ``frame``; return the repaired frame and its audit records."""
    audits: list[pl.DataFrame] = []
    for col in TEXT_COLUMNS.get(table, ()):
        if col not in frame.columns:
            continue
        for code, fn, needs in _steps(t2s):
            distinct = frame[col].drop_nulls().unique()
            if needs is not None:
                distinct = distinct.filter(distinct.str.contains(needs.pattern))
            if distinct.is_empty():
                continue
            old = distinct.to_list()
            new = [fn(v) for v in old]
            changed = {o: n for o, n in zip(old, new, strict=True) if o != n}
            if not changed:
                continue
            hit = frame.filter(pl.col(col).is_in(list(changed)))
            mapped = pl.col(col).replace_strict(changed, default=pl.col(col), return_dtype=pl.Utf8)
            audits.append(
                hit.select(
                    pl.lit(table).alias("table_name"),
                    pl.col(ROW),
                    pl.lit(col).alias("column_name"),
                    pl.lit(code).alias("code"),
                    pl.col(col).alias("old_value"),
                    mapped.alias("new_value"),
                )
            )
            # A repair can empty a value (e.g. a description that was only tags): that is a null.
            frame = frame.with_columns(
                pl.when(pl.col(col).is_in(list(changed))).then(mapped).otherwise(pl.col(col)).alias(col)
            ).with_columns(pl.when(pl.col(col) == "").then(None).otherwise(pl.col(col)).alias(col))
    audit = pl.concat(audits) if audits else pl.DataFrame(schema=AUDIT_SCHEMA)
    return frame, audit
