"""Fielded BM25 (BM25F) over products, with incremental updates and typo tolerance.

Scoring is BM25F (Robertson & Zaragoza's "simple BM25F"): per field ``f`` the term frequency
is length-normalised with the field's own ``b_f`` and average length, the fields are summed
with weights into one pseudo-frequency, and saturation ``tf/(k1+tf)`` is applied once::

    tf~(t, d) = sum_f  w_f * tf_f(t, d) / (1 - b_f + b_f * len_f(d) / avglen_f)
    score(q, d) = sum_{t in q}  qtf(t) * idf(t) * tf~ / (k1 + tf~)
    idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))        (df over documents, any field)

Why not a weighted sum of per-field BM25: that saturates each field separately, so a term
repeated in title and description scores almost twice, and a term's idf is counted once per
field; BM25F keeps one saturation and one idf per term, which is what field weighting means.

Storage: the index is a list of *segments*. A segment holds, per field, a CSC matrix of raw
term counts (documents x vocabulary), field lengths, a document-term presence matrix (CSR)
and a ``live`` mask (tombstones). ``upsert`` analyses only the new products into a new small
segment and tombstones older versions; ``delete`` tombstones; ``merge`` compacts the live
rows (and the vocabulary) into one segment. N, df and the total field lengths are *global*
and kept exact under every operation, and normalisation happens at query time, so scores are
identical to those of an index built from scratch on the final catalog.

Query scoring is vectorised: the postings of the query terms are sliced out of the CSC
arrays, normalised and accumulated with ``np.unique``/``np.bincount``, and the top k are
taken with ``argpartition``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.data.model import CATEGORY_SEP
from shopmind.text.analysis import Analyzer

FIELDS: tuple[str, ...] = ("title", "brand", "category_path", "attributes", "description")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class BM25Params:
    """BM25F parameters: one ``k1``; a weight and a length-normalisation ``b`` per field.

    The defaults are textbook values chosen a priori (k1 = 1.2, b = 0.75; title counts most,
    description least); they were not tuned on any judgments.
    """

    k1: float = 1.2
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "title": 2.0,
            "brand": 1.5,
            "category_path": 1.0,
            "attributes": 1.0,
            "description": 0.5,
        }
    )
    b: Mapping[str, float] = field(
        default_factory=lambda: {
            "title": 0.75,
            "brand": 0.5,
            "category_path": 0.5,
            "attributes": 0.5,
            "description": 0.75,
        }
    )

    def as_dict(self) -> dict[str, object]:
        return {"k1": self.k1, "weights": dict(self.weights), "b": dict(self.b)}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> BM25Params:
        return cls(k1=float(d["k1"]), weights=dict(d["weights"]), b=dict(d["b"]))  # type: ignore[arg-type]


@dataclass
class SearchResult:
    """Ranked product ids with scores; ``corrections`` maps a query term to its spelling fix."""

    ids: list[str]
    scores: list[float]
    terms: list[str]
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def spelling_corrected(self) -> bool:
        return bool(self.corrections)


def product_fields(product: Mapping[str, object]) -> dict[str, str]:
    """The text of each indexed field of a product row (canonical columns; missing -> '')."""
    out: dict[str, str] = {}
    for name in FIELDS:
        value = product.get(name)
        if value is None:
            out[name] = ""
        elif name == "attributes":
            out[name] = _attributes_text(value)
        elif name == "category_path":
            out[name] = str(value).replace(CATEGORY_SEP.strip(), " ")
        else:
            out[name] = str(value)
    return out


def _attributes_text(value: object) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, Mapping):
        return " ".join(f"{k} {v}" for k, v in value.items() if v is not None)
    if isinstance(value, Iterable):
        parts = []
        for item in value:
            if isinstance(item, Mapping):
                parts.append(f"{item.get('key') or ''} {item.get('value') or ''}")
            elif item is not None:
                parts.append(str(item))
        return " ".join(parts)
    return str(value)


def _rows(products: pl.DataFrame | Iterable[Mapping[str, object]]) -> list[Mapping[str, object]]:
    if isinstance(products, pl.DataFrame):
        return list(products.iter_rows(named=True))
    return list(products)


class _Segment:
    """An immutable block of documents plus its mutable tombstone mask."""

    def __init__(
        self,
        ids: np.ndarray,
        tf: dict[str, sp.csc_matrix],
        lengths: dict[str, np.ndarray],
        present: sp.csr_matrix,
        live: np.ndarray | None = None,
    ) -> None:
        self.ids = ids
        self.tf = tf
        self.lengths = lengths
        self.present = present
        self.live = np.ones(len(ids), dtype=bool) if live is None else live

    def __len__(self) -> int:
        return len(self.ids)

    def terms_of(self, row: int) -> np.ndarray:
        return self.present.indices[self.present.indptr[row] : self.present.indptr[row + 1]]


class LexicalIndex:
    """Fielded BM25 index over products with upsert/delete/merge, persistence and spelling fixes.

    >>> idx = LexicalIndex()
    >>> idx.upsert([{"product_id": "1", "title": "Red running shoes"}])
    >>> idx.search("runing shoe", k=5).ids
    ['1']
    """

    def __init__(self, analyzer: Analyzer | None = None, params: BM25Params | None = None) -> None:
        self.analyzer = analyzer or Analyzer()
        self.params = params or BM25Params()
        unknown = set(self.params.weights) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; valid: {FIELDS}")
        self.terms: list[str] = []
        self.vocab: dict[str, int] = {}
        self.df = np.zeros(0, dtype=np.int64)
        self.total_len = {f: 0 for f in FIELDS}
        self.n_live = 0
        self.segments: list[_Segment] = []
        self._where: dict[str, tuple[int, int]] = {}
        #: surface word -> term id, for the spelling corrector (words of correctable terms only)
        self.surface: dict[str, int] = {}
        self._spell: _SpellIndex | None = None

    # ------------------------------------------------------------------ building
    def __len__(self) -> int:
        return self.n_live

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._where

    @property
    def product_ids(self) -> list[str]:
        return list(self._where)

    def upsert(self, products: pl.DataFrame | Iterable[Mapping[str, object]]) -> int:
        """Index new or changed products as a new segment; older versions are tombstoned."""
        latest: dict[str, Mapping[str, object]] = {}
        for row in _rows(products):
            pid = row.get("product_id")
            if pid is None or str(pid) == "":
                raise ValueError("every product needs a product_id")
            latest[str(pid)] = row  # the last version of an id in the batch wins
        if not latest:
            return 0
        self.delete(latest.keys())
        ids = list(latest)
        n = len(ids)
        coo: dict[str, tuple[list[int], list[int]]] = {f: ([], []) for f in FIELDS}
        lengths = {f: np.zeros(n, dtype=np.int64) for f in FIELDS}
        vocab, terms, surface = self.vocab, self.terms, self.surface
        for r, pid in enumerate(ids):
            texts = product_fields(latest[pid])
            for f in FIELDS:
                pairs = self.analyzer.pairs(texts[f])
                if not pairs:
                    continue
                rows, cols = coo[f]
                for word, t in pairs:
                    tid = vocab.get(t)
                    if tid is None:
                        tid = vocab[t] = len(terms)
                        terms.append(t)
                    cols.append(tid)
                    if word not in surface and _correctable(word):
                        surface[word] = tid
                rows.extend([r] * len(pairs))
                lengths[f][r] = len(pairs)
        V = len(terms)
        tf = {}
        all_rows: list[np.ndarray] = []
        all_cols: list[np.ndarray] = []
        for f in FIELDS:
            rows = np.asarray(coo[f][0], dtype=np.int32)
            cols = np.asarray(coo[f][1], dtype=np.int32)
            m = sp.coo_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n, V)).tocsc()
            m.sum_duplicates()
            tf[f] = m
            all_rows.append(rows)
            all_cols.append(cols)
        rows = np.concatenate(all_rows)
        cols = np.concatenate(all_cols)
        present = sp.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, V)).tocsr()
        present.sum_duplicates()
        present.data[:] = 1
        seg = _Segment(np.asarray(ids, dtype=object), tf, lengths, present)
        self._add_segment(seg)
        return n

    def _add_segment(self, seg: _Segment) -> None:
        V = len(self.terms)
        if len(self.df) < V:
            self.df = np.concatenate([self.df, np.zeros(V - len(self.df), dtype=np.int64)])
        si = len(self.segments)
        self.segments.append(seg)
        live_rows = np.flatnonzero(seg.live)
        counts = np.asarray(seg.present[live_rows].sum(axis=0)).ravel().astype(np.int64)
        self.df[: len(counts)] += counts
        for f in FIELDS:
            self.total_len[f] += int(seg.lengths[f][live_rows].sum())
        self.n_live += len(live_rows)
        for r in live_rows:
            self._where[seg.ids[r]] = (si, int(r))

    def delete(self, product_ids: Iterable[object]) -> int:
        """Tombstone products by id; unknown ids are ignored. Returns how many were deleted."""
        n = 0
        for pid in product_ids:
            loc = self._where.pop(str(pid), None)
            if loc is None:
                continue
            seg = self.segments[loc[0]]
            row = loc[1]
            seg.live[row] = False
            self.df[seg.terms_of(row)] -= 1
            for f in FIELDS:
                self.total_len[f] -= int(seg.lengths[f][row])
            self.n_live -= 1
            n += 1
        return n

    def merge(self) -> None:
        """Compact all live documents into one segment and drop terms no document uses."""
        keep = np.flatnonzero(self.df > 0)
        remap = np.full(len(self.terms), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        ids: list[np.ndarray] = []
        tf_parts: dict[str, list[sp.csc_matrix]] = {f: [] for f in FIELDS}
        len_parts: dict[str, list[np.ndarray]] = {f: [] for f in FIELDS}
        pres_parts: list[sp.csr_matrix] = []
        V = len(self.terms)
        for seg in self.segments:
            rows = np.flatnonzero(seg.live)
            if not len(rows):
                continue
            ids.append(seg.ids[rows])
            for f in FIELDS:
                m = _pad(seg.tf[f].tocsr()[rows], V)
                tf_parts[f].append(m[:, keep])
                len_parts[f].append(seg.lengths[f][rows])
            pres_parts.append(_pad(seg.present[rows], V)[:, keep])
        self.terms = [self.terms[i] for i in keep]
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        self.surface = {w: int(remap[t]) for w, t in self.surface.items() if remap[t] >= 0}
        self.df = np.zeros(len(self.terms), dtype=np.int64)
        self.total_len = {f: 0 for f in FIELDS}
        self.n_live = 0
        self.segments = []
        self._where = {}
        self._spell = None
        if not ids:
            return
        seg = _Segment(
            np.concatenate(ids),
            {f: sp.vstack(tf_parts[f]).tocsc() for f in FIELDS},
            {f: np.concatenate(len_parts[f]) for f in FIELDS},
            sp.vstack(pres_parts).tocsr(),
        )
        self._add_segment(seg)

    # ------------------------------------------------------------------ querying
    def idf(self, term_ids: np.ndarray | None = None) -> np.ndarray:
        """BM25 idf of the given term ids (all terms when None), from the global statistics."""
        df = self.df if term_ids is None else self.df[term_ids]
        return np.log1p((self.n_live - df + 0.5) / (df + 0.5))

    def analyze_query(self, query: str, correct: bool = True) -> tuple[list[str], dict[str, str]]:
        """Query terms after analysis and spelling correction, and the corrections made."""
        pairs = self.analyzer.pairs(query)
        corrections: dict[str, str] = {}
        tokens = []
        for word, t in pairs:
            tid = self.vocab.get(t)
            if correct and (tid is None or self.df[tid] == 0):
                fix = self._speller().correct(word)
                if fix is not None:
                    corrections[word] = fix
                    t = self.terms[self.surface[fix]]
            tokens.append(t)
        return tokens, corrections

    def search(
        self,
        query: str,
        k: int = 10,
        candidates: Sequence[str] | None = None,
        correct: bool = True,
    ) -> SearchResult:
        """Top ``k`` products for ``query`` (optionally only among ``candidates``)."""
        tokens, corrections = self.analyze_query(query or "", correct=correct)
        seg_of, rows, scores = self._score_terms(tokens)
        if candidates is not None and len(rows):
            allowed = [np.zeros(len(seg), dtype=bool) for seg in self.segments]
            for c in candidates:
                loc = self._where.get(str(c))
                if loc is not None:
                    allowed[loc[0]][loc[1]] = True
            keep = np.zeros(len(rows), dtype=bool)
            for si, mask in enumerate(allowed):
                sel = seg_of == si
                keep[sel] = mask[rows[sel]]
            seg_of, rows, scores = seg_of[keep], rows[keep], scores[keep]
        top = _top_k(scores, k)
        ids = [str(self.segments[si].ids[r]) for si, r in zip(seg_of[top], rows[top], strict=True)]
        return SearchResult(ids, scores[top].tolist(), tokens, corrections)

    def scores(self, query: str, correct: bool = True) -> dict[str, float]:
        """Score of every live product matching at least one query term."""
        tokens, _ = self.analyze_query(query or "", correct=correct)
        seg_of, rows, scores = self._score_terms(tokens)
        return {
            str(self.segments[si].ids[r]): float(sc)
            for si, r, sc in zip(seg_of.tolist(), rows.tolist(), scores.tolist(), strict=True)
        }

    def _score_terms(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(segment index, row, score) of every live document matching a term."""
        qtf: dict[int, int] = {}
        for t in tokens:
            tid = self.vocab.get(t)
            if tid is not None and self.df[tid] > 0:
                qtf[tid] = qtf.get(tid, 0) + 1
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
        if not qtf or self.n_live == 0:
            return empty
        tids = np.fromiter(qtf, dtype=np.int64)
        Q = len(tids)
        qweight = self.idf(tids) * np.fromiter(qtf.values(), dtype=np.float64)
        k1 = self.params.k1
        avg = {f: self.total_len[f] / self.n_live for f in FIELDS}
        fields = [f for f in FIELDS if self.params.weights.get(f, 0.0) > 0 and avg[f] > 0]
        out_seg, out_rows, out_scores = [], [], []
        for si, seg in enumerate(self.segments):
            keys, vals = [], []
            for f in fields:
                m = seg.tf[f]
                w, b = self.params.weights[f], self.params.b.get(f, 0.75)
                lens = seg.lengths[f]
                for qi, t in enumerate(tids):
                    if t >= m.shape[1]:
                        continue
                    s, e = m.indptr[t], m.indptr[t + 1]
                    if s == e:
                        continue
                    rows = m.indices[s:e]
                    keys.append(rows.astype(np.int64) * Q + qi)
                    vals.append(w * m.data[s:e] / (1.0 - b + b * lens[rows] / avg[f]))
            if not keys:
                continue
            if len(fields) == 1:  # one field: (doc, term) pairs are already unique
                ukeys, acc = np.concatenate(keys), np.concatenate(vals)
            else:
                ukeys, inv = np.unique(np.concatenate(keys), return_inverse=True)
                acc = np.bincount(inv, weights=np.concatenate(vals))
            contrib = acc / (k1 + acc) * qweight[ukeys % Q]
            udocs, inv2 = np.unique(ukeys // Q, return_inverse=True)
            sc = np.bincount(inv2, weights=contrib)
            live = seg.live[udocs]
            out_seg.append(np.full(int(live.sum()), si, dtype=np.int64))
            out_rows.append(udocs[live])
            out_scores.append(sc[live])
        if not out_rows:
            return empty
        return np.concatenate(out_seg), np.concatenate(out_rows), np.concatenate(out_scores)

    def _speller(self) -> _SpellIndex:
        if self._spell is None:
            self._spell = _SpellIndex()
        self._spell.extend(self.surface)
        self._spell.df = self.df
        return self._spell

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path | str) -> Path:
        """Write the index to ``folder`` (``index.json`` + one ``seg-NNNN.npz`` per segment)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("seg-*.npz"):
            old.unlink()
        names = []
        for i, seg in enumerate(self.segments):
            arrays: dict[str, np.ndarray] = {
                "ids": np.asarray(seg.ids.tolist(), dtype=str),
                "live": seg.live,
                "present_indptr": seg.present.indptr,
                "present_indices": seg.present.indices,
                "present_shape": np.asarray(seg.present.shape),
            }
            for f in FIELDS:
                m = seg.tf[f]
                arrays[f"{f}_data"] = m.data
                arrays[f"{f}_indices"] = m.indices
                arrays[f"{f}_indptr"] = m.indptr
                arrays[f"{f}_shape"] = np.asarray(m.shape)
                arrays[f"{f}_len"] = seg.lengths[f]
            name = f"seg-{i:04d}.npz"
            np.savez_compressed(folder / name, **arrays)
            names.append(name)
        meta = {
            "format_version": FORMAT_VERSION,
            "params": self.params.as_dict(),
            "analyzer": self.analyzer.config(),
            "terms": self.terms,
            "surface": self.surface,
            "segments": names,
        }
        (folder / "index.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path | str) -> LexicalIndex:
        folder = Path(folder)
        meta = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{folder}: unsupported index format {meta.get('format_version')!r}")
        idx = cls(Analyzer(**meta["analyzer"]), BM25Params.from_dict(meta["params"]))
        idx.terms = list(meta["terms"])
        idx.vocab = {t: i for i, t in enumerate(idx.terms)}
        idx.surface = {w: int(t) for w, t in meta["surface"].items()}
        for name in meta["segments"]:
            with np.load(folder / name, allow_pickle=False) as z:
                n = len(z["ids"])
                tf = {
                    f: sp.csc_matrix(
                        (z[f"{f}_data"], z[f"{f}_indices"], z[f"{f}_indptr"]), shape=tuple(z[f"{f}_shape"])
                    )
                    for f in FIELDS
                }
                present = sp.csr_matrix(
                    (
                        np.ones(len(z["present_indices"]), dtype=np.int8),
                        z["present_indices"],
                        z["present_indptr"],
                    ),
                    shape=tuple(z["present_shape"]),
                )
                seg = _Segment(
                    np.asarray(z["ids"].tolist(), dtype=object),
                    tf,
                    {f: z[f"{f}_len"] for f in FIELDS},
                    present,
                    z["live"].copy(),
                )
                assert len(seg) == n
            idx._add_segment(seg)
        return idx


def _pad(m: sp.spmatrix, cols: int) -> sp.csr_matrix:
    m = sp.csr_matrix(m)
    if m.shape[1] < cols:
        m = sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], cols))
    return m


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first (ties in a stable order)."""
    if k <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


# ---------------------------------------------------------------------- spelling
def max_edits(term: str) -> int:
    """Edit budget for a query term: 0 below 4 letters, 1 for 4-7, 2 from 8."""
    n = len(term)
    return 0 if n < 4 else 1 if n < 8 else 2


def _correctable(term: str) -> bool:
    return term.isascii() and term.isalpha()


def _deletes(term: str, depth: int) -> set[str]:
    out = {term}
    frontier = {term}
    for _ in range(depth):
        nxt = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1 :])
        out |= nxt
        frontier = nxt
    return out


def osa_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment (Damerau-Levenshtein with adjacent transpositions) distance;
    returns ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class _SpellIndex:
    """SymSpell-style deletion neighbourhoods of the catalog's surface words (built incrementally).

    A word of the query whose term is not in the index is matched against the words seen at
    indexing time (before stemming: "stainles" -> "stainless", whose stem differs from that of
    the typo); candidates within the edit budget are ranked by distance, then by the document
    frequency of their term, then alphabetically, and words whose term no live document uses
    are skipped.
    """

    def __init__(self) -> None:
        self.deletes: dict[str, list[str]] = {}
        self.words: dict[str, int] = {}
        self.upto = 0
        self.max_len = 0
        self.df = np.zeros(0, dtype=np.int64)

    def extend(self, surface: dict[str, int]) -> None:
        """Index the words added to ``surface`` since the last call (it only grows between
        merges; a merge builds a new map and a new speller)."""
        if surface is not self.words:
            self.deletes, self.words, self.upto, self.max_len = {}, surface, 0, 0
        if len(surface) == self.upto:
            return
        for w in list(surface)[self.upto :]:
            self.max_len = max(self.max_len, len(w))
            if len(w) >= 3:
                for d in _deletes(w, 2 if len(w) >= 6 else 1):
                    self.deletes.setdefault(d, []).append(w)
        self.upto = len(surface)

    def correct(self, word: str) -> str | None:
        budget = max_edits(word)
        # a word longer than every catalog word + the budget cannot match (and would make a
        # huge deletion neighbourhood): a pasted 100 kB "word" is answered at once
        if budget == 0 or len(word) > self.max_len + budget or not _correctable(word):
            return None
        best: tuple[int, int, str] | None = None
        seen: set[str] = set()
        for d in _deletes(word, budget):
            for cand in self.deletes.get(d, ()):
                if cand in seen:
                    continue
                seen.add(cand)
                tid = self.words[cand]
                if tid >= len(self.df) or self.df[tid] <= 0:
                    continue
                dist = osa_distance(word, cand, budget)
                if dist > budget:
                    continue
                key = (dist, -int(self.df[tid]), cand)
                if best is None or key < best:
                    best = key
        return None if best is None else best[2]
