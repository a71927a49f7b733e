"""Stock-outs as a confounder of price elasticity (issue 16 item 1): a week out of stock is not "no
demand at this price", and a week that sold out on Wednesday sold at a rate, not a low volume."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.pricing import PricingError, estimate, weekly_observations
from shopmind.pricing.elasticity import weekly_availability

START = dt.datetime(2024, 1, 1, 12)


def _sellout_market(seed: int, per_cat: int = 8, weeks: int = 60) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """Stock ~ U(0.6, 1.4) x the demand at the list price, so cut-price weeks sell out (stock-outs
    correlate with price) and 8 % of weeks have no stock at all; end-of-day stock snapshots."""
    rng = np.random.default_rng(seed)
    rows, snaps, truth = [], [], {}
    for c in range(3):
        for i in range(per_cat):
            pid = f"c{c}i{i}"
            b = -1.5 - c + rng.normal(0, 0.3)
            truth[pid] = b
            p0 = rng.uniform(2, 20)
            for t in range(weeks):
                p = round(p0 * math.exp(rng.normal(0, 0.2)), 2)
                q = int(rng.poisson(80 * (p / p0) ** b))
                stock = 0 if rng.random() < 0.08 else int(80 * rng.uniform(0.6, 1.4))
                days_in = 7
                if q > stock:
                    days_in, q = math.floor(7 * stock / q), stock
                for d in range(7):
                    snaps.append((pid, (START + dt.timedelta(weeks=t, days=d)).date(), int(d < days_in)))
                if q > 0:
                    rows.append((pid, START + dt.timedelta(weeks=t), q, p, f"cat{c}", "purchase"))
    ev = pl.DataFrame(
        rows, schema=["item_id", "timestamp", "quantity", "price", "category", "type"], orient="row"
    )
    stock = pl.DataFrame(snaps, schema=["item_id", "date", "in_stock"], orient="row")
    return ev, stock, truth


def _errors(ev: pl.DataFrame, stock: pl.DataFrame | None, truth: dict, model: str) -> tuple[float, float]:
    obs = weekly_observations(ev, ev.select("item_id", "category").unique(), stock=stock)
    est = estimate(obs, model=model)
    err = np.array([e.estimate - truth[e.item_id] for e in est])
    cover = np.mean([e.lo <= truth[e.item_id] <= e.hi for e in est])
    return float(np.mean(np.abs(err))), float(cover)


@pytest.mark.parametrize("model", ["loglog", "poisson"])
def test_stock_history_removes_the_sell_out_bias(model: str) -> None:
    blind, known = [], []
    for seed in range(3):
        ev, stock, truth = _sellout_market(seed)
        blind.append(_errors(ev, None, truth, model))
        known.append(_errors(ev, stock, truth, model))
    mae_blind, mae_known = np.mean([m for m, _ in blind]), np.mean([m for m, _ in known])
    cover_known = np.mean([c for _, c in known])
    # ignoring stock reads sold-out cut-price weeks as weak demand: elasticities pulled toward 0
    assert mae_blind > 0.5, mae_blind
    assert mae_known < 0.6 * mae_blind, (mae_known, mae_blind)
    assert cover_known >= 0.85, cover_known


def test_availability_is_the_share_of_each_week_in_stock() -> None:
    mon = dt.date(2024, 1, 1)  # a Monday
    day = [mon + dt.timedelta(days=d) for d in range(14)]
    stock = pl.DataFrame(
        {
            # units at the end of the day: in stock Mon-Tue, runs out Wed (half a day), restocked the
            # next Monday and never snapshotted again (the state carries forward to the last snapshot)
            "item_id": ["a", "a", "a", "a", "b", "b"],
            "date": [day[0], day[1], day[2], day[7], day[0], day[13]],
            "stock": [5, 2, 0, 9, 0, 0],
        }
    )
    got = {(r["item_id"], r["week"]): r["avail"] for r in weekly_availability(stock).iter_rows(named=True)}
    assert got[("a", mon)] == pytest.approx(2.5 / 7)
    assert got[("a", day[7])] == pytest.approx(1.0)  # one snapshot day: the span ends there
    assert got[("b", mon)] == 0.0 and got[("b", day[7])] == 0.0


def test_an_out_of_stock_week_is_a_row_without_demand_not_zero_demand() -> None:
    mon = dt.datetime(2024, 1, 1, 12)
    ev = pl.DataFrame(
        {
            "item_id": ["a", "a"],
            "timestamp": [mon, mon + dt.timedelta(weeks=2)],
            "quantity": [10, 4],
            "price": [2.0, 2.0],
        }
    )
    days = [(mon + dt.timedelta(days=d)).date() for d in range(21)]
    # week 1 ran out on Sunday; week 2: out of stock all week; week 3: restocked, sold 4 units,
    # ran out on Wednesday
    in_stock = [1] * 6 + [0] + [0] * 7 + [1, 1, 0, 0, 0, 0, 0]
    stock = pl.DataFrame({"item_id": "a", "date": days, "in_stock": in_stock})
    obs = weekly_observations(ev, stock=stock).sort("week")
    assert obs["qty"].to_list() == [10.0, 0.0, 4.0]
    assert obs["avail"].to_list() == pytest.approx([6.5 / 7, 0.0, 2.5 / 7])
    assert obs["price"][1] is None
    assert weekly_observations(ev)["avail"].to_list() == [1.0, 1.0]  # no history: all in stock
    # "none all week" in a week with a sale: restocked and sold out between two snapshots (half a day)
    none = pl.DataFrame({"item_id": "a", "date": days[:7], "in_stock": [0] * 7})
    assert weekly_observations(ev, stock=none).sort("week")["avail"].to_list() == pytest.approx(
        [0.5 / 7, 1.0]
    )


def test_bad_stock_history_names_the_column(tmp_path) -> None:  # noqa: ANN001
    ev = pl.DataFrame({"item_id": ["a"], "timestamp": [START], "quantity": [1], "price": [1.0]})
    with pytest.raises(PricingError, match="stock: missing column 'item_id'"):
        weekly_observations(ev, stock=pl.DataFrame({"sku": ["a"], "date": [START.date()], "stock": [1]}))
    with pytest.raises(PricingError, match="unreadable date"):
        weekly_availability(pl.DataFrame({"item_id": ["a"], "date": ["not a date"], "stock": [1]}))
    ev.write_csv(tmp_path / "ev.csv")
    (tmp_path / "stock.csv").write_text("item_id,day,stock\na,2024-01-01,3\n")
    res = CliRunner().invoke(
        app, ["pricing", "suggest", str(tmp_path / "ev.csv"), "--stock", str(tmp_path / "stock.csv"),
              "--out", str(tmp_path / "rep")],
    )  # fmt: skip
    assert res.exit_code == 2 and "stock: missing column 'date'" in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1


def test_cli_reads_the_stock_history(tmp_path) -> None:  # noqa: ANN001
    ev, stock, _ = _sellout_market(0)
    ev.write_csv(tmp_path / "ev.csv")
    stock.write_csv(tmp_path / "stock.csv")
    out = tmp_path / "rep"
    res = CliRunner().invoke(
        app,
        [
            "pricing",
            "suggest",
            str(tmp_path / "ev.csv"),
            "--stock",
            str(tmp_path / "stock.csv"),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "24 products" in res.output
