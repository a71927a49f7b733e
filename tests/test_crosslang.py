"""Cross-language search (issue 18 item 8): a Chinese query finds English products and back,
measured on the demo shop's bilingual judgments and reported by ``evaluate search``."""

from __future__ import annotations

import polars as pl
import pytest

from shopmind.demo import generator as G
from shopmind.search.crosslang import EngineMethod, language_split, product_languages, text_language
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.evaluate import OursBM25, evaluate, prepare, render_html


@pytest.fixture(scope="module")
def shop() -> G.DemoShop:
    return G.generate(seed=42, n_products=1500, n_users=200, days=10, defect_rate=0.0)


@pytest.fixture(scope="module")
def engine(shop) -> SearchEngine:
    return SearchEngine.build(shop.batch.products, None, SearchConfig(encoder=None))


def test_a_chinese_query_finds_english_products_and_back(engine, shop):
    lang = product_languages(shop.batch.products)  # a listing's language (titles mix brands)
    zh = engine.search("红色连衣裙", size=100)
    en_hits = [h for h in zh.hits if lang[h.product_id] == "en"]
    assert len(en_hits) >= 5 and all("red" in h.title.lower() and "dress" in h.title.lower() for h in en_hits)
    en = engine.search("red dress", size=100)
    zh_hits = [h for h in en.hits if lang[h.product_id] == "zh"]
    assert len(zh_hits) >= 5 and all("红色" in h.title and "连衣裙" in h.title for h in zh_hits)
    # the colour filter accepts the value in either language (one group, not two ANDed keys)
    (group,) = en.filters["attribute_any"]
    assert group.get("colour") == ["red"] and group.get("颜色") == ["红色"]
    assert en.understood["alternatives"]["red"] == ["红色"]
    # highlights mark the translated words in the other language's titles
    assert all("<mark>" in h.highlights["title"] for h in zh.hits[:20])


def test_cross_language_ndcg_is_close_to_same_language(shop):
    data = prepare(shop.batch.products, shop.batch.judgments, "demo")
    langs = product_languages(shop.batch.products)
    queries = sorted(data.qrels)
    assert {text_language(q) for q in queries} == {"en", "zh"}
    out = {}
    for m in (OursBM25(), EngineMethod()):
        m.fit(data.products)
        out[m.name] = language_split(m, data.qrels, langs, queries, data.min_grade)
    eng, bm25 = out["engine"], out["ours-bm25"]
    assert eng["queries"]["cross"] == eng["queries"]["same"] == len(queries)
    # plain BM25 cannot cross from Chinese queries to English listings; the engine does
    assert bm25["cross.zh_ndcg@10"] < 0.1 < 0.2 < eng["cross.zh_ndcg@10"]
    assert eng["cross_language_ndcg@10"] > bm25["cross_language_ndcg@10"] + 0.05
    assert eng["cross_over_same"] >= 0.75  # measured 0.786 on this shop (goal 0.8, see BENCHMARKS)


def test_evaluate_reports_the_language_split(shop, tmp_path):
    products = shop.batch.products.head(300)
    judged = shop.batch.judgments.filter(pl.col("product_id").is_in(products["product_id"].to_list()))
    data = prepare(products, judged, "demo")
    summary = evaluate(data, [OursBM25()], views=("rerank",), progress=False)
    split = summary["methods"]["ours-bm25"]["languages"]
    assert set(split) >= {"same_language_ndcg@10", "cross_language_ndcg@10", "cross_over_same"}
    assert "Across languages" in render_html(summary)
    mono = prepare(products.filter(pl.col("language") == "en"), judged, "demo")
    assert (
        "languages"
        not in evaluate(mono, [OursBM25()], views=("rerank",), progress=False)["methods"]["ours-bm25"]
    )
