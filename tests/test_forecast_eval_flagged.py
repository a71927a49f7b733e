"""Issue 14: ``shopmind evaluate forecast`` reads the demand the release reads. Purchases the gate flagged
``EVT_QTY_OUTLIER`` and the returns linked to them are left out (``--flagged leave_out``, the release's
``[forecast] flagged`` default) of the training history and of every window's truth, for ours and every peer
alike; ``--flagged keep`` is the demand the evaluation read before 2026-12-06."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.forecast.eval_table import flagged_line
from shopmind.forecast.evaluate import OURS, run, store_panels
from shopmind.forecast.flagged import DEFAULT_MODE
from shopmind.forecast.release import ForecastSettings
from shopmind.forecast.series import demand_panel
from shopmind.quality.gate import run_gate

START = datetime(2026, 6, 1, 9, tzinfo=UTC)
DAYS, H = 84, 7
ITEMS = [f"P{i}" for i in range(6)]
SLIP_TRUTH = ("P1", DAYS - 4)  # a 5,000-unit slip inside the scored window (the last H days)
SLIP_TRAIN = ("P2", 40, 42)  # a 4,000-unit slip in the training history, returned two days later


def _batch(slips: bool) -> Batch:
    """Six products bought 0-3 units a day by different users (seeded); with ``slips`` also the two flagged
    bulk purchases above and the return linked to the training one."""
    rng = np.random.default_rng(3)
    rows = []
    for d in range(DAYS):
        for k, item in enumerate(ITEMS):
            for j in range(int(rng.poisson(1.0 + k / 3))):
                ts = START + timedelta(days=d, minutes=10 * k + j)
                rows.append(("purchase", f"u{d}_{k}_{j}", item, int(rng.integers(1, 4)), ts))
    if slips:
        item, day = SLIP_TRUTH
        rows.append(("purchase", "bulk1", item, 5000, START + timedelta(days=day, hours=5)))
        item, day, back = SLIP_TRAIN
        rows.append(("purchase", "bulk2", item, 4000, START + timedelta(days=day, hours=5)))
        rows.append(("return", "bulk2", item, -4000, START + timedelta(days=back, hours=5)))
    products = pl.DataFrame(
        {
            "product_id": ITEMS,
            "title": [f"Cotton thing {i}" for i in range(len(ITEMS))],
            "category_path": ["Home > Things"] * len(ITEMS),
            "price": [10.0] * len(ITEMS),
            "currency": ["USD"] * len(ITEMS),
            "created_at": ["2026-01-01T00:00:00Z"] * len(ITEMS),
        }
    )
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(rows))],
            "type": [r[0] for r in rows],
            "user_id": [r[1] for r in rows],
            "session_id": [f"s{i}" for i in range(len(rows))],
            "item_id": [r[2] for r in rows],
            "quantity": [r[3] for r in rows],
            "price": [10.0] * len(rows),
            "timestamp": [r[4].isoformat() for r in rows],
        }
    )
    return Batch("t", products=products, events=events)


def _run(panel: Any) -> dict[str, Any]:
    return run(panel, H, 1, ["SeasonalNaive", "ADIDA"], 1, max_series=0, log=lambda _s: None)


def _figures(res: dict[str, Any]) -> dict[str, float]:
    """Every model's figures flattened (seconds left out: the clock is not a figure)."""
    return {f"{m}.{k}": float(v) for m, f in res["models"].items() for k, v in f.items() if k != "seconds"}


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(
        (math.isnan(a[k]) and math.isnan(b[k])) or a[k] == pytest.approx(b[k], rel=1e-12, abs=1e-12)
        for k in a
    )


@pytest.fixture(scope="module")
def panels() -> dict[str, Any]:
    return {
        "leave_out": store_panels(_batch(True), "day", flagged="leave_out"),
        "keep": store_panels(_batch(True), "day", flagged="keep"),
        "clean": store_panels(_batch(False), "day"),
    }


def test_the_gate_flags_both_slips_and_leave_out_counts_them(panels: dict[str, Any]) -> None:
    meta = panels["leave_out"][2]
    assert meta["flagged"] == "leave_out" and meta["flagged_outliers"] == 2
    assert meta["flagged_outliers_left_out"] == 2 and meta["flagged_returns_left_out"] == 1
    assert meta["flagged_units_left_out"] == 5000.0  # 5,000 + 4,000 - the 4,000 returned
    keep = panels["keep"][2]
    assert keep["flagged_outliers"] == 2 and keep["flagged_outliers_left_out"] == 0
    assert "2 purchases flagged EVT_QTY_OUTLIER and 1 linked returns left out (5,000 units" in flagged_line(
        meta
    )
    assert "keep: 2 purchases" in flagged_line(keep)


def test_left_out_a_flagged_slip_changes_neither_ours_nor_the_peers_truth(panels: dict[str, Any]) -> None:
    out, clean = panels["leave_out"][0], panels["clean"][0]
    assert out.ids == clean.ids and np.array_equal(out.dates, clean.dates)
    np.testing.assert_array_equal(out.y, clean.y)  # history and truth both: the series are the clean shop's
    res_out, res_clean = _run(out), _run(clean)
    assert set(res_out["models"]) >= {OURS, "SeasonalNaive", "ADIDA"}
    assert _same(_figures(res_out), _figures(res_clean))


def test_keep_is_the_demand_evaluate_read_before(panels: dict[str, Any]) -> None:
    keep = panels["keep"][0]
    accepted = run_gate(_batch(True), GateConfig(), None).tables["events"].accepted
    before = demand_panel(accepted, freq="D")  # the evaluation's demand until 2026-12-06
    assert keep.ids == before.ids
    np.testing.assert_array_equal(keep.y, before.y)
    item, day = SLIP_TRUTH
    i = keep.ids.index(item)
    assert keep.y[i, day] - panels["leave_out"][0].y[i, day] == 5000  # the slip is in keep's truth
    res_keep, res_out = _run(keep), _run(panels["leave_out"][0])
    assert _same(_figures(res_keep), _figures(_run(before)))
    for name in (OURS, "SeasonalNaive", "ADIDA"):  # and it moves every row's score: the test can tell
        assert res_keep["models"][name]["mase"] != pytest.approx(res_out["models"][name]["mase"], rel=1e-3)


def test_weekly_panels_and_their_daily_bottom_level_read_the_same_demand() -> None:
    w_out, d_out, _ = store_panels(_batch(True), "week", flagged="leave_out")
    w_clean, d_clean, _ = store_panels(_batch(False), "week")
    np.testing.assert_array_equal(w_out.y, w_clean.y)
    assert d_out is not None and d_clean is not None
    np.testing.assert_array_equal(d_out.y, d_clean.y)


def test_the_cli_default_is_the_release_setting_and_a_bad_value_is_refused(tmp_path: Any) -> None:
    import typer.main

    cmd = typer.main.get_command(app).commands["evaluate"].commands["forecast"]  # type: ignore[attr-defined]
    default = next(p.default for p in cmd.params if p.name == "flagged")
    assert default == DEFAULT_MODE == ForecastSettings().flagged
    csv = tmp_path / "w.csv"
    csv.write_text("id,date,value\na,2025-01-06,1\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["evaluate", "forecast", str(csv), "--flagged", "drop"])
    assert res.exit_code != 0
    assert "--flagged must be one of leave_out, keep, not 'drop'" in res.output


def test_run_scores_the_series_asked_for_and_refuses_one_not_eligible(panels: dict[str, Any]) -> None:
    """``run(ids=...)``: how bench/forecast_flagged_effect.py scores both demands on one set of series."""
    from shopmind.forecast.series import SeriesError

    panel = panels["leave_out"][0]
    ids = ["P0", "P3", "P5"]
    asked = _run_ids(panel, ids)
    alone = _run(panel.subset([panel.ids.index(k) for k in ids]))
    assert asked["series"] == 3 and _same(_figures(asked), _figures(alone))
    with pytest.raises(SeriesError, match="1 of 2 series asked for are not eligible"):
        _run_ids(panel, ["P0", "nope"])


def _run_ids(panel: Any, ids: list[str]) -> dict[str, Any]:
    return run(panel, H, 1, ["SeasonalNaive", "ADIDA"], 1, max_series=0, log=lambda _s: None, ids=ids)
