"""The experiments dashboard in headless Chromium: the list, a readout's metrics and decision, and no
console error (strict CSP: the page is built with DOM calls only)."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from browser_util import HAVE_BROWSER, SKIP_REASON, chrome
from experiments_util import shop
from shopmind.experiments import registry
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.readout import readout
from shopmind.experiments.reports import save_readout
from shopmind.serve.auth import KeyStore

pytestmark = pytest.mark.skipif(not HAVE_BROWSER, reason=SKIP_REASON)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Iterator[tuple[str, str]]:
    ws = tmp_path_factory.mktemp("exp-browser")
    registry.save(ws, parse_experiments({"experiment": [
        {"name": "ab", "status": "running", "variant": [{"name": "control"}, {"name": "treatment"}]},
        {"name": "draft-one", "layer": "other", "variant": [{"name": "c"}, {"name": "t"}]},
    ]}))  # fmt: skip
    exposures, events = shop(1500, {"control": 0.15, "treatment": 0.25}, seed=3)
    save_readout(ws, "ab", readout(registry.load(ws).by_name("ab"), exposures, events).to_dict())
    key = KeyStore(ws).add("browser", "read")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shopmind.cli", "serve", "--workspace", str(ws), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("server did not start")
                time.sleep(0.3)
        yield url, key
    finally:
        proc.terminate()
        proc.wait(timeout=15)


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
        assert len(rows) == 2 and "treatment wins" in rows[0] and "no readout yet" in rows[1]
        d.find_element(By.CSS_SELECTOR, "#experiments-table tbody tr button").click()
        WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#detail-metrics tbody tr"))
        assert d.find_element(By.ID, "detail-decision").text.startswith("treatment wins on conversion")
        metrics = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#detail-metrics tbody tr")]
        assert any(m.startswith("conversion per session") for m in metrics)
        assert d.find_elements(By.CSS_SELECTOR, "#detail-looks svg") and d.find_elements(
            By.CSS_SELECTOR, "#detail-allocation svg"
        )
        severe = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        d.quit()
