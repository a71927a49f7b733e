"""The dashboards' words in English and Chinese (serve/i18n.py, the ``dash.*`` keys): what the
pages re-word from the API's English - the quality gate's check meanings by code, a price
suggestion's reason and a build's skip reasons by sentence pattern - and the per-language
percentages and enumerated terms. The pages in Chinese: tests/test_i18n_dashboards_browser.py,
and each dashboard's own test module; the catalogs and the literal scans: tests/test_i18n.py."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from shopmind.serve import i18n

_CJK = re.compile(r"[\u3400-\u9fff]")


def test_check_messages_follow_the_quality_gates_codes() -> None:
    """The quality dashboard says what a failed check means from the catalog by its code: the
    English messages are the gate's own summaries, and every code has both."""
    from shopmind.quality.codes import _ALL

    en, zh = i18n.catalog("en"), i18n.catalog("zh-Hans")
    for c in _ALL:  # a new or re-worded check: add or change dash.check.CODE in both catalogs
        assert en.get("dash.check." + c.code) == c.summary, c.code
        assert _CJK.search(zh["dash.check." + c.code]), c.code


def test_percent_and_terms_per_language() -> None:
    assert i18n.percent("en", 0.125) == "12.5 %" and i18n.percent("zh-Hans", 0.125) == "12.5%"
    assert i18n.percent("zh-Hans", 0.01234, 2) == "1.23%" and i18n.percent("en", None) == "–"
    assert i18n.term("zh-Hans", "dash.status.", "held") == "已拦下"
    assert i18n.term("zh-Hans", "dash.status.", "new-state") == "new-state"  # a new value shows as it is
    assert str(
        i18n.translate_markup("en", "dash.login.create", command="<b>", demo=Markup("<code>x</code>"))
    ) == ("Create one on the server with &lt;b&gt; (<code>x</code> prints a sign-in link with a fresh key).")


@pytest.mark.parametrize(
    ("reason", "chinese"),
    [
        ("no elasticity estimate (too few weeks)", "没有弹性估计（too few weeks）"),
        (
            "elasticity sign uncertain: interval [-1.20, 0.30] includes 0",
            "弹性方向不确定：区间 [-1.20, 0.30] 包含 0",
        ),
        (
            "may be inelastic: interval [-1.20, -0.50] reaches above -1, so the profit optimum lies outside what "
            "the data supports",
            "可能缺乏弹性：区间 [-1.20, -0.50] 超过 -1，利润最优点超出了数据能支持的范围",
        ),
        (
            "revenue direction unknown: interval [-1.50, -0.70] includes -1",
            "收入变化方向未知：区间 [-1.50, -0.70] 包含 -1",
        ),
        (
            "guardrails conflict: min_margin needs >= 12.50 but ceiling allows <= 10.00",
            "护栏冲突：最低毛利率要求 ≥ 12.50，而最高价只允许 ≤ 10.00",
        ),
        ("no price ending '.99' within [4.10, 4.50]", "[4.10, 4.50] 内没有以 '.99' 结尾的价格"),
        ("current price is within 0.5% of the best expected profit", "当前价格与最佳预期利润相差不到 0.5%"),
        ("higher expected revenue", "预期收入更高"),
        (
            "price_floor 12.00 is above price_ceiling 10.00: no price satisfies both (fix this product's floor or ceiling)",
            "price_floor 12.00 高于 price_ceiling 10.00：没有价格能同时满足两者（请修正该商品的最低价或最高价）",
        ),
        (
            "current price breaks ending, max_change: best compliant price (-1.2% expected profit)",
            "当前价格违反价格尾数、最大调价幅度：符合规则的最佳价格（预期利润 -1.2%）",
        ),
    ],
)
def test_pricing_reasons_are_reworded(reason: str, chinese: str) -> None:
    """Each sentence pricing.suggest writes is re-worded for the Chinese page; English stays as the
    API answers it, and a sentence no pattern knows is shown as it is."""
    from shopmind.pricing.page import reason_text

    assert reason_text("zh-Hans", reason) == chinese
    assert reason_text("en", reason) == reason
    assert reason_text("zh-Hans", "a new kind of reason") == "a new kind of reason"


def test_skip_reasons_follow_the_builds_sentences() -> None:
    """A release without forecasts or price suggestions says why in its manifest (English); the
    pages re-word the known reasons: each English message, filled in, is matched by its own rule,
    and the Chinese reads differently. The pricing sentence is the build's own (a demo shop)."""
    from shopmind.pricing.page import SKIPPED as PRICING
    from shopmind.serve.inventory_page import SKIPPED as FORECAST

    for pattern, key in PRICING + FORECAST:
        filled = i18n.translate("en", key, **dict.fromkeys(i18n.placeholders(i18n.catalog("en")[key]), "7"))
        assert pattern.fullmatch(filled), key
        assert _CJK.search(i18n.reword("zh-Hans", filled, PRICING + FORECAST)), key
        assert i18n.reword("en", filled, PRICING + FORECAST) == filled
    said = (
        "no price variation in the history: none of 195 products has a price that moved across at least 8 weeks "
        "with sales, so no elasticity can be estimated"
    )
    assert (
        i18n.reword("zh-Hans", said, PRICING)
        == "历史中没有价格变化：195 个商品都没有在至少 8 个有销售的周里出现价格变动，因此无法估计价格弹性"
    )
    old = said.replace("at least 8 weeks with sales", "weeks")  # a release built before session 33 said so
    assert _CJK.search(i18n.reword("zh-Hans", old, PRICING))
    assert i18n.reword("zh-Hans", "a new reason", PRICING) == "a new reason"
