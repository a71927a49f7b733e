"""Issue 10 (items 1, 3, 4) and the offline docs of issue 18: what a visitor, a poisoned feed or a
leaked page can do — escaping and CSP, least-privilege keys on every route, personal data masked
in reports and logs, owner-only workspace files.

The workspace is a small shop whose every text field carries script payloads and personal data,
put through the real gate (quarantined rows, repairs, flags) and built into a real release. What
a browser does with these pages is checked in test_xss_browser.py; the masking and pseudonym
functions, the command line's private workspace and autocomplete in test_security_privacy.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.privacy import pseudonymise, secure_workspace, workspace_secret
from shopmind.quality.gate import publish, run_gate
from shopmind.quality.report import write_report
from shopmind.release.build import build_release
from shopmind.release.components import default_components
from shopmind.serve.app import create_app
from shopmind.serve.auth import DASHBOARD_COOKIE, GRANTS, SCOPES, KeyStore
from shopmind.serve.pages import STATIC_DIR, TEMPLATES_DIR
from shopmind.store.store import Store

XSS = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=2</script>"
BREAKOUT = '"><svg onload="window.__pwned=3">'
JS_URL = "javascript:window.__pwned=4"
PAYLOADS = (XSS, SCRIPT, BREAKOUT, JS_URL)
EMAIL = "jane.roe@example.org"
PHONE = "+44 20 7946 0958"
N = 40


def poisoned_batch() -> Batch:
    """A shop whose text fields, ids and quarantined rows all carry payloads and personal data."""
    n = N
    products = pl.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(n)],
            "title": [f"lamp {i} {PAYLOADS[i % 4]}" for i in range(n)],
            "description": [f"call {PHONE} or write {EMAIL} {SCRIPT}" for _ in range(n)],
            "category_path": [f"Home > Lamps {BREAKOUT}" for _ in range(n)],
            "brand": [XSS if i % 2 else JS_URL for i in range(n)],
            # two rows with a non-positive price are quarantined with their payloads
            "price": [-1.0 if i < 2 else 10.0 + i for i in range(n)],
            "currency": ["USD"] * n,
            "stock": [5] * n,
            "attributes": [json.dumps({"colour": XSS, BREAKOUT: "x"}) for _ in range(n)],
        }
    )
    m = 400
    events = pl.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(m)],
            "user_id": [EMAIL if i % 3 == 0 else f"{XSS}u{i % 20}" for i in range(m)],
            "session_id": [f"s{i // 20}" for i in range(m)],
            "item_id": [f"P{(i * 7) % n}" if i % 10 else "NOPE" + SCRIPT for i in range(m)],
            "type": ["view" if i % 4 else "search" for i in range(m)],
            "query": [None if i % 4 else f"{SCRIPT} lamp {EMAIL}" for i in range(m)],
            # two events have an impossible timestamp: quarantined with their raw rows
            "timestamp": [1767225600 + 60 * i if i % 200 != 7 else -99 for i in range(m)],
        }
    )
    # judgments: the same pair judged twice is quarantined (JDG_DUP) with its payload query
    judgments = pl.DataFrame(
        {
            "query": [f"lamp {PAYLOADS[i % 4]}" for i in range(10)] + [f"lamp {PAYLOADS[0]}"],
            "product_id": [f"P{i}" for i in range(10)] + ["P0"],
            "relevance": [float(i % 3) for i in range(10)] + [2.0],
        }
    )
    return Batch(
        f"feed {SCRIPT}",
        products=products,
        events=events,
        judgments=judgments,
        meta={"note": f"from {EMAIL}"},
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("sec-ws")
    cfg = GateConfig()
    with Store(ws) as store:
        result = run_gate(poisoned_batch(), cfg, store)
        write_report(result, ws / "reports", store)
        publish(result, store, cfg, None)
    build_release(ws, default_components(), settings={"search": {"encoder": None}}, cache_dir=ws / "cache")
    return ws


@pytest.fixture(scope="module")
def keys(workspace) -> dict[str, str]:
    ks = KeyStore(workspace)
    return {s: ks.add(f"test-{s}", s) for s in ("read", "events", "write", "admin")}


@pytest.fixture(scope="module")
def client(workspace, keys):
    with TestClient(create_app(workspace, {"poll_seconds": 0.2})) as c:
        keys["storefront"] = c.app.state.storefront_key
        yield c


def report_paths(ws: Path) -> tuple[Path, Path]:
    html = next((ws / "reports").glob("*.html"))
    return html.with_suffix(".json"), html


class Markup(HTMLParser):
    """Every element, attribute and script of a document, to assert nothing active is in it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


OUR_SCRIPTS = ("/static/", "/docs-assets/")


def active_content(html: str) -> list[str]:
    """Inline scripts, scripts from elsewhere, frames, event-handler and style attributes,
    javascript: URLs: all must be absent (our own ``<script src="/static/…">`` are fine)."""
    m = Markup()
    m.feed(html)
    found = [f"<{t}>" for t in m.tags if t in ("iframe", "object", "embed", "base")]
    srcs = [v for t, k, v in m.attrs if t == "script" and k == "src"]
    found += ["<script> inline or foreign"] * (
        m.tags.count("script") - sum(s.startswith(OUR_SCRIPTS) for s in srcs)
    )
    found += [f"{t} {k}" for t, k, _ in m.attrs if k.startswith("on") or k == "style"]
    found += [f"{t} {k}={v}" for t, k, v in m.attrs if v.strip().lower().startswith("javascript:")]
    return found


# ------------------------------------------------------------------ 10.1 the report


def test_the_report_escapes_every_payload_and_allows_no_script(workspace):
    _json, html_path = report_paths(workspace)
    html = html_path.read_text(encoding="utf-8")
    assert active_content(html) == []
    for p in (XSS, SCRIPT, BREAKOUT):
        assert p not in html
    # the payloads are shown as text: the quarantined rows (of every table), repairs, source name
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;" in html
    for table in ("products", "events", "judgments"):
        assert f"<code>{table}:" in html, table
    assert "PRD_PRICE_NONPOSITIVE" in html or "price" in html
    # its policy: no script at all, nothing fetched, only its own style block (by hash)
    m = Markup()
    m.feed(html)
    csp = next(v for t, k, v in m.attrs if t == "meta" and k == "content" and "default-src" in v)
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
    (style,) = m.styles
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_report_and_quarantine_mask_personal_data(workspace):
    json_path, html_path = report_paths(workspace)
    secret = workspace_secret(workspace)
    for text in (html_path.read_text(encoding="utf-8"), json_path.read_text(encoding="utf-8")):
        assert EMAIL not in text and "7946 0958" not in text
    html = html_path.read_text(encoding="utf-8")
    # a quarantined event's user is shown by its pseudonym (the same in every report of the shop)
    assert pseudonymise(EMAIL, secret) in html
    assert "j***@***.org" in html  # the e-mail inside free text, masked


def test_report_notes_are_readable_not_json(workspace):
    html = report_paths(workspace)[1].read_text(encoding="utf-8")
    notes = html[html.index("<h2>Notes</h2>") :]
    assert "<dl" in notes and '{"' not in notes and "&#34;" not in notes.split("</dl>")[0][:200]


def test_report_files_and_workspace_are_owner_only(workspace):
    json_path, html_path = report_paths(workspace)
    for p in (json_path, html_path):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert stat.S_IMODE((workspace / "reports").stat().st_mode) == 0o700
    assert stat.S_IMODE((workspace / "privacy.key").stat().st_mode) == 0o600


def test_secure_workspace_tightens_an_old_workspace(tmp_path):
    ws = tmp_path / "ws"
    (ws / "reports").mkdir(parents=True)
    for name in ("shopmind.duckdb", "live.sqlite", "live.sqlite-wal", "keys.json", "reports/r.html"):
        (ws / name).write_text("x")
        (ws / name).chmod(0o644)
    ws.chmod(0o755)
    (ws / "README").write_text("mine")  # not workspace data: left alone
    (ws / "README").chmod(0o644)
    secure_workspace(ws)
    assert stat.S_IMODE(ws.stat().st_mode) == 0o700
    for name in ("shopmind.duckdb", "live.sqlite", "live.sqlite-wal", "keys.json", "reports/r.html"):
        assert stat.S_IMODE((ws / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE((ws / "reports").stat().st_mode) == 0o700
    assert stat.S_IMODE((ws / "README").stat().st_mode) == 0o644


def test_create_app_makes_the_live_log_private(tmp_path):
    Store(tmp_path).close()
    (tmp_path / "shopmind.duckdb").chmod(0o644)
    with TestClient(create_app(tmp_path)):
        pass
    assert stat.S_IMODE((tmp_path / "shopmind.duckdb").stat().st_mode) == 0o600
    live = tmp_path / "live.sqlite"
    assert live.exists() and stat.S_IMODE(live.stat().st_mode) & 0o077 == 0


# ------------------------------------------------------------------ 10.3 keys per route

KINDS = ("none", "storefront", "read", "events", "write", "admin")
EV = {"events": [{"event_id": "sec-1", "type": "view", "user_id": "u1", "session_id": "s1", "item_id": "P5"}]}
#: (method, path, body, capability it needs)
ROUTES = [
    ("GET", "/v1/search?q=lamp", None, "read"),
    ("GET", "/v1/autocomplete?q=la", None, "read"),
    ("GET", "/v1/users/u1/recommendations", None, "read"),
    ("GET", "/v1/items/P5/similar", None, "read"),
    ("GET", "/v1/items/P5/bought-together", None, "read"),
    ("POST", "/v1/sessions/recommendations", {"events": [{"item_id": "P5", "type": "view"}]}, "read"),
    ("POST", "/v1/events", EV, "events"),
    ("PUT", "/v1/products/P7", {"title": "desk lamp", "price": 20.0, "currency": "USD"}, "write"),
    ("GET", "/v1/quality/runs", None, "monitor"),
    ("GET", "/v1/quality/runs/{run}", None, "monitor"),
    ("GET", "/v1/quality/runs/{run}?format=html", None, "monitor"),
    ("GET", "/v1/evaluation", None, "monitor"),
    ("GET", "/v1/releases", None, "monitor"),
    ("GET", "/metrics", None, "monitor"),
    ("POST", "/v1/admin/reload", None, "admin"),
    ("GET", "/dashboard/quality", None, "monitor"),
    ("GET", "/dashboard/evaluation", None, "monitor"),
]


def expected_status(kind: str, capability: str, read_key_required: bool) -> int:
    if capability == "read" and not read_key_required:
        return 200
    if kind == "none":
        return 401
    return 200 if capability in GRANTS[kind] else 403


@pytest.mark.parametrize("read_key_required", [False, True])
def test_every_route_and_every_key_kind(workspace, keys, read_key_required):
    run = report_paths(workspace)[1].stem
    settings = {"poll_seconds": 0.2, "read_key_required": read_key_required}
    with TestClient(create_app(workspace, settings)) as c:
        all_keys = {**keys, "storefront": c.app.state.storefront_key}
        table = []
        for method, path, body, capability in ROUTES:
            for kind in KINDS:
                headers = {} if kind == "none" else {"Authorization": f"Bearer {all_keys[kind]}"}
                r = c.request(method, path.format(run=run), json=body, headers=headers)
                want = expected_status(kind, capability, read_key_required)
                table.append((method, path, kind, r.status_code, want, r.text[:200]))
        wrong = [row for row in table if row[3] != row[4]]
        assert not wrong, wrong
    # the public key can do exactly two things
    assert GRANTS["storefront"] == {"read", "events"} and set(SCOPES) >= set(GRANTS)


def test_the_page_key_is_the_least_privileged(client):
    key = re.search(r'name="shopmind-key" content="([^"]+)"', client.get("/").text).group(1)
    h = {"Authorization": f"Bearer {key}"}
    assert client.get("/v1/quality/runs", headers=h).status_code == 403
    assert client.get("/metrics", headers=h).status_code == 403
    assert client.get("/v1/search?q=lamp", headers=h).status_code == 200


def test_dashboard_sign_in_keeps_the_key_in_an_httponly_strict_cookie(workspace, keys):
    with TestClient(create_app(workspace, {"poll_seconds": 0.2})) as c:
        page = c.get("/dashboard/quality")
        assert page.status_code == 401 and 'id="login-form"' in page.text
        assert c.get("/v1/quality/runs").status_code == 401
        sf = c.app.state.storefront_key
        assert c.post("/dashboard/login", json={"key": sf}).status_code == 403
        assert c.post("/dashboard/login", json={"key": "sm_wrong"}).status_code == 401
        r = c.post("/dashboard/login", json={"key": keys["read"]})
        assert r.status_code == 200
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(DASHBOARD_COOKIE + "=") and "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
        assert "expires" not in cookie.lower() and "max-age" not in cookie.lower()  # browser session
        assert c.get("/dashboard/quality").status_code == 200
        assert c.get("/v1/quality/runs").status_code == 200
        # the cookie only ever reads: an admin cookie cannot reload or write
        c.post("/dashboard/login", json={"key": keys["admin"]})
        assert c.post("/v1/admin/reload").status_code == 401
        assert c.post("/v1/events", json=EV).status_code == 401
        c.post("/dashboard/logout")
        assert c.get("/v1/quality/runs").status_code == 401


def test_metrics_can_be_left_unkeyed_for_a_private_port(workspace):
    with TestClient(create_app(workspace, {"metrics_key_required": False})) as c:
        assert c.get("/metrics").status_code == 200
        assert c.get("/v1/quality/runs").status_code == 401  # only metrics


# ------------------------------------------------------------------ 10.1 headers


def test_every_response_carries_the_security_headers(client, keys, workspace):
    run = report_paths(workspace)[1].stem
    h = {"Authorization": f"Bearer {keys['admin']}"}
    pages = ["/", "/product/P5", "/product/nope", "/dashboard/quality", "/docs", "/dashboard/login"]
    for path in pages + [
        "/v1/search?q=lamp",
        "/healthz",
        "/v1/nope",
        "/static/common.js",
        f"/v1/quality/runs/{run}",
    ]:
        r = client.get(path, headers=h)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "same-origin", path
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, (
            path
        )
    for path in pages:
        csp = client.get(path, headers=h).headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, path
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp, path
    report = client.get(f"/v1/quality/runs/{run}?format=html", headers=h)
    csp = report.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp


def test_pages_render_data_escaped(client, keys):
    from markupsafe import escape

    for pid in ("P2", "P3", "P4", "P5"):  # one product per payload kind
        r = client.get(f"/product/{pid}")
        assert r.status_code == 200
        assert active_content(r.text) == []
        product = client.app.state.shop.product(pid)
        shown = [f for f in ("title", "brand", "description", "category_path") if product.get(f)]
        assert "title" in shown and "description" in shown
        for field in shown:
            assert str(escape(product[field])) in r.text, (pid, field)
    for path in ("/", "/dashboard/quality", "/dashboard/evaluation", "/dashboard/login", "/docs"):
        assert (
            active_content(client.get(path, headers={"Authorization": f"Bearer {keys['read']}"}).text) == []
        )


def test_templates_and_scripts_have_no_inline_code_or_raw_html():
    """The class of fault, statically: no inline script/style/handler in a template, no |safe
    except the report's own CSS, no innerHTML/insertAdjacentHTML/document.write in a script."""
    report_tpl = Path(__file__).resolve().parents[1] / "src/shopmind/quality/templates/report.html.j2"
    for path in [*TEMPLATES_DIR.glob("*.html"), report_tpl]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
        assert not re.search(r"\s(on[a-z]+|style)=", text), path.name
        safe = re.findall(r"\{\{\s*([^}|]+?)\s*\|\s*safe", text)
        assert set(safe) <= {"css", "account_svg", "failures_svg", "ch.svg", "trend_svg"}, (path.name, safe)
    for path in STATIC_DIR.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        for sink in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ):
            assert sink not in text, (path.name, sink)


def test_svg_charts_escape_their_labels():
    from shopmind.quality import svg

    out = svg.hbars([(XSS, 3.0), (SCRIPT, 1.0)]) + svg.lines({BREAKOUT: [0.1, 0.2]}, [SCRIPT, XSS])
    out += svg.histogram({SCRIPT: [1.0, 2.0, 3.0]})
    assert active_content(out) == [] and "<script" not in out and "<img" not in out


# ------------------------------------------------------------------ 10.4 logs


def test_the_access_log_holds_no_email_or_raw_user_id(client):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    lg = logging.getLogger("shopmind.http")
    handler, level = Keep(), lg.level
    lg.addHandler(handler)
    lg.setLevel(logging.INFO)
    try:
        client.get(f"/v1/users/{EMAIL}/recommendations")
        client.get("/v1/users/alice-42/recommendations")
        client.get(f"/product/x-{EMAIL}")
    finally:
        lg.removeHandler(handler)
        lg.setLevel(level)
    paths = [r.fields["path"] for r in records]
    assert len(paths) == 3
    assert all(EMAIL not in p for p in paths), paths
    assert "alice-42" not in paths[1] and paths[1].startswith("/v1/users/~")
    secret = workspace_secret(client.app.state.workspace)
    assert paths[0] == f"/v1/users/{pseudonymise(EMAIL, secret)}/recommendations"


# ------------------------------------------------------------------ 18.12 /docs offline


def test_docs_are_served_from_the_package(client):
    r = client.get("/docs")
    assert r.status_code == 200
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert "/docs-assets/swagger-ui-bundle.js" in refs and "/docs-assets/swagger-ui.css" in refs
    assert all(ref.startswith(("/", "#")) for ref in refs), refs
    js = client.get("/docs-assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 500_000 and "SwaggerUIBundle" in js.text[:2000]
    assert client.get("/docs-assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/docs-assets/index.html").status_code == 404
    assert client.get("/docs-assets/..%2F__init__.py").status_code == 404
    init = (STATIC_DIR / "docs.js").read_text(encoding="utf-8")
    assert "validatorUrl: null" in init and "/openapi.json" in init


def test_a_replaced_key_stops_working(tmp_path):
    """`shopmind demo` hands out a fresh dashboard key each run; the previous one is revoked."""
    ks = KeyStore(tmp_path)
    other = ks.add("ci", "read")
    first = ks.replace("demo dashboard", "read")
    second = ks.replace("demo dashboard", "read")
    fresh = KeyStore(tmp_path)  # as a server reloading keys.json sees it
    assert fresh.check(first, "monitor") == "invalid"
    assert fresh.check(second, "monitor") == "ok" and fresh.check(other, "monitor") == "ok"
    assert [r.name for r in fresh.list()].count("demo dashboard") == 1
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600
