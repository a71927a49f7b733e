"""The storefront and dashboard pages served by the API process: HTML, static files, no external URLs.

The workspace is a small bilingual demo shop put through the real gate and built into a real
release, so the product page renders what the release holds (Chinese and English titles alike).
What the pages *do* in a browser is tested in test_browser.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from page_util import BROWSER, error_page, json_error
from shopmind.cli import DEMO_GATE_TOML
from shopmind.config import config_from_dict
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.quality.report import write_report
from shopmind.release.build import build_release
from shopmind.release.components import default_components
from shopmind.search.money import format_money
from shopmind.serve.app import create_app
from shopmind.serve.pages import STATIC_DIR, TEMPLATES_DIR, attribute_pairs, product_view
from shopmind.store.store import Store

PAGES = ["/", "/dashboard/quality", "/dashboard/evaluation", "/dashboard/login", "/docs"]
# namespace names are identifiers that browsers never fetch
ALLOWED_URLS = {"http://www.w3.org/2000/svg"}
URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'<>)]*""")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    import tomllib

    ws = tmp_path_factory.mktemp("pages-ws")
    end = datetime(2026, 11, 1, tzinfo=UTC)
    shop = generate(seed=7, n_products=120, n_users=40, days=10, defect_rate=0.02, end=end)
    cfg = config_from_dict(tomllib.loads(DEMO_GATE_TOML))
    with Store(ws) as store:
        result = run_gate(shop.batch, cfg, store)
        _json, html = write_report(result, ws / "reports", store)
        publish(result, store, cfg, str(html))
    build_release(ws, default_components(), settings={"search": {"encoder": None}}, cache_dir=ws / "cache")
    return ws


@pytest.fixture(scope="module")
def client(workspace):
    with TestClient(create_app(workspace)) as c:
        yield c


@pytest.fixture(scope="module")
def reader(workspace) -> dict[str, str]:
    """Headers with a read key: the dashboards and quality routes need one (issue 10.3)."""
    from shopmind.serve.auth import KeyStore

    return {"Authorization": "Bearer " + KeyStore(workspace).add("pages-reader", "read")}


@pytest.fixture(scope="module")
def products(client) -> dict[str, dict]:
    shop = client.app.state.shop
    return dict(shop.current.products)


class Collect(HTMLParser):
    """Ids, meta tags, and every src/href, to assert on the page's structure without regexes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.meta: dict[str, str] = {}
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "meta" and "name" in a:
            self.meta[a["name"]] = a.get("content") or ""
        for k in ("src", "href", "action"):
            if a.get(k):
                self.refs.append(a[k])


def parse(html: str) -> Collect:
    c = Collect()
    c.feed(html)
    return c


def external_urls(text: str) -> list[str]:
    return [u for u in URL.findall(text) if u not in ALLOWED_URLS]


def test_storefront_has_search_facets_and_for_you(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = parse(r.text)
    for needed in ("q", "suggestions", "search-form", "results", "pagination", "understood", "sort",
                   "price-min", "price-max", "in-stock", "facet-brand", "facet-category", "facet-price",
                   "foryou", "foryou-items"):  # fmt: skip
        assert needed in page.ids, needed
    assert {"/static/common.js", "/static/storefront.js", "/static/style.css"} <= set(page.refs)
    sorts = re.findall(r'<option value="([a-z_]+)"', r.text)
    from shopmind.search.query import SORT_KEYS

    assert set(sorts) <= set(SORT_KEYS) and "relevance" in sorts


def test_pages_carry_the_storefront_events_key(client):
    """The key in the page is the server's own storefront key: it can post events (scope
    storefront) and nothing else (test_security.py checks every route)."""
    key = parse(client.get("/").text).meta["shopmind-key"]
    assert key and key == client.app.state.storefront_key
    ev = {"events": [{"event_id": "page-key-1", "type": "view", "user_id": "anon-x", "session_id": "s-x",
                      "item_id": next(iter(client.app.state.shop.current.products))}]}  # fmt: skip
    r = client.post("/v1/events", json=ev, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200 and r.json()["accepted"] == 1
    # an events key cannot change the catalog
    assert client.delete("/v1/products/x", headers={"Authorization": f"Bearer {key}"}).status_code == 403


def test_product_page_shows_the_release_product(client, products):
    zh = next(p for p in products.values() if p.get("language") == "zh" and p.get("attributes"))
    en = next(p for p in products.values() if p.get("language") == "en")
    for p in (zh, en):
        r = client.get(f"/product/{p['product_id']}")
        assert r.status_code == 200
        page = parse(r.text)
        assert {
            "product",
            "similar-items",
            "bought-together-items",
            "product-title",
            "product-price",
        } <= page.ids
        body = r.text
        assert _esc(p["title"]) in body
        assert _esc(p["brand"]) in body
        assert f'data-product-id="{p["product_id"]}"' in body
        # the tag as a shopper reads it before (or without) JavaScript: "€19.90", not "19.90 EUR"
        assert f">{_esc(format_money(p['price'], p['currency'], trim=False))}</p>" in body
        assert f"{p['price']:.2f} {p['currency']}" not in body
        if p.get("description"):
            assert _esc(p["description"]) in body
        for a in p.get("attributes") or []:
            assert _esc(a["key"]) in body and _esc(a["value"]) in body
        assert "/static/product.js" in page.refs
        # the catalog's image URLs point at another host: the page must not load them
        assert not external_urls(body), external_urls(body)


def _esc(s: str) -> str:
    from markupsafe import escape

    return str(escape(s))


def test_unknown_product_is_a_404_page(client):
    r = client.get("/product/NO-SUCH-ID")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "error-page" in parse(r.text).ids and "NO-SUCH-ID" in r.text
    # ids may contain a slash (the storefront percent-encodes them): still this page, not a bare 404
    r = client.get("/product/a%2Fb")
    assert r.status_code == 404 and "error-page" in parse(r.text).ids and "a/b" in r.text


def test_a_page_that_fails_on_the_server_is_an_error_page_with_the_request_id(
    workspace, products, monkeypatch
):
    """A page request that raises on the server showed the API's JSON error body in the browser tab
    (found on the dashboards, session 27): a person gets the error page with the request id to quote,
    in the page's language; a program asking for JSON keeps the JSON body; no traceback either way."""
    from shopmind.serve import pages

    def broken(product):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(pages, "product_view", broken)
    pid = next(iter(products))
    path = f"/product/{quote(pid, safe='')}"
    with TestClient(create_app(workspace), raise_server_exceptions=False) as c:
        page = error_page(c, path, 500)
        shown = re.search(r"request id (\S+): quote it", page)
        assert shown is not None and shown.group(1) not in ("-", "None")  # the id the log line carries
        assert "secret internals" not in page
        assert "服务器" in error_page(c, path + "?lang=zh", 500)
        api = json_error(c, path, 500)
        assert api["code"] == "internal" and "secret internals" not in api["message"]


def test_product_page_without_a_release_is_503(tmp_path):
    Store(tmp_path).close()
    with TestClient(create_app(tmp_path)) as c:
        r = c.get("/product/P1")
        assert r.status_code == 503 and "shopmind build" in r.text
        assert c.get("/").status_code == 200  # the storefront shell still loads and explains via the API


def test_dashboards_render(client, reader):
    q = parse(client.get("/dashboard/quality", headers=reader).text)
    assert {
        "runs-chart",
        "runs-table",
        "checks-table",
        "drift-chart",
        "account-table",
        "run-picker",
        "sign-out",
    } <= q.ids
    assert {"/static/charts.js", "/static/quality.js"} <= set(q.refs)
    e = parse(client.get("/dashboard/evaluation", headers=reader).text)
    assert {"search-results", "recs-results"} <= e.ids
    assert {"/static/charts.js", "/static/evaluation.js"} <= set(e.refs)


def test_dashboards_without_a_key_ask_for_one(client):
    for path in ("/dashboard/quality", "/dashboard/evaluation"):
        r = client.get(path)
        assert r.status_code == 401 and "login-form" in parse(r.text).ids
        assert "runs-table" not in parse(r.text).ids and "sign-out" not in parse(r.text).ids


def test_the_dashboards_data_exists_for_a_real_run(client, workspace, reader):
    """The quality dashboard reads /v1/quality/runs and the run's summary: the fields it charts are there."""
    runs = client.get("/v1/quality/runs", headers=reader).json()["runs"]
    assert runs and runs[0]["run_id"]
    # the list carries each run's totals (the table shows repaired cells for every run)
    assert runs[0]["totals"]["repaired_cells"] >= 0 and runs[0]["totals"]["input"] > 0
    s = client.get(f"/v1/quality/runs/{runs[0]['run_id']}", headers=reader).json()
    # completeness counted over some rows says which (events.query: only search events)
    assert s["completeness_scope"]["events"]["query"] == "search events"
    assert {"account", "totals", "checks", "drift", "completeness"} <= set(s)
    for c in s["checks"]:
        assert {
            "code",
            "table",
            "failed",
            "fraction",
            "threshold",
            "crossed",
            "severity",
            "action",
            "summary",
        } <= set(c)
    html = client.get(f"/v1/quality/runs/{runs[0]['run_id']}?format=html", headers=reader)
    assert html.status_code == 200 and "<svg" in html.text


def test_static_files_are_served(client):
    names = sorted(p.name for p in STATIC_DIR.iterdir() if p.is_file())
    assert {
        "common.js",
        "storefront.js",
        "product.js",
        "quality.js",
        "evaluation.js",
        "charts.js",
        "style.css",
    } <= set(names)
    for name in names:
        r = client.get(f"/static/{name}")
        assert r.status_code == 200, name
        assert r.content == (STATIC_DIR / name).read_bytes()
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")
    assert "javascript" in client.get("/static/common.js").headers["content-type"]
    assert client.get("/static/nope.js").status_code == 404
    assert client.get("/static/../pages.py").status_code == 404


def test_no_external_urls_anywhere(client, products):
    """No CDN, no web font, no image host: every page and asset works offline."""
    served = [client.get(p).text for p in PAGES]
    served.append(client.get(f"/product/{next(iter(products))}").text)
    for text in served:
        assert not external_urls(text), external_urls(text)
        for ref in parse(text).refs:
            assert ref.startswith(("/", "#")), ref
    for path in list(STATIC_DIR.iterdir()) + list(TEMPLATES_DIR.iterdir()):
        text = path.read_text(encoding="utf-8")
        assert not external_urls(text), (path.name, external_urls(text))
        assert "@import" not in text and "fonts.googleapis" not in text


def test_font_stack_covers_cjk():
    css = (STATIC_DIR / "style.css").read_text(encoding="utf-8")
    assert '"Noto Sans CJK SC"' in css


def test_the_url_check_catches_external_references():
    """The guard above must be able to fail."""
    assert external_urls('<script src="https://cdn.example.com/x.js"></script>')
    assert external_urls("url(//fonts.example.org/a.woff2)")
    assert not external_urls('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    assert not external_urls('<a href="/product/P1">x</a>')


# ---------------------------------------------------------------- product view helpers
def test_product_view_hides_image_and_internal_fields():
    view = product_view(
        {
            "product_id": "P9",
            "title": "蓝色衬衫",
            "price": 12,
            "currency": "CNY",
            "category_path": "Men > Shirts",
            "image_url": "https://img.example.com/p.jpg",
            "_run_id": "r1",
            "stock": 3,
            "rating": 4.5,
            "attributes": [{"key": "颜色", "value": "蓝色"}],
        }  # fmt: skip
    )
    assert view["crumbs"] == ["Men", "Shirts"]
    assert view["attributes"] == [("颜色", "蓝色")]
    assert view["price"] == 12.0 and view["stock"] == 3
    assert dict(view["details"]) == {"rating": "4.5"}


_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


@given(st.dictionaries(_text, _text, max_size=6))
def test_attribute_forms_agree(attrs):
    """A mapping, a list of key/value structs and their JSON text all show the same pairs."""
    import json

    as_list = [{"key": k, "value": v} for k, v in attrs.items()]
    expected = list(attrs.items())
    assert attribute_pairs(attrs) == expected
    assert attribute_pairs(as_list) == expected
    assert attribute_pairs(json.dumps(as_list)) == expected


def test_an_out_of_stock_product_offers_no_add_to_cart(client, products):
    out = next(p for p in products.values() if p.get("stock") == 0)
    sold = parse_button(client.get(f"/product/{out['product_id']}").text)
    assert sold == ("Out of stock", True)
    there = next(p for p in products.values() if (p.get("stock") or 0) > 0)
    assert parse_button(client.get(f"/product/{there['product_id']}").text) == ("Add to cart", False)


def parse_button(html: str) -> tuple[str, bool]:
    """The add-to-cart button's text and whether it is disabled."""
    m = re.search(r'<button type="button" id="add-to-cart"( disabled)?>([^<]*)</button>', html)
    assert m, "no add-to-cart button"
    return m.group(2), bool(m.group(1))


def test_a_browser_on_a_path_that_does_not_exist_gets_a_page_back_to_the_store(client):
    page = error_page(client, "/search?q=red%20dress", 404)
    assert "There is no page at /search." in page
    # the query a shopper typed into a storefront-like URL is carried to the storefront's own search
    assert 'href="/?q=red%20dress"' in page and "search-instead" in parse(page).ids
    assert "search-instead" not in error_page(client, "/dashbord", 404)
    # programs keep the API's JSON error body: no Accept for HTML, an API path, a POST
    for path, headers in (("/search", {}), ("/v1/nope", BROWSER), ("/static/nope.js", BROWSER)):
        assert json_error(client, path, 404, headers)["code"] == "not_found", path
    posted = client.post("/search", headers=BROWSER).json()["error"]["code"]
    assert posted in ("not_found", "method_not_allowed")
