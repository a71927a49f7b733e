"""A small catalog published through the real gate: the workspace the release and serving tests
build from (one place, so a change to the gate's API is one edit)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.quality.gate import publish, run_gate
from shopmind.store.store import Store


def publish_catalog(ws: Path, n: int, title: str, category: str, price: float, currency: str) -> None:
    """``n`` products "<title> <i>" in ``category``, priced ``price + i``, published (forced)."""
    products = pl.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(n)],
            "title": [f"{title} {i}" for i in range(n)],
            "category_path": [category] * n,
            "price": [price + i for i in range(n)],
            "currency": [currency] * n,
        }
    )
    cfg = GateConfig()
    with Store(ws) as store:
        publish(run_gate(Batch("feed", products=products), cfg, store), store, cfg, None, force=True)
