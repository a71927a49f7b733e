"""First-hour data defects at the gate (session 19): unsafe URLs, lower-case currencies, path-like ids.

- ``URL_UNSAFE``: an image URL that is not http(s), protocol-relative or relative (``javascript:``,
  ``data:``, ``vbscript:``...), or holds a space or control character, is cleared with a repair record;
  the product is kept.
- ``CURRENCY_CASE``: ``usd`` is upper-cased (recorded) before the ISO 4217 check, for products and
  events; the repair runs before the windows, so ``usd`` and ``USD`` copies are exact duplicates.
- ``PRD_ID_UNSAFE``: ids ``.``/``..`` or holding ``/`` or a control character are quarantined: no
  route can carry them (tested here against the app's own router); a backslash, a space, ``?`` or
  ``#`` travel percent-encoded, and such ids stay accepted.

Each rule is one SQL text; the Spark tests at the end run the same rows on Spark (skipped without
pyspark or Java) and demand the Polars account row by row.
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError
from typer.testing import CliRunner

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.engine.compare import differences
from shopmind.engine.spark.sql import to_spark
from shopmind.quality.checks import UNSAFE_PRODUCT_ID, unsafe_url
from shopmind.quality.gate import eager, run_gate

NOW = datetime(2026, 2, 1, tzinfo=UTC)

SAFE_URLS = [
    "https://cdn.example/a.jpg", "HTTP://X.EXAMPLE/A.JPG", "http://x", "//cdn.example/a.jpg", "/img/a.jpg",
    "img/a.jpg", "../a.jpg", "./a.jpg", "?v=2", "#top", "a.jpg", "img/a:b.jpg", "https://x/a%20b.jpg",
    "https://例子.cn/图.jpg", "https://x/a.jpg?w=1&h=2",
]  # fmt: skip
UNSAFE_URLS = [
    "javascript:alert(1)", "JavaScript:alert(1)", "data:image/png;base64,iVBOR", "vbscript:msgbox(1)",
    "ftp://x/a.jpg", "mailto:a@b.example", "file:///etc/passwd", "https:x", "x:", ":x", "java\tscript:alert(1)",
    "https://x/a b.jpg", "https://x/a\u00a0b.jpg", "https://x/a\x00.jpg", "https://x/\u0085", 'https://x/"onerror="a',
    "https://x/<svg>", "https://x/`", "javascript&colon;alert(1)", "httpſ://x/a.jpg",
]  # fmt: skip
BAD_IDS = [".", "..", "a/b", "/lead", "trail/", "x\x01y", "x\x7fy", "tab\tin", "L" * 201]
GOOD_IDS = [
    "a\\b",
    "sp ace",
    "q?x",
    "h#x",
    "...",
    "a.b",
    "50%",
    "x\x85y",
    "长" * 200,
]  # characters, not bytes


def _products(ids: list[str], **cols: list[object]) -> pl.DataFrame:
    n = len(ids)
    base: dict[str, list[object]] = {
        "product_id": list(ids),
        "title": [f"oak lamp {i}" for i in range(n)],
        "price": ["20"] * n,
        "currency": ["USD"] * n,
    }
    return pl.DataFrame({**base, **cols}, schema=dict.fromkeys([*base, *cols], pl.Utf8))


def _events(items: list[str], currencies: list[str | None]) -> pl.DataFrame:
    n = len(items)
    return pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "type": ["purchase"] * n,
            "timestamp": [f"2026-01-0{1 + i % 9}T10:00:00Z" for i in range(n)],
            "user_id": [f"u{i}" for i in range(n)],
            "item_id": items,
            "quantity": ["1"] * n,
            "price": ["20"] * n,
            "currency": currencies,
        }
    )


def _audit(result, table: str, code: str) -> dict[int, tuple[str | None, str | None]]:
    a = eager(result.tables[table].audit).filter(pl.col("code") == code)
    return {r["_row"]: (r["old_value"], r["new_value"]) for r in a.iter_rows(named=True)}


def _codes(result, table: str) -> dict[int, list[str]]:
    q = eager(result.tables[table].quarantine)
    return {r["row_no"]: r["codes"] for r in q.iter_rows(named=True)}


# --- the SQL rules themselves ---------------------------------------------------------------------


def test_unsafe_url_rule_allows_http_relative_and_protocol_relative_only() -> None:
    frame = pl.DataFrame({"image_url": [*SAFE_URLS, *UNSAFE_URLS, None]})
    got = frame.select(pl.sql_expr(unsafe_url("image_url")).fill_null(False).alias("v"))["v"].to_list()
    assert got == [False] * len(SAFE_URLS) + [True] * len(UNSAFE_URLS) + [False]


def test_unsafe_product_id_rule() -> None:
    frame = pl.DataFrame({"product_id": [*BAD_IDS, *GOOD_IDS]})
    got = frame.select(pl.sql_expr(UNSAFE_PRODUCT_ID).fill_null(False).alias("v"))["v"].to_list()
    assert got == [True] * len(BAD_IDS) + [False] * len(GOOD_IDS)


# --- through the gate (Polars) ----------------------------------------------------------------------


def test_unsafe_image_urls_are_cleared_with_a_repair_and_the_products_kept() -> None:
    urls = ["javascript:alert(1)", "/img/a.jpg", "data:text/html,<b>x</b>", "//cdn.example/b.jpg",
            "https://x/a b.jpg", "https://cdn.example/c.jpg", "vbscript:x", None]  # fmt: skip
    ids = [f"P{i}" for i in range(len(urls))]
    result = run_gate(Batch("t", products=_products(ids, image_url=urls)), GateConfig(), None, now=NOW)
    products = result.tables["products"]
    assert products.rows("quarantine") == 0  # a bad image link costs no product
    accepted = dict(eager(products.accepted).select("product_id", "image_url").iter_rows())
    assert accepted == {
        "P0": None, "P1": "/img/a.jpg", "P2": None, "P3": "//cdn.example/b.jpg", "P4": None,
        "P5": "https://cdn.example/c.jpg", "P6": None, "P7": None,
    }  # fmt: skip
    assert _audit(result, "products", "URL_UNSAFE") == {
        0: ("javascript:alert(1)", None),
        2: ("data:text/html,<b>x</b>", None),
        4: ("https://x/a b.jpg", None),
        6: ("vbscript:x", None),
    }
    check = next(c for c in result.checks if c["code"] == "URL_UNSAFE")
    assert (check["action"], check["failed"], check["crossed"]) == ("repair", 4, False)


def test_lower_case_currencies_are_upper_cased_before_the_check() -> None:
    currencies = ["usd", " eur ", "Gbp", "USD", "rmb", "us", "u sd", "XXX", "ｕｓｄ"]
    ids = [f"P{i}" for i in range(len(currencies))]
    result = run_gate(Batch("t", products=_products(ids, currency=currencies)), GateConfig(), None, now=NOW)
    accepted = dict(eager(result.tables["products"].accepted).select("product_id", "currency").iter_rows())
    assert accepted == {"P0": "USD", "P1": "EUR", "P2": "GBP", "P3": "USD"}
    # coercion strips surrounding spaces first, so the repair sees (and records) 'eur'
    assert _audit(result, "products", "CURRENCY_CASE") == {
        0: ("usd", "USD"),
        1: ("eur", "EUR"),
        2: ("Gbp", "GBP"),
    }
    # what is no ISO code in any case stays quarantined, unrepaired
    assert _codes(result, "products") == {i: ["PRD_CURRENCY_UNKNOWN"] for i in range(4, 9)}


def test_event_currencies_are_repaired_too_and_before_the_duplicate_windows() -> None:
    items = ["P0", "P0", "P1", "P2"]
    events = _events(items, ["usd", "eur", "ZZZ", None])
    # row 4 is row 0 again with the currency in upper case: after the repair, an exact duplicate
    events = pl.concat([events, events.slice(0, 1).with_columns(pl.lit("USD").alias("currency"))])
    batch = Batch("t", products=_products(["P0", "P1", "P2"]), events=events)
    result = run_gate(batch, GateConfig(), None, now=NOW)
    assert _audit(result, "events", "CURRENCY_CASE") == {0: ("usd", "USD"), 1: ("eur", "EUR")}
    assert _codes(result, "events") == {2: ["EVT_CURRENCY_UNKNOWN"], 4: ["EVT_DUP_EXACT"]}
    acc = eager(result.tables["events"].accepted)
    assert dict(acc.select("event_id", "currency").iter_rows()) == {"e0": "USD", "e1": "EUR", "e3": None}


def test_product_ids_no_url_path_carries_are_quarantined() -> None:
    ids = [*BAD_IDS, *GOOD_IDS]
    events = _events(ids, ["USD"] * len(ids))
    result = run_gate(Batch("t", products=_products(ids), events=events), GateConfig(), None, now=NOW)
    assert _codes(result, "products") == {i: ["PRD_ID_UNSAFE"] for i in range(len(BAD_IDS))}
    accepted = eager(result.tables["products"].accepted)["product_id"].to_list()
    assert accepted == GOOD_IDS
    # their events refer to a product the catalog does not hold
    assert _codes(result, "events") == {i: ["EVT_ITEM_UNKNOWN"] for i in range(len(BAD_IDS))}
    check = next(c for c in result.checks if c["code"] == "PRD_ID_UNSAFE")
    assert (check["failed"], check["severity"], check["crossed"]) == (len(BAD_IDS), "error", True)
    assert result.held  # 8 of 16 products: a feed's id scheme problem holds the batch


def test_the_quarantined_ids_break_the_routes_and_the_accepted_ones_do_not(tmp_path: Path) -> None:
    """Why the ids are quarantined, pinned against the app's router: each id percent-encoded as the
    storefront does (``encodeURIComponent``). Dot segments are resolved away by the client, ``%2F``
    is decoded before routing; a backslash, space, ``?``, ``#`` reach the handler (which, with no
    release yet, answers ``no_release``: the route matched, with the id)."""
    from shopmind.serve.app import create_app
    from shopmind.serve.schemas import Id

    with TestClient(create_app(tmp_path / "ws")) as client:

        def answer(pid: str) -> tuple[str, str]:
            resp = client.get(f"/v1/items/{urllib.parse.quote(pid, safe='')}/similar")
            return resp.json()["error"]["code"], resp.request.url.path

        for pid in (".", "..", "a/b", "/lead", "trail/"):
            code, sent = answer(pid)
            assert code == "not_found" and pid not in sent.split("/"), (pid, sent)
        assert client.get("/product/..").request.url.path == "/"  # the storefront, not the product
        for pid in ("a\\b", "sp ace", "q?x", "h#x", "...", "a.b"):
            assert answer(pid) == ("no_release", f"/v1/items/{pid}/similar"), pid
    # and the API refuses a control character in any id, path or body
    for pid in ("x\x01y", "x\x7fy", "tab\tin"):
        with pytest.raises(ValidationError, match="control characters"):
            TypeAdapter(Id).validate_python(pid)
    assert TypeAdapter(Id).validate_python("x\x85y") == "x\x85y"  # a C1 character is not refused
    # an id over the API's limit can be in no path or body: the gate's limit is the API's
    with pytest.raises(ValidationError, match="at most 200 characters"):
        TypeAdapter(Id).validate_python("L" * 201)
    assert TypeAdapter(Id).validate_python("长" * 200) == "长" * 200


def test_cli_ingest_reports_the_three_defects(tmp_path: Path) -> None:
    """``shopmind ingest`` of a small CSV folder: the account, the quarantine and the repairs in the
    report name each defect."""
    from shopmind.cli import app

    shop = tmp_path / "shop"
    shop.mkdir()
    ids = ["P1", "P2", "P3", "..", "a/b", "P6"]
    urls = ["javascript:alert(1)", "https://cdn.example/2.jpg", "/img/3.jpg", "", "", "data:,x"]
    _products(ids, currency=["usd", "USD", " eur", "USD", "USD", "Gbp"], image_url=urls).write_csv(
        shop / "products.csv"
    )
    _events(["P1", "P2", "P3"], ["usd", "EUR", "XXX"]).write_csv(shop / "events.csv")
    ws = tmp_path / "ws"
    run = CliRunner().invoke(app, ["ingest", str(shop), "-w", str(ws), "--json"])
    assert run.exit_code == 0, run.output
    summary = json.loads(run.output[run.output.index("{") : run.output.rindex("}") + 1])
    assert summary["account"]["products"] == {
        "input": 6,
        "accepted": 4,
        "quarantined": 2,
        "already_stored": 0,
    }
    assert summary["account"]["events"]["quarantined"] == 1
    failed = {(c["table"], c["code"]): c["failed"] for c in summary["checks"]}
    assert failed[("products", "PRD_ID_UNSAFE")] == 2
    assert failed[("products", "URL_UNSAFE")] == 2
    assert failed[("products", "CURRENCY_CASE")] == 3
    assert failed[("events", "CURRENCY_CASE")] == 1
    assert failed[("events", "EVT_CURRENCY_UNKNOWN")] == 1
    q = CliRunner().invoke(app, ["quarantine", "-w", str(ws), "--code", "PRD_ID_UNSAFE", "--json"])
    rows = [json.loads(line) for line in q.output.splitlines() if line.startswith("{")]
    assert sorted(json.loads(r["payload"])["product_id"] for r in rows) == ["..", "a/b"]
    report = json.loads(next((ws / "reports").glob("*.json")).read_text())
    assert {"PRD_ID_UNSAFE", "URL_UNSAFE", "CURRENCY_CASE"} <= {c["code"] for c in report["checks"]}
    html = next((ws / "reports").glob("*.html")).read_text()  # the examples: old value and reason
    assert "javascript:alert(1)" in html and "a/b" in html
    assert all(code in html for code in ("PRD_ID_UNSAFE", "URL_UNSAFE", "CURRENCY_CASE"))
    from shopmind.store.store import Store

    with Store(ws) as store:
        stored = dict(store.con.execute("SELECT product_id, image_url FROM products").fetchall())
    assert stored == {"P1": None, "P2": "https://cdn.example/2.jpg", "P3": "/img/3.jpg", "P6": None}


# --- the same rows on Spark -------------------------------------------------------------------------


def test_the_rules_read_the_same_on_spark(spark) -> None:
    from pyspark.sql import functions as F

    urls = [*SAFE_URLS, *UNSAFE_URLS]
    got = spark.createDataFrame([(u,) for u in urls], "image_url string").select(
        F.coalesce(F.expr(to_spark(unsafe_url("image_url"))), F.lit(False))
    )
    assert [r[0] for r in got.collect()] == [False] * len(SAFE_URLS) + [True] * len(UNSAFE_URLS)
    ids = [*BAD_IDS, *GOOD_IDS]
    got = spark.createDataFrame([(i,) for i in ids], "product_id string").select(
        F.expr(to_spark(UNSAFE_PRODUCT_ID))
    )
    assert [r[0] for r in got.collect()] == [True] * len(BAD_IDS) + [False] * len(GOOD_IDS)


def test_spark_gives_the_polars_account_on_these_defects(spark, tmp_path: Path) -> None:
    from shopmind.engine.spark.gate import run_gate_spark

    ids = [*BAD_IDS, *GOOD_IDS, "P1", "P2", "P3", "P4"]
    n = len(ids)
    urls = (UNSAFE_URLS + SAFE_URLS)[:n]
    currencies = (["usd", " eur ", "Gbp", "rmb", "u sd", "USD"] * n)[:n]
    events = _events(
        [*ids[-4:], "P1", "P2", "..", "a\\b"], ["usd", "eur", "ZZZ", None, "USD", "gBP", "usd", "EUR"]
    )
    events = pl.concat([events, events.slice(0, 1).with_columns(pl.lit("USD").alias("currency"))])
    batch = Batch("t", products=_products(ids, currency=currencies, image_url=urls), events=events)
    polars_run = run_gate(batch, GateConfig(), None, now=NOW)
    spark_run = run_gate_spark(spark, batch, str(tmp_path / "out"), GateConfig(), None, now=NOW)
    assert differences(polars_run, spark_run.result) == []
    # not vacuous: every new code fired on both engines
    failed = spark_run.result.tables["products"].failed
    assert (
        failed["PRD_ID_UNSAFE"] == len(BAD_IDS) and failed["URL_UNSAFE"] > 10 and failed["CURRENCY_CASE"] > 5
    )
    ev = spark_run.result.tables["events"].failed
    assert ev["CURRENCY_CASE"] == 4 and ev["EVT_DUP_EXACT"] == 1 and ev["EVT_CURRENCY_UNKNOWN"] == 1
