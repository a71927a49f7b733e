"""What a read request names that the served catalog does not hold is said, not answered silently.

``/v1/search?facets=nope`` answered an empty ``attr.nope`` facet and recommendations with
``category=Nope`` answered an empty list, with nothing saying why. An error would break
storefronts (attribute keys and categories come and go between releases), so the answer stays
200 and carries ``warnings``: one entry per unknown facet, category or brand, naming the
parameter and the value. Run against a real ``shopmind serve`` process (tests/serve_process_util.py),
as test_api_bad_input.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from serve_process_util import Server, serving
from shopmind.config import GateConfig
from shopmind.quality.gate import publish, run_gate
from shopmind.quality.report import write_report
from shopmind.store.store import Store
from test_live_log import _build
from test_serve import _shop_batch


@pytest.fixture(scope="module")
def srv(tmp_path_factory) -> Server:
    ws: Path = tmp_path_factory.mktemp("apiwarn") / "ws"
    ws.mkdir()
    batch = _shop_batch()
    colours = ["red", "blue", "green", "black"]
    batch.products = batch.products.with_columns(
        pl.Series(
            "attributes", [json.dumps({"colour": colours[i % 4]}) for i in range(batch.products.height)]
        )
    )
    with Store(ws) as store:
        result = run_gate(batch, GateConfig(), store)
        _json, html = write_report(result, ws / "reports", store)
        publish(result, store, GateConfig(), str(html))
    _build(ws)
    with serving(ws, {}) as server:
        yield server


def _get(srv: Server, path: str) -> dict:
    status, body = srv.call("GET", path)
    assert status == 200, body
    return body


def test_an_unknown_facet_is_a_warning_and_known_ones_are_not(srv: Server) -> None:
    body = _get(srv, "/v1/search?q=lamp&facets=brand,nope,colour")
    assert body["warnings"] == [
        {"code": "unknown_facet", "param": "facets", "value": "nope",
         "message": "facets: no product of the catalog has an attribute 'nope' (known facets: brand, category, "
                    "price, attributes, or an attribute key such as 'colour')"},
    ]  # fmt: skip
    assert body["total"] > 0 and body["facets"]["attr.nope"]["missing"] == body["total"]  # as before
    assert sum(body["facets"]["attr.colour"]["values"].values()) == body["total"]


def test_a_facet_named_as_the_answer_names_it_is_the_attribute(srv: Server) -> None:
    """docs/API.md: ``facets=brand,price,attr.colour`` picks facets; ``attr.colour`` was read as
    the key "attr.colour" and answered an empty ``attr.attr.colour``."""
    body = _get(srv, "/v1/search?q=lamp&facets=attr.colour")
    assert set(body["facets"]) == {"attr.colour"} and body["warnings"] == []
    assert sum(body["facets"]["attr.colour"]["values"].values()) == body["total"] > 0


def test_a_clean_search_has_an_empty_warnings_list(srv: Server) -> None:
    body = _get(srv, "/v1/search?q=lamp&category=Home%20%3E%20Lamps&brand=Brand1")
    assert body["warnings"] == [] and body["total"] > 0


def test_an_unknown_search_category_and_brand_are_warnings(srv: Server) -> None:
    body = _get(srv, "/v1/search?q=lamp&category=Nope&category=home%20%3E%20lamps&brand=Acme")
    assert body["total"] == 0  # a brand nobody sells: still an empty answer, now with the reason
    assert [(w["code"], w["param"], w["value"]) for w in body["warnings"]] == [
        ("unknown_category", "category", "Nope"),
        ("unknown_brand", "brand", "Acme"),
    ]
    assert "no product of the catalog is in category 'Nope'" in body["warnings"][0]["message"]


def test_recommendations_in_an_unknown_category_say_so(srv: Server) -> None:
    body = _get(srv, "/v1/users/u3/recommendations?k=5&category=Nope&brand=Acme")
    assert body["items"] == []
    assert [(w["code"], w["param"], w["value"]) for w in body["warnings"]] == [
        ("unknown_category", "category", "Nope"),
        ("unknown_brand", "brand", "Acme"),
    ]
    ok = _get(srv, "/v1/users/u3/recommendations?k=5&category=Home%20%3E%20Chairs&category=Nope")
    assert ok["items"] and all(i["category_path"] == "Home > Chairs" for i in ok["items"])
    assert [w["value"] for w in ok["warnings"]] == ["Nope"]
    plain = _get(srv, "/v1/users/u3/recommendations?k=5&category=home%20%3E%20chairs")
    assert plain["items"] and plain["warnings"] == []


def test_an_attribute_filter_with_an_unknown_key_is_a_warning(srv: Server) -> None:
    """``attr=nokey:value`` matched nothing and said nothing; a known key's filter stays silent."""
    body = _get(srv, "/v1/search?q=lamp&attr=nokey:red&attr=nokey:blue&attr=colour:red")
    assert body["total"] == 0  # the filter is applied as before: nothing has nokey
    assert body["warnings"] == [
        {"code": "unknown_attribute", "param": "attr", "value": "nokey:red",
         "message": "attr: no product of the catalog has an attribute 'nokey', so the filter nokey:red matches nothing"},
        {"code": "unknown_attribute", "param": "attr", "value": "nokey:blue",
         "message": "attr: no product of the catalog has an attribute 'nokey', so the filter nokey:blue matches "
                    "nothing"},
    ]  # fmt: skip
    known = _get(srv, "/v1/search?q=lamp&attr=Colour:red")
    assert known["warnings"] == [] and known["total"] > 0
