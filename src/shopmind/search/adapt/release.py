"""The query adapter as a release component: trained at build time from the store's search
clicks, attached only when it wins on held-out queries (issue 12 item 1, release part).

``fit_release_adapter`` runs in the search vector stage, after product and past-query vectors
exist and before the learned re-ranker (which then learns over the adapted cosines):

1. labels from the click log (``ltr.click_labels``: purchase 3 > cart 2 > click 1 > shown 0);
2. too few queries with a click on a known product (``MIN_QUERIES``) or pairs
   (``MIN_PAIRS``) → the frozen encoder is kept, the manifest says why;
3. ``HOLDOUT`` of the queries (by md5, ``query_split``) are held out; the adapter is fitted on
   the rest (settings on its own validation split) and kept only if held-out dense retrieval
   NDCG@10 (click grades as gains) beats the frozen encoder's — else the frozen encoder is
   kept and the manifest gives both figures.

The adapter is saved with the engine (``search/encoder/adapter.*``), so it is versioned and
rolled back with the release.

Continual learning: when the previous release holds an adapter over the same encoder, the new
one is warm-started from it, and a forgetting check scores both on the previous release's
held-out queries (saved in the adapter's info; the md5 split keeps them held out now too):
losing more than ``FORGETTING_TOLERANCE`` of NDCG@10 there keeps the previous adapter, and
the manifest says why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.search.adapt.encoder import attach
from shopmind.search.adapt.model import (
    QueryAdapter,
    fit_adapter,
    pairs_from_grades,
    query_split,
    retrieval_ndcg,
)

if TYPE_CHECKING:
    import polars as pl

    from shopmind.search.dense_encoders import Encoder
    from shopmind.search.engine import SearchEngine

#: queries with a click on a known product needed before a build trains an adapter
MIN_QUERIES = 50
#: (query, product) pairs with a click or better needed
MIN_PAIRS = 100
#: share of those queries held out for the attach decision
HOLDOUT = 0.2
#: largest relative NDCG@10 loss on the previous release's held-out queries an update may have
FORGETTING_TOLERANCE = 0.01


def click_qrels(events: pl.DataFrame | None) -> dict[str, dict[str, float]]:
    """``qrels[query][product_id] = click grade`` (0 shown, 1 click, 2 cart, 3 purchase) from
    the search sessions of ``events``; empty when the log has no search columns."""
    from shopmind.search.ltr.clicks import CLICK_COLUMNS, click_labels

    if events is None or events.is_empty() or not set(events.columns) >= CLICK_COLUMNS:
        return {}
    out: dict[str, dict[str, float]] = {}
    for q, p, label, _n in click_labels(events).iter_rows():
        out.setdefault(str(q), {})[str(p)] = float(label)
    return out


def fit_from_qrels(
    qrels: dict[str, dict[str, float]],
    product_pos: dict[str, int],
    P: np.ndarray,
    frozen_qvecs: dict[str, np.ndarray],
    min_queries: int = MIN_QUERIES,
    min_pairs: int = MIN_PAIRS,
    previous: QueryAdapter | None = None,
) -> tuple[Any, dict[str, Any]]:
    """(adapter or None, manifest facts): the decision on click grades ``qrels`` (grade >= 1
    is a positive). ``frozen_qvecs`` holds the frozen vector of every query in ``qrels``.
    ``previous`` (the last release's adapter) warm-starts training and must not be forgotten:
    see the module docstring."""
    pairs = pairs_from_grades(qrels, product_pos, 1.0, 0.0)
    n_q, n_p = len(pairs.queries), len(pairs.positives)
    facts: dict[str, Any] = {"queries_with_clicks": n_q, "pairs": n_p}
    if n_q < min_queries or n_p < min_pairs:
        return None, {
            **facts,
            "adapter": "frozen",
            "reason": f"too few search clicks to adapt: {n_q} queries (need {min_queries}), {n_p} pairs (need {min_pairs})",
        }
    rest, held = query_split(pairs.queries, HOLDOUT, salt="release")
    row = {q: i for i, q in enumerate(pairs.queries)}
    train, test = pairs.subset([row[q] for q in rest]), pairs.subset([row[q] for q in held])
    try:
        res = fit_adapter(frozen_qvecs, P, train, init=previous)
    except ValueError as e:
        return None, {**facts, "adapter": "frozen", "reason": str(e)}
    res.adapter.info = {
        **res.adapter.info,
        "heldout_qrels": {q: dict(qrels[q]) for q in test.queries},
    }
    if previous is not None:
        check = forgetting_check(previous, res.adapter, product_pos, P, frozen_qvecs)
        facts["forgetting_check"] = check
        if check.get("refused"):
            return previous, {**facts, "adapter": "previous kept", "reason": check["reason"]}
    Qh = np.vstack([frozen_qvecs[q] for q in test.queries])
    before = retrieval_ndcg(Qh, P, test.grades)
    after = retrieval_ndcg(res.adapter.apply(Qh), P, test.grades)
    facts.update(
        heldout_queries=len(test.queries),
        train_queries=len(train.queries),
        heldout_ndcg10_frozen=round(float(before), 4),
        heldout_ndcg10_adapted=round(float(after), 4),
        fit_seconds=res.report.get("seconds"),
        chosen=res.report.get("kept"),
    )
    if res.adapter.is_identity or not after > before:
        why = f"validation chose the frozen encoder: {res.report.get('kept')}" if res.adapter.is_identity else (
            f"lost on held-out queries: NDCG@10 {after:.4f} adapted vs {before:.4f} frozen"
        )  # fmt: skip
        return None, {**facts, "adapter": "frozen", "reason": why}
    return res.adapter, {**facts, "adapter": "attached", "fingerprint": res.adapter.fingerprint()}


def forgetting_check(
    previous: QueryAdapter,
    new: QueryAdapter,
    product_pos: dict[str, int],
    P: np.ndarray,
    frozen_qvecs: dict[str, np.ndarray],
) -> dict[str, Any]:
    """Both adapters' dense retrieval NDCG@10 on the previous release's held-out queries
    (those whose frozen vector is known and with a product still in the catalog); ``refused``
    when the new one loses more than ``FORGETTING_TOLERANCE`` (relative)."""
    old_held = previous.info.get("heldout_qrels") or {}
    qrels = {q: g for q, g in old_held.items() if q in frozen_qvecs}
    pairs = pairs_from_grades(qrels, product_pos, 1.0, 0.0)
    if not pairs.queries:
        return {"refused": False, "reason": "no held-out queries of the previous release to check on"}
    Q = np.vstack([frozen_qvecs[q] for q in pairs.queries])
    a = float(retrieval_ndcg(previous.apply(Q), P, pairs.grades))
    b = float(retrieval_ndcg(new.apply(Q), P, pairs.grades))
    out: dict[str, Any] = {
        "queries": len(pairs.queries),
        "ndcg10_previous": round(a, 4),
        "ndcg10_new": round(b, 4),
    }
    if b < a * (1.0 - FORGETTING_TOLERANCE):
        out.update(refused=True, reason=(
            f"forgetting check: NDCG@10 on the previous release's held-out queries fell from {a:.4f} to {b:.4f} "
            f"(more than {FORGETTING_TOLERANCE:.0%} lost); the previous adapter is kept"))  # fmt: skip
    else:
        out.update(refused=False, reason=f"forgetting check passed: {a:.4f} -> {b:.4f}")
    return out


def previous_adapter(folder: Any, base_name: str, dim: int) -> QueryAdapter | None:
    """The adapter saved in a previous release's search folder, if it was trained over the
    same encoder (``base_name``) and dimension; None otherwise or when unreadable."""
    from pathlib import Path

    from shopmind.search.adapt.encoder import ADAPTER_FILE

    if folder is None:
        return None
    state = Path(folder) / "encoder"
    if not (state / ADAPTER_FILE).exists():
        return None
    try:
        adapter = QueryAdapter.load(state)
    except (ValueError, OSError, KeyError):
        return None
    if adapter.dim != dim or str(adapter.info.get("base_encoder")) != base_name or adapter.is_identity:
        return None
    return adapter


def fit_release_adapter(
    engine: SearchEngine,
    base: Encoder,
    events: pl.DataFrame | None,
    cache_dir: Any,
    previous: Any = None,
    on_trained: Callable[[QueryAdapter], None] | None = None,
) -> dict[str, Any]:
    """Train and attach (or not) the adapter for a built engine with product vectors; the
    engine's past-query vectors are reset to the frozen encoder's first, so an adapter of an
    earlier release never stacks with the new one. An attached adapter comes with the dense
    floor and fusion weight re-chosen for it on the held-out click queries, and is detached
    again when the served engine does not gain there (``_attach_served``). ``on_trained`` is
    called with an adapter that won dense retrieval, before that check (an evaluation
    reports its dense figures even when the served check detaches it). Returns the manifest
    facts."""
    from shopmind.search.dense import VectorCache

    t0 = time.perf_counter()
    if engine.vectors is None:
        return {"adapter": "frozen", "reason": "no product vectors (lexical-only release)"}
    cache = VectorCache(cache_dir)
    known = list(engine._qvecs)  # noqa: SLF001 - reset to frozen vectors (see docstring)
    if known:
        for k, v in zip(known, cache.queries(base, known, save=False), strict=True):
            engine._qvecs[k] = v  # noqa: SLF001
    qrels = click_qrels(events)
    pos = engine.catalog.pos
    frozen = {}
    if qrels:
        qs = list(qrels)
        frozen = dict(zip(qs, np.asarray(cache.queries(base, qs, save=False), dtype=np.float32), strict=True))
        cache.flush()
    prev = previous_adapter(previous, base.name, int(engine.vectors.shape[1]))
    adapter, facts = fit_from_qrels(qrels, pos, engine.vectors, frozen, previous=prev)
    if prev is not None:
        facts["warm_start"] = prev.fingerprint()
    if adapter is not None:
        if on_trained is not None:
            on_trained(adapter)
        facts = _attach_served(engine, adapter, base, cache, frozen, facts)
    facts["seconds"] = round(time.perf_counter() - t0, 2)
    return facts


def _attach_served(
    engine: SearchEngine,
    adapter: QueryAdapter,
    base: Encoder,
    cache: Any,
    frozen: dict[str, np.ndarray],
    facts: dict[str, Any],
) -> dict[str, Any]:
    """Attach ``adapter``, re-choose the engine's dense floor and fusion weight for it on the
    release's held-out click queries (``adapt.fusion``), and detach it again when the served
    engine with it does not beat the served engine without it there. Why: the attach
    decision above scores dense retrieval alone, and a dense gain did not reach the served
    ranking at the frozen encoder's fusion settings (demo shop, 2026-12-03). "Beat" means a
    significant paired gain (2 standard errors) over the frozen encoder *at its own best
    alpha* of the same grid: re-tuning alpha alone lifted the frozen engine as much as the
    adapter's best setting on the demo's held-out clicks (session 16). A detached adapter
    leaves the engine's settings as they were (the frozen engine's best alpha is reported,
    not applied: that would be fusion tuning, not the adapter's decision)."""
    from shopmind.search.adapt.fusion import choose_fusion
    from shopmind.search.adapt.scoring import significant_gain

    heldout = adapter.info.get("heldout_qrels") or {}
    if not heldout:
        attach(engine, adapter, base)
        return {**facts, "served": {"reason": "no held-out click queries: fusion settings unchanged"}}
    kept = dict(engine._qvecs)  # noqa: SLF001 - frozen vectors, restored if detached
    cfg = engine.config
    settings = (cfg.dense_floor, cfg.alpha)
    attach(engine, adapter, base)
    sample = np.vstack([v for q, v in frozen.items() if q not in heldout] or list(frozen.values()))

    def frozen_vectors(texts: list[str]) -> np.ndarray:
        out = np.asarray(cache.queries(base, texts, save=False), dtype=np.float32)
        cache.flush()
        return out

    served, frozen_per, adapted_per = choose_fusion(engine, adapter, frozen_vectors, heldout, sample)
    ok, gain, se = significant_gain(frozen_per, adapted_per)
    served["gain_over_frozen_best"] = [round(gain, 4), round(se, 4)]
    facts = {**facts, "served": served}
    if len(adapted_per) and ok:
        return facts
    engine._encoder = base  # noqa: SLF001 - detach: the frozen encoder and its settings again
    engine._qvecs.clear()  # noqa: SLF001
    engine._qvecs.update(kept)  # noqa: SLF001
    cfg.dense_floor, cfg.alpha = settings
    why = (
        f"did not lift the served engine on held-out queries: NDCG@10 {served['served_ndcg10_adapted']} "
        f"adapted (dense floor {served['chosen']['dense_floor']}, alpha {served['chosen']['alpha']}) "
        f"vs {served['served_ndcg10_frozen_best']} frozen (alpha {served['frozen_best_alpha']}; "
        f"{served['served_ndcg10_frozen']} at alpha {settings[1]}), paired gain {gain:+.4f} "
        f"not above 2 standard errors ({se:.4f})"
    )
    return {**facts, "adapter": "frozen", "reason": why, "fingerprint_detached": facts.get("fingerprint")}
