"""A shopper asking for a person, and a yes to the assistant's offer of one (round 29).

Why (the lead's defects, session 32): "I want to talk to a human" and "can I speak to a real person
please" were read as unsure greetings ("I'm not sure I understood. Shall I connect you…?"), "human
please" was greeted, and a "yes" after "Shall I connect you with a colleague?" was greeted too:
the shopper asked for a person twice and got none. ``asks_person`` (switch "person_asked") reads a
plain request for a person - a verb of talking, connecting or wanting beside a person's noun, or the
noun alone ("agent please", "转人工", "我要找人工客服", "can i talk to 人工客服"); a question whether
the chat is a person or a bot ("am I talking to a real person?", "你是机器人还是真人") is a greeting,
not a request, and a long message asks something else beside it. ``says_yes`` (switch
"offer_yes") reads a bare yes ("yes please", "sure", "好的", "需要") to the offer the last turn made.
Either is handed off as the shop's hand-off intent (``complaint``, whose answer passes the message
to a colleague) with ``answer.CANNED["person"]``, which says so without an apology.
"""

from __future__ import annotations

import re

#: a person's noun (en): who a shopper asks to be put through to
_EN_WHO = r"(?:a |an |the |some |your )?(?:real |actual |live |human )?(?:human(?: being)?|person|agent|representative|rep|operator|someone|somebody|staff(?: member)?|colleague|customer (?:service|support)(?: agent| team| person)?|support (?:agent|team))"
_EN_ASK = re.compile(
    rf"\b(?:talk|speak|chat)(?:ing)? (?:to|with) {_EN_WHO}\b"
    rf"|\b(?:connect|transfer|put|pass|hand) me (?:on |over )?(?:to|with|through to) {_EN_WHO}\b"
    rf"|\b(?:want|need|get me|give me|request) {_EN_WHO}\b"
    rf"|^\W*{_EN_WHO}\W*(?:please|pls|plz|now)?\W*$"
    r"|\b(?:talk|speak|chat|connect|transfer)\b.{0,12}(?:人工|真人|客服)",
    re.I,
)
#: the Chinese (and mixed) requests: a verb of asking or transferring before a person's noun
_ZH_ASK = re.compile(
    r"(?:转|接|找|要|联系|换|叫)[^，。？！,.?!]{0,3}(?:人工|真人|客服人员)|^\W*人工(?:客服)?\W*$|(?:跟|和|与)(?:真人|人工)"
)
#: whether the chat is a person: a question about the assistant, not a request for one
_BOT = re.compile(
    r"\bbots?\b|robot|automated|\bai\b|机器人|自动回复|是(?:不是)?真人|真人吗|还是真人|真人还是", re.I
)
#: a longer message asks something beside the request (its own reading stands)
MAX_WORDS = 12
MAX_ZH_CHARS = 16


def asks_person(text: str) -> bool:
    """Whether ``text`` is a plain request to talk to a person (not a question whether the chat
    is one, not a longer message asking something else too)."""
    if _BOT.search(text):
        return False
    zh = len(re.findall(r"[\u4e00-\u9fff]", text))
    if len(text.split()) > MAX_WORDS or zh > MAX_ZH_CHARS:
        return False
    return bool(_EN_ASK.search(text) or _ZH_ASK.search(text))


_YES_EN = frozenset(
    [
        "yes",
        "yeah",
        "yep",
        "yup",
        "ya",
        "yea",
        "sure",
        "ok",
        "okay",
        "okey",
        "please",
        "pls",
        "plz",
        "do",
        "it",
        "go",
        "ahead",
        "connect",
        "me",
        "thanks",
        "thank",
        "you",
        "that",
        "would",
        "be",
        "great",
    ]
)
_YES_ZH = re.compile(r"^(?:好|好的|好啊|好吧|行|可以|嗯|嗯嗯|是|是的|对|要|需要|麻烦了|麻烦你了|转吧|谢谢)+$")


def says_yes(text: str) -> bool:
    """Whether ``text`` is only a yes ("yes please", "sure, go ahead", "好的 麻烦了", "ok 谢谢")."""
    t = re.sub(r"[\s,，.。!！~～]+", " ", text.lower()).strip()
    if not t:
        return False
    words = [w for w in t.split() if w]
    if all(w in _YES_EN or _YES_ZH.match(w) for w in words):
        return any(w in {"yes", "yeah", "yep", "yup", "ya", "yea", "sure", "ok", "okay", "okey", "please", "ahead"} or _YES_ZH.match(w) for w in words)  # fmt: skip
    return False


#: what may stand beside a plain request for a person: politeness, "help me", "now"
_PLAIN_REST = re.compile(
    r"please|pls|plz|now|thanks?|thank you|can i|could i|i want to|i'd like to|i need to|let me|just"
    r"|客服|帮我|给我|我要|我想|请|麻烦|谢谢|一下|吧|啊|呀|呢|吗|嘛|可以|能不能|能|现在|马上|直接|我",
    re.I,
)


def plain_request(text: str) -> bool:
    """Round 30's "person_plain": whether ``text`` asks for a person and nothing else ("转人工",
    "帮我转人工", "human please", "agent now"): the request's words and politeness only. Why: the
    classifier reads "转人工" as a complaint, and ``person_asked`` leaves a complaint reading its
    answer - an apology for a grievance the shopper never stated; a complaint beside the request
    ("太慢了 转人工") keeps it."""
    if not asks_person(text):
        return False
    rest = _ZH_ASK.sub(" ", _EN_ASK.sub(" ", text))
    rest = _PLAIN_REST.sub(" ", rest)
    return not re.findall(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", rest)
