"""The pages on the awkward shop, measured in headless Chromium (session 19, first-hour page defects).

Builds tests/awkward_shop.py's catalog (42 products, no events) through the real CLI (ingest, build
with ``encoder = "none"``, a read key), serves it, and opens every page a shop person opens in the
first hour at 1280 and 390 px wide: per page the HTTP status, how many px the page is wider than the
screen, the elements crossing the screen's edge outside any scroll box, boxes whose own text spills,
NaN/undefined/null shown as values, "Loading…" never replaced, and the browser console's errors.
Writes ``bench/results/pages_awkward.json``. Needs chromium + chromedriver (as the browser tests).

    nice -n 10 .venv/bin/python bench/pages_awkward.py
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from awkward_shop import DASHBOARDS, MEASURE, STORE_PAGES, write_shop  # noqa: E402
from browser_util import HAVE_BROWSER, SKIP_REASON, chrome, served  # noqa: E402


def _cli(*args: str, cwd: Path) -> str:
    r = subprocess.run([sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"shopmind {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def _status(url: str, key: str) -> int:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def measure(base: str, key: str, widths: list[int]) -> dict[str, Any]:
    """Every page at every width: status, overflow, spilled text, bad words, console errors."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    pages: dict[str, Any] = {}
    driver = chrome("1280,1000")
    try:
        driver.get(f"{base}/dashboard/login#key={key}")
        WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/dashboard/quality"))
        driver.get_log("browser")
        # the dashboards first: the storefront's own view events would make customers
        for width in widths:
            if width < 500:
                metrics = {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": True}
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            for path in DASHBOARDS + STORE_PAGES:
                driver.get(base + path)
                with contextlib.suppress(TimeoutException):
                    WebDriverWait(driver, 20, poll_frequency=0.2).until(
                        lambda d: "Loading…" not in d.find_element(By.TAG_NAME, "main").text
                    )
                time.sleep(0.3)
                m = driver.execute_script(MEASURE)
                m["console_errors"] = [
                    e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"
                ]
                m["status"] = _status(base + path, key)
                pages[f"{width} {path}"] = m
            if width < 500:
                driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    finally:
        driver.quit()
    return pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pages_awkward.json")
    ap.add_argument("--widths", default="1280,390")
    args = ap.parse_args()
    if not HAVE_BROWSER:
        raise SystemExit(SKIP_REASON)
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        n = write_shop(tmp / "shop")
        (tmp / "shop.toml").write_text('[search]\nencoder = "none"\n', encoding="utf-8")
        ingest = _cli("ingest", "shop", "--workspace", "ws", cwd=tmp)
        _cli("build", "--workspace", "ws", "--config", "shop.toml", cwd=tmp)
        key = (
            _cli("keys", "add", "bench", "--scope", "read", "--workspace", "ws", cwd=tmp)
            .strip()
            .splitlines()[0]
        )
        with served(tmp / "ws") as base:
            pages = measure(base, key, [int(w) for w in args.widths.split(",")])
    failing = {
        p: m
        for p, m in pages.items()
        if m["status"] != 200 or m["extra"] > 1 or m["outside"] or m["spills"] or m["words"]
        or m["loading"] or m["console_errors"]
    }  # fmt: skip
    out = {
        "started_utc": started.isoformat(timespec="seconds"),
        "products_written": n,
        "ingest": ingest.strip().splitlines()[:12],
        "pages_measured": len(pages),
        "pages_with_a_defect": len(failing),
        "defects": failing,
        "pages": pages,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("pages_measured", "pages_with_a_defect")}), "->", args.out)
    for p, m in failing.items():
        print(" ", p, {k: v for k, v in m.items() if v and k not in ("vw", "status")})


if __name__ == "__main__":
    main()
