"""An order line without a SKU named by its item name (``item_name``, Shopify's ``Lineitem name``)
is joined to the one product it names alike on the Polars and the Spark gate (``EVT_ITEM_NAME``);
a name that fits no product, or two, stays unknown on both. Without the Spark side the two engines'
accounts differed for the same batch, as they did for SKUs before ``engine/spark/skus.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.adapters.table import NAMES_META
from shopmind.data.model import ROW, Batch
from shopmind.engine.compare import differences
from shopmind.quality.gate import eager, run_gate

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def test_order_lines_named_by_their_item_name_join_their_product_on_both_engines(
    spark, tmp_path: Path
) -> None:
    from shopmind.engine.spark.gate import run_gate_spark

    products = pl.DataFrame(
        {"product_id": ["vero-trim", "tee", "tee-classic"], "title": ["Vero Shower Trim", "Tee", "Tee - Classic"],
         "price": ["119.00", "10.00", "12.00"], "currency": ["USD"] * 3}
    )  # fmt: skip
    items = ["Vero Shower Trim - Bronze", "vero-trim", "Gift wrapping", "Tee - Classic - M", "tee"]
    n = len(items)
    events = pl.DataFrame(
        {"event_id": [f"e{i}" for i in range(n)], "type": ["purchase"] * n, "item_id": items,
         "timestamp": ["2026-11-20T10:00:00Z"] * n, "user_id": [f"u{i}" for i in range(n)],
         "quantity": ["1"] * n, "price": ["1.00"] * n, "currency": ["USD"] * n}
    )  # fmt: skip
    names = {"events": ["Vero Shower Trim - Bronze", "Gift wrapping", "Tee - Classic - M"]}
    batch = Batch("shopify", products=products, events=events, meta={NAMES_META: names})
    polars_run = run_gate(batch, GateConfig(), None, now=NOW)
    spark_run = run_gate_spark(spark, batch, str(tmp_path / "out"), GateConfig(), None, now=NOW)
    assert differences(polars_run, spark_run.result) == []
    for run in (polars_run, spark_run.result):
        events_out = run.tables["events"]
        assert eager(events_out.accepted).sort(ROW)["item_id"].to_list() == ["vero-trim", "vero-trim", "tee"]
        audit = eager(events_out.audit).filter(pl.col("code") == "EVT_ITEM_NAME").sort(ROW)
        assert audit.select(ROW, "old_value", "new_value").rows() == [
            (0, "Vero Shower Trim - Bronze", "vero-trim")
        ]
        assert eager(events_out.quarantine)["row_no"].to_list() == [2, 3]  # a custom item; a name two fit
