"""The experiments dashboard as a shop engineer reads an optimized interleaving test (t1v, session 29).

Found on the demo shop after `shopmind experiments start` of an A/B and an interleaving test:
- the list's "units" column showed the interleaving readout's ``{lists, units}`` as "382 / 202"
  under its variants "rrf / nofusion", which reads as a sample-ratio mismatch;
- an optimized merge (the default) has no first-pick coin, yet the readout said "First-pick check:
  337 rrf / 45 nofusion, p = 0.532 (ok)": the team counts beside the p-value of another test (the
  first position's mean credit against 0);
- the A/B effect chart's heading stood over an empty box on an interleaving readout;
- a post-stratified variance change of exactly 0 was written "−0.00 %".
Skipped without the browser.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from browser_util import HAVE_BROWSER, SKIP_REASON, chrome, served, wait_until
from experiments_util import shop
from shopmind.experiments import registry
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.interleave_readout import interleave_readout
from shopmind.experiments.readout import readout
from shopmind.experiments.reports import save_readout
from shopmind.serve.auth import KeyStore

if not HAVE_BROWSER:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402

N_LISTS = 240


def optimized_lists(n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``n`` optimized lists, 85 % with team A's item first (a top item both rankers share is A's), each
    position's logged credit 0 (``p_b`` 0.5), to ``n // 2`` units; one click per list."""
    rng = random.Random(seed)
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    teams = ["AB" if rng.random() < 0.85 else "BA" for _ in range(n)]
    lists = pl.DataFrame({
        "experiment": ["opt"] * n, "unit_id": [f"u{i // 2}" for i in range(n)],
        "session_id": [f"s{i}" for i in range(n)], "request_id": [f"r{i}" for i in range(n)],
        "kind": ["search"] * n, "items": [["p1", "p2"]] * n, "teams": teams,
        "p_b": [[0.5, 0.5]] * n, "timestamp": [t0 + timedelta(hours=i / 10) for i in range(n)],
    })  # fmt: skip
    clicks = pl.DataFrame({
        "type": ["click"] * n, "timestamp": [t0 + timedelta(hours=i / 10, minutes=1) for i in range(n)],
        "user_id": [f"u{i // 2}" for i in range(n)], "session_id": [f"s{i}" for i in range(n)],
        "item_id": [rng.choice(["p1", "p2"]) for _ in range(n)],
    })  # fmt: skip
    return lists, clicks


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Iterator[tuple[str, str]]:
    ws = tmp_path_factory.mktemp("exp-il-browser")
    registry.save(ws, parse_experiments({"experiment": [
        {"name": "ab", "status": "running", "variant": [{"name": "control"}, {"name": "treatment"}]},
        {"name": "opt", "layer": "ranking", "kind": "interleave", "method": "optimized", "status": "running",
         "variant": [{"name": "rrf"}, {"name": "nofusion"}]},
    ]}))  # fmt: skip
    exposures, events = shop(1500, {"control": 0.15, "treatment": 0.25}, seed=3)
    save_readout(ws, "ab", readout(registry.load(ws).by_name("ab"), exposures, events).to_dict())
    lists, clicks = optimized_lists(N_LISTS, seed=5)
    r = interleave_readout(registry.load(ws).by_name("opt"), lists, clicks).to_dict()
    assert r["checks"]["first_check"] == "first_position_credit"
    save_readout(ws, "opt", r)
    key = KeyStore(ws).add("browser", "read")
    with served(ws, "/healthz") as url:
        yield url, key


@contextlib.contextmanager
def signed_in(base: tuple[str, str]) -> Iterator[Any]:
    """A headless Chromium signed in to the dashboards (quit on exit, its console clean)."""
    url, key = base
    d = chrome("1280,1000")
    try:
        d.get(f"{url}/dashboard/login#key={key}")
        wait_until(d, lambda d: d.current_url.endswith("/dashboard/quality"), "the sign-in")
        yield d
        assert [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        d.quit()


def opened(d: Any, url: str, path: str, css: str) -> str:
    """Open ``path`` and wait until ``css`` matches (the page's script has drawn it): the page's text."""
    d.get(url + path)
    wait_until(d, lambda d: d.find_elements(By.CSS_SELECTOR, css), f"{css} on {path}")
    return d.find_element(By.TAG_NAME, "main").text


def test_the_list_says_lists_and_units_of_an_interleaving_readout(base):
    with signed_in(base) as d:
        opened(d, base[0], "/dashboard/experiments", "#experiments-table tbody tr")
        rows = {
            r.find_element(By.CSS_SELECTOR, "a").text: [
                c.text for c in r.find_elements(By.CSS_SELECTOR, "td")
            ]
            for r in d.find_elements(By.CSS_SELECTOR, "#experiments-table tbody tr")
        }
        assert rows["opt"][6] == f"{N_LISTS} lists · {N_LISTS // 2} units"
        ab = rows["ab"][6].split(" / ")
        assert len(ab) == 2 and all(x.replace(",", "").isdigit() for x in ab)
        zh = opened(d, base[0], "/dashboard/experiments?lang=zh", "#experiments-table tbody tr")
        assert f"{N_LISTS} 个列表 · {N_LISTS // 2} 个单元" in zh


def test_an_optimized_readout_shows_the_check_it_ran(base):
    with signed_in(base) as d:
        opened(d, base[0], "/dashboard/experiments/opt", "#detail-metrics tbody tr")
        srm = d.find_element(By.ID, "detail-srm").text
        assert "First-position check: mean credit 0.0000 (0 expected), p = 1.000 (ok)" in srm
        assert "First-pick" not in srm and "unequal picks" not in srm
        assert not d.find_element(By.ID, "detail-effects-heading").is_displayed()
        zh = opened(d, base[0], "/dashboard/experiments/opt?lang=zh", "#detail-metrics tbody tr")
        assert "首位检验：平均计分 0.0000（应为 0）" in zh


def test_an_ab_readout_keeps_its_effect_heading_and_writes_no_negative_zero(base):
    with signed_in(base) as d:
        opened(d, base[0], "/dashboard/experiments/ab", "#detail-segments tbody tr")
        assert d.find_element(By.ID, "detail-effects-heading").is_displayed()
        seg = d.find_element(By.ID, "detail-segments").text
        assert "variance" in seg and "0.00" in seg  # this shop's units are all 'new': one stratum, no change
        assert "−0.00" not in seg and "+0.00" not in seg
