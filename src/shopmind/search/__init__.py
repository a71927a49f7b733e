"""Product search: lexical (fielded BM25) retrieval, metrics and the evaluation harness."""

from shopmind.search.lexical import BM25Params, LexicalIndex, SearchResult

__all__ = ["BM25Params", "LexicalIndex", "SearchResult"]
