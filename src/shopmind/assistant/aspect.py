"""What a policy question asks about within its topic: a period, a procedure, a cost, a condition
or a moment (round 19's candidate "aspect", ``policy.ASPECT_WEIGHT``).

Why: the largest kind of wrong fact on the dev sets (27 of 78 in round 18) is the right topic with
the wrong section — "my headphones stopped charging after two months, what do I do?" answered with
the warranty *period* (the story's "months" match it) where the shopper asks how to *claim*; "how
long have I got to send it back?" answered with the refund's timing where the return *window* is
asked. The sections of one topic differ by what they answer (how long, how to, how much, whether),
and the question says which by its form — "how long", "what do I do", "is that free", "can I
still" — whatever the story around it says. The words of the story dominate BM25, the section
model and the encoders alike; the question's form is a handful of tokens among them.

``aspects(text)``: the question forms a message uses, read by a small grammar of question words
per language (no topic words: "how long" is a period whatever is asked about). Which sections
answer which forms is not typed in: ``AspectTable`` learns it from the shop's own labelled policy
questions ((text, section id), the pairs ``PolicyIndex.set_examples`` reads), as P(section |
form, its topic) with add-one smoothing, less the topic's uniform share: the form tells sections
of one topic apart and leaves the choice between topics to the other signals ("how long" is the
warranty period's form within warranty, but the refund's and the window's alike within
returns). A message's score for a section is the mean over the forms it uses; a message using
no form, or a shop with no labelled questions, gets no signal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

#: question forms -> the words that ask them (English, Chinese); a message may use several
FORMS: dict[str, re.Pattern[str]] = {
    "period": re.compile(
        r"\bhow long\b|\bhow many (?:days|weeks|months|years)\b|\bhow soon\b|\buntil when\b|\bby when\b|"
        r"\bdeadline\b|\btime limit\b|多久|多长时间|几天|几个月|多少天|期限|截止|时限"
    ),
    "procedure": re.compile(
        r"\bhow (?:do|can|should|would|could) (?:i|we)\b|\bwhat (?:do|should|can) (?:i|we) do\b|"
        r"\bwhat do (?:you|i) need\b|\bprocess\b|\bprocedure\b|\bsteps?\b|怎么|如何|流程|步骤|"
        r"要准备|需要提供|需要什么|要什么"
    ),
    "cost": re.compile(
        r"\bfree\b|\bcosts?\b|\bfees?\b|\bcharged?\b|\bhow much\b|\bpay for\b|\bpostage\b|"
        r"要钱|收费|免费|多少钱|费用|运费|手续费|扣钱"
    ),
    "condition": re.compile(
        r"\bcan (?:i|we)\b|\bcould (?:i|we)\b|\bam i (?:still )?(?:allowed|able|eligible|in time)\b|"
        r"\bis (?:it|that|this) (?:covered|ok|okay|allowed|possible)\b|\bcover(?:ed|s)?\b|\bstill\b|"
        r"能不能|可不可以|可以.{0,12}吗|能.{0,12}吗|还能|算不算|包不包括"
    ),
    "moment": re.compile(r"\bwhen (?:will|do|does|would|can|is)\b|\bwhat time\b|什么时候|何时|哪天|几号"),
}


#: only the form asked last counts (a follow-up read with the question before it, a story told
#: before the question: the last form is the one now asked); False: every form used
LAST_ONLY = False


def aspects(text: str, last: bool | None = None) -> frozenset[str]:
    """The question forms ``text`` uses (``FORMS``), read on its NFKC lower-cased text; ``last``
    (default ``LAST_ONLY``): only the one whose words end last in the text."""
    t = unicodedata.normalize("NFKC", text).lower()
    ends = {name: max(m.end() for m in rx.finditer(t)) for name, rx in FORMS.items() if rx.search(t)}
    if not (LAST_ONLY if last is None else last) or len(ends) < 2:
        return frozenset(ends)
    return frozenset({max(ends, key=lambda n: ends[n])})


class AspectTable:
    """P(section | question form), learned from a shop's labelled policy questions."""

    def __init__(self, topics: Mapping[str, str], pairs: Sequence[tuple[str, str]] = ()) -> None:
        """``topics``: every section of the index -> its topic; ``pairs``: (question, section id).
        A section unknown to the index is a clear error (as ``PolicyIndex.set_examples``)."""
        bad = sorted({sid for _, sid in pairs} - set(topics))
        if bad:
            raise ValueError(f"labelled policy questions name unknown sections: {bad[:5]}")
        self.topics = dict(topics)
        self.by_topic: dict[str, list[str]] = {}
        for sid, topic in self.topics.items():
            self.by_topic.setdefault(topic, []).append(sid)
        self.counts: dict[str, dict[str, int]] = {name: {} for name in FORMS}
        for text, sid in pairs:
            for name in aspects(text, last=False):
                self.counts[name][sid] = self.counts[name].get(sid, 0) + 1

    @property
    def empty(self) -> bool:
        """No labelled question used any form: the table gives no signal."""
        return not any(self.counts.values())

    def scores(self, text: str) -> dict[str, float]:
        """Section id -> mean over the forms ``text`` uses of P(section | form, its topic) (add-one
        smoothed) less 1 / the topic's sections; {} when it uses none or the table is empty."""
        forms = [name for name in aspects(text) if self.counts[name]]
        if not forms:
            return {}
        out = dict.fromkeys(self.topics, 0.0)
        for name in forms:
            c = self.counts[name]
            for sids in self.by_topic.values():
                total = sum(c.get(sid, 0) for sid in sids) + len(sids)
                for sid in sids:
                    out[sid] += ((c.get(sid, 0) + 1) / total - 1 / len(sids)) / len(forms)
        return out
