"""Whole-group aggregates keyed by the item, computed as a grouped aggregate joined back.

Why: the checks' SQL asks for ``median(x) OVER (PARTITION BY item_id)`` and
``count(x) OVER (PARTITION BY item_id)``. A window evaluates each group in one task and holds the
whole group's rows (the wide event rows) while it does; every event without an item — every
search — is in one group, the NULL item. On the tiled demo batch that group is 691 k of 10 M
events (10x the most popular item) and 3.5 M at 50 M; its task ran standalone-cluster executors
out of heap reading back the window's spills, with 1 GB and with 2 GB (2026-12-05). The same
numbers come from a grouped aggregate (partial aggregation on each input split: a few bytes per
item, never a group's rows) joined back to the rows on the item, NULLs matching NULLs: exactly the
window's groups (tested against the Polars engine, row by row).

Only whole-partition aggregates (no ORDER BY, no frame) over ``KEYS`` are rewritten; any other
window stays a window (sessions and users are small groups, and windows sharing a key share a
shuffle).
"""

from __future__ import annotations

import re
from typing import Any

# keys whose groups can be huge: the item (all item-less events in one NULL group)
KEYS = ("item_id",)
_AGGREGATES = "median|count|sum|min|max|avg"


def _pattern(key: str) -> re.Pattern[str]:
    return re.compile(
        rf"\b({_AGGREGATES})\s*\(\s*([A-Za-z_][A-Za-z_0-9]*)\s*\)\s*OVER\s*\(\s*PARTITION\s+BY\s+{key}\s*\)",
        re.IGNORECASE,
    )


_PATTERNS = {key: _pattern(key) for key in KEYS}


def grouped_windows(sql: str) -> list[tuple[str, str, str, str]]:
    """The rewritable windows in ``sql``: (text, aggregate, argument, key) for each."""
    return [
        (m.group(0), m.group(1).lower(), m.group(2), key)
        for key, pattern in _PATTERNS.items()
        for m in pattern.finditer(sql)
    ]


#: at most this many groups (items) are broadcast to every task; above, Spark picks the join
#: (a catalog of millions of items would be a hash table of hundreds of MB in each executor)
BROADCAST_GROUPS = 1_000_000


def with_derived(
    frame: Any, name: str, sql: str, partitioned: set[str] | None = None, groups: int | None = None
) -> Any:
    """``frame`` with column ``name`` = ``sql`` (Spark dialect), each whole-group aggregate over
    ``KEYS`` in it taken from a grouped aggregate joined back instead of a window.

    The rows are hashed by the key once (``partitioned`` remembers it across calls): the later
    windows whose keys contain the item reuse that partitioning, as they reused the item
    windows' shuffle before; the aggregate then needs no shuffle of its own, and it is
    broadcast (one row per item) so the join neither shuffles nor sorts the rows — when the
    catalog says there are at most ``BROADCAST_GROUPS`` items (``groups``; None = unknown, left
    to Spark). Measured at 10 M events (docs/BENCHMARKS.md): 3.5 % / 10.7 % faster on local[2] /
    local[1] than the joins without it."""
    from pyspark.sql import functions as F

    for i, (text, agg, arg, key) in enumerate(grouped_windows(sql)):
        if partitioned is not None and key not in partitioned:
            frame = frame.repartition(key)
            partitioned.add(key)
        col = f"__g_{name}_{i}"
        right = (
            frame.groupBy(key).agg(F.expr(f"{agg}({arg})").alias(col)).withColumnRenamed(key, f"__k_{col}")
        )
        # every row finds its group (the aggregate is over these rows): a left join adds one
        # column and drops no row
        if groups is not None and groups <= BROADCAST_GROUPS:
            right = F.broadcast(right)
        frame = frame.join(right, frame[key].eqNullSafe(right[f"__k_{col}"]), "left").drop(f"__k_{col}")
        sql = sql.replace(text, col, 1)
    frame = frame.withColumn(name, F.expr(sql))
    return frame.drop(*[c for c in frame.columns if c.startswith(f"__g_{name}_")])


__all__ = ["KEYS", "grouped_windows", "with_derived"]
