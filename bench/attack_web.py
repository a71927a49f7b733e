"""Attack the web surface as a visitor would (issue 10, items 1, 3, 4 of "Measure and keep").

A shop whose every text field carries script payloads and personal data (e-mails, phone numbers,
customer ids) goes through the real gate and build. Then, against the real app:

* **pii_visible_without_key** — every route and page is fetched with no key and with the public
  storefront key; each planted personal string found in a body counts once per (route, key).
* **monitor_open** — routes that hold operational data (quality runs, reports, evaluation,
  releases, metrics, dashboards) that answered 200 to no key or the storefront key.
* **unescaped_payloads** — HTML responses (pages and every run's report) containing a payload
  verbatim, i.e. as markup rather than text.
* **missing_security_headers** — responses without nosniff / frame-ancestors / a CSP.
* **payloads_executed_in_chromium** — with Debian's chromium + chromedriver present: every page,
  every run's report (served and the file) opened in headless Chromium, counting pages where a
  payload set ``window.__pwned``, changed the title or opened an alert (``null`` without a browser).

All must be 0. Prints JSON and saves ``bench/results/attack_web.json``.

    python bench/attack_web.py [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.quality.gate import publish, run_gate
from shopmind.quality.report import write_report
from shopmind.release.build import build_release
from shopmind.release.components import default_components
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore

OUT = Path(__file__).parent / "results" / "attack_web.json"
MARK = "window.__pwned=1;document.title='PWNED'"
PAYLOADS = (
    f'<img src=x onerror="{MARK}">',
    f"<script>{MARK}</script>",
    f'"><svg onload="{MARK}">',
    f"javascript:{MARK}",
)
EMAILS = [f"customer{i}@example-shop.org" for i in range(6)]
PHONE = "+49 30 1234 5678"
USERS = [f"cust-{i:04d}-{EMAILS[i % 6]}" for i in range(12)]


def corpus() -> Batch:
    n = 40
    products = pl.DataFrame(
        {
            "product_id": [f"A{i}" for i in range(n)],
            "title": [f"kettle {i} {PAYLOADS[i % 4]}" for i in range(n)],
            # catalog text is the shop's own public content: payloads, but no customer data
            "description": [f"a kettle {PAYLOADS[(i + 1) % 4]}" for i in range(n)],
            "category_path": [f"Kitchen > Kettles {PAYLOADS[(i + 2) % 4]}" for i in range(n)],
            "brand": [f"Brand {PAYLOADS[(i + 3) % 4]}" for i in range(n)],
            "price": [-1.0 if i < 2 else 20.0 + i for i in range(n)],
            "currency": ["EUR"] * n,
            "stock": [4] * n,
            "attributes": [json.dumps({"colour": PAYLOADS[i % 4]}) for i in range(n)],
        }
    )
    m = 400
    events = pl.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(m)],
            "user_id": [USERS[i % len(USERS)] for i in range(m)],
            "session_id": [f"s{i // 8}" for i in range(m)],
            "item_id": [f"A{(i * 7) % n}" if i % 25 else f"GONE-{PAYLOADS[i % 4]}" for i in range(m)],
            "type": ["view" if i % 5 else "search" for i in range(m)],
            # customers type contact details into the search box: queries are personal data too
            "query": [
                None if i % 5 else f"kettle {PAYLOADS[i % 4]} {EMAILS[i % 6]} {PHONE}" for i in range(m)
            ],
            "timestamp": [1767225600 + 60 * i if i % 200 != 9 else -5 for i in range(m)],
        }
    )
    return Batch(f"feed {PAYLOADS[1]}", products=products, events=events)


def make_workspace(ws: Path) -> None:
    cfg = GateConfig()
    from shopmind.store.store import Store

    with Store(ws) as store:
        result = run_gate(corpus(), cfg, store)
        write_report(result, ws / "reports", store)
        publish(result, store, cfg, None)
    build_release(ws, default_components(), settings={"search": {"encoder": None}}, cache_dir=ws / "cache")
    (ws / "evaluation").mkdir(exist_ok=True)
    (ws / "evaluation" / "search-attack.json").write_text(
        json.dumps(
            {"dataset": f"set {PAYLOADS[0]}", "notes": [f"by {EMAILS[0]} {PAYLOADS[1]}"], "methods": {}}
        ),
        encoding="utf-8",
    )


def surface(run_ids: list[str]) -> list[tuple[str, str, bool]]:
    """(method, path, holds operational data) for every route and page."""
    routes = [
        ("GET", "/", False),
        ("GET", "/product/A3", False),
        ("GET", "/product/A4", False),
        ("GET", "/docs", False),
        ("GET", "/dashboard/login", False),
        ("GET", "/openapi.json", False),
        ("GET", "/v1/search?q=kettle", False),
        ("GET", "/v1/autocomplete?q=ke", False),
        ("GET", "/v1/autocomplete?q=kettle", False),
        ("GET", f"/v1/users/{USERS[0]}/recommendations", False),
        ("GET", "/v1/items/A3/similar", False),
        ("GET", "/v1/items/A3/bought-together", False),
        ("GET", "/healthz", False),
        ("GET", "/readyz", False),
        ("GET", "/v1/quality/runs", True),
        ("GET", "/v1/evaluation", True),
        ("GET", "/v1/releases", True),
        ("GET", "/metrics", True),
        ("GET", "/dashboard/quality", True),
        ("GET", "/dashboard/evaluation", True),
    ]
    for rid in run_ids:
        routes += [
            ("GET", f"/v1/quality/runs/{rid}", True),
            ("GET", f"/v1/quality/runs/{rid}?format=html", True),
        ]
    return routes


def http_checks(ws: Path) -> dict:
    run_ids = sorted(p.stem for p in (ws / "reports").glob("*.json"))
    pii = EMAILS + USERS + [PHONE]
    found: list[dict] = []
    monitor_open: list[str] = []
    unescaped: list[str] = []
    headers_missing: list[str] = []
    read_key = KeyStore(ws).add("attack-read", "read")
    with TestClient(create_app(ws)) as c:
        storefront = c.app.state.storefront_key
        tried = 0
        for method, path, monitor in surface(run_ids):
            for kind, key in (("none", None), ("storefront", storefront), ("read", read_key)):
                r = c.request(method, path, headers={"Authorization": f"Bearer {key}"} if key else {})
                tried += 1
                h = r.headers
                if h.get("x-content-type-options") != "nosniff" or "frame-ancestors 'none'" not in h.get(
                    "content-security-policy", ""
                ):
                    headers_missing.append(f"{path} [{kind}]")
                html = h.get("content-type", "").startswith("text/html") and r.status_code == 200
                if html and any(p in r.text for p in PAYLOADS[:3]):
                    unescaped.append(f"{path} [{kind}]")
                if kind == "read":
                    continue
                if monitor and r.status_code == 200:
                    monitor_open.append(f"{path} [{kind}]")
                for s in pii:
                    if s in r.text:
                        found.append({"path": path, "key": kind, "string": s})
    return {
        "requests": tried,
        "pii_visible_without_key": len(found),
        "pii_examples": found[:10],
        "monitor_open": len(monitor_open),
        "monitor_open_examples": monitor_open[:10],
        "unescaped_payloads": len(unescaped),
        "unescaped_examples": unescaped[:10],
        "missing_security_headers": len(headers_missing),
        "missing_header_examples": headers_missing[:10],
        "reports": len(run_ids),
    }


def browser_checks(ws: Path) -> dict | None:
    """Open every page and report in headless Chromium; None when no browser is installed."""
    chromium, driver_bin = Path("/usr/bin/chromium"), shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (chromium.exists() and Path(driver_bin).exists()):
        return None
    import uvicorn
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(ws)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    read_key = KeyStore(ws).add("attack-browser", "read")
    opts = Options()
    opts.binary_location = str(chromium)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        opts.add_argument(arg)
    d = webdriver.Chrome(service=Service(driver_bin), options=opts)
    executed: list[str] = []
    pages = 0

    def ran() -> bool:
        try:
            d.switch_to.alert.dismiss()
            return True
        except NoAlertPresentException:
            return d.execute_script("return window.__pwned") is not None or d.title == "PWNED"

    try:
        # the detector itself: a page that does run the payload must be counted
        d.get('data:text/html,<title>x</title><img src=x onerror="' + MARK + '">')
        time.sleep(0.5)
        detector_works = ran()
        run_ids = sorted(p.stem for p in (ws / "reports").glob("*.json"))
        d.get(f"{base}/dashboard/login#key={read_key}")
        time.sleep(1.5)
        signed_in = d.current_url.endswith("/dashboard/quality")
        urls = [f"{base}/", f"{base}/?q=kettle%20%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", f"{base}/docs"]
        urls += [f"{base}/product/A{i}" for i in range(2, 8)]
        urls += [f"{base}/dashboard/quality", f"{base}/dashboard/evaluation"]
        urls += [f"{base}/dashboard/quality#run={rid}" for rid in run_ids]
        urls += [f"{base}/v1/quality/runs/{rid}?format=html" for rid in run_ids]
        urls += [p.as_uri() for p in sorted((ws / "reports").glob("*.html"))]
        for url in urls:
            d.get("about:blank")
            d.get(url)
            time.sleep(0.8)
            pages += 1
            if ran():
                executed.append(url)
    finally:
        d.quit()
        server.should_exit = True
    return {
        "pages": pages,
        "executed": len(executed),
        "executed_examples": executed[:10],
        "detector_counts_a_live_payload": detector_works,
        "dashboards_signed_in": signed_in,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    args = ap.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="attack-web-") as tmp:
        ws = Path(tmp) / "ws"
        make_workspace(ws)
        result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), **http_checks(ws)}
        browser = None if args.no_browser else browser_checks(ws)
        result["payloads_executed_in_chromium"] = None if browser is None else browser["executed"]
        result["browser"] = browser
    result["seconds"] = round(time.perf_counter() - started, 1)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
