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
