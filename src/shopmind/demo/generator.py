"""A seeded generator of a bilingual (Chinese + English) demo shop with known defects.

``generate`` builds the three canonical tables of :mod:`shopmind.data.model` for an invented
shop: a catalogue over a three-level category tree, the click stream of simulated shoppers
with latent tastes (categories, colours, price level), and graded relevance judgments for
about 150 search queries computed from the generator's ground truth. Into these clean tables it
injects defects of the quality gate's classes (:mod:`shopmind.quality.codes`) and returns the
list of defective rows as ground truth, so that the gate's precision and recall can be measured.

Guarantees (tested in ``tests/test_demo.py``):

- the same arguments give byte-identical frames;
- every defective row carries exactly one defect and is listed once in ``DemoShop.defects``;
- clean rows pass every check of the gate's classes (no future timestamps, positive prices,
  ISO currencies, no duplicates or near-duplicates, no bot-like sessions, quantities 1-3,
  every return linked to an earlier purchase of the same user and item, ...);
- products whose row is quarantined or flagged for a value defect (price, currency, stock,
  rating, title, category) get no events and no judgments, so a gate that drops them does not
  turn clean events into unknown-item events.

One job per module: ``tree`` (the category tree as index tables, query concepts and their
rendering), ``catalog`` (products, their texts, graded relevance), ``shoppers`` (simulated
shoppers and their click stream), ``judgments`` (judged queries and the judgments table),
``products_table`` and ``events_table`` (the tables with their defects injected), ``defects``
(the classes and the per-class budget), ``clock`` (microsecond time). This module composes them
and keeps the public names (``generate``, ``write``, ``DemoShop``, the defect class lists,
``sloppy_cp1252``) importable from where they always were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.data.model import Batch
from shopmind.demo.catalog import _build_catalog
from shopmind.demo.clock import _DAY, _EPOCH
from shopmind.demo.defects import _VALUE_DEFECTS, EVENT_DEFECTS, JUDGMENT_DEFECTS, PRODUCT_DEFECTS
from shopmind.demo.events_table import _events_frame
from shopmind.demo.judgments import _build_judgments, _judgments_frame
from shopmind.demo.prices import price_book
from shopmind.demo.products_table import (
    _pick_product_defects,
    _products_frame,
    _to_traditional,
    sloppy_cp1252,
)
from shopmind.demo.shoppers import _build_users, _Simulator
from shopmind.demo.tree import _COLOUR_KEYS, _leaf_path

#: Re-exported: tests and bench/quality_faults.py import these from here (``_to_traditional``
#: from tests/test_demo.py).
__all__ = [
    "EVENT_DEFECTS",
    "JUDGMENT_DEFECTS",
    "PRODUCT_DEFECTS",
    "SOURCE",
    "DemoShop",
    "_to_traditional",
    "generate",
    "sloppy_cp1252",
    "write",
]

SOURCE = "demo-shop"


@dataclass
class DemoShop:
    """The generated shop: a batch for the gate plus the ground truth behind it."""

    batch: Batch
    #: Defective rows: ``table`` (products|events|judgments), ``row`` (the row's ``_row``), ``code``.
    defects: pl.DataFrame
    #: Latent tastes of the simulated shoppers (for evaluating recommendations).
    users: pl.DataFrame = field(default_factory=pl.DataFrame)


def generate(
    seed: int = 42,
    n_products: int = 3000,
    n_users: int = 1500,
    days: int = 60,
    defect_rate: float = 0.02,
    end: datetime = datetime(2026, 10, 31, tzinfo=UTC),
) -> DemoShop:
    """Generate the demo shop. Same arguments, byte-identical frames.

    ``defect_rate`` is the fraction of rows per table that get a defect, spread evenly over
    the table's defect classes (at least one row per class when positive; a bot session
    always has 300-1000 rows). ``end`` is the time of the last event; events cover ``days``
    days before it.
    """
    if n_products < 1 or n_users < 1 or days < 1:
        raise ValueError("n_products, n_users and days must be positive")
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    end_us = (end - _EPOCH) // timedelta(microseconds=1)
    start_us = end_us - days * _DAY
    seeds = np.random.SeedSequence(seed).spawn(9)  # the first eight as before nine were spawned
    rngs = [np.random.default_rng(s) for s in seeds]

    cat = _build_catalog(rngs[0], n_products, start_us, end_us)
    picks = _pick_product_defects(rngs[1], cat, defect_rate)
    usable = np.ones(cat.n, dtype=bool)
    for code, rows in picks.items():
        if code in _VALUE_DEFECTS:
            usable[rows] = False
    users = _build_users(rngs[2], n_users)
    book = price_book(rngs[8], cat.price, cat.lang, cat.leaf, start_us, end_us)
    sim = _Simulator(rngs[3], cat, users, usable, start_us, end_us, days, book)
    stream = sim.run()
    judged = _build_judgments(rngs[4], cat, usable)

    products, p_def = _products_frame(rngs[5], cat, picks)
    events, e_def = _events_frame(rngs[6], stream, sim.linked, cat, usable, n_users, defect_rate, start_us, end_us)  # fmt: skip
    judgments, j_def = _judgments_frame(rngs[7], judged, cat.n, defect_rate)

    defects = pl.DataFrame(
        {
            "table": ["products"] * len(p_def) + ["events"] * len(e_def) + ["judgments"] * len(j_def),
            "row": pl.Series([r for r, _ in p_def + e_def + j_def], dtype=pl.Int64),
            "code": [c for _, c in p_def + e_def + j_def],
        },
        schema={"table": pl.Utf8, "row": pl.Int64, "code": pl.Utf8},
    )
    meta: dict[str, object] = {
        "relevance_scale": (0.0, 3.0),
        "rating_scale": (1.0, 5.0),
        "generator": {
            "name": "shopmind.demo",
            "seed": seed,
            "n_products": n_products,
            "n_users": n_users,
            "days": days,
            "defect_rate": defect_rate,
            "end": end.isoformat(),
        },
    }
    batch = Batch(source=SOURCE, products=products, events=events, judgments=judgments, meta=meta)
    uwidth = max(4, len(str(n_users + 100)))
    users_frame = pl.DataFrame(
        {
            "user_id": [f"U{u + 1:0{uwidth}d}" for u in range(n_users)],
            "language": ["zh" if x == 1 else "en" for x in users.lang],
            "taste_categories": [[_leaf_path(int(lf)) for lf in t] for t in users.tastes],
            "colours": [[_COLOUR_KEYS[c] for c in row] for row in users.colours],
            "price_level": pl.Series(users.level, dtype=pl.Float64),
            "sessions_per_day": pl.Series(users.rate, dtype=pl.Float64),
        }
    )
    return DemoShop(batch=batch, defects=defects, users=users_frame)


def write(shop: DemoShop, out_dir: Path) -> dict[str, Path]:
    """Write the three tables and the defect ground truth as Parquet files into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    frames = {
        "products": shop.batch.products,
        "events": shop.batch.events,
        "judgments": shop.batch.judgments,
        "defects": shop.defects,
    }
    for name, frame in frames.items():
        if frame is None:
            continue
        path = out_dir / f"{name}.parquet"
        frame.write_parquet(path)
        paths[name] = path
    return paths
