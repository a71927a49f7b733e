"""The dashboards as a shop manager reads them (session 28, t1ic): money with its currency, units
that follow the series' grain, a URL per experiment readout, the assistant's volume as a chart.

A small demo shop (English listings in USD, Chinese ones in CNY) through the gate into a release
with profiles and a weekly forecast; pages rendered by the app (``TestClient``), their figures
checked against what the API and the release hold.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from page_util import error_page
from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.store.store import Store


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> SimpleNamespace:
    """A release with profiles and a weekly forecast, two experiments (one with a readout), a
    campaign and assistant turns on two days; a client with a read key."""
    from ads_util import campaign
    from shopmind.ads.ledger import AdsLedger
    from shopmind.forecast.release import build_forecast
    from shopmind.privacy import workspace_secret
    from shopmind.profiles.component import build_profiles
    from test_experiments_browser import write_experiments

    ws = tmp_path_factory.mktemp("manager") / "ws"
    end = datetime(2026, 11, 1, tzinfo=UTC)
    data = generate(seed=7, n_products=300, n_users=200, days=120, end=end)
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(data.batch, gate, store), store, gate, None, force=True)
    components = [("catalog", build_catalog), ("profiles", build_profiles), ("forecast", build_forecast)]
    settings = {"forecast": {"grain": "W", "horizon": 4, "min_periods": 8}}
    build_release(ws, components, settings=settings, force=True)
    write_experiments(ws)
    AdsLedger(ws, workspace_secret(ws)).create([campaign("spring-sale", ["P00001"], keywords=["dress"])])
    _turns(ws)
    key = KeyStore(ws).add("manager", "read")
    with TestClient(create_app(ws)) as c:
        yield SimpleNamespace(client=c, ws=ws, h={"Authorization": f"Bearer {key}"})


def _turns(ws: Path) -> None:
    """Turns on 2026-12-01 and 2026-12-03 (none on the 2nd), written with their own times."""
    import time

    from shopmind.assistant.turnlog import TurnLog

    def reply(intent: str, handoff: bool) -> SimpleNamespace:
        return SimpleNamespace(language="en", intent=intent, confidence=0.9, handoff=handoff, slots={},
                               suggested=[], citations=[])  # fmt: skip

    log = TurnLog(ws)
    real = time.time_ns
    now = datetime.now(UTC).timestamp()
    try:
        for days_ago, intent, handoff in (
            (3, "shipping", False),
            (3, "complaint", True),
            (1, "shipping", False),
        ):
            time.time_ns = lambda d=days_ago: int((now - d * 86_400) * 1e9)  # type: ignore[misc]
            log.record(reply(intent, handoff), "where is my parcel", "c1", None, 5.0)
        log.close()
    finally:
        time.time_ns = real  # type: ignore[misc]


def test_money_is_written_as_the_storefront_writes_a_price() -> None:
    """The server's helper for the dashboards drawn on the server (the scripts use SM.money):
    symbol per language, thousands grouped, the currency's decimals, half away from zero."""
    from shopmind.serve.money import currency_of, money

    assert money("en", 1234.5, "USD") == "$1,234.50" and money("zh-Hans", 1234.5, "USD") == "US$1,234.50"
    assert money("en", 1234.5, "CNY") == "CN¥1,234.50" and money("zh-Hans", 1234.5, "CNY") == "¥1,234.50"
    assert money("en", 1234.5, "JPY") == "¥1,235" and money("en", -0.5, "GBP") == "-£0.50"
    assert money("en", 1234567.5, "CHF") == "CHF\u00a01,234,567.50" and money("en", 2.005, "usd") == "$2.01"
    assert money("en", None, "USD") == "–" and money("en", 12, None) == "12.00"
    assert currency_of(["USD", "CNY", "usd", None, "CNY", "CNY"]) == currency_of(["CNY"] * 3 + ["USD"] * 2)
    assert currency_of(["USD", "CNY"]).code == "CNY"  # a tie: alphabetical, whatever the row order
    assert currency_of([]).code is None


def test_segments_give_the_median_spend_per_currency(shop) -> None:
    """A buyer's spend is in their own currency; one median over USD and CNY buyers added both
    as they were (the demo shop's 'active' median read 482.47: neither $182 nor CN¥1,357)."""
    from collections import defaultdict

    from shopmind.profiles.live import _median

    body = shop.client.get("/v1/segments", headers=shop.h).json()
    profiles = shop.client.app.state.shop.current.profiles
    expected: dict[tuple[str, str], list[float]] = defaultdict(list)
    for uid, monetary, orders, cur in profiles.frame.select(
        "user_id", "monetary", "orders", "currency"
    ).iter_rows():
        if orders:
            expected[(profiles.segment_of(uid), cur)].append(monetary)
    got = {(seg["segment"], m["currency"]): m for seg in body["segments"] for m in seg["median_spend"]}
    assert set(got) == set(expected) and {"USD", "CNY"} <= {cur for _s, cur in got}
    for key, spend in expected.items():
        assert got[key]["buyers"] == len(spend) and got[key]["median"] == pytest.approx(
            round(_median(spend), 2)
        )
    for seg in body["segments"]:  # most buyers first
        assert [m["buyers"] for m in seg["median_spend"]] == sorted(
            (m["buyers"] for m in seg["median_spend"]), reverse=True
        )


def test_the_inventory_legend_follows_a_weekly_series(shop) -> None:
    """A release forecast per week said 'sold per day' and 'Daily demand' over weekly sums."""
    c = shop.client
    # what the page shows (the <head> carries the whole catalog for its scripts)
    page = c.get("/dashboard/inventory", headers=shop.h).text.split("<main", 1)[1]
    assert "Weekly demand from accepted purchases" in page and "Black: sold per week." in page
    assert "<title>sold per week</title>" in page and "per day" not in page and "Daily demand" not in page
    zh = c.get("/dashboard/inventory", params={"lang": "zh"}, headers=shop.h).text.split("<main", 1)[1]
    assert "每周需求取自" in zh and "黑线：每周销量" in zh and "每日" not in zh
    c.cookies.clear()


def test_each_experiment_readout_has_its_own_url(shop) -> None:
    """A manager can send a colleague one readout's link; the list links to it; a name the shop
    does not have is the 404 page with the way back to the list (in the page's language), and
    without a key it is the sign-in page (no experiment name is confirmed to a stranger)."""
    c = shop.client
    page = c.get("/dashboard/experiments/ab", headers=shop.h)
    assert page.status_code == 200
    assert 'id="experiment-detail" data-experiment="ab"' in page.text
    assert re.search(r"<title>ab · Experiments · shopmind</title>", page.text)
    # the readout first, the list under it
    assert page.text.index('id="experiment-detail"') < page.text.index('id="experiments-table"')
    assert 'data-experiment=""' in c.get("/dashboard/experiments", headers=shop.h).text
    missing = error_page(c, "/dashboard/experiments/nope<b>", 404, shop.h)
    assert "There is no experiment “nope&lt;b&gt;” in this shop." in missing
    assert 'id="back-link" href="/dashboard/experiments"' in missing
    zh = error_page(c, "/dashboard/experiments/nope?lang=zh", 404, shop.h)
    assert "本店没有名为“nope”的实验。" in zh and "查看全部实验" in zh
    c.cookies.clear()
    stranger = c.get("/dashboard/experiments/nope")
    assert stranger.status_code == 401 and "login-form" in stranger.text
    # signed in first: whether it exists is not said
    assert "There is no experiment" not in stranger.text.split("<main", 1)[1]


def test_the_ads_page_shows_money_in_the_shops_currency(shop) -> None:
    """Bid, spend, budget and sales were bare numbers ('0.50'); a catalog priced in two currencies
    says which one bids, budgets and spend are in and that sales stay in their own currencies."""
    c = shop.client
    page = c.get("/dashboard/ads", headers=shop.h).text
    row = re.search(r'<tr data-campaign="spring-sale">(.*?)</tr>', page).group(1)
    assert '<td class="num">$0.50</td>' in row and "$0.00 / $50.00" in row
    assert 'id="ads-money"' in page and "Bids, budgets and spend are in USD" in page and "CNY" in page
    zh = c.get("/dashboard/ads", params={"lang": "zh"}, headers=shop.h).text
    assert "US$0.50" in zh and "出价、预算和花费以 USD 计" in zh
    c.cookies.clear()
    meta = re.search(r'<meta name="shopmind-currency" content="([^"]*)">', page).group(1)
    assert json.loads(meta.replace("&#34;", '"'))["code"] == "USD"


def test_the_assistant_page_carries_its_charts_figures(shop) -> None:
    """The volume by intent and the hand-off rate per day are drawn from the figures the tables
    show, every day between the first and the last (a quiet day is an empty bar, not skipped)."""
    page = shop.client.get("/dashboard/assistant", headers=shop.h).text
    assert (
        'id="volume-chart"' in page and 'id="handoff-chart"' in page and "/static/assistant_dash.js" in page
    )
    raw = re.search(r'id="volume-chart"[^>]*data-summary="([^"]*)"', page).group(1)
    data = json.loads(raw.replace("&#34;", '"').replace("&amp;", "&"))
    days = [d["day"] for d in data["by_day"]]
    assert len(days) == 3 and days == sorted(days)
    assert [d["turns"] for d in data["by_day"]] == [2, 0, 1]
    assert data["by_day"][0]["handoff_rate"] == 0.5 and data["by_day"][1]["handoff_rate"] is None


def test_the_inventory_figures_read_as_a_planner_writes_them(shop) -> None:
    """Read on the demo shop (session 28): 'lead time 7.0 days, review every 7.0 days', 'On hand
    0.0', whole units as '12.0' and 31056.8 days of cover without a thousands separator."""
    c = shop.client
    page = c.get("/dashboard/inventory", headers=shop.h).text.split("<main", 1)[1]
    assert "lead time 7 days, review every 7 days" in page
    cells = re.findall(r'<td class="num">([^<]*)</td>', page.split('id="reorder-table"', 1)[1])
    assert cells and not [v for v in cells if re.fullmatch(r"-?[\d,]+\.0", v)], cells
    assert not [v for v in cells if re.fullmatch(r"-?\d{4,}(\.\d+)?", v)], cells  # grouped: 31,056.8
    assert re.search(r"On hand [\d,]+(\.\d+)?;", page) and "On hand 0.0" not in page


def test_an_empty_list_on_the_assistant_page_says_what_it_would_hold(shop, tmp_path) -> None:
    """'None.' under 'Most frequent unanswered or low-confidence questions' said nothing of the period."""
    from shopmind.assistant.turnlog import TurnLog

    ws = tmp_path / "ws"
    log = TurnLog(ws)
    answered = SimpleNamespace(language="en", intent="shipping", confidence=0.9, handoff=False, slots={},
                               suggested=[], citations=["policy"])  # fmt: skip
    log.record(answered, "how long does shipping take", "c1", None, 5.0)
    log.close()
    key = KeyStore(ws).add("r", "read")
    with TestClient(create_app(ws)) as c:
        page = c.get("/dashboard/assistant", headers={"Authorization": f"Bearer {key}"}).text
    main = page.split("<main", 1)[1]
    assert (
        'id="unanswered-empty"' in main
        and "No unanswered or low-confidence question in the last 14 days." in main
    )
    assert ">None.<" not in main
