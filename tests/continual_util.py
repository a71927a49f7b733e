"""Shared by the continual-learning tests: the groceries baskets through the quality gate."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.quality.gate import run_gate

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
GROCERIES = DATA / "groceries"


def groceries_events() -> pl.DataFrame:
    """The accepted groceries events, ids as strings (the test is skipped without the data)."""
    if not GROCERIES.exists():
        pytest.skip(f"{GROCERIES} not present")
    gate = run_gate(get_adapter("groceries").load(GROCERIES), GateConfig(), None)
    return gate.tables["events"].accepted.with_columns(
        pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8)
    )


def groceries_split() -> dict[str, pl.DataFrame]:
    """The groceries events split by time: "old" to 70 % of the range, "new" (the update) to 85 %."""
    ev = groceries_events()
    lo, span = ev["timestamp"].min(), ev["timestamp"].max() - ev["timestamp"].min()
    cut = ev["timestamp"] < lo + span * 0.70
    return {"old": ev.filter(cut), "new": ev.filter(~cut & (ev["timestamp"] < lo + span * 0.85))}
