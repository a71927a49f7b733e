"""SearchEngine on the bilingual demo shop: result sets, facets, filters, sorts, pages,
incremental updates, persistence, parameter errors and arbitrary queries (the dense path:
test_engine_dense.py)."""

import math
from collections import Counter

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopmind.demo import generator as G
from shopmind.search.catalog import fold
from shopmind.search.engine import SearchConfig, SearchEngine, SearchError
from shopmind.search.query import Constraint, Filters, Understood

CFG = SearchConfig(encoder=None, understand=False)


@pytest.fixture(scope="module")
def shop() -> G.DemoShop:
    return G.generate(seed=7, n_products=400, n_users=150, days=20, defect_rate=0.0)


@pytest.fixture(scope="module")
def products(shop) -> pl.DataFrame:
    return shop.batch.products


@pytest.fixture(scope="module")
def engine(shop) -> SearchEngine:
    return SearchEngine.build(shop.batch.products, shop.batch.events, CFG)


def all_ids(eng: SearchEngine, query: str, **kw) -> list[str]:
    """Every product of the result set, page by page."""
    out: list[str] = []
    page = 1
    while True:
        r = eng.search(query, page=page, size=100, **kw)
        out += r.ids
        if len(out) >= r.total or not r.hits:
            return out
        page += 1


def by_id(products: pl.DataFrame) -> dict[str, dict]:
    return {r["product_id"]: r for r in products.iter_rows(named=True)}


CASES = [
    ("jacket", None),
    ("black", Filters(price_max=200)),
    ("dress", Filters(categories=("Women",))),
    ("", Filters(brands=("Northwind", "Aurora"))),
    ("", Filters(attributes=(("colour", ("red", "blue")),))),
    ("shoes", Filters(in_stock=True)),
    ("口红", None),
    ("", None),
]


@pytest.mark.parametrize("query,filters", CASES)
def test_facets_equal_counts_from_the_full_result_set(engine, products, query, filters):
    r = engine.search(query, filters=filters, size=5, facets=("brand", "category", "price", "colour"))
    ids = all_ids(engine, query, filters=filters)
    assert len(ids) == len(set(ids)) == r.total
    rows = by_id(products)
    hits = [rows[i] for i in ids]
    brands = Counter(h["brand"] for h in hits if h["brand"])
    assert r.facets["brand"].counts() == dict(brands) or r.facets["brand"].other > 0
    assert sum(r.facets["brand"].counts().values()) + r.facets["brand"].other == sum(brands.values())
    assert r.facets["brand"].missing == sum(1 for h in hits if not h["brand"])
    for lv in range(3):
        expect = Counter(
            " > ".join(h["category_path"].split(" > ")[: lv + 1]) for h in hits if h["category_path"]
        )
        f = r.facets[f"category.lvl{lv}"]
        got = f.counts()
        assert all(expect[k] == v for k, v in got.items())
        assert sum(got.values()) + f.other == sum(expect.values())
    # one price facet per currency (never mixed): each counts only its own currency's products
    prices = {k: f for k, f in r.facets.items() if k == "price" or k.startswith("price.")}
    priced = Counter(h["currency"] for h in hits if h["price"] is not None)
    assert {f.currency for f in prices.values()} == set(priced) or not priced
    for f in prices.values():
        mine = [h for h in hits if h["price"] is not None and h["currency"] == f.currency]
        for lo, hi, c in f.buckets:
            assert c == sum(1 for h in mine if (lo is None or h["price"] >= lo) and (hi is None or h["price"] < hi))  # fmt: skip
        assert sum(c for *_, c in f.buckets) + f.other + f.missing == r.total
        assert sum(c for *_, c in f.buckets) == len(mine)
    colours = Counter(a["value"] for h in hits for a in (h["attributes"] or []) if a["key"] == "colour")
    assert r.facets["attr.colour"].counts() == {k: colours[k] for k in r.facets["attr.colour"].counts()}


def test_browse_with_filters_is_exactly_the_filtered_catalog(engine, products):
    f = Filters(categories=("women > dresses",), price_min=20, price_max=80, in_stock=True)
    ids = set(all_ids(engine, "", filters=f))
    expect = {
        r["product_id"]
        for r in products.iter_rows(named=True)
        if r["category_path"].lower().startswith("women > dresses")
        and r["price"] is not None
        and 20 <= r["price"] <= 80
        and (r["stock"] is None or r["stock"] > 0)
    }
    assert ids == expect and expect


def test_price_filter_respected_on_a_query(engine):
    r = engine.search("dress", filters=Filters(price_min=30, price_max=60), size=100)
    assert r.total > 0 and all(30 <= h.price <= 60 for h in r.hits)
    wide = engine.search("dress", size=100)
    assert r.total < wide.total


@pytest.mark.parametrize("sort", ["price_asc", "price_desc", "newest", "popularity"])
def test_sort_orders(engine, products, sort):
    ids = all_ids(engine, "", sort=sort)
    rows = by_id(products)
    if sort.startswith("price"):
        prices = [rows[i]["price"] for i in ids]
        known = [p for p in prices if p is not None]
        assert prices[: len(known)] == known  # unknown prices last
        # never across currencies: one contiguous run per currency, commonest first, each sorted
        curs = [rows[i]["currency"] for i in ids[: len(known)]]
        runs = [c for j, c in enumerate(curs) if j == 0 or curs[j - 1] != c]
        assert len(runs) == len(set(curs)) >= 2 and runs[0] == Counter(curs).most_common(1)[0][0]
        for cur in runs:
            mine = [p for p, c in zip(known, curs, strict=True) if c == cur]
            assert mine == sorted(mine, reverse=sort == "price_desc")
    elif sort == "newest":
        ts = [rows[i]["created_at"] for i in ids]
        assert ts == sorted(ts, reverse=True)
    else:
        pops = [engine.catalog.popularity[engine.catalog.pos[i]] for i in ids]
        assert pops == sorted(pops, reverse=True) and pops[0] > 0


def test_relevance_scores_descend(engine):
    r = engine.search("black leather", size=50)
    scores = [h.score for h in r.hits]
    assert scores == sorted(scores, reverse=True) and r.total > 0


@pytest.mark.parametrize("sort", ["relevance", "price_asc", "popularity"])
def test_pagination_covers_the_set_without_duplicates(engine, sort):
    whole = all_ids(engine, "women", sort=sort)  # pages of 100
    assert len(whole) > 100
    paged: list[str] = []
    for page in range(1, math.ceil(len(whole) / 7) + 1):
        paged += engine.search("women", sort=sort, page=page, size=7).ids
    with pytest.raises(SearchError, match="page_out_of_range|past the last page"):
        engine.search("women", sort=sort, page=math.ceil(len(whole) / 7) + 1, size=7)
    assert paged == whole and len(set(paged)) == len(paged)


def test_chinese_query_returns_chinese_products(engine):
    r = engine.search("连衣裙", size=20)
    assert r.total > 0
    assert all("连衣裙" in h.title for h in r.hits)
    assert all("<mark>连衣裙</mark>" in h.highlights["title"] for h in r.hits)


def test_highlight_marks_query_and_corrected_words(engine):
    r = engine.search("leathr jackets", size=5)
    assert r.corrections.get("leathr") == "leather"
    for h in r.hits:
        assert "<mark>" in h.highlights["title"]
        marked = [m.lower() for m in __import__("re").findall(r"<mark>(.*?)</mark>", h.highlights["title"])]
        assert set(marked) <= {"leather", "jacket", "jackets"}


def test_upsert_and_delete_are_immediate(shop):
    eng = SearchEngine.build(shop.batch.products, shop.batch.events, CFG)
    before = eng.search("", size=0).total
    new = pl.DataFrame(
        {
            "product_id": ["NEW1"],
            "title": ["Zorblax quantum widget"],
            "brand": ["Zorblax"],
            "category_path": ["Gadgets > Widgets"],
            "price": [12.5],
        }
    )
    assert eng.upsert(new) == 1
    r = eng.search("zorblax", size=5)
    assert r.ids == ["NEW1"] and r.facets["brand"].counts() == {"Zorblax": 1}
    assert eng.search("", size=0).total == before + 1
    assert eng.search("", filters=Filters(categories=("Gadgets",)), size=5).ids == ["NEW1"]
    assert eng.autocomplete("zorb")[0].product_id == "NEW1"
    # change the title: the old word no longer finds it, the new one does
    eng.upsert(new.with_columns(pl.lit("Frobnicator deluxe").alias("title")))
    assert eng.search("zorblax quantum", size=5).ids == [] or "NEW1" not in eng.search("quantum").ids
    assert eng.search("frobnicator").ids == ["NEW1"]
    assert eng.search("", size=0).total == before + 1
    # delete: gone from results, facets, totals and type-ahead
    assert eng.delete(["NEW1", "nope"]) == 1
    assert eng.search("frobnicator").total == 0
    assert "Zorblax" not in eng.search("", size=0).facets["brand"].counts()
    assert eng.search("", size=0).total == before
    assert eng.autocomplete("frobn") == []


def test_save_load_round_trip(engine, tmp_path):
    engine.save(tmp_path / "e")
    loaded = SearchEngine.load(tmp_path / "e")
    for q, f in [("jacket", None), ("口红", None), ("", Filters(price_max=50)), ("runing shoes", None)]:
        a, b = engine.search(q, filters=f, size=20), loaded.search(q, filters=f, size=20)
        assert a.ids == b.ids and a.total == b.total
        assert [h.score for h in a.hits] == [h.score for h in b.hits]
        assert {k: v.as_dict() for k, v in a.facets.items()} == {k: v.as_dict() for k, v in b.facets.items()}
    assert [s.text for s in engine.autocomplete("ja")] == [s.text for s in loaded.autocomplete("ja")]


@pytest.mark.parametrize(
    "kwargs,param",
    [
        ({"sort": "cheapest"}, "sort"),
        ({"page": 0}, "page"),
        ({"page": "2"}, "page"),
        ({"size": 101}, "size"),
        ({"size": -1}, "size"),
        ({"filters": Filters(price_min=50, price_max=10)}, "filters.price_min"),
        ({"filters": Filters(price_max=float("nan"))}, "filters.price_max"),
        ({"filters": {"colour": "red"}}, "filters.colour"),
        ({"filters": Filters(brands="Acme")}, "filters.brands"),
        ({"facets": "brand"}, "facets"),
        ({"query": 42}, "query"),
    ],
)
def test_bad_parameters_raise_search_error(engine, kwargs, param):
    kwargs.setdefault("query", "jacket")
    with pytest.raises(SearchError) as err:
        engine.search(**kwargs)
    assert err.value.param == param and param.split(".")[-1] in str(err.value)
    assert isinstance(err.value, ValueError) and err.value.code.startswith("invalid_")


def test_a_page_past_the_window_of_a_short_list_names_the_last_page(engine, products):
    """?page=999 kept from a longer list: 'past the last page (N)' (the storefront then shows
    page 1), not 'page * size may not exceed 10000' (t1hz: an untranslated error on the page).
    The window still bounds deep paging in a result set larger than it."""
    with pytest.raises(SearchError) as err:
        engine.search("jacket", page=10_000, size=100)
    assert err.value.code == "page_out_of_range" and "past the last page" in str(err.value)
    small = SearchEngine.build(products, None, SearchConfig(encoder=None, understand=False, max_window=40))
    with pytest.raises(SearchError) as err:
        small.search("", page=3, size=20)  # the whole catalog: 400 products, 60 > 40
    assert err.value.code == "invalid_page" and err.value.param == "page" and "40" in str(err.value)
    assert len(small.search("", page=2, size=20).hits) == 20


def test_odd_queries_get_a_response_with_notes(engine):
    long = "drill " * 2000
    r = engine.search(long)
    assert any("truncated" in n for n in r.notes) and len(r.query) <= 256
    r = engine.search("a " * 100)
    assert any("32" in n for n in r.notes)
    r = engine.search("?!.,;")
    assert r.total == 0 and r.notes
    r = engine.search("\ud800\x00jacket\x07")
    assert r.query == "jacket" and r.total > 0 and any("removed" in n for n in r.notes)
    r = engine.search("")
    assert r.total == len(engine) and any("empty query" in n for n in r.notes)


def _consistent(r) -> None:
    for name in ("brand", "category.lvl0"):
        f = r.facets.get(name)
        if f is not None:
            assert sum(f.counts().values()) + f.other + f.missing == r.total
    for name, f in r.facets.items():
        if name == "price" or name.startswith("price."):
            assert sum(c for *_, c in f.buckets) + f.other + f.missing == r.total
    assert len(r.hits) == min(r.total, r.size)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_gives_a_consistent_response(engine, query):
    r = engine.search(query, size=10)
    _consistent(r)


class FakeParser:
    """Reads "under N" as a price constraint and leaves the rest as text."""

    def parse(self, query: str) -> Understood:
        words = query.split()
        if "under" in words and words.index("under") + 1 < len(words):
            i = words.index("under")
            try:
                n = float(words[i + 1])
            except ValueError:
                return Understood(query, query, "en")
            c = Constraint("price", "price", f"-{n:g}", (0, 0), "pattern", None, n)
            return Understood(query, " ".join(words[:i] + words[i + 2 :]), "en", (c,), expansions=("coat",))
        return Understood(query, query, "en")


def test_understood_constraints_apply_and_fall_back(shop):
    eng = SearchEngine.build(shop.batch.products, shop.batch.events, CFG, parser=FakeParser())
    r = eng.search("jacket under 100", size=50)
    assert r.total > 0 and all(h.price <= 100 for h in r.hits)
    assert r.filters["price_max"] == 100 and r.understood["text"] == "jacket"
    raw = eng.search("jacket under 100", size=50, apply_understood=False)
    assert raw.filters["price_max"] is None
    r = eng.search("jacket under 0.01", size=5)
    assert r.total > 0 and any("matched nothing" in n for n in r.notes)


class BrokenParser:
    def parse(self, query: str) -> Understood:
        raise RuntimeError("boom")


def test_broken_parser_degrades_to_plain_query(shop):
    eng = SearchEngine.build(shop.batch.products, shop.batch.events, CFG, parser=BrokenParser())
    r = eng.search("jacket")
    assert r.total > 0 and any("failed" in n for n in r.notes)


class PriceReranker:
    """Re-orders the head cheapest first; checks the feature context is aligned."""

    def __init__(self) -> None:
        self.calls = 0

    def rerank(self, query, understood, candidate_ids, feature_context):
        self.calls += 1
        assert len(feature_context["lexical"]) == len(candidate_ids) == len(feature_context["price"])
        return [-(p if p == p else 1e9) for p in feature_context["price"]]


def test_reranker_hook_orders_the_head(shop):
    rr = PriceReranker()
    eng = SearchEngine.build(shop.batch.products, shop.batch.events, CFG, reranker=rr)
    r = eng.search("dress", size=10)
    prices = [h.price for h in r.hits]
    assert rr.calls == 1 and prices == sorted(prices)
    base = SearchEngine.build(shop.batch.products, shop.batch.events, CFG).search("dress", size=100)
    assert r.total == base.total
    eng.search("dress", sort="price_desc")
    assert rr.calls == 1  # only relevance is reranked


def test_brand_filter_is_case_insensitive(engine, products):
    brand = products["brand"].drop_nulls()[0]
    a = engine.search("", filters=Filters(brands=(brand.upper(),)), size=0).total
    expect = sum(1 for b in products["brand"].to_list() if b and fold(b) == fold(brand))
    assert a == expect > 0


def test_default_query_understanding_is_wired_and_never_raises(shop):
    pytest.importorskip("shopmind.search.understand")
    eng = SearchEngine.build(shop.batch.products, shop.batch.events, SearchConfig(encoder=None))
    if eng.parser is None:
        pytest.skip(f"query understanding did not build: {eng.notes}")
    r = eng.search("jacket under 100", size=50)
    assert r.total > 0 and all(h.price <= 100 for h in r.hits)
    assert any(c["kind"] == "price" for c in r.understood["constraints"])
    for q in ["", "under", "$$$ 100-", "红色 dress under 50 yuan", "\x00" * 5, "a" * 5000, "🙂 " * 40]:
        _consistent(eng.search(q, size=5))


def test_a_page_past_the_last_is_a_clear_error_never_an_empty_page(engine):
    """Page 2 of a 17-result search said "17 results" then "No products match"."""
    r = engine.search("red dress", size=20)
    last = -(-r.total // 20)
    assert r.total > 0 and engine.search("red dress", size=20, page=last).hits
    with pytest.raises(SearchError) as e:
        engine.search("red dress", size=20, page=last + 1)
    assert e.value.code == "page_out_of_range" and e.value.param == "page"
    assert f"last page ({last})" in e.value.message and str(r.total) in e.value.message
    # an empty result set still answers page 1 (one empty page), and only page 1
    none = engine.search("zzzqqq xxyyzz", size=20)
    assert none.total == 0 and none.hits == []
    with pytest.raises(SearchError):
        engine.search("zzzqqq xxyyzz", size=20, page=2)


def test_expansions_no_product_contains_are_neither_searched_nor_offered():
    """A built-in synonym's translation ("blue" -> "蓝色") on a shop with no Chinese titles
    matched nothing, yet came back as expansions (the storefront's chips) on every English query."""
    n = 40
    colours = ["Blue", "Red", "White", "Black"] * 10
    products = pl.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(n)],
            "title": [f"{c} cotton shirt {i}" for i, c in zip(range(n), colours, strict=True)],
            "category_path": ["Men > Shirts"] * n,
            "price": [10.0 + i for i in range(n)],
            "currency": ["USD"] * n,
        }
    )
    english = SearchEngine.build(products, None, SearchConfig(encoder=None, ltr="off"))
    r = english.search("blue shirt", size=5, facets=())
    assert r.understood["expansions"] == [] and r.understood["alternatives"] == {}
    assert r.ids == ["P0", "P4", "P8", "P12", "P16"]
    # with Chinese titles in the catalog the same translations are kept (they find products)
    both = products.with_columns(
        pl.when(pl.col("product_id") == "P39")
        .then(pl.lit("蓝色 衬衫"))
        .otherwise(pl.col("title"))
        .alias("title")
    )
    bilingual = SearchEngine.build(both, None, SearchConfig(encoder=None, ltr="off"))
    u = bilingual.search("blue shirt", size=5, facets=()).understood
    assert "蓝色" in u["expansions"] and u["alternatives"]["blue"] == ["蓝色"]
