"""Result assembly of the search engine: re-ranking the head, sorting, and the page's hits.

Why a module of its own: after retrieval the result set is fixed; what remains is its order
(an optional ``Reranker`` over the top ``rerank_depth``, the sorts with their total order so
pages never overlap, currencies never ranked against each other) and the hits with highlights.
``ResultAssembly`` is the mixin of ``SearchEngine``; ``_order`` is the exact partial lexsort
every sort uses.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Sequence

import numpy as np

from shopmind.search.catalog import NO_TIME
from shopmind.search.engine_types import COMPARE_AT_KEY, Hit, _Candidates, sale_was
from shopmind.search.highlight import highlight as mark_text
from shopmind.search.highlight import snippet as mark_snippet
from shopmind.search.language_match import minmax
from shopmind.search.money import price_sort_keys
from shopmind.search.query import Understood


def _order(keys: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Indices of the first ``n`` elements under the lexicographic order of ``keys`` (all
    ascending, ``keys[0]`` primary, no NaN): the primary is partitioned first, keeping every
    element tied with the n-th, so the answer is exact and stable for any ``n``."""
    primary = keys[0]
    m = len(primary)
    if n <= 0 or m == 0:
        return np.zeros(0, dtype=np.int64)
    if n < m:
        kth = np.partition(primary, n - 1)[n - 1]
        cand = np.flatnonzero(primary <= kth)
    else:
        cand = np.arange(m)
    order = np.lexsort([k[cand] for k in reversed(keys)])
    return cand[order[:n]]


@functools.lru_cache(maxsize=64)
def _takes_feature_context(cls: type) -> bool:
    """Whether a reranker class wants the engine's ``feature_context`` (the protocol) or, like
    ``ltr.LTRReranker``, computes its own features from ``qvec``. Cached per class: reading a
    signature costs ~0.1 ms, too much per query."""
    params = inspect.signature(cls.rerank).parameters
    return "feature_context" in params or "qvec" not in params


class ResultAssembly:
    """Result-assembly methods of ``SearchEngine`` (see the module docstring)."""

    def _rerank(
        self,
        query: str,
        understood: Understood,
        c: _Candidates,
        sort: str,
        qvec: np.ndarray | None,
        timing: dict[str, float],
    ) -> np.ndarray | None:
        """Indices into ``c.rows`` of the reranked head, in the reranker's order (or None)."""
        if self.reranker is None or sort != "relevance" or not len(c.rows):
            return None
        t = time.perf_counter()
        depth = min(len(c.rows), max(self.config.rerank_depth, 1))
        head = _order([-c.relevance(), -self.catalog.popularity[c.rows], c.rows.astype(np.float64)], depth)
        rows = c.rows[head]
        ctx = {
            "lexical": c.lexical[head],
            "dense": c.dense[head],
            "fused": c.fused[head],
            "matched_terms": c.matched[head],
            "n_terms": len(understood.text.split()),
            "popularity": self.catalog.popularity[rows],
            "price": self.catalog.price[rows],
            "rows": rows,
            "catalog": self.catalog,
        }
        ids = [self.catalog.ids[r] for r in rows.tolist()]
        ctx["qvec"] = qvec
        if _takes_feature_context(type(self.reranker)):
            raw = self.reranker.rerank(query, understood, ids, ctx)
        else:  # ltr.LTRReranker computes its own features and wants the query vector
            raw = self.reranker.rerank(query, understood, ids, qvec=qvec)
        scores = np.asarray(raw, dtype=np.float64).reshape(-1)
        if len(scores) != len(ids):
            raise RuntimeError(f"reranker returned {len(scores)} scores for {len(ids)} candidates")
        scores = np.where(np.isfinite(scores), scores, -np.inf)
        order_by = scores if c.bonus is None else minmax(scores) + c.bonus[head]
        out = head[np.lexsort((np.arange(len(head)), -order_by))]
        c.reranked = dict(zip(out.tolist(), np.sort(order_by)[::-1].tolist(), strict=True))
        timing["rerank"] = (time.perf_counter() - t) * 1e3
        return out

    def _sort(
        self,
        c: _Candidates,
        sort: str,
        need: int,
        browse: bool,
        head: np.ndarray | None,
        currency: str | None = None,
    ) -> np.ndarray:
        """Indices into ``c.rows`` of the first ``need`` results under ``sort``. Price sorts
        compare converted prices with exchange rates; without them the products of
        ``currency`` (else the result set's commonest currency) come first, then each other
        currency in turn, each by price: a yuan amount is never ranked against dollars."""
        cat = self.catalog
        rows = c.rows
        row_key = rows.astype(np.float64)
        pop = -cat.popularity[rows]
        created = cat.created[rows].astype(np.float64)
        newest = np.where(cat.created[rows] == NO_TIME, np.inf, -created)
        if browse:  # a query read as filters only (every word understood): its language first
            rel = [pop, newest, row_key] if c.bonus is None else [-c.bonus, pop, newest, row_key]
        else:
            rel = [-c.relevance(), pop, row_key]
        if sort == "relevance":
            keys = rel
        elif sort in ("price_asc", "price_desc"):
            group, p = price_sort_keys(self.catalog, rows, currency, self.config.currency_rates)
            p = np.where(np.isnan(p), np.inf, p if sort == "price_asc" else -p)
            keys = [group, p, *rel]
        elif sort == "newest":
            keys = [newest, *rel]
        else:  # popularity
            keys = [pop, *([] if browse else [-c.fused]), newest, row_key]
        if head is None:
            return _order(keys, need)
        # reranked head first (in the reranker's order), then the rest in fused order
        rest_mask = np.ones(len(rows), dtype=bool)
        rest_mask[head] = False
        rest = np.flatnonzero(rest_mask)
        more = max(0, need - len(head))
        tail = rest[_order([k[rest] for k in keys], more)] if more else np.zeros(0, dtype=np.int64)
        return np.concatenate([head, tail])

    def _hits(
        self, c: _Candidates, idx: np.ndarray, terms: list[str] | None, head: np.ndarray | None
    ) -> list[Hit]:
        rows = c.rows[idx]
        recs = self.catalog.records(rows)
        was = self.catalog.attribute_first(COMPARE_AT_KEY, rows)
        rr = c.reranked if head is not None else {}
        out = []
        an = self.lexical.analyzer
        for i, r, w in zip(idx.tolist(), recs, was, strict=True):
            hl: dict[str, str] = {}
            if terms is not None:
                hl["title"] = mark_text(r["title"], terms, an)
                if r.get("description"):
                    hl["description"] = mark_snippet(r["description"], terms, an, self.config.snippet_chars)
            score = rr.get(i, float(c.fused[i]))
            out.append(
                Hit(
                    product_id=r["product_id"],
                    score=round(float(score), 6),
                    title=r["title"],
                    brand=r["brand"],
                    price=r["price"],
                    currency=r["currency"],
                    category_path=r["category_path"],
                    stock=r["stock"],
                    highlights=hl,
                    compare_at_price=sale_was(w, r["price"], r["currency"]),
                )
            )
        return out
