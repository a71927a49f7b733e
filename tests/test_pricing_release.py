"""The pricing release component and its API (issue 16 item 1): suggestions built from a seeded
synthetic store with known elasticities and real price variation, versioned with the release."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.demo.generator import generate
from shopmind.pricing.release import build_pricing
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.release.releases import ReleaseError
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.store.store import Store

COMPONENTS = [("catalog", build_catalog), ("pricing", build_pricing)]
START = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)
CURRENCY = {0: "USD", 1: "USD", 2: "JPY"}  # a zero-decimal currency checks the minor-unit rounding


def _batch(seed: int = 3, per_cat: int = 8, weeks: int = 40) -> tuple[Batch, dict[str, float]]:
    """Weekly purchases of 3 categories with known elasticities (-1.5, -2.5, -3.5 +- 0.3); each
    product's price moves +-15 % week to week (log-normal) around its list price."""
    rng = np.random.default_rng(seed)
    prods, events, truth = [], [], {}
    n = 0
    for c in range(3):
        for i in range(per_cat):
            pid = f"P{c}{i:02d}"
            b = -1.5 - c + rng.normal(0, 0.3)
            truth[pid] = b
            p0 = float(rng.uniform(5, 40)) * (100 if CURRENCY[c] == "JPY" else 1)
            prods.append((pid, f"Thing {pid}", f"Cat{c} > Sub", CURRENCY[c], round(p0, 2)))
            for t in range(weeks):
                p = round(p0 * math.exp(rng.normal(0, 0.15)), 0 if CURRENCY[c] == "JPY" else 2)
                q = int(rng.poisson(40 * (p / p0) ** b))
                if q:
                    n += 1
                    ts = START + dt.timedelta(weeks=t, hours=int(rng.integers(0, 48)))
                    events.append((f"E{n}", "purchase", ts, f"U{n % 50}", pid, q, p, CURRENCY[c], f"O{n}"))
    products = pl.DataFrame(
        prods, schema=["product_id", "title", "category_path", "currency", "price"], orient="row"
    )
    ev = pl.DataFrame(
        events,
        schema=["event_id", "type", "timestamp", "user_id", "item_id", "quantity", "price", "currency", "order_id"],
        orient="row",
    )  # fmt: skip
    return Batch("pricing-synthetic", products=products, events=ev), truth


def _publish(path, batch) -> None:
    with Store(path) as store:
        gate = GateConfig()
        publish(run_gate(batch, gate, store), store, gate, None, force=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = tmp_path_factory.mktemp("pricing") / "ws"
    batch, truth = _batch()
    _publish(ws, batch)
    settings = {"pricing": {"max_change": 0.1, "ending": ".99", "default_cost_ratio": 0.5}}
    manifest = build_release(ws, COMPONENTS, settings=settings, force=True)
    key = KeyStore(ws).add("t-read", "read")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        yield c, {"X-API-Key": key}, ws / "releases" / manifest["id"], manifest, truth


def test_build_records_suggestions_within_guardrails(served) -> None:
    _c, _h, folder, manifest, truth = served
    facts = manifest["components"]["pricing"]
    assert facts["pricing"] == "built" and facts["products"] == 24, facts
    rows = pl.read_parquet(folder / "pricing" / "suggestions.parquet")
    assert set(rows["item_id"]) == set(truth)
    cover = np.mean(
        [r["elasticity_lo"] <= truth[r["item_id"]] <= r["elasticity_hi"] for r in rows.iter_rows(named=True)]
    )
    assert cover >= 0.8
    changed = rows.filter(pl.col("action") == "change")
    assert changed.height == facts["changed"] and changed.height >= 5
    ratio = changed["suggested_price"] / changed["current_price"]
    assert ((ratio - 1).abs() <= 0.1 + 1e-9).all()
    assert (changed["profit_change_lo"] <= changed["profit_change"] + 1e-12).all()
    assert (changed["profit_change"] <= changed["profit_change_hi"] + 1e-12).all()
    # the current prices break the .99 ending, so a change can be forced by the ending rule and
    # lose (P106: 4.63 -> 4.99 is the only .99 price within 10 %); its reason must say so
    free = changed.filter(pl.col("expected_gain") > 0)
    forced = changed.filter(pl.col("expected_gain") <= 0)
    assert free.height >= 15 and (free["reason"] == "higher expected profit").all()
    assert forced["reason"].str.starts_with("current price breaks ending").all()
    # cost = 50 % of price: the profit optimum p* = c b / (1 + b) is above p0 iff b > -2
    for r in free.iter_rows(named=True):
        assert (r["suggested_price"] > r["current_price"]) == (r["elasticity"] > -2), r
    meta = json.loads((folder / "pricing" / "pricing.json").read_text(encoding="utf-8"))
    assert meta["settings"]["ending"] == ".99" and meta["level"] == 0.95


def test_list_pages_filters_and_rounds_money(served) -> None:
    c, h, _folder, manifest, _ = served
    r = c.get("/v1/pricing/suggestions", params={"limit": 5}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 24 and len(body["items"]) == 5 and body["release"] == manifest["id"]
    ids = [i["product_id"] for i in body["items"]]
    nxt = c.get("/v1/pricing/suggestions", params={"limit": 5, "offset": 5}, headers=h).json()
    assert ids == sorted(ids) and not set(ids) & {i["product_id"] for i in nxt["items"]}
    jp = c.get("/v1/pricing/suggestions", params={"category": "Cat2", "limit": 100}, headers=h).json()
    assert jp["total"] == 8 and all(i["category"] == "Cat2" and i["currency"] == "JPY" for i in jp["items"])
    for item in jp["items"]:  # JPY has no minor unit: whole yen
        assert item["current_price"] == int(item["current_price"])
        assert item["suggested_price"] == int(item["suggested_price"])
    usd = c.get("/v1/pricing/suggestions", params={"category": "Cat0", "action": "change"}, headers=h).json()
    for item in usd["items"]:
        assert round(item["suggested_price"] * 100) % 100 == 99  # the .99 ending
        assert item["elasticity"]["lo"] <= item["elasticity"]["estimate"] <= item["elasticity"]["hi"]
        assert isinstance(item["bound_by"], list)


def test_one_product_has_a_demand_curve_and_bad_input_names_the_field(served) -> None:
    c, h, _folder, _m, _ = served
    r = c.get("/v1/pricing/suggestions/P000", headers=h)
    assert r.status_code == 200
    one = r.json()
    curve = one["demand_curve"]
    assert len(curve) == 41 and all(p["lo"] <= p["qty"] <= p["hi"] for p in curve)
    qty = [p["qty"] for p in curve]
    assert qty == sorted(qty, reverse=True)  # demand falls with price
    r = c.get("/v1/pricing/suggestions/NOPE", headers=h)
    assert r.status_code == 404 and r.json()["error"]["field"] == "product_id"
    r = c.get("/v1/pricing/suggestions", params={"limit": 0}, headers=h)
    assert r.status_code in (400, 422) and "limit" in r.text
    assert c.get("/v1/pricing/suggestions").status_code == 401
    doc = c.get("/openapi.json").json()["paths"]
    assert "404" in doc["/v1/pricing/suggestions"]["get"]["responses"]


def test_no_price_variation_says_so_and_bad_settings_name_the_key(tmp_path) -> None:
    ws = tmp_path / "ws"
    shop = generate(seed=7, n_products=120, n_users=150, days=70)
    # the demo's prices move since session 33 (demo/prices.py): a shop whose never do, each product at one price
    still = shop.batch.events.with_columns(pl.col("price").max().over("item_id"))
    _publish(ws, replace(shop.batch, events=still))
    m = build_release(ws, COMPONENTS, settings={}, force=True)
    facts = m["components"]["pricing"]
    assert facts["pricing"] == "skipped" and "no price variation" in facts["reason"], facts
    off = build_release(ws, COMPONENTS, settings={"pricing": {"enabled": False}}, force=True)
    assert off["components"]["pricing"]["pricing"] == "off"
    with pytest.raises(ReleaseError, match="max_chnage"):
        build_release(ws, COMPONENTS, settings={"pricing": {"max_chnage": 0.1}}, force=True)
    with pytest.raises(ReleaseError, match="pricing.apply"):
        build_release(ws, COMPONENTS, settings={"pricing": {"apply": "always"}}, force=True)
    key = KeyStore(ws).add("t", "read")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        r = c.get("/v1/pricing/suggestions", headers={"X-API-Key": key})
        assert r.status_code == 404 and "enabled = false" in r.json()["error"]["message"]
        # the dashboard says it as a note, not in an error's red: nothing is wrong with the shop
        page = c.get("/dashboard/pricing", headers={"X-API-Key": key}).text
        assert '<p class="muted" id="pricing-error">' in page and "enabled = false" in page


def test_dashboard_draws_the_served_suggestion(served) -> None:
    c, h, _folder, _m, _ = served
    assert c.get("/dashboard/pricing").status_code == 401  # sign-in page without a key
    r = c.get("/dashboard/pricing", params={"product": "P000"}, headers=h)
    assert r.status_code == 200 and "<script>" not in r.text and "P000: demand vs price" in r.text
    one = c.get("/v1/pricing/suggestions/P000", headers=h).json()
    # written as the storefront writes a price ("$15.10", not "15.1 USD"), the suggestion too
    price = f"${one['current_price']:,.2f}"
    assert f"current price {price}" in r.text and f"suggested ${one['suggested_price']:,.2f}" in r.text
    assert r.text.count("<tr><td><a href=") == 24 and 'class="suggested"' in r.text
    bad = c.get("/dashboard/pricing", params={"product": "NOPE"}, headers=h)
    assert "no price suggestion for product &#39;NOPE&#39;" in bad.text


def test_product_cost_and_competitor_price_from_catalog_attributes(tmp_path) -> None:
    """A product's own cost (min margin) and competitor price (competitor bound) reach the built
    suggestions through its catalog attributes; an unreadable value is skipped and counted."""
    batch, _truth = _batch(seed=4)
    prices = dict(batch.products.select("product_id", "price").iter_rows())
    attrs = []
    for pid in batch.products["product_id"]:
        p = prices[pid]
        if pid == "P000":
            attrs.append([{"key": "cost", "value": "n/a"}])
        else:  # cost 80 % of the list price: a 20 % minimum margin leaves no room below it
            attrs.append([{"key": "cost", "value": f"{0.8 * p:.2f}"},
                          {"key": "competitor_price", "value": f"{p:.2f}"}])  # fmt: skip
    products = batch.products.with_columns(
        pl.Series("attributes", attrs, dtype=pl.List(pl.Struct({"key": pl.Utf8, "value": pl.Utf8})))
    )
    ws = tmp_path / "ws"
    _publish(ws, Batch("pricing-terms", products=products, events=batch.events))
    settings = {"pricing": {"max_change": 0.1, "min_margin": 0.2, "competitor_max_ratio": 1.05,
                            "default_cost_ratio": 0.3}}  # fmt: skip
    manifest = build_release(ws, COMPONENTS, settings=settings, force=True)
    facts = manifest["components"]["pricing"]
    assert facts["with_product_terms"] == 23, facts
    folder = ws / "releases" / manifest["id"] / "pricing"
    meta = json.loads((folder / "pricing.json").read_text(encoding="utf-8"))
    assert meta["unreadable_terms"] == 1
    rows = pl.read_parquet(folder / "suggestions.parquet")
    own = rows.filter(pl.col("item_id") != "P000").with_columns(
        pl.col("item_id").replace_strict(prices, return_dtype=pl.Float64).alias("list_price")
    )
    assert ((own["cost"] - 0.8 * own["list_price"]).abs() <= 0.006).all()  # the attribute, not 0.3 x
    changed = own.filter(pl.col("action") == "change")
    assert changed.height > 0
    assert ((changed["suggested_price"] - changed["cost"]) >= 0.2 * changed["suggested_price"] - 1e-9).all()
    assert (changed["suggested_price"] <= 1.05 * changed["list_price"] + 1e-6).all()  # competitor bound
    p000 = rows.filter(pl.col("item_id") == "P000").row(0, named=True)
    assert p000["cost"] == pytest.approx(0.3 * p000["current_price"])  # default ratio when unreadable


def test_stock_history_reaches_the_build_and_a_bad_one_fails_naming_the_key(tmp_path) -> None:
    """``[pricing] stock_history``: the served suggestions control stock-outs too (the store keeps
    only the current stock); a missing file or column fails the build naming the key."""
    batch, _truth = _batch(seed=5, weeks=30)
    out = (pl.col("item_id") == "P000") & pl.col("timestamp").is_between(
        START + dt.timedelta(days=70), START + dt.timedelta(days=98), closed="left"
    )
    batch = Batch(batch.source, products=batch.products, events=batch.events.filter(~out))
    ws = tmp_path / "ws"
    _publish(ws, batch)
    days = [(START + dt.timedelta(days=d)).date() for d in range(30 * 7)]
    # P000 is out of stock for the whole of weeks 10-13
    stock = pl.DataFrame(
        {"item_id": "P000", "date": days, "stock": [0 if 70 <= d < 98 else 5 for d in range(len(days))]}
    )
    stock.write_csv(tmp_path / "inv.csv")
    rails = {"max_change": 0.1, "default_cost_ratio": 0.5}
    manifest = build_release(
        ws,
        COMPONENTS,
        settings={"pricing": {**rails, "stock_history": str(tmp_path / "inv.csv")}},
        force=True,
    )
    facts = manifest["components"]["pricing"]
    assert facts["pricing"] == "built" and facts["stock_out_weeks"] == 4, facts
    (tmp_path / "bad.csv").write_text("item_id,day,stock\nP000,2026-01-05,3\n")
    for path, needle in ((tmp_path / "nope.csv", "no file"), (tmp_path / "bad.csv", "missing column 'date'")):
        with pytest.raises(ReleaseError, match=rf"pricing\.stock_history: .*{needle}"):
            build_release(
                ws, COMPONENTS, settings={"pricing": {**rails, "stock_history": str(path)}}, force=True
            )


def test_dashboard_in_chinese(served) -> None:
    """A Chinese shop's merchandiser reads the same page in Chinese: words from the catalog, the
    suggestions' reasons re-worded (numbers kept), product ids as they are."""
    c, h, _folder, _m, _ = served
    r = c.get("/dashboard/pricing", params={"product": "P000", "lang": "zh"}, headers=h)
    assert r.status_code == 200 and r.headers["content-language"] == "zh-Hans"
    assert "P000：需求与价格" in r.text and "调价建议（24）" in r.text and "原因" in r.text
    assert "higher expected" not in r.text and "预期利润更高" in r.text
    assert "中文" in r.text and 'href="/dashboard/pricing?product=P000&amp;lang=en"' in r.text
    c.cookies.clear()
