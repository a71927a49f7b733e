"""Product search: lexical (fielded BM25) retrieval, metrics and the evaluation harness.

The names below are loaded on first use (PEP 562): ``import shopmind.search.cli`` — which
every ``shopmind`` command does to register ``evaluate search`` — must not pay for the
lexical index and scipy.sparse (~0.5 s on the main job's path to its first search, issue 17).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shopmind.search.lexical import BM25Params, LexicalIndex, SearchResult

__all__ = ["BM25Params", "LexicalIndex", "SearchResult"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from shopmind.search import lexical

        return getattr(lexical, name)
    raise AttributeError(f"module 'shopmind.search' has no attribute {name!r}")
