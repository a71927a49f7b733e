"""The experiments dashboard in headless Chromium: the list, a readout's metrics and decision, and no
console error (strict CSP: the page is built with DOM calls only)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_util import HAVE_BROWSER, SKIP_REASON, chrome, served
from experiments_util import shop
from shopmind.experiments import registry
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.interleave_readout import interleave_readout
from shopmind.experiments.readout import readout
from shopmind.experiments.reports import save_readout
from shopmind.serve.auth import KeyStore

pytestmark = pytest.mark.skipif(not HAVE_BROWSER, reason=SKIP_REASON)


def write_experiments(ws: Path) -> None:
    """Three experiments in ``ws``: an A/B test with its readout (treatment wins), a draft without
    one and an interleaving test with its readout (ltr wins) — also the dashboards' i18n test's."""
    registry.save(ws, parse_experiments({"experiment": [
        {"name": "ab", "status": "running", "variant": [{"name": "control"}, {"name": "treatment"}]},
        {"name": "draft-one", "layer": "other", "variant": [{"name": "c"}, {"name": "t"}]},
        {"name": "rankers", "layer": "ranking", "kind": "interleave", "status": "running",
         "variant": [{"name": "bm25"}, {"name": "ltr"}]},
    ]}))  # fmt: skip
    exposures, events = shop(1500, {"control": 0.15, "treatment": 0.25}, seed=3)
    save_readout(ws, "ab", readout(registry.load(ws).by_name("ab"), exposures, events).to_dict())
    lists, clicks = interleaved_shop(300, seed=3)
    r = interleave_readout(registry.load(ws).by_name("rankers"), lists, clicks)
    save_readout(ws, "rankers", r.to_dict())


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Iterator[tuple[str, str]]:
    ws = tmp_path_factory.mktemp("exp-browser")
    write_experiments(ws)
    key = KeyStore(ws).add("browser", "read")
    with served(ws, "/healthz") as url:
        yield url, key


def test_experiments_dashboard(base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, key = base
    d = chrome("1280,1000")
    try:
        d.get(f"{url}/dashboard/login#key={key}")
        WebDriverWait(d, 30).until(lambda d: d.current_url.endswith("/dashboard/quality"))
        d.get(url + "/dashboard/experiments")
        WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#experiments-table tbody tr"))
        rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#experiments-table tbody tr")]
        assert len(rows) == 3 and "treatment wins" in rows[0] and "no readout yet" in rows[1]
        assert "ltr wins" in rows[2]
        d.find_element(By.CSS_SELECTOR, "#experiments-table tbody tr a").click()
        WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#detail-metrics tbody tr"))
        assert d.find_element(By.ID, "detail-decision").text.startswith("treatment wins on conversion")
        metrics = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#detail-metrics tbody tr")]
        assert any(m.startswith("conversion per session") for m in metrics)
        # per lifecycle segment and the post-stratified estimate (experiments.strata)
        seg = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#detail-segments tbody tr")]
        assert any("treatment · new" in r for r in seg)  # this shop's history is under 30 days old
        assert sum("post-stratified" in r for r in seg) == 2  # conversion and revenue
        assert d.find_elements(By.CSS_SELECTOR, "#detail-looks svg") and d.find_elements(
            By.CSS_SELECTOR, "#detail-allocation svg"
        )
        severe = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        d.quit()


def test_the_readout_draws_the_effect_with_its_interval_day_by_day(base):
    """Issue 15 asks for "metrics with intervals over time": the readout's looks carry each day's
    effect and always-valid interval, but the page drew only the p-value per day (a bar at 1.0
    says nothing of how large the effect is or how wide its interval). Each look is now a dot on
    its interval's whisker around a labelled zero line, with the metric and variants named."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, key = base
    req = urllib.request.Request(f"{url}/v1/experiments/ab", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        readout_ab = json.loads(r.read())["readout"]
    looks = [m for m in readout_ab["metrics"] if m["metric"] == "conversion"][0]["looks"]
    d = chrome("1280,1000")
    try:
        d.get(f"{url}/dashboard/login#key={key}")
        WebDriverWait(d, 30).until(lambda d: d.current_url.endswith("/dashboard/quality"))
        d.get(url + "/dashboard/experiments")
        WebDriverWait(d, 30).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#experiments-table tbody tr a")
        )
        d.find_element(By.CSS_SELECTOR, "#experiments-table tbody tr a").click()
        WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#detail-effects svg"))
        dots = d.find_elements(By.CSS_SELECTOR, "#detail-effects circle.estimate")
        whiskers = d.find_elements(By.CSS_SELECTOR, "#detail-effects line.whisker")
        assert len(dots) == len(whiskers) == len(looks) >= 1
        for dot, whisker, look in zip(dots, whiskers, looks, strict=True):
            assert float(dot.get_attribute("data-value")) == pytest.approx(look["effect"])
            assert float(whisker.get_attribute("data-lo")) == pytest.approx(look["ci_lower"])
            assert float(whisker.get_attribute("data-hi")) == pytest.approx(look["ci_upper"])
            # the dot sits inside its whisker (SVG y grows downwards)
            lo_y, hi_y = float(whisker.get_attribute("y2")), float(whisker.get_attribute("y1"))
            assert hi_y <= float(dot.get_attribute("cy")) <= lo_y
        axis = [t.text for t in d.find_elements(By.CSS_SELECTOR, "#detail-effects text.axis")]
        # in percentage points of the rate, signed around a labelled zero
        assert "0 pp" in axis and any(a.startswith("+") and a.endswith(" pp") for a in axis)
        assert any(a.startswith("-") for a in axis)
        assert looks[0]["day"] in axis
        legend = d.find_element(By.CSS_SELECTOR, "#detail-effects .legend").text
        assert "conversion per session" in legend and "treatment" in legend and "control" in legend
        heading = d.find_element(By.ID, "detail-effects-heading").text
        assert "always-valid 95 % interval" in heading
        severe = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        d.quit()


def interleaved_shop(n: int, seed: int):
    """``n`` served two-item lists (fair first picks) and one click per list, on team B's item 70 % of the time."""
    import random
    from datetime import UTC, datetime, timedelta

    import polars as pl

    rng = random.Random(seed)
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    teams = [rng.choice(["AB", "BA"]) for _ in range(n)]
    lists = pl.DataFrame({
        "experiment": ["rankers"] * n, "unit_id": [f"u{i}" for i in range(n)],
        "session_id": [f"s{i}" for i in range(n)], "request_id": [f"r{i}" for i in range(n)],
        "kind": ["search"] * n, "items": [["p1", "p2"]] * n, "teams": teams,
        "timestamp": [t0 + timedelta(hours=i / 10) for i in range(n)],
    })  # fmt: skip
    picked = [t.index("B" if rng.random() < 0.7 else "A") for t in teams]
    clicks = pl.DataFrame({
        "type": ["click"] * n, "timestamp": [t0 + timedelta(hours=i / 10, minutes=1) for i in range(n)],
        "user_id": [f"u{i}" for i in range(n)], "session_id": [f"s{i}" for i in range(n)],
        "item_id": [["p1", "p2"][k] for k in picked],
    })  # fmt: skip
    return lists, clicks


def test_interleaving_readout_on_the_dashboard(base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, key = base
    d = chrome("1280,1000")
    try:
        d.get(f"{url}/dashboard/login#key={key}")
        WebDriverWait(d, 30).until(lambda d: d.current_url.endswith("/dashboard/quality"))
        d.get(url + "/dashboard/experiments")
        WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#experiments-table tbody tr"))
        d.find_elements(By.CSS_SELECTOR, "#experiments-table tbody tr a")[2].click()
        WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#detail-metrics tbody tr"))
        assert d.find_element(By.ID, "detail-decision").text.startswith("ltr wins")
        rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#detail-metrics tbody tr")]
        assert rows[0].startswith("credited items") and "p (fixed)" not in rows[0]
        assert rows[1].startswith("lists won") and rows[2].startswith("units won")
        # the default (optimized) merge is checked by its first position's mean credit, not a first-pick coin
        assert "First-position check: mean credit" in d.find_element(By.ID, "detail-srm").text
        assert d.find_elements(By.CSS_SELECTOR, "#detail-allocation svg")
        assert d.find_elements(By.CSS_SELECTOR, "#detail-looks svg")
        severe = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        d.quit()
