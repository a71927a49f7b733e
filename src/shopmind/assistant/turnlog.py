"""The assistant's turn log: one row per turn for the shop's dashboard, nothing personal in clear.

Each turn served by ``POST /v1/assistant`` is recorded with its time, the conversation and the
customer as keyed pseudonyms (``privacy.pseudonymise`` with the workspace's ``privacy.key``:
the same conversation groups together, but no raw id is stored), language, intent, confidence,
whether it was handed off, whether it was answered (a grounded answer citing a source or
suggesting products, or a greeting) and its latency. The customer's words are kept only where
the shop needs them — turns handed off, unanswered or below ``LOW_CONFIDENCE`` — and then
masked: e-mails, phones and addresses by ``privacy.mask_pii``, and every id-shaped token that
is not a product of the answer (order numbers, customer numbers) as ``[id]``.

Written like the experiments' exposures (``store.buffered.BufferedTable``): an in-memory
append on the request path, a thread writes SQLite (WAL, no fsync). ``summary`` is what the
``/dashboard/assistant`` page shows; ``count``/``forget`` are for ``shopmind forget``.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shopmind.assistant.slots import ID_RE
from shopmind.privacy import contact_handle, mask_pii, pseudonymise, secure_path, workspace_secret
from shopmind.store.buffered import BufferedTable

FILE = Path("assistant") / "turns.sqlite"
#: Below this confidence a turn's (masked) question is kept for the dashboard.
LOW_CONFIDENCE = 0.5
_COLS = ("ts_us", "conversation", "customer", "language", "intent", "confidence", "handoff", "answered", "latency_ms", "question", "contact")  # fmt: skip
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS turns (ts_us INTEGER, conversation TEXT, customer TEXT, language TEXT, "
    "intent TEXT, confidence REAL, handoff INTEGER, answered INTEGER, latency_ms REAL, question TEXT, "
    "contact TEXT)",
    "CREATE INDEX IF NOT EXISTS turns_ts ON turns(ts_us)",
)


def _add_contact(path: Path) -> None:
    """A turn log written before ``contact`` existed gets the column (empty for its old turns)."""
    if not path.exists():
        return
    db = sqlite3.connect(path, timeout=30)
    try:
        have = {r[1] for r in db.execute("PRAGMA table_info(turns)")}
        if have and "contact" not in have:
            db.execute("ALTER TABLE turns ADD COLUMN contact TEXT")
            db.commit()
    finally:
        db.close()


def mask_question(text: str, keep: Iterable[str] = ()) -> str:
    """``text`` with contact details masked and id-shaped tokens not in ``keep`` as ``[id]``."""
    kept = set(keep)
    text = ID_RE.sub(lambda m: m.group(0) if m.group(1) in kept else "[id]", text)
    return mask_pii(text)


def answered(reply: Any) -> bool:
    """A grounded answer (cites a source or suggests products) or a greeting, not handed off."""
    return not reply.handoff and bool(reply.citations or reply.suggested or reply.intent == "greeting")


class TurnLog(BufferedTable):
    """The workspace's turn log; ``record`` is the request path's (memory-only) call."""

    def __init__(self, workspace: Path | str, flush_seconds: float = 1.0) -> None:
        self.key = workspace_secret(workspace)
        _add_contact(Path(workspace) / FILE)
        super().__init__(
            Path(workspace) / FILE, "turns", _COLS, _SCHEMA, flush_seconds, name="assistant-turns"
        )
        for part in (self.path.parent, self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
            secure_path(part)  # owner-only whatever the server's umask (what customers asked)

    def record(
        self, reply: Any, message: str, conversation_id: str, customer_id: str | None, latency_ms: float
    ) -> int:
        """Buffer one turn (``reply``: an ``assistant.core.Reply``). A hand-off keeps how to reach
        the customer: their id (``customer``, given by the shop's back end) and an e-mail address
        they typed (``contact``), both only as pseudonyms (``privacy.contact_handle``)."""
        ok = answered(reply)
        keep_text = reply.handoff or not ok or reply.confidence < LOW_CONFIDENCE
        question = None
        if keep_text:
            products = list(reply.slots.get("product_ids") or [])
            question = mask_question(" ".join(message.split())[:500], [*products, *reply.suggested])
            if customer_id:  # the customer's own id, whatever its shape, as a whole token
                question = re.sub(rf"(?<![\w-]){re.escape(customer_id)}(?![\w-])", "[id]", question)
        row = (
            time.time_ns() // 1000,
            pseudonymise(conversation_id, self.key),
            pseudonymise(customer_id, self.key) if customer_id else "",
            reply.language,
            reply.intent,
            float(reply.confidence),
            int(bool(reply.handoff)),
            int(ok),
            round(float(latency_ms), 3),
            question,
            contact_handle(message, self.key) if reply.handoff else "",
        )
        return self.append([row])


def _open(workspace: Path | str) -> sqlite3.Connection | None:
    path = Path(workspace) / FILE
    if not path.exists():
        return None
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def summary(workspace: Path | str, days: int = 14, top: int = 10, queue: int = 20) -> dict[str, Any]:
    """The dashboard's figures over the last ``days`` (UTC days): volume by day x intent and
    day x language, hand-off rate, the most frequent unanswered / low-confidence questions
    (masked) and the latest hand-offs."""
    out: dict[str, Any] = {"days": days, "turns": 0, "handoffs": 0, "answered": 0, "handoff_rate": None,
        "p50_ms": None, "intents": [], "languages": [], "by_day": [], "unanswered": [], "queue": []}  # fmt: skip
    db = _open(workspace)
    if db is None:
        return out
    since = (time.time_ns() // 1000) - days * 86_400_000_000
    day = "date(ts_us / 1000000, 'unixepoch')"
    try:
        n, h, a = db.execute(
            "SELECT count(*), coalesce(sum(handoff), 0), coalesce(sum(answered), 0) FROM turns WHERE ts_us >= ?",
            (since,),
        ).fetchone()
        out.update(turns=n, handoffs=h, answered=a, handoff_rate=round(h / n, 4) if n else None)
        lat = [r[0] for r in db.execute("SELECT latency_ms FROM turns WHERE ts_us >= ? ORDER BY latency_ms", (since,))]  # fmt: skip
        out["p50_ms"] = lat[len(lat) // 2] if lat else None
        rows = db.execute(
            f"SELECT {day}, intent, language, count(*), sum(handoff) FROM turns WHERE ts_us >= ? "
            "GROUP BY 1, 2, 3 ORDER BY 1",
            (since,),
        ).fetchall()
        unanswered = db.execute(
            "SELECT question, count(*), max(ts_us), min(confidence) FROM turns "
            "WHERE ts_us >= ? AND question IS NOT NULL AND (answered = 0 OR confidence < ?) "
            "GROUP BY question ORDER BY 2 DESC, 3 DESC LIMIT ?",
            (since, LOW_CONFIDENCE, top),
        ).fetchall()
        contact = "contact" if "contact" in {r[1] for r in db.execute("PRAGMA table_info(turns)")} else "''"
        handoffs = db.execute(
            f"SELECT ts_us, conversation, intent, confidence, language, question, customer, {contact} "
            "FROM turns WHERE handoff = 1 ORDER BY ts_us DESC LIMIT ?",
            (queue,),
        ).fetchall()
    except sqlite3.OperationalError:  # created, no table yet
        return out
    finally:
        db.close()
    intents = sorted({r[1] for r in rows})
    langs = sorted({r[2] for r in rows})
    by_day: dict[str, dict[str, Any]] = {}
    for d, intent, lang, c, hs in rows:
        e = by_day.setdefault(d, {"day": d, "turns": 0, "handoffs": 0, "intents": dict.fromkeys(intents, 0), "languages": dict.fromkeys(langs, 0)})  # fmt: skip
        e["turns"] += c
        e["handoffs"] += hs
        e["intents"][intent] += c
        e["languages"][lang] += c
    for e in by_day.values():
        e["handoff_rate"] = round(e["handoffs"] / e["turns"], 4)
    out["intents"] = [{"intent": i, "turns": sum(r[3] for r in rows if r[1] == i)} for i in intents]
    out["intents"].sort(key=lambda x: -x["turns"])
    out["languages"] = [{"language": g, "turns": sum(r[3] for r in rows if r[2] == g)} for g in langs]
    out["by_day"] = list(by_day.values())
    out["unanswered"] = [
        {"question": q, "count": c, "min_confidence": round(mc, 4)} for q, c, _t, mc in unanswered
    ]
    out["queue"] = [
        {"at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts / 1e6)), "conversation": conv, "intent": i,
         "confidence": round(conf, 4), "language": lang, "question": q, "customer": cust or "",
         "contact": contact or ""}
        for ts, conv, i, conf, lang, q, cust, contact in handoffs
    ]  # fmt: skip
    return out


def _where(tokens: set[str], db: sqlite3.Connection) -> tuple[str, list[str]]:
    marks = ", ".join("?" * len(tokens))
    ids = sorted(tokens)
    columns = ["conversation", "customer"]
    if "contact" in {r[1] for r in db.execute("PRAGMA table_info(turns)")}:  # not in a log from before
        columns.append("contact")
    return " OR ".join(f"{c} IN ({marks})" for c in columns), ids * len(columns)


def count(workspace: Path | str, tokens: Iterable[str]) -> int:
    """Turns of these customers or conversations (given raw or pseudonymised; the log holds
    pseudonyms, so raw ids are pseudonymised with the workspace key first)."""
    toks = _pseudonyms(workspace, tokens)
    db = _open(workspace)
    if db is None or not toks:
        return 0
    try:
        where, ids = _where(toks, db)
        return int(db.execute(f"SELECT count(*) FROM turns WHERE {where}", ids).fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def forget(workspace: Path | str, tokens: Iterable[str]) -> int:
    """Delete the turns of these customers or conversations (``shopmind forget``), zero the freed
    pages and empty the write-ahead log. A running server's unflushed buffer (at most
    ``flush_seconds`` of turns) is not reached."""
    toks = _pseudonyms(workspace, tokens)
    path = Path(workspace) / FILE
    if not path.exists() or not toks:
        return 0
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.execute("PRAGMA secure_delete=ON")
        where, ids = _where(toks, db)
        n = db.execute(f"DELETE FROM turns WHERE {where}", ids).rowcount
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return n
    finally:
        db.close()


def _pseudonyms(workspace: Path | str, tokens: Iterable[str]) -> set[str]:
    key = workspace_secret(workspace)
    # an e-mail address is kept lower-case (``privacy.contact_handle``)
    return {pseudonymise(f, key) for t in tokens if t for f in {t, t.lower() if "@" in t else t}}
