"""Headless Chromium for the page tests: where the browser is, and one way to start it.

Shared by test_browser.py, test_xss_browser.py and test_first_hour.py (and any page test to
come) so the flags a page test depends on — headless, no sandbox in a container, the console
log captured, optionally no network but the test server — are set in one place. Importing this
module never skips; a test module decides with ``HAVE_BROWSER`` / ``SKIP_REASON``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("SHOPMIND_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get(
    "SHOPMIND_CHROMEDRIVER", shutil.which("chromedriver") or "/usr/bin/chromedriver"
)
HAVE_BROWSER = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()
SKIP_REASON = (
    f"headless browser test needs {CHROMIUM} and {CHROMEDRIVER} "
    "(Debian packages chromium, chromium-driver, fonts-noto-cjk; .ci/run installs them)"
)

#: Flags that make a page unable to reach any host but the local test server: a page that
#: needs the internet (a CDN script, a web font) breaks under them.
OFFLINE_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-pings",
)


def chrome(window: str = "1280,1000", offline: bool = False, performance_log: bool = False) -> Any:
    """A headless Chromium driven by chromedriver, with the browser console log kept
    (``performance_log`` also keeps network events, to list every URL a page requested)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    args = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            f"--window-size={window}", "--lang=en-US", "--no-first-run"]  # fmt: skip
    for arg in args + list(OFFLINE_FLAGS if offline else ()):
        opts.add_argument(arg)
    prefs = {"browser": "ALL", **({"performance": "ALL"} if performance_log else {})}
    opts.set_capability("goog:loggingPrefs", prefs)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    return driver


@contextlib.contextmanager
def served(
    workspace: Path, ready_path: str = "/readyz", timeout: float = 60.0, log: Path | None = None
) -> Iterator[str]:
    """A real ``shopmind serve`` on a free port for ``workspace``: its base URL once
    ``ready_path`` answers; stopped on exit (killed if it does not stop within 15 s). Fails the
    test if it never comes up, with the tail of ``log`` (its output) when one is given."""
    import pytest

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = log.open("w") if log is not None else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "shopmind.cli", "serve", "--workspace", str(workspace), "--port", str(port)],
        stdout=out if out is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if out is not None else subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + ready_path, timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    if log is None:
                        pytest.fail("server did not start")
                    out.flush()
                    pytest.fail("server did not become ready:\n" + log.read_text()[-3000:])
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if out is not None:
            out.close()


@contextlib.contextmanager
def shop_with_policies(root: Path) -> Iterator[str]:
    """A real ``shopmind serve`` (own process group) of test_serve's small built workspace under
    ``root`` with the demo's policy documents, so the storefront's chat panel has answers: its base URL."""
    import signal

    from shopmind.demo.policies import write_policies
    from test_serve import _free_port, _serve, _wait_ready, build_workspace

    ws = build_workspace(root)
    write_policies(ws / "assistant" / "policies")
    port = _free_port()
    proc = _serve(Path(ws), port)
    try:
        _wait_ready(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@contextlib.contextmanager
def browser(window: str = "1280,1000") -> Iterator[Any]:
    """A headless Chromium (``chrome``) that is quit on exit."""
    d = chrome(window)
    try:
        yield d
    finally:
        d.quit()


def wait_until(d: Any, condition: Any, what: str, timeout: float = 30) -> Any:
    """Wait for ``condition(d)``; on a timeout fail naming ``what`` with the browser's console log
    (the log is what tells a page's script error from a slow page)."""
    import pytest
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(d, timeout, poll_frequency=0.1).until(lambda d: condition(d))
    except TimeoutException:
        logs = [e["message"] for e in d.get_log("browser")]
        pytest.fail(f"timed out waiting for {what}; browser log: {logs}")
