"""End to end in headless Chromium against `shopmind serve`: a shopper talks to the storefront's
chat panel, then the shop signs in to ``/dashboard/assistant`` and sees those turns counted, the
hand-off queued and the customer's e-mail masked; no console error under the
strict CSP. Skipped without the browser."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_util import HAVE_BROWSER, SKIP_REASON, chrome

if not HAVE_BROWSER:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from shopmind.demo.policies import write_policies  # noqa: E402
from shopmind.serve.auth import KeyStore  # noqa: E402
from test_serve import _free_port, _serve, _wait_ready, build_workspace  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, str]]:
    ws = build_workspace(tmp_path_factory.mktemp("ws"))
    write_policies(ws / "assistant" / "policies")
    key = KeyStore(ws).add("dash", "read")
    port = _free_port()
    proc = _serve(Path(ws), port)
    try:
        _wait_ready(port, proc)
        yield f"http://127.0.0.1:{port}", key
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _ask(driver, text: str, n: int, wait_s: float = 30) -> None:
    driver.find_element(By.ID, "assistant-input").send_keys(text)
    driver.find_element(By.ID, "assistant-send").click()
    WebDriverWait(driver, wait_s).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".assistant-msg.from-shop")) >= n
    )


def test_chat_turns_show_on_the_dashboard_masked(served) -> None:
    url, key = served
    d = chrome("1280,1000")
    try:
        d.get(url + "/")
        d.find_element(By.ID, "assistant-open").click()
        # the first turn builds the assistant (sentence encoder, policy index): seen past 30 s on
        # a loaded 2-core CI box, so it gets more time than the turns after it
        _ask(d, "退款多久能到账？", 1, wait_s=120)
        _ask(d, "what is the weather tomorrow? mail me at jane.doe@example.com", 2)
        d.get(f"{url}/dashboard/login#key={key}")
        WebDriverWait(d, 30).until(lambda d: d.current_url.endswith("/dashboard/quality"))
        d.get(url + "/dashboard/assistant")
        assert d.find_element(By.ID, "total-turns").text == "2"
        assert d.find_element(By.ID, "total-handoffs").text == "1"
        langs = {r.get_attribute("data-language"): r.text for r in d.find_elements(By.CSS_SELECTOR, "#by-language tr[data-language]")}  # fmt: skip
        assert set(langs) == {"en", "zh"} and all(t.endswith(" 1") for t in langs.values())
        queue = d.find_elements(By.CSS_SELECTOR, "#handoff-queue tr")[1:]
        assert len(queue) == 1 and "mail me at j***@***.com" in queue[0].text
        page = d.find_element(By.TAG_NAME, "main").text
        assert "jane.doe@example.com" not in page
        assert d.find_element(By.CSS_SELECTOR, 'a[href="/dashboard/assistant"]').get_attribute("aria-current") == "page"  # fmt: skip
        severe = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        d.quit()
