"""RecBole atomic files (``.inter``, ``.item``, ``.user``, ...) as exports the generic path reads.

A shop moving from a RecBole notebook has its data in these files: tab-separated text whose
header names each column with its RecBole type (``user_id:token``, ``rating:float``,
``class:token_seq``). The extension said nothing the reader knew, so ``shopmind mapping`` and
``--format table`` refused them. Here the suffix makes them tab-separated text, and the types
are taken off the column names (a mapping says ``rating``, not ``rating:float``); the types
themselves stay readable through ``header_types`` for what the draft needs to know (a
``token_seq`` is a space-separated list, not one value).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import polars as pl

from shopmind.data.model import SOURCE_LINE
from shopmind.data.records import InputError

#: RecBole's atomic file kinds: interactions, items, users, knowledge-graph triples, item-entity
#: links, social network (https://recbole.io/docs/user_guide/data/atomic_files.html)
SUFFIXES = (".inter", ".item", ".user", ".kg", ".link", ".net")
#: RecBole's field types
TYPES = ("token", "token_seq", "float", "float_seq")
_TYPED = re.compile(r"^(?P<name>.+):(?P<type>token_seq|float_seq|token|float)$")


def atomic_kind(path: Path) -> str | None:
    """``"inter"``, ``"item"``, ... for a RecBole atomic file (``ml-100k.inter``, ``x.item.gz``), else None."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1][1:] if suffixes and suffixes[-1] in SUFFIXES else None


def split_name(column: str) -> tuple[str, str | None]:
    """``"rating:float"`` -> ``("rating", "float")``; a name without a RecBole type is kept whole."""
    match = _TYPED.match(column.strip())
    return (match["name"], match["type"]) if match else (column, None)


def strip_types(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    """The frame with each ``name:type`` column renamed ``name``; two columns that would become one
    name (``id:token`` and ``id:float``) are refused, naming both, rather than one silently lost."""
    names = {c: split_name(c)[0] for c in frame.columns if c != SOURCE_LINE}
    seen: dict[str, str] = {}
    for column, name in names.items():
        if name in seen:
            raise InputError(
                f"{path}: columns {seen[name]!r} and {column!r} are both {name!r} once their RecBole "
                "types are taken off; rename one in the header"
            )
        seen[name] = column
    return frame.rename({c: n for c, n in names.items() if c != n})


def header_types(path: Path) -> dict[str, str]:
    """Bare column name -> RecBole type, from the file's first line (names without a type left out)."""
    path = Path(path)
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rb") as stream:
            first = stream.readline(1 << 20)
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    header = first.decode("utf-8", errors="replace").rstrip("\r\n").lstrip("\ufeff")
    return {name: kind for name, kind in map(split_name, header.split("\t")) if kind is not None}
