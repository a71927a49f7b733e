"""The pricing dashboard says whether a suggestion's expected change is profit or revenue.

Without a cost (no `cost` attribute and no `[pricing] default_cost_ratio`, the default) a suggestion
maximises revenue and its `profit_change` is the revenue change (`pricing/suggest.py`). Online Retail's
page (t1v, session 29) showed "62018 £1.95 → £1.76, 65.8 % (42.8 % to 92.5 %)" under the heading
"profit change (interval)": a 10 % price cut read as two-thirds more profit, of a product whose cost the
shop never gave. Each cell now names what it is.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from shopmind.release.build import build_release
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from test_pricing_release import COMPONENTS, _batch, _publish


def _page(tmp_path, settings: dict, lang: str = "en") -> tuple[str, list[dict]]:
    ws = tmp_path / "ws"
    batch, _truth = _batch(seed=3)
    _publish(ws, batch)
    build_release(ws, COMPONENTS, settings=settings, force=True)
    h = {"X-API-Key": KeyStore(ws).add("t-read", "read")}
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        page = c.get("/dashboard/pricing", params={"lang": lang}, headers=h).text
        rows = c.get("/v1/pricing/suggestions", params={"limit": 1000}, headers=h).json()["items"]
    return page, rows


def _change_cells(page: str) -> list[str]:
    """The expected-change cell of every table row (the fifth column)."""
    return [
        re.findall(r'<td class="num">(.*?)</td>', row)[2]
        for row in re.findall(r"<tr><td><a href=.*?</tr>", page)
    ]


def test_without_a_cost_the_expected_change_is_said_to_be_revenue(tmp_path) -> None:
    page, rows = _page(tmp_path, {"pricing": {"max_change": 0.1}})
    assert rows and all(r["cost"] is None for r in rows)
    assert "expected change (interval)" in page and "profit change" not in page
    cells = [c for c in _change_cells(page) if c != "–"]
    assert cells and all(c.startswith("revenue ") for c in cells), cells[:3]
    assert "largest expected change (profit, or revenue for a product without a cost)" in page


def test_with_a_cost_it_is_profit_and_the_chinese_page_says_which(tmp_path) -> None:
    page, rows = _page(tmp_path, {"pricing": {"max_change": 0.1, "default_cost_ratio": 0.5}}, lang="zh")
    assert rows and all(r["cost"] is not None for r in rows)
    cells = [c for c in _change_cells(page) if c != "–"]
    assert cells and all(c.startswith("利润 ") for c in cells), cells[:3]
    assert "预期变化（区间）" in page
