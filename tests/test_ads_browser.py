"""Sponsored items in the storefront, in headless Chromium: every ad carries a visible label
("Sponsored" for an English query, "广告" for a Chinese one), the click on it is charged through
the ordinary click event, the ads dashboard shows it, and nothing breaks under the strict CSP."""

from __future__ import annotations

import re
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ads_util import campaign, demo_workspace
from browser_util import HAVE_BROWSER, SKIP_REASON, chrome, served
from shopmind.ads.ledger import AdsLedger
from shopmind.privacy import workspace_secret
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore

pytestmark = pytest.mark.skipif(not HAVE_BROWSER, reason=SKIP_REASON)


def _queries(ws) -> dict[str, tuple[str, str]]:
    """An English and a Chinese query of the demo shop, each with a product it finds (2nd hit)."""
    found: dict[str, tuple[str, str]] = {}
    with TestClient(create_app(ws, {"poll_seconds": 5})) as c:
        products = c.app.state.shop.current.products
        for pid in sorted(products.keys()):
            row = products.get(pid)
            leaf = str(row.get("category_path") or "").split(">")[-1].strip()
            # English: a category name; Chinese: a word of a Chinese listing's title
            for lang, q in [("en", leaf)] + [
                ("zh", w) for w in re.findall(r"[\u4e00-\u9fff]{2,}", str(row.get("title")))
            ]:
                if lang in found or len(q) < 2:
                    continue
                hits = c.get("/v1/search", params={"q": q}).json()["hits"]
                if len(hits) >= 3:
                    found[lang] = (q, hits[1]["product_id"])
            if len(found) == 2:
                return found
    pytest.fail(f"the demo shop lacks an English or Chinese query: {found}")


def _for_you(ws) -> tuple[str, str, str]:
    """A customer whose "for you" row is scored, an item of that row (3rd) and the leaf category of
    the row's top item (what a category campaign targets)."""
    with TestClient(create_app(ws, {"poll_seconds": 5})) as c:
        products = c.app.state.shop.current.products
        for n in range(400):
            r = c.get(f"/v1/users/u{n:05d}/recommendations", params={"k": 8})
            recs = r.json().get("items", []) if r.status_code == 200 else []
            if len(recs) >= 4 and all(x["score"] > 0 for x in recs[:4]):
                leaf = str(products.get(recs[0]["item_id"]).get("category_path") or "").split(">")[-1].strip()
                return f"u{n:05d}", recs[2]["item_id"], leaf
    pytest.fail("no customer with a scored 'for you' row")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Iterator[tuple[str, str, dict]]:
    ws = demo_workspace(tmp_path_factory.mktemp("ads-browser") / "ws", seed=5)
    qs = _queries(ws)
    ledger = AdsLedger(ws, workspace_secret(ws))
    ledger.create([campaign(f"br-{lang}", [pid], keywords=[q]) for lang, (q, pid) in qs.items()])
    _user, target, leaf = qs["for_you"] = _for_you(ws)  # type: ignore[assignment]
    ledger.create([campaign("br-fy", [target], categories=[leaf])])
    ledger.set_settings({"enabled": True, "floor": 0.0})
    ledger.close()
    key = KeyStore(ws).add("browser", "read")
    with served(ws, "/readyz") as url:
        yield url, key, qs


def test_sponsored_label_in_both_languages_and_click_charged(base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, key, qs = base
    d = chrome("1280,1000")
    try:
        for lang, label in (("zh", "广告"), ("en", "Sponsored")):
            q, pid = qs[lang]
            d.get(f"{url}/?q={urllib.parse.quote(q)}")
            WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results li.hit"))
            ads = d.find_elements(By.CSS_SELECTOR, "#results li.hit.sponsored")
            assert len(ads) == 1, lang
            assert ads[0].get_attribute("data-product-id") == pid
            assert ads[0].find_element(By.CSS_SELECTOR, ".ad-label").text == label
            assert ads[0].find_element(By.CSS_SELECTOR, ".ad-label").is_displayed()
            first = d.find_elements(By.CSS_SELECTOR, "#results li.hit")[0]
            assert first.get_attribute("data-product-id") == pid  # slot 0
        # the shopper clicks the ad: the storefront's click event is what charges the campaign
        d.find_element(By.CSS_SELECTOR, "#results li.hit.sponsored a.hit-title").click()
        WebDriverWait(d, 30).until(lambda d: "/product/" in d.current_url)
        d.get(f"{url}/dashboard/login#key={key}")
        WebDriverWait(d, 30).until(lambda d: d.current_url.endswith("/dashboard/quality"))
        deadline = time.monotonic() + 20
        while True:
            d.get(url + "/dashboard/ads")
            row = d.find_element(By.CSS_SELECTOR, 'tr[data-campaign="br-en"]')
            if (
                row.find_element(By.CSS_SELECTOR, '[data-col="clicks"]').text == "1"
                or time.monotonic() > deadline
            ):
                break
            time.sleep(0.5)
        assert row.find_element(By.CSS_SELECTOR, '[data-col="impressions"]').text == "1"
        assert row.find_element(By.CSS_SELECTOR, '[data-col="clicks"]').text == "1"
        spend = row.find_element(By.CSS_SELECTOR, '[data-col="spend"]')
        # shown as money in the shop's currency (the demo's: most products in USD), the figure beside it
        assert spend.text.startswith("$") and float(spend.get_attribute("data-value")) > 0
        severe = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        d.quit()


def test_the_home_for_you_row_labels_its_sponsored_item(base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, _key, qs = base
    user, target, _leaf = qs["for_you"]
    d = chrome("1280,1000")
    try:
        d.get(url + "/")
        d.execute_script(
            "localStorage.setItem('shopmind.visitor', JSON.stringify({id: arguments[0], known: true}))", user
        )
        d.get(url + "/")
        WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#foryou-items .card"))
        ads = d.find_elements(By.CSS_SELECTOR, "#foryou-items .card.sponsored")
        assert [a.get_attribute("data-item-id") for a in ads] == [target]
        label = ads[0].find_element(By.CSS_SELECTOR, ".ad-label")
        assert label.is_displayed() and label.text in ("Sponsored", "广告")
        assert d.find_elements(By.CSS_SELECTOR, "#foryou-items .card")[1] == ads[0]  # recs_positions = [1]
        severe = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        d.quit()
