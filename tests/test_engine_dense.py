"""SearchEngine's dense path on the bilingual demo shop (a trigram stand-in encoder): dense
candidates under filters and facets, the HNSW graph against the exact path, past queries' vectors
shipped with the engine, and results from meaning alone said in warnings. Split from
test_engine.py, whose demo shop fixtures and helpers these tests use."""

from collections import Counter

import numpy as np
import polars as pl

from encoder_util import TrigramEncoder
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.query import Filters
from test_engine import CFG, _consistent, all_ids, by_id, products, shop  # noqa: F401 - fixtures: the demo shop, built once per module


def test_dense_candidates_respect_filters_and_facets(shop, products, tmp_path):  # noqa: F811
    cfg = SearchConfig(encoder=None, understand=False, dense_floor=0.3, dense_depth=30)
    eng = SearchEngine.build(products, shop.batch.events, cfg, cache_dir=tmp_path, encoder=TrigramEncoder())
    lex_only = SearchEngine.build(products, shop.batch.events, CFG)
    f = Filters(price_max=100)
    r = eng.search("jakcet lether", filters=f, size=100)
    assert r.total >= lex_only.search("jakcet lether", filters=f, size=100).total
    assert all(h.price <= 100 for h in r.hits)
    _consistent(r)
    ids = all_ids(eng, "jakcet lether", filters=f)
    assert len(ids) == len(set(ids)) == r.total
    brands = Counter(by_id(products)[i]["brand"] for i in ids)
    assert r.facets["brand"].counts() == {k: brands[k] for k in r.facets["brand"].counts()}
    # upsert encodes only the new text
    before = eng.cache.stats["encoded"]
    eng.upsert(pl.DataFrame({"product_id": ["NEWD"], "title": ["Zorblax lantern"]}))
    assert eng.cache.stats["encoded"] == before + 1
    assert eng.search("zorblax lantern").ids[0] == "NEWD"


def test_hnsw_dense_path_agrees_with_exact_and_sees_new_products(shop, products, tmp_path):  # noqa: F811
    """Above ``ann_threshold`` dense candidates come from the graph: same result sets as the
    exact path on this small catalog (the graph is near-exact here), filters respected, and a
    product upserted after the graph was built is still found (scored exactly beside it)."""
    base = dict(encoder=None, understand=False, dense_floor=0.3, dense_depth=30)
    exact = SearchEngine.build(
        products, None, SearchConfig(**base, ann_threshold=None), encoder=TrigramEncoder()
    )
    approx = SearchEngine.build(
        products, None, SearchConfig(**base, ann_threshold=100), encoder=TrigramEncoder()
    )
    assert approx._ann is not None and approx._ann.approximate and exact._ann is None
    same = 0
    queries = ["red dress", "lether jacket", "running shoes", "连衣裙", "cotton shirt", "bag"]
    for q in queries:
        a, b = exact.search(q, size=10), approx.search(q, size=10)
        same += a.ids == b.ids
        assert a.total == b.total
    assert same >= len(queries) - 1
    f = Filters(price_max=100)
    assert all(h.price <= 100 for h in approx.search("jacket", filters=f, size=50).hits)
    approx.upsert(pl.DataFrame({"product_id": ["NEWH"], "title": ["Zorblax lantern"]}))
    assert approx.search("zorblax lanternn").ids[0] == "NEWH"
    # the graph is saved with the engine and restored on load
    approx.save(tmp_path / "eng")
    assert (tmp_path / "eng" / "hnsw.usearch").exists() is False  # stale after the upsert: not saved
    approx.compact()
    approx.save(tmp_path / "eng2")
    assert (tmp_path / "eng2" / "hnsw.usearch").exists()
    loaded = SearchEngine.load(tmp_path / "eng2", encoder=TrigramEncoder())
    assert loaded._ann is not None and loaded._ann.ann_info.get("restored") is True
    assert loaded.search("red dress", size=10).ids == approx.search("red dress", size=10).ids


def test_past_queries_are_encoded_at_build_and_shipped(shop, products, tmp_path):  # noqa: F811
    cfg = SearchConfig(encoder=None, understand=False, warm_query_vectors=50)
    eng = SearchEngine.build(products, shop.batch.events, cfg, cache_dir=tmp_path, encoder=TrigramEncoder())
    past = eng.autocompleter.queries()
    assert past and 0 < len(eng._qvecs) <= 50
    top = max(past, key=past.get)
    assert top.strip() in eng._qvecs or top in eng._qvecs
    eng.save(tmp_path / "e")
    loaded = SearchEngine.load(tmp_path / "e", encoder=TrigramEncoder())
    assert set(loaded._qvecs) == set(eng._qvecs)
    k = next(iter(eng._qvecs))
    assert np.array_equal(loaded._qvecs[k], eng._qvecs[k])


def test_results_from_meaning_alone_are_said_in_warnings(shop, products, tmp_path):  # noqa: F811
    """A query no product contains a word of (a string of letters no catalog holds) still has dense
    neighbours: the response keeps them and says in ``warnings`` that they come from meaning alone;
    a query whose words match keeps no such warning, and without vectors nothing is claimed."""
    cfg = SearchConfig(encoder=None, understand=False, dense_floor=0.0, dense_depth=30)
    eng = SearchEngine.build(products, shop.batch.events, cfg, cache_dir=tmp_path, encoder=TrigramEncoder())
    r = eng.search("qxzzv wqkkj", size=10)
    assert r.total > 0
    codes = [w["code"] for w in r.warnings]
    assert codes == ["meaning_only"]
    assert r.warnings[0]["param"] == "q" and r.warnings[0]["value"] == "qxzzv wqkkj"
    # no note contradicts it: "showing products matching 1" above results that match no word (t1hz)
    assert not any("showing products matching" in n for n in r.notes), r.notes
    word = products["title"].drop_nulls()[0].split()[0]
    m = eng.search(word, size=10)
    assert m.total > 0 and "meaning_only" not in [w["code"] for w in m.warnings]
    lex_only = SearchEngine.build(products, shop.batch.events, CFG)
    assert lex_only.search("qxzzv wqkkj", size=10).warnings == []
