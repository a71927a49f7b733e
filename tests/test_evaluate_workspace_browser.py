"""The evaluation dashboard shows the assistant's and the forecast backtest's files in panels of
their own, beside search and recommendations (t1y, session 29).

Why: /v1/evaluation listed every JSON that was not recs as search, so an assistant_eval.json or a
forecast result in ``<workspace>/evaluation`` would have broken the page's search panel.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from browser_util import HAVE_BROWSER, SKIP_REASON, chrome, served

pytestmark = pytest.mark.skipif(not HAVE_BROWSER, reason=SKIP_REASON)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ASSISTANT = {"kind": "assistant", "questions": 20, "intent_accuracy": 0.9, "slot_exact_match": 1.0,
             "answers_all_facts_correct": 0.85, "answers_with_unsupported_fact": 0.0,
             "out_of_scope_handoff_rate": 0.75, "intent_encoder": None,
             "by_set": {"main": {"questions": 20, "intent_accuracy": 0.9}}}  # fmt: skip
FORECAST = {"kind": "forecast", "date": "2026-12-07T04:00:00+00:00", "series": 4, "horizon": 4, "windows": 1,
            "dataset": {"format": "long", "grain": "week", "level": "product"},
            "models": {"ours": {"mase": 0.91, "rmsse": 0.8, "bias": 0.01, "coverage_80": 0.79, "coverage_95": 0.94},
                       "SeasonalNaive": {"mase": 1.0, "rmsse": 0.9, "bias": 0.0}}}  # fmt: skip


def test_the_assistant_and_forecast_panels(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "evaluation").mkdir(parents=True)
    (ws / "evaluation" / "assistant_eval.json").write_text(json.dumps(ASSISTANT))
    (ws / "evaluation" / "forecast-long-20261207-040000.json").write_text(json.dumps(FORECAST))
    made = subprocess.run([sys.executable, "-m", "shopmind.cli", "keys", "add", "t", "--scope", "read", "-w", str(ws)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    key = made.stdout.strip().splitlines()[0]
    driver = chrome()
    try:
        with served(ws, ready_path="/healthz") as base:
            driver.get(f"{base}/dashboard/login#key={key}")
            WebDriverWait(driver, 60).until(lambda d: d.current_url.endswith("/dashboard/quality"))
            driver.get(base + "/dashboard/evaluation")
            WebDriverWait(driver, 60).until(
                lambda d: d.find_elements(By.CSS_SELECTOR, "#forecast-results .eval-block")
            )
            assistant = driver.find_element(
                By.CSS_SELECTOR, '#assistant-results .eval-block[data-kind="assistant"]'
            )
            rows = [
                [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                for tr in assistant.find_elements(By.CSS_SELECTOR, "tbody tr")
            ]
            assert rows[0][:3] == ["main", "20", "0.900"]
            assert rows[1][:5] == ["all", "20", "0.900", "1.000", "0.850"] and rows[1][-1] == "0.750"
            assert rows[2][0] == "goal" and rows[2][2] == "≥ 0.95"
            forecast = driver.find_element(
                By.CSS_SELECTOR, '#forecast-results .eval-block[data-kind="forecast"]'
            )
            assert forecast.get_attribute("data-dataset") == "long · week · product"
            first = [
                td.text
                for td in forecast.find_element(By.CSS_SELECTOR, "tr.ours").find_elements(By.TAG_NAME, "td")
            ]
            assert first[:2] == ["ours", "0.910"]
            # neither file reached the search panel (read as search, it broke it)
            assert not driver.find_elements(By.CSS_SELECTOR, "#search-results .eval-block")
            assert "No search evaluation yet" in driver.find_element(By.ID, "search-results").text
            severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert not [m for m in severe if "evaluation.js" in m], severe
    finally:
        driver.quit()
