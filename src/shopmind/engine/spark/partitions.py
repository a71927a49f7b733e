"""How a table's gate stages are sized by its rows: shuffle partitions, and where the frames
the gate reads several times are kept (``storage_for``).

Why: the event windows sort whole rows (~420 bytes each in the shuffle at 10 M demo events), and
with a fixed partition count each task's share grows with the batch: 8 partitions are ~525 MB of
rows per task at 10 M events and ~2.6 GB at 50 M, more than a 1-2 GB executor sorts without
spilling most of it. One partition per ``PARTITION_ROWS`` rows keeps a task's share near ~60 MB
whatever the batch; small batches keep the floor ``[engine] shuffle_partitions``, and adaptive
execution still coalesces shuffle outputs up to its advisory size (64 MB compressed by default).
(The 1 GB / 2 GB executors that died at 10 M events on 2026-12-05 died of one huge window group,
fixed in ``joined.py``; sizing alone did not save them.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PARTITION_ROWS = 150_000
# a Spark setting (``--conf spark.shopmind.partitionRows=...`` under spark-submit); the shop TOML's
# ``[engine] partition_rows`` sets it for sessions shopmind starts; 0 = always the floor
PARTITION_ROWS_KEY = "spark.shopmind.partitionRows"
_SHUFFLE = "spark.sql.shuffle.partitions"


def shuffle_partitions_for(rows: int, floor: int, per_partition: int) -> int:
    """One partition per ``per_partition`` rows, at least ``floor`` (``per_partition`` <= 0:
    always ``floor``)."""
    if per_partition <= 0:
        return max(1, floor)
    return max(1, floor, -(-rows // per_partition))


@contextmanager
def sized_shuffles(spark: Any, rows: int) -> Iterator[int]:
    """Set the session's shuffle partitions for a table of ``rows`` (yields the count), and put
    the session's own count back after, whatever happens inside."""
    floor = spark.conf.get(_SHUFFLE) or "200"
    per = int(spark.conf.get(PARTITION_ROWS_KEY, str(PARTITION_ROWS)) or PARTITION_ROWS)
    parts = shuffle_partitions_for(rows, int(floor), per)
    spark.conf.set(_SHUFFLE, str(parts))
    try:
        yield parts
    finally:
        spark.conf.set(_SHUFFLE, floor)


#: ``[engine] persist`` (``--conf spark.shopmind.persist=...`` under spark-submit)
PERSIST_KEY = "spark.shopmind.persist"
#: above this many rows a table's persisted frames go to disk only under ``persist = "auto"``.
#: Why: 10 M events passed on 2 GB executors keeping them in memory and disk (2026-12-05), but at
#: 50 M the executors died of heap exhaustion serialising a row-local block into the memory store
#: (a task's split of highly compressed Parquet is ~1 M rows); disk-only blocks are streamed to
#: the executor's local disk and never held on the heap.
AUTO_DISK_ROWS = 10_000_000


def storage_for(spark: Any, rows: int) -> Any:
    """The StorageLevel for a table of ``rows``: ``[engine] persist`` (auto: by the rows)."""
    from pyspark import StorageLevel

    how = spark.conf.get(PERSIST_KEY, "auto") or "auto"
    if how == "disk_only" or (how == "auto" and rows > AUTO_DISK_ROWS):
        return StorageLevel.DISK_ONLY
    return StorageLevel.MEMORY_AND_DISK


__all__ = [
    "AUTO_DISK_ROWS",
    "PARTITION_ROWS",
    "PARTITION_ROWS_KEY",
    "PERSIST_KEY",
    "shuffle_partitions_for",
    "sized_shuffles",
    "storage_for",
]
