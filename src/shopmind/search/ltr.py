"""Learning to rank: features of (query, product) pairs and a LightGBM lambdarank re-ranker.

Why a learned re-ranker: BM25F and dense cosine each see one kind of evidence; how much a
title-only match, a covered head noun, an exact phrase or a close embedding is worth relative
to the others differs by catalog, and judgments (or click logs) say it better than hand
weights. The ranker re-orders a short candidate list (top 100 of the fusion) so its cost is
bounded by the list, not the catalog.

- ``FeatureExtractor``: one row of ``FEATURES`` per candidate, vectorised per query: the query
  terms' counts are sliced out of the lexical index's per-field CSC matrices once (a
  candidates x terms matrix per field) and every lexical feature is array arithmetic on them.
- ``LTRModel``: LightGBM lambdarank (one thread, fixed seed, deterministic), labels as integer
  grade levels with a *linear* gain (the evaluator's NDCG uses gain = grade - min).
  ``save``/``load`` write the model text plus feature names and a format version, so a model
  persists next to the index and refuses to load against a different feature set.
- ``LTRReranker.rerank(query, understood, candidate_ids)``: the engine's entry point.
- ``click_labels``: graded labels from search sessions (purchase > cart > click > shown).
- ``fold_of``: query-level k-fold assignment (normalised query text, stable hash), used by
  the evaluator so a model never scores a query it was trained on (``LTREval``).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import polars as pl

from shopmind.search.lexical import FIELDS, LexicalIndex
from shopmind.search.metrics import mean, mrr_at_k, ndcg_at_k, recall_at_k

if TYPE_CHECKING:
    from shopmind.search.dense import DenseIndex
    from shopmind.search.engine import SearchEngine
    from shopmind.search.evaluate import EvalData
    from shopmind.search.query import Understood

LTR_FORMAT_VERSION = 1

#: Feature columns, in order. Missing evidence is NaN (LightGBM routes it as missing).
FEATURES: tuple[str, ...] = (
    "bm25f",
    *(f"bm25_{f}" for f in FIELDS),
    "bm25f_rel",  # bm25f / best bm25f among the candidates
    "bm25f_rank",  # 1-based rank among the candidates
    "dense_cos",
    "dense_rel",  # cos - best cos among the candidates
    "dense_rank",
    "fusion",  # (1 - alpha) * minmax(bm25f) + alpha * minmax(cos) over the candidates
    "fusion_rank",
    *(f"cover_{f}" for f in FIELDS),  # share of distinct query terms present in the field
    "cover_any",
    "title_phrase",  # the normalised query is a substring of the normalised title
    "title_bigrams",  # share of adjacent query term pairs adjacent in the title
    "title_char3",  # Jaccard of the character trigrams of query and title (typos, compounds)
    "title_head",  # the last query term (usually the head noun) is in the title
    "title_first_pos",  # position of the first matched title term / title length (1 if none)
    "brand_in_query",  # every brand term is a query term
    "category_match",  # share of the category path's terms that are query terms
    "attribute_match",  # attribute-field terms that are query terms
    "q_terms",
    "q_unknown",  # query terms no live document has
    "q_chars",
    "q_corrections",
    *(f"len_{f}" for f in FIELDS),
    "price",
    "price_fit",  # 1 inside an understood price range, 0 outside, NaN without one
    "rating",
    "age_days",  # days before the newest product's created_at
    "pop_view",
    "pop_click",
    "pop_cart",
    "pop_purchase",
    "u_constraints",  # constraints understood in the query
    "u_brand",  # product brand equals an understood brand (NaN: none understood)
    "u_category",  # product category is an understood category (or below it)
    "u_attribute",  # share of understood attribute constraints the product satisfies
)
F = {name: i for i, name in enumerate(FEATURES)}
#: Popularity feature -> event type counted (log1p of the count per product).
POP_TYPES = {"pop_view": "view", "pop_click": "click", "pop_cart": "add_to_cart", "pop_purchase": "purchase"}

#: Hyperparameters fixed a priori (not tuned on any judgments): textbook lambdarank settings.
DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "lambdarank_truncation_level": 20,
    "seed": 0,
    "num_threads": 1,  # 2 OpenMP threads ran ~10x slower than 1 on the shared 2-core box
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}
DEFAULT_ROUNDS = 150
#: Integer label levels a grade scale is mapped onto (linear gain).
LABEL_LEVELS = 12


def normalise_query(query: str) -> str:
    """Queries equal up to case, Unicode form and spacing are the same query (one fold)."""
    return " ".join(unicodedata.normalize("NFKC", query).casefold().split())


def fold_of(query: str, k: int = 5) -> int:
    """Fold of a query: md5 of its normalised text mod ``k`` (stable across runs/machines)."""
    return int(hashlib.md5(normalise_query(query).encode("utf-8")).hexdigest(), 16) % k


def split_folds(queries: Sequence[str], k: int = 5) -> list[tuple[list[str], list[str]]]:
    """Per fold ``f``: (training queries, test queries); a query is in exactly one test fold
    and never in the training set of its own fold, and equal normalised queries go together."""
    fold = [fold_of(q, k) for q in queries]
    return [
        (
            [q for q, g in zip(queries, fold, strict=True) if g != f],
            [q for q, g in zip(queries, fold, strict=True) if g == f],
        )
        for f in range(k)
    ]


def grade_labels(grades: np.ndarray, lo: float, hi: float, levels: int = LABEL_LEVELS) -> np.ndarray:
    """Grades on ``[lo, hi]`` as integer levels ``0..levels`` (NaN = unjudged -> 0)."""
    g = np.nan_to_num(np.asarray(grades, dtype=np.float64), nan=lo)
    span = hi - lo if hi > lo else 1.0
    return np.clip(np.rint((g - lo) / span * levels), 0, levels).astype(np.int32)


# ---------------------------------------------------------------------- features
class VectorView:
    """A ``SearchEngine``'s product vectors as the extractor reads a ``DenseIndex``:
    ``vectors`` (catalog row order) and ``pos`` (product id -> catalog row), both read
    through the engine at call time, so upserts (which replace ``engine.vectors``) are seen
    without copying the matrix."""

    def __init__(self, engine: SearchEngine) -> None:
        self._engine = engine

    @property
    def vectors(self) -> np.ndarray:
        v = self._engine.vectors
        assert v is not None
        return v

    @property
    def pos(self) -> Mapping[str, int]:
        return self._engine.catalog.pos


class FeatureExtractor:
    """Features of (query, candidate) pairs over a ``LexicalIndex`` (and optionally a
    ``DenseIndex``), plus static product columns (price, rating, created_at) and event
    counts. Per-field BM25 uses the index's global idf and each field's own ``b``::

        bm25_f(q, d) = sum_{t in q} qtf(t) * idf(t) * x / (k1 + x),  x = tf_f(t, d) / (1 - b_f + b_f * len_f(d) / avglen_f)

    (the index's BM25F with a single field of weight 1, so the features and the first-stage
    score are on one scale)."""

    def __init__(
        self,
        index: LexicalIndex,
        products: pl.DataFrame,
        dense: DenseIndex | VectorView | None = None,
        events: pl.DataFrame | None = None,
        alpha: float = 0.2,
        counts: Mapping[str, Mapping[str, int]] | None = None,
    ) -> None:
        """``counts`` (event type -> product id -> count, as in ``event_counts``) replaces
        ``events`` as the popularity source: what a saved model keeps instead of the log."""
        self.index = index
        self.dense = dense
        self.alpha = alpha
        ids = products["product_id"].cast(pl.Utf8).to_list()
        known = set(ids)
        #: event type -> product id -> count, restricted to the catalog (small, persistable)
        self.event_counts: dict[str, dict[str, int]] = {t: {} for t in POP_TYPES.values()}
        if counts is not None:
            for t, per in counts.items():
                if t in self.event_counts:
                    self.event_counts[t] = {str(p): int(c) for p, c in per.items() if int(c) > 0}
        elif events is not None and events.height and {"type", "item_id"} <= set(events.columns):
            got = (
                events.filter(pl.col("type").is_in(list(self.event_counts))).group_by("type", "item_id").len()
            )
            for t, item, c in got.iter_rows():
                if item in known:
                    self.event_counts[t][item] = int(c)
        self.pos: dict[str, int] = {}
        self.titles: list[str] = []
        self.brands: list[str] = []
        self.categories: list[str] = []
        self.attrs: list[set[tuple[str, str]]] = []
        self.price = np.zeros(0)
        self.rating = np.zeros(0)
        self._created = np.zeros(0)
        self.age = np.zeros(0)
        self.pop = {k: np.zeros(0) for k in POP_TYPES.values()}
        self._dense_rows: np.ndarray | None = None if dense is None else np.zeros(0, dtype=np.int64)
        self._title_facts: dict[int, _TitleFacts] = {}
        self.add(products)

    @classmethod
    def from_engine(
        cls,
        engine: SearchEngine,
        events: pl.DataFrame | None = None,
        counts: Mapping[str, Mapping[str, int]] | None = None,
    ) -> FeatureExtractor:
        """Features over a ``SearchEngine``'s own parts: its lexical index, its live catalog
        rows and its product vectors (read live through ``VectorView``), with the engine's
        fusion alpha; so the features a model was trained on at build time are the ones the
        served engine computes. Popularity from ``events`` or saved ``counts``."""
        cat = engine.catalog
        live = cat.frame.filter(pl.Series(cat.live, dtype=pl.Boolean))
        dense = VectorView(engine) if engine.vectors is not None else None
        return cls(engine.lexical, live, dense, events, engine.config.alpha, counts)

    def add(self, products: pl.DataFrame) -> None:
        """Append products (new ones, or new versions: the id then points at the new row).
        Rows only ever append, so cached per-row title data stays valid."""
        n = products.height
        if n == 0:
            return
        start = len(self.titles)
        ids = products["product_id"].cast(pl.Utf8).to_list()
        for i, p in enumerate(ids):
            self.pos[p] = start + i
        self.titles += [normalise_query(t or "") for t in _col(products, "title", n)]
        self.brands += [(b or "").casefold().strip() for b in _col(products, "brand", n)]
        self.categories += [(c or "").casefold().strip() for c in _col(products, "category_path", n)]
        attrs = products["attributes"].to_list() if "attributes" in products.columns else [None] * n
        self.attrs += [_attr_pairs(a) for a in attrs]
        self.price = np.concatenate([self.price, _num(products, "price", n)])
        self.rating = np.concatenate([self.rating, _num(products, "rating", n)])
        created = np.full(n, np.nan)
        if "created_at" in products.columns:
            ts = products["created_at"]
            if ts.dtype == pl.Utf8:
                ts = ts.str.to_datetime(strict=False, time_zone="UTC")
            if isinstance(ts.dtype, pl.Datetime):
                created = ts.dt.epoch("us").cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)
        self._created = np.concatenate([self._created, created])
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(self._created)
            newest = np.max(self._created[finite]) if finite.any() else np.nan
            self.age = (newest - self._created) / 86_400e6
        for t, arr in self.pop.items():
            per = self.event_counts.get(t, {})
            self.pop[t] = np.concatenate([arr, np.array([math.log1p(per.get(p, 0)) for p in ids])])
        if self.dense is not None and self._dense_rows is not None:
            dpos = self.dense.pos
            rows = np.array([dpos.get(p, -1) for p in ids], dtype=np.int64)
            self._dense_rows = np.concatenate([self._dense_rows, rows])

    def title_facts(self, i: int) -> _TitleFacts:
        """What the title features need of product row ``i``, computed once per product."""
        got = self._title_facts.get(i)
        if got is None:
            terms = self.index.analyzer.tokens(self.titles[i])
            first: dict[str, int] = {}
            for p, t in enumerate(terms):
                first.setdefault(t, p)
            got = self._title_facts[i] = _TitleFacts(
                set(zip(terms, terms[1:], strict=False)),
                first,
                max(len(terms), 1),
                _char3(self.titles[i]),
            )
        return got

    def known(self, candidate_ids: Sequence[str]) -> np.ndarray:
        """Mask of the candidates the extractor (and the lexical index) knows."""
        return np.array([c in self.pos and c in self.index._where for c in candidate_ids], dtype=bool)

    def features(
        self,
        query: str,
        candidate_ids: Sequence[str],
        qvec: np.ndarray | None = None,
        understood: Understood | None = None,
        alpha: float | None = None,
        light: bool = False,
    ) -> np.ndarray:
        """``(len(candidate_ids), len(FEATURES))`` float32; every candidate must be known
        (filter with ``known`` first). ``light``: lexical and dense scores only (the title
        text, product and understanding columns stay NaN), for a first-stage pass."""
        alpha = self.alpha if alpha is None else alpha
        n = len(candidate_ids)
        X = np.full((n, len(FEATURES)), np.nan, dtype=np.float64)
        if n == 0:
            return X.astype(np.float32)
        idx = self.index
        rows = np.fromiter((self.pos[c] for c in candidate_ids), dtype=np.int64, count=n)
        tokens, corrections = idx.analyze_query(query or "")
        distinct = list(dict.fromkeys(tokens))
        qtf_all = {t: tokens.count(t) for t in distinct}
        known_terms = [t for t in distinct if t in idx.vocab and idx.df[idx.vocab[t]] > 0]
        tids = np.array([idx.vocab[t] for t in known_terms], dtype=np.int64)
        qtf = np.array([qtf_all[t] for t in known_terms], dtype=np.float64)
        n_terms = max(len(distinct), 1)
        tf, lens = self._tf(candidate_ids, tids)
        k1 = idx.params.k1
        idf = idx.idf(tids) if len(tids) else np.zeros(0)
        qweight = idf * qtf
        acc = np.zeros((n, len(tids)))
        for f in FIELDS:
            avg = idx.total_len[f] / idx.n_live if idx.n_live else 0.0
            b = idx.params.b.get(f, 0.75)
            if avg > 0:
                x = tf[f] / (1.0 - b + b * lens[f] / avg)[:, None]
                X[:, F[f"bm25_{f}"]] = (x / (k1 + x)) @ qweight
                acc += idx.params.weights.get(f, 0.0) * x
            else:
                X[:, F[f"bm25_{f}"]] = 0.0
            X[:, F[f"cover_{f}"]] = (tf[f] > 0).sum(axis=1) / n_terms
            X[:, F[f"len_{f}"]] = lens[f]
        with np.errstate(invalid="ignore", divide="ignore"):
            bm25f = np.where(acc > 0, acc / (k1 + acc), 0.0) @ qweight
        X[:, F["bm25f"]] = bm25f
        anyf = sum((tf[f] > 0).astype(np.int8) for f in FIELDS)
        X[:, F["cover_any"]] = (anyf > 0).sum(axis=1) / n_terms
        brand_hits = tf["brand"].sum(axis=1)
        X[:, F["brand_in_query"]] = (lens["brand"] > 0) & (brand_hits >= lens["brand"])
        X[:, F["category_match"]] = tf["category_path"].sum(axis=1) / np.maximum(lens["category_path"], 1)
        X[:, F["attribute_match"]] = tf["attributes"].sum(axis=1)
        X[:, F["q_terms"]] = len(tokens)
        X[:, F["q_unknown"]] = len(distinct) - len(known_terms)
        X[:, F["q_chars"]] = len(query or "")
        X[:, F["q_corrections"]] = len(corrections)
        if not light:
            self._title_text(X, query, tokens, rows)
        if self.dense is not None and qvec is not None and self._dense_rows is not None:
            drows = self._dense_rows[rows]
            ok = drows >= 0
            cos = np.full(n, np.nan)
            cos[ok] = self.dense.vectors[drows[ok]] @ np.asarray(qvec, dtype=np.float32).reshape(-1)
            X[:, F["dense_cos"]] = cos
        relative_columns(X, alpha)
        if light:
            return X.astype(np.float32)
        X[:, F["price"]] = self.price[rows]
        X[:, F["rating"]] = self.rating[rows]
        X[:, F["age_days"]] = self.age[rows]
        for name, key in POP_TYPES.items():
            X[:, F[name]] = self.pop[key][rows]
        self._understood(X, understood, rows)
        return X.astype(np.float32)

    def _tf(
        self, candidate_ids: Sequence[str], tids: np.ndarray
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Per field: candidates x query-terms raw counts, and the candidates' field lengths.
        Reads each query term's postings straight from the CSC arrays (cost ~ postings, no
        scipy slicing) and scatters the candidates' counts through a row -> slot map."""
        idx = self.index
        n = len(candidate_ids)
        tf = {f: np.zeros((n, len(tids))) for f in FIELDS}
        lens = {f: np.zeros(n) for f in FIELDS}
        where = [idx._where[c] for c in candidate_ids]
        segs = np.fromiter((w[0] for w in where), dtype=np.int64, count=n)
        srows = np.fromiter((w[1] for w in where), dtype=np.int64, count=n)
        for si in np.unique(segs):
            seg = idx.segments[int(si)]
            sel = np.flatnonzero(segs == si)
            r = srows[sel]
            slot = np.full(len(seg), -1, dtype=np.int64)
            slot[r] = sel
            for f in FIELDS:
                lens[f][sel] = seg.lengths[f][r]
                if idx.total_len[f] == 0:
                    continue
                m = seg.tf[f]
                for qi, t in enumerate(tids.tolist()):
                    if t >= m.shape[1]:
                        continue
                    a, b = m.indptr[t], m.indptr[t + 1]
                    if a == b:
                        continue
                    at = slot[m.indices[a:b]]
                    hit = at >= 0
                    tf[f][at[hit], qi] = m.data[a:b][hit]
        return tf, lens

    def _title_text(self, X: np.ndarray, query: str, tokens: list[str], rows: np.ndarray) -> None:
        # per-candidate Python set work: written as one pass filling lists (column lookups and
        # the union set hoisted out) — it was ~40 % of the re-rank stage's time
        phrase = normalise_query(query or "")
        qpairs = set(zip(tokens, tokens[1:], strict=False))
        n_pairs = len(qpairs)
        head = tokens[-1] if tokens else None
        first = set(tokens)
        q3 = _char3(phrase)
        n3 = len(q3)
        titles = self.titles
        ph, bi, c3, hd, fp = [], [], [], [], []
        for i in rows.tolist():
            f = self.title_facts(i)
            ph.append(bool(phrase) and phrase in titles[i])
            bi.append(len(qpairs & f.pairs) / n_pairs if n_pairs else np.nan)
            inter = len(q3 & f.char3)
            union = n3 + len(f.char3) - inter
            c3.append(inter / union if union else 0.0)
            hd.append(head is not None and head in f.first)
            pos = min((f.first[t] for t in first if t in f.first), default=None)
            fp.append(1.0 if pos is None else pos / f.n_terms)
        X[:, F["title_phrase"]] = ph
        X[:, F["title_bigrams"]] = bi
        X[:, F["title_char3"]] = c3
        X[:, F["title_head"]] = hd
        X[:, F["title_first_pos"]] = fp

    def _understood(self, X: np.ndarray, u: Understood | None, rows: np.ndarray) -> None:
        if u is None:
            return
        cons = list(u.constraints)
        X[:, F["u_constraints"]] = len(cons)
        brands = {c.value.casefold() for c in cons if c.kind == "brand"}
        cats = [c.value.casefold() for c in cons if c.kind == "category"]
        attrs = [(c.key.casefold(), c.value.casefold()) for c in cons if c.kind == "attribute"]
        prices = [c for c in cons if c.kind == "price"]
        for j, i in enumerate(rows.tolist()):
            if brands:
                X[j, F["u_brand"]] = self.brands[i] in brands
            if cats:
                path = self.categories[i]
                X[j, F["u_category"]] = any(path == c or path.startswith(c + " >") for c in cats)
            if attrs:
                X[j, F["u_attribute"]] = sum(a in self.attrs[i] for a in attrs) / len(attrs)
            p = self.price[i]
            if prices and np.isfinite(p):
                X[j, F["price_fit"]] = all(
                    (c.price_min is None or p >= c.price_min) and (c.price_max is None or p <= c.price_max)
                    for c in prices
                )


def _col(frame: pl.DataFrame, name: str, n: int) -> list[Any]:
    return frame[name].cast(pl.Utf8).to_list() if name in frame.columns else [None] * n


def _num(frame: pl.DataFrame, name: str, n: int) -> np.ndarray:
    if name not in frame.columns:
        return np.full(n, np.nan)
    return frame[name].cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy().astype(np.float64)


def _attr_pairs(value: object) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return out
    if isinstance(value, Mapping):
        out = {(str(k).casefold(), str(v).casefold()) for k, v in value.items() if v is not None}
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, Mapping) and item.get("key") is not None and item.get("value") is not None:
                out.add((str(item["key"]).casefold(), str(item["value"]).casefold()))
    return out


def relative_columns(X: np.ndarray, alpha: float) -> np.ndarray:
    """Fill the columns that depend on the whole candidate list (ranks, scores relative to the
    best, min-max fusion) from the ``bm25f`` and ``dense_cos`` columns, in place. Kept apart so
    a sub-list of candidates gets exactly the values ``features`` would give it."""
    if not len(X):
        return X
    bm25f = X[:, F["bm25f"]].astype(np.float64)
    X[:, F["bm25f_rel"]] = bm25f / bm25f.max() if bm25f.max() > 0 else 0.0
    X[:, F["bm25f_rank"]] = _ranks(bm25f)
    cos = X[:, F["dense_cos"]].astype(np.float64)
    ok = np.isfinite(cos)
    if ok.any():
        X[:, F["dense_rel"]] = cos - cos[ok].max()
        X[:, F["dense_rank"]] = _ranks(np.where(ok, cos, -np.inf))
        fused = (1.0 - alpha) * _minmax(bm25f) + alpha * _minmax(np.where(ok, cos, cos[ok].min()))
    else:
        X[:, F["dense_rel"]] = X[:, F["dense_rank"]] = np.nan
        fused = _minmax(bm25f)
    X[:, F["fusion"]] = fused
    X[:, F["fusion_rank"]] = _ranks(fused)
    return X


class _TitleFacts(NamedTuple):
    pairs: set[tuple[str, str]]  # adjacent analysed terms
    first: dict[str, int]  # term -> first position
    n_terms: int  # at least 1
    char3: frozenset[str]


def _char3(text: str) -> frozenset[str]:
    t = f" {text} "
    return frozenset(t[i : i + 3] for i in range(len(t) - 2))


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each score, best first (ties by position)."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    r = np.empty(len(scores))
    r[order] = np.arange(1, len(scores) + 1)
    return r


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(np.min(x)), float(np.max(x))
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x, dtype=np.float64)


# ---------------------------------------------------------------------- model
class LTRModel:
    """LightGBM lambdarank over ``FEATURES``; groups are queries, labels integer levels."""

    def __init__(
        self,
        params: Mapping[str, Any] | None = None,
        num_rounds: int = DEFAULT_ROUNDS,
        feature_names: Sequence[str] = FEATURES,
        levels: int = LABEL_LEVELS,
    ) -> None:
        self.params = {**DEFAULT_PARAMS, **(params or {})}
        self.params.setdefault("label_gain", [float(i) for i in range(levels + 1)])
        self.num_rounds = num_rounds
        self.feature_names = tuple(feature_names)
        self.levels = levels
        self.booster: Any = None
        self.train_info: dict[str, Any] = {}

    def fit(self, X: np.ndarray, y: np.ndarray, groups: Sequence[int]) -> LTRModel:
        """Train on rows ``X`` with integer labels ``y``; ``groups`` = rows per query, in order."""
        import lightgbm as lgb

        X = np.asarray(X, dtype=np.float32)
        if X.shape[1] != len(self.feature_names):
            raise ValueError(f"{X.shape[1]} feature columns for {len(self.feature_names)} names")
        t0 = time.perf_counter()
        data = lgb.Dataset(
            X,
            label=np.asarray(y),
            group=list(groups),
            feature_name=list(self.feature_names),
            free_raw_data=True,
        )
        self.booster = lgb.train(self.params, data, num_boost_round=self.num_rounds)
        self.train_info = {
            "rows": int(X.shape[0]),
            "queries": len(groups),
            "rounds": self.num_rounds,
            "seconds": round(time.perf_counter() - t0, 2),
        }
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.booster is None:
            raise RuntimeError("the LTR model is not trained")
        X = np.asarray(X, dtype=np.float32)
        if not len(X):
            return np.zeros(0)
        return np.asarray(self.booster.predict(X, num_threads=1), dtype=np.float64)

    def importance(self, top: int = 10) -> list[tuple[str, float]]:
        """Features by total gain, largest first."""
        gains = self.booster.feature_importance(importance_type="gain")
        order = np.argsort(-gains, kind="stable")[:top]
        return [(self.feature_names[i], round(float(gains[i]), 1)) for i in order]

    def save(self, folder: Path | str) -> Path:
        """``ltr-model.txt`` (LightGBM text) + ``ltr.json`` (version, feature names, params)."""
        if self.booster is None:
            raise RuntimeError("the LTR model is not trained")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ltr-model.txt").write_text(self.booster.model_to_string(), encoding="utf-8")
        meta = {
            "format_version": LTR_FORMAT_VERSION,
            "features": list(self.feature_names),
            "params": self.params,
            "num_rounds": self.num_rounds,
            "levels": self.levels,
            "train_info": self.train_info,
        }
        (folder / "ltr.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path | str, expect: Sequence[str] | None = FEATURES) -> LTRModel:
        """Load a saved model; refuse one built for another feature set (``expect``)."""
        import lightgbm as lgb

        folder = Path(folder)
        meta = json.loads((folder / "ltr.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != LTR_FORMAT_VERSION:
            raise ValueError(f"{folder}: unsupported LTR format {meta.get('format_version')!r}")
        if expect is not None and list(meta["features"]) != list(expect):
            raise ValueError(f"{folder}: the LTR model was trained on other features; retrain it")
        m = cls(meta["params"], int(meta["num_rounds"]), meta["features"], int(meta["levels"]))
        m.booster = lgb.Booster(model_str=(folder / "ltr-model.txt").read_text(encoding="utf-8"))
        m.train_info = dict(meta.get("train_info", {}))
        return m


@dataclass
class LTRReranker:
    """Feature extractor + model: what the engine calls on its fused candidates."""

    extractor: FeatureExtractor
    model: LTRModel
    #: facts about how the model was trained and validated (saved with it)
    info: dict[str, Any] = field(default_factory=dict)

    def rerank(
        self,
        query: str,
        understood: Understood | None,
        candidate_ids: Sequence[str],
        qvec: np.ndarray | None = None,
    ) -> np.ndarray:
        """Scores aligned with ``candidate_ids`` (higher is better; unknown ids get -inf)."""
        ok = self.extractor.known(candidate_ids)
        out = np.full(len(candidate_ids), -np.inf)
        if ok.any():
            known = [c for c, k in zip(candidate_ids, ok, strict=True) if k]
            out[ok] = self.model.predict(self.extractor.features(query, known, qvec, understood))
        return out

    def catalog_changed(self, engine: SearchEngine, products: pl.DataFrame | None) -> None:
        """Keep the extractor in step with ``engine``'s catalog: ``products`` were upserted
        (appended), or ``None`` after rows were renumbered (compaction): rebuild from the
        engine, keeping the popularity counts."""
        ex = self.extractor
        if products is None or (ex.dense is None) != (engine.vectors is None):
            self.extractor = FeatureExtractor.from_engine(engine, counts=ex.event_counts)
        else:
            ex.add(products)

    def save(self, folder: Path | str) -> Path:
        """The model (``LTRModel.save``) plus the popularity counts the features need
        (``event_counts.json``, per catalog product, not the event log) and ``info``."""
        folder = self.model.save(folder)
        (folder / "event_counts.json").write_text(json.dumps(self.extractor.event_counts), encoding="utf-8")
        (folder / "reranker.json").write_text(json.dumps(self.info, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path | str, engine: SearchEngine) -> LTRReranker:
        """A reranker saved by ``save``, its features rebuilt over ``engine``'s parts."""
        folder = Path(folder)
        model = LTRModel.load(folder)
        counts = json.loads((folder / "event_counts.json").read_text(encoding="utf-8"))
        info_path = folder / "reranker.json"
        info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
        return cls(FeatureExtractor.from_engine(engine, counts=counts), model, info)


# ---------------------------------------------------------------------- click logs
#: Label of an interaction with a product shown for a search (shown-not-clicked = 0).
CLICK_GRADES = {"click": 1, "add_to_cart": 2, "purchase": 3}
#: Event columns ``click_labels`` reads.
CLICK_COLUMNS = frozenset({"session_id", "type", "timestamp", "item_id", "query"})


def click_labels(events: pl.DataFrame) -> pl.DataFrame:
    """Graded (query, product_id, label) from search sessions.

    A ``search`` event (with a ``query``) starts a result page in its session; ``click``
    events that follow it in the session (before the next search) are clicks on its results;
    a later ``add_to_cart``/``purchase`` of a clicked product in the same session upgrades
    that product's label (purchase 3 > cart 2 > click 1). ``impression`` events (if the log
    has them) after a search are shown products: label 0 unless clicked. Labels are per
    (normalised query, product): the maximum over sessions, with ``sessions`` counted.
    """
    need = set(CLICK_COLUMNS)
    if not need <= set(events.columns):
        raise ValueError(f"events need columns {sorted(need)}")
    ev = (
        events.select(*need)
        .filter(pl.col("session_id").is_not_null())
        .with_row_index("_i")
        .sort("session_id", "timestamp", "_i")
    )
    is_search = (pl.col("type") == "search") & pl.col("query").is_not_null()
    ev = ev.with_columns(
        pl.when(is_search)
        .then(pl.col("_i"))
        .otherwise(None)
        .forward_fill()
        .over("session_id")
        .alias("_search"),
        pl.when(is_search)
        .then(pl.col("query"))
        .otherwise(None)
        .forward_fill()
        .over("session_id")
        .alias("_q"),
    ).filter(pl.col("_search").is_not_null() & pl.col("item_id").is_not_null())
    shown = ev.filter(pl.col("type").is_in(["impression", "click"])).select(
        "session_id", "_search", "_q", "item_id", (pl.col("type") == "click").alias("_clicked")
    )
    shown = shown.group_by("session_id", "_search", "_q", "item_id").agg(pl.col("_clicked").any())
    # carts/purchases of a clicked product anywhere later in the session count for its search
    later = (
        ev.filter(pl.col("type").is_in(["add_to_cart", "purchase"]))
        .group_by("session_id", "item_id")
        .agg(pl.col("type").replace_strict(CLICK_GRADES, return_dtype=pl.Int32).max().alias("_after"))
    )
    lab = shown.join(later, on=["session_id", "item_id"], how="left").with_columns(
        pl.when(pl.col("_clicked"))
        .then(pl.max_horizontal(pl.lit(1, pl.Int32), pl.col("_after").fill_null(1)))
        .otherwise(0)
        .alias("label")
    )
    lab = lab.with_columns(pl.col("_q").map_elements(normalise_query, return_dtype=pl.Utf8).alias("query"))
    return (
        lab.group_by("query", pl.col("item_id").alias("product_id"))
        .agg(pl.col("label").max().cast(pl.Int32), pl.len().alias("sessions"))
        .sort("query", "product_id")
    )


def train_from_clicks(
    extractor: FeatureExtractor,
    events: pl.DataFrame,
    retrieve: Callable[[str], Sequence[str]],
    qvec: Callable[[str], np.ndarray | None] | None = None,
    num_rounds: int = DEFAULT_ROUNDS,
    params: Mapping[str, Any] | None = None,
    understand: Callable[[str], Understood | None] | None = None,
    labels: pl.DataFrame | None = None,
) -> LTRModel:
    """An ``LTRModel`` from click logs: per logged query, the candidates the engine retrieves
    (``retrieve(query)``, the products it would show) plus every product interacted with;
    labels from ``click_labels`` (non-interacted candidates = 0). When the log has no
    impressions, "shown" is approximated by the engine's own candidates. ``understand``
    gives the query's ``Understood`` (as the engine passes it when serving); ``labels``
    (``click_labels`` output, e.g. a training subset of queries) replaces the events."""
    labels = click_labels(events) if labels is None else labels
    X_parts, y_parts, groups = [], [], []
    for (q,), frame in labels.group_by("query", maintain_order=True):
        got = dict(zip(frame["product_id"].to_list(), frame["label"].to_list(), strict=True))
        cands = list(dict.fromkeys([*retrieve(str(q)), *got]))
        cands = [c for c, k in zip(cands, extractor.known(cands), strict=True) if k]
        y = np.array([got.get(c, 0) for c in cands], dtype=np.int32)
        if len(cands) < 2 or y.max() == 0:
            continue
        u = understand(str(q)) if understand else None
        X_parts.append(extractor.features(str(q), cands, qvec(str(q)) if qvec else None, u))
        y_parts.append(y)
        groups.append(len(cands))
    if not groups:
        raise ValueError("no search session with a click on a known product: nothing to learn from")
    model = LTRModel(params, num_rounds, levels=max(CLICK_GRADES.values()))
    return model.fit(np.vstack(X_parts), np.concatenate(y_parts), groups)


# ---------------------------------------------------------------------- training for an engine
#: Queries needed (judged, or searched with a click) before a build trains a re-ranker.
MIN_QUERIES = 30
#: Share of queries held out (one of ``HOLDOUT_FOLDS`` ``fold_of`` folds) to accept a model.
HOLDOUT_FOLDS = 5


@dataclass
class Probe:
    """What a ``SearchEngine`` hands its re-ranker for one query: the cleaned query, its
    ``Understood``, the fused head (best first) and the query vector. Recording these from a
    real ``search`` call makes training see exactly the serving inputs."""

    query: str
    understood: Understood | None
    ids: list[str]
    qvec: np.ndarray | None


class _Recorder:
    """A stand-in re-ranker that records its input and keeps the fused order (all ties)."""

    def __init__(self) -> None:
        self.got: Probe | None = None

    def rerank(
        self,
        query: str,
        understood: Understood | None,
        candidate_ids: Sequence[str],
        qvec: np.ndarray | None = None,
    ) -> np.ndarray:
        self.got = Probe(query, understood, list(candidate_ids), qvec)
        return np.zeros(len(candidate_ids))


def probe(engine: SearchEngine, query: str) -> Probe | None:
    """The re-ranker input of ``query`` on ``engine`` (None when the query reaches no
    re-rank stage: nothing searchable in it, or no candidates)."""
    from shopmind.search.engine import SearchError

    rec, saved = _Recorder(), engine.reranker
    engine.reranker = rec
    try:
        engine.search(query, size=1, facets=(), highlight=False)
    except SearchError:
        return None
    finally:
        engine.reranker = saved
    return rec.got


def engine_ranking(engine: SearchEngine, query: str, reranker: Any, k: int = 10) -> list[str]:
    """The first ``k`` product ids ``engine`` returns for ``query`` with ``reranker`` attached."""
    saved = engine.reranker
    engine.reranker = reranker
    try:
        return engine.search(query, size=k, facets=(), highlight=False).ids
    finally:
        engine.reranker = saved


def judgment_grades(judgments: pl.DataFrame, known: Callable[[str], bool]) -> tuple[dict[str, dict[str, float]], float, float]:  # fmt: skip
    """``qrels[query][product_id] = grade`` (mean of repeated judgments) for products
    ``known`` to the engine, and the grade scale (min, max) seen."""
    if not {"query", "product_id", "relevance"} <= set(judgments.columns) or judgments.is_empty():
        return {}, 0.0, 0.0
    j = (
        judgments.select(
            pl.col("query").cast(pl.Utf8),
            pl.col("product_id").cast(pl.Utf8),
            pl.col("relevance").cast(pl.Float64, strict=False),
        )
        .drop_nulls()
        .filter(pl.col("query").str.strip_chars() != "")
        .group_by("query", "product_id", maintain_order=True)
        .agg(pl.col("relevance").mean())
    )
    qrels: dict[str, dict[str, float]] = {}
    for q, p, r in j.iter_rows():
        if known(p):
            qrels.setdefault(q, {})[p] = float(r)
    if not qrels:
        return {}, 0.0, 0.0
    grades = [g for per in qrels.values() for g in per.values()]
    return qrels, float(min(grades)), float(max(grades))


def _mean_ndcg(
    engine: SearchEngine,
    queries: Sequence[str],
    qrels: Mapping[str, Mapping[str, float]],
    lo: float,
    reranker: Any,
) -> float:
    vals = [ndcg_at_k(engine_ranking(engine, q, reranker), qrels[q], 10, lo) for q in queries]
    got = [v for v in vals if v is not None]
    return float(np.mean(got)) if got else 0.0


def fit_engine_reranker(
    engine: SearchEngine,
    judgments: pl.DataFrame | None,
    events: pl.DataFrame | None,
    min_queries: int = MIN_QUERIES,
    num_rounds: int = DEFAULT_ROUNDS,
) -> tuple[LTRReranker | None, dict[str, Any]]:
    """Train a re-ranker for ``engine`` at build time and decide whether to attach it.

    Source: graded ``judgments`` when they cover at least ``min_queries`` queries, else
    click logs in ``events`` (``click_labels``) when as many searched queries got a click,
    else none. Candidates per query are the engine's own re-rank head (recorded from a real
    search, ``probe``) plus the labelled products; features come from the engine's parts
    (``FeatureExtractor.from_engine``). One ``fold_of`` fold (20 % of queries) is held out:
    the model trained on the rest is to be attached only if the engine's NDCG@10 on the
    held-out queries with it is at least the NDCG@10 without it. Returns ``(reranker,
    facts)``: the trained re-ranker (None when none could be trained) and facts saying which
    source, how many queries, both held-out NDCG@10 values, and ``facts["ltr"]``:
    ``"attached"`` (attach it), ``"rejected"`` (it lost on the held-out queries: serve
    without it) or ``"skipped"``, with a ``reason`` whenever it is not ``"attached"``.
    """
    t0 = time.perf_counter()
    extractor = FeatureExtractor.from_engine(engine, events=events)
    known = extractor.pos.__contains__
    qrels, lo, hi = judgment_grades(judgments, known) if judgments is not None else ({}, 0.0, 0.0)
    facts: dict[str, Any] = {"min_queries": min_queries, "judged_queries": len(qrels)}
    labels = None
    if len(qrels) >= min_queries and hi > lo:
        source = "judgments"
    else:
        if events is not None and set(events.columns) >= CLICK_COLUMNS:
            labels = click_labels(events)
            positive = labels.filter(pl.col("label") > 0)
            labels = labels.filter(pl.col("query").is_in(positive["query"].unique().implode()))
            labels = labels.filter(pl.col("product_id").map_elements(known, return_dtype=pl.Boolean))
        n_click = 0 if labels is None else labels.filter(pl.col("label") > 0)["query"].n_unique()
        facts["clicked_queries"] = n_click
        if labels is None or n_click < min_queries:
            facts.update(ltr="skipped", reason=(
                f"too little to learn from: {len(qrels)} judged queries and {n_click} searched queries "
                f"with clicks (need {min_queries})"
            ))  # fmt: skip
            return None, facts
        source = "clicks"
        qrels = {}
        for (q,), frame in labels.group_by("query", maintain_order=True):
            qrels[str(q)] = {p: float(v) for p, v in zip(frame["product_id"], frame["label"], strict=True)}
        lo, hi = 0.0, float(max(CLICK_GRADES.values()))
    queries = sorted(qrels)
    probes = {q: probe(engine, q) for q in queries}
    queries = [q for q in queries if probes[q] is not None]
    test = [q for q in queries if fold_of(q, HOLDOUT_FOLDS) == 0]
    train = [q for q in queries if fold_of(q, HOLDOUT_FOLDS) != 0]
    facts.update(source=source, queries=len(queries), train_queries=len(train), heldout_queries=len(test))
    if not test or not train:
        facts.update(ltr="skipped", reason="no query left to hold out or to train on")
        return None, facts

    def pr(q: str) -> Probe:
        got = probes[q]
        assert got is not None
        return got

    try:
        if source == "judgments":
            X_parts, y_parts, groups = [], [], []
            for q in train:
                p, grades = pr(q), qrels[q]
                cands = list(dict.fromkeys([*p.ids, *sorted(grades, key=_neutral)]))
                cands = [c for c, k in zip(cands, extractor.known(cands), strict=True) if k]
                y = grade_labels(np.array([grades.get(c, np.nan) for c in cands]), lo, hi)
                if len(cands) < 2 or y.max() == 0:
                    continue
                X_parts.append(extractor.features(p.query, cands, p.qvec, p.understood))
                y_parts.append(y)
                groups.append(len(cands))
            if not groups:
                raise ValueError("no training query has a product graded above the minimum")
            model = LTRModel(num_rounds=num_rounds).fit(np.vstack(X_parts), np.concatenate(y_parts), groups)
        else:
            assert labels is not None
            model = train_from_clicks(
                extractor,
                events if events is not None else pl.DataFrame(),
                retrieve=lambda q: pr(q).ids,
                qvec=lambda q: pr(q).qvec,
                num_rounds=num_rounds,
                understand=lambda q: pr(q).understood,
                labels=labels.filter(pl.col("query").is_in(train)),
            )
    except ValueError as exc:
        facts.update(ltr="skipped", reason=f"training failed: {exc}")
        return None, facts
    reranker = LTRReranker(extractor, model)
    without = _mean_ndcg(engine, test, qrels, lo, None)
    with_ltr = _mean_ndcg(engine, test, qrels, lo, reranker)
    attach = with_ltr >= without - 1e-12
    facts.update(
        ltr="attached" if attach else "rejected",
        heldout_ndcg10={"without_ltr": round(without, 4), "with_ltr": round(with_ltr, 4)},
        train_rows=model.train_info.get("rows"),
        rounds=num_rounds,
        top_features=model.importance(5),
        seconds=round(time.perf_counter() - t0, 2),
    )
    if not attach:
        facts["reason"] = "the re-ranker lost NDCG@10 on the held-out queries"
    reranker.info = dict(facts)
    return reranker, facts


# ---------------------------------------------------------------------- evaluation
ALPHAS = tuple(round(a * 0.05, 2) for a in range(21))


def _ndcg10(order: np.ndarray, gains: np.ndarray, ideal: float) -> float:
    g = gains[order[:10]]
    return float((g / np.log2(np.arange(2, len(g) + 2))).sum() / ideal)


class LTREval:
    """``fusion+ltr`` / ``bm25+ltr`` for ``shopmind evaluate search``, scored out of fold.

    Protocol: queries are split into ``k`` folds by ``fold_of`` (md5 of the normalised query
    text), so equal queries share a fold; a query is scored only by the model trained on the
    other folds. Everything learned from judgments is learned inside the training folds: the
    LightGBM model and, for ``fusion``, the linear fusion weight alpha that picks the 100
    candidates (grid on the training folds' retrieval NDCG@10). LightGBM hyperparameters are
    fixed a priori (``DEFAULT_PARAMS``, ``DEFAULT_ROUNDS``). Retrieval view: candidates = top
    100 of the first stage (fusion of BM25F and dense top-100 lists, or BM25F alone); training
    labels there are the grades, unjudged = the scale's minimum. Rerank view: candidates =
    the judged products; a separate model per fold trained on the training folds' judged sets.
    Features never use judgments of any query.
    """

    def __init__(
        self,
        base: str = "fusion",
        vectors: Path | str | None = None,
        encoder: str = "use",
        k_folds: int = 5,
        num_rounds: int = DEFAULT_ROUNDS,
        depth: int = 100,
    ) -> None:
        from shopmind.search.evaluate import DEFAULT_VECTORS, DenseMethod, OursBM25

        if base not in ("fusion", "bm25"):
            raise ValueError(f"unknown LTR base {base!r}; valid: fusion, bm25")
        self.base = base
        self.name = f"{base}+ltr"
        self.lexical = OursBM25()
        self.dense = (
            DenseMethod(encoder, DEFAULT_VECTORS if vectors is None else vectors)
            if base == "fusion"
            else None
        )
        self.k_folds, self.num_rounds, self.depth = k_folds, num_rounds, depth
        self.extractor: FeatureExtractor | None = None
        self.models: dict[tuple[str, int], LTRModel] = {}
        self.alpha: dict[int, float] = {}
        self.ranked: dict[str, dict[str, list[str]]] = {"retrieval": {}, "rerank": {}}
        self.fit_info: dict[str, object] = {}
        self.understand: Callable[[str], Understood] | None = None
        self._stage: dict[str, tuple[list[str], np.ndarray]] = {}
        self._judged: dict[str, tuple[list[str], np.ndarray]] = {}

    # -- Method protocol
    def fit(self, products: pl.DataFrame) -> None:
        self.lexical.fit(products)
        dense_index = None
        if self.dense is not None:
            self.dense.fit(products)
            dense_index = self.dense.index
            self.fit_info = dict(self.dense.fit_info)
        assert self.lexical.index is not None
        self.extractor = FeatureExtractor(self.lexical.index, products, dense_index)
        self.understand = _understanding(products)

    def prepare_queries(self, queries: Sequence[str]) -> None:
        if self.dense is not None:
            self.dense.query_vectors(queries)
            self.fit_info = dict(self.dense.fit_info)

    def _qvec(self, q: str) -> np.ndarray | None:
        return self.dense.qvec(q) if self.dense is not None else None

    def _first_stage(self, queries: Sequence[str]) -> dict[str, tuple[list[str], np.ndarray, np.ndarray]]:
        """Per query: the union of the first-stage top lists, with BM25F and cosine over it.
        Dense top lists come from one matrix product per batch of queries (BLAS gemm, not a
        gemv per query)."""
        assert self.lexical.index is not None and self.extractor is not None
        dense_top: dict[str, list[str]] = {}
        if self.dense is not None and self.dense.index is not None:
            di = self.dense.index
            for start in range(0, len(queries), 256):
                batch = list(queries[start : start + 256])
                Q = np.vstack([self._qvec(q) for q in batch]).astype(np.float32)
                S = Q @ di.vectors.T  # (batch, products): rows contiguous for argpartition
                k = min(self.depth, S.shape[1])
                part = np.argpartition(-S, k - 1, axis=1)[:, :k]
                for j, q in enumerate(batch):
                    rows = part[j]
                    rows = rows[np.lexsort((rows, -S[j, rows]))]
                    dense_top[q] = [di.ids[i] for i in rows]
        out = {}
        for q in queries:
            lex_ids = self.lexical.index.search(q, self.depth).ids
            union = list(dict.fromkeys([*lex_ids, *dense_top.get(q, [])]))
            union = [c for c, k in zip(union, self.extractor.known(union), strict=True) if k]
            u = self.understand(q) if self.understand else None
            out[q] = (union, self.extractor.features(q, union, self._qvec(q), u, alpha=0.0))
        return out

    def _candidates(self, q: str, view: str, alpha: float) -> tuple[list[str], np.ndarray]:
        """A view's candidates of ``q`` and their features for fusion weight ``alpha``:
        retrieval = top ``depth`` of the fused union, rerank = the judged products."""
        union, X = self._stage[q] if view == "retrieval" else self._judged[q]
        if view == "retrieval":
            order = self._fused_order(X, alpha)
            union, X = [union[i] for i in order], X[order]
        return union, relative_columns(X.copy(), alpha)

    def _fused_order(self, X: np.ndarray, alpha: float) -> np.ndarray:
        lex = X[:, F["bm25f"]].astype(np.float64)
        cos = X[:, F["dense_cos"]].astype(np.float64)
        if self.dense is not None and np.isfinite(cos).any():
            cos = np.where(np.isfinite(cos), cos, np.nanmin(cos))
            s = (1.0 - alpha) * _minmax(lex) + alpha * _minmax(cos)
        else:
            s = lex
        return np.lexsort((np.arange(len(s)), -s))[: self.depth]

    def tune(self, data: EvalData, queries: Sequence[str]) -> dict[str, object]:
        """Train the out-of-fold models for every query (both views) and rank with them."""
        assert self.extractor is not None
        t0 = time.perf_counter()
        lo, hi = data.min_grade, data.max_grade
        splits = split_folds(list(queries), self.k_folds)
        self._stage = self._first_stage(list(queries))
        self._judged = {}
        for q in queries:
            judged = [c for c in sorted(data.qrels[q], key=_neutral) if c in self.extractor.pos]
            judged = [c for c, k in zip(judged, self.extractor.known(judged), strict=True) if k]
            u = self.understand(q) if self.understand else None
            self._judged[q] = (judged, self.extractor.features(q, judged, self._qvec(q), u, alpha=0.0))
        t_stage = time.perf_counter() - t0
        ideal = {
            q: sum(
                v / math.log2(r + 2)
                for r, v in enumerate(sorted((x - lo for x in data.qrels[q].values()), reverse=True)[:10])
            )
            for q in queries
        }
        # per fold: the fusion weight alpha picking the candidates, chosen on the training folds
        alpha_grid: dict[int, list[tuple[float, float]]] = {}
        for f in range(self.k_folds):
            if self.dense is None:
                self.alpha[f] = 0.0
                continue
            train_q = [q for q in splits[f][0] if ideal[q] > 0]
            gains = {q: np.array([data.qrels[q].get(c, lo) - lo for c in self._stage[q][0]]) for q in train_q}
            scores = []
            for a in ALPHAS:
                vals = [_ndcg10(self._fused_order(self._stage[q][1], a), gains[q], ideal[q]) for q in train_q]
                scores.append((a, float(np.mean(vals)) if vals else 0.0))
            alpha_grid[f] = scores
            self.alpha[f] = max(scores, key=lambda s: (s[1], -abs(s[0] - 0.5)))[0]
        t_feat = time.perf_counter() - t0 - t_stage
        # the first stage's own order, scored on the same out-of-fold protocol (same-run baseline)
        base = {v: {"ndcg@10": [], "recall@100": [], "mrr@10": []} for v in ("retrieval", "rerank")}
        fold_info = []
        for view in ("retrieval", "rerank"):
            for f in range(self.k_folds):
                a = self.alpha[f]
                X_parts, y_parts, groups = [], [], []
                for q in splits[f][0]:
                    cands, X = self._candidates(q, view, a)
                    if len(cands) < 2:
                        continue
                    g = data.qrels[q]
                    y = grade_labels(np.array([g.get(c, np.nan) for c in cands]), lo, hi)
                    if y.max() == 0:
                        continue
                    X_parts.append(X)
                    y_parts.append(y)
                    groups.append(len(cands))
                model = LTRModel(num_rounds=self.num_rounds)
                if groups:
                    model.fit(np.vstack(X_parts), np.concatenate(y_parts), groups)
                    self.models[(view, f)] = model
                test = splits[f][1]
                for q in test:
                    cands, X = self._candidates(q, view, a)
                    first = cands if view == "retrieval" else [cands[i] for i in self._fused_order(X, a)]
                    g = data.qrels[q]
                    base[view]["ndcg@10"].append(ndcg_at_k(first, g, 10, lo))
                    base[view]["recall@100"].append(recall_at_k(first, g, 100, data.threshold))
                    base[view]["mrr@10"].append(mrr_at_k(first, g, 10, data.threshold))
                    if (view, f) in self.models and len(cands):
                        s = model.predict(X)
                        order = np.lexsort((np.arange(len(s)), -s))
                        self.ranked[view][q] = [cands[i] for i in order]
                    else:
                        self.ranked[view][q] = list(cands)
                fold_info.append(
                    {
                        "view": view,
                        "fold": f,
                        "alpha": a if self.dense is not None else None,
                        "train_queries": len(groups),
                        "test_queries": len(test),
                        **{k: v for k, v in model.train_info.items() if k != "queries"},
                        "top_features": model.importance(5) if model.booster is not None else [],
                    }
                )
        self.tuning = {
            "protocol": (
                f"query-level {self.k_folds}-fold cross-fitting: fold = md5(normalised query) mod {self.k_folds} "
                "(equal normalised queries share a fold); each query is scored by the model trained on the other "
                "folds only; "
                + (
                    "the fusion alpha picking the candidates is chosen on the training folds too; "
                    if self.dense
                    else ""
                )
                + "LightGBM hyperparameters fixed a priori; features use no judgments"
            ),
            "chosen": {
                "protocol": f"{self.k_folds}-fold out-of-fold",
                "candidates": f"top {self.depth} of "
                + ("BM25F+USE linear fusion" if self.dense is not None else "BM25F"),
                "alpha_per_fold": [self.alpha[f] for f in range(self.k_folds)]
                if self.dense is not None
                else None,
                "first_stage_ndcg@10": {v: round(mean(d["ndcg@10"])[0], 4) for v, d in base.items()},
            },
            "params": {k: v for k, v in DEFAULT_PARAMS.items() if k != "verbose"},
            "num_rounds": self.num_rounds,
            "label_levels": LABEL_LEVELS,
            "features": list(FEATURES),
            "understanding": self.understand is not None,
            "folds": fold_info,
            "alpha_grid": {str(f): [(a, round(v, 4)) for a, v in s] for f, s in alpha_grid.items()},
            "first_stage": {
                v: {k: round(mean(vals)[0], 4) for k, vals in d.items()} for v, d in base.items()
            },
            "seconds": {
                "first_stage": round(t_stage, 1),
                "features": round(t_feat, 1),
                "total": round(time.perf_counter() - t0, 1),
            },
        }
        return self.tuning

    def search(self, query: str, k: int) -> list[str]:
        got = self.ranked["retrieval"].get(query)
        if got is None:
            raise KeyError(f"{query!r} was not prepared: LTREval scores only the queries given to tune()")
        return got[:k]

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        got = self.ranked["rerank"].get(query)
        if got is None or set(got) - set(candidates):
            raise KeyError(f"{query!r}: re-rank candidates differ from the judged set prepared in tune()")
        return got


def _neutral(pid: str) -> str:
    return hashlib.md5(pid.encode()).hexdigest()


def _understanding(products: pl.DataFrame) -> Callable[[str], Understood] | None:
    """Query understanding over the catalog when that module is available (else None)."""
    try:
        from shopmind.search.graph import KnowledgeGraph  # type: ignore[import-not-found]
        from shopmind.search.understand import QueryUnderstanding  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        qu = QueryUnderstanding(KnowledgeGraph.build(products, None))
    except Exception:  # noqa: BLE001 - an optional feature source must not break evaluation
        return None
    return qu.parse
