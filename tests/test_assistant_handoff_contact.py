"""A hand-off keeps how to reach the customer, as pseudonyms only.

Before: the hand-off queue (``/dashboard/assistant``, ``GET /v1/assistant/summary``) listed the
conversation's pseudonym and the masked question, and the hand-off log (``handoffs.jsonl``) the
same: the customer id the shop's back end gave was not in either, and an e-mail address the
shopper typed ("mail me at ...") was masked away, so the shop could not follow up. Now the
customer's id and a typed address are kept with the hand-off as keyed pseudonyms (the form a
pseudonymising workspace keeps customer ids in); a raw address is never stored.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

from shopmind.assistant import turnlog
from shopmind.assistant.finish import log_handoff
from shopmind.privacy import contact_handle, pseudonymise, workspace_secret

EMAIL = "Jane.Doe@Example.com"


def _reply(handoff: bool) -> SimpleNamespace:
    return SimpleNamespace(handoff=handoff, citations=[] if handoff else [{"type": "policy", "id": "s"}],
                           suggested=[], intent="complaint" if handoff else "shipping", confidence=0.9,
                           language="en", slots={"product_ids": []})  # fmt: skip


def test_contact_handle_is_the_pseudonym_of_the_typed_address() -> None:
    key = b"k" * 32
    assert contact_handle(f"please mail me at {EMAIL} today", key) == pseudonymise(EMAIL.lower(), key)
    assert contact_handle("no address here, call 020 7946 0958", key) == ""
    assert contact_handle("", key) == ""


def test_the_queue_names_the_customer_and_the_typed_address_as_pseudonyms(tmp_path: Path) -> None:
    log = turnlog.TurnLog(tmp_path, flush_seconds=3600)
    try:
        log.record(_reply(True), f"I want to complain, mail me at {EMAIL}", "conv-1", "C77123", 3.0)
        log.record(_reply(True), "I want to complain", "conv-2", None, 3.0)
        log.record(_reply(False), f"how long is shipping? {EMAIL}", "conv-3", None, 3.0)
        assert log.flush() == 3
    finally:
        log.close()
    key = workspace_secret(tmp_path)
    queue = turnlog.summary(tmp_path)["queue"]
    by_conv = {q["conversation"]: q for q in queue}
    first = by_conv[pseudonymise("conv-1", key)]
    assert first["customer"] == pseudonymise("C77123", key)
    assert first["contact"] == pseudonymise(EMAIL.lower(), key)
    second = by_conv[pseudonymise("conv-2", key)]
    assert second["customer"] == "" and second["contact"] == ""
    assert len(queue) == 2  # the answered turn is no hand-off
    con = sqlite3.connect(tmp_path / turnlog.FILE)
    try:
        rows = con.execute("SELECT * FROM turns").fetchall()
        answered = con.execute("SELECT contact FROM turns WHERE handoff = 0").fetchall()
    finally:
        con.close()
    text = repr(rows)
    assert EMAIL.lower() not in text.lower() and "C77123" not in text and "conv-1" not in text
    assert answered == [("",)]  # an address typed in an answered turn is not kept at all
    # forgetting the customer by the address they typed (any case) removes that hand-off
    assert turnlog.count(tmp_path, {EMAIL.upper()}) == 1
    assert turnlog.forget(tmp_path, {EMAIL}) == 1
    assert turnlog.count(tmp_path, {EMAIL}) == 0 and turnlog.summary(tmp_path)["turns"] == 2


def test_a_log_written_before_the_contact_column_is_read_and_extended(tmp_path: Path) -> None:
    path = tmp_path / turnlog.FILE
    path.parent.mkdir(parents=True)
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE turns (ts_us INTEGER, conversation TEXT, customer TEXT, language TEXT, intent TEXT, "
        "confidence REAL, handoff INTEGER, answered INTEGER, latency_ms REAL, question TEXT)"
    )
    con.execute("INSERT INTO turns VALUES (?, '~aaaaaaaaaaaa', '~bbbbbbbbbbbb', 'en', 'complaint', 0.9, 1, 0, 2.0, 'q')",
                (int(time.time() * 1e6),))  # fmt: skip
    con.commit()
    con.close()
    old = turnlog.summary(tmp_path)["queue"]  # read before any new turn: no contact column yet
    assert old[0]["customer"] == "~bbbbbbbbbbbb" and old[0]["contact"] == ""
    assert turnlog.count(tmp_path, {"~bbbbbbbbbbbb"}) == 1
    log = turnlog.TurnLog(tmp_path, flush_seconds=3600)
    try:
        log.record(_reply(True), f"mail {EMAIL}", "conv-9", None, 1.0)
        assert log.flush() == 1
    finally:
        log.close()
    queue = turnlog.summary(tmp_path)["queue"]
    assert len(queue) == 2 and queue[0]["contact"] == pseudonymise(EMAIL.lower(), workspace_secret(tmp_path))


def test_the_handoff_log_keeps_the_customer_and_never_a_raw_address(tmp_path: Path) -> None:
    key = b"s" * 32
    asst = SimpleNamespace(pseudonym_key=key, handoffs=[], handoff_log=tmp_path / "handoffs.jsonl")
    log_handoff(asst, _reply(True), f"complaint: write to {EMAIL}", "conv-1", "C77123")  # type: ignore[arg-type]
    rec = json.loads(asst.handoff_log.read_text(encoding="utf-8").splitlines()[-1])
    assert rec["customer"] == pseudonymise("C77123", key) and rec["conversation_id"] == pseudonymise(
        "conv-1", key
    )
    assert rec["contact"] == pseudonymise(EMAIL.lower(), key)
    assert EMAIL.lower() not in asst.handoff_log.read_text(encoding="utf-8").lower()
    assert asst.handoffs[-1] == rec
    # without a pseudonym key (an assistant used in a script): the id as given, an e-mail id masked
    plain = SimpleNamespace(pseudonym_key=None, handoffs=[], handoff_log=None)
    log_handoff(plain, _reply(True), f"write to {EMAIL}", "conv-2", "C77123")  # type: ignore[arg-type]
    log_handoff(plain, _reply(True), "hello", "conv-3", EMAIL)  # type: ignore[arg-type]
    assert plain.handoffs[0]["customer"] == "C77123" and plain.handoffs[0]["contact"] == ""
    assert EMAIL.lower() not in json.dumps(plain.handoffs).lower()
