"""shopmind.forecast: the long-format adapter's errors, the inventory policy math, the CLI, Online Retail."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopmind.forecast.inventory import PolicyConfig, policy, reorder_list
from shopmind.forecast.series import SeriesError, read_long

DATA = Path(os.environ.get("SHOPMIND_DATA", "../shared/data"))


def _csv(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.csv"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,day,value\na,2024-01-01,1\n", "missing column 'date'"),
        (
            "id,date,value\na,2024-01-01,1\na,2024-13-01,2\n",
            "row 3: column 'date' value '2024-13-01' is not a date",
        ),
        (
            "id,date,value\na,2024-01-01,1\na,2024-01-02,x\n",
            "row 3: column 'value' value 'x' is not a number",
        ),
        ("id,date,value\na,2024-01-01,-1\n", "row 2: column 'value' is negative"),
        ("id,date,value\na,2024-01-01,1\na,2024-01-02,1\na,2024-01-01,2\n", r"row 4: duplicate \(id, date\)"),
        (
            "id,date,value,price\na,2024-01-01,1,1.5\na,2024-01-02,1,cheap\n",
            "row 3: column 'price' value 'cheap'",
        ),
        ("id,date,value\n,2024-01-01,1\n", "row 2: column 'id' is empty"),
    ],
)
def test_long_adapter_names_the_column_and_row(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SeriesError, match=message):
        read_long(_csv(tmp_path, text), freq="D")


def test_long_adapter_reads_csv_and_parquet_alike(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "id": ["a", "a", "a", "b", "a"],
            "date": ["2024-01-01", "2024-01-08", "2024-01-22", "2024-01-15", "2024-01-29"],
            "value": [3.0, 4.0, 5.0, 1.0, None],
            "promo": [0.0, 1.0, 0.0, 0.0, 1.0],
        }
    )
    frame.write_csv(tmp_path / "w.csv")
    frame.write_parquet(tmp_path / "w.parquet")
    for name in ("w.csv", "w.parquet"):
        p = read_long(tmp_path / name, future_known=("promo",))
        assert p.freq == "W" and p.ids == ["a", "b"]
        assert p.y[0].tolist() == [3.0, 4.0, 0.0, 5.0]  # the missing week is no demand
        assert np.isnan(p.y[1, :2]).all() and p.y[1, 2:].tolist() == [1.0, 0.0]
        assert p.known_future("promo", 1)[0].tolist() == [1.0]  # the row past the last value


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.integers(0, 30), st.integers(0, 50)), min_size=1, max_size=40
    )
)
def test_long_adapter_keeps_every_value(rows: list[tuple[str, int, int]]) -> None:
    import tempfile

    seen: dict[tuple[str, int], int] = {}
    for k, d, v in rows:
        seen.setdefault((k, d), v)
    frame = pl.DataFrame(
        {
            "id": [k for k, _ in seen],
            "date": [(np.datetime64("2024-03-01") + d).astype(str) for _, d in seen],
            "value": list(seen.values()),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        frame.write_csv(path)
        p = read_long(path, freq="D", ends="file")  # the calendar as written: each value at its own date
        auto = read_long(path, freq="D")  # gap-free series ending apart are shifted whole: no value lost
    assert np.nansum(p.y) == sum(seen.values()) == np.nansum(auto.y)
    for (k, d), v in seen.items():
        i = p.ids.index(k)
        j = int((np.datetime64("2024-03-01") + d - p.dates[0]).astype(int))
        assert p.y[i, j] == v


def test_policy_matches_a_hand_computation() -> None:
    mean = np.full((1, 14), 10.0)
    cfg = PolicyConfig(service_level=0.95, lead_time_days=4, review_days=3)
    f = policy(mean, sigma=np.array([2.0]), on_hand=np.array([30.0]), on_order=np.array([10.0]), config=cfg)
    z = 1.6448536269514722
    assert f["reorder_point"][0] == pytest.approx(40 + z * 2 * 2)
    assert f["safety_stock"][0] == pytest.approx(z * 2 * np.sqrt(7))
    assert f["order_up_to"][0] == pytest.approx(70 + z * 2 * np.sqrt(7))
    assert f["order_qty"][0] == 39  # ceil(78.70 - (30 + 10))
    assert f["days_of_cover"][0] == pytest.approx(3.0)
    assert f["stockout_risk"][0] == pytest.approx(0.9937903, abs=1e-6)  # P(N(40, 4) > 30)
    # enough stock: nothing to order, risk small
    g = policy(mean, np.array([2.0]), on_hand=np.array([80.0]), config=cfg)
    assert g["order_qty"][0] == 0 and g["stockout_risk"][0] < 1e-12
    rows = reorder_list(["p1"], f, np.array([30.0]))
    assert rows == [
        {
            "product_id": "p1",
            "on_hand": 30.0,
            "order_qty": 39,
            "reorder_point": 46.58,
            "order_up_to": 78.7,
            "safety_stock": 8.7,
            "days_of_cover": 3.0,
            "stockout_risk": 0.9938,
        }
    ]


def test_policy_fractional_lead_time_and_past_the_horizon() -> None:
    mean = np.array([[1.0, 2.0, 3.0]])
    f = policy(
        mean, np.array([0.0]), np.array([0.0]), lead_time=np.array([1.5]), config=PolicyConfig(review_days=3)
    )
    assert f["demand_lead_time"][0] == pytest.approx(1 + 0.5 * 2)
    # P = 4.5 days: 6 over the horizon + 1.5 days at the horizon's mean rate (2/day)
    assert f["order_up_to"][0] == pytest.approx(6 + 1.5 * 2)
    with pytest.raises(ValueError, match="service_level"):
        PolicyConfig(service_level=1.0)


def test_cli_evaluate_forecast_on_a_long_file(tmp_path: Path) -> None:
    from shopmind.cli import app

    rng = np.random.default_rng(0)
    dates = pl.date_range(pl.date(2023, 1, 2), pl.date(2023, 12, 25), interval="1w", eager=True)
    rows = [
        {"id": f"s{i}", "date": d, "value": float(rng.poisson(5 + 3 * (j % 4 == 0)))}
        for i in range(12)
        for j, d in enumerate(dates)
    ]
    path = tmp_path / "weekly.csv"
    pl.DataFrame(rows).write_csv(path)
    out = tmp_path / "r.json"
    args = ["evaluate", "forecast", str(path), "--horizon", "4", "--windows", "2", "--inner-windows", "2"]
    res = CliRunner().invoke(
        app, [*args, "--models", "SeasonalNaive,ADIDA,CrostonOptimized", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    result = json.loads(out.read_text())
    peers = {"SeasonalNaive", "ADIDA", "CrostonOptimized"}
    # Poisson counts: ours with its MAE point and every peer with its own NB median beside it; weekly
    # grain: the THieF forms of the wrapped peers (smooth series choose among them) are reported as ours
    # + residual.weekly_pool's residual model and ours' partner (ensemble.PARTNER_FREQS), reported as rows too
    thief = {"THieF-SeasonalNaive", "THieF-ADIDA", "THieF-ADIDA+GBMres-huber", "LightGBM-mase"}
    expected = {"ours", "ours-mae", *peers, *thief}
    assert set(result["models"]) == expected | {f"{p}+median" for p in peers | thief}
    assert result["best_single_statsforecast"] in peers  # a THieF form is ours, never the peer to beat
    assert 0 < result["models"]["ours"]["coverage_pit80"] < 1
    assert result["series"] == 12 and result["models"]["ours"]["series_windows"] == 24
    assert 0 < result["models"]["ours"]["mase"] < 2
    bad = tmp_path / "bad.csv"
    bad.write_text("id,date,value\na,2024-01-01,oops\n")
    res = CliRunner().invoke(app, ["evaluate", "forecast", str(bad)])
    assert res.exit_code == 2 and "column 'value'" in res.output and "Traceback" not in res.output
    # --temporal: the MAPA form of SeasonalNaive (temporal.WEEKLY_AGG) is one of ours' candidates, reported too
    res = CliRunner().invoke(app, [*args, "--models", "SeasonalNaive", "--temporal", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert {"SeasonalNaive@agg", "SeasonalNaive"} <= set(json.loads(out.read_text())["models"])
    # --no-thief: the plain pool, no THieF rows
    res = CliRunner().invoke(app, [*args, "--models", "SeasonalNaive,ADIDA", "--no-thief", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert not any(m.startswith("THieF-") for m in json.loads(out.read_text())["models"])
    res = CliRunner().invoke(app, [*args, "--models", "Prophet"])
    assert res.exit_code == 2 and "unknown model 'Prophet'" in res.output


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "online-retail").exists(), reason="Online Retail data folder absent")
def test_online_retail_demand_from_accepted_events() -> None:
    """A few products through the real adapter and gate: weekly demand equals the file's net units."""
    from shopmind.config import GateConfig
    from shopmind.data.adapters import get_adapter
    from shopmind.data.model import Batch
    from shopmind.forecast.series import demand_panel
    from shopmind.quality.gate import run_gate

    batch = get_adapter("online-retail").load(DATA / "online-retail")
    items = ["85123A", "22423", "47566"]
    small = Batch(
        products=batch.products.filter(pl.col("product_id").is_in(items)),
        events=batch.events.filter(pl.col("item_id").is_in(items)),
        source=batch.source,
        meta=batch.meta,
    )
    events = run_gate(small, GateConfig(), None).tables["events"].accepted
    panel = demand_panel(events, freq="W")
    assert panel.ids == sorted(items)
    net = (
        events.with_columns(pl.col("timestamp").dt.date().dt.truncate("1w").alias("w"))
        .group_by("item_id", "w")
        .agg(pl.col("quantity").sum().clip(lower_bound=0))
        .group_by("item_id")
        .agg(pl.col("quantity").sum())
        .sort("item_id")
    )
    assert np.nansum(panel.y, axis=1).tolist() == net["quantity"].cast(pl.Float64).to_list()
    assert np.nansum(panel.y) > 10_000  # these are best sellers: the gate kept their purchases
    assert np.isfinite(panel.covariates["price"][:, -1]).all()
    from shopmind.forecast.models import make_models

    f = make_models(["AutoETS"])[0].forecast(panel.cut(panel.T - 4), 4)
    assert f.shape == (3, 4) and (f > 0).all()


def test_replay_by_hand() -> None:
    """Constant demand 10/day, lead 7, review 7: start at order-up-to 140, order 70 on day 7 (position 70 =
    reorder point), stock at day ends 130..0 -> mean 65; a 20-unit day 13 loses 10 units."""
    from shopmind.forecast.replay import moving_average, replay

    est = [(np.full((1, 14), 10.0), np.zeros(1))] * 2
    demand = np.full((1, 14), 10.0)
    r = replay(demand, est, review=7, lead=7, level=0.95)
    assert r == {"fill_rate": 1.0, "avg_stock": 65.0}
    demand[0, 13] = 20
    assert replay(demand, est, review=7, lead=7, level=0.95)["fill_rate"] == pytest.approx(140 / 150)
    mean, sd = moving_average(np.array([[np.nan] * 2 + [1.0, 3.0] * 14]), h=3)
    assert mean.tolist() == [[2.0, 2.0, 2.0]] and sd.tolist() == [1.0]
