"""``POST /v1/assistant`` on a small built workspace: answers, privacy by key scope, logging."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopmind.demo.assistant import ORDER_SCHEMA
from shopmind.demo.policies import write_policies
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.store.livelog import EventLog
from test_serve import auth, build_workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = build_workspace(tmp_path_factory.mktemp("ws"))
    base = ws / "assistant"
    write_policies(base / "policies")
    pl.DataFrame(
        [
            {
                "order_id": "W500001",
                "customer_id": "cust-1",
                "status": "delivered",
                "placed_at": datetime(2026, 11, 1, 10, tzinfo=UTC),
                "shipped_at": datetime(2026, 11, 2, 10, tzinfo=UTC),
                "delivered_at": datetime(2026, 11, 4, 10, tzinfo=UTC),
                "returned_at": None,
                "items": [{"product_id": "P3", "quantity": 2, "price": 30.0, "currency": "USD"}],
            }
        ],
        schema=ORDER_SCHEMA,
    ).write_parquet(base / "orders.parquet")
    return ws


@pytest.fixture(scope="module")
def keys(workspace) -> dict[str, str]:
    ks = KeyStore(workspace)
    return {s: ks.add(f"test-{s}", s) for s in ("storefront", "read", "write")}


@pytest.fixture(scope="module")
def client(workspace):
    with TestClient(create_app(workspace, {"poll_seconds": 0.2})) as c:
        yield c


def _ask(client, key: str, **body):
    return client.post("/v1/assistant", json={"conversation_id": "conv-1", **body}, headers=auth(key))


def test_order_data_only_for_a_write_key_and_the_owning_customer(client, keys) -> None:
    ok = _ask(client, keys["write"], message="where is order W500001?", customer_id="cust-1")
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert (
        body["intent"] == "order_status" and "delivered" in body["answer"] and "2026-11-04" in body["answer"]
    )
    assert body["citations"] == [{"type": "order", "id": "W500001"}]
    other = _ask(client, keys["write"], message="where is order W500001?", customer_id="cust-2").json()
    assert other["citations"] == [] and "2026" not in other["answer"]
    # the storefront key is public: a customer id it sends is not trusted
    front = _ask(client, keys["storefront"], message="where is order W500001?", customer_id="cust-1").json()
    assert front["citations"] == [] and "delivered" not in front["answer"]
    assert any("write key" in n for n in front["notes"])


def test_policy_and_product_answers_cite_their_sources(client, keys) -> None:
    r = _ask(client, keys["storefront"], message="退款多久能到账？").json()
    assert r["intent"] == "return_refund" and r["language"] == "zh"
    assert r["citations"] == [{"type": "policy", "id": "returns-refund"}]
    p = _ask(client, keys["storefront"], message="how much is this one?", page_product="P3").json()
    assert p["intent"] == "product_question" and p["citations"] == [{"type": "product", "id": "P3"}]


def test_a_search_turn_is_logged_as_a_search_event(client, keys, workspace) -> None:
    r = _ask(client, keys["storefront"], message="show me a red lamp under $80", conversation_id="conv-9")
    body = r.json()
    assert body["intent"] == "product_search"
    log = EventLog(workspace)
    try:
        events = [e for _, e in log.events_after(0)]
    finally:
        log.close()
    assert any(e.get("type") == "search" and e.get("query") == "show me a red lamp under $80" for e in events)


def test_bad_requests_name_the_field(client, keys) -> None:
    r = client.post(
        "/v1/assistant", json={"conversation_id": "c", "message": ""}, headers=auth(keys["storefront"])
    )
    assert r.status_code == 422 and "message" in r.text
    r = _ask(client, keys["storefront"], message="how much is this one?", page_product="NOPE")
    assert r.status_code == 200 and r.json()["citations"] == []
    assert any("page_product 'NOPE' is not in the catalog" in n for n in r.json()["notes"])
    assert client.post("/v1/assistant", json={"conversation_id": "c", "message": "hi"}).status_code == 401
    r = client.post(
        "/v1/assistant",
        content=json.dumps({"conversation_id": "c", "message": "hi"}),
        headers={**auth(keys["storefront"]), "Content-Type": "text/plain"},
    )
    assert r.status_code == 415


def test_the_phraser_comes_from_the_serve_settings_and_is_guarded(workspace, keys) -> None:
    from test_assistant_phraser import _Server

    server = _Server("Great news: P3 is only $1.99 today!")
    try:
        app = create_app(workspace, {"poll_seconds": 0.2, "assistant": {"phraser_url": server.url}})
        with TestClient(app) as c:
            r = c.post(
                "/v1/assistant",
                json={"conversation_id": "p1", "message": "how much is this one?", "page_product": "P3"},
                headers=auth(keys["storefront"]),
            ).json()
    finally:
        server.close()
    assert server.requests, "the configured endpoint was called"
    assert not r["phrased"] and "1.99" not in r["answer"] and "(P3)" in r["answer"]
    assert any("n:1.99" in n for n in r["notes"])


def test_the_assistant_is_built_in_the_background_after_the_release_loads(workspace, keys) -> None:
    """`shopmind serve` warms the assistant (the first chat turn waited ~3 CPU-s for its build, 21.6 s
    on a busy box); an embedded app leaves it to the first turn."""
    import time

    from shopmind.serve.routes import assistant as route

    route._ASSISTANTS.clear()
    with TestClient(create_app(workspace, {"poll_seconds": 0.2})) as c:
        time.sleep(0.6)
        assert route._ASSISTANTS == {}  # off by default: nothing built before a turn
    with TestClient(create_app(workspace, {"poll_seconds": 0.2, "assistant_warmup_seconds": 0.3})) as c:
        rel = c.app.state.shop.current
        deadline = time.monotonic() + 120
        key = route.cache_key(rel, workspace)  # the release and its orders file
        while key not in route._ASSISTANTS and time.monotonic() < deadline:
            time.sleep(0.1)
        built = route._ASSISTANTS.get(key)
        assert built is not None, "no assistant built in the background within 120 s"
        r = _ask(c, keys["storefront"], message="how long does delivery take?")
        assert r.status_code == 200 and r.json()["intent"] == "shipping"
        assert route._ASSISTANTS[key] is built  # the turn reused it, no second build


def test_serve_warms_the_assistant_unless_told_not_to(tmp_path) -> None:
    from shopmind.cli.serve import SERVE_KINDS, SERVE_WARMUP_SECONDS, check_serve_setting

    assert SERVE_WARMUP_SECONDS > 0 and SERVE_KINDS["assistant_warmup_seconds"] == (float, 0)
    check_serve_setting("assistant_warmup_seconds", 0, "shop.toml")  # 0 = on the first turn
    with pytest.raises(Exception, match="assistant_warmup_seconds"):
        check_serve_setting("assistant_warmup_seconds", -1, "shop.toml")


def test_a_message_without_a_language_is_answered_in_the_page_language(client, keys) -> None:
    """t1hz (session 26): "asdfgh" on the Chinese storefront was answered in English."""
    for message in ("asdfgh", "???", "12345"):
        zh = _ask(client, keys["storefront"], message=message, lang="zh", conversation_id="conv-zh")
        assert zh.status_code == 200, zh.text
        assert zh.json()["language"] == "zh", (message, zh.json()["answer"])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.json()["answer"]), zh.json()["answer"]
        en = _ask(client, keys["storefront"], message=message, lang="en", conversation_id="conv-en")
        assert en.json()["language"] == "en"
    # the message's own language wins over the page's
    r = _ask(client, keys["storefront"], message="where is my order?", lang="zh").json()
    assert r["language"] == "en"
    bad = _ask(client, keys["storefront"], message="???", lang="fr")
    assert bad.status_code == 422 and "lang" in bad.text
    # a page's language tag as <html lang> writes it is read by its first part
    for tag, want in (("zh-Hans", "zh"), ("ZH_cn", "zh"), ("en-US", "en")):
        r = _ask(client, keys["storefront"], message="???", lang=tag)
        assert r.status_code == 200 and r.json()["language"] == want, (tag, r.text)
    assert _ask(client, keys["storefront"], message="???", lang="fr-FR").status_code == 422


def test_without_lang_a_message_with_no_language_keeps_the_conversation_s(client, keys) -> None:
    """An integrator that sends no lang: "???" after a Chinese question is answered in Chinese."""
    first = _ask(client, keys["storefront"], message="退款多久能到账？", conversation_id="conv-keep").json()
    assert first["language"] == "zh"
    r = _ask(client, keys["storefront"], message="???", conversation_id="conv-keep").json()
    assert r["language"] == "zh", r["answer"]
    # another conversation has no such memory: English, as before
    assert (
        _ask(client, keys["storefront"], message="???", conversation_id="conv-new").json()["language"] == "en"
    )
    # the page's lang, when given, still decides
    assert (
        _ask(client, keys["storefront"], message="???", conversation_id="conv-keep", lang="en").json()[
            "language"
        ]
        == "en"
    )


def test_orders_rewritten_by_forget_are_not_answered_from_memory(workspace, keys) -> None:
    """``shopmind forget`` rewrites ``assistant/orders.parquet`` without the customer's orders (a new
    file renamed over the old); a running server kept answering them from the assistant it had
    built until the next release."""
    path = workspace / "assistant" / "orders.parquet"
    kept = pl.read_parquet(path)
    with TestClient(create_app(workspace, {"poll_seconds": 0.2})) as c:
        ask = dict(message="where is order W500001?", customer_id="cust-1", conversation_id="conv-forget")
        before = c.post("/v1/assistant", json=ask, headers=auth(keys["write"])).json()
        assert before["citations"] == [{"type": "order", "id": "W500001"}]
        tmp = path.with_name(".orders.parquet.forget.tmp")  # as forget_files.stage_parquet does
        kept.filter(pl.col("customer_id") != "cust-1").write_parquet(tmp)
        tmp.replace(path)
        try:
            after = c.post("/v1/assistant", json=ask, headers=auth(keys["write"])).json()
            assert after["citations"] == [] and "delivered" not in after["answer"]
        finally:
            kept.write_parquet(tmp)
            tmp.replace(path)


def test_a_language_tag_the_assistant_does_not_answer_in_is_named(client, keys) -> None:
    """Was "lang: Input should be 'en' or 'zh'" for lang="fr-FR" or "klingon": the tag sent and what was
    read of it were unsaid (t1w's walk, session 32)."""
    r = _ask(client, keys["storefront"], message="???", lang="fr-FR")
    assert r.status_code == 422 and r.json()["error"]["field"] == "lang"
    said = r.json()["error"]["message"]
    assert "'fr' (read from 'fr-FR') is not a language the assistant answers in: en or zh" in said, said
    r = _ask(client, keys["storefront"], message="???", lang="klingon")
    assert "'klingon' is not a language the assistant answers in" in r.json()["error"]["message"]
