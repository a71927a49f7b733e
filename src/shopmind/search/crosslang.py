"""Cross-language search evaluation: does a Chinese query find English products, and back?

A bilingual shop (the demo: every concept listed in English and in Chinese, judged in both
languages by ``demo.generator``) gives two judgment sets per query: its judged products in the
query's own language (*same-language*) and those in the other one (*cross-language*). Each
method ranks every product of one language for the query (its ``rerank`` over that language's
whole catalog, unscored products after in a neutral order) and NDCG@10 is taken on that set's
judgments. ``cross / same`` says how much of its quality a method keeps across languages (the
goal for the served engine: >= 0.8). A query's language is Chinese when it has CJK characters;
a product's is its ``language`` column (else the script of its title).

``EngineMethod`` evaluates the ``SearchEngine`` as the API serves it (query understanding,
synonyms, mined aliases, cross-language expansions, dense retrieval when it has an encoder),
so the report measures what a shopper gets, not only the retrieval primitives.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import polars as pl

from shopmind.search.metrics import mean, ndcg_at_k
from shopmind.text.analysis import _CJK_RUN

NDCG_K = 10


def text_language(text: str | None) -> str:
    """``zh`` for text with CJK characters, else ``en``."""
    return "zh" if text and _CJK_RUN.search(text) else "en"


def product_languages(products: pl.DataFrame) -> dict[str, str]:
    """product_id -> ``zh``/``en``: the ``language`` column (``zh*`` is Chinese), else the
    script of the title."""
    langs = products["language"].to_list() if "language" in products.columns else [None] * products.height
    titles = products["title"].to_list() if "title" in products.columns else [None] * products.height
    out = {}
    for pid, lang, title in zip(products["product_id"].to_list(), langs, titles, strict=True):
        if lang:
            out[str(pid)] = "zh" if str(lang).lower().startswith("zh") else "en"
        else:
            out[str(pid)] = text_language(title)
    return out


def language_split(
    method: object,
    qrels: Mapping[str, Mapping[str, float]],
    languages: Mapping[str, str],
    queries: Iterable[str],
    min_grade: float = 0.0,
) -> dict[str, object] | None:
    """Same- and cross-language NDCG@10 of ``method`` (see the module doc); None when the
    catalog has one language only."""
    by_lang: dict[str, list[str]] = {}
    for pid, lang in languages.items():
        by_lang.setdefault(lang, []).append(pid)
    if len(by_lang) < 2:
        return None
    for pids in by_lang.values():
        pids.sort(key=_neutral)
    per: dict[str, list[float | None]] = {"same": [], "cross": []}
    rows: dict[str, list[float | None]] = {}
    for q in queries:
        ql = text_language(q)
        for kind in ("same", "cross"):
            langs = [ql] if kind == "same" else [lang for lang in by_lang if lang != ql]
            cands = [p for lang in langs for p in by_lang[lang]]
            grades = {p: g for p, g in qrels[q].items() if languages.get(p) in langs}
            if not grades or max(grades.values()) <= min_grade:
                continue
            ranked = list(method.rerank(q, cands))  # type: ignore[attr-defined]
            seen = set(ranked)
            ranked += [c for c in cands if c not in seen]
            v = ndcg_at_k(ranked, grades, NDCG_K, min_grade)
            per[kind].append(v)
            rows.setdefault(f"{kind}.{ql}", []).append(v)
    same, n_same = mean(per["same"])
    cross, n_cross = mean(per["cross"])
    out: dict[str, object] = {
        "same_language_ndcg@10": _r(same),
        "cross_language_ndcg@10": _r(cross),
        "cross_over_same": _r(cross / same)
        if same and not math.isnan(same) and not math.isnan(cross)
        else None,
        "queries": {"same": n_same, "cross": n_cross},
    }
    for key, vals in sorted(rows.items()):
        value, n = mean(vals)
        out[f"{key}_ndcg@10"] = _r(value)
        out[f"{key}_queries"] = n
    return out


def _r(v: float) -> float | None:
    return None if v is None or math.isnan(v) else round(float(v), 4)


def _neutral(pid: str) -> str:
    import hashlib

    return hashlib.md5(pid.encode()).hexdigest()


class EngineMethod:
    """The served ``SearchEngine`` (understanding on, filters from the query applied) as an
    evaluation method. ``encoder``: a ``dense.ENCODERS`` name or None (lexical + understanding)."""

    def __init__(
        self, encoder: str | None = None, vectors: Path | str | None = None, name: str | None = None
    ):
        self.encoder = encoder
        self.vectors = vectors
        self.name = name or ("engine" if encoder is None else f"engine-{encoder}")
        self.engine = None

    def fit(self, products: pl.DataFrame) -> None:
        from shopmind.search.engine import SearchConfig, SearchEngine

        cfg = SearchConfig(encoder=self.encoder, ltr="off", warm_query_vectors=0)
        self.engine = SearchEngine.build(products, None, cfg, cache_dir=self.vectors)

    def _ranked(self, query: str, limit: int) -> list[str]:
        assert self.engine is not None
        out: list[str] = []
        page, size = 1, self.engine.config.max_size
        while len(out) < limit:
            r = self.engine.search(query, page=page, size=size, facets=(), highlight=False)
            out += r.ids
            if len(out) >= r.total or not r.hits:
                break
            page += 1
            if page * size > self.engine.config.max_window:
                break
        return out[:limit]

    def search(self, query: str, k: int) -> list[str]:
        return self._ranked(query, k)

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        want = set(candidates)
        return [
            p for p in self._ranked(query, self.engine.config.max_window if self.engine else 0) if p in want
        ]


def ratio_ok(split: Mapping[str, object] | None, goal: float = 0.8) -> bool:
    """Whether cross-language NDCG@10 reaches ``goal`` x the same-language figure."""
    if not split:
        return False
    r = split.get("cross_over_same")
    return isinstance(r, float) and r >= goal


__all__ = [
    "EngineMethod",
    "language_split",
    "product_languages",
    "ratio_ok",
    "text_language",
]
