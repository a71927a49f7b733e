"""The storefront in Chinese and in English, in headless Chromium against a real `shopmind serve`.

A shopper switches the store to 中文, searches, opens a product, adds it to the cart and asks the
chat panel; every word of the storefront's own interface is then Chinese (product data stay as
they are), prices are written the Chinese way, the choice survives new pages, and switching back
gives English again. A browser that asks for Chinese gets it without switching. The console stays
clean (no error, no missing message). Skipped without the browser.
"""

from __future__ import annotations

import re

import pytest

from browser_util import HAVE_BROWSER, SKIP_REASON, wait_until

if not HAVE_BROWSER:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

#: The storefront's own interface (not product data): the elements whose words must be the page's
#: language. Read by one script; ``code`` (ids) and the language switch (each language's own name)
#: are taken out first.
CHROME_TEXT = """
const parts = [];
const sel = arguments[0];
document.querySelectorAll(sel).forEach((n) => {
  const c = n.cloneNode(true);
  c.querySelectorAll("code, .facet, #lang-switch").forEach((x) => x.remove());
  parts.push(c.innerText);
  for (const a of ["placeholder", "aria-label", "title"]) if (n.getAttribute(a)) parts.push(n.getAttribute(a));
});
return parts.join("\\n");
"""
STORE_CHROME = (
    ".mainnav, #visitor-box, #search-form button, #q, #foryou-title, #filters h3, #sort, #price-min, #price-max, "
    "#price-apply, .filter-group > label.check, #clear-filters, #pagination, .hit .stock, footer"
)
PRODUCT_CHROME = (
    ".mainnav, .crumbs > a:first-child, #add-to-cart, #cart-note, #similar-title, #bt-title, "
    "#assistant-panel .assistant-head, #assistant-input, #assistant-send, footer"
)
#: Words any language's page may show: names that are not translated.
NAMES = {"API", "shopmind", "shop", "mind"}


wait = wait_until


def lang(d) -> str:
    return d.execute_script("return document.documentElement.lang")


def english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text)) - NAMES


def text(d, css: str) -> str:
    return d.find_element(By.CSS_SELECTOR, css).text


def console_problems(d) -> list[str]:
    """Errors, and the warning a message missing from the catalog leaves."""
    return [
        e["message"]
        for e in d.get_log("browser")
        if e["level"] == "SEVERE" or "no message for" in e["message"]
    ]


def searched(d, query: str) -> None:
    box = d.find_element(By.ID, "q")
    box.clear()
    box.send_keys(query, Keys.ENTER)
    wait(
        d,
        lambda d: f"q={query}" in (d.find_element(By.ID, "results").get_attribute("data-state") or ""),
        query,
    )
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#results li.hit"), f"hits for {query}")


def test_chinese_store_search_product_chat_and_back_to_english(base_url, driver) -> None:
    d = driver
    d.delete_all_cookies()
    d.get(base_url + "/")  # the test browser asks for en-US
    wait(d, lambda d: d.find_element(By.ID, "result-count").get_attribute("data-total"), "the first list")
    assert lang(d) == "en" and text(d, "#search-button") == "Search"
    assert "results in the catalog" in text(d, "#result-count")
    assert (
        d.find_element(By.CSS_SELECTOR, '#lang-switch a[data-lang="en"]').get_attribute("aria-current")
        == "true"
    )

    # the switch: 中文
    d.find_element(By.CSS_SELECTOR, '#lang-switch a[data-lang="zh"]').click()
    wait(d, lambda d: lang(d) == "zh-Hans", "the Chinese page")
    assert d.get_cookie("shopmind_lang")["value"] == "zh"
    wait(d, lambda d: d.find_element(By.ID, "result-count").get_attribute("data-total"), "the first list")
    assert re.fullmatch(r"目录中共 \d+ 件商品，按人气排序 · [\d.]+ 毫秒", text(d, "#result-count"))
    assert text(d, "#search-button") == "搜索" and text(d, "#foryou-title") == "为你推荐"
    assert d.find_element(By.ID, "q").get_attribute("placeholder").startswith("搜索商品")
    # the "For you" row's reasons re-worded in Chinese around the names they carry ("Home 中正在流行")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#foryou-items .card"), "the For you row")
    reasons = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#foryou-items .card .reason")]
    assert reasons and all(re.search(r"[\u3400-\u9fff]", r) for r in reasons), reasons

    searched(d, "lamp")
    count = text(d, "#result-count")
    assert re.fullmatch(r"“lamp”的搜索结果：\d+ 件商品 · [\d.]+ 毫秒", count), count
    stock = {s.text for s in d.find_elements(By.CSS_SELECTOR, "#results .hit .stock")}
    assert stock and stock <= {"有货", "缺货"}
    # prices as Chinese writes them (zh-Hans: "US$47.33"; English: "$47.33")
    prices = [p.text for p in d.find_elements(By.CSS_SELECTOR, "#results .hit-price")]
    assert prices and all(re.fullmatch(r"US\$[\d,]+\.\d\d", p) for p in prices), prices
    shown = d.execute_script(CHROME_TEXT, STORE_CHROME)
    assert english_words(shown) == set(), shown
    # "understood as" chips: the constraint's kind in Chinese, the category's own name as it is
    chips = [c.text for c in d.find_elements(By.CSS_SELECTOR, '#understood .chip[data-kind="constraint"]')]
    assert chips and all(c.startswith("类目: ") for c in chips), chips
    remove = d.find_element(By.CSS_SELECTOR, '#understood .chip[data-kind="constraint"] .chip-x')
    assert remove.get_attribute("title") == "移除" and remove.get_attribute("aria-label").startswith(
        "移除 类目: "
    )

    # a product page, reached without ?lang: the choice is remembered
    first = d.find_element(By.CSS_SELECTOR, "#results li.hit a.hit-title")
    pid = d.find_element(By.CSS_SELECTOR, "#results li.hit").get_attribute("data-product-id")
    first.click()
    wait(d, lambda d: "/product/" in d.current_url and "lang=" not in d.current_url, "the product page")
    assert lang(d) == "zh-Hans" and text(d, "#similar-title") == "相似商品"
    assert re.fullmatch(r"US\$[\d,]+\.\d\d", text(d, "#product-price"))
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#similar-items .card"), "similar items")
    reasons = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#similar-items .card .reason")]
    assert reasons and all(re.search(r"[\u3400-\u9fff]", r) for r in reasons), reasons
    button = d.find_element(By.ID, "add-to-cart")
    if button.is_enabled():
        assert button.text == "加入购物车"
        button.click()
        wait(d, lambda d: text(d, "#cart-note"), "the cart note")
        assert text(d, "#cart-note").startswith("已加入")
    else:
        assert button.text == "缺货"

    # the chat panel's chrome in Chinese (the answer is the assistant's, in the shopper's language)
    toggle = d.find_element(By.ID, "assistant-open")
    assert toggle.text == "问客服"
    toggle.click()
    assert text(d, "#assistant-panel h2") == "智能客服" and text(d, "#assistant-send") == "发送"
    d.find_element(By.ID, "assistant-input").send_keys("退款多久能到账？")
    d.find_element(By.ID, "assistant-send").click()
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, ".assistant-msg.from-shop"), "the assistant's answer")
    assert re.search(r"[\u3400-\u9fff]", text(d, ".assistant-msg.from-shop .assistant-answer"))
    # a message with no language of its own is answered in the page's (t1hz: it was English)
    d.find_element(By.ID, "assistant-input").send_keys("asdfgh")
    d.find_element(By.ID, "assistant-send").click()
    wait(
        d,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".assistant-msg.from-shop")) >= 2,
        "the second answer",
    )
    second = d.find_elements(By.CSS_SELECTOR, ".assistant-msg.from-shop .assistant-answer")[1].text
    assert re.search(r"[\u3400-\u9fff]", second) and not re.search(r"[A-Za-z]{4,}", second), second
    shown = d.execute_script(CHROME_TEXT, PRODUCT_CHROME)
    assert english_words(shown) == set(), shown
    assert console_problems(d) == []

    # back to English from the product page: this page and the next are English
    d.find_element(By.CSS_SELECTOR, '#lang-switch a[data-lang="en"]').click()
    wait(d, lambda d: lang(d) == "en", "the English page")
    assert d.current_url.endswith(f"/product/{pid}?lang=en")
    assert text(d, "#similar-title") == "Similar items" and text(d, "#assistant-open") == "Ask us"
    assert re.fullmatch(r"\$[\d,]+\.\d\d", text(d, "#product-price"))
    d.get(base_url + "/?q=lamp")
    wait(d, lambda d: d.find_element(By.ID, "result-count").get_attribute("data-total"), "the English list")
    assert lang(d) == "en" and re.fullmatch(r"\d+ results? for “lamp” · [\d.]+ ms", text(d, "#result-count"))
    assert d.get_cookie("shopmind_lang")["value"] == "en"
    assert console_problems(d) == []


def test_a_chinese_browser_gets_the_chinese_store(base_url, driver) -> None:
    d = driver
    d.delete_all_cookies()
    ua = d.execute_script("return navigator.userAgent")
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": ua, "acceptLanguage": "zh-CN,zh;q=0.9"})
    try:
        d.get(base_url + "/?q=chair")
        wait(d, lambda d: d.find_element(By.ID, "result-count").get_attribute("data-total"), "the list")
        assert lang(d) == "zh-Hans" and d.get_cookie("shopmind_lang") is None  # asked, not chosen
        assert text(d, "#clear-filters") == "清除全部筛选"
        assert "“chair”的搜索结果" in text(d, "#result-count")
        # the shopper prefers English: the switch wins over the browser, on every page after
        d.find_element(By.CSS_SELECTOR, '#lang-switch a[data-lang="en"]').click()
        wait(d, lambda d: lang(d) == "en", "the English page")
        d.get(base_url + "/product/P1")
        assert lang(d) == "en" and text(d, "#similar-title") == "Similar items"
        assert console_problems(d) == []
    finally:
        d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": ua, "acceptLanguage": "en-US"})
        d.delete_all_cookies()


def test_results_by_meaning_alone_are_said_in_both_languages(base_url, driver) -> None:
    """A query no product holds a word of ("qxzzv wqkkj") still lists the products nearest in meaning
    (its vector may be encoded in the background first: searched again until hits come); the line
    under the count says what they are, in the page's language, and a query whose words match
    hides it again."""
    d = driver
    d.delete_all_cookies()
    query = "qxzzv wqkkj"
    url = base_url + "/?lang=zh&q=" + query.replace(" ", "+")

    def hits_by_meaning(d) -> bool:
        d.get(url)
        WebDriverWait(d, 10, poll_frequency=0.1).until(
            lambda d: d.find_element(By.ID, "result-count").get_attribute("data-total")
        )
        return bool(d.find_elements(By.CSS_SELECTOR, "#results li.hit"))

    wait(d, hits_by_meaning, "hits by meaning", timeout=60)
    line = d.find_element(By.ID, "result-meaning")
    wait(d, lambda d: line.is_displayed(), "the meaning-only line")
    assert line.text == "没有商品包含这些词，以下是意思最接近的商品。"
    searched(d, "lamp")
    assert not d.find_element(By.ID, "result-meaning").is_displayed()
    d.get(base_url + "/?lang=en&q=" + query.replace(" ", "+"))
    wait(d, lambda d: d.find_element(By.ID, "result-meaning").is_displayed(), "the English line")
    assert d.find_element(By.ID, "result-meaning").text.startswith("No product contains these words")
    assert console_problems(d) == []
