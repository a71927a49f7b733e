"""The served products by id, kept columnar: one row dict is built per lookup, not per product.

The server used to hold the release's catalog as a dict of row dicts — every title,
description and attribute as its own Python object (8.6 MB for the 3,000-product demo shop,
several times the Parquet frame for Home Depot's long descriptions), beside the search
engine's own columnar catalog. ``ProductTable`` keeps the frame and an id -> row index, builds
the row dict a request asks for (~20 µs), and records live upserts and deletes in an overlay,
so it reads and writes like the dict it replaces (``get``, ``in``, ``[]``, assignment, ``pop``,
``len``, iteration).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import polars as pl

__all__ = ["ProductTable"]


class ProductTable(MutableMapping[str, dict[str, Any]]):
    """Products by ``str(product_id)`` (a later row of the same id wins, as in a dict)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = frame
        ids = frame["product_id"].cast(pl.Utf8).to_list() if frame.height else []
        self._rows: dict[str, int] = {pid: i for i, pid in enumerate(ids)}
        self._changed: dict[str, dict[str, Any]] = {}
        self._deleted: set[str] = set()

    def __getitem__(self, pid: str) -> dict[str, Any]:
        changed = self._changed.get(pid)
        if changed is not None:
            return changed
        if pid in self._deleted or pid not in self._rows:
            raise KeyError(pid)
        return self._frame.row(self._rows[pid], named=True)

    def __contains__(self, pid: object) -> bool:
        return pid in self._changed or (pid in self._rows and pid not in self._deleted)

    def __setitem__(self, pid: str, row: dict[str, Any]) -> None:
        self._changed[pid] = row
        self._deleted.discard(pid)

    def __delitem__(self, pid: str) -> None:
        if pid not in self:
            raise KeyError(pid)
        self._changed.pop(pid, None)
        if pid in self._rows:
            self._deleted.add(pid)

    def __iter__(self) -> Iterator[str]:
        for pid in self._rows:
            if pid not in self._deleted and pid not in self._changed:
                yield pid
        yield from self._changed

    def priced_currencies(self) -> list[str]:
        """The currency of every product with a price (what the dashboards' shop currency is
        counted from), read from two columns rather than row dict by row dict."""
        out: list[str] = []
        if self._frame.height and {"price", "currency"} <= set(self._frame.columns):
            price, cur = self._frame["price"].to_list(), self._frame["currency"].to_list()
            for pid, i in self._rows.items():
                if price[i] is not None and cur[i] and pid not in self._deleted and pid not in self._changed:
                    out.append(str(cur[i]))
        out += [
            str(r["currency"])
            for r in self._changed.values()
            if r.get("price") is not None and r.get("currency")
        ]
        return out

    def __len__(self) -> int:
        # a changed id is never in ``_deleted`` (assignment undeletes it)
        return len(self._rows) - len(self._deleted) + sum(1 for pid in self._changed if pid not in self._rows)
