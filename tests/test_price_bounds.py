"""A catalog price_floor above its price_ceiling (attributes): the gate flags the row with a reason
naming both attributes and values (PRD_PRICE_BOUNDS, both engines), and pricing says so instead of
"guardrails conflict"."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.pricing.elasticity import Elasticity
from shopmind.pricing.suggest import Guardrails, ProductTerms, suggest_one
from shopmind.quality.gate import eager, run_gate
from shopmind.quality.report import _examples
from test_number_formats import both_engines

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _catalog() -> pl.DataFrame:
    attributes = [
        '{"price_floor": "12", "Price_Ceiling": "10"}',  # reversed (key case as shops write it)
        '{"price_floor": "8", "price_ceiling": "10"}',
        '{"price_floor": "1,200", "price_ceiling": "950"}',  # thousands comma, reversed
        '{"price_floor": "12"}',  # one bound only
        '{"price_floor": "0", "price_ceiling": "5"}',  # zero is no bound (as pricing reads it)
        None,
    ]
    n = len(attributes)
    return pl.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(1, n + 1)],
            "title": ["Mug", "Cup", "Sofa", "Pot", "Pan", "Jug"],
            "price": ["10"] * n,
            "currency": ["EUR"] * n,
            "attributes": attributes,
        }
    )


def test_the_gate_flags_a_floor_above_the_ceiling_and_keeps_the_row() -> None:
    result = run_gate(Batch("t", products=_catalog()), GateConfig(), None, now=NOW)
    products = result.tables["products"]
    flags = dict(zip(products.accepted["product_id"], products.accepted["_flags"].to_list(), strict=True))
    assert {pid for pid, f in flags.items() if f} == {"P1", "P3"}
    assert flags["P1"] == ["PRD_PRICE_BOUNDS"]
    assert products.failed["PRD_PRICE_BOUNDS"] == 2
    examples = _examples(result, None)["products:PRD_PRICE_BOUNDS"]
    assert examples[0]["what"] == (
        "flagged, accepted — attribute price_floor 12 is above attribute price_ceiling 10: no price satisfies "
        "both, so pricing keeps this product's price"
    )
    assert "price_floor 1,200 is above attribute price_ceiling 950" in examples[1]["what"]


def test_both_engines_flag_the_same_rows(tmp_path: Path) -> None:
    for run in both_engines(Batch("t", products=_catalog()), tmp_path / "out"):
        accepted = eager(run.tables["products"].accepted)
        flagged = accepted.filter(pl.col("_flags").list.contains("PRD_PRICE_BOUNDS"))["product_id"]
        assert sorted(flagged.to_list()) == ["P1", "P3"]


def test_pricing_says_the_floor_is_above_the_ceiling_whatever_the_estimate() -> None:
    for estimate, lo, hi in ((-2.0, -2.5, -1.5), (math.nan, math.nan, math.nan)):
        e = Elasticity("P1", "c", 30, estimate, 0.2, estimate, 0.2, lo, hi, 10.0, 5.0, "")
        s = suggest_one(e, Guardrails(), ProductTerms(floor=12.0, ceiling=10.0))
        assert (s.action, s.suggested_price) == ("keep", 10.0)
        assert s.reason == (
            "price_floor 12.00 is above price_ceiling 10.00: no price satisfies both (fix this product's floor "
            "or ceiling)"
        )
