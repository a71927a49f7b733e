"""The storefront's "understood as" chips in the page's language (session 32, t1f; closing31's first-hour list).

The Chinese page showed an attribute read from the query as the catalog's English key and value, "colour: red", though
the demo catalog names the same attribute 颜色: 红色 on its Chinese products (the engine returns that pair in the
constraint's ``alternatives``). Now a chip uses the catalog's own names in the page's language when it has them, else
the key through the page's messages (``attr.material`` -> 材质) and, on a Chinese page, the words the shopper typed
for it. Headless Chromium against a real ``shopmind serve`` of the seed-42 demo shop (300 products); skipped without
the browser.

Session 33: the Chinese page showed the demo's categories in English (facets, chips, each hit's category line, the
product page's crumbs); they are now shown by the shop's ``category_names.json`` (the stored value stays in links
and filters)."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from browser_util import HAVE_BROWSER, SKIP_REASON, wait_until

if not HAVE_BROWSER:
    pytest.skip(SKIP_REASON, allow_module_level=True)

import os  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402

from build_script_util import ingest_forced  # noqa: E402
from shopmind.demo.category_names import write_category_names  # noqa: E402
from shopmind.demo.generator import generate  # noqa: E402
from shopmind.release.build import build_release  # noqa: E402
from shopmind.release.components import default_components  # noqa: E402
from test_serve import _free_port, _serve, _wait_ready  # noqa: E402

SETTINGS = {"search": {"encoder": "none"}, "recs": {"encoder": "use"}}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("zhchips")
    ws = ingest_forced(
        root / "ws", generate(seed=42, n_products=300, n_users=150, days=20, defect_rate=0.0).batch
    )
    build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=root / "cache")
    write_category_names(ws)  # as `shopmind demo` does
    port = _free_port()
    proc = _serve(ws, port)
    try:
        _wait_ready(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def chips(d, base_url: str, lang: str, query: str) -> list[str]:
    d.get(f"{base_url}/?lang={lang}&q={query.replace(' ', '+')}")
    wait_until(d, lambda d: d.find_element(By.ID, "result-count").get_attribute("data-total"), query)
    wait_until(
        d, lambda d: d.find_elements(By.CSS_SELECTOR, '#understood .chip[data-kind="constraint"]'), query
    )
    return [
        c.text.replace("×", "").strip()
        for c in d.find_elements(By.CSS_SELECTOR, '#understood .chip[data-kind="constraint"]')
    ]


@pytest.mark.parametrize(
    ("lang", "query", "chip"),
    [
        ("zh", "red dress", "颜色: 红色"),  # the catalog's Chinese pair (was "colour: red")
        ("zh", "红色连衣裙", "颜色: 红色"),
        ("en", "红色连衣裙", "colour: red"),  # and the English pair on the English page
        ("en", "red dress", "colour: red"),
        ("zh", "皮革包", "材质: 皮革"),  # no Chinese pair in the catalog: the page's key, the typed words
    ],
)
def test_attribute_chips_in_the_pages_language(base_url, driver, lang: str, query: str, chip: str) -> None:
    got = chips(driver, base_url, lang, query)
    assert chip in got, got


def test_categories_in_the_pages_language(base_url, driver) -> None:
    for lang, chip, facet in (
        ("zh", "类目: 女装 > 连衣裙", "连衣裙"),
        ("en", "category: Women > Dresses", "Dresses"),
    ):
        got = chips(driver, base_url, lang, "red dress")
        assert chip in got, got
        items = driver.find_elements(By.CSS_SELECTOR, '#facet-category li[data-facet="category"]')
        assert "Women > Dresses" in [i.get_attribute("data-value") for i in items]  # the stored value filters
        labels = [i.find_element(By.CSS_SELECTOR, ".facet-label").text for i in items]
        assert facet in labels, labels
        lines = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".hit-category")]
        english = [x for x in lines if any("a" <= ch.lower() <= "z" for ch in x)]
        assert lines and (not english if lang == "zh" else english == lines), lines
