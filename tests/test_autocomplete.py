"""Type-ahead: prefixes of titles, words, Chinese words, categories and past queries."""

from datetime import UTC, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.search.autocomplete import Autocomplete
from shopmind.text.analysis import _CJK_RUN, _jieba, normalize

PRODUCTS = pl.DataFrame(
    {
        "product_id": ["1", "2", "3", "4", "5"],
        "title": [
            "Cordless Drill Kit",
            "Drill Bits Set",
            "Garden Hose",
            "Velvet 持久粉色哑光口红",
            "Dryer Vent",
        ],
        "category_path": ["Tools > Drills", "Tools > Drills", "Garden > Hoses", "Beauty > Lipsticks", "Home"],
    }
)
EVENTS = pl.DataFrame(
    {
        "type": ["search"] * 6 + ["view"],
        "query": ["drill", "drill", "drill", "dryer", "口红", "  ", "ignored"],
        "timestamp": [datetime(2026, 1, 1, tzinfo=UTC)] * 7,
    }
)


def _ac() -> Autocomplete:
    return Autocomplete.build(PRODUCTS, {"2": 10.0, "1": 1.0}, EVENTS)


def _words_start(text: str, prefix: str) -> bool:
    n = normalize(text)
    if n.startswith(prefix):
        return True
    starts = [i for i in range(1, len(n)) if n[i].isalnum() and not n[i - 1].isalnum()]
    for m in _CJK_RUN.finditer(n):
        off = m.start()
        for w in _jieba().cut(m.group(), HMM=False):
            starts.append(off)
            off += len(w)
    return any(n[i:].startswith(prefix) for i in starts)


def test_suggestions_start_with_the_prefix_at_a_word():
    ac = _ac()
    out = ac.suggest("dri", 10)
    assert out and all(_words_start(s.text, "dri") for s in out)
    texts = [s.text for s in out]
    # log weight + kind bonus + whole-text bonus: the popular product (10 events), the query
    # typed 3 times, the category of 2 products; a word match ("Cordless Drill Kit") comes last
    assert texts[:3] == ["Drill Bits Set", "drill", "Drills"]
    assert [s.kind for s in out[:3]] == ["product", "query", "category"]
    assert texts[-1] == "Cordless Drill Kit"
    assert "Cordless Drill Kit" in texts and "Drill Bits Set" in texts
    assert "Dryer Vent" not in texts


def test_popularity_orders_products():
    out = [s.text for s in _ac().suggest("drill b", 5)]
    assert out == ["Drill Bits Set"]
    prods = [s.text for s in _ac().suggest("d", 10) if s.kind == "product"]
    assert prods.index("Drill Bits Set") < prods.index("Dryer Vent")


def test_categories_and_kinds():
    out = _ac().suggest("ho", 10)
    kinds = {(s.text, s.kind) for s in out}
    assert ("Hoses", "category") in kinds and ("Home", "category") in kinds
    assert ("Garden Hose", "product") in kinds


def test_chinese_prefixes():
    out = _ac().suggest("口红", 5)
    texts = [s.text for s in out]
    assert "口红" in texts and "Velvet 持久粉色哑光口红" in texts
    assert [s.text for s in _ac().suggest("持久", 5)] == ["Velvet 持久粉色哑光口红"]


def test_add_and_remove_products():
    ac = _ac()
    ac.add_products(pl.DataFrame({"product_id": ["9"], "title": ["Zorblax Widget"]}), {})
    assert [s.product_id for s in ac.suggest("zorb", 3)] == ["9"]
    assert [s.text for s in ac.suggest("widg", 3)] == ["Zorblax Widget"]
    ac.add_products(pl.DataFrame({"product_id": ["9"], "title": ["Quux Gadget"]}), {})
    assert ac.suggest("zorb", 3) == [] and ac.suggest("quux", 3)[0].product_id == "9"
    ac.remove_product("9")
    assert ac.suggest("quux", 3) == []
    ac.rebuild()
    assert ac.suggest("quux", 3) == [] and ac.suggest("drill b", 3)[0].text == "Drill Bits Set"


def test_empty_prefix_and_k():
    ac = _ac()
    assert ac.suggest("", 5) == [] and ac.suggest("dri", 0) == []
    assert len(ac.suggest("d", 2)) == 2


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=6))
def test_any_prefix_gives_matching_suggestions(prefix):
    p = normalize(prefix)
    for s in _ac().suggest(prefix, 8):
        assert _words_start(s.text, p)


def test_bulk_build_sorts_once_and_suggests_like_one_by_one_adds(monkeypatch):
    """Loading a big catalog re-sorted every 2,048 titles (quadratic: ~1 min for Home Depot's
    55k); a bulk build sorts once and must suggest exactly what adding one product at a time does."""
    n = 6000
    products = pl.DataFrame(
        {
            "product_id": [str(i) for i in range(n)],
            "title": [f"Widget {i % 97} model {i} cordless drill" for i in range(n)],
            "category_path": ["Tools > Drills" if i % 2 else "Tools > Saws" for i in range(n)],
        }
    )
    pop = {str(i): float(i % 13) for i in range(n)}
    one_by_one = Autocomplete()
    for i in range(0, n, 500):
        one_by_one.add_products(products.slice(i, 500), pop)
    one_by_one.add_query_counts({"cordless drill": 5.0, "widget 3": 2.0})
    one_by_one.rebuild()
    calls = []
    real = Autocomplete.rebuild
    monkeypatch.setattr(Autocomplete, "rebuild", lambda self: (calls.append(1), real(self))[1])
    bulk = Autocomplete.build(products, pop, query_counts={"cordless drill": 5.0, "widget 3": 2.0})
    assert len(calls) == 1
    for prefix in ("widget 3", "cordless", "model 59", "tools", "dri", "saws"):
        assert [(s.text, s.kind, s.product_id) for s in bulk.suggest(prefix, 8)] == [
            (s.text, s.kind, s.product_id) for s in one_by_one.suggest(prefix, 8)
        ]
