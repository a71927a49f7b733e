"""Forecasts built into a release and served (issue 14 item 5): a small demo shop through the gate,
a release with the ``forecast`` component, and the routes answering from its saved files."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.forecast.release import build_forecast
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.release.releases import ReleaseError
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.store.store import Store

COMPONENTS = [("catalog", build_catalog), ("forecast", build_forecast)]


def _workspace(path, days: int = 60):
    shop = generate(seed=7, n_products=300, n_users=300, days=days)
    with Store(path) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = _workspace(tmp_path_factory.mktemp("fc") / "ws")
    settings = {"forecast": {"horizon": 14, "lead_time_days": 5, "review_days": 7}}
    manifest = build_release(ws, COMPONENTS, settings=settings, force=True)
    keys = KeyStore(ws)
    key = keys.add("t-read", "read")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        yield c, {"X-API-Key": key}, ws / "releases" / manifest["id"], manifest


def test_build_records_forecast_facts_and_files(served) -> None:
    _c, _h, folder, manifest = served
    facts = manifest["components"]["forecast"]
    assert facts["forecast"] == "built" and facts["horizon"] == 14 and facts["grain"] == "D"
    fc = pl.read_parquet(folder / "forecast" / "forecast.parquet")
    assert fc.height == facts["products"] * 14 and facts["products"] > 100
    assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] <= fc["hi80"]).all()
    assert (fc["hi80"] <= fc["hi95"]).all() and (fc["lo80"] <= fc["mean"] + 1e-9).all()
    # unit demand is counted: the bands are a negative binomial's quantiles, whole units
    meta = json.loads((folder / "forecast" / "forecast.json").read_text(encoding="utf-8"))
    assert meta["intervals"] == "negative binomial" and set(meta["pooled"]) == set(meta["members"])
    assert (fc["hi95"] == fc["hi95"].round()).all() and (fc["lo80"] == fc["lo80"].round()).all()
    assert fc["date"].min() > pl.read_parquet(folder / "forecast" / "history.parquet")["date"].max()
    # a product's policy spread is never below what its own 80 % band implies (a product whose sales
    # began after the backtest cut has ~0 backtest error and used to get no safety stock)
    pol = pl.read_parquet(folder / "forecast" / "policy.parquet")
    step1 = fc.filter(pl.col("step") == 1).join(pol, on="product_id")
    assert (step1["sigma_daily"] >= (step1["hi80"] - step1["mean"]) / 1.2816 - 1e-9).all()


def test_product_forecast_matches_the_saved_files(served) -> None:
    c, h, folder, _ = served
    fc = pl.read_parquet(folder / "forecast" / "forecast.parquet")
    pid = fc.group_by("product_id").agg(pl.col("mean").sum()).sort("mean", descending=True)["product_id"][0]
    body = c.get(f"/v1/forecast/{pid}", headers=h).json()
    mine = fc.filter(pl.col("product_id") == pid).sort("step")
    assert [r["mean"] for r in body["forecast"]] == pytest.approx(mine["mean"].to_list())
    assert [r["hi95"] for r in body["forecast"]] == pytest.approx(mine["hi95"].to_list())
    assert [r["date"] for r in body["forecast"]] == [str(d) for d in mine["date"].to_list()]
    stock = pl.read_parquet(folder / "catalog" / "products.parquet").filter(pl.col("product_id") == pid)
    on_hand = float(stock["stock"][0])
    assert body["stock"]["on_hand"] == on_hand
    expected = on_hand - np.cumsum(mine["mean"].to_numpy())
    assert [p["expected"] for p in body["stock"]["projection"]] == pytest.approx(expected.tolist())
    assert all(p["low95"] <= p["expected"] + 1e-9 for p in body["stock"]["projection"])
    hist = pl.read_parquet(folder / "forecast" / "history.parquet").filter(pl.col("product_id") == pid)
    assert [r["value"] for r in body["history"]] == hist["value"].to_list()  # None before the first sale
    assert len(body["history"]) == hist.height and 55 <= hist.height <= 61  # min(90 shown, 60 days)
    assert any(r["value"] for r in body["history"])


def test_reorder_list_is_sorted_by_risk_and_csv_equals_the_release_file(served) -> None:
    c, h, folder, _ = served
    body = c.get("/v1/inventory/reorder", headers=h).json()
    items = body["items"]
    assert items and body["total"] == len(items)
    risks = [r["stockout_risk"] for r in items]
    assert risks == sorted(risks, reverse=True)
    assert all(r["order_qty"] > 0 and r["on_hand"] <= r["reorder_point"] + 1e-6 for r in items)
    assert body["policy"] == {"service_level": 0.95, "lead_time_days": 5, "review_days": 7}
    r = c.get("/v1/inventory/reorder", params={"format": "csv"}, headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text == (folder / "forecast" / "reorder.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["product_id"] for x in rows] == [x["product_id"] for x in items]
    assert [int(x["order_qty"]) for x in rows] == [x["order_qty"] for x in items]
    top = c.get("/v1/inventory/reorder", params={"limit": 2}, headers=h).json()
    assert top["items"] == items[:2] and top["total"] == len(items)
    # an item's policy in the product route agrees with the list
    one = c.get(f"/v1/forecast/{items[0]['product_id']}", headers=h).json()
    assert one["policy"]["order_qty"] == items[0]["order_qty"]


def test_unknown_product_404_auth_required_and_bad_format(served) -> None:
    c, h, _folder, _ = served
    r = c.get("/v1/forecast/NOPE-1", headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_product"
    assert r.json()["error"]["field"] == "product_id" and "NOPE-1" in r.json()["error"]["message"]
    assert c.get("/v1/forecast/NOPE-1").status_code == 401
    assert c.get("/v1/inventory/reorder").status_code == 401
    assert c.get("/v1/inventory/reorder", headers={"X-API-Key": "sm_wrong"}).status_code == 401
    assert c.get("/v1/inventory/reorder", params={"format": "xml"}, headers=h).status_code == 400
    doc = c.get("/openapi.json").json()["paths"]
    assert "404" in doc["/v1/inventory/reorder"]["get"]["responses"]
    assert "404" in doc["/v1/forecast/{product_id}"]["get"]["responses"]


def test_a_mistyped_id_is_told_from_a_product_that_never_sold(served) -> None:
    """An id the catalog does not hold was answered "it has no accepted sales" (API, page and
    CLI), which sends a user with a typo looking for missing sales data."""
    from typer.testing import CliRunner

    from shopmind.cli import app

    c, h, folder, _ = served
    catalog = set(pl.read_parquet(folder / "catalog" / "products.parquet")["product_id"].to_list())
    sold = set(pl.read_parquet(folder / "forecast" / "forecast.parquet")["product_id"].to_list())
    unsold = sorted(catalog - sold)[0]
    typo = c.get("/v1/forecast/P-TYPO", headers=h).json()["error"]
    assert (
        typo["code"] == "unknown_product"
        and typo["message"] == "no product 'P-TYPO' in this release's catalog"
    )
    never = c.get(f"/v1/forecast/{unsold}", headers=h).json()["error"]
    assert never["code"] == "unknown_product" and "no accepted sales" in never["message"]
    ws = folder.parent.parent
    r = CliRunner().invoke(app, ["forecast", "-w", str(ws), "--product", "P-TYPO"])
    assert r.exit_code == 2 and "no product 'P-TYPO' in the current release's catalog" in r.output
    r = CliRunner().invoke(app, ["forecast", "-w", str(ws), "--product", unsold])
    assert r.exit_code == 2 and "no accepted sales" in r.output
    page = c.get("/dashboard/inventory", params={"product": unsold}, headers=h).text
    assert "no accepted sales in the history" in page


def test_off_switch_short_history_and_unknown_setting(tmp_path) -> None:
    ws = _workspace(tmp_path / "ws", days=20)
    off = build_release(ws, COMPONENTS, settings={"forecast": {"enabled": False}}, force=True)
    assert off["components"]["forecast"] == {**off["components"]["forecast"], "forecast": "off"}
    assert not (ws / "releases" / off["id"] / "forecast" / "forecast.json").exists()
    short = build_release(ws, COMPONENTS, settings={}, force=True)
    facts = short["components"]["forecast"]
    assert facts["forecast"] == "skipped" and "min_periods 28" in facts["reason"]
    with pytest.raises(ReleaseError, match="horizn"):
        build_release(ws, COMPONENTS, settings={"forecast": {"horizn": 3}}, force=True)
    with pytest.raises(ReleaseError, match="grain"):
        build_release(ws, COMPONENTS, settings={"forecast": {"grain": "M"}}, force=True)
    key = KeyStore(ws).add("t-read", "read")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        r = c.get("/v1/inventory/reorder", headers={"X-API-Key": key})
        assert r.status_code == 404 and r.json()["error"]["code"] == "no_forecast"
        assert "min_periods" in r.json()["error"]["message"]
        assert (
            c.get("/v1/forecast/P00001", headers={"X-API-Key": key}).json()["error"]["code"] == "no_forecast"
        )


def test_storefront_key_may_not_read_stock_plans(served) -> None:
    c, _h, folder, _ = served
    ws = folder.parent.parent
    shop_key = KeyStore(ws).add("t-shop", "storefront")
    r = c.get("/v1/inventory/reorder", headers={"X-API-Key": shop_key})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_inventory_dashboard_draws_the_served_figures(served) -> None:
    """The page (server-side SVG, no inline script) lists the reorder rows the API answers and
    plots the chosen product: one history point per day, one forecast point per step."""
    import re

    c, h, _folder, manifest = served
    assert c.get("/dashboard/inventory").status_code == 401  # the sign-in page
    items = c.get("/v1/inventory/reorder", headers=h).json()["items"]
    page = c.get("/dashboard/inventory", headers=h)
    assert page.status_code == 200
    html = page.text
    assert f"Reorder now ({len(items)})" in html
    for r in items[:5]:
        assert f"?product={r['product_id']}" in html
    # each row and the chosen product name the product, not only its id (a planner orders by name)
    import polars as pl
    from markupsafe import escape

    titles = dict(
        pl.read_parquet(_folder / "catalog" / "products.parquet").select("product_id", "title").iter_rows()
    )
    rows = re.findall(
        r'<tr><td><a href="/dashboard/inventory\?product=[^"]*" translate="no">([^<]*)</a>(.*?)</td>', html
    )
    assert len(rows) == min(len(items), 50)
    for pid, cell in rows:
        assert f'class="reorder-title" translate="no" title="{escape(titles[pid])}"' in cell, (
            pid,
            cell,
        )
    assert f'id="product-title" translate="no" title="{escape(titles[items[0]["product_id"]])}"' in html
    body = c.get(f"/v1/forecast/{items[0]['product_id']}", headers=h).json()
    hist = re.search(r'class="history" points="([^"]*)"', html).group(1).split()
    mean = re.search(r'class="mean" points="([^"]*)"', html).group(1).split()
    assert len(hist) == sum(v["value"] is not None for v in body["history"])
    assert len(mean) == manifest["components"]["forecast"]["horizon"]
    assert re.search(r'class="band95" points="[^"]+"', html) and 'id="stock-chart"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (strict CSP)
    other = c.get("/dashboard/inventory", params={"product": "NOPE<b>"}, headers=h).text
    assert (
        "no product &#39;NOPE&lt;b&gt;&#39; in this release&#39;s catalog" in other and "NOPE<b>" not in other
    )


def test_cli_forecast_prints_the_reorder_list_and_writes_the_same_csv(served, tmp_path) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    _c, _h, folder, _ = served
    ws = folder.parent.parent
    target = tmp_path / "reorder.csv"
    r = CliRunner().invoke(app, ["forecast", "-w", str(ws), "--csv", str(target), "--top", "3"])
    assert r.exit_code == 0, r.output
    assert target.read_text(encoding="utf-8") == (folder / "forecast" / "reorder.csv").read_text(
        encoding="utf-8"
    )
    first = next(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert first["product_id"] in r.output and "to reorder now" in r.output
    one = CliRunner().invoke(app, ["forecast", "-w", str(ws), "--product", first["product_id"]])
    assert one.exit_code == 0 and one.output.count("\n") >= 14  # header lines + one line per step
    bad = CliRunner().invoke(app, ["forecast", "-w", str(ws), "--product", "NOPE-1"])
    assert bad.exit_code == 2 and "NOPE-1" in bad.output and "Traceback" not in bad.output
    empty = CliRunner().invoke(app, ["forecast", "-w", str(tmp_path / "none")])
    assert empty.exit_code == 2 and "shopmind build" in empty.output


def test_inventory_dashboard_in_chinese(served) -> None:
    """The planner's page in Chinese: headings, plot titles and the reorder table from the catalog;
    an unknown product's error too."""
    c, h, _folder, _m = served
    items = c.get("/v1/inventory/reorder", headers=h).json()["items"]
    page = c.get("/dashboard/inventory", params={"lang": "zh"}, headers=h).text
    assert f"立即补货（{len(items)}）" in page and "<title>95% 区间</title>" in page and "缺货风险" in page
    assert "Reorder now" not in page and "sold per day" not in page
    other = c.get("/dashboard/inventory", params={"product": "NOPE"}, headers=h).text  # the cookie keeps zh
    assert "此版本的商品目录中没有商品“NOPE”" in other
    c.cookies.clear()
