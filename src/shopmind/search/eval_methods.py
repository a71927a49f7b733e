"""The lexical methods and baselines ``shopmind evaluate search`` compares: the ``Method``
protocol, our BM25F (``OursBM25``), tantivy-py and bm25s at their defaults, and the neutral
order.

Split out of ``search/evaluate.py`` (the evaluator and its method registry);
``search.evaluate`` re-exports every name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import polars as pl

from shopmind.search.lexical import BM25Params, LexicalIndex
from shopmind.text.analysis import Analyzer


@runtime_checkable
class Method(Protocol):
    """A search method under evaluation."""

    name: str

    def fit(self, products: pl.DataFrame) -> None: ...

    def search(self, query: str, k: int) -> list[str]: ...

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        """The candidates this method scores, best first (others may be left out)."""
        ...


# ---------------------------------------------------------------------- methods
class OursBM25:
    """Our analyzer + fielded BM25 (``LexicalIndex``)."""

    def __init__(
        self, params: BM25Params | None = None, analyzer: Analyzer | None = None, name: str = "ours-bm25"
    ):
        self.name = name
        self.params = params
        self.analyzer = analyzer
        self.index: LexicalIndex | None = None

    def fit(self, products: pl.DataFrame) -> None:
        self.index = LexicalIndex(self.analyzer, self.params)
        self.index.upsert(products)

    def search(self, query: str, k: int) -> list[str]:
        assert self.index is not None
        return self.index.search(query, k).ids

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        assert self.index is not None
        return self.index.search(query, len(candidates), candidates=candidates).ids


class TantivyBM25:
    """tantivy-py with default settings: title + description as text fields (default tokenizer),
    queries through the default query parser over both fields (lenient parsing only when the
    strict parser rejects the query's syntax). Its tokenizer splits on non-alphanumerics, so a
    run of Chinese characters is one token."""

    name = "tantivy"

    def __init__(self) -> None:
        self.syntax_fallbacks = 0

    def fit(self, products: pl.DataFrame) -> None:
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("product_id", stored=True, tokenizer_name="raw")
        sb.add_text_field("title")
        sb.add_text_field("description")
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema)
        # one indexing thread: the same segment layout every run, so ties keep the same order
        # (scoring settings stay the defaults; BM25 statistics are index-wide either way)
        writer = self.index.writer(num_threads=1)
        for pid, title, desc in products.select("product_id", "title", "description").iter_rows():
            writer.add_document(tantivy.Document(product_id=pid, title=title or "", description=desc or ""))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def _parse(self, query: str):
        try:
            return self.index.parse_query(query, ["title", "description"])
        except ValueError:
            self.syntax_fallbacks += 1
            return self.index.parse_query_lenient(query, ["title", "description"])[0]

    def _ids(self, q, k: int) -> list[str]:
        hits = self.searcher.search(q, k).hits
        return [self.searcher.doc(addr)["product_id"][0] for score, addr in hits if score > 0]

    def search(self, query: str, k: int) -> list[str]:
        return self._ids(self._parse(query), k)

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        import tantivy

        only = tantivy.Query.term_set_query(self.schema, "product_id", list(candidates))
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, self._parse(query)), (tantivy.Occur.Must, only)]
        )
        return self._ids(q, len(candidates))


class BM25sDefault:
    """bm25s with default settings: ``bm25s.tokenize(stopwords="en")`` (no stemmer) and
    ``BM25()`` (method lucene, k1 1.5, b 0.75) over title + description."""

    name = "bm25s"

    def fit(self, products: pl.DataFrame) -> None:
        import bm25s

        self.ids = products["product_id"].to_list()
        self.pos = {p: i for i, p in enumerate(self.ids)}
        corpus = [f"{t or ''} {d or ''}" for t, d in products.select("title", "description").iter_rows()]
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)

    def _tokens(self, query: str) -> list[str]:
        import bm25s

        return bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]

    def search(self, query: str, k: int) -> list[str]:
        tokens = self._tokens(query)
        if not tokens:
            return []
        docs, scores = self.retriever.retrieve([tokens], k=min(k, len(self.ids)), show_progress=False)
        return [self.ids[d] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        tokens = self._tokens(query)
        if not tokens:
            return []
        scores = self.retriever.get_scores(tokens)
        scored = [(float(scores[self.pos[c]]), c) for c in candidates if c in self.pos]
        scored = [x for x in scored if x[0] > 0]
        scored.sort(key=lambda x: -x[0])
        return [c for _, c in scored]


class NeutralOrder:
    """Baseline that scores nothing: retrieval finds nothing, re-ranking keeps the neutral
    (hashed-id) order. Shows how much of a re-rank score the judged set gives for free."""

    name = "neutral"

    def fit(self, products: pl.DataFrame) -> None:
        return None

    def search(self, query: str, k: int) -> list[str]:
        return []

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        return []
