"""The chat panel speaks to a shopper in the assistant's own register.

The assistant's Chinese answers address the shopper as 您 (``assistant/answer.py``: "非常抱歉给您带来
不好的体验……会尽快联系您"); the panel's own hand-off line sat in the same bubble as 你 ("同事会尽快联系你",
found on the storefront by t1v, session 29). The storefront's other words (为你推荐) are not the
assistant's voice and keep 你.
"""

from __future__ import annotations

import json
from pathlib import Path

from shopmind.assistant.answer import CANNED

CATALOG = Path(__file__).resolve().parents[1] / "src" / "shopmind" / "serve" / "i18n" / "zh-Hans.json"


def test_the_assistant_answers_in_the_polite_register():
    zh = [texts["zh"] for texts in CANNED.values() if "zh" in texts]
    assert any("您" in t for t in zh)
    assert not any("你" in t.replace("你们", "") for t in zh)


def test_the_chat_panel_words_use_the_same_register_as_the_answers():
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    panel = {k: v for k, v in catalog.items() if k.startswith("assistant.")}
    assert panel["assistant.handoff"] == "已转人工客服，同事会尽快联系您。"
    assert [k for k, v in panel.items() if "你" in v] == []
