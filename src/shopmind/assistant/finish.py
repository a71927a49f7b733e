"""The end of a turn: the guard over the template answer, the optional phraser, the hand-off log
(split from ``core`` in round 19).

Why: a template bug must never reach a customer (``finish`` hands off instead), a phrased answer is
used only when it passes the same guard, and a hand-off is kept for the shop with e-mails, phone
numbers and addresses masked and, given the workspace's pseudonym key, the conversation as its
pseudonym (the form the turn log and the events hold).
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING

from shopmind.assistant import answer as A
from shopmind.assistant.guard import unsupported
from shopmind.assistant.phraser import PhraserError, phrase
from shopmind.assistant.reply import Reply
from shopmind.privacy import contact_handle, mask_pii, pseudonymise

if TYPE_CHECKING:
    from shopmind.assistant.core import Assistant

log = logging.getLogger("shopmind.assistant")


def finish(asst: Assistant, reply: Reply, message: str, lang: str) -> None:
    """The guard over ``reply`` (the template answer, else a hand-off), then the phraser's text
    when one is configured and its text passes the same guard."""
    bad = unsupported(reply.answer, reply.facts)
    if bad:  # a template bug must never reach a customer: hand off instead
        reply.notes.append(f"template answer failed the guard ({', '.join(bad)}); handed off")
        reply.answer, reply.handoff, reply.citations, reply.suggested = (
            A.CANNED["unsure"][lang],
            True,
            [],
            [],
        )
        return
    if asst.phraser is None or not reply.facts:
        return
    try:
        text = phrase(asst.phraser, message, reply.answer, reply.facts, lang)
    except PhraserError as e:
        reply.notes.append(str(e))
        return
    bad = unsupported(text, reply.facts)
    if bad:
        reply.notes.append(f"phrased answer rejected by the guard: {', '.join(bad)} not in the facts")
        log.warning("assistant phraser rejected: %s", ", ".join(bad))
        return
    reply.answer, reply.phrased = text, True


def log_handoff(
    asst: Assistant, reply: Reply, message: str, conversation_id: str | None, customer_id: str | None = None
) -> None:
    """Keep a hand-off for the shop (``asst.handoffs``, the last 1,000, and the JSON-lines file),
    with how to reach the customer: the id the shop's back end gave (``customer``) and an e-mail
    address typed in the message (``contact``), each as its pseudonym; without a pseudonym key
    only the id is kept, and a typed address never (the message keeps it masked)."""
    key = asst.pseudonym_key
    if conversation_id and key is not None:
        conversation_id = pseudonymise(conversation_id, key)
    customer = (pseudonymise(customer_id, key) if key is not None else customer_id) if customer_id else ""
    if customer and key is None and "@" in customer:
        customer = mask_pii(customer)  # never a raw e-mail in the log
    contact = contact_handle(message, key) if key is not None else ""
    rec = {"ts": time.time(), "conversation_id": conversation_id, "customer": customer, "contact": contact, "message": mask_pii(message), "intent": reply.intent, "confidence": reply.confidence}  # fmt: skip
    asst.handoffs.append(rec)
    del asst.handoffs[:-1000]
    log.info("assistant hand-off: intent=%s confidence=%.2f", reply.intent, reply.confidence)
    if asst.handoff_log is not None:
        with asst.handoff_log.open("a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
