"""Another party's service worded in the shop's own words (round 30's "party_service").

Why: held-out-28 (session 32) handed off 13 of its 20 out-of-scope questions; the 7 it answered all
ask about a service someone else gives, in the words this shop's policies use - "vodafone wont fix
my cracked phone screen under their insurance", "how do i track a letter i sent by royal mail",
"信用卡账单分期的手续费怎么算" (a card issuer's instalments on a card bill), "我自己寄顺丰 快递员还上
门收件吗" (a courier the shopper books himself), "厂家还给修吗" (a maker's repair) - and the lead's
"我的信用卡账单能分期吗" was answered with the shop's own 免息分期 policy. ``owner_foreign`` (round 19)
reads a name standing as the *seller* ("my parcel from amazon"); these name no seller, they say who
gives the service: a party the shop never names refusing or granting it, the shopper's own
sending, another party's ("their") insurance or warranty, a card's bill. No company is listed.
``route`` hands such a policy, order or product reading off as out of scope when the message names
no order, product or page and continues no conversation (as ``owner_foreign``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

#: a card issuer's bill or statement: its instalments and fees are the bank's, not the shop's
_CARD_BILL = re.compile(r"(?:信用卡|credit\s*card|\bcard)\s*(?:的\s*)?(?:账单|\bbill\b|\bstatement\b)", re.I)
#: the shopper's own sending, by a carrier he chose (not a return sent back to the shop)
_OWN_SENDING = re.compile(
    r"我自己(?:寄|发)(?!回|还|给你们)|\bi (?:sent|posted|mailed)\b(?! (?:it|them|the \w+) back)(?! back)[^.?!,]{0,30}\b(?:by|with|via)\b",
    re.I,
)
#: another party's own cover: "under their insurance", "with their warranty"
_THEIR = re.compile(
    r"\b(?:under|on|with|through) their (?:insurance|warranty|cover|guarantee|plan|policy)\b", re.I
)
#: a refusal or a grant of a service, after the word naming who refuses or grants it
_REFUSES_EN = re.compile(
    r"^\s+(?:still\s+)?(?:won'?t|wont|will not|refuses? to|refused to|didn'?t|did not|doesn'?t|does not)\s+(?:fix|repair|cover|refund|replace|honou?r|pay|accept)\b",
    re.I,
)
_REFUSES_ZH = re.compile(r"^\s*(?:还|都|就|也)?(?:不给|还给|给不给|不肯|不愿意?)(?:修|退|换|保修|赔|报销)")


def another_party(text: str, foreign: Callable[[str], list[str]]) -> bool:
    """Whether ``text`` asks about a service another party gives (see the module docstring);
    ``foreign``: the words the shop never uses (``scope.DomainWords.foreign``) - the party that
    refuses or grants a service must be one of them ("the warranty wont cover it" is the shop's)."""
    t = unicodedata.normalize("NFKC", text).lower()
    if _CARD_BILL.search(t) or _OWN_SENDING.search(t) or _THEIR.search(t):
        return True
    for w in dict.fromkeys(foreign(text)):
        ascii_word = w.isascii()
        pat = re.compile((r"\b" + re.escape(w) + r"\b") if ascii_word else re.escape(w))
        rx = _REFUSES_EN if ascii_word else _REFUSES_ZH
        if any(rx.match(t[m.end() :]) for m in pat.finditer(t)):
            return True
    return False
