"""A batch where every row of a table failed is no success, whatever its size (t1x, session 28).

The first-hour walk's 3-row catalog with prices written "$24.99" (no ``[formats] currency_sign``)
had every row quarantined as TYPE_ERROR, yet "published" 0 rows with exit 0: 3 failing rows are
below ``min_rows`` (5), so no check crossed. Now a row check of a table that kept no row crosses
whatever ``min_rows``, and a table emptied by "warn" codes alone is held by BATCH_NONE_ACCEPTED."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from shopmind.config import GateConfig, config_from_dict
from shopmind.data.model import Batch
from shopmind.quality.gate import GateResult, run_gate

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _catalog(prices: list[str]) -> pl.DataFrame:
    n = len(prices)
    return pl.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(n)],
            "title": [f"Linen shirt {i}" for i in range(n)],
            "price": prices,
            "currency": ["USD"] * n,
        }
    )


def _gate(products: pl.DataFrame, cfg: GateConfig | None = None) -> GateResult:
    return run_gate(Batch("t", products=products), cfg or GateConfig(), None, now=NOW)


def test_a_small_catalog_whose_every_row_failed_is_held_by_the_check_it_failed() -> None:
    result = _gate(_catalog(["$24.99", "$12.00", "$8.50"]))
    assert result.accepted_rows == 0 and result.quarantined_rows == 3
    assert result.held and result.exit_code == 1
    summary = result.summary()
    assert summary["status"] == "held" and summary["held_by"] == ["products:TYPE_ERROR"]


def test_a_table_emptied_by_warn_codes_is_held_by_none_accepted() -> None:
    warn = config_from_dict({"checks": {"TYPE_ERROR": {"severity": "warn"}}})
    result = _gate(_catalog(["$24.99", "$12.00", "$8.50"]), cfg=warn)
    assert result.held and result.summary()["held_by"] == ["products:BATCH_NONE_ACCEPTED"]
    (check,) = [c for c in result.checks if c["code"] == "BATCH_NONE_ACCEPTED"]
    assert check["detail"] == {"input": 3, "quarantined": 3, "codes": "TYPE_ERROR"}


def test_a_small_batch_with_a_few_bad_rows_still_publishes_the_good_ones() -> None:
    result = _gate(_catalog(["$24.99", "12.00", "8.50"]))
    assert not result.held and result.accepted_rows == 2
    assert not [c for c in result.checks if c["code"] == "BATCH_NONE_ACCEPTED"]
