"""The assistant's turn log and ``/dashboard/assistant``: turns posted through the real app are
counted right, questions are masked, ids are pseudonymised, reading needs a read key, and
``shopmind forget`` removes a customer's turns."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from shopmind.assistant import turnlog
from shopmind.forget import forget_user
from shopmind.privacy import pseudonymise, workspace_secret
from shopmind.serve.app import create_app
from test_assistant_api import keys, workspace  # noqa: F401  (fixtures: a built shop with orders + policies)
from test_serve import auth

EMAIL = "jane.doe@example.com"
#: (message, conversation, key kind, customer id)
TURNS = [
    ("hello", "conv-a", "storefront", None),
    ("退款多久能到账？", "conv-a", "storefront", None),
    ("how long does shipping take?", "conv-b", "storefront", None),
    ("where is order W500001?", "conv-c", "write", "cust-1"),
    ("where is order W500001?", "conv-d", "storefront", None),
    (f"I want to complain, email {EMAIL}, ref W500001", "conv-e", "storefront", None),
    (f"I want to complain, email {EMAIL}, ref W500001", "conv-f", "storefront", None),
    (f"what is the weather tomorrow? mail me at {EMAIL}", "conv-f", "storefront", None),
    ("你好", "conv-g", "storefront", None),
]


class _Tables(HTMLParser):
    """Rows of the page's tables by table id: lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.ids: dict[str, str] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._id: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []
            self._id = a.get("id")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._table is not None:
                self.tables[self._table][-1].append(text)
            if self._id:
                self.ids[self._id] = text
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._cell is not None:
            self._cell.append(data)


def _page(client, key: str) -> _Tables:
    r = client.get("/dashboard/assistant", headers=auth(key))
    assert r.status_code == 200, r.text
    p = _Tables()
    p.feed(r.text)
    return p


@pytest.fixture(scope="module")
def served(workspace, keys):  # noqa: F811
    (workspace / turnlog.FILE).unlink(missing_ok=True)
    with TestClient(create_app(workspace, {"poll_seconds": 0.2})) as c:
        replies = []
        for message, conv, kind, customer in TURNS:
            body = {"conversation_id": conv, "message": message}
            if customer:
                body["customer_id"] = customer
            r = c.post("/v1/assistant", json=body, headers=auth(keys[kind]))
            assert r.status_code == 200, r.text
            replies.append(r.json())
        yield c, replies


def test_turns_posted_through_the_app_are_counted_on_the_page(served, keys) -> None:  # noqa: F811
    client, replies = served
    page = _page(client, keys["read"])
    assert page.ids["total-turns"] == str(len(TURNS))
    handoffs = sum(r["handoff"] for r in replies)
    assert 0 < handoffs < len(TURNS)
    assert page.ids["total-handoffs"] == str(handoffs)
    assert page.ids["handoff-rate"] == f"{100 * handoffs / len(TURNS):.1f} %"
    want = Counter(r["intent"] for r in replies)
    got = {row[0]: int(row[1]) for row in page.tables["by-intent"][1:]}
    assert got == dict(want)
    langs = {row[0]: int(row[1]) for row in page.tables["by-language"][1:]}
    assert langs == dict(Counter(r["language"] for r in replies)) and langs["zh"] == 2
    day = page.tables["by-day"]
    assert len(day) == 2 and int(day[1][1]) == len(TURNS)  # every turn today
    header = day[0]
    for intent, n in want.items():
        assert int(day[1][header.index(intent)]) == n
    queue = page.tables["handoff-queue"][1:]
    assert len(queue) == handoffs
    assert all(re.fullmatch(r"~[0-9a-f]{12}", row[1]) for row in queue)  # conversations as pseudonyms


def test_questions_are_masked_and_no_raw_id_is_stored(served, keys, workspace) -> None:  # noqa: F811
    client, replies = served
    html = client.get("/dashboard/assistant", headers=auth(keys["read"])).text
    page = _page(client, keys["read"])
    questions = {row[0]: int(row[1]) for row in page.tables["unanswered"][1:]}
    complaint = "I want to complain, email j***@***.com, ref [id]"
    assert questions[complaint] == 2  # the same masked question from two conversations, counted together
    assert questions["what is the weather tomorrow? mail me at j***@***.com"] == 1
    assert list(questions)[0] == complaint  # most frequent first
    assert EMAIL not in html and "W500001" not in html and "conv-e" not in html
    # the file itself: pseudonyms only, no raw conversation/customer/order id or e-mail
    con = sqlite3.connect(workspace / turnlog.FILE)
    try:
        rows = con.execute("SELECT * FROM turns").fetchall()
    finally:
        con.close()
    assert len(rows) == len(TURNS)
    text = repr(rows)
    for raw in ("conv-", "cust-1", "W500001", EMAIL):
        assert raw not in text
    # the JSON summary says the same
    s = client.get("/v1/assistant/summary", headers=auth(keys["read"])).json()
    assert s["turns"] == len(TURNS) and s["handoffs"] == sum(r["handoff"] for r in replies)


def test_the_queue_keeps_how_to_reach_the_customer_as_pseudonyms(served, keys, workspace) -> None:  # noqa: F811
    """A complaint with an e-mail address typed: the queue shows the address's pseudonym (the form a
    pseudonymising workspace keeps customer ids in), never the address."""
    client, replies = served
    page = _page(client, keys["read"])
    header, *rows = page.tables["handoff-queue"]
    assert header[2] == "customer (pseudonym)"
    handle = pseudonymise(EMAIL.lower(), workspace_secret(workspace))
    typed = [r for r in rows if handle in r[2]]
    handed = sum(1 for (m, *_), r in zip(TURNS, replies, strict=True) if EMAIL in m and r["handoff"])
    assert len(typed) == handed > 0 and all("(e-mail typed)" in r[2] for r in typed)
    assert all(r[2] == "" for r in rows if r not in typed)  # no customer id, no address: nothing
    s = client.get("/v1/assistant/summary", headers=auth(keys["read"])).json()
    assert sorted(q["contact"] for q in s["queue"] if q["contact"]) == [handle] * len(typed)


def test_reading_needs_a_read_key(served, keys) -> None:  # noqa: F811
    client, _ = served
    r = client.get("/dashboard/assistant")
    assert r.status_code == 401 and "total-turns" not in r.text and "weather" not in r.text
    r = client.get("/dashboard/assistant", headers=auth(keys["storefront"]))
    assert r.status_code == 403 and "weather" not in r.text
    assert client.get("/v1/assistant/summary").status_code == 401
    assert client.get("/v1/assistant/summary", headers=auth(keys["write"])).status_code == 403
    bad = client.get("/v1/assistant/summary", params={"days": 0}, headers=auth(keys["read"]))
    assert 400 <= bad.status_code < 500 and "days" in bad.text


def test_forget_removes_the_customers_turns(served, keys, workspace) -> None:  # noqa: F811
    client, _ = served
    client.get("/v1/assistant/summary", headers=auth(keys["read"]))  # flushes this worker's buffer
    assert turnlog.count(workspace, {"cust-1"}) == 1
    before = turnlog.summary(workspace)["turns"]
    report = forget_user(workspace, "cust-1", apply=False)
    assert report.live_log.get("assistant_turns") == 1
    forget_user(workspace, "cust-1")
    assert turnlog.count(workspace, {"cust-1"}) == 0
    assert turnlog.summary(workspace)["turns"] == before - 1  # the other customers' turns stay
    # a conversation without a customer id is theirs when their events name it as their session
    ev = {"events": [{"event_id": "dash-1", "type": "view", "user_id": "cust-2", "session_id": "conv-b", "item_id": "P1"}]}  # fmt: skip
    assert client.post("/v1/events", json=ev, headers=auth(keys["write"])).status_code == 200
    assert turnlog.count(workspace, {"conv-b"}) == 1
    assert forget_user(workspace, "cust-2").live_log.get("assistant_turns") == 1
    assert turnlog.count(workspace, {"conv-b"}) == 0 and turnlog.summary(workspace)["turns"] == before - 2


def test_the_request_path_only_buffers(tmp_path: Path) -> None:
    log = turnlog.TurnLog(tmp_path, flush_seconds=3600)
    try:
        reply = SimpleNamespace(handoff=True, citations=[], suggested=[], intent="out_of_scope", confidence=0.1,
                                language="en", slots={"product_ids": []})  # fmt: skip
        log.record(reply, "call me on +44 20 7946 0958, customer C77123", "c1", "C77123", 3.0)
        assert turnlog.summary(tmp_path)["turns"] == 0  # nothing on disk yet
        assert log.flush() == 1
        assert (tmp_path / turnlog.FILE).stat().st_mode & 0o077 == 0  # owner-only
        s = turnlog.summary(tmp_path)
        assert s["turns"] == 1 and s["handoff_rate"] == 1.0
        q = s["unanswered"][0]["question"]
        assert "7946" not in q and "C77123" not in q and "[id]" in q
    finally:
        log.close()


def test_mask_question_keeps_the_answer_products() -> None:
    assert turnlog.mask_question("is P12345 like order 99887766?", ["P12345"]) == "is P12345 like order [id]?"


def test_the_page_in_chinese(served, keys) -> None:  # noqa: F811
    """A Chinese shop's staff read the page in Chinese: headings, intents and languages by name; the
    masked questions as the shoppers wrote them."""
    client, _ = served
    r = client.get("/dashboard/assistant?lang=zh", headers=auth(keys["read"]))
    assert r.status_code == 200 and r.headers["content-language"] == "zh-Hans"
    assert "按意图统计的轮次" in r.text and "转人工队列（最新的在前）" in r.text and "<td>投诉</td>" in r.text
    assert "Turns by intent" not in r.text and "<td>complaint</td>" not in r.text
    assert "I want to complain, email j***@***.com, ref [id]" in r.text
    client.cookies.clear()
