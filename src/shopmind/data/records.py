"""What every reader returns and raises: the frame, the lines it could not parse, the error type.

Kept apart from the readers so the format modules (CSV in ``readers``, JSON in ``jsonl``) share
them without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from shopmind.data.encoding import Redecoded

#: Polars may panic (a BaseException) on input it does not expect: treated as "could not parse".
POLARS_FAILURES = (pl.exceptions.PolarsError, pl.exceptions.PanicException, ValueError)


def physical_lines(text: str) -> list[str]:
    """The text's lines as split on LF (a final newline ends the last line, it opens none)."""
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


class InputError(ValueError):
    """A file or option the user gave cannot be read; the message says what and where."""


def not_a_file(path: object, what: str = "file") -> InputError:
    """The error for a path that is not a readable file: a folder is named a folder (a Spark-style
    ``orders.csv/`` of part files was told "file not found", which sent the user looking for a typo)."""
    from pathlib import Path

    if Path(str(path)).is_dir():
        hint = ": pass one file (a folder of part files: concatenate them)" if what == "file" else ""
        return InputError(f"{path} is a folder, not a {what}{hint}")
    return InputError(f"{what} not found: {path}")


def name_list(names: list[str], limit: int = 20) -> str:
    """Names joined for a message, the first ``limit`` and how many more: a file of 12,000 columns
    (a JSON object keyed by item id read as one row) printed all of them in one error line."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


#: How a repeated header name reaches us: ``price_duplicated_0`` (both CSV parse paths),
#: ``price_1`` (fastexcel reading a workbook, and Excel tools that rename on save), ``price.1``
#: (pandas, in a file it read and wrote back).
_REPEATED = re.compile(r"^(.+?)(?:_duplicated_\d+|_[1-9]\d*|\.[1-9]\d*)$")


def repeat_of(header: str, headers: list[str]) -> str | None:
    """The header name ``header`` repeats, when that name is a header too (``price`` for
    ``price_1``, ``price.1`` or ``price_duplicated_0`` beside ``price``), else None.

    ``price_1`` alone (no ``price`` column) is a name of its own. A ``price_1`` that is a second
    column the user meant (``image``, ``image_1``) reads as a repeat too: the draft says so and
    maps the first, as it does for two ``price`` headers, so nothing is taken without a word.
    """
    found = _REPEATED.match(header)
    while found is not None:
        base = found.group(1)
        if base in headers and base != header:
            return repeat_of(base, headers) or base  # price_1_1 (fastexcel's second price_1): price
        found = _REPEATED.match(base)
    return None


@dataclass(frozen=True)
class MalformedLine:
    line: int  # 1-based physical line where the record starts
    raw: str
    reason: str
    #: where a compressed file was cut off (a download that stopped): the gate holds the batch
    #: (``FILE_TRUNCATED``), since the rows after the cut are missing, not bad
    cut_off: bool = False

    def as_dict(self, table: str) -> dict[str, object]:
        """The form adapters put into ``Batch.meta["malformed"]`` for the gate."""
        out: dict[str, object] = {"table": table, "line": self.line, "raw": self.raw, "reason": self.reason}
        return {**out, "cut_off": True} if self.cut_off else out


@dataclass
class ReadResult:
    frame: pl.DataFrame
    malformed: list[MalformedLine] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    #: lines of a mixed-encoding file read with another codec than the file's main one
    redecoded: list[Redecoded] = field(default_factory=list)
    #: how a file that is not text was read (a workbook: which sheet, which were not read)
    note: str | None = None
