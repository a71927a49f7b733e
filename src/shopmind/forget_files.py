"""What ``shopmind forget`` finds and rewrites outside the store and the live log: text files
(reports, evaluation results, the assistant's JSON Lines), the shop's Parquet data in the
workspace, the experiments' exposure log and the profiles of every release folder.

Split from ``forget.py`` (which plans and switches over, all or nothing): every function here
either finds what names the customer or writes a changed copy beside the original
(``.<name>.forget.tmp``) for the command to rename into place.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MARK = "[forgotten]"
#: Folders of text files (reports, evaluation results) scrubbed in place.
_TEXT_DIRS = ("reports", "evaluation", "assistant")
#: Folders whose Parquet files are models or caches (handled by the next build), not data.
_NOT_DATA = ("releases", "cache")
#: The experiments' exposure log (``shopmind.experiments.exposure``): unit and session ids.
EXPOSURES = "exposures.sqlite"
_TEXT_SUFFIXES = (".json", ".html", ".htm", ".txt", ".csv", ".md", ".jsonl")


def boundary_re(tokens: Iterable[str]) -> re.Pattern[str]:
    """Whole-token matches: ``U0042`` but not ``U00421`` (ids are compared, not substrings)."""
    alts = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    return re.compile(r"(?<![\w~-])(?:" + alts + r")(?![\w-])")


def text_files(workspace: Path) -> list[Path]:
    """Text files a customer may be named in: the workspace's JSON and the report, evaluation
    and assistant folders' text formats."""
    out = [p for p in workspace.glob("*.json") if p.is_file()]
    for d in _TEXT_DIRS:
        root = workspace / d
        if root.is_dir():
            out += [p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in _TEXT_SUFFIXES]
    return sorted(out)


def file_plan(workspace: Path, tokens: set[str]) -> list[Path]:
    """The text files naming one of ``tokens`` (whole tokens, :func:`boundary_re`)."""
    rx = boundary_re(tokens)
    hits = []
    for p in text_files(workspace):
        try:
            if rx.search(p.read_text(encoding="utf-8", errors="replace")):
                hits.append(p)
        except OSError:
            continue
    return hits


def stage_file(path: Path, tokens: set[str]) -> Path:
    """Mentions replaced by ``[forgotten]``; in JSON Lines (hand-off logs: a conversation per
    line) a line naming the customer goes whole — the rest of it is what they said."""
    rx = boundary_re(tokens)
    tmp = path.with_name(f".{path.name}.forget.tmp")
    if path.suffix.lower() == ".jsonl":
        with path.open(encoding="utf-8", errors="replace") as src, tmp.open("w", encoding="utf-8") as dst:
            dst.writelines(line for line in src if not rx.search(line))
        return tmp
    text = path.read_text(encoding="utf-8", errors="replace")
    tmp.write_text(rx.sub(MARK, text), encoding="utf-8")
    return tmp


def data_parquets(workspace: Path) -> list[Path]:
    """Parquet files the shop keeps in the workspace (e.g. the assistant's orders), not models."""
    return sorted(
        p
        for p in workspace.rglob("*.parquet")
        if p.is_file() and p.relative_to(workspace).parts[0] not in _NOT_DATA and not p.name.startswith(".")
    )


def parquet_hits(path: Path, tokens: set[str]) -> Any:
    """A filter expression for rows of ``path`` with a token in a text column (None: no text)."""
    import polars as pl

    schema = pl.read_parquet_schema(path)
    cols = [c for c, t in schema.items() if t == pl.Utf8]
    if not cols:
        return None
    ids = sorted(tokens)
    return pl.any_horizontal([pl.col(c).is_in(ids).fill_null(False) for c in cols])


def stage_parquet(path: Path, tokens: set[str]) -> Path:
    import polars as pl

    hit = parquet_hits(path, tokens)
    tmp = path.with_name(f".{path.name}.forget.tmp")
    pl.read_parquet(path).filter(~hit).write_parquet(tmp)
    return tmp


def exposure_count(workspace: Path, tokens: set[str]) -> int:
    """Rows of the customer or their sessions in the experiments' file: exposures, and the
    interleaved lists kept beside them (``experiments/interleave_log.py``)."""
    path = workspace / EXPOSURES
    if not path.exists():
        return 0
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    marks = ", ".join("?" * len(tokens))
    ids = sorted(tokens)
    n = 0
    try:
        for table in ("exposures", "interleavings"):
            try:
                n += int(con.execute(
                    f"SELECT count(*) FROM {table} WHERE unit_id IN ({marks}) OR session_id IN ({marks})", ids + ids
                ).fetchone()[0])  # fmt: skip
            except sqlite3.OperationalError:  # no such table yet
                continue
    finally:
        con.close()
    return n


def forget_exposures(workspace: Path, tokens: set[str]) -> None:
    from shopmind.experiments.exposure import forget as forget_exposures

    forget_exposures(workspace, sorted(tokens))
    compact_sqlite(workspace / EXPOSURES)


def compact_sqlite(path: Path) -> None:
    """Rewrite a SQLite file without free pages and empty its write-ahead log (deleted rows'
    bytes stay in both otherwise)."""
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("VACUUM")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def profile_files(workspace: Path) -> list[Path]:
    root = workspace / "releases"
    if not root.is_dir():
        return []
    return sorted(
        p for p in root.glob("*/profiles/profiles.parquet") if not p.parent.parent.name.startswith(".")
    )


def stage_profiles(path: Path, tokens: set[str]) -> tuple[int, Path | None]:
    import polars as pl

    frame = pl.read_parquet(path)
    keep = frame.filter(~pl.col("user_id").is_in(sorted(tokens)))
    removed = frame.height - keep.height
    if not removed:
        return 0, None
    tmp = path.with_name(f".{path.name}.forget.tmp")
    keep.write_parquet(tmp)
    return removed, tmp
