"""A "did you mean" only when it finds what the query meant (session 32, t1f; closing31's first-hour list).

"sofa" alone on the demo shop answered 0 results with "did you mean “soft”?". The speller leaves a real word alone in
the search ("sofa" is a sofa, never "soft"), and at zero results the old ``_suggest`` offered exactly the respelling it
had refused: "couch" -> "touch", "books" -> "boots", "beer" -> "bear" on the seed-42 demo shop. A respelling of a real
word is now offered only when the query's meaning was read and the respelled query's top 10 holds a product at least
the dense floor similar to the query (the engine's own "a product this query means")."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.demo import generator as G
from shopmind.search.engine import SearchConfig, SearchEngine


@pytest.fixture(scope="module")
def shop():
    return G.generate(seed=42, n_products=300, n_users=150, days=20, defect_rate=0.0)


@pytest.fixture(scope="module")
def lexical(shop) -> SearchEngine:
    return SearchEngine.build(shop.batch.products, shop.batch.events, SearchConfig(encoder=None))


@pytest.mark.parametrize(
    ("query", "old"), [("sofa", "soft"), ("couch", "touch"), ("books", "boots"), ("beer", "bear")]
)
def test_a_real_word_is_not_respelled_into_another_query(lexical: SearchEngine, query: str, old: str) -> None:
    r = lexical.search(query, size=10)
    assert r.total == 0
    assert lexical._respelled(query, r.corrections) == [old]  # what was offered before
    assert r.suggestions == [] and not any("did you mean" in n for n in r.notes)


class _Meaning:
    """A stand-in encoder: the query's vector is the mean of the given products' vectors (what the
    query "means"; another query: the first product's), so the test decides which products are near it."""

    def __init__(self, engine: SearchEngine, meaning: dict[str, list[str]]) -> None:
        self.engine, self.meaning = engine, meaning

    def vector(self, query: str) -> np.ndarray:
        rows = [self.engine.catalog.pos[p] for p in self.meaning.get(query, [])] or [0]
        v = self.engine.vectors[rows].mean(axis=0)
        return v / np.linalg.norm(v)


def test_offered_when_the_respelling_finds_products_near_the_querys_meaning(shop) -> None:
    eng = SearchEngine.build(shop.batch.products, shop.batch.events, SearchConfig(encoder=None))
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(len(eng.catalog), 16)).astype(np.float32)
    eng.vectors = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    boots = [h.product_id for h in eng.search("boots", size=10, facets=()).hits]
    soft = [h.product_id for h in eng.search("soft", size=10, facets=()).hits]
    assert boots and soft
    meaning = _Meaning(eng, {"books": boots[:1], "sofa": [p for p in eng.catalog.pos if p not in soft][:1]})
    asked = []

    def read(text: str, wait: bool = False):  # the engine's "query vector" step, read or not
        asked.append(text)
        return meaning.vector(text), "encoded"

    eng._encoder = object()  # any encoder: the vector comes from ``read``
    eng._query_vector = read  # type: ignore[method-assign]
    eng.config.dense_floor = 0.9
    # the meaning read finds the boots itself (exact cosines): results by meaning, no suggestion needed
    r = eng.search("books", size=10)
    assert r.total > 0 and r.suggestions == [] and boots[0] in r.ids
    eng._ann = _MissingGraph(len(eng.catalog))  # an approximate graph that missed them: zero results
    r = eng.search("books", size=10)
    assert r.total == 0 and "books" in asked
    assert r.suggestions == ["boots"]  # its top 10 holds the product the query means
    assert "no product matched; did you mean “boots”?" in r.notes
    assert eng.search("sofa", size=10).suggestions == []  # "soft" finds products far from its meaning


class _MissingGraph:
    """An HNSW graph whose search finds nothing (``SearchEngine._dense_ann``'s interface)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def search_rows(self, qvec, k, mask):  # type: ignore[no-untyped-def]
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
