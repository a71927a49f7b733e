"""The tiled demo batch a scaling run judges, its ground truth, and its Parquet input (written once per size)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.data.model import Batch
from shopmind.demo.generator import generate

NOW = datetime(2026, 12, 3, tzinfo=UTC)
QUIET = (("spark.ui.showConsoleProgress", "false"),)
CHUNKED_OVER = 10_000_000  # batches above this are written part by part (50 M tiled is ~10 GB in memory)
#: a scaling run's Spark JVM heap unless --spark-memory says otherwise: the heap every quiet 10 M
#: pair (sessions 12-16) ran with. Why: on local[N] the tasks' cached frames live in this heap, and
#: at 10 M events 3g (the old default, session 17's curve) cost ~105 more GC CPU-s than 6g on the
#: same code (docs/BENCHMARKS.md, session 18)
SCALING_HEAP = "6g"


def synthetic_with_truth(n: int, seed: int = 7) -> tuple[Batch, pl.DataFrame]:
    """``n`` events (the demo shop's tiled with per-copy ids) plus its catalog, and the injected
    defects of both tables (``table``, ``row``, ``code``) at their rows in the tiled batch."""
    shop = _shop(seed)
    assert shop.batch.events is not None and shop.batch.products is not None
    events = shop.batch.events.drop("_row", strict=False)  # row ids are given to the tiled batch anew
    tiled = _tiled(events, range(-(-n // events.height))).head(n)
    return Batch(source="synthetic", products=shop.batch.products, events=tiled), tiled_truth(n, seed)


def _shop(seed: int = 7) -> Any:
    return generate(seed=seed, n_products=2000, n_users=800, days=14, defect_rate=0.02, end=NOW)


def tiled_truth(n: int, seed: int = 7) -> pl.DataFrame:
    """The injected defects (``table``, ``row``, ``code``) of the ``n``-event tiled batch
    (``synthetic(n)``, ``write_input(n)``), without building the batch: each copy of the events
    carries the generator's event defects at its own rows."""
    shop = _shop(seed)
    assert shop.batch.events is not None
    h = shop.batch.events.height
    ev_truth = shop.defects.filter(pl.col("table") == "events")
    return pl.concat(
        [shop.defects.filter(pl.col("table") == "products")]
        + [ev_truth.with_columns(pl.col("row") + k * h) for k in range(-(-n // h))]
    ).filter((pl.col("table") == "products") | (pl.col("row") < n))


def _tiled(events: pl.DataFrame, copies: range) -> pl.DataFrame:
    """Copies ``copies`` of the events, each with its own event, user, session and order ids."""
    ids = ("event_id", "user_id", "session_id", "order_id")
    return pl.concat(
        [
            events.with_columns(
                [(pl.col(c).cast(pl.Utf8) + f"~{k}").alias(c) for c in ids if c in events.columns]
            )
            for k in copies
        ]
    )


def synthetic(n: int, seed: int = 7) -> Batch:
    """``n`` events: the demo shop's events tiled with per-copy ids, plus its catalog."""
    return synthetic_with_truth(n, seed)[0]


def _load() -> list[float]:
    return [round(x, 1) for x in os.getloadavg()]


def write_input(n: int, work: Path) -> Path:
    """The ``n``-event batch as canonical Parquet files (written once per size, then reused):
    both engines read their input from here, the Polars engine with shopmind's adapter on one
    process, Spark with its own readers on the executors."""
    folder = work / f"input-{n}"
    done = folder / "WRITTEN"
    if not done.exists() and n > CHUNKED_OVER:
        # the tiled batch is never whole in memory: copies written as parts of an ``events``
        # folder (Spark's reader takes a folder of Parquet files as the table); the same rows
        # as ``synthetic(n)`` in the same order
        folder.mkdir(parents=True, exist_ok=True)
        shop = _shop(7)
        assert shop.batch.events is not None and shop.batch.products is not None
        events = shop.batch.events.drop("_row", strict=False)
        shop.batch.products.write_parquet(folder / "products.parquet")
        parts = folder / "events"
        parts.mkdir(exist_ok=True)
        copies = -(-n // events.height)
        per_part = max(1, 2_000_000 // events.height)
        for first in range(0, copies, per_part):
            ks = range(first, min(copies, first + per_part))
            part = _tiled(events, ks).head(max(0, n - first * events.height))
            part.write_parquet(parts / f"part-{first:06d}.parquet", row_group_size=256_000)
        done.write_text(str(n), encoding="utf-8")
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        batch = synthetic(n)
        assert batch.products is not None and batch.events is not None
        batch.products.write_parquet(folder / "products.parquet")
        batch.events.write_parquet(folder / "events.parquet", row_group_size=256_000)
        done.write_text(str(n), encoding="utf-8")
    return folder
