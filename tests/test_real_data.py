"""Acceptance on the real dirty datasets: the gate's account, checked against counts computed
independently from the raw files (not from the gate's own output).

Skipped only when the shared data folder is absent (set SHOPMIND_DATA to point elsewhere).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.data.model import FLAGS, ROW
from shopmind.quality.gate import run_gate

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
RETAIL = DATA / "online-retail" / "online_retail.csv.gz"
CROWDFLOWER = DATA / "crowdflower" / "train.csv"


def _codes_by_row(outcome) -> pl.DataFrame:
    """(_row, code) for every code a row carries: quarantine reasons and accepted-row flags."""
    q = outcome.quarantine.select(pl.col("row_no").alias(ROW), pl.col("codes").alias("code")).explode("code")
    f = outcome.accepted.select(pl.col(ROW), pl.col(FLAGS).alias("code")).explode("code").drop_nulls()
    return pl.concat([q, f])


@pytest.fixture(scope="module")
def retail():
    if not RETAIL.exists():
        pytest.skip(f"{RETAIL} not present")
    raw = pl.read_csv(RETAIL, infer_schema=False).with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))
    batch = get_adapter("online-retail").load(RETAIL)
    result = run_gate(batch, GateConfig(), None, now=datetime(2012, 1, 1, tzinfo=UTC))
    return raw, result


@pytest.mark.slow
def test_online_retail_account(retail):
    raw, result = retail
    ev = result.tables["events"]
    assert ev.input_rows == raw.height == 541_909
    assert ev.accepted.height + ev.quarantine.height == 541_909
    codes = _codes_by_row(ev)

    def rows_with(code: str) -> set[int]:
        return set(codes.filter(pl.col("code") == code)[ROW].to_list())

    quarantined = set(ev.quarantine["row_no"].to_list())

    no_customer = set(raw.filter(pl.col("CustomerID").is_null())[ROW].to_list())
    assert len(no_customer) == 135_080
    assert rows_with("EVT_USER_MISSING") == no_customer and no_customer <= quarantined

    cancelled = raw.filter(pl.col("InvoiceNo").str.starts_with("C"))
    assert cancelled.height == 9_288
    # cancellations are returns with negative quantities: consistent, never a sign error
    assert not (set(cancelled[ROW].to_list()) & rows_with("EVT_QTY_SIGN"))
    accepted_c = ev.accepted.filter(pl.col("order_id").str.starts_with("C"))
    assert set(accepted_c["type"].to_list()) == {"return"} and (accepted_c["quantity"] < 0).all()
    # a cancellation is accepted unless it has no customer or another defect
    unlinked = rows_with("EVT_RETURN_UNLINKED")
    assert unlinked <= set(cancelled[ROW].to_list())

    negative_not_cancelled = raw.filter(
        pl.col("Quantity").cast(pl.Float64) < 0, ~pl.col("InvoiceNo").str.starts_with("C")
    )
    assert negative_not_cancelled.height == 10_624 - 9_288
    assert rows_with("EVT_QTY_SIGN") == set(negative_not_cancelled[ROW].to_list())

    non_positive_price = set(raw.filter(pl.col("UnitPrice").cast(pl.Float64) <= 0)[ROW].to_list())
    assert rows_with("EVT_PRICE_NONPOSITIVE") == non_positive_price and non_positive_price <= quarantined

    key = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]
    later_copies = set(raw.filter(~pl.struct(key).is_first_distinct())[ROW].to_list())
    assert rows_with("EVT_DUP_EXACT") == later_copies

    # 1,454 lines have no Description; a stock code with no description on any line has no title,
    # so the product is quarantined and that code's lines are events for an unknown product
    assert raw["Description"].is_null().sum() == 1_454
    titled = raw.filter(pl.col("Description").is_not_null())["StockCode"].unique()
    untitled_codes = raw.filter(~pl.col("StockCode").is_in(titled.implode()))
    pr = result.tables["products"]
    assert pr.quarantine.height == untitled_codes["StockCode"].n_unique()
    assert set(pr.quarantine["codes"].explode().to_list()) == {"REQUIRED_MISSING"}
    assert rows_with("EVT_ITEM_UNKNOWN") == set(untitled_codes[ROW].to_list())

    # nothing else is quarantined: the quarantine is exactly the union of the policies above
    assert quarantined == no_customer | set(
        negative_not_cancelled[ROW].to_list()
    ) | non_positive_price | later_copies | set(untitled_codes[ROW].to_list())
    assert not result.held


@pytest.fixture(scope="module")
def crowdflower():
    if not CROWDFLOWER.exists():
        pytest.skip(f"{CROWDFLOWER} not present")
    raw = (
        pl.read_csv(CROWDFLOWER, infer_schema=False)
        .with_row_index(ROW)
        .with_columns(pl.col(ROW).cast(pl.Int64))
    )
    result = run_gate(get_adapter("crowdflower").load(CROWDFLOWER), GateConfig(), None)
    return raw, result


def test_crowdflower_account(crowdflower):
    raw, result = crowdflower
    pr, jd = result.tables["products"], result.tables["judgments"]
    assert pr.input_rows == jd.input_rows == raw.height == 10_158
    empty = set(
        raw.filter(
            pl.col("product_description").is_null() | (pl.col("product_description").str.strip_chars() == "")
        )[ROW].to_list()
    )
    assert len(empty) == 2_444
    codes = _codes_by_row(pr)
    # every empty description is flagged, on the accepted row or on the quarantined duplicate
    assert set(codes.filter(pl.col("code") == "PRD_DESC_MISSING")[ROW].to_list()) == empty
    # one product row per judgment row: repeated (title, description) pairs are the same product,
    # the latest row is kept and the earlier copies are quarantined as duplicates
    distinct = raw.select("product_title", "product_description").n_unique()
    assert pr.accepted.height == distinct
    assert pr.quarantine["codes"].list.contains("PRD_DUP_ID").all()
    assert set(pr.quarantine["codes"].explode().to_list()) == {"PRD_DUP_ID", "PRD_DESC_MISSING"}
    # HTML is stripped from descriptions, with an audit record per repaired cell
    html = raw.filter(pl.col("product_description").str.contains(r"<[a-zA-Z/][^>]*>"))
    repaired = set(pr.audit.filter(pl.col("code") == "TEXT_HTML")[ROW].to_list())
    assert set(html[ROW].to_list()) <= repaired
    assert not pr.accepted["description"].drop_nulls().str.contains(r"<(?:br|p|li|ul|div)\b").any()
    # judgments: grades 1..4 all in scale; each (query, product) kept once
    assert jd.accepted.height + jd.quarantine.height == 10_158
    pairs = (
        raw.with_columns(pl.struct("product_title", "product_description").alias("p"))
        .select("query", "p")
        .n_unique()
    )
    assert jd.accepted.height == pairs
    assert not result.held
