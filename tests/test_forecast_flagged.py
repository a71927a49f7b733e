"""Issue 14: the gate's flagged quantity outliers (EVT_QTY_OUTLIER, kept with the code in ``_flags``) and the
returns linked to them are left out of the demand a release forecasts (``[forecast] flagged = "leave_out"``, the
default), counted in the manifest; ``"keep"`` keeps them; a bad value is refused naming the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from shopmind.cli.common import UsageError
from shopmind.config import GateConfig
from shopmind.data.model import FLAGS, Batch
from shopmind.forecast.flagged import LeftOut, leave_out_flagged
from shopmind.forecast.release import build_forecast
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.store.store import Store

START = datetime(2026, 9, 1, 10, tzinfo=UTC)
DAYS = 40
BULK_DAY, RETURN_DAY = 20, 22


def _shop() -> Batch:
    """Two products each bought 1-2 units a day by different users for 40 days; on day 20 user ``bulk`` buys
    5,000 of P1 (the gate flags it) and returns the 5,000 on day 22 (linked: same user and item, later)."""
    products = pl.DataFrame(
        {
            "product_id": ["P1", "P2"],
            "title": ["Red cotton dress", "Blue linen shirt"],
            "category_path": ["Women > Dresses", "Men > Shirts"],
            "price": [20.0, 30.0],
            "currency": ["USD", "USD"],
            "stock": [100, 100],
            "created_at": ["2026-01-01T00:00:00Z"] * 2,
        }
    )
    rows = []
    for d in range(DAYS):
        for k, item in enumerate(("P1", "P2")):
            ts = START + timedelta(days=d, hours=k)
            rows.append(("purchase", f"u{d}_{k}", item, 1 + (d + k) % 2, ts))
    rows.append(("purchase", "bulk", "P1", 5000, START + timedelta(days=BULK_DAY, hours=5)))
    rows.append(("return", "bulk", "P1", -5000, START + timedelta(days=RETURN_DAY, hours=5)))
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(rows))],
            "type": [r[0] for r in rows],
            "user_id": [r[1] for r in rows],
            "session_id": [f"s{i}" for i in range(len(rows))],
            "item_id": [r[2] for r in rows],
            "quantity": [r[3] for r in rows],
            "price": [20.0 if r[2] == "P1" else 30.0 for r in rows],
            "timestamp": [r[4].isoformat() for r in rows],
        }
    )
    return Batch("t", products=products, events=events)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("flagged") / "ws"
    with Store(ws) as store:
        gate = GateConfig()
        result = run_gate(_shop(), gate, store)
        publish(result, store, gate, None, force=True)
        events = store.table("events")
    flagged = events.filter(pl.col(FLAGS).list.contains("EVT_QTY_OUTLIER"))
    assert flagged["quantity"].to_list() == [5000]  # the gate flagged the bulk purchase only, and kept it
    assert events.filter(pl.col("type") == "return")["quantity"].to_list() == [-5000]
    return ws


def _build(ws: Path, **forecast: object) -> tuple[dict, pl.DataFrame]:
    settings = {"forecast": {"horizon": 7, "windows": 1, **forecast}}
    comps = [("catalog", build_catalog), ("forecast", build_forecast)]
    manifest = build_release(ws, comps, settings=settings, force=True)
    hist = pl.read_parquet(ws / "releases" / manifest["id"] / "forecast" / "history.parquet")
    return manifest["components"]["forecast"], hist


def _p1(hist: pl.DataFrame) -> list[float]:
    return hist.filter(pl.col("product_id") == "P1").sort("date")["value"].to_list()


def test_a_flagged_bulk_purchase_and_its_linked_return_leave_the_demand(workspace: Path) -> None:
    facts, hist = _build(workspace)
    assert facts["forecast"] == "built"
    assert facts["flagged_outliers"] == 1 and facts["flagged_outliers_left_out"] == 1
    assert facts["flagged_returns_left_out"] == 1 and facts["flagged_units_left_out"] == 0.0
    # P1's days are its 1-2 unit sales only: the bulk day is not 5,001 and the return day not floored to 0
    p1 = _p1(hist)
    assert p1 == [1.0 + d % 2 for d in range(DAYS)]


def test_keep_keeps_them_as_before(workspace: Path) -> None:
    facts, hist = _build(workspace, flagged="keep")
    assert facts["flagged_outliers"] == 1 and facts["flagged_outliers_left_out"] == 0
    assert facts["flagged_returns_left_out"] == 0
    p1 = _p1(hist)
    assert p1[BULK_DAY] == 5000 + 1 + BULK_DAY % 2
    assert p1[RETURN_DAY] == 0.0  # the 5,000 returned nets the day's real sale away (floored at 0)
    assert sum(p1) == sum(1.0 + d % 2 for d in range(DAYS)) + 5000 - (1 + RETURN_DAY % 2)


def _frame(rows: list[tuple[str, str, str, int, int, list[str]]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "type": [r[0] for r in rows],
            "user_id": [r[1] for r in rows],
            "item_id": [r[2] for r in rows],
            "quantity": [r[3] for r in rows],
            "timestamp": [START + timedelta(hours=r[4]) for r in rows],
            FLAGS: [r[5] for r in rows],
        },
        schema_overrides={FLAGS: pl.List(pl.Utf8)},
    )


def test_returns_are_linked_in_time_order_per_user_and_item() -> None:
    out = ["EVT_QTY_OUTLIER"]
    ev = _frame(
        [
            ("return", "a", "P1", -3, 0, []),  # before the flagged purchase: not linked
            ("purchase", "a", "P1", 2, 1, []),
            ("purchase", "a", "P1", 5000, 2, out),
            ("return", "b", "P1", -5000, 3, []),  # another user: not linked
            ("return", "a", "P2", -5000, 3, []),  # another item: not linked
            ("return", "a", "P1", -4000, 4, []),  # 4,000 of the 5,000: left out
            ("return", "a", "P1", -1002, 5, []),  # 1,000 left: cut to its 2-unit excess
            ("return", "a", "P1", -1, 6, []),  # nothing left of the flagged units: kept
            ("purchase", "c", "P1", 1, 1, []),
            ("purchase", "c", "P1", 3000, 2, out),
            ("return", "c", "P1", -1, 3, []),  # the ordinary 1-unit purchase explains it: kept
        ]
    )
    kept, left = leave_out_flagged(ev)
    assert kept["quantity"].to_list() == [-3, 2, -5000, -5000, -2, -1, 1, -1]
    assert kept.columns == ev.columns and kept.schema == ev.schema
    assert left == LeftOut(purchases=2, returns=2, units=3000.0)
    # counted after ``since`` only (the release's history window), the linking still sees earlier rows
    kept2, left2 = leave_out_flagged(ev, since=START + timedelta(hours=4, minutes=30))
    assert kept2.equals(kept) and left2 == LeftOut(purchases=0, returns=1, units=-1000.0)


def test_events_without_flags_or_outliers_pass_unchanged() -> None:
    ev = _frame([("purchase", "a", "P1", 2, 1, ["EVT_BEFORE_PRODUCT"]), ("return", "a", "P1", -2, 2, [])])
    kept, left = leave_out_flagged(ev)
    assert kept.equals(ev) and left == LeftOut()
    assert leave_out_flagged(ev.drop(FLAGS))[0].equals(ev.drop(FLAGS))


def test_a_bad_flagged_value_is_refused_naming_the_file(tmp_path: Path) -> None:
    from shopmind.cli.release import build_settings

    shop = tmp_path / "shop.toml"
    shop.write_text('[forecast]\nflagged = "drop"\n', encoding="utf-8")
    with pytest.raises(UsageError) as err:
        build_settings(shop)
    says = "[forecast]: flagged must be 'leave_out' or 'keep', not 'drop'"
    assert str(err.value).startswith(f"{shop}: ") and says in str(err.value), str(err.value)
    shop.write_text('[forecast]\nflagged = "keep"\n', encoding="utf-8")
    assert build_settings(shop)["forecast"] == {"flagged": "keep"}
