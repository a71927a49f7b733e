"""Stored and reflected XSS, tried in a real browser (issue 10 item 1).

Script payloads go into every field that reaches a page — product title, brand, category,
attributes, description, user id, event query, quarantined rows of both tables, repair values,
the run's source name, evaluation results — once through an ingested file and once through the
API (a write key for products, the storefront's public key for events). After a build, headless
Chromium opens every page, each run of the quality dashboard, every run's report (served and as
the standalone file, offline) and /docs. Every payload sets ``window.__pwned`` and the document
title; the test asserts neither happened, no alert opened, no ``javascript:`` link exists, no page
of ours broke its own Content-Security-Policy, and that the payloads are *shown*, as text.

Needs the Debian packages chromium and chromium-driver (see test_browser.py); skipped without them.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from browser_util import chrome, served
from test_browser import shopmind, wait  # skips without a browser

MARK = "window.__pwned=1;document.title='PWNED'"
PAYLOADS = {
    "img": f'<img src=x onerror="{MARK}">',
    "script": f"<script>{MARK}</script>",
    "breakout": f'"><svg onload="{MARK}">',
    "jsurl": f"javascript:{MARK}",
    "attr": f"' onmouseover='{MARK}' x='",
}
ALL = " ".join(PAYLOADS.values())


def poisoned_files(folder: Path) -> None:
    """A canonical shop whose every text field carries the payloads (mostly valid rows, so the
    batch is published; rows of every table quarantined with the payloads in them)."""
    folder.mkdir(parents=True)
    kinds = list(PAYLOADS.values())
    n = 30
    pl.DataFrame(
        {
            "product_id": [f"X{i}" for i in range(n)],
            "title": [f"lamp {i} {kinds[i % 5]}" for i in range(n)],
            "description": [f"a lamp {ALL}" for _ in range(n)],
            "category_path": [f"Home > Lamps {kinds[i % 5]}" for i in range(n)],
            "brand": [f"Brand {kinds[(i + 1) % 5]}" for i in range(n)],
            # the first row's price is invalid: quarantined with its raw payload-laden row
            "price": [-5.0 if i == 0 else 10.0 + i for i in range(n)],
            "currency": ["USD"] * n,
            "stock": [3] * n,
            "attributes": [json.dumps({"colour": kinds[i % 5], kinds[(i + 2) % 5]: "x"}) for i in range(n)],
        }
    ).write_csv(folder / "products.csv")
    m = 300
    pl.DataFrame(
        {
            "event_id": [f"EV{i}" for i in range(m)],
            "type": ["search" if i % 5 == 0 else "view" for i in range(m)],
            "user_id": [f"user {kinds[i % 5]}" for i in range(m)],
            "session_id": [f"s{i // 6}" for i in range(m)],
            "item_id": [None if i % 5 == 0 else f"X{(i * 7) % n}" for i in range(m)],
            "query": [f"lamp {kinds[i % 5]}" if i % 5 == 0 else None for i in range(m)],
            # one impossible timestamp: that event is quarantined, its payload user id with it
            "timestamp": [
                "1850-01-01T00:00:00Z" if i == 3 else f"2026-11-{1 + i // 24:02d}T{i % 24:02d}:00:00Z"
                for i in range(m)
            ],
        }
    ).write_csv(folder / "events.csv")
    # judgments: one pair judged twice with different grades is quarantined (JDG_DUP), payloads and all
    pl.DataFrame(
        {
            "query": [f"lamp {kinds[i % 5]}" for i in range(20)] + [f"lamp {kinds[0]}"],
            "product_id": [f"X{i}" for i in range(20)] + ["X0"],
            "relevance": [float(i % 3) for i in range(20)] + [2.0],
        }
    ).write_csv(folder / "judgments.csv")


def http(base: str, path: str, body: dict | None = None, key: str | None = None, method: str | None = None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        pytest.fail(f"{method or 'GET'} {path}: {e.code} {e.read()[:500]!r}")


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("xss")
    poisoned_files(tmp / "feed")
    shopmind("ingest", "feed", "--format", "canonical", "--workspace", "ws", "--source", f"feed {PAYLOADS['script']}",
             cwd=tmp)  # fmt: skip
    (tmp / "build.toml").write_text('[search]\nencoder = "use"\n', encoding="utf-8")
    shopmind("build", "--workspace", "ws", "--config", "build.toml", cwd=tmp)
    keys = {}
    for scope in ("write", "read"):
        r = subprocess.run([sys.executable, "-m", "shopmind.cli", "keys", "add", f"xss-{scope}", "--scope", scope,
                            "--workspace", "ws"], cwd=tmp, capture_output=True, text=True, check=True)  # fmt: skip
        keys[scope] = r.stdout.strip().splitlines()[0]
    # an evaluation result whose names and notes carry the payloads
    (tmp / "ws" / "evaluation").mkdir()
    (tmp / "ws" / "evaluation" / "search-xss.json").write_text(
        json.dumps(
            {
                "dataset": f"set {PAYLOADS['img']}",
                "created_at": "2026-12-01T00:00:00",
                "n_products": 30,
                "n_queries": 5,
                "n_judgments": 10,
                "relevance_threshold": 1,
                "notes": [f"note `code` {ALL}"],
                "methods": {
                    f"ours {PAYLOADS['breakout']}": {
                        "fit_seconds": 1,
                        "views": {"retrieval": {"ndcg@10": 0.5}},
                    }
                },
            }
        ),  # fmt: skip
        encoding="utf-8",
    )
    with served(tmp / "ws", timeout=120, log=tmp / "serve.log") as base:
        # the API path: a product through the write key, events through the page's public key
        page = urllib.request.urlopen(base + "/", timeout=30).read().decode()
        storefront = page.split('name="shopmind-key" content="', 1)[1].split('"', 1)[0]
        product = {
            "title": f"api lamp {PAYLOADS['img']}",
            "description": ALL,
            "brand": PAYLOADS["jsurl"],
            "category_path": f"Home > {PAYLOADS['breakout']}",
            "price": 12.5,
            "currency": "USD",
            "attributes": [
                {"key": "colour", "value": PAYLOADS["attr"]},
                {"key": PAYLOADS["img"], "value": "x"},
            ],
        }
        http(base, "/v1/products/API1", product, keys["write"], method="PUT")
        events = [
            {"event_id": f"api-{i}", "type": t, "user_id": f"api {PAYLOADS['script']}", "session_id": "s-api",
             "item_id": None if t == "search" else "X3", "query": f"lamp {PAYLOADS['img']}" if t == "search" else None}
            for i, t in enumerate(["search", "view", "click"])
        ]  # fmt: skip
        http(base, "/v1/events", {"events": events}, storefront)
        yield {"base": base, "keys": keys, "ws": tmp / "ws", "storefront": storefront}


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    driver = chrome("1280,1000")
    try:
        yield driver
    finally:
        driver.quit()


def assert_inert(d, where: str) -> list[str]:
    """No payload ran, no alert, no javascript: link; returns this page's console messages."""
    try:
        alert = d.switch_to.alert
        text = alert.text
        alert.dismiss()
        pytest.fail(f"{where}: an alert opened ({text!r})")
    except NoAlertPresentException:
        pass
    assert d.execute_script("return window.__pwned") is None, f"{where}: a payload ran"
    assert d.title != "PWNED", f"{where}: a payload ran (title)"
    links = d.execute_script(
        "return Array.from(document.querySelectorAll('[href],[src],[action]'))"
        ".map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))"
        ".filter(u => /^\\s*javascript:/i.test(u))"
    )
    assert links == [], f"{where}: javascript: URLs {links}"
    logs = [e["message"] for e in d.get_log("browser")]
    violations = [m for m in logs if "Content Security Policy" in m or "Refused to" in m]
    assert violations == [], f"{where}: the page broke its own CSP: {violations}"
    return logs


def body_text(d) -> str:
    return d.find_element(By.TAG_NAME, "body").text


def test_storefront_search_and_product_pages_run_no_payload(shop, browser):
    d, base = browser, shop["base"]
    d.get(base + "/")
    wait(
        d, lambda d: d.find_element(By.ID, "foryou-items").get_attribute("data-items") is not None, "for-you"
    )
    assert_inert(d, "storefront")
    # a search for a payload: the query is echoed (box, chips, result count) as text only
    d.get(base + "/?q=" + urllib.parse.quote(f"lamp {PAYLOADS['img']}"))
    wait(
        d,
        lambda d: d.find_element(By.ID, "results").get_attribute("data-state") is not None,
        "search results",
    )
    time.sleep(0.5)
    assert_inert(d, "search for a payload")
    assert d.find_element(By.ID, "q").get_attribute("value") == f"lamp {PAYLOADS['img']}"
    hits = d.find_elements(By.CSS_SELECTOR, "#results .hit")
    assert hits, "the poisoned catalog should match 'lamp'"
    # a visitor id with a payload is shown in the header and sent to the recommendations route
    d.execute_script("SM.setVisitor(arguments[0])", f"user {PAYLOADS['script']}")
    d.get(base + "/")
    wait(d, lambda d: d.find_element(By.ID, "visitor-id").text.startswith("user "), "the visitor id")
    assert d.find_element(By.ID, "visitor-id").text == f"user {PAYLOADS['script']}"
    time.sleep(1.0)
    assert_inert(d, "storefront as a payload visitor")
    # product pages: ingested products of every payload kind and the one written through the API
    for pid in ("X1", "X2", "X3", "X4", "X5", "API1"):
        d.get(f"{base}/product/{pid}")
        wait(d, lambda d: d.find_element(By.ID, "similar-items").get_attribute("data-items") is not None, pid)
        time.sleep(0.3)
        assert_inert(d, f"product {pid}")
        # the title the server sent is all escaped text, and the browser shows exactly that text
        raw = urllib.request.urlopen(f"{base}/product/{pid}", timeout=30).read().decode()
        inner = re.search(r'<h1 id="product-title">(.*?)</h1>', raw, re.S).group(1)
        assert "<" not in inner and ">" not in inner, inner
        assert d.find_element(By.ID, "product-title").text == html.unescape(inner).strip()
    # the API product's payload-laden attribute is shown as text
    d.get(f"{base}/product/API1")
    assert PAYLOADS["attr"].strip() in body_text(d)
    assert_inert(d, "product API1")


def sign_in(d, base: str, key: str) -> None:
    d.get(f"{base}/dashboard/login#key={key}")
    wait(d, lambda d: d.current_url.endswith("/dashboard/quality"), "sign-in and redirect")
    assert "#key" not in d.current_url


def test_dashboards_and_reports_run_no_payload(shop, browser):
    d, base = browser, shop["base"]
    # without signing in the dashboard shows the sign-in form, not the runs
    d.delete_all_cookies()
    d.get(base + "/dashboard/quality")
    assert d.find_elements(By.ID, "login-form") and not d.find_elements(By.ID, "runs-table")
    # a payload as the key in the sign-in link is shown as an error message, never run
    d.get(f"{base}/dashboard/login#key=" + urllib.parse.quote(PAYLOADS["img"]))
    wait(d, lambda d: d.find_element(By.ID, "login-error").is_displayed(), "the sign-in error")
    assert_inert(d, "sign-in with a payload key")
    sign_in(d, base, shop["keys"]["read"])
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#checks-table tbody tr"), "the run's checks")
    assert_inert(d, "quality dashboard")
    options = d.find_elements(By.CSS_SELECTOR, "#run-picker option")
    run_ids = [o.get_attribute("value") for o in options]
    assert run_ids
    # the run's source name (a payload) is shown as text in the picker and the run header
    assert PAYLOADS["script"] in options[0].text or any(PAYLOADS["script"] in o.text for o in options)
    for rid in run_ids:
        d.execute_script(
            "const p = document.getElementById('run-picker'); p.value = arguments[0];"
            "p.dispatchEvent(new Event('change'));",
            rid,
        )
        wait(d, lambda d, rid=rid: d.find_element(By.ID, "run-id").text == rid, f"run {rid}")
        time.sleep(0.3)
        assert_inert(d, f"quality run {rid}")
    # every run's report, served by the API (the dashboard cookie carries the key)
    for rid in run_ids:
        d.get(f"{base}/v1/quality/runs/{rid}?format=html")
        assert_inert(d, f"report {rid}")
        text = body_text(d)
        assert "Quality run" in text
        # quarantined rows and repairs show the payloads as text
        assert PAYLOADS["img"] in text or PAYLOADS["script"] in text, (
            f"report {rid}: payloads not shown as text"
        )
    d.get(base + "/dashboard/evaluation")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results .eval-block"), "evaluation results")
    assert_inert(d, "evaluation dashboard")
    text = body_text(d)
    assert f"set {PAYLOADS['img']}" in text and "`" not in text  # names as text, backticks as <code>
    assert d.find_elements(By.CSS_SELECTOR, "#search-results .note code")


def test_standalone_report_opens_offline_styled_and_inert(shop, browser):
    d = browser
    for report in sorted((shop["ws"] / "reports").glob("*.html")):
        d.get(report.as_uri())
        assert_inert(d, f"report file {report.name}")
        # its own style applies under its CSP (style by hash), nothing else loads
        assert d.execute_script("return getComputedStyle(document.body).maxWidth") == "1100px"
        assert PAYLOADS["img"] in body_text(d) or PAYLOADS["script"] in body_text(d)


def test_api_docs_render_offline_under_the_csp(shop, browser):
    d, base = browser, shop["base"]
    d.get(base + "/docs")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#swagger-ui .opblock"), "Swagger UI operations")
    ops = d.find_elements(By.CSS_SELECTOR, "#swagger-ui .opblock-summary-path")
    assert any("/v1/search" in o.text for o in ops)
    logs = assert_inert(d, "/docs")
    # every request the page made went to this server
    urls = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(base) for u in urls), urls
    assert not [m for m in logs if "net::" in m], logs
