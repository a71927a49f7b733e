"""Features of (query, product) pairs, and the query-level fold protocol.

- ``FeatureExtractor``: one row of ``FEATURES`` per candidate, vectorised per query: the query
  terms' counts are sliced out of the lexical index's per-field CSC matrices once (a
  candidates x terms matrix per field) and every lexical feature is array arithmetic on them.
- ``fold_of``: query-level k-fold assignment (normalised query text, stable hash), used by
  the evaluator so a model never scores a query it was trained on (``LTREval``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from shopmind.search.lexical import FIELDS, LexicalIndex
from shopmind.search.ltr.folds import fold_of, normalise_query, split_folds  # noqa: F401 - re-exported
from shopmind.search.ltr.title_features import TitleTable

if TYPE_CHECKING:
    from shopmind.search.dense import DenseIndex
    from shopmind.search.engine import SearchEngine
    from shopmind.search.query import Understood

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
        # raw title and attribute values per row, normalised / parsed on first use
        # (``titles``, ``attr_pairs``): a reused re-ranker is attached to every rebuild's
        # engine, and parsing 55k attribute blobs up front was ~40 % of that (issue 17)
        self._raw_titles: list[str] = []
        self.brands: list[str] = []
        self.categories: list[str] = []
        self._raw_attrs: list[Any] = []
        self._attrs: dict[int, set[tuple[str, str]]] = {}
        self.price = np.zeros(0)
        self.rating = np.zeros(0)
        self._created = np.zeros(0)
        self.age = np.zeros(0)
        self.pop = {k: np.zeros(0) for k in POP_TYPES.values()}
        self._dense_rows: np.ndarray | None = None if dense is None else np.zeros(0, dtype=np.int64)
        self.titles = TitleTable(index.analyzer.tokens, self._raw_titles)
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
        start = len(self._raw_titles)
        ids = products["product_id"].cast(pl.Utf8).to_list()
        for i, p in enumerate(ids):
            self.pos[p] = start + i
        self._raw_titles += [t or "" for t in _col(products, "title", n)]
        self.brands += [(b or "").casefold().strip() for b in _col(products, "brand", n)]
        self.categories += [(c or "").casefold().strip() for c in _col(products, "category_path", n)]
        self._raw_attrs += (
            products["attributes"].to_list() if "attributes" in products.columns else [None] * n
        )
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
            counts = np.array([per.get(p, 0) for p in ids], dtype=np.float64) if per else np.zeros(n)
            self.pop[t] = np.concatenate([arr, np.log1p(counts)])
        if self.dense is not None and self._dense_rows is not None:
            dpos = self.dense.pos
            rows = np.array([dpos.get(p, -1) for p in ids], dtype=np.int64)
            self._dense_rows = np.concatenate([self._dense_rows, rows])

    def raw_titles(self) -> list[str]:
        """Every row's title as given (what ``title_facts`` normalises and analyses)."""
        return list(self._raw_titles)

    def give_title_terms(self, terms: Sequence[list[str]]) -> None:
        """Analysed terms of rows ``0..len(terms)-1``' titles computed elsewhere (a child
        process: ``ltr.title_terms``), by the index's analyzer on the normalised title."""
        self.titles.give(terms)

    def drop_given_terms(self) -> None:
        self.titles.drop_given()

    def attr_pairs(self, i: int) -> set[tuple[str, str]]:
        """The (key, value) attribute pairs of product row ``i`` (casefolded), parsed once."""
        got = self._attrs.get(i)
        if got is None:
            got = self._attrs[i] = _attr_pairs(self._raw_attrs[i])
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
            for name, col in self.titles.columns(query, tokens, rows).items():
                X[:, F[name]] = col
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
                have = self.attr_pairs(i)
                X[j, F["u_attribute"]] = sum(a in have for a in attrs) / len(attrs)
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


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each score, best first (ties by position)."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    r = np.empty(len(scores))
    r[order] = np.arange(1, len(scores) + 1)
    return r


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(np.min(x)), float(np.max(x))
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x, dtype=np.float64)
