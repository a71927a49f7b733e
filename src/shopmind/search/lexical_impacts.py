"""Impact postings of the lexical index: per term, the saturated BM25F factor of every live
document containing it, built term by term on first use (``term_postings``) or all at once
(``full_impacts``), and the cache that holds them for one state of the global statistics.

Split out of ``search/lexical.py``: these are the scoring kernels (the formula of the
``search.lexical`` docstring, in the order that keeps scores bit-identical), the index
decides when to build and drop them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from shopmind.search.lexical_segments import Segment, pad_csc

#: (field, weight, b, average length) of each field that can contribute to a score
ScoredFields = list[tuple[str, float, float, float]]
#: (indptr, docs, sat, sat * idf, idf per term) over all terms, as ``LexicalIndex.warm`` builds it
FullImpacts = tuple[list[int], np.ndarray, np.ndarray, np.ndarray, list[float]]

#: A term's impact postings: (global document numbers ascending, ``tf~/(k1+tf~)``,
#: ``idf * tf~/(k1+tf~)``, idf) over the live documents containing it.
Postings = tuple[np.ndarray, np.ndarray, np.ndarray, float]


class Impacts:
    """Impact postings valid for one state of the global statistics: per term on demand
    (``terms``), or all at once after ``LexicalIndex.warm`` (``full``: CSC arrays over
    global document numbers)."""

    def __init__(self, fields: ScoredFields) -> None:
        self.fields = fields
        self.terms: dict[int, Postings] = {}
        self.full: FullImpacts | None = None


def term_postings(
    segments: list[Segment], offsets: np.ndarray, tid: int, fields: ScoredFields, k1: float
) -> tuple[np.ndarray, np.ndarray]:
    """Global document numbers (ascending) and saturated BM25F factors ``tf~/(k1+tf~)`` of the
    live documents containing term ``tid``; ``offsets`` number segment rows globally."""
    docs_parts, sat_parts = [], []
    for si, seg in enumerate(segments):
        rows_parts, vals_parts = [], []
        for f, w, b, avg in fields:
            m = seg.tf[f]
            if tid >= m.shape[1]:
                continue
            if not m.has_sorted_indices:  # postings must ascend (true for every CSC we build)
                m.sort_indices()
            s, e = m.indptr[tid], m.indptr[tid + 1]
            if s == e:
                continue
            rows = m.indices[s:e]
            rows_parts.append(rows)
            vals_parts.append(w * m.data[s:e] / (1.0 - b + b * seg.lengths[f][rows] / avg))
        if not rows_parts:
            continue
        if len(rows_parts) == 1:  # rows of one CSC column are unique and sorted
            rows, acc = rows_parts[0].astype(np.int64), vals_parts[0]
        else:  # summed in field order, as the per-field sums of the formula
            rows, inv = np.unique(np.concatenate(rows_parts), return_inverse=True)
            acc = np.bincount(inv, weights=np.concatenate(vals_parts))
            rows = rows.astype(np.int64)
        live = seg.live[rows]
        acc = acc[live]
        docs_parts.append(rows[live] + offsets[si])
        sat_parts.append(acc / (k1 + acc))
    if not docs_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(docs_parts), np.concatenate(sat_parts)


def full_impacts(segments: list[Segment], fields: ScoredFields, k1: float, idf: np.ndarray) -> FullImpacts:
    """The impact postings of every term at once (what ``LexicalIndex.warm`` stores), vectorised
    per segment; ``idf`` holds one value per term of the vocabulary."""
    V = len(idf)
    parts = []
    for seg in segments:
        acc = sp.csc_matrix((len(seg), V))
        for f, w, b, avg in fields:
            m = pad_csc(seg.tf[f], V)
            lens = seg.lengths[f]
            # the same expression as in ``term_postings`` (same rounding)
            vals = w * m.data / (1.0 - b + b * lens[m.indices] / avg)
            acc = acc + sp.csc_matrix((vals, m.indices, m.indptr), shape=m.shape)
        acc = sp.csc_matrix(acc)
        acc.sort_indices()
        keep = seg.live[acc.indices]
        # new column pointers: how many kept postings precede each old pointer
        indptr = np.concatenate([[0], np.cumsum(keep)])[acc.indptr]
        data = acc.data[keep]
        parts.append(sp.csc_matrix((data / (k1 + data), acc.indices[keep], indptr), shape=acc.shape))
    full = sp.vstack(parts, format="csc") if parts else sp.csc_matrix((0, V))
    full.sort_indices()
    cols = np.repeat(np.arange(V), np.diff(full.indptr))
    return (
        full.indptr.tolist(),  # Python ints: slicing with them is cheaper than with numpy scalars
        full.indices.astype(np.int64, copy=False),
        full.data,
        full.data * idf[cols],
        idf.tolist(),
    )
