"""`shopmind experiments readout` of an A/B test from the workspace alone (issue 15, round 8 item 2).

The workspace has a built release (its catalog holds the served prices), a running experiment, its
exposure log and a live event log whose purchases mostly carry neither price nor quantity, as a
storefront logs them. The readout takes the price from the served catalog (with a later live price
change applied), a quantity of 1, says how many events were filled, and keeps ``--events`` as an
override. Revenue per unit is checked against sums computed here by hand.
"""

from __future__ import annotations

import json
import random

import polars as pl
import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.experiments import registry
from shopmind.experiments.assign import Assigner
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.exposure import ExposureLog
from shopmind.experiments.live_events import read_live_events, served_amounts, served_prices
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.serve.schemas import EventIn
from shopmind.store.livelog import EventLog
from shopmind.store.store import Store

DEFS = {
    "holdout": 0.0,
    "experiment": [
        {"name": "ab", "layer": "search", "status": "running", "traffic": 1.0,
         "variant": [{"name": "control"}, {"name": "treatment", "overrides": {"search": {"ltr": "off"}}}]},
    ],
}  # fmt: skip


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A catalog-only release, the experiment, 300 exposed users and their live events; returns the
    workspace and the revenue per variant a correct readout must find."""
    ws = tmp_path_factory.mktemp("live-readout") / "ws"
    batch = generate(seed=3, n_products=60, n_users=30, days=10).batch
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(batch, gate, store), store, gate, None, force=True)
    build_release(ws, [("catalog", build_catalog)], settings={}, force=True)
    exps = parse_experiments(DEFS)
    registry.save(ws, exps)
    prices = served_prices(ws)
    assert len(prices) >= 30
    items = sorted(prices)
    repriced = items[0]  # a live price change after the release: purchases take the new price
    log = EventLog(ws)
    log.append_products([(repriced, "upsert", {"product_id": repriced, "price": 123.0})])
    prices[repriced] = 123.0

    assigner = Assigner(exps)
    exposures = ExposureLog(ws, flush_seconds=3600)
    rng = random.Random(0)
    currency = {pid: cur for pid, (_p, cur) in served_amounts(ws).items()}
    assert len(set(currency.values())) == 2  # the demo lists in USD and CNY: revenue is per currency
    revenue: dict[tuple[str, str], float] = {}
    units = {"control": 0, "treatment": 0}
    counts = {"purchases": 0, "from_catalog": 0, "qty_default": 0, "unpriced": 0}
    events = []
    for u in range(300):
        user, sid = f"u{u}", f"s{u}"
        got = assigner.assign(user, sid)
        variant = got[0].variant
        units[variant] += 1
        exposures.record(got, user, sid, f"r{u}", "search", 10)
        # treatment buys more often: a real difference for the readout to carry through
        if rng.random() < (0.5 if variant == "treatment" else 0.3):
            item = items[rng.randrange(len(items))] if u % 7 else repriced
            ev = {
                "event_id": f"p{u}",
                "type": "purchase",
                "user_id": user,
                "session_id": sid,
                "item_id": item,
            }
            counts["purchases"] += 1
            if u % 5 == 0:  # a shop's own logging with amounts: kept as logged
                ev |= {"price": 2.5, "quantity": 3}  # in its product's currency
                revenue[variant, currency[item]] = revenue.get((variant, currency[item]), 0.0) + 7.5
            else:
                counts["from_catalog"] += 1
                counts["qty_default"] += 1
                revenue[variant, currency[item]] = revenue.get((variant, currency[item]), 0.0) + prices[item]
            events.append(EventIn.model_validate(ev).record())
        if u == 1:  # a product the catalog never had: no price to take, counts 0
            ev = {
                "event_id": "ghost",
                "type": "purchase",
                "user_id": user,
                "session_id": sid,
                "item_id": "nope",
            }
            events.append(EventIn.model_validate(ev).record())
            counts["purchases"] += 1
            counts["qty_default"] += 1
            counts["unpriced"] += 1
        events.append(EventIn.model_validate(
            {"event_id": f"c{u}", "type": "click", "user_id": user, "session_id": sid, "item_id": items[0],
             "request_id": f"r{u}"}).record())  # fmt: skip
    # the readout reads events up to the last exposure: one more shopper searches after them all
    last = assigner.assign("u-last", "s-last")
    units[last[0].variant] += 1
    exposures.record(last, "u-last", "s-last", "r-last", "search", 10)
    exposures.close()
    log.append_events(events)
    log.close()
    expected = {(v, c): revenue.get((v, c), 0.0) / units[v] for v in units for c in set(currency.values())}
    return ws, expected, counts


def _metric(body: dict, name: str) -> dict:
    return next(m for m in body["metrics"] if m["metric"] == name)


def test_readout_from_the_live_log_alone(shop):
    ws, expected, counts = shop
    live = read_live_events(ws)
    assert (live.purchases, live.priced_from_catalog, live.quantity_defaulted, live.unpriced) == (
        counts["purchases"], counts["from_catalog"], counts["qty_default"], counts["unpriced"]
    )  # fmt: skip
    res = run("experiments", "readout", "ab", "-w", str(ws), "--json")
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    rows = [m for m in body["metrics"] if m["metric"] == "revenue_per_user"]
    assert sorted(m["currency"] for m in rows) == sorted({c for _v, c in expected})  # one row per currency
    for m in rows:
        for v in ("control", "treatment"):
            assert m["effect"][v] == pytest.approx(expected[v, m["currency"]], rel=1e-9)
    assert sum(body["allocation"].values()) == 301 and body["blocked"] is False
    notes = " | ".join(body["notes"])
    assert f"{counts['from_catalog']} of {counts['purchases']} purchase event(s) had no price" in notes
    assert f"{counts['qty_default']} of {counts['purchases']} purchase event(s) had no quantity" in notes
    assert "1 of" in notes and "the catalog does not have" in notes
    # every exposure's click names its request: search CTR is 1 in both variants
    assert _metric(body, "search_ctr")["effect"]["control"] == 1.0
    # the table form says the same, before the decision
    res = run("experiments", "readout", "ab", "-w", str(ws))
    assert res.exit_code == 0 and "counted as 1" in res.output and "served catalog" in res.output


def test_events_file_still_overrides_the_live_log(shop, tmp_path):
    ws, _expected, _counts = shop
    live = read_live_events(ws, fill_amounts=False).frame
    # the same events with every purchase at 10 x 1: the readout must read the file, not the log
    frame = live.with_columns(pl.lit(10.0).alias("price"), pl.lit(1).alias("quantity"))
    path = tmp_path / "events.parquet"
    frame.write_parquet(path)
    res = run("experiments", "readout", "ab", "-w", str(ws), "--events", str(path), "--json")
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["notes"] == []
    purchases = frame.filter(pl.col("type") == "purchase")
    buyers = set(purchases["user_id"].to_list())
    rev = _metric(body, "revenue_per_user")["effect"]
    total = (
        rev["control"] * body["allocation"]["control"] + rev["treatment"] * body["allocation"]["treatment"]
    )
    assert total == pytest.approx(10.0 * purchases.height) and len(buyers) <= purchases.height


def test_no_live_log_and_no_events_is_one_line(tmp_path):
    ws = tmp_path / "ws"
    exps = parse_experiments(DEFS)
    registry.save(ws, exps)
    log = ExposureLog(ws, flush_seconds=3600)
    log.record(Assigner(exps).assign("u1", "s1"), "u1", "s1", "r1", "search", 3)
    log.close()
    res = run("experiments", "readout", "ab", "-w", str(ws))
    assert res.exit_code == 2 and "--events" in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
