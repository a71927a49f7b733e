"""Numbers written the way spreadsheets export them: ``12,50``, ``1.234,00``, ``1 234,50``, ``1,299.00``.

A German or French shop's Excel export (semicolon-separated, decimal comma) had every price
quarantined as a type error. A value is read in a local format only when the format is
**certain from the value alone** — never from the rest of the column — because the Spark gate
coerces each partition separately and must reach the same account as Polars:

- a decimal comma: ``12,50`` / ``0,5`` (one or two digits after the comma, or a leading ``0,``,
  or four and more: no thousands group looks like that), ``1.234,56`` (dot groups, then comma);
- thousands groups: ``1,234.50`` (comma groups, then a decimal dot), ``1,234,567`` / ``1.234.567``
  (two groups or more), spaces (also no-break and narrow no-break) between groups, with either
  decimal mark.

``1,234`` (a thousand in New York, one point two in Berlin) stays a type error, and ``1.234``
stays 1.234 as before: no rule reads a value that plain parsing already accepts. Each value read
this way is counted in the run's notes (``number_formats.<column>``).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

#: Separators a spreadsheet puts between thousands groups besides ``,`` and ``.``.
_SPACES = "[ \u00a0\u202f]"


def _drop(chars: str, literal: bool = True) -> Callable[[pl.Expr], pl.Expr]:
    """Remove every ``chars`` (the thousands separators)."""
    return lambda t: t.str.replace_all(chars, "", literal=literal)


def _comma_to_dot(rewrite: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Expr], pl.Expr]:
    """After ``rewrite``, the decimal comma becomes a dot."""
    return lambda t: rewrite(t).str.replace(",", ".", literal=True)


def _same(t: pl.Expr) -> pl.Expr:
    return t


#: (note label, pattern, how to rewrite the text into a plain decimal number); first match wins
_FORMS: tuple[tuple[str, str, Callable[[pl.Expr], pl.Expr]], ...] = (
    ("decimal comma", r"^-?\d+,\d{1,2}$|^-?0,\d+$|^-?\d+,\d{4,}$", _comma_to_dot(_same)),
    ("decimal comma", r"^-?\d{1,3}(\.\d{3})+,\d+$", _comma_to_dot(_drop("."))),
    ("thousands groups", r"^-?\d{1,3}(,\d{3})+\.\d+$|^-?\d{1,3}(,\d{3}){2,}$", _drop(",")),
    ("thousands groups", r"^-?\d{1,3}(\.\d{3}){2,}$", _drop(".")),
    ("thousands groups", rf"^-?\d{{1,3}}({_SPACES}\d{{3}})+(\.\d+)?$", _drop(_SPACES, literal=False)),
    ("decimal comma", rf"^-?\d{{1,3}}({_SPACES}\d{{3}})+,\d+$", _comma_to_dot(_drop(_SPACES, literal=False))),
)


def local_number(text: pl.Expr, plain: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The value of ``text`` read in a certain local format where plain parsing failed, and the
    format's note label (null where plain parsing worked or no format is certain).

    ``text``: stripped, blank as null; ``plain``: ``text`` cast to Float64 (null where it failed).
    """
    value = pl.lit(None, dtype=pl.Float64)
    label = pl.lit(None, dtype=pl.Utf8)
    for name, pattern, rewrite in reversed(_FORMS):  # the first matching form wins
        hit = text.str.contains(pattern)
        value = pl.when(hit).then(rewrite(text).cast(pl.Float64, strict=False)).otherwise(value)
        label = pl.when(hit).then(pl.lit(name)).otherwise(label)
    failed = plain.is_null() & text.is_not_null()
    return pl.when(failed).then(value).otherwise(None), pl.when(failed & value.is_not_null()).then(label)


#: ``1.299,00`` / ``1 299,00`` / ``12,50`` / ``1234``: a number with a decimal comma (and optional groups)
_COMMA_NUMBER = r"^-?\d{1,3}([.\u00a0\u202f ]\d{3})+(,\d+)?$|^-?\d+(,\d+)?$"
#: ``1,299.00`` / ``1 299.00`` / ``1,234``: a number with a decimal dot (and optional groups)
_DOT_NUMBER = r"^-?\d{1,3}([,\u00a0\u202f ]\d{3})+(\.\d+)?$"


def declared_number(text: pl.Expr, decimal: str | None, sign: str | None) -> pl.Expr:
    """``text`` as plain decimal text under what a mapping declared (``data.formats``): the currency
    ``sign`` taken off, and with ``decimal`` "comma" the group dots and spaces dropped and the comma
    made a dot (``1.299,00 €`` -> ``1299.00``), with "dot" the group commas dropped (``1,234`` ->
    ``1234``). A value of another shape is left as it is, for plain parsing or a type error."""
    if sign:
        text = text.str.replace_all(sign, "", literal=True).str.strip_chars()
        text = pl.when(text == "").then(None).otherwise(text)
    if decimal == "comma":
        read = text.str.replace_all(r"[.\u00a0\u202f ]", "").str.replace(",", ".", literal=True)
        text = pl.when(text.str.contains(_COMMA_NUMBER)).then(read).otherwise(text)
    elif decimal == "dot":
        read = text.str.replace_all(r"[,\u00a0\u202f ]", "")
        text = pl.when(text.str.contains(_DOT_NUMBER)).then(read).otherwise(text)
    return text


#: Currency signs and codes written into a price cell (``€12,50``, ``1.299,00 €``, ``12 zł``, ``EUR 12``).
_SIGN = r"[€£$¥₽₴₹₺₩₪]|zł|Kč|\b[A-Z]{3}\b"
#: ``1,234`` / ``-12,345``: a decimal comma or a thousands group, which the value cannot tell
_AMBIGUOUS_COMMA = r"^-?\d{1,3}(,\d{3})+$"


def number_hint(col: str, text: pl.Expr) -> pl.Expr:
    """Why a number column's ``text`` did not convert and the setting that reads it (null when no
    likely cause is known): the quarantine reason then says how to fix the export or the mapping."""
    shown = pl.concat_str([pl.lit(f"{col} '"), text.str.slice(0, 30), pl.lit("'")])
    # only a price carries a currency sign; the setting takes it off prices alone
    sign = text.str.extract(f"({_SIGN})", 1) if col == "price" else pl.lit(None, dtype=pl.Utf8)
    sign_hint = pl.concat_str(
        [
            shown,
            pl.lit(" has a currency sign ("),
            sign,
            pl.lit(') in the number: declare it in the mapping, [formats] currency_sign = "'),
            sign,
            pl.lit(
                '" (the currency itself from a column or [constants] currency), or export the number alone'
            ),
        ]
    )
    comma_hint = pl.concat_str(
        [
            shown,
            pl.lit(
                " is a decimal comma or a thousands group (the value cannot tell): declare the mark in the "
            ),
            pl.lit('mapping, [formats] decimal = "comma" or "dot"'),
        ]
    )
    return (
        pl.when(sign.is_not_null())
        .then(sign_hint)
        .when(text.str.contains(_AMBIGUOUS_COMMA))
        .then(comma_hint)
        .otherwise(None)
    )
