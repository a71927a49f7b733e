"""The served engine's fusion settings for an attached query adapter (issue 12 item 1).

Why this exists: the engine's dense floor (``DENSE_FLOORS["e5"]`` = 0.80) and fusion weight
(``alpha`` 0.20) were chosen for the *frozen* encoder's cosines. An adapter maps query vectors
to ``normalise(q + U Vᵀ q)``, which moves every (query, product) cosine: e5's cosines sit in a
narrow band (~0.7-0.95), so a small shift moves many products across the floor, and the
dense part of the fused candidate set changes size (measured on the demo shop: the served
engine's Recall@100 fell with the adapter while dense retrieval alone gained). So when a
release attaches an adapter it re-chooses them, on the click queries the release already
holds out for the attach decision (never on judgments):

1. ``share_floor``: the adapted floor that keeps the same share of (query, product) cosines
   above it as the frozen floor keeps with the frozen vectors (how the floors of the other
   encoders were set, ``engine_types.DENSE_FLOORS``); label-free.
2. ``choose_fusion``: the served engine (``SearchEngine.search``, understanding and filters as
   served) is scored on the held-out click queries (NDCG@10, click grades as gains) for the
   frozen encoder over ``alpha`` at its floor and for the adapter over a small grid of floors x
   ``alpha``; the adapter grid's best replaces the current settings only when its paired
   per-query gain is significant (``scoring.significant_gain``). The caller keeps the adapter
   only when, at its chosen settings, it beats the frozen encoder at the frozen encoder's best
   ``alpha`` significantly (paired, 2 standard errors).

Why the frozen encoder gets the same ``alpha`` grid (session 16, demo shop, held-out clicks):
a larger ``alpha`` lifts the served engine with or without the adapter (frozen 0.3269 at 0.2 ->
0.3355 at 0.5; adapted 0.3366 at 0.5), so comparing the adapter's best grid setting with the
frozen engine at 0.2 credited the adapter with the re-tuned weight, and the release shipped an
adapter that gained nothing against the frozen encoder at the same weight (nor on the judgments).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.search.adapt.scoring import significant_gain
from shopmind.search.metrics import ndcg_at_k

if TYPE_CHECKING:
    from shopmind.search.adapt.model import QueryAdapter
    from shopmind.search.engine import SearchEngine

#: fusion weights of the dense part tried for an adapted encoder (0.20 is the frozen default)
ALPHAS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5)
#: query rows used to measure the cosine share (enough for a stable quantile, bounded memory)
SHARE_QUERIES = 512


def share_floor(floor: float, Qf: np.ndarray, Qa: np.ndarray, P: np.ndarray) -> float:
    """The floor for adapted query vectors ``Qa`` that keeps the share of (query, product)
    cosines that ``floor`` keeps for the frozen vectors ``Qf`` (same queries, same rows) over
    product vectors ``P``. ``floor`` itself when the share is 0 or 1 (nothing to match)."""
    Qf = np.asarray(Qf, dtype=np.float32)
    Qa = np.asarray(Qa, dtype=np.float32)
    if Qf.shape != Qa.shape or Qf.ndim != 2 or P.ndim != 2 or Qf.shape[1] != P.shape[1]:
        raise ValueError(f"share_floor needs matching query rows and dims: {Qf.shape}, {Qa.shape}, {P.shape}")
    if not len(Qf) or not len(P):
        raise ValueError("share_floor needs at least one query and one product vector")
    Qf, Qa = Qf[:SHARE_QUERIES], Qa[:SHARE_QUERIES]
    share = float(np.mean(Qf @ P.T >= floor))
    if share <= 0.0 or share >= 1.0:
        return float(floor)
    return float(np.quantile(Qa @ P.T, 1.0 - share))


def served_ndcg(engine: SearchEngine, qrels: Mapping[str, Mapping[str, float]], k: int = 10) -> np.ndarray:
    """Per-query NDCG@k of the engine's served ranking (``search`` as a shop calls it, relevance
    sort) with ``qrels[query][product_id]`` grades as gains, for queries with a positive grade
    (sorted query order, so two calls pair up)."""
    out = []
    for q in sorted(qrels):
        g = qrels[q]
        if not any(v > 0 for v in g.values()):
            continue
        ids = engine.search(q, size=k, facets=(), highlight=False).ids
        out.append(ndcg_at_k(ids, g, k, 0.0) or 0.0)
    return np.asarray(out, dtype=np.float64)


def choose_fusion(
    engine: SearchEngine,
    adapter: QueryAdapter,
    frozen_vectors: Any,
    heldout: Mapping[str, Mapping[str, float]],
    sample_frozen: np.ndarray,
    alphas: Sequence[float] = ALPHAS,
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """Choose ``engine.config``'s ``dense_floor`` and ``alpha`` for an engine serving through
    ``adapter`` (already attached), on the held-out click queries ``heldout``; sets them on
    the engine and returns (facts: ``served_ndcg10_frozen`` (current settings) /
    ``_frozen_best`` (the frozen encoder's best ``alpha``) / ``_adapted_before`` /
    ``_adapted`` and both grids; per-query NDCG@10 of the frozen engine at its best
    ``alpha``; of the adapted one at the chosen settings). ``frozen_vectors(texts) -> rows``
    gives the frozen encoder's vectors (the release's vector cache); ``sample_frozen`` are
    frozen vectors of training click queries for ``share_floor``. The engine's query-vector
    LRU and its fusion settings are left as they were, apart from the chosen settings."""
    t0 = time.perf_counter()
    cfg = engine.config
    P = engine.vectors
    if P is None:
        raise ValueError("choose_fusion needs an engine with product vectors")
    floor0, alpha0, dense_floor0 = cfg.floor(), cfg.alpha, cfg.dense_floor
    sample_frozen = np.asarray(sample_frozen, dtype=np.float32)
    floor_a = share_floor(floor0, sample_frozen, adapter.apply(sample_frozen), P)
    saved = OrderedDict(engine._qvecs)  # noqa: SLF001 - restored below
    try:
        engine._qvecs.clear()  # noqa: SLF001 - so match_texts lists every held-out query's text
        texts = engine.match_texts(list(heldout))
        if texts:
            frozen = np.asarray(frozen_vectors(texts), dtype=np.float32)
            frozen /= np.maximum(np.linalg.norm(frozen, axis=1, keepdims=True), 1e-12)
            adapted = adapter.apply(frozen)
        else:
            frozen = adapted = np.zeros((0, P.shape[1]), dtype=np.float32)

        def use(vecs: np.ndarray) -> None:
            for t, v in zip(texts, vecs, strict=True):
                engine._qvecs[t] = v  # noqa: SLF001

        use(frozen)
        base = served_ndcg(engine, heldout)
        frozen_grid: list[dict[str, Any]] = []
        frozen_best: tuple[float, np.ndarray] = (float(alpha0), base)
        for alpha in alphas:
            cfg.alpha = float(alpha)
            per = base if alpha == alpha0 else served_ndcg(engine, heldout)
            frozen_grid.append({"floor": round(float(floor0), 4), "alpha": alpha, "ndcg@10": round(float(per.mean()), 4)})  # fmt: skip
            if per.mean() > frozen_best[1].mean() + 1e-12:
                frozen_best = (float(alpha), per)
        cfg.alpha = alpha0
        use(adapted)
        before = served_ndcg(engine, heldout)
        grid: list[dict[str, Any]] = []
        best: tuple[float, float, np.ndarray] | None = None
        for floor in dict.fromkeys((floor0, floor_a)):
            for alpha in alphas:
                cfg.dense_floor, cfg.alpha = float(floor), float(alpha)
                per = served_ndcg(engine, heldout)
                grid.append(
                    {"floor": round(float(floor), 4), "alpha": alpha, "ndcg@10": round(float(per.mean()), 4)}
                )
                if best is None or per.mean() > best[2].mean() + 1e-12:
                    best = (float(floor), float(alpha), per)
    finally:
        cfg.dense_floor, cfg.alpha = dense_floor0, alpha0
        engine._qvecs.clear()  # noqa: SLF001
        engine._qvecs.update(saved)  # noqa: SLF001
    assert best is not None
    moved, gain, se = significant_gain(before, best[2])
    if moved:
        cfg.dense_floor, cfg.alpha = best[0], best[1]
    after = best[2] if moved else before
    facts = {
        "heldout_queries": len(base),
        "share_floor": round(floor_a, 4),
        "frozen_floor": round(floor0, 4),
        "served_ndcg10_frozen": round(float(base.mean()), 4) if len(base) else None,
        "served_ndcg10_frozen_best": round(float(frozen_best[1].mean()), 4) if len(base) else None,
        "frozen_best_alpha": frozen_best[0],
        "served_ndcg10_adapted_before": round(float(before.mean()), 4) if len(before) else None,
        "served_ndcg10_adapted": round(float(after.mean()), 4) if len(after) else None,
        "gain_over_current": [round(gain, 4), round(se, 4)],
        "chosen": {"dense_floor": cfg.floor(), "alpha": cfg.alpha, "moved": moved},
        "grid": grid,
        "frozen_grid": frozen_grid,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return facts, frozen_best[1], after
