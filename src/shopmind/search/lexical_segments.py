"""The storage under ``LexicalIndex``: segments, global document numbering, and top-k
selection over postings that may repeat a document.

Split out of ``search/lexical.py`` so that the index module holds the index's operations
(build, update, query) and this one the data structures and array helpers they work on;
see the docstring of ``search.lexical`` for how scoring uses them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class Segment:
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


def pad_csr(m: sp.spmatrix, cols: int) -> sp.csr_matrix:
    """``m`` as CSR with empty columns appended up to ``cols`` (older segments know fewer terms)."""
    m = sp.csr_matrix(m)
    if m.shape[1] < cols:
        m = sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], cols))
    return m


def pad_csc(m: sp.csc_matrix, cols: int) -> sp.csc_matrix:
    """``m`` with empty columns appended up to ``cols`` (older segments know fewer terms)."""
    if m.shape[1] >= cols:
        return m
    indptr = np.concatenate([m.indptr, np.full(cols - m.shape[1], m.indptr[-1], dtype=m.indptr.dtype)])
    return sp.csc_matrix((m.data, m.indices, indptr), shape=(m.shape[0], cols))


def first_of_each(docs: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct value of ``docs``, in value order."""
    order = np.argsort(docs, kind="stable")
    if len(order) < 2:
        return order
    d = docs[order]
    keep = np.empty(len(d), dtype=bool)
    keep[0] = True
    np.not_equal(d[1:], d[:-1], out=keep[1:])
    return order[keep]


def top_k_distinct(
    scores: np.ndarray, docs: np.ndarray, k: int, copies: int
) -> tuple[list[int], list[float]]:
    """The ``k`` best distinct documents, by score descending then document number, where a
    document may occur up to ``copies`` times (always with the same score): the best ``k``
    distinct documents are among the ``k * copies`` best entries. Every entry tied with the
    cut is kept, so the result does not depend on how the partition breaks ties."""
    n = len(scores)
    if k <= 0 or not n:
        return [], []
    m = k * copies
    if n > m:
        kth = np.partition(scores, n - m)[n - m]
        sel = np.flatnonzero(scores >= kth)
        docs, scores = docs[sel], scores[sel]
    order = np.lexsort((docs, -scores))
    if copies == 1:
        order = order[:k]
        return docs[order].tolist(), scores[order].tolist()
    # copies sort next to each other: keep the first of each run (a few dozen entries, so a
    # plain loop is cheaper than another chain of numpy calls)
    top_docs: list[int] = []
    top_scores: list[float] = []
    last = -1
    for d, s in zip(docs[order].tolist(), scores[order].tolist(), strict=True):
        if d != last:
            top_docs.append(d)
            top_scores.append(s)
            last = d
            if len(top_docs) == k:
                break
    return top_docs, top_scores


class Layout:
    """Global document numbers: segment ``s``'s row ``r`` is ``offsets[s] + r``."""

    def __init__(self, segments: list[Segment]) -> None:
        sizes = [len(seg) for seg in segments]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.n_docs = int(self.offsets[-1])
        self.ids = np.concatenate([seg.ids for seg in segments]) if segments else np.zeros(0, dtype=object)
