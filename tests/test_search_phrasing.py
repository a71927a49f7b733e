"""First-hour searches a shopper would call wrong (session 31, t1s), on the seed-42 demo shop (`shopmind demo --products 300`).

1. A shopper's phrasing counted in min-match: "I'm looking for a red dress" was matched as "i m look red dress",
   4 of 5 terms were asked for and 8 of the shop's 17 red dresses came back (search/phrasing.py).
2. "blue sofa" on a shop with no sofa answered blue things under "38 results" and said nothing; the response now
   names the word no product matches (warning ``words_unmatched``), which the storefront shows.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shopmind.search.phrasing as phrasing
from shopmind.demo import generator as G
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.engine_relax import unmatched_words
from shopmind.search.understand import _asking


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    shop = G.generate(seed=42, n_products=300, n_users=150, days=20, defect_rate=0.0)
    return SearchEngine.build(shop.batch.products, shop.batch.events, SearchConfig(encoder=None))


def _ids(engine: SearchEngine, q: str) -> set[str]:
    return {h.product_id for h in engine.search(q, size=100).hits}


def _unmatched(r) -> list[str]:  # type: ignore[no-untyped-def]
    return [w["value"] for w in r.warnings if w["code"] == "words_unmatched"]


@pytest.mark.parametrize(
    ("asked", "plain", "text"),
    [
        ("I'm looking for a red dress", "red dress", "red dress"),
        ("do you have red dresses?", "red dresses", "red dresses?"),
        ("Hi, can you please show me some red dresses", "red dresses", "red dresses"),
        ("我想买红色连衣裙", "红色连衣裙", "红色连衣裙"),
        ("请问有没有红色连衣裙吗", "红色连衣裙", "红色连衣裙"),
        ("给我推荐一款红色连衣裙", "红色连衣裙", "红色连衣裙"),
    ],
)
def test_the_phrasing_neither_counts_nor_drags(
    engine: SearchEngine, asked: str, plain: str, text: str
) -> None:
    r = engine.search(asked, size=100)
    assert r.understood["text"] == text  # the storefront shows "Understood as “red dress”"
    assert r.understood["query"] == asked and r.corrections == {}
    assert {h.product_id for h in r.hits} == _ids(engine, plain)  # every red dress, not 8 of the 17
    assert r.total == 17


def test_before_the_phrasing_cost_half_the_red_dresses(engine: SearchEngine, monkeypatch) -> None:
    monkeypatch.setattr(phrasing, "PHRASING", False)  # the earlier behaviour
    r = engine.search("I'm looking for a red dress", size=100)
    assert r.understood["text"] == "I'm looking for a red dress"
    assert r.total == 8 < len(_ids(engine, "red dress")) == 17


@pytest.mark.parametrize("q", ["show me", "有没有", "do you have", "请问"])
def test_a_query_of_phrasing_alone_is_searched_as_typed(engine: SearchEngine, monkeypatch, q: str) -> None:
    """Nothing is left out when nothing else would be searched: the answer is what it was."""
    r = engine.search(q, size=20)
    assert r.understood["text"] == q
    monkeypatch.setattr(phrasing, "PHRASING", False)
    assert [h.product_id for h in engine.search(q, size=20).hits] == [h.product_id for h in r.hits]


def test_phrasing_with_a_price_browses_the_price(engine: SearchEngine) -> None:
    r = engine.search("show me something under $50", size=100)
    assert r.understood["text"] == "" and r.filters["price_max"] == 50.0
    assert r.total > 0 and all(h.price is not None and h.price <= 50 for h in r.hits)


@pytest.mark.parametrize(
    "q",
    [
        "hello kitty backpack",
        "please flush sign",
        "show",
        "2000以内的智能手机推荐",
        "什么手机好",
        "我想要点读笔",
        "lamp for reading",
    ],
)
def test_words_a_product_could_be_named_by_stay(q: str) -> None:
    taken = "".join(q[a:b] for a, b in _asking(q, [], False))
    assert taken in ("", "我想要")  # "点读笔" (a reading pen) is not cut into "读笔"


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("I'm lookingfordyuhave 我想买有没红色连衣裙请问吗?,$50 under")),
        max_size=40,
    )
)
def test_asking_spans_are_ordered_and_leave_something(q: str) -> None:
    spans = _asking(q, [], False)
    assert all(0 <= a < b <= len(q) for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))
    if spans:  # something searchable is left outside them
        rest = list(q)
        for a, b in spans:
            rest[a:b] = [" "] * (b - a)
        assert any(ch.isalnum() for ch in "".join(rest))


def test_a_word_no_product_has_is_named(engine: SearchEngine) -> None:
    """ "blue sofa" on a shop with no sofa: blue things, as engines relax an unmatched word (Meilisearch's "last",
    Algolia's removeWordsIfNoResults), and the response says "sofa" matched nothing."""
    for q, word in (("blue sofa", "sofa"), ("蓝色沙发", "沙发"), ("I'm looking for a blue sofa", "sofa")):
        r = engine.search(q, size=20)
        assert r.total > 0 and _unmatched(r) == [word], q
        w = next(w for w in r.warnings if w["code"] == "words_unmatched")
        assert w["param"] == "q" and f"'{word}'" in w["message"]
    for q in ("red dress", "红色连衣裙", "有没有红色的连衣裙", "dress", "zzzzqqq", "sofa"):
        assert _unmatched(engine.search(q, size=20)) == [], q  # all matched, or nothing at all


def test_unmatched_words_rule() -> None:
    live = {"blue", "沙发", "red"}.__contains__
    assert unmatched_words([("Blue", "blue"), ("sofas", "sofa")], ["blue", "sofa"], live) == ["sofas"]
    assert unmatched_words([("qqq", "qqq")], ["qqq"], live) == []  # nothing matched: no "other words"
    pairs = [("真皮", "真皮"), ("皮靴", "皮靴"), ("靴子", "靴子"), ("码", "码")]  # jieba's overlapping cuts
    assert unmatched_words(pairs, [t for t, _ in pairs], {"真皮", "靴子"}.__contains__) == ["码"]
    pairs = [("电水", "电水"), ("水壶", "水壶"), ("电水壶", "电水壶")]
    assert unmatched_words(pairs, [t for t, _ in pairs], {"水壶"}.__contains__) == []
