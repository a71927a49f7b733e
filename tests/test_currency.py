"""Prices are compared, sorted, faceted and filtered per currency (issue 18, item 3), and
money is shown rounded to its currency's minor unit (item 9)."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopmind.demo import generator as G
from shopmind.search.engine import SearchConfig, SearchEngine, SearchError
from shopmind.search.graph import KnowledgeGraph
from shopmind.search.money import format_money, minor_unit, round_money
from shopmind.search.query import Filters
from shopmind.search.understand import QueryUnderstanding, price_currency, price_label


@pytest.fixture(scope="module")
def shop() -> G.DemoShop:
    return G.generate(seed=7, n_products=400, n_users=150, days=20, defect_rate=0.0)


@pytest.fixture(scope="module")
def engine(shop) -> SearchEngine:
    return SearchEngine.build(shop.batch.products, shop.batch.events, SearchConfig(encoder=None))


def _rows(shop) -> dict[str, dict]:
    return {r["product_id"]: r for r in shop.batch.products.iter_rows(named=True)}


def test_yuan_query_filters_yuan_prices_and_its_chip_says_so(engine, shop):
    r = engine.search("1000元以下的耳机", size=50)
    price = next(c for c in r.understood["constraints"] if c["kind"] == "price")
    assert price["currency"] == "CNY" and price["label"] == "under CN¥1,000"  # grouped, as Intl writes it
    assert r.filters["currency"] == "CNY" and r.filters["price_max"] == 1000
    assert r.total > 0
    assert all(h.currency == "CNY" and h.price <= 1000 for h in r.hits)  # no $99 headphones
    # nothing in yuan that cheap: the chip still says yuan, and the note says it was dropped
    r = engine.search("10元以下的耳机", size=50)
    assert next(c["label"] for c in r.understood["constraints"] if c["kind"] == "price") == "under CN¥10"
    assert r.filters["price_max"] is None and any("matched nothing" in n for n in r.notes)


def test_dollar_query_keeps_dollar_prices(engine):
    r = engine.search("headphones under $150", size=50)
    assert r.total > 0 and all(h.currency == "USD" and h.price <= 150 for h in r.hits)
    label = next(c["label"] for c in r.understood["constraints"] if c["kind"] == "price")
    assert label == "under $150"


def test_price_sort_never_ranks_yuan_against_dollars(engine, shop):
    """'price: high to low' put CN¥949 above dollar prices: now one currency after the other."""
    r = engine.search("headphones", sort="price_desc", size=100)
    curs = [h.currency for h in r.hits]
    assert {"USD", "CNY"} <= set(curs)
    first = curs[0]
    switch = curs.index(next(c for c in curs if c != first))
    assert all(c != first for c in curs[switch:])  # contiguous groups
    for cur in set(curs):
        p = [h.price for h in r.hits if h.currency == cur]
        assert p == sorted(p, reverse=True)
    zh = engine.search("耳机", sort="price_desc", size=100)
    assert zh.hits[0].currency == "CNY"  # a Chinese query sees its own currency first


def test_caller_price_bounds_need_or_get_a_currency(engine):
    r = engine.search("headphones", filters=Filters(price_max=1000, currency="CNY"), size=100)
    assert r.total > 0 and all(h.currency == "CNY" and h.price <= 1000 for h in r.hits)
    r = engine.search("headphones", filters={"price_max": 100}, size=100)  # English query: USD
    assert r.filters["currency"] == "USD" and all(h.currency == "USD" for h in r.hits)
    assert any("read in USD" in n for n in r.notes)
    with pytest.raises(SearchError) as e:
        engine.search("x", filters={"price_max": 1, "currency": "dollars"})
    assert e.value.param == "filters.currency"


def test_price_facets_are_per_currency(engine, shop):
    rows = _rows(shop)
    r = engine.search("耳机", size=5)
    assert r.facets["price"].currency == "CNY" and "price.USD" in r.facets
    ids = []
    page = 1
    while len(ids) < r.total:
        ids += engine.search("耳机", size=100, page=page).ids
        page += 1
    for name in ("price", "price.USD"):
        f = r.facets[name]
        mine = [rows[i]["price"] for i in ids if rows[i]["currency"] == f.currency]
        assert sum(c for *_, c in f.buckets) == len(mine)
        assert sum(c for *_, c in f.buckets) + f.other + f.missing == r.total
        for lo, hi, c in f.buckets:
            assert c == sum(1 for p in mine if (lo is None or p >= lo) and (hi is None or p < hi))


def test_configured_rates_convert_instead(shop):
    cfg = SearchConfig(encoder=None, currency_rates={"USD": 1.0, "CNY": 0.125})
    eng = SearchEngine.build(shop.batch.products, shop.batch.events, cfg)
    r = eng.search("headphones under $100", size=100)
    assert {"USD", "CNY"} <= {h.currency for h in r.hits}
    for h in r.hits:
        assert (h.price * (0.125 if h.currency == "CNY" else 1.0)) <= 100 + 1e-9
    s = eng.search("headphones", sort="price_desc", size=100)
    usd = [h.price * (0.125 if h.currency == "CNY" else 1.0) for h in s.hits]
    assert usd == sorted(usd, reverse=True)
    assert list(k for k in s.facets if k.startswith("price")) == ["price"]
    with pytest.raises(ValueError, match="currency_rates.CNY"):
        SearchConfig(currency_rates={"CNY": -1})


def test_currency_words_are_read():
    cases = {
        "100元以下": "CNY", "¥100以下": "CNY", "under 100 rmb": "CNY", "under $50": "USD",
        "50美元以内": "USD", "under 50 dollars": "USD", "under €40": "EUR", "40欧元以内": "EUR",
        "under £30": "GBP", "under 3000 yen": "JPY", "under 100": None,
    }  # fmt: skip
    for phrase, code in cases.items():
        assert price_currency(phrase) == code, phrase
    assert price_currency("¥3000", ["JPY"]) == "JPY"  # a yen-only shop reads ¥ as yen
    assert price_label(None, 100, "CNY") == "under CN¥100"
    assert price_label(20, 40, "USD") == "$20–$40"
    assert price_label(5000, None, "JPY") == "over ¥5,000"  # Intl en writes JPY as ¥


def test_parser_currency_defaults_to_the_query_languages(shop):
    g = KnowledgeGraph.build(shop.batch.products)
    qu = QueryUnderstanding(g)
    (p,) = [c for c in qu.parse("耳机 低于500").constraints if c.kind == "price"]
    assert p.currency == "CNY" and p.label == "under CN¥500"
    (p,) = [c for c in qu.parse("under 50 €").constraints if c.kind == "price"]
    assert p.currency == "EUR"


@given(
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
    st.sampled_from(["USD", "JPY", "KWD", "CNY", None]),
)
def test_round_money_has_the_minor_unit(v, cur):
    r = round_money(v, cur)
    places = minor_unit(cur)
    assert r is not None and abs(r - v) <= 0.5 * 10**-places + 1e-6 * max(1.0, v)
    assert round(r, places) == r
    assert math.isfinite(r)
    assert format_money(v, cur)


def test_served_prices_are_rounded_to_the_minor_unit():
    products = pl.DataFrame(
        {
            "product_id": ["a", "b", "c"],
            "title": ["white candle holder", "red candle", "candle set"],
            "price": [0.8200000000000001, 1234.4, 2.0000000001],
            "currency": ["GBP", "JPY", "GBP"],
        }
    )
    eng = SearchEngine.build(products, None, SearchConfig(encoder=None, understand=False))
    r = eng.search("candle", size=10, sort="price_asc")
    got = {h.product_id: h.price for h in r.hits}
    assert got == {"a": 0.82, "b": 1234.0, "c": 2.0}
    assert repr(got["a"]) == "0.82"
    for f in (v for k, v in r.facets.items() if k.startswith("price")):
        for lo, hi, _ in f.buckets:
            for e in (lo, hi):
                assert e is None or round(e, minor_unit(f.currency)) == e


def test_the_release_product_snapshot_has_rounded_money(tmp_path):
    """Product pages and recommendation items read the release's products.parquet."""
    from shopmind.release.build import BuildContext
    from shopmind.release.components import build_catalog

    products = pl.DataFrame(
        {
            "product_id": ["a", "b", "c", "d"],
            "price": [0.8200000000000001, 1234.4, 1.23456, None],
            "currency": ["GBP", "JPY", "KWD", "USD"],
        }
    )
    build_catalog(BuildContext(products, pl.DataFrame()), tmp_path)
    got = pl.read_parquet(tmp_path / "products.parquet")["price"].to_list()
    assert got == [0.82, 1234.0, 1.235, None]


def test_a_price_band_is_read_in_the_currency_its_facet_shows(engine):
    """The storefront turns a price band into price_min/price_max: the bounds must be read in
    the currency the bands were drawn in, for a query and for browsing alike."""
    for q in ("", "耳机", "headphones"):
        r = engine.search(q, size=5)
        f = r.facets["price"]
        assert f.buckets, q
        lo, hi, _ = f.buckets[-1] if f.buckets[-1][0] is not None else f.buckets[0]
        bounds = {k: v for k, v in (("price_min", lo), ("price_max", hi)) if v is not None}
        band = engine.search(q, filters=bounds, size=100)
        assert band.total > 0 and band.filters["currency"] == f.currency, q
        for h in band.hits:
            assert (
                h.currency == f.currency and (lo is None or h.price >= lo) and (hi is None or h.price <= hi)
            ), q
