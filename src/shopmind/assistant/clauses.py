"""Where one message asks two questions: cut it into clauses, and tell a question from a statement.

A shopper may ask two things at once ("how long do I have to return it and when is the refund
paid?", "运费多少钱？一般几天能到？"); an answer quoting one policy section drops the second fact.
But most messages with a comma are one question told with a bit of story first ("I bought the
wrong size, can I get a different one?", "my kettle stopped working, how do I claim the
guarantee?"): the story is not a second question, and answering it as one quoted an unrelated
section in 12 of 18 answers where the round-4 rule fired (docs/BENCHMARKS.md, round 5). So
``questions`` keeps a clause only when it is *asked*: it ended in a question mark, starts with
an English question word (after "and"/"also"/"so"), asks for information ("tell me", "I'd like
to know", "请问"), or holds a Chinese interrogative (吗, 呢, 什么, 怎么, 多少, 多久, 几, 哪, an
"A不A" pair such as 能不能 or 可以…不可以, a closing 没/没有 ...). A message is multi-part only when two or more clauses are asked.

Hand-written (a few regular expressions) rather than a parser: no registry package tags
questions in Chinese, English and mixed text, and the cues are the closed class of question
words, which a list states plainly.
"""

from __future__ import annotations

import re
import unicodedata

_QWORD = r"(?:how|hows|how's|what|whats|what's|when|whens|where|wheres|where's|who|whom|whose|which|why|can|could|do|does|did|is|are|was|were|will|would|should|shall|may|might|am|have|has|any)\b"  # fmt: skip
#: where one message may ask a second question: after ?/；/!, or before "and"/", " + a question word
_CLAUSE_CUT = re.compile(rf"([?？;；!！]+)|[,，]?\s+(?:and|also|plus|but)\s+(?={_QWORD})|[,，]\s*(?={_QWORD})", re.I)  # fmt: skip
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")
_LEAD = r"(?:(?:and|also|plus|but|so|then|ok|okay|oh|well|or|um|please)\s+)*"
_EN_ASKED = re.compile(rf"^{_LEAD}{_QWORD}|\b(?:tell me|let me know|like to know|want to know|need to know|wondering|explain)\b", re.I)  # fmt: skip
_ZH_ASKED = re.compile(r"吗|呢|什么|啥|怎|如何|哪|几|多少|多久|多长|多大|为何|是否|可否|能否|请问|想问|想知道|没有?$|([\u4e00-\u9fff])[^，,。]{0,4}不\1")  # fmt: skip
#: round 15's cues (``cues=True``, ``Assistant.options["clause_cues"]``): a question asked after a
#: condition or a time ("and if I spend over $200 can I pay monthly?", "and once it's sent how do
#: I follow it?") - an English question word or an auxiliary before its subject, after "if",
#: "once", "after", "before", "in case", "as soon as"; and 谁 (who), the Chinese interrogative
#: the list above lacked ("退货运费谁出")
_COND = r"(?:if|once|after|before|in case|as soon as)\b"
_INV = r"(?:(?:how|what|when|where|who|which|why)\b|(?:can|could|do|does|did|is|are|will|would|should|may|might|am|have|has)\s+(?:i|you|we|it|they|he|she|this|that|there)\b)"  # fmt: skip
_COND_Q = rf"{_COND}[^?？.;；]*?[\s,，]{_INV}"
_CLAUSE_CUT_CUES = re.compile(rf"([?？;；!！]+)|[,，]?\s+(?:and|also|plus|but)\s+(?=(?:{_QWORD}|{_COND_Q}))|[,，]\s*(?={_QWORD})", re.I)  # fmt: skip
_EN_ASKED_CUES = re.compile(rf"^{_LEAD}{_COND_Q}", re.I)
_ZH_WHO = re.compile(r"谁")
#: round 16 ("clause_syntax", ``syntax=True``): a question word after a condition asks only when
#: an auxiliary or "long/much/many/soon" follows it ("if it doesn't fit when it turns up" is a
#: subordinate "when", "once it's sent how do i follow it" asks), and a colon not between digits
#: ends a lead-in ("Two quick questions: do you ..., and is ...?"; "16:00" is a time)
_WH_AUX = r"(?:how|what|when|where|who|which|why)\s+(?:do|does|did|is|are|was|were|will|would|can|could|should|shall|may|might|have|has|long|much|many|soon|often|far)\b"  # fmt: skip
_INV_SYNTAX = rf"(?:{_WH_AUX}|(?:who|which)\s+[a-z]+s\b|(?:can|could|do|does|did|is|are|will|would|should|may|might|am|have|has)\s+(?:i|you|we|it|they|he|she|this|that|there)\b)"  # fmt: skip
_COND_Q_SYNTAX = rf"{_COND}[^?？.;；]*?[\s,，]{_INV_SYNTAX}"
_CLAUSE_CUT_SYNTAX = re.compile(rf"([?？;；!！]+)|(?<!\d)[:：]|[:：](?!\d)|[,，]?\s+(?:and|also|plus|but)\s+(?=(?:{_QWORD}|{_COND_Q_SYNTAX}))|[,，]\s*(?={_QWORD})", re.I)  # fmt: skip
_EN_ASKED_SYNTAX = re.compile(rf"^{_LEAD}{_COND_Q_SYNTAX}", re.I)


#: round 17 ("clause_lead", ``lead=True``): an enumerator opening a list item ("1) how long ...
#: 2) once it's shipped ...", "1. ... 2. ..."), read only when items 1 and 2 are both there
_ENUM = re.compile(r"(?:^|(?<=[\s:：?？;；!！。.]))([1-9])[.)、．）](?!\d)\s*")


def _enumerated(text: str) -> str:
    """``text`` with its list enumerators as cuts ("; "), when it numbers items 1 and 2."""
    nums = [m.group(1) for m in _ENUM.finditer(text)]
    if "1" not in nums or "2" not in nums:
        return text
    return _ENUM.sub("; ", text)


#: round 21 ("clause_space", ``space=True``): a space between two Chinese characters ends a clause, as
#: a semicolon would - chat Chinese separates its questions by a space ("国外能寄吗 寄出以后有单号可以跟吗",
#: "能开发票吗 另外不喜欢的话怎么寄回去"); a piece still counts only when it is asked
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u4dbf\u4e00-\u9fff])\s+(?=[\u3400-\u4dbf\u4e00-\u9fff])")


def _pieces(text: str, cues: bool = False, syntax: bool = False, lead: bool = False, space: bool = False) -> list[tuple[str, bool, bool]]:  # fmt: skip
    """(piece, ended by a question mark, ended by a colon) for each stretch of ``text`` between
    cuts (``lead``: list enumerators cut too; ``space``: a space between Chinese characters too)."""
    out, at = [], 0
    cut = _CLAUSE_CUT_SYNTAX if cues and syntax else _CLAUSE_CUT_CUES if cues else _CLAUSE_CUT
    text = _enumerated(text) if lead else text
    text = _CJK_SPACE.sub("；", text) if space else text
    for m in cut.finditer(text):
        marked = bool(m.group(1)) and bool(re.search("[?？]", m.group(1)))
        out.append((text[at : m.start()], marked, m.group(0).strip() in (":", "：")))
        at = m.end()
    out.append((text[at:], False, False))
    return out


def _kept(piece: str) -> bool:
    """A clause long enough to ask something: two words, three Chinese characters, or three of
    both together in mixed text ("warranty 多久")."""
    cjk = sum(len(run) for run in _CJK_RUN.findall(piece))
    words = len(_WORD.findall(piece.lower()))
    return cjk >= 3 or words >= 2 or (cjk > 0 and words > 0 and cjk + words >= 3)


def clauses(text: str) -> list[str]:
    """The pieces one message may ask separately ("how long do I have to return it and when is
    the refund paid" -> two), cut at question/semicolon marks and before a conjunction or comma
    that starts a new question (English question words); a piece shorter than two words (three
    Chinese characters, or three of both) joins no list. Chinese commas are not cut: "支付没成功，订单会被取消吗" is
    one question."""
    return [p for p, _ in _asked_pieces(text)]


def asked_pieces(text: str, cues: bool = False, syntax: bool = False, lead: bool = False, space: bool = False) -> list[tuple[str, bool]]:  # fmt: skip
    """(piece, asked) for each kept piece of ``text`` (``clauses``' cuts; ``asked``). ``lead``
    (round 17's "clause_lead"): list enumerators cut, and a piece ending in a colon introduces
    what follows ("想问两个问题：", "quick question:") - it asks nothing itself."""
    out = []
    for piece, marked, colon in _pieces(text, cues, syntax, lead, space):
        piece = piece.strip(" ,，.。")
        if _kept(piece):
            out.append((piece, not (lead and colon) and (marked or asked(piece, cues, syntax))))
    return out


_asked_pieces = asked_pieces  # the name rounds 12-15's benches import


def asked(clause: str, cues: bool = False, syntax: bool = False) -> bool:
    """Whether ``clause`` is worded as a question or a request for information (see the module
    docstring); a question mark after it counts too, in ``questions``. ``cues``: round 15's
    cues count too (a question after a condition, 谁); ``syntax``: round 16's stricter reading of
    a question after a condition (``_WH_AUX``)."""
    c = clause.strip()
    if c.endswith(("?", "？")) or _EN_ASKED.search(c) or _ZH_ASKED.search(c):
        return True
    cond = _EN_ASKED_SYNTAX if syntax else _EN_ASKED_CUES
    return cues and bool(cond.search(c) or _ZH_WHO.search(c))


def questions(text: str, cues: bool = False, syntax: bool = False, lead: bool = False, space: bool = False) -> list[str]:  # fmt: skip
    """The clauses of ``text`` that are asked (``asked``, or followed by a question mark), when
    two or more are; else [] (one question, however many commas: nothing to split).
    ``cues``: with round 15's cues (a question asked after a condition, 谁); ``syntax``: with
    round 16's colon cut and stricter condition reading (``_CLAUSE_CUT_SYNTAX``); ``lead``: with
    round 17's list enumerators and colon lead-ins (``asked_pieces``); ``space``: round 21's cut at
    a space between Chinese characters (``_CJK_SPACE``)."""
    qs = [p for p, q in asked_pieces(text, cues, syntax, lead, space) if q]
    return qs if len(qs) >= 2 else []


#: round 21 ("order_rest"): where a message naming an order may turn to a second matter - a question,
#: semicolon or exclamation mark, a comma or full stop, a dash between spaces, a space between two
#: Chinese characters, or "and/also/plus/but" before a question word. Wider than ``_CLAUSE_CUT``:
#: the order's own words ("O0003006发了吗") need not be worded as a question for the rest to be one.
_REST_CUT = re.compile(
    rf"[?？;；!！,，。]+|\s+[-–—]+\s+|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])|\s+(?:and|also|plus|but)\s+(?={_QWORD})",
    re.I,
)


def order_split(text: str, order_id: str) -> tuple[str, str]:
    """(the pieces of ``text`` naming the order, the rest) - cut at ``_REST_CUT``; a piece names the
    order when it holds the order id's digits (any spelling: "O0002199", "Ｏ０００２１９９",
    "o-0002199"). ("", "") when no piece does. Why (round 21): "帮我看下O0004653的状态，另外发票什么时候
    给我", "O0003006发了吗 发票是随包裹寄还是发邮箱" ask the order's status and a policy question, but
    neither part is worded as a question ``questions`` cuts, so the policy part was dropped (7 of
    round 20's 13 two-part misses named an order)."""
    if not _digits(order_id):
        return "", ""
    pieces = [p.strip() for p in _REST_CUT.split(text) if p and p.strip()]
    own = [names_order(p, order_id) for p in pieces]
    if not any(own):
        return "", ""
    named = " ".join(p for p, o in zip(pieces, own, strict=True) if o)
    return named, " ".join(p for p, o in zip(pieces, own, strict=True) if not o)


def _digits(text: str) -> str:
    """The digits of ``text`` in one run, full-width ones as ASCII ("Ｏ０００ １２３" -> "000123")."""
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


def names_order(piece: str, order_id: str) -> bool:
    """Whether ``piece`` names the order ``order_id`` in any spelling the slots read ("O0002199",
    "Ｏ０００２１９９", "o-0002199", "0-0002199", "O000 2199"): its digits hold the id's digits.
    Why (round 26's "order_clause"): a clause was matched to the order by the id as the slots
    normalise it, so "我的订单 O-0001234 到了吗 ..." named no order in its own clause."""
    digits = _digits(order_id)
    return bool(digits) and digits in _digits(piece)


#: a verb, 没 (有), the verb again: "到没到", "发没发" ask as "到了吗" does (``_ZH_ASKED`` reads "A不A")
_ZH_V_NOT_V = re.compile(r"([\u4e00-\u9fff])没有?\1")


def asked_order_piece(text: str, order_id: str) -> str | None:
    """The first piece of ``text`` (cut at ``_REST_CUT``, as ``order_split``) that names the order
    and is asked - worded as a question (``asked`` with rounds 15-16's cues) or followed by a
    question mark, or an "A没A" pair - when another kept piece stands beside it ("O0001005签收了吗 要是退的话…": the
    first; "O0001005签收了 但是坏了 怎么退": none, its piece tells, it does not ask)."""
    pieces, at = [], 0
    for m in _REST_CUT.finditer(text):
        pieces.append((text[at : m.start()].strip(), bool(re.search("[?？]", m.group(0)))))
        at = m.end()
    pieces.append((text[at:].strip(), False))
    pieces = [(p, q) for p, q in pieces if p]
    if len(pieces) < 2 or not any(_kept(p) and not names_order(p, order_id) for p, _ in pieces):
        return None
    return next((p for p, q in pieces if names_order(p, order_id) and (q or asked(p, True, True) or _ZH_V_NOT_V.search(p))), None)  # fmt: skip


#: round 22 ("asked_piece"): where a story ends and its question begins - ``_REST_CUT``'s marks plus an
#: English full stop before a space or the end ("...after two months. what do i do")
_STORY_CUT = re.compile(rf"(?:{_REST_CUT.pattern})|\.(?:\s+|$)", re.I)


def asked_after_story(text: str) -> str | None:
    """The one asked piece of a message told as a story and one question ("the speaker I got in
    march won't switch on, what's the process to get it sorted?", "签收都二十天了，吊牌还在…还可以退吗"):
    the pieces cut at ``_STORY_CUT`` (kept as ``_kept``), when there are two or more and exactly one
    is asked (``asked`` with round 15-16's cues, or followed by a question mark); else None. Why
    (round 22): a story's words ("tags still on", "two months") pull the section ordering to the
    section they name, while the asked piece says which section answers."""
    pieces, at = [], 0
    for m in _STORY_CUT.finditer(text):
        pieces.append((text[at : m.start()], "?" in m.group(0) or "？" in m.group(0)))
        at = m.end()
    pieces.append((text[at:], False))
    kept = [(p.strip(" ,，.。-–—"), q) for p, q in pieces if _kept(p.strip(" ,，.。-–—"))]
    if len(kept) < 2:
        return None
    asked_ = [p for p, q in kept if q or asked(p, cues=True, syntax=True)]
    return asked_[0] if len(asked_) == 1 else None
