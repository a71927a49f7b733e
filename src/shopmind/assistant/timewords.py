"""Words of the calendar and the clock, and of the one answering (round 24).

Why: ``scope.DomainWords`` counts a word as the shop's when the catalog, the policies, the seed or
the language's 500 most frequent words use it; everything else is "foreign", and a foreign word
is evidence of another domain (``known_words``) or, after "at"/"from", a seller's name
(``owner_foreign``: "my parcel from amazon"). The words a shopper uses to say *when* - "at twenty
to four", "ordered on thursday", "晚上十点拍的", "周三能到吗" - are in none of those texts (wordfreq
ranks "twenty" 2,273rd, "thursday" 2,411th, "十点" 13,119th), so such a question read as foreign
(round 23: in-scope questions handed off naming a time or a day; "if i hit buy at twenty to four"
handed off as another seller's). They are a closed class of the language, not a domain: no shop
sells a Thursday. ``is_time_word`` recognises the class by its grammar (the number words, the
day and month names, Chinese numerals with a clock or calendar unit), not a list of phrasings.
"""

from __future__ import annotations

import re

_EN_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand half quarter first second third fourth fifth sixth seventh eighth ninth tenth"
)
_EN_CALENDAR = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri "
    "sat sun weekday weekdays weekend weekends january february march april may june july august "
    "september october november december jan feb mar apr jun jul aug sep sept oct nov dec"
)
_EN_CLOCK = (
    "am pm a.m p.m o'clock oclock noon midday midnight morning mornings afternoon afternoons "
    "evening evenings night nights tonight today tomorrow yesterday fortnight hour hours minute "
    "minutes daytime overnight"
)
#: English words of the class (lower case; an ordinal or plural of a number word included above)
EN_TIME_WORDS = frozenset(f"{_EN_NUMBERS} {_EN_CALENDAR} {_EN_CLOCK}".split())
#: a number word and a suffix ("twentieth", "thirties"), "4pm", "10am", "3rd"
_EN_FORM = re.compile(r"^(?:\d+(?:am|pm|st|nd|rd|th|h)?|(?:twen|thir|for|fif|six|seven|eigh|nine)t(?:ie|y)(?:s|th|eth)?)$")  # fmt: skip

_ZH_NUM = "零〇一二两三四五六七八九十百千几半\\d"
#: a Chinese numeral with a clock or calendar unit ("十点", "三点半", "五号", "两天", "十一月"), a
#: named weekday ("周三", "星期五", "礼拜天"), a time of day or a day relative to today
_ZH_FORM = re.compile(
    rf"^(?:[{_ZH_NUM}]+(?:点钟?|点半|点前|点后|时|分钟?|号|日|月|月份|周|天|年|个月|个小时|小时|刻)?[前后左右半]*"
    r"|(?:周|星期|礼拜)[一二三四五六日天末]?|(?:上|下|这|本)(?:周|星期|礼拜|个月)[一二三四五六日天末]?"
    r"|(?:今|明|后|昨|前)(?:天|晚|早|日)|(?:早上|上午|中午|下午|傍晚|晚上|半夜|凌晨|夜里|深夜|清晨|白天|月初|月底|月中|年底|周末))$"
)


def is_time_word(word: str) -> bool:
    """Whether ``word`` (one English word, lower case, or one Chinese word as jieba cuts it) is a
    number, a day, a month or a time of day (see the module docstring)."""
    w = word.strip().lower()
    if not w:
        return False
    if w.isascii():
        return w in EN_TIME_WORDS or _EN_FORM.match(w) is not None
    return _ZH_FORM.match(w) is not None


#: the words a shopper uses of the one answering them ("are you a bot?", "你是机器人还是真人",
#: "客服 bot 不回答"): the customer service's own vocabulary, which no catalog or policy text holds
SERVICE_WORDS = frozenset(
    [
        "bot",
        "bots",
        "chatbot",
        "chatbots",
        "robot",
        "robots",
        "ai",
        "human",
        "humans",
        "agent",
        "agents",
        "operator",
        "assistant",
        "机器人",
        "真人",
        "人工",
        "客服",
        "智能",
        "智能客服",
        "人工客服",
    ]
)


def is_service_word(word: str) -> bool:
    """Whether ``word`` names the one answering (``SERVICE_WORDS``; round 24's "service_words")."""
    return word.strip().lower() in SERVICE_WORDS


#: a time of day or a day named in a message (round 25's "clock_when"): a clock time ("3:40",
#: "4pm", "10 am", "four o'clock", "twenty to four", "half past six", "noon", "midnight"), a
#: number after "at"/"by"/"before"/"after" that only a clock reads ("at four", "by 5"), a weekday
#: or a day relative to today ("friday", "tomorrow", "tonight"); in Chinese a numeral with a clock
#: unit ("四点", "三点四十", "下午四点", "十点前"), a weekday ("周五", "星期三") or "今天/明天/后天".
#: Not a number alone ("under 50", "30 days": amounts and durations are the policies' words).
_EN_NUM_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|1[0-2]|0?[1-9])"
_EN_WHEN = re.compile(
    r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2} ?(?:am|pm|a\.m\.?|p\.m\.?)(?![a-z])|\b" + _EN_NUM_WORD + r" ?o'?clock\b"
    r"|\b(?:half|quarter|twenty|ten|five|twenty[- ]five|\d{1,2}) (?:past|to|after) " + _EN_NUM_WORD + r"\b"
    r"|\b(?:at|by|before|after|around|until|till) "
    + _EN_NUM_WORD
    + r"(?! (?:days?|weeks?|months?|years?|items?|pieces?|pairs?|units?|dollars?|euros?|pounds?|bucks?|percent)\b)(?=\W*$|\W+[a-z])\b"
    r"|\b(?:noon|midday|midnight|tonight|tomorrow|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.I,
)
_ZH_WHEN = re.compile(
    r"[零〇一二两三四五六七八九十\d]+点(?:钟|半|[零〇一二两三四五六七八九十\d]+分?)?"
    r"|(?:周|星期|礼拜)[一二三四五六日天]|(?:今|明|后)天|今晚|明早|明晚|中午|傍晚|凌晨"
)


def names_when(text: str) -> bool:
    """Whether ``text`` names a time of day or a day (``_EN_WHEN``, ``_ZH_WHEN``): how a shopper
    says *when* something should come ("can it arrive at twenty to four", "能下午四点送到吗"). A
    question asking when something arrives and naming such a time is about delivery times, not
    the product on the page or a refund asked before it: money is not delivered at twenty to
    four (round 25: both were answered from the refund section)."""
    return _EN_WHEN.search(text) is not None or _ZH_WHEN.search(text) is not None
