"""A shopper's phrasing around what is searched: "I'm looking for", "do you have", "show me", "我想买", "有没有".

Why: a storefront's and the assistant's searches are often sentences. "I'm looking for a red dress" was
analysed to the terms "i", "m", "look", "red", "dress"; min-match then asked for 4 of those 5 (at least
3 once relaxed), so a red dress whose text happens to hold no "look" was left out: 8 of the shop's 17
red dresses came back (seed-42 demo shop). Engines that serve such queries drop these words before
matching (Algolia's ``removeStopWords`` for "full-sentence or voice queries", Elasticsearch's stop
filter); a general stop list is not enough here ("looking", "show", "有没有" are no function words), so
the phrases of asking are listed by language, as ``assistant/greeting.py`` lists those of greeting.

``spans(text)`` gives the character ranges of such phrasing; ``understand`` leaves them out of the
text to match (``Understood.text``: the storefront shows "Understood as “red dress”") and out of
catalog matching and spelling, unless nothing searchable would be left ("show me", "有没有": then the
query is searched as typed, as before). Only phrases of asking are listed, never a word a product
could be named by alone: "hello kitty", "show" and "推荐" stay searched unless part of a phrase.
``PHRASING = False`` is the earlier behaviour (``bench/search_phrasing.py`` measures both).
"""

from __future__ import annotations

import re

#: whether the phrasing is left out of the text matched (False: searched as typed, the earlier behaviour)
PHRASING = True

_APOS = "['’]"
_ARTICLE = r"(?:\s+(?:some|any|a|an|the|one|ones|something|anything))?"
#: English phrases of asking (case-insensitive, whole words; "I'm"/"I am"/"im", straight or curly apostrophe)
_EN = [
    rf"(?:i|we)(?:{_APOS}m|{_APOS}re|\s+am|\s+are|m)?\s+(?:looking|searching|shopping|hunting)(?:\s+around)?\s+for",
    r"(?:looking|searching|shopping|hunting)\s+for",
    rf"(?:i|we)(?:{_APOS}d|\s+would)\s+(?:like|love)(?:\s+to\s+(?:buy|get|find|see|order|purchase|have))?",
    r"(?:i|we)\s+(?:want|need|wanna)(?:\s+to\s+(?:buy|get|find|see|order|purchase))?",
    r"(?:do|does)\s+(?:you|u|ya|the\s+(?:shop|store))(?:\s+guys)?\s+(?:have|sell|carry|stock|offer|got)",
    r"(?:have|has)\s+(?:you|u)\s+got",
    r"(?:is|are)\s+there",
    r"(?:can|could|would|will)\s+(?:you|u)(?:\s+please)?\s+(?:show|find|get|recommend|suggest|help)(?:\s+me)?(?:\s+(?:find|get|with))?",
    r"(?:can|could|may)\s+i\s+(?:see|get|buy|find|have)",
    r"where\s+(?:can|do)\s+i\s+(?:buy|find|get)",
    r"(?:please\s+)?(?:show|find|get|give|recommend|suggest)\s+me",
    r"(?:hi|hello|hey|good\s+(?:morning|afternoon|evening))\s*[,!.]",
]
#: Chinese phrases of asking (simplified: queries are read so); a measure word right after one goes too
_ZH = [
    r"请问(?:有没有|有卖|有(?!机))?|麻烦(?:你|您)?|你好|您好",
    r"(?:我|我们)?(?:想要|想买|想找|要买|要找|想看看|打算买|准备买|需要买)|(?:我|我们)需要",
    r"有没有卖?|有木有|有没|有无|有卖",
    r"(?:你们|你家|贵店|店里|这里|这儿)(?:有没有|有卖|卖|有)",
    r"(?:给|帮|为)我(?:推荐|找|搜|挑|选)(?:一下|下)?|(?:求|请)推荐|推荐一下",
    r"(?:我|我们)(?:在|正在)找|正在找",
]
_ZH_MEASURE = r"(?:一款|一个|一件|一双|一条|一台|一部|一只|一套|一些|几款|几个|一下)?"
#: a question's closing particle, at the end only ("呢"/"吧"/"么" end product words: 毛呢, 酒吧, 什么)
_ZH_TAIL = r"(?:吗|嘛)"

#: ("please", "thanks" standing alone are searched: Home Depot sells a "please flush" sign)
_EN_RE = re.compile(rf"(?<![^\W_])(?:{'|'.join(_EN)}){_ARTICLE}(?![^\W_])", re.I)
_ZH_RE = re.compile(rf"(?:{'|'.join(_ZH)}){_ZH_MEASURE}|{_ZH_TAIL}(?=[\s?？!！。.,，~～]*$)")


def spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) ranges of ``text`` that are the shopper's phrasing, in order, not overlapping
    (empty when ``PHRASING`` is off)."""
    if not PHRASING or not text:
        return []
    found = [m.span() for rx in (_EN_RE, _ZH_RE) for m in rx.finditer(text) if m.end() > m.start()]
    out: list[tuple[int, int]] = []
    for s, e in sorted(found):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
