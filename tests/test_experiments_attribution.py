"""Attribution by request id, end to end through the real app (issue 15, round 7 item 1).

A search or recommendation response carries its request id (``X-Request-ID``); an event posted to
``/v1/events`` with that ``request_id`` is credited to exactly that response: an interleaved list
(``interleave_readout.credit_events``) or an A/B exposure (``metrics.unit_table``). An event naming
another response credits none, however close in time; an event without a request id falls back to
the session's latest response within the 30-minute window. The storefront echoes the id from its
click and cart events (checked in headless Chromium when the browser is installed).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from browser_util import HAVE_BROWSER, SKIP_REASON, chrome, served
from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.experiments import registry
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.exposure import ExposureLog, read_exposures
from shopmind.experiments.interleave_log import InterleaveLog, read_interleavings
from shopmind.experiments.interleave_readout import credit_events, interleave_readout, live_events
from shopmind.experiments.metrics import unit_table
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog, build_recs, build_search
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.store.store import Store

DEFS = {
    "experiment": [
        {"name": "rankers", "layer": "ranking", "status": "running", "kind": "interleave", "traffic": 1.0,
         "method": "team-draft",
         "variant": [{"name": "plain", "overrides": {"search": {"understand": False}}}, {"name": "understood"}]},
        {"name": "recs-pop", "layer": "recs", "status": "running", "traffic": 1.0,
         "variant": [{"name": "control"}, {"name": "pop", "overrides": {"recs": {"weights": {"popularity": 3}}}}]},
    ]
}  # fmt: skip


def _workspace(ws, recs: bool) -> None:
    shop = generate(seed=7, n_products=200, n_users=120, days=30)
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    settings = {"search": {"encoder": None, "ltr": "off"}, "recs": {"encoder": None, "explore_share": 0.0}}
    comps = [("catalog", build_catalog), ("search", build_search)] + ([("recs", build_recs)] if recs else [])
    build_release(ws, comps, settings=settings, force=True)
    registry.save(ws, parse_experiments(DEFS if recs else {"experiment": DEFS["experiment"][:1]}))


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[tuple[TestClient, object, str]]:
    ws = tmp_path_factory.mktemp("attribution") / "ws"
    _workspace(ws, recs=True)
    keys = KeyStore(ws)
    events = keys.add("t-events", "events")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        c.app.state.interleave_log = InterleaveLog(ws, flush_seconds=3600)
        c.app.state.exposure_log = ExposureLog(ws, flush_seconds=3600)
        yield c, ws, events


def _post(c: TestClient, key: str, events: list[dict]) -> None:
    r = c.post("/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200 and r.json()["accepted"] == len(events), r.text


def test_request_id_is_validated_and_logged(app):
    c, ws, key = app
    bad = {"event_id": "bad-rid", "type": "click", "user_id": "u", "item_id": "x", "request_id": "a\x01b"}
    r = c.post("/v1/events", json={"events": [bad]}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 422
    assert r.json()["rejected"][0]["field"].endswith("request_id")
    long = {**bad, "event_id": "long-rid", "request_id": "r" * 101}
    r = c.post("/v1/events", json={"events": [long]}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 422 and r.json()["rejected"][0]["field"].endswith("request_id")


def test_clicks_credit_exactly_the_response_they_name(app):
    c, ws, key = app
    user, session = "shopper-rid", "visit-rid"
    s = c.get("/v1/search", params={"q": "shoes", "size": 10, "user_id": user, "session_id": session})
    assert s.status_code == 200 and s.json()["experiments"] == [
        {"experiment": "rankers", "variant": "interleaved"}
    ]
    rid_search = s.headers["x-request-id"]
    shown = [h["product_id"] for h in s.json()["hits"]]
    assert len(shown) >= 3
    r = c.get(f"/v1/users/{user}/recommendations", params={"k": 5})
    assert r.status_code == 200 and [x["experiment"] for x in r.json()["experiments"]] == ["recs-pop"]
    rid_recs = r.headers["x-request-id"]
    base = {"type": "click", "user_id": user, "session_id": session}
    _post(c, key, [
        # an item the search list showed, clicked in the recommendation row: the row's response
        {**base, "event_id": "e1", "item_id": shown[0], "request_id": rid_recs},
        # the search list's second item, clicked there
        {**base, "event_id": "e2", "item_id": shown[1], "request_id": rid_search},
        # and its cart: the same response (credited once per list and item)
        {**base, "event_id": "e3", "type": "add_to_cart", "item_id": shown[1], "request_id": rid_search},
        # an old client without request ids: the session's latest list within 30 minutes
        {**base, "event_id": "e4", "item_id": shown[2]},
        # a shopper outside the experiment: neither credited nor counted against it
        {"type": "click", "user_id": "outsider", "session_id": "elsewhere", "event_id": "e5", "item_id": shown[0],
         "request_id": rid_recs},
    ])  # fmt: skip
    c.app.state.interleave_log.flush()
    c.app.state.exposure_log.flush()
    lists = read_interleavings(ws, "rankers")
    ev = live_events(ws)
    assert ev.filter(ev["request_id"] == rid_search).height == 2  # the live log keeps it
    credited = credit_events(lists, ev)
    assert credited.by_request == 1  # e2 (e3 is the same item of the same list)
    assert credited.other_responses == 1  # e1: a recommendation row's click, not the list's
    total = int(credited.credit_a.sum() + credited.credit_b.sum())
    assert total == 2  # e2 by request id, e4 by the window; a window-only crediting would say 3
    teams = lists.row(0, named=True)["teams"]
    want_b = sum(teams[i] == "B" for i in (1, 2))
    assert int(credited.credit_b.sum()) == want_b
    exp = registry.load(ws).by_name("rankers")
    out = interleave_readout(exp, lists, ev)
    assert out.checks["credited_by_request_id"] == 1 and out.checks["events_of_other_responses"] == 1

    # A/B: the recs exposure is clicked by e1 (its request id), not by e2/e4 (search's)
    ex = read_exposures(ws, "recs-pop")
    assert ex["request_id"].to_list() == [rid_recs]
    table = unit_table(ex, ev, "user")
    assert table["recs_shown"].to_list() == [1.0] and table["recs_clicks"].to_list() == [1.0]
    # without request ids the window cannot credit a recommendation row at all (the recs route has
    # no session), and the search clicks are no recommendation clicks either way
    assert unit_table(ex, ev.drop("request_id"), "user")["recs_clicks"].to_list() == [0.0]
    only_search = ev.filter(ev["request_id"] == rid_search)
    assert unit_table(ex, only_search, "user")["recs_clicks"].to_list() == [0.0]


@pytest.mark.skipif(not HAVE_BROWSER, reason=SKIP_REASON)
def test_storefront_echoes_the_request_id(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    ws = tmp_path / "ws"
    _workspace(ws, recs=False)
    d = chrome("1280,1000")
    try:
        with served(ws, "/readyz") as url:
            d.get(url + "/?q=shoes")
            WebDriverWait(d, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results .hit .hit-title"))
            hits = d.find_elements(By.CSS_SELECTOR, "#results .hit")  # in stock: it can go in the cart
            first = next(h for h in hits if not h.find_elements(By.CSS_SELECTOR, ".stock.out"))
            pid = first.get_attribute("data-product-id")
            first.find_element(By.CSS_SELECTOR, ".hit-title").click()
            WebDriverWait(d, 30).until(lambda d: d.current_url.endswith(f"/product/{pid}"))
            d.find_element(By.ID, "add-to-cart").click()
            WebDriverWait(d, 30).until(
                lambda d: d.find_element(By.ID, "cart-note").text.startswith("Added —")
            )
            time.sleep(1.5)  # the interleaving log's writer flushes every second
        ev = live_events(ws)
        lists = read_interleavings(ws, "rankers")
    finally:
        d.quit()
    acted = ev.filter(ev["item_id"] == pid, ev["type"].is_in(["click", "add_to_cart"]))
    assert sorted(acted["type"].to_list()) == ["add_to_cart", "click"]
    rids = set(acted["request_id"].to_list())
    assert len(rids) == 1 and None not in rids
    (rid,) = rids
    shown = lists.filter(lists["request_id"] == rid)
    assert shown.height == 1 and pid in shown["items"][0]
    assert credit_events(lists, ev).by_request == 1
