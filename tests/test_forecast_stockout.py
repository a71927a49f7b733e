"""Stock-out risk fed back into search and recommendations (issue 14 item 4), on real demo-shop
releases: catalog + search + recs + forecast built from the gate's accepted data, loaded the way
the server loads them (``load_release``) and served through the API."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.forecast.release import build_forecast
from shopmind.forecast.stockout import load_signal, risk_of
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog, build_recs, build_search
from shopmind.release.releases import ReleaseError
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.serve.state import load_release
from shopmind.store.store import Store

COMPONENTS = [
    ("catalog", build_catalog),
    ("search", build_search),
    ("recs", build_recs),
    ("forecast", build_forecast),
]
BASE = {
    "search": {"encoder": None},
    "recs": {"encoder": None},
    # the demo's flagged bulk purchases (EVT_QTY_OUTLIER, 500-5,000 units) kept in demand: they are what puts
    # its best sellers at risk of selling out (42 products, 14 of the cold-start top 30; with the default
    # "leave_out", 20 and none: issue 14), and these tests need popular products at risk
    "forecast": {"horizon": 14, "lead_time_days": 7, "review_days": 7, "flagged": "keep"},
}
QUERIES = ("", "shoes", "phone", "bag", "jacket", "coffee", "手机")


def _settings(**forecast: object) -> dict[str, dict[str, object]]:
    return {**BASE, "forecast": {**BASE["forecast"], **forecast}}


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Three releases of one demo shop: stock-out signal off, de-boost and hide."""
    ws = tmp_path_factory.mktemp("so") / "ws"
    shop = generate(seed=7, n_products=300, n_users=300, days=60)
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    out = {}
    for mode in ("off", "deboost", "hide"):
        manifest = build_release(ws, COMPONENTS, settings=_settings(stockout=mode), force=True)
        out[mode] = ws / "releases" / manifest["id"]
    return ws, out


def _flagged(folder, threshold: float = 0.5) -> set[str]:
    pol = pl.read_parquet(folder / "forecast" / "policy.parquet")
    return set(pol.filter(pl.col("stockout_risk") >= threshold)["product_id"].to_list())


def _ids(engine, q: str, sort: str = "relevance") -> list[str]:
    """Every result of ``q``, page by page (a page holds at most 100)."""
    out: list[str] = []
    page = 1
    while True:
        resp = engine.search(q, sort=sort, page=page, size=100)
        out += resp.ids
        if len(out) >= resp.total or not resp.ids:
            return out
        page += 1


def _without(target, fn):
    """``fn()`` with the stock-out signal detached from ``target`` (the same loaded models)."""
    signal, target.stockout = target.stockout, None
    try:
        return fn()
    finally:
        target.stockout = signal


def test_the_release_exposes_risk_and_the_signal_reproduces_it(releases) -> None:
    _ws, rel = releases
    pol = pl.read_parquet(rel["deboost"] / "forecast" / "policy.parquet").drop_nulls("stockout_risk")
    signal = load_signal(rel["deboost"])
    assert signal is not None and signal.mode == "deboost" and signal.threshold == 0.5
    ids = pol["product_id"].to_list()
    mu = np.array([signal.mu[i] for i in ids])
    sd = np.array([signal.sd[i] for i in ids])
    # at the build's stock the served risk is the policy's (which the API and reorder list show)
    assert risk_of(pol["on_hand"].to_numpy(), mu, sd) == pytest.approx(
        pol["stockout_risk"].to_numpy(), abs=1e-9
    )
    flagged = _flagged(rel["deboost"])
    assert 3 <= len(flagged) < len(ids)  # the demo has products forecast to sell out, and others
    assert load_signal(rel["off"]) is None
    manifest = load_release(rel["hide"]).manifest["components"]["forecast"]
    assert manifest["stockout"] == {"mode": "hide", "threshold": 0.5, "at_risk": len(_flagged(rel["hide"]))}


def test_off_changes_nothing(releases) -> None:
    _ws, rel = releases
    off, on = load_release(rel["off"]), load_release(rel["deboost"])
    assert off.engine.stockout is None and off.recs.stockout is None
    results = {q: (_ids(off.engine, q), off.engine.search(q, size=100).notes) for q in QUERIES}
    recs = [r.item_id for r in off.recs.for_user("no-such-user", k=20)]
    on.engine.stockout = on.recs.stockout = None  # the same models without the signal
    assert {q: (_ids(on.engine, q), on.engine.search(q, size=100).notes) for q in QUERIES} == results
    assert [r.item_id for r in on.recs.for_user("no-such-user", k=20)] == recs


def test_deboost_moves_at_risk_products_down_and_says_so(releases) -> None:
    _ws, rel = releases
    flagged = _flagged(rel["deboost"])
    on = load_release(rel["deboost"])
    moved = 0
    for q in QUERIES:
        new = _ids(on.engine, q)
        base = _without(on.engine, lambda q=q: _ids(on.engine, q))
        assert sorted(new) == sorted(base)  # de-boosted, never hidden
        # each group keeps its own order; an at-risk product never moves up
        assert [p for p in new if p not in flagged] == [p for p in base if p not in flagged]
        assert [p for p in new if p in flagged] == [p for p in base if p in flagged]
        for p in set(new) & flagged:
            assert new.index(p) >= base.index(p)
            moved += new.index(p) > base.index(p)
        first = on.engine.search(q, size=20)
        shown = [p for p in first.ids if p in flagged]
        notes = [n for n in first.notes if n.startswith("stock-out: de-boosted")]
        assert bool(notes) == bool(shown)
        if shown:
            assert f"de-boosted {len(shown)} product(s)" in notes[0]
            assert sum(f"{p} (risk" in notes[0] for p in shown) == min(len(shown), 5)  # the riskiest 5
    assert moved >= 3
    # the best seller first when browsing, if at risk, no longer leads
    base_top = _without(on.engine, lambda: on.engine.search("", size=5).ids)
    if base_top[0] in flagged:
        assert on.engine.search("", size=5).ids[0] != base_top[0]
    # an explicit price sort is the shopper's order: kept
    assert _ids(on.engine, "", "price_asc") == _without(on.engine, lambda: _ids(on.engine, "", "price_asc"))


def test_deboost_in_recommendations_lowers_and_explains(releases) -> None:
    _ws, rel = releases
    flagged = _flagged(rel["deboost"])
    on = load_release(rel["deboost"])
    got = on.recs.for_user("no-such-user", k=30)
    signal, on.recs.stockout = on.recs.stockout, None
    base = on.recs.for_user("no-such-user", k=30)
    on.recs.stockout = signal
    marked = [r for r in got if "stockout" in r.sources]
    assert {r.item_id for r in marked} == {r.item_id for r in got} & flagged
    assert all("de-boosted" in r.reason and "sell out" in r.reason for r in marked)
    base_pos = {r.item_id: i for i, r in enumerate(base)}
    new_pos = {r.item_id: i for i, r in enumerate(got)}
    assert sum(base_pos[p] < new_pos.get(p, 99) for p in base_pos if p in flagged) >= 1
    assert all(new_pos[p] >= base_pos[p] for p in new_pos if p in flagged and p in base_pos)


def test_hide_leaves_at_risk_products_out_everywhere(releases) -> None:
    _ws, rel = releases
    flagged = _flagged(rel["hide"])
    on = load_release(rel["hide"])
    for q in QUERIES:
        got = _ids(on.engine, q)
        base = _without(on.engine, lambda q=q: _ids(on.engine, q))
        gone = [p for p in base if p in flagged]
        assert got == [p for p in base if p not in flagged]
        resp = on.engine.search(q, size=10, facets=("brand",))
        assert resp.total == len(got) and resp.facets["brand"].total == len(got)
        notes = [n for n in resp.notes if n.startswith("stock-out: hidden")]
        assert bool(notes) == bool(gone)
        if gone:
            assert notes[0].startswith(f"stock-out: hidden {len(gone)} product(s)")
    recs = on.recs.for_user("no-such-user", k=20)
    assert len(recs) == 20 and not {r.item_id for r in recs} & flagged
    for pid in sorted(flagged)[:3]:
        assert not {r.item_id for r in on.recs.similar_items(pid, k=10)} & flagged
    # a restock (a live product change) clears the flag in search and recommendations alike
    pid = sorted(flagged & {str(i) for i in on.recs.catalog.ids})[0]
    item = on.recs.catalog.index[pid]
    assert on.recs.stockout._recs_flags(on.recs.catalog)[item] and pid not in _ids(on.engine, "")
    prod = pl.read_parquet(rel["hide"] / "catalog" / "products.parquet").filter(pl.col("product_id") == pid)
    on.engine.upsert(prod.with_columns(pl.lit(100_000).cast(prod.schema["stock"]).alias("stock")))
    assert not on.recs.stockout._recs_flags(on.recs.catalog)[item] and pid in _ids(on.engine, "")


def test_api_reasons_and_a_restock_clears_the_flag(releases) -> None:
    ws, rel = releases
    # the fixture built "hide" last: it is the current release
    flagged = _flagged(rel["hide"])
    keys = KeyStore(ws)
    read, write = keys.add("t-read", "read"), keys.add("t-write", "write")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        body = c.get("/v1/search", params={"q": "", "size": 100}, headers={"X-API-Key": read}).json()
        assert not {h["product_id"] for h in body["hits"]} & flagged
        note = next(n for n in body["notes"] if n.startswith("stock-out: hidden"))
        pid = sorted(flagged)[0]
        assert "sell out before a restock" in note
        # the shop restocks one product through the API: it is no longer at risk, so it shows
        prod = pl.read_parquet(rel["hide"] / "catalog" / "products.parquet").filter(
            pl.col("product_id") == pid
        )
        p = prod.to_dicts()[0]
        row = {
            k: p[k] for k in ("title", "category_path", "brand", "price", "currency") if p.get(k) is not None
        }
        r = c.put(f"/v1/products/{pid}", json={**row, "stock": 100_000}, headers={"X-API-Key": write})
        assert r.status_code == 200 and r.json()["accepted"] == [pid]
        after = c.get("/v1/search", params={"q": "", "size": 100}, headers={"X-API-Key": read}).json()
        assert after["total"] == body["total"] + 1
        hidden = [n for n in after["notes"] if n.startswith("stock-out: hidden")]
        assert not hidden or f"{pid} (" not in hidden[0]


def test_bad_settings_are_errors_naming_them(releases) -> None:
    ws, _rel = releases
    for bad, name in (
        ({"stockout": "sink"}, "stockout must be one of off, deboost, hide"),
        ({"stockout": "hide", "stockout_threshold": 0}, "stockout_threshold"),
        ({"stockout": "deboost", "stockout_deboost": 1.5}, "stockout_deboost"),
    ):
        with pytest.raises(ReleaseError, match=name):
            build_release(ws, [("catalog", build_catalog), ("forecast", build_forecast)], settings={"forecast": bad}, force=True)  # fmt: skip


def test_risk_of_edges() -> None:
    r = risk_of(np.array([5.0, 5.0, np.nan, 5.0, 0.0]), np.array([5.0, 9.0, 1.0, 1.0, 0.0]), np.array([2.0, 0.0, 1.0, np.nan, 0.0]))  # fmt: skip
    assert r[0] == pytest.approx(0.5) and r[1] == 1.0 and np.isnan(r[2]) and np.isnan(r[3]) and r[4] == 0.0
