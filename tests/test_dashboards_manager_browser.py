"""The dashboards as a shop manager reads them, in headless Chromium against a real `shopmind serve`
(session 28, t1ic): money written the same on the server-drawn pages as by the scripts, a readout at
its own URL, the assistant's volume and hand-off rate as charts, spend per currency on the segments
page, and the new parts readable on a phone. The demo shop of the dashboards' i18n test (USD and
CNY listings, an A/B and an interleaving readout, a campaign, assistant turns). Skipped without the
browser.
"""

from __future__ import annotations

import re

import pytest

from browser_util import HAVE_BROWSER, SKIP_REASON, browser

if not HAVE_BROWSER:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

import test_i18n_dashboards_browser  # noqa: E402
from test_i18n_dashboards_browser import AXIS_TEXT_PX, PAGES, _console, _open, _phone  # noqa: E402

#: Amounts and currencies the two money writers are compared on: symbols that differ by language
#: (USD, CNY, JPY), none (CHF), no decimals (JPY, KRW), three (KWD), grouping, signs, half cents.
AMOUNTS = (1234.5, -0.5, 0.125, 2.005, 1234567.891, 0)
CODES = ("USD", "CNY", "EUR", "GBP", "JPY", "KRW", "CHF", "KWD", "AUD", "HKD", "INR", "SEK")


#: the i18n dashboards test's demo shop (built once for this module): its URL and a read key
shop = test_i18n_dashboards_browser.shop


@pytest.fixture(scope="module")
def driver(shop):
    url, key = shop
    with browser("1280,1000") as d:
        d.get(f"{url}/dashboard/login#key={key}")
        WebDriverWait(d, 60).until(lambda x: x.current_url.endswith("/dashboard/quality"))
        d.get_log("browser")
        yield d


def test_the_server_writes_money_as_the_scripts_do(shop, driver) -> None:
    """The ads and pricing pages are drawn on the server, the segments and experiments pages by
    script with the storefront's SM.money (Intl): an amount must read the same on both, in both
    languages (the ads page showed bare '0.50', the pricing page '12.5 USD')."""
    from shopmind.serve.money import money

    url, _key = shop
    for lang, short in (("en", "en"), ("zh-Hans", "zh")):
        _open(driver, f"{url}/dashboard/ads?lang={short}", PAGES["/dashboard/ads"][2])
        browser_says = driver.execute_script(
            "return arguments[0].map(([v, c]) => SM.money(v, c))",
            [[v, c] for c in CODES for v in AMOUNTS],
        )
        server_says = [money(lang, v, c) for c in CODES for v in AMOUNTS]
        assert server_says == browser_says, lang


def test_a_readout_opens_at_its_own_url(shop, driver) -> None:
    """A manager sends a colleague /dashboard/experiments/<name>: the readout is drawn at once,
    above the list; the list links each name there; revenue per unit is in the shop's currency
    and rates are percentages; an unknown name is the 404 page with the way back."""
    url, _key = shop
    d = driver
    _open(d, f"{url}/dashboard/experiments/ab?lang=en", "#detail-metrics tbody tr")
    assert d.find_element("id", "detail-decision").text.startswith("treatment wins on conversion")
    rows = d.execute_script(
        "return [...document.querySelectorAll('#detail-metrics tbody tr')].map(r => [...r.cells].map(c => c.textContent))"
    )
    revenue = next(r for r in rows if r[0] == "revenue per unit")
    assert re.fullmatch(r"\$[\d,]+\.\d\d", revenue[2]) and re.fullmatch(r"\$[\d,]+\.\d\d", revenue[3]), (
        revenue
    )
    conversion = next(r for r in rows if r[0] == "conversion per session")
    assert conversion[2].endswith(" %") and conversion[3].endswith(" %"), conversion
    assert "Amounts are in USD" in d.find_element("id", "detail-money").text  # USD and CNY listings
    links = d.execute_script(
        "return [...document.querySelectorAll('#experiments-table tbody tr a')]"
        ".map(a => [a.textContent, a.getAttribute('href'), a.getAttribute('aria-current')])"
    )
    assert ["ab", "/dashboard/experiments/ab", "page"] in links
    assert ["rankers", "/dashboard/experiments/rankers", None] in links
    d.execute_script("document.querySelector('#experiments-table a[href$=\"/rankers\"]').click()")
    WebDriverWait(d, 30).until(
        lambda x: x.current_url.split("?")[0].endswith("/dashboard/experiments/rankers")
    )
    WebDriverWait(d, 30).until(lambda x: x.find_element("id", "detail-decision").text.startswith("ltr wins"))
    assert _console(d) == []
    _open(d, f"{url}/dashboard/experiments/no-such-test?lang=zh", "#error-page")
    assert "本店没有名为“no-such-test”的实验。" in d.find_element("id", "error-page").text
    d.find_element("id", "back-link").click()
    WebDriverWait(d, 30).until(lambda x: x.find_elements("css selector", "#experiments-table tbody tr"))
    assert [m for m in _console(d) if "404" not in m] == []


def test_the_assistant_volume_is_drawn_beside_its_table(shop, driver) -> None:
    """The assistant page had only tables; its volume by intent and its hand-off rate per day are
    now charts (charts.js, as the other dashboards), each bar the figure the by-day table shows."""
    url, _key = shop
    d = driver
    _open(d, f"{url}/dashboard/assistant?lang=en", "#volume-chart svg")
    table = d.execute_script(
        "return [...document.querySelectorAll('#by-day tr[data-day]')].map(r => [r.dataset.day,"
        " Object.fromEntries([...r.querySelectorAll('td[data-intent]')].map(c => [c.dataset.intent, Number(c.textContent)])),"
        " r.cells[r.cells.length - 1].textContent])"
    )
    assert table, "no by-day rows"
    bars = d.execute_script(
        "return [...document.querySelectorAll('#volume-chart rect.bar')].map(b => [b.dataset.category, b.dataset.series, Number(b.dataset.value)])"
    )
    intents = d.execute_script(
        "return [...document.querySelectorAll('#by-intent tr[data-intent]')].map(r => [r.dataset.intent, r.cells[0].textContent])"
    )
    shown = dict(intents)
    for day, counts, _rate in table:
        for intent, n in counts.items():
            assert [day, shown[intent], n] in bars, (day, intent, bars)
    rates = d.execute_script(
        "return [...document.querySelectorAll('#handoff-chart rect.bar')].map(b => [b.dataset.category, Number(b.dataset.value)])"
    )
    for day, _counts, rate in table:
        value = next(v for c, v in rates if c == day)
        assert f"{100 * value:.1f} %" == rate
    assert d.find_elements("css selector", "#volume-chart .legend")  # which colour is which intent
    assert _console(d) == []


def test_segments_show_each_currencys_median_spend(shop, driver) -> None:
    """The median spend was one bare number over USD and CNY buyers added as they were."""
    url, _key = shop
    d = driver
    _open(d, f"{url}/dashboard/segments?lang=en", PAGES["/dashboard/segments"][2])
    cells = d.execute_script(
        "return [...document.querySelectorAll('#segments-table tbody tr')].map(r => r.cells[4].textContent)"
    )
    spent = [c for c in cells if c != "–"]
    assert spent and all(re.fullmatch(r"(\$|CN¥)[\d,]+\.\d\d( · (\$|CN¥)[\d,]+\.\d\d)?", c) for c in spent), (
        cells
    )
    assert any("$" in c and "CN¥" in c for c in spent), cells


def test_the_new_parts_read_on_a_phone(shop) -> None:
    """At 390 px: the readout at its own URL and the assistant's charts keep their text readable
    and the page inside the screen (the charts' panels scroll sideways, as the other pages')."""
    url, _key = shop
    with _phone(shop) as d:
        for path, ready in (
            ("/dashboard/experiments/ab", "#detail-effects svg"),
            ("/dashboard/assistant", "#handoff-chart svg"),
        ):
            for lang in ("en", "zh"):
                _open(d, f"{url}{path}?lang={lang}", ready)
                heights = d.execute_script(AXIS_TEXT_PX)
                assert heights and min(heights) >= 9, (path, lang, heights)
                assert d.execute_script("return document.documentElement.scrollWidth") <= 390, (path, lang)
        # a name with a hyphen stays on one line (the phone broke "spring-sale" and "draft-one" at it)
        for path, cells in (("/dashboard/ads", "#ads-campaigns td:first-child"),
                            ("/dashboard/experiments", "#experiments-table tbody td:first-child")):  # fmt: skip
            _open(d, f"{url}{path}?lang=zh", cells)
            lines = d.execute_script(
                "return [...document.querySelectorAll(arguments[0])].map(c => { const r = document.createRange();"
                " r.selectNodeContents(c); return [c.textContent, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })",
                cells,
            )
            assert lines and all(n == 1 for text, n in lines if "-" in text), (path, lines)


def test_figures_are_grouped_and_axis_labels_fit(shop, driver) -> None:
    """Read on the demo shop (session 28): the evaluation tables showed '203219' queries per second
    and '1029.40' s, and the effect chart's Chinese axis labels ('+60 个百分点') were cut at the
    chart's left edge."""
    url, _key = shop
    d = driver
    _open(d, f"{url}/dashboard/evaluation?lang=en", PAGES["/dashboard/evaluation"][2])
    cells = d.execute_script(
        "return [...document.querySelectorAll('main table.data td')].map(c => c.textContent)"
    )
    assert cells and not [c for c in cells if re.fullmatch(r"-?\d{4,}(\.\d+)?", c)], cells
    for lang in ("zh", "en"):
        _open(d, f"{url}/dashboard/experiments/ab?lang={lang}", "#detail-effects svg")
        cut = d.execute_script(
            "const svg = document.querySelector('#detail-effects svg').getBoundingClientRect();"
            "return [...document.querySelectorAll('#detail-effects text.axis')]"
            ".filter(t => t.getBoundingClientRect().left < svg.left - 0.5).map(t => t.textContent)"
        )
        assert cut == [], (lang, cut)
