"""The storefront in a real browser: headless Chromium driven by Selenium against `shopmind serve`.

A small demo shop goes through the real commands (demo-data -> ingest -> build), the server runs
in a subprocess on a free port, and the test does what a shopper does: type (autocomplete), search,
tick a brand facet, open a product, come back — and checks that the "For you" row changed because
of the click. With SHOPMIND_SCREENSHOTS=1 it also writes docs/screenshots/*.png.

Needs the Debian packages chromium, chromium-driver and fonts-noto-cjk (`.ci/run` installs them);
skipped when the browser or its driver is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from browser_util import HAVE_BROWSER, SKIP_REASON, chrome, served

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = os.environ.get("SHOPMIND_SCREENSHOTS") == "1"
QUERY = "shirt"

if not HAVE_BROWSER:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def shopmind(*args: str, cwd: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, f"shopmind {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """A built demo shop served on a free port; yields the base URL."""
    tmp = tmp_path_factory.mktemp("browser")
    shopmind("demo-data", "--out", "demo", "--products", "300", "--users", "120", "--days", "20",
             "--end", "2026-10-31", cwd=tmp)  # fmt: skip
    shopmind("ingest", "demo", "--config", "demo/gate.toml", "--workspace", "ws", cwd=tmp)
    # a second batch of the same source, so the quality dashboard has a history and a drift chart
    shopmind("demo-data", "--out", "demo", "--products", "300", "--users", "120", "--days", "20",
             "--end", "2026-11-01", "--seed", "43", cwd=tmp)  # fmt: skip
    # the generator numbers events from 0 whatever the seed: a stored id with other content is an
    # EVT_ID_CONFLICT (quarantined), so the second batch's events get ids of their own
    for f in (tmp / "demo").glob("events.*"):
        read, write = (
            (pl.read_parquet, "write_parquet") if f.suffix == ".parquet" else (pl.read_csv, "write_csv")
        )
        frame = read(f)
        getattr(frame.with_columns(("b2-" + pl.col("event_id").cast(pl.Utf8)).alias("event_id")), write)(f)
    shopmind("ingest", "demo", "--config", "demo/gate.toml", "--workspace", "ws", cwd=tmp)
    # the light encoder keeps the build short; the pages do not depend on which one ranks
    (tmp / "build.toml").write_text('[search]\nencoder = "use"\n', encoding="utf-8")
    shopmind("build", "--workspace", "ws", "--config", "build.toml", cwd=tmp)
    # evaluation results as `shopmind evaluate ... --out` writes them, for the evaluation dashboard
    (tmp / "ws" / "evaluation").mkdir()
    for f in sorted((ROOT / "bench" / "results").glob("*.json")):
        if f.name.startswith(("search-", "recs-")):
            shutil.copy(f, tmp / "ws" / "evaluation" / f.name)
    # the dashboards and quality routes need a read key (issue 10.3)
    made = subprocess.run([sys.executable, "-m", "shopmind.cli", "keys", "add", "browser", "--scope", "read",
                           "--workspace", "ws"], cwd=tmp, capture_output=True, text=True, check=True)  # fmt: skip
    READ_KEY[0] = made.stdout.strip().splitlines()[0]
    with served(tmp / "ws", timeout=120, log=tmp / "serve.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    driver = chrome("1280,1000")
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver, condition, what: str, timeout: float = 60):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d))
    except TimeoutException:
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        pytest.fail(f"timed out waiting for {what}; browser errors: {errors}")


def attr(driver, css: str, name: str) -> str | None:
    els = driver.find_elements(By.CSS_SELECTOR, css)
    return els[0].get_attribute(name) if els else None


def total(driver) -> int | None:
    v = attr(driver, "#result-count", "data-total")
    return int(v) if v not in (None, "") else None


def shows(driver) -> str | None:
    """The URL query string of the search the result list shows (set once a search is rendered)."""
    return attr(driver, "#results", "data-state")


def shot(driver, name: str) -> None:
    if SCREENSHOTS:
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        # the whole page, not just the viewport (capped so a long table does not make a poster)
        height = min(
            max(int(driver.execute_script("return document.documentElement.scrollHeight")), 800), 2400
        )
        metrics = {"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        time.sleep(0.3)
        driver.save_screenshot(str(out / f"{name}.png"))
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


#: The read key the server fixture made (for the dashboards and the quality routes).
READ_KEY: list[str] = [""]


def api(base: str, path: str) -> dict:
    headers = {"Authorization": f"Bearer {READ_KEY[0]}"} if READ_KEY[0] else {}
    with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=30) as r:
        return json.loads(r.read())


def settle(base: str, query: str, timeout: float = 30) -> None:
    """Search ``query`` until its answer is fused: a server answers a new query before its vector
    exists ("pending") and encodes it in the background, so the first answer and a later one may
    rank differently — a test comparing two answers of one query compares settled ones."""
    deadline = time.monotonic() + timeout
    q = urllib.parse.quote(query)
    while api(base, f"/v1/search?q={q}&size=1")["dense"] == "pending":
        assert time.monotonic() < deadline, f"{query!r} never got its vector"
        time.sleep(0.1)


def sign_in(driver, base: str) -> None:
    """Open the dashboards the way `shopmind demo`'s link does: the key in the #fragment."""
    driver.get(f"{base}/dashboard/login#key={READ_KEY[0]}")
    wait(driver, lambda d: d.current_url.endswith("/dashboard/quality"), "the dashboard sign-in")


def test_search_facet_product_and_for_you_change(server, browser):
    settle(server, QUERY)  # the page's list is compared with the API's below
    d = browser
    d.get(server + "/")
    foryou = "#foryou-items"
    wait(d, lambda d: attr(d, foryou, "data-items"), "the For-you row")
    before = attr(d, foryou, "data-items").split(",")
    assert attr(d, foryou, "data-mode") == "new-visitor"
    reasons = [e.text for e in d.find_elements(By.CSS_SELECTOR, f"{foryou} .card .reason")]
    assert len(reasons) == len(before) and all(reasons), reasons
    # a shop with behaviour: a new visitor's row is what is popular (test_pages_awkward_browser: without)
    assert d.find_element(By.ID, "foryou-context").text.startswith("popular right now")

    # autocomplete: typing a prefix opens the dropdown with suggestions from /v1/autocomplete
    box = d.find_element(By.ID, "q")
    box.send_keys(QUERY[:3])
    wait(d, lambda d: d.find_element(By.ID, "suggestions").is_displayed(), "autocomplete suggestions")
    expected = [s["text"] for s in api(server, f"/v1/autocomplete?q={QUERY[:3]}&k=8")["suggestions"]]
    shown = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#suggestions .sugg-text")]
    assert shown == expected and shown
    box.send_keys(QUERY[3:])
    box.send_keys(Keys.ENTER)

    # results: the count and the list match what the API says for the same query
    wait(d, lambda d: shows(d) == f"?q={QUERY}", "search results")
    ref = api(server, f"/v1/search?q={QUERY}&size=20&facets=brand,category,price")
    assert total(d) == ref["total"] > 0
    hits = d.find_elements(By.CSS_SELECTOR, "#results .hit")
    assert [h.get_attribute("data-product-id") for h in hits] == [h["product_id"] for h in ref["hits"]]
    shot(d, "storefront")

    # facet: tick the brand with the fewest (but > 0) results; the total becomes that brand's count
    brands = d.find_elements(By.CSS_SELECTOR, '#facet-brand li[data-facet="brand"]')
    assert brands, "no brand facet"
    options = [(b.get_attribute("data-value"), int(b.get_attribute("data-count"))) for b in brands]
    brand, count = min((o for o in options if o[1] > 0), key=lambda o: (o[1], o[0]))
    assert count < total(d), "the chosen brand must narrow the results"
    li = next(b for b in brands if b.get_attribute("data-value") == brand)
    li.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    wait(d, lambda d: "brand=" in (shows(d) or ""), f"results for brand {brand}")
    assert total(d) == count
    shown_brands = {e.text for e in d.find_elements(By.CSS_SELECTOR, "#results .hit .hit-brand")}
    assert shown_brands == {brand}
    assert len(d.find_elements(By.CSS_SELECTOR, "#results .hit")) == min(count, 20)
    ticked = d.find_element(By.CSS_SELECTOR, f'#facet-brand li[data-value="{brand}"] input')
    assert ticked.is_selected()
    # the facet's own count after filtering agrees with the total
    after = {b.get_attribute("data-value"): int(b.get_attribute("data-count"))
             for b in d.find_elements(By.CSS_SELECTOR, '#facet-brand li[data-facet="brand"]')}  # fmt: skip
    assert after[brand] == count

    # open the first product: its page shows the product and a "Similar items" row with reasons
    first = d.find_element(By.CSS_SELECTOR, "#results .hit")
    pid = first.get_attribute("data-product-id")
    title = first.find_element(By.CSS_SELECTOR, ".hit-title").text
    first.find_element(By.CSS_SELECTOR, ".hit-title").click()
    wait(d, lambda d: d.current_url.endswith(f"/product/{pid}"), "the product page")
    assert d.find_element(By.ID, "product-title").text == title
    assert d.find_element(By.ID, "product-brand").text == brand
    wait(d, lambda d: attr(d, "#similar-items", "data-items"), "similar items")
    similar = attr(d, "#similar-items", "data-items").split(",")
    assert pid not in similar
    assert all(e.text for e in d.find_elements(By.CSS_SELECTOR, "#similar-items .card .reason"))
    wait(d, lambda d: attr(d, "#product", "data-view-recorded") == "true", "the view event to be accepted")
    wait(
        d,
        lambda d: (
            attr(d, "#bought-together-items", "data-items") is not None
            and not d.find_elements(By.CSS_SELECTOR, "#bought-together-items p.muted:not(.empty)")
        ),  # fmt: skip
        "bought-together row",
    )
    shot(d, "product")

    # back: the search state comes back from the URL and "For you" now follows the session's clicks
    d.back()
    wait(d, lambda d: "/product/" not in d.current_url, "back on the storefront")
    wait(d, lambda d: attr(d, foryou, "data-mode") == "session" and attr(d, foryou, "data-items"),
         "the For-you row to follow the click")  # fmt: skip
    now = attr(d, foryou, "data-items").split(",")
    assert now != before
    assert d.find_element(By.ID, "q").get_attribute("value") == QUERY
    wait(d, lambda d: "brand=" in (shows(d) or ""), "the restored brand filter")
    assert total(d) == count
    reasons = [e.text for e in d.find_elements(By.CSS_SELECTOR, f"{foryou} .card .reason")]
    assert all(reasons) and len(reasons) == len(now)
    # the server agrees: recommendations for this session's events are what the row shows
    events = json.loads(d.execute_script("return localStorage.getItem('shopmind.sessionEvents')"))
    assert [e["item_id"] for e in events] == [pid, pid]  # the click, then the view
    # one product looked at, whatever the number of events (it said "the 2 items")
    assert "based on the 1 item you looked at" in d.find_element(By.ID, "foryou-context").text
    req = urllib.request.Request(
        server + "/v1/sessions/recommendations",
        data=json.dumps({"events": events, "k": 8}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        assert [it["item_id"] for it in json.loads(r.read())["items"]] == now
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe


def test_quality_dashboard(server, browser):
    d = browser
    sign_in(d, server)
    d.get(server + "/dashboard/quality")
    wait(
        d, lambda d: d.find_elements(By.CSS_SELECTOR, "#checks-table tbody tr[data-code]"), "the run's checks"
    )
    runs = api(server, "/v1/quality/runs")["runs"]
    rows = d.find_elements(By.CSS_SELECTOR, "#runs-table tbody tr")
    assert [r.get_attribute("data-run-id") for r in rows] == [r["run_id"] for r in runs]
    summary = api(server, f"/v1/quality/runs/{runs[0]['run_id']}")
    codes = [r.get_attribute("data-code") for r in d.find_elements(By.CSS_SELECTOR, "#checks-table tbody tr")]
    assert sorted(codes) == sorted(c["code"] for c in summary["checks"])
    # issue 18.15: every run's repaired cells are shown (not only the selected run's), the run
    # picker lists every run, check labels are whole, and a scoped completeness says its scope
    repaired = [r.find_elements(By.TAG_NAME, "td")[6].text for r in rows]
    assert repaired == [f"{r['totals']['repaired_cells']:,}" for r in runs], repaired
    picker = [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#run-picker option")]
    assert picker == [r["run_id"] for r in runs]
    labels = [t.text for t in d.find_elements(By.CSS_SELECTOR, "#checks-chart text.label")]
    want = [f"{c['table']}:{c['code']}" for c in summary["checks"] if c["action"] != "batch"]
    assert sorted(labels) == sorted(want), labels
    query = d.find_element(By.CSS_SELECTOR, '.comp-table[data-table="events"] li[data-column="query"]')
    assert "(search events)" in query.text
    # one stacked bar pair per run, heights from the run's totals
    bars = d.find_elements(By.CSS_SELECTOR, "#runs-chart rect.bar")
    assert len(bars) == 2 * len(runs)
    # the newest run is the rightmost pair
    values = {b.get_attribute("data-series"): float(b.get_attribute("data-value")) for b in bars[-2:]}
    assert values == {
        "accepted": summary["totals"]["accepted"],
        "quarantined": summary["totals"]["quarantined"],
    }
    tables = [
        r.get_attribute("data-table") for r in d.find_elements(By.CSS_SELECTOR, "#account-table tbody tr")
    ]
    assert tables == list(summary["account"])
    # drift of the newest batch against the first: one bar per profiled column, PSI as the value
    assert len(runs) == 2 and summary["drift"]
    drift = d.find_elements(By.CSS_SELECTOR, "#drift-chart rect.bar")
    got = {b.get_attribute("data-label"): float(b.get_attribute("data-value")) for b in drift}
    assert got == {f"{x['table']}.{x['column']}": x["psi"] for x in summary["drift"]}
    # picking the older run shows its own checks (and no drift: nothing came before it)
    rows[-1].find_element(By.TAG_NAME, "a").click()
    wait(d, lambda d: d.find_element(By.ID, "run-id").text == runs[-1]["run_id"], "the older run")
    wait(
        d,
        lambda d: not d.find_elements(By.CSS_SELECTOR, "#drift-chart rect.bar"),
        "no drift for the first run",
    )
    d.find_element(By.CSS_SELECTOR, "#runs-table tbody tr a").click()
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#drift-chart rect.bar"), "the newest run again")
    shot(d, "quality")


def test_evaluation_dashboard(server, browser):
    d = browser
    sign_in(d, server)
    d.get(server + "/dashboard/evaluation")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#recs-results .eval-block"), "evaluation results")
    ev = api(server, "/v1/evaluation")
    search_sets = {f.get("dataset") for f in ev["search"]}
    recs_sets = {f.get("format") for f in ev["recs"]}
    blocks = d.find_elements(By.CSS_SELECTOR, ".eval-block")
    assert {
        b.get_attribute("data-dataset") for b in blocks if b.get_attribute("data-kind") == "search"
    } == search_sets
    assert {
        b.get_attribute("data-dataset") for b in blocks if b.get_attribute("data-kind") == "recs"
    } == recs_sets
    # the ours row of the first recs table shows the file's test nDCG@10
    first = next(b for b in blocks if b.get_attribute("data-kind") == "recs")
    same = [x for x in ev["recs"] if x["format"] == first.get_attribute("data-dataset")]
    f = max(same, key=lambda x: str(x.get("created_at") or x.get("created") or x["file"]))  # newest is shown
    ours = first.find_element(By.CSS_SELECTOR, "tr.ours").find_elements(By.TAG_NAME, "td")
    header = [th.text for th in first.find_elements(By.CSS_SELECTOR, "thead th")]
    name = ours[0].text
    assert ours[header.index("ndcg@10")].text == f"{f['test'][name]['ndcg@10']:.4f}"
    assert first.find_elements(By.CSS_SELECTOR, "svg rect.bar")
    shot(d, "evaluation")


def test_chips_sort_stock_and_pages(server, browser):
    d = browser
    # an understood price phrase is a chip; removing it drops the phrase from the query
    d.get(server + "/?q=" + urllib.parse.quote(QUERY + " under 50"))
    wait(
        d,
        lambda d: shows(d) and d.find_elements(By.CSS_SELECTOR, '#understood .chip[data-kind="constraint"]'),
        "chips",
    )
    narrowed = total(d)
    chip = next(c for c in d.find_elements(By.CSS_SELECTOR, '#understood .chip[data-kind="constraint"]')
                if c.text.startswith("under") and "50" in c.text)  # the engine's wording, maybe with a currency  # fmt: skip
    chip.find_element(By.CSS_SELECTOR, ".chip-x").click()
    wait(d, lambda d: shows(d) == f"?q={QUERY}", "the query without the chip's phrase")
    assert d.find_element(By.ID, "q").get_attribute("value") == QUERY
    assert total(d) == api(server, f"/v1/search?q={QUERY}&size=1")["total"] >= narrowed

    # the empty query browses the catalog; sort by price, in stock only, then page 2
    d.get(server + "/")
    wait(d, lambda d: shows(d) == "", "the catalog")
    Select(d.find_element(By.ID, "sort")).select_by_value("price_asc")
    wait(d, lambda d: shows(d) == "?sort=price_asc", "sorted results")
    d.find_element(By.ID, "in-stock").click()
    wait(d, lambda d: shows(d) == "?in_stock=true&sort=price_asc", "the stock filter")
    ref = api(server, "/v1/search?q=&sort=price_asc&in_stock=true&size=20&page=2")
    assert total(d) == ref["total"] > 20, "the demo catalog should need a second page"
    d.find_element(By.CSS_SELECTOR, "#pagination .page.next").click()
    wait(d, lambda d: shows(d) == "?in_stock=true&sort=price_asc&page=2", "page 2")
    want = [h["product_id"] for h in ref["hits"]]
    assert [
        h.get_attribute("data-product-id") for h in d.find_elements(By.CSS_SELECTOR, "#results .hit")
    ] == want
    stock = {e.text for e in d.find_elements(By.CSS_SELECTOR, "#results .hit .stock")}
    assert stock == {"in stock"}
    current = d.find_element(By.CSS_SELECTOR, "#pagination .page.current")
    assert current.text == "2"


def test_the_pages_crowd_reasons_are_the_recommenders(server, browser):
    """The "For you" row tells a catalog-only cold start from a popular row by the crowd reason
    codes: the page gets them from the server (recommend/explain.CROWD_REASONS), no script holds
    a copy that could drift."""
    from shopmind.recommend.explain import CROWD_REASONS

    d = browser
    d.get(server + "/")
    wait(d, lambda d: d.execute_script("return typeof SM !== 'undefined'"), "the page's scripts")
    assert sorted(d.execute_script("return [...SM.crowdReasons]")) == sorted(CROWD_REASONS)
    for script in (ROOT / "src/shopmind/serve/static").glob("*.js"):
        assert '"trending_category"' not in script.read_text(encoding="utf-8"), script.name
