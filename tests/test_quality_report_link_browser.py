"""The quality dashboard's "in report" links open the check's own row, in the page's language (session 32, t1f).

They opened the top of the run's HTML report, in English, whatever the dashboard's language: a reader of the Chinese
dashboard following a check landed on an English page and had to find the row. The link now carries the check's
anchor (``#check-TABLE-CODE``, an id the report's row has) and ``lang`` of the page; the report's words the dashboard
also shows (headings, column names, each check's meaning, actions, severities) are served in that language
(``serve/report_lang.py``). Headless Chromium against a real ``shopmind serve`` of a small demo shop's ingest; the
API's translation is checked without the browser too. Skipped without the browser."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_util import HAVE_BROWSER, SKIP_REASON, browser, served
from shopmind.serve import i18n
from shopmind.serve.report_lang import in_language


def _cli(*args: str, cwd: Path) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=900
    )
    assert r.returncode == 0, f"shopmind {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> tuple[Path, str]:
    """A demo shop's batch through the gate (its planted defects fail checks): the workspace and a read key."""
    tmp = tmp_path_factory.mktemp("qlink")
    _cli("demo-data", "--out", "demo", "--products", "300", "--users", "120", "--days", "20", cwd=tmp)
    _cli("ingest", "demo", "--config", "demo/gate.toml", "--workspace", "ws", cwd=tmp)
    key = (
        _cli("keys", "add", "qlink", "--scope", "read", "--workspace", "ws", cwd=tmp).strip().splitlines()[0]
    )
    return tmp / "ws", key


def test_the_report_in_chinese_keeps_its_data(ingested) -> None:
    ws, _ = ingested
    (html_path,) = sorted((ws / "reports").glob("*.html"))
    summary = json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))
    english = html_path.read_text(encoding="utf-8")
    zh = in_language(english, "zh-Hans")
    messages = i18n.catalog("zh-Hans")
    assert in_language(english, "en") == english and in_language(english, None) == english
    assert '<html lang="zh-Hans">' in zh and messages["dash.quality.completeness"] in zh
    failed = [c for c in summary["checks"] if c["failed"] and c["action"] != "batch"]
    assert failed
    for c in failed:
        assert f'id="check-{c["table"]}-{c["code"]}"' in english  # the anchor the dashboard links to
        assert messages[f"dash.check.{c['code']}"] in zh
    assert summary["run_id"] in zh and f"{summary['totals']['input']:,}" in zh  # data as written


if HAVE_BROWSER:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait


@pytest.fixture(scope="module")
def dashboard(ingested) -> Iterator[tuple[object, str]]:
    if not HAVE_BROWSER:
        pytest.skip(SKIP_REASON)
    ws, key = ingested
    with served(ws, "/healthz", timeout=120) as url, browser("1280,1000") as d:
        d.get(f"{url}/dashboard/login#key={key}")
        WebDriverWait(d, 60).until(lambda x: x.current_url.endswith("/dashboard/quality"))
        yield d, url


def test_a_checks_report_link_opens_its_row_in_the_pages_language(dashboard) -> None:
    d, url = dashboard
    d.get(f"{url}/dashboard/quality?lang=zh")
    css = '#run-panel:not([hidden]) #checks-table tbody tr a[href*="format=html"]'
    WebDriverWait(d, 60, poll_frequency=0.2).until(lambda x: x.find_elements(By.CSS_SELECTOR, css))
    link = d.find_elements(By.CSS_SELECTOR, css)[0]
    row = link.find_element(By.XPATH, "./ancestor::tr")
    table, code = row.get_attribute("data-table"), row.get_attribute("data-code")
    href = link.get_attribute("href")
    assert href.endswith(f"&lang=zh-Hans#check-{table}-{code}"), href
    d.get(href)
    WebDriverWait(d, 30).until(lambda x: x.find_elements(By.ID, f"check-{table}-{code}"))
    assert d.execute_script("return document.documentElement.lang") == "zh-Hans"
    target = d.find_element(By.ID, f"check-{table}-{code}")
    assert i18n.catalog("zh-Hans")[f"dash.check.{code}"] in target.text
    assert d.execute_script("return location.hash") == f"#check-{table}-{code}"
