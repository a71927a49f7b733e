"""What the query was read as, when it matches nothing together, is said in ``warnings``.

"red dress under $30" on a shop with no red dress under $30: the engine searches without the
understood constraints (a note says so), but ``understood.constraints`` still lists them, and a
storefront showed "under $30" as a chip above CN¥459 dresses. The warning names them so a client
can show they are not applied (the storefront's side: test_i18n_browser).
"""

from __future__ import annotations

import pytest

from shopmind.demo import generator as G
from shopmind.search.engine import SearchConfig, SearchEngine


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    shop = G.generate(seed=7, n_products=400, n_users=150, days=20, defect_rate=0.0)
    return SearchEngine.build(shop.batch.products, shop.batch.events, SearchConfig(encoder=None))


def test_dropped_constraints_are_warned_with_their_labels(engine: SearchEngine) -> None:
    r = engine.search("dress under $1", size=5)
    assert any(c["kind"] == "price" for c in r.understood["constraints"])  # read as a price cap
    assert r.filters["price_max"] is None  # ... and not applied: nothing costs under $1
    assert r.total > 0 and all(h.price >= 1 for h in r.hits)
    dropped = [w for w in r.warnings if w["code"] == "constraints_dropped"]
    assert len(dropped) == 1
    assert dropped[0]["param"] == "q"
    assert "under $1" in dropped[0]["value"].split("; ")
    assert "under $1" in dropped[0]["message"]


def test_applied_constraints_are_not_warned(engine: SearchEngine) -> None:
    r = engine.search("dress under $500", size=5)
    assert r.filters["price_max"] == 500.0 and r.total > 0
    assert "constraints_dropped" not in [w["code"] for w in r.warnings]
    plain = engine.search("dress", size=5)
    assert "constraints_dropped" not in [w["code"] for w in plain.warnings]


def test_nothing_is_warned_when_the_search_without_them_is_empty_too(engine: SearchEngine) -> None:
    """The caller's own filters leave nothing either: no hit stands under a chip that is not applied."""
    r = engine.search("dress under $1", size=5, filters={"brands": ["NoSuchBrand"]})
    assert r.total == 0
    assert "constraints_dropped" not in [w["code"] for w in r.warnings]


def test_price_bounds_in_a_currency_no_product_has_are_warned(engine: SearchEngine) -> None:
    """currency=EUR with price_max on a USD/CNY shop answered 0 results and said nothing."""
    assert "EUR" not in engine.catalog.currencies
    r = engine.search("dress", size=5, filters={"currency": "EUR", "price_max": 30.0})
    assert r.total == 0
    got = [w for w in r.warnings if w["code"] == "unknown_currency"]
    assert len(got) == 1 and got[0]["param"] == "currency" and got[0]["value"] == "EUR"
    assert "no product of the catalog is priced in EUR" in got[0]["message"]
    # a currency the shop has, or no bound at all: nothing to say
    usd = engine.search("dress", size=5, filters={"currency": "USD", "price_max": 30.0})
    assert "unknown_currency" not in [w["code"] for w in usd.warnings]
    unbounded = engine.search("dress", size=5, filters={"currency": "EUR"})
    assert "unknown_currency" not in [w["code"] for w in unbounded.warnings]


def test_only_the_constraints_that_must_go_are_left_out(engine: SearchEngine) -> None:
    """ "red desk lamp under $40" with no red desk lamp was searched without all three constraints, so
    lamps over $40 and products of other categories came back; the colour alone is left out now."""
    r = engine.search("red desk lamp under $40", size=20)
    labels = [c["label"] for c in r.understood["constraints"]]
    assert sorted(labels) == ["category: Home > Lighting > Desk Lamps", "colour: red", "under $40"]
    assert r.filters["price_max"] == 40.0 and r.filters["categories"] == ["Home > Lighting > Desk Lamps"]
    assert r.total > 0
    assert all(h.price <= 40 and h.category_path == "Home > Lighting > Desk Lamps" for h in r.hits)
    warned = [w for w in r.warnings if w["code"] == "constraints_dropped"]
    assert [w["value"] for w in warned] == ["colour: red"]
    assert "searched without colour: red" in warned[0]["message"]
    assert any("matched nothing together; searched without colour: red" in n for n in r.notes)
    # the budget goes before the product type: no pink desk lamp under $20, so pink desk lamps
    pink = engine.search("pink desk lamp under $20", size=20)
    assert [w["value"] for w in pink.warnings if w["code"] == "constraints_dropped"] == ["under $20"]
    assert pink.total > 0 and all("Desk Lamps" in h.category_path for h in pink.hits)
    assert pink.filters["price_max"] is None and pink.filters["attribute_any"]


def test_a_constraint_that_leaves_results_is_kept_whole(engine: SearchEngine) -> None:
    """Nothing is left out when the constraints match together (the relaxation never runs)."""
    r = engine.search("desk lamp under $40", size=20)
    assert r.filters["price_max"] == 40.0 and r.total > 0
    assert not [w for w in r.warnings if w["code"] == "constraints_dropped"]
