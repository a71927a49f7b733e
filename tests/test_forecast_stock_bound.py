"""The release's stock projection at 95 % (`stock_low95`) for a shop where some products began
selling after a backtest cut - every real shop adding products.

Such a series has no backtest error at that cut (NaN); `Forecast.upper` took a quantile over the
errors with the NaN in them, so the bound was NaN for every product of the class (87 % of this
demo shop's products, 100 % of `shopmind demo-data`'s). The release saved null, and a new user's
first look at the inventory dashboard was a 500 (`stock_chart` compared None) and
`shopmind forecast --product` a TypeError traceback.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.forecast.ensemble import Forecast
from shopmind.forecast.release import BOUND_CAP, ForecastSettings, _fit_and_save, build_forecast, cap_bound
from shopmind.forecast.series import Panel
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.serve.inventory_page import stock_chart
from shopmind.store.store import Store


def test_upper_ignores_the_windows_a_series_was_not_selling_in() -> None:
    n = 4
    errs = np.array([[1.0, 1.0], [3.0, 3.0], [np.nan, np.nan], [2.0, np.nan]] * n)  # a NaN: no sales yet
    fc = Forecast(
        ids=[f"p{i}" for i in range(n)],
        dates=np.array([], dtype="datetime64[D]"),
        mean=np.full((n, 2), 3.0),
        lo={},
        hi={},
        classes=np.array(["lumpy"] * n, dtype=object),
        members={},
        sigma=np.ones(n),
        unit=np.full(n, 0.5),
        scaled_errors=errs,
        error_class=np.array(["lumpy"] * errs.shape[0], dtype=object),
    )
    # 2-day sums of the rows with errors: 2 and 6 (the NaN rows are left out), 'higher' quantile
    np.testing.assert_allclose(fc.upper(2, 0.9), 6 + 6 * 0.5)
    np.testing.assert_allclose(fc.upper(1, 0.9), 3 + 3 * 0.5)  # one-day errors 1, 3, 2


def test_the_stock_chart_draws_a_projection_without_its_bound() -> None:
    proj = [{"date": f"2026-12-0{i}", "expected": 10.0 - 4 * i, "low95": None} for i in range(1, 5)]
    body = {"stock": {"on_hand": 10.0, "projection": proj}, "policy": {"reorder_point": 6.0}}
    chart = stock_chart(body)
    assert chart is not None and len(chart["expected"].split()) == 5 and chart["out_date"] == "2026-12-03"
    assert len(chart["low95"].split()) == 1  # only the on-hand point: no bound to draw


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    ws = tmp_path_factory.mktemp("bound") / "ws"
    shop = generate(seed=7, n_products=300, n_users=300, days=60)
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    components = [("catalog", build_catalog), ("forecast", build_forecast)]
    manifest = build_release(ws, components, settings={"forecast": {"horizon": 14}}, force=True)
    return ws, ws / "releases" / manifest["id"]


def test_every_stocked_product_gets_its_bound_and_the_pages_show_it(release) -> None:
    ws, folder = release
    fc = pl.read_parquet(folder / "forecast" / "forecast.parquet")
    stocked = fc.filter(pl.col("stock_expected").is_not_null())
    assert stocked.height > 1000
    assert stocked["stock_low95"].null_count() == 0
    assert (stocked["stock_low95"] <= stocked["stock_expected"] + 1e-9).all()
    # a product whose sales began after the first backtest cut: the latest first sale
    hist = (
        pl.read_parquet(folder / "forecast" / "history.parquet")
        .drop_nulls("value")
        .filter(pl.col("value") > 0)
    )
    late = hist.group_by("product_id").agg(pl.col("date").min()).sort("date")["product_id"][-1]
    key = KeyStore(ws).add("t-read", "read")
    with TestClient(create_app(ws, {"poll_seconds": 60})) as c:
        page = c.get("/dashboard/inventory", params={"product": late}, headers={"X-API-Key": key})
    assert page.status_code == 200 and 'id="stock-chart"' in page.text
    out = CliRunner().invoke(app, ["forecast", "-w", str(ws), "--product", late])
    assert out.exit_code == 0, out.output
    assert out.output.count("\n") >= 14


def _big_seller_among_tiny_series() -> Panel:
    """40 lumpy series selling 1 unit a few days and one wholesale order of 60 in the backtest windows
    (tiny scale, huge scaled error), and a lumpy big seller (500-2999 units on 35 % of days)."""
    rng = np.random.default_rng(3)
    T, tiny = 120, 40
    y = np.zeros((tiny + 1, T))
    for i in range(tiny):
        y[i, rng.choice(T, 6, replace=False)] = 1.0
        y[i, rng.integers(T - 56, T)] = 60.0
    y[-1] = np.where(rng.random(T) < 0.35, rng.integers(500, 3000, T), 0).astype(float)
    ids = [f"p{i:03d}" for i in range(tiny)] + ["BIG"]
    return Panel(ids=ids, dates=np.datetime64("2026-06-01") + np.arange(T), y=y)


def test_a_lumpy_big_seller_among_tiny_series_gets_a_bound_of_its_own_order(tmp_path) -> None:
    panel = _big_seller_among_tiny_series()
    ctx = SimpleNamespace(products=pl.DataFrame({"product_id": panel.ids, "stock": [1e5] * panel.n}))
    cfg = ForecastSettings()
    facts = _fit_and_save(ctx, cfg, panel, tmp_path)
    fc = pl.read_parquet(tmp_path / "forecast.parquet")
    assert fc.height == panel.n * cfg.horizon  # one row per product and step, as before
    assert fc.columns == [
        *("product_id", "step", "date", "mean", "lo80", "hi80", "lo95", "hi95"),
        *("stock_expected", "stock_low95"),
    ]
    big = fc.filter(pl.col("product_id") == "BIG").sort("step")
    peak = float(panel.y[-1].max())
    demand95 = 1e5 - big["stock_low95"].to_numpy()  # the bound of cumulative demand
    days = np.arange(1, cfg.horizon + 1)
    # before: 1.18 million units at 28 days (the class's tiny series' scaled tail x the big seller's scale)
    assert np.all(demand95 <= BOUND_CAP * days * peak + 1e-6)
    assert demand95[-1] < 500_000
    assert np.all(big["stock_low95"].to_numpy() <= big["stock_expected"].to_numpy() + 1e-9)
    assert facts["stock_bound"]["capped_products"] >= 1
    assert facts["stock_bound"]["cap_factor"] == BOUND_CAP


def test_the_cap_leaves_sane_bounds_alone_and_never_goes_below_the_forecast() -> None:
    y = np.array([[0.0, 2.0, 1.0], [np.nan, np.nan, 0.0]])  # the second: no sale yet (peak floored at 1)
    upper = np.array([[3.0, 50.0, 60.0], [9.0, 2.0, 3.0]])
    expected = np.array([[1.0, 2.0, 40.0], [0.5, 1.0, 1.5]])
    capped, n = cap_bound(upper, y, expected)
    np.testing.assert_allclose(capped, [[3.0, 20.0, 40.0], [5.0, 2.0, 3.0]])
    assert n == 2
