"""Sponsored slots served for real (issue 16 item 2) on a demo-shop release: off by default, the
auction's relevance floor against this query's organic scores, the slot cap, labels, "similar
items", accounting through ``/v1/events``, budgets under concurrent requests, experiment variants,
privacy of the ledger."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from ads_util import campaign, demo_workspace
from shopmind.ads.ledger import AdsLedger
from shopmind.ads.serving import AdServer
from shopmind.experiments import registry
from shopmind.experiments.assign import Assigner
from shopmind.experiments.definition import ExperimentError, parse_experiments
from shopmind.privacy import workspace_secret
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.store.livelog import EventLog


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return demo_workspace(tmp_path_factory.mktemp("ads-serve") / "ws", seed=11)


@pytest.fixture(scope="module")
def served(ws):
    ks = KeyStore(ws)
    admin = {"Authorization": f"Bearer {ks.add('ads-admin', 'admin')}"}
    events = {"Authorization": f"Bearer {ks.add('ads-events', 'events')}"}
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        c.app.state.ads_settled = float("-inf")
        yield c, admin, events


def fresh(c):
    """Make the next request see the ledger at once (the server re-reads it every 0.5 s)."""
    server = getattr(c.app.state, "ad_server", None)
    if server is not None:
        server.refresh(force=True)
    c.app.state.ads_settled = float("-inf")


def organic(c, q):
    body = c.get("/v1/search", params={"q": q, "understand": "false", "size": 20}).json()
    return [(h["product_id"], h["score"]) for h in body["hits"]]


@pytest.fixture(scope="module")
def query(served):
    """A two-word query of the demo shop (a colour or material and a category) whose organic list has
    products matching both words (>= 3 of them within half the top score) and one word only (below).
    Searched as plain words (``understand=false``, in every request of this file): understood, the
    two are filters, and when they match nothing together the engine leaves out only the colour
    (``search/relax.py``), so no list would hold products matching one word of two."""
    c, _a, _e = served
    products = c.app.state.shop.current.products
    leaves = sorted({str(products[p].get("category_path") or "").split(">")[-1].strip() for p in products})
    for leaf in leaves:
        for word in ("black", "cotton", "blue"):
            q = f"{word} {leaf}"
            hits = organic(c, q)
            above = [p for p, s in hits[1:] if s >= 0.5 * hits[0][1]] if hits else []
            if len(hits) >= 8 and hits[-1][1] < 0.5 * hits[0][1] and len(above) >= 3:
                return q, hits, above
    pytest.fail("no suitable query in the demo shop")


def reset(c, admin):
    for x in c.get("/v1/ads/campaigns", headers=admin).json()["campaigns"]:
        c.delete(f"/v1/ads/campaigns/{x['id']}", headers=admin)
    c.put(
        "/v1/ads/settings",
        json={"enabled": False, "floor": 0.5, "max_slots": 2, "positions": [0, 4]},
        headers=admin,
    )


def sponsored(body):
    return [(i, h) for i, h in enumerate(body["hits"]) if h.get("sponsored")]


def test_off_by_default_and_never_without_a_shopper(served, query):
    c, admin, _e = served
    reset(c, admin)
    q, hits, above = query
    c.post("/v1/ads/campaigns", json=campaign("off-1", [above[0]], keywords=[q]), headers=admin)
    fresh(c)
    body = c.get("/v1/search", params={"q": q, "understand": "false", "session_id": "s-off"}).json()
    assert not sponsored(body) and "ads" not in body  # [ads] enabled defaults to false
    c.put("/v1/ads/settings", json={"enabled": True}, headers=admin)
    fresh(c)
    assert sponsored(
        c.get("/v1/search", params={"q": q, "understand": "false", "session_id": "s-off"}).json()
    )
    assert not sponsored(
        c.get("/v1/search", params={"q": q, "understand": "false"}).json()
    )  # nobody to attribute a click to
    assert not sponsored(
        c.get(
            "/v1/search", params={"q": q, "understand": "false", "session_id": "s-off", "page": 2, "size": 5}
        ).json()
    )
    assert not sponsored(
        c.get(
            "/v1/search", params={"q": q, "understand": "false", "session_id": "s-off", "sort": "price_asc"}
        ).json()
    )


def test_relevance_floor_against_this_querys_scores_and_slot_cap(served, query):
    c, admin, _e = served
    reset(c, admin)
    q, hits, above = query
    top = hits[0][1]
    below = [p for p, s in hits if s < 0.5 * top]
    assert len(above) >= 3 and below
    other = organic(c, "zzzz nothing matches this")
    assert not other
    # three campaigns on relevant products, one on a product below the floor (outbidding everyone)
    for i, pid in enumerate(above[:3]):
        c.post(
            "/v1/ads/campaigns",
            json=campaign(f"ok-{i}", [pid], keywords=[q], bid=0.4 + 0.1 * i),
            headers=admin,
        )
    c.post("/v1/ads/campaigns", json=campaign("low-1", [below[0]], keywords=[q], bid=5.0), headers=admin)
    c.put("/v1/ads/settings", json={"enabled": True}, headers=admin)
    fresh(c)
    body = c.get(
        "/v1/search", params={"q": q, "understand": "false", "size": 20, "session_id": "s-floor"}
    ).json()
    got = sponsored(body)
    assert [i for i, _h in got] == [0, 4]  # the slot cap (2) at the configured positions
    assert {h["campaign_id"] for _i, h in got} <= {"ok-0", "ok-1", "ok-2"}
    assert got[0][1]["campaign_id"] == "ok-2"  # highest bid x quality (same prior quality) wins slot 0
    assert all(h["ad"]["request_id"] for _i, h in got)
    assert below[0] not in [h["product_id"] for _i, h in got]  # money never buys past the floor
    ids = [h["product_id"] for h in body["hits"]]
    assert len(ids) == len(set(ids)) == len(hits) and set(ids) == {p for p, _s in hits}  # no duplicates
    # a query the keyword does not match shows no ad, whatever the bid
    assert not sponsored(
        c.get("/v1/search", params={"q": hits[0][0] + " zzz", "session_id": "s-floor"}).json()
    )
    # with the floor at 0 the low product may win (it is still in this query's results)
    c.put("/v1/ads/settings", json={"floor": 0.0}, headers=admin)
    fresh(c)
    body = c.get(
        "/v1/search", params={"q": q, "understand": "false", "size": 20, "session_id": "s-floor"}
    ).json()
    assert sponsored(body)[0][1]["campaign_id"] == "low-1"


def test_accounting_through_events_and_dashboard(served, query):
    c, admin, ev = served
    reset(c, admin)
    q, hits, above = query
    pid = above[1]
    c.post(
        "/v1/ads/campaigns",
        json=campaign("acc-1", [pid], keywords=[q], bid=0.7, daily_budget=10),
        headers=admin,
    )
    c.put("/v1/ads/settings", json={"enabled": True, "reserve": 0.05}, headers=admin)
    fresh(c)
    body = c.get(
        "/v1/search", params={"q": q, "understand": "false", "session_id": "s-acc", "user_id": "u-acc"}
    ).json()
    (pos, hit), = sponsored(body)  # fmt: skip
    assert hit["product_id"] == pid and pos == 0
    now = datetime.now(UTC).isoformat()
    click = {"event_id": "acc-click-1", "type": "click", "user_id": "u-acc", "session_id": "s-acc",
             "item_id": pid, "timestamp": now, "position": 0}  # fmt: skip
    buy = {"event_id": "acc-buy-1", "type": "purchase", "user_id": "u-acc", "session_id": "s-acc",
           "item_id": pid, "timestamp": now, "price": 12.5, "quantity": 2}  # fmt: skip
    assert c.post("/v1/events", json={"events": [click, buy]}, headers=ev).status_code == 200
    assert (
        c.post("/v1/events", json={"events": [{**click, "event_id": "acc-click-2"}]}, headers=ev).status_code
        == 200
    )
    rep = {r["campaign_id"]: r for r in c.get("/v1/ads/report", headers=admin).json()["campaigns"]}["acc-1"]
    # one impression, one charged click (the second click has no impression left), the reserve as
    # the GSP price (no competitor), 25.0 of attributed sales
    assert rep["impressions"] == 1 and rep["clicks"] == 1 and rep["ctr"] == 1.0
    assert rep["spend"] == pytest.approx(0.05) and rep["spend_today"] == pytest.approx(0.05)
    assert rep["orders"] == 1 and rep["sales"] == pytest.approx(25.0)
    page = c.get("/dashboard/ads", headers=admin)
    assert page.status_code == 200 and 'data-campaign="acc-1"' in page.text and "25.00" in page.text
    assert "<script>" not in page.text


def test_similar_items_get_a_category_targeted_slot(served):
    c, admin, _e = served
    reset(c, admin)
    products = c.app.state.shop.current.products
    for item in sorted(products.keys()):
        recs = c.get(f"/v1/items/{item}/similar", params={"k": 8}).json()["items"]
        # scored neighbours (a popularity fallback scores 0: nothing to hold an ad's relevance to)
        if len(recs) >= 4 and all(r["score"] > 0 for r in recs[:4]):
            break
    else:
        pytest.fail("no product with scored similar items")
    leaf = str(products.get(item).get("category_path") or "").split(">")[-1].strip()
    target = recs[3]["item_id"]
    c.post("/v1/ads/campaigns", json=campaign("sim-1", [target], categories=[leaf]), headers=admin)
    c.put("/v1/ads/settings", json={"enabled": True, "floor": 0.0}, headers=admin)
    fresh(c)
    got = c.get(f"/v1/items/{item}/similar", params={"k": 8, "session_id": "s-sim"}).json()["items"]
    assert [x["item_id"] for x in got if x.get("sponsored")] == [target]
    assert got[1]["item_id"] == target and got[1]["campaign_id"] == "sim-1"  # recs_positions = [1]
    assert sorted(x["item_id"] for x in got) == sorted(x["item_id"] for x in recs)
    assert not any(
        x.get("sponsored") for x in c.get(f"/v1/items/{item}/similar", params={"k": 8}).json()["items"]
    )
    # a row of 0-scored fallbacks (popular in the category) holds no relevance an ad could match
    zero = next(
        (i for i in sorted(products.keys()) if (r := c.get(f"/v1/items/{i}/similar", params={"k": 8}).json()["items"])
         and all(x["score"] == 0 for x in r)),
        None,
    )  # fmt: skip
    if zero is not None:
        leaf0 = str(products.get(zero).get("category_path") or "").split(">")[-1].strip()
        fallback = c.get(f"/v1/items/{zero}/similar", params={"k": 8}).json()["items"]
        c.post(
            "/v1/ads/campaigns",
            json=campaign("sim-0", [fallback[0]["item_id"]], categories=[leaf0]),
            headers=admin,
        )
        fresh(c)
        got = c.get(f"/v1/items/{zero}/similar", params={"k": 8, "session_id": "s-sim"}).json()["items"]
        assert not any(x.get("sponsored") for x in got)


def test_experiment_variant_switches_ads_on(served, query, ws):
    c, admin, _e = served
    reset(c, admin)  # ads off for the shop
    q, hits, above = query
    c.post("/v1/ads/campaigns", json=campaign("exp-1", [above[2]], keywords=[q]), headers=admin)
    with pytest.raises(ExperimentError, match=r"variant\[1\]\.overrides\.ads\.max_slots"):
        parse_experiments({"experiment": [{"name": "x", "variant": [{"name": "a"},
                          {"name": "b", "overrides": {"ads": {"max_slots": 9}}}]}]})  # fmt: skip
    defs = parse_experiments({"experiment": [{"name": "ads-on", "layer": "ads", "status": "running",
        "variant": [{"name": "control"}, {"name": "ads", "overrides": {"ads": {"enabled": True}}}]}]})  # fmt: skip
    registry.save(ws, defs)
    try:
        a = Assigner(registry.load(ws))
        users = [f"exp-user-{i}" for i in range(60)]
        fresh(c)
        for u in users[:20]:
            variant = a.assign(u)[0].variant
            body = c.get("/v1/search", params={"q": q, "understand": "false", "user_id": u}).json()
            assert bool(sponsored(body)) == (variant == "ads"), (u, variant)
    finally:
        registry.save(ws, parse_experiments({}))


def test_budget_never_overspent_under_concurrent_requests_and_two_workers(ws, query):
    """Two ads servers (two ledger connections, as two worker processes have) serve and settle from
    eight threads while clicks pour in: the spend stays within the budget, every charge is recorded."""
    q, hits, above = query
    secret = workspace_secret(ws)
    setup = AdsLedger(ws, secret)
    for x in setup.campaigns():
        setup.delete(x.id)
    budget = 3.0
    setup.create([campaign("race-1", [hits[1][0]], keywords=[q], bid=0.9, daily_budget=budget),
                  campaign("race-2", [hits[2][0]], keywords=[q], bid=0.8, daily_budget=budget)])  # fmt: skip
    setup.set_settings({"enabled": True, "floor": 0.0, "reserve": 0.3})
    log = EventLog(ws)
    servers = [AdServer(AdsLedger(ws, secret), seed=i) for i in range(2)]
    organic_hits = hits
    errors: list[BaseException] = []

    def shopper(n: int) -> None:
        try:
            srv = servers[n % 2]
            for k in range(40):
                sid = f"race-{n}-{k}"
                res = srv.place(
                    q, organic_hits, user_id=None, session_id=sid, request_id=sid, context="search"
                )
                for p in res.placements if res else ():
                    log.append_events([{"event_id": uuid.uuid4().hex, "type": "click", "session_id": sid,
                                        "item_id": p.product_id, "timestamp": datetime.now(UTC).isoformat()}],
                                      None, None)  # fmt: skip
                if k % 5 == 0:
                    srv.ledger.settle(log.events_after, srv.ledger.settings())
                srv.refresh(force=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    setup.settle(log.events_after, setup.settings())
    rows = {r["campaign_id"]: r for r in setup.report()}
    spent = setup.spent(datetime.now(UTC).date())
    for cid in ("race-1", "race-2"):
        assert rows[cid]["clicks"] > 0
        assert spent[cid] <= budget * 1.01 + 1e-9, spent
        assert rows[cid]["spend"] == pytest.approx(spent[cid])
    assert max(spent.values()) >= budget * 0.9  # the budgets were actually reached (the race was real)
    setup.set_settings({"enabled": False, "floor": 0.5, "reserve": 0.05})
    for x in setup.campaigns():
        setup.delete(x.id)


def test_ledger_keeps_no_raw_ids_and_forget_clears_hashes(ws, query):
    q, hits, above = query
    secret = workspace_secret(ws)
    ledger = AdsLedger(ws, secret)
    ledger.create([campaign("priv-1", [above[0]], keywords=[q])])
    ledger.set_settings({"enabled": True})
    srv = AdServer(ledger, seed=1)
    res = srv.place(
        q, hits, user_id="alice@example.com", session_id="sess-alice", request_id="r1", context="search"
    )
    assert res and res.placements
    con = ledger._con
    dump = "\n".join(con.iterdump())
    assert "alice@example.com" not in dump and "sess-alice" not in dump
    n = con.execute("SELECT count(*) FROM impressions WHERE user_key IS NOT NULL").fetchone()[0]
    assert n >= 1
    assert ledger.forget(["alice@example.com", "sess-alice"]) >= 1
    assert con.execute("SELECT count(*) FROM impressions WHERE request_id = 'r1' AND "
                       "(user_key IS NOT NULL OR session_key IS NOT NULL)").fetchone()[0] == 0  # fmt: skip
    ledger.set_settings({"enabled": False})
    ledger.delete("priv-1")


def test_shopmind_forget_unlinks_a_customer_from_the_ads_ledger(ws, query):
    """``shopmind forget`` finds the customer's ad impressions (by their keyed hashes) and clears the
    link; the campaign's counts stay."""
    from shopmind.ads.ledger import count_units
    from shopmind.forget import forget_user

    q, hits, above = query
    ledger = AdsLedger(ws, workspace_secret(ws))
    ledger.create([campaign("fg-1", [above[0]], keywords=[q])])
    ledger.set_settings({"enabled": True, "floor": 0.5})
    res = AdServer(ledger, seed=2).place(
        q, hits, user_id="ad-user-1", session_id=None, request_id="fg", context="search"
    )
    assert res and res.placements
    assert forget_user(ws, "ad-user-1", apply=False).live_log.get("ad_impressions_clicks") == 1
    assert forget_user(ws, "ad-user-1").applied
    assert count_units(ws, ["ad-user-1"]) == 0
    row = ledger._con.execute(
        "SELECT user_key, campaign_id FROM impressions WHERE request_id = 'fg'"
    ).fetchone()
    assert row == (None, "fg-1")
    assert {r["campaign_id"]: r for r in ledger.report()}["fg-1"]["impressions"] == 1
    ledger.set_settings({"enabled": False})


def _user_with_scored_recs(c):
    """A demo-shop customer whose "for you" row has >= 4 items, the first 4 scored > 0."""
    for n in range(400):
        u = f"u{n:05d}"
        r = c.get(f"/v1/users/{u}/recommendations", params={"k": 8})
        recs = r.json().get("items", []) if r.status_code == 200 else []
        if len(recs) >= 4 and all(x["score"] > 0 for x in recs[:4]):
            return u, recs
    pytest.fail("no user with scored recommendations")


def test_for_you_row_gets_a_category_targeted_slot_and_follows_the_variant(served, ws):
    c, admin, _e = served
    reset(c, admin)
    products = c.app.state.shop.current.products
    user, recs = _user_with_scored_recs(c)
    top_leaf = str(products.get(recs[0]["item_id"]).get("category_path") or "").split(">")[-1].strip()
    # an ad for a product of the row, targeted at the category of the row's top item
    target = next(
        (x["item_id"] for x in recs[2:] if top_leaf in str(products.get(x["item_id"]).get("category_path"))),
        recs[3]["item_id"],
    )
    c.post("/v1/ads/campaigns", json=campaign("fy-1", [target], categories=[top_leaf]), headers=admin)
    # a campaign targeting a category none of the row's top items has never shows
    other = next(
        str(p.get("category_path")).split(">")[-1].strip()
        for p in products.values()
        if not any(
            str(p.get("category_path")).split(">")[-1].strip()
            in str(products.get(x["item_id"]).get("category_path"))
            for x in recs[:3]
        )
    )
    c.post(
        "/v1/ads/campaigns",
        json=campaign("fy-x", [recs[1]["item_id"]], categories=[other], bid=5.0),
        headers=admin,
    )
    fresh(c)
    got = c.get(f"/v1/users/{user}/recommendations", params={"k": 8}).json()["items"]
    assert not any(x.get("sponsored") for x in got)  # [ads] off for the shop
    c.put("/v1/ads/settings", json={"enabled": True, "floor": 0.0}, headers=admin)
    fresh(c)
    got = c.get(f"/v1/users/{user}/recommendations", params={"k": 8}).json()["items"]
    assert [x["item_id"] for x in got if x.get("sponsored")] == [target]
    assert got[1]["item_id"] == target and got[1]["campaign_id"] == "fy-1"  # recs_positions = [1]
    assert got[1]["ad"]["campaign_id"] == "fy-1"
    assert sorted(x["item_id"] for x in got) == sorted(x["item_id"] for x in recs)  # no duplicate
    rep = c.get("/v1/ads/report", headers=admin).json()["campaigns"]
    assert any(r["campaign_id"] == "fy-1" and r["impressions"] >= 1 for r in rep)
    # as an experiment variant: ads off for the shop, on in one arm
    c.put("/v1/ads/settings", json={"enabled": False}, headers=admin)
    defs = parse_experiments({"experiment": [{"name": "ads-recs", "layer": "ads", "status": "running",
        "variant": [{"name": "control"}, {"name": "ads", "overrides": {"ads": {"enabled": True, "floor": 0.0}}}]}]})  # fmt: skip
    registry.save(ws, defs)
    try:
        a = Assigner(registry.load(ws))
        variant = a.assign(user)[0].variant
        fresh(c)
        got = c.get(f"/v1/users/{user}/recommendations", params={"k": 8}).json()["items"]
        assert any(x.get("sponsored") for x in got) == (variant == "ads"), variant
        # "similar items" follows the same unit's arm
        for item in sorted(products.keys()):
            srecs = c.get(f"/v1/items/{item}/similar", params={"k": 8}).json()["items"]
            if len(srecs) >= 4 and all(r["score"] > 0 for r in srecs[:4]):
                break
        leaf = str(products.get(item).get("category_path") or "").split(">")[-1].strip()
        c.post(
            "/v1/ads/campaigns",
            json=campaign("sim-v", [srecs[3]["item_id"]], categories=[leaf]),
            headers=admin,
        )
        fresh(c)
        arms: dict[str, str] = {}
        for n in range(40):
            arms.setdefault(a.assign(f"sim-unit-{n}")[0].variant, f"sim-unit-{n}")
        assert set(arms) == {"control", "ads"}
        for arm, u in arms.items():
            row = c.get(f"/v1/items/{item}/similar", params={"k": 8, "user_id": u}).json()["items"]
            assert ([x["item_id"] for x in row if x.get("sponsored")] == [srecs[3]["item_id"]]) == (
                arm == "ads"
            )
    finally:
        registry.save(ws, parse_experiments({}))
