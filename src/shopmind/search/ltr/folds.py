"""Query-level folds for the re-ranker: a query and its near-spellings always fall in one fold,
the same one on every machine (md5 of the normalised text), so no query trains the model that is
scored on it."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence


def normalise_query(query: str) -> str:
    """Queries equal up to case, Unicode form and spacing are the same query (one fold)."""
    return " ".join(unicodedata.normalize("NFKC", query).casefold().split())


def fold_of(query: str, k: int = 5) -> int:
    """Fold of a query: md5 of its normalised text mod ``k`` (stable across runs/machines)."""
    return int(hashlib.md5(normalise_query(query).encode("utf-8")).hexdigest(), 16) % k


def split_folds(queries: Sequence[str], k: int = 5) -> list[tuple[list[str], list[str]]]:
    """Per fold ``f``: (training queries, test queries); a query is in exactly one test fold
    and never in the training set of its own fold, and equal normalised queries go together."""
    fold = [fold_of(q, k) for q in queries]
    return [
        (
            [q for q, g in zip(queries, fold, strict=True) if g != f],
            [q for q, g in zip(queries, fold, strict=True) if g == f],
        )
        for f in range(k)
    ]
