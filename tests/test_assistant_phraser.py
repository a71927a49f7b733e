"""The optional generative phraser against a real local HTTP server, on a tiny hand-made shop."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import polars as pl
import pytest

from shopmind.assistant.core import Assistant
from shopmind.assistant.knowledge import load_policies
from shopmind.assistant.phraser import PhraserConfig
from shopmind.demo.assistant import ORDER_SCHEMA
from shopmind.demo.policies import policy_files
from shopmind.search.engine import SearchConfig, SearchEngine

PRODUCTS = pl.DataFrame(
    {
        "product_id": ["SKU1001", "SKU1002", "SKU1003"],
        "title": ["Trail Runner Shoe", "City Sneaker", "Wool Scarf"],
        "category_path": ["Shoes > Running", "Shoes > Sneakers", "Accessories > Scarves"],
        "price": [89.5, 59.0, 25.0],
        "currency": ["USD", "USD", "USD"],
        "stock": [4, 0, 12],
    }
)
ORDERS = pl.DataFrame(
    [
        {
            "order_id": "A77001",
            "customer_id": "C1",
            "status": "shipped",
            "placed_at": datetime(2026, 11, 2, 9, tzinfo=UTC),
            "shipped_at": datetime(2026, 11, 3, 9, tzinfo=UTC),
            "delivered_at": None,
            "returned_at": None,
            "items": [{"product_id": "SKU1001", "quantity": 1, "price": 89.5, "currency": "USD"}],
        }
    ],
    schema=ORDER_SCHEMA,
)


class _Server:
    """A chat-completions endpoint answering ``reply`` (``None``: HTTP 500)."""

    def __init__(self, reply: str | None) -> None:
        outer = self
        self.requests: list[dict] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body})
                if reply is None:
                    self.send_response(500)
                    self.end_headers()
                    return
                data = json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": reply}}]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def shop() -> Assistant:
    engine = SearchEngine.build(PRODUCTS, None, SearchConfig(encoder=None, ltr="off"))
    return Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()))


def _with(shop: Assistant, reply: str | None):
    server = _Server(reply)
    shop.phraser = PhraserConfig(server.url, timeout=2.0)
    return server


def test_invented_price_is_caught_and_the_template_kept(shop: Assistant) -> None:
    server = _with(shop, "Great choice! The Trail Runner Shoe (SKU1001) is only $79.99 today.")
    try:
        r = shop.turn("how much does SKU1001 cost?")
    finally:
        server.close()
        shop.phraser = None
    assert server.requests and server.requests[0]["path"] == "/v1/chat/completions"
    assert "89.5" in json.dumps(server.requests[0]["body"])  # the facts were sent
    assert not r.phrased and "79.99" not in r.answer
    assert r.answer == "Trail Runner Shoe (SKU1001) costs $89.50."
    assert any("n:79.99" in n for n in r.notes)


def test_faithful_phrasing_is_used(shop: Assistant) -> None:
    server = _with(shop, "Sure! The Trail Runner Shoe (SKU1001) sells for $89.50.")
    try:
        r = shop.turn("how much does SKU1001 cost?")
    finally:
        server.close()
        shop.phraser = None
    assert r.phrased and r.answer == "Sure! The Trail Runner Shoe (SKU1001) sells for $89.50."


def test_invented_date_and_product_are_caught(shop: Assistant) -> None:
    server = _with(shop, "Order A77001 shipped on 2026-11-03 and arrives 2026-11-05 with SKU9999.")
    try:
        r = shop.turn("where is order A77001", customer_id="C1")
    finally:
        server.close()
        shop.phraser = None
    assert not r.phrased and "2026-11-05" not in r.answer and "2026-11-03" in r.answer
    assert any("d:2026-11-05" in n and "id:SKU9999" in n for n in r.notes)


def test_endpoint_failure_falls_back_to_the_template(shop: Assistant) -> None:
    server = _with(shop, None)
    try:
        r = shop.turn("how much does SKU1001 cost?")
    finally:
        server.close()
        shop.phraser = None
    assert not r.phrased and r.answer.endswith("costs $89.50.") and any("HTTPError" in n for n in r.notes)


def test_no_phraser_by_default_and_config_errors_name_the_field() -> None:
    assert PhraserConfig.from_table({}) is None and PhraserConfig.from_table(None) is None
    with pytest.raises(ValueError, match="phraser_url"):
        PhraserConfig.from_table({"phraser_url": "ftp://x"})
    with pytest.raises(ValueError, match="phraser_timeout"):
        PhraserConfig.from_table({"phraser_url": "http://x", "phraser_timeout": 0})


def test_tiny_shop_answers_from_its_own_data(shop: Assistant) -> None:
    r = shop.turn("is SKU1002 in stock?")
    assert r.intent == "product_question" and "out of stock" in r.answer
    assert shop.turn("where is order A77001", customer_id="C2").citations == []


def test_a_shop_without_orders_or_policies_hands_off_instead_of_failing(shop: Assistant) -> None:
    bare = Assistant(shop.engine, PRODUCTS, None, [], model=shop.model)
    r = bare.turn("how long do refunds take?")
    assert r.handoff and r.citations == []
    o = bare.turn("where is order A77001", customer_id="C1")
    assert o.intent == "order_status" and o.citations == []
    assert bare.turn("how much does SKU1003 cost?").citations == [{"type": "product", "id": "SKU1003"}]
