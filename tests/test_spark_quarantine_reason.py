"""A quarantined row's reason in the same words on Spark as on Polars (beside tests/test_spark_gate.py,
which holds ~500 lines)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.quality.gate import eager, run_gate

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def test_an_unknown_event_type_is_said_alike_on_both_engines(spark, tmp_path: Path) -> None:
    """The quarantine reason of an event of an unknown type says the type sent and the known ones,
    the same words on Spark as on Polars (t1p, session 32: it said "EVT_TYPE_UNKNOWN" alone)."""
    from shopmind.engine.spark.gate import run_gate_spark

    events = pl.DataFrame(
        {"event_id": ["e0", "e1"], "type": ["purchase", "purchse"], "item_id": ["a", "b"],
         "timestamp": ["2026-11-20T10:00:00Z"] * 2, "user_id": ["u0", "u1"], "quantity": ["1"] * 2,
         "price": ["1.00"] * 2, "currency": ["USD"] * 2}
    )  # fmt: skip
    batch = Batch("orders", events=events)
    polars_run = run_gate(batch, GateConfig(), None, now=NOW)
    spark_run = run_gate_spark(spark, batch, str(tmp_path / "out"), GateConfig(), None, now=NOW)
    said = "EVT_TYPE_UNKNOWN — type 'purchse' is not an event type; one of: view, click, add_to_cart, "
    for run in (polars_run, spark_run.result):
        (detail,) = eager(run.tables["events"].quarantine)["detail"].to_list()
        assert detail.startswith(said) and detail.endswith("rate, search"), detail
