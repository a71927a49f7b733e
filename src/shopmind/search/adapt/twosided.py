"""Adapters on the product side too, and hard negatives from any first stage (issue 12 item 1).

The query-only adapter (``model.QueryAdapter``) did not generalise on Home Depot's judgments
(``docs/BENCHMARKS.md``, "Shop-tuned query adapter"). What a shop with clicks has beyond it:

- a map on the **product** vectors as well (``side="product"`` or ``"both"``):
  ``p' = normalise(p + U_p V_pᵀ p)``. It moves every catalog vector, so the frozen vector
  cache no longer describes the served ones: ``TwoSidedAdapter.product_name`` versions them
  (base encoder name + the adapter's fingerprint), and ``apply_products`` is the only way to
  get them;
- hard negatives from the shop's **lexical** first stage (BM25's top-k non-positives: the
  look-alikes a customer was shown and did not pick) instead of the frozen encoder's own top-k
  (``mined`` per query text; default: the frozen dense top ``mine_depth``).

Training is ``model.train_adapter``'s (InfoNCE over in-batch positives + hard negatives, Adam,
early stopping on a validation split, identity unless an epoch beats the frozen encoder), with
the loss differentiated through both maps. ``fit_two_sided`` chooses among settings on the
validation split of the training queries and keeps the significance guard of ``fit_adapter``.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict

import numpy as np

from shopmind.search.adapt.model import (
    AdapterParams,
    PairSet,
    QueryAdapter,
    _Adam,
    _mine,
    batch_columns,
    pair_arrays,
    query_split,
    softmax_loss_grad,
)
from shopmind.search.adapt.scoring import per_query_ndcg, significant_gain

SIDES = ("query", "product", "both")


class TwoSidedAdapter:
    """A residual low-rank map on query vectors and one on product vectors (either may be the
    identity). ``apply_queries`` / ``apply_products`` give the adapted, L2-normalised rows."""

    def __init__(self, query: QueryAdapter, product: QueryAdapter, info: Mapping[str, object] | None = None) -> None:  # fmt: skip
        if query.dim != product.dim:
            raise ValueError(f"query map of dim {query.dim} and product map of dim {product.dim}")
        self.query = query
        self.product = product
        self.info: dict[str, object] = dict(info or {})

    @classmethod
    def identity(cls, dim: int, info: Mapping[str, object] | None = None) -> TwoSidedAdapter:
        return cls(QueryAdapter.identity(dim), QueryAdapter.identity(dim), info)

    @property
    def is_identity(self) -> bool:
        return self.query.is_identity and self.product.is_identity

    def fingerprint(self) -> str:
        """A short content hash of both maps: names adapted product vectors (``product_name``)."""
        both = f"{self.query.fingerprint()}|{self.product.fingerprint()}"
        return hashlib.sha1(both.encode()).hexdigest()[:12]

    def product_name(self, base_name: str) -> str:
        """The name adapted product vectors are cached and served under: never the frozen
        encoder's own (a cache keyed by it would mix frozen and adapted rows)."""
        return base_name if self.product.is_identity else f"{base_name}+pa-{self.fingerprint()}"

    def apply_queries(self, Q: np.ndarray) -> np.ndarray:
        return Q if self.query.is_identity else self.query.apply(Q)

    def apply_products(self, P: np.ndarray) -> np.ndarray:
        return P if self.product.is_identity else self.product.apply(P)


def _forward(X: np.ndarray, U: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One residual map's forward pass: (``X V``, normalised rows of ``X + X V Uᵀ``, their norms)."""
    H = X @ V
    Z = X + H @ U.T
    n = np.linalg.norm(Z, axis=1, keepdims=True)
    return H, Z / n, n


def loss_grad_two_sided(
    maps: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    Qb: np.ndarray,
    C: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray,
    mask: np.ndarray,
    tau: float,
) -> tuple[float, list[np.ndarray]]:
    """Weighted InfoNCE of a batch and its gradients w.r.t. ``maps = (U_q, V_q, U_p, V_p)``.

    ``Qb`` (B, d) frozen query vectors, ``C`` (M, d) frozen candidate product vectors,
    ``target[i]`` the column of row i's positive, ``mask[i, j]`` True where column j is another
    known positive of row i's query (left out of the softmax)."""
    Uq, Vq, Up, Vp = maps
    Hq, Zq, nq = _forward(Qb, Uq, Vq)
    Hp, Zp, n_p = _forward(C, Up, Vp)
    loss, G = softmax_loss_grad(Zq @ Zp.T, target, weight, mask, tau)
    dZq, dZp = G @ Zp, G.T @ Zq
    dq = (dZq - Zq * (Zq * dZq).sum(axis=1, keepdims=True)) / nq
    dp = (dZp - Zp * (Zp * dZp).sum(axis=1, keepdims=True)) / n_p
    grads = [dq.T @ Hq, Qb.T @ (dq @ Uq), dp.T @ Hp, C.T @ (dp @ Up)]
    return loss, [g.astype(np.float32) for g in grads]


def _adapter(
    maps: Sequence[np.ndarray], side: str, info: Mapping[str, object] | None = None
) -> TwoSidedAdapter:
    Uq, Vq, Up, Vp = maps
    d = Uq.shape[0]
    q = QueryAdapter(Uq, Vq) if side in ("query", "both") else QueryAdapter.identity(d)
    p = QueryAdapter(Up, Vp) if side in ("product", "both") else QueryAdapter.identity(d)
    return TwoSidedAdapter(q, p, info)


def _val_scores(adapter: TwoSidedAdapter, Qv: np.ndarray, P: np.ndarray, va: PairSet) -> np.ndarray:
    return per_query_ndcg(adapter.apply_queries(Qv), adapter.apply_products(P), va.grades)


def train_two_sided(
    Q: np.ndarray,
    P: np.ndarray,
    pairs: PairSet,
    params: AdapterParams = AdapterParams(),
    side: str = "product",
    val: tuple[np.ndarray, PairSet] | None = None,
    mined: np.ndarray | None = None,
) -> tuple[TwoSidedAdapter, dict[str, object]]:
    """Train the ``side`` map(s) on ``pairs`` (rows of ``Q`` = ``pairs.queries``, product rows
    of ``P``), early-stopping on ``val`` by dense retrieval NDCG@10 over the adapted ``P``.
    ``mined`` (one row of product rows per query row) is the hard-negative pool after the
    query's own negatives; default the frozen encoder's top ``params.mine_depth``. The best
    epoch is kept; the identity when none beats the frozen encoder on validation."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {', '.join(SIDES)}, not {side!r}")
    t0 = time.perf_counter()
    Q = np.ascontiguousarray(Q, dtype=np.float32)
    P = np.ascontiguousarray(P, dtype=np.float32)
    d, r = Q.shape[1], params.rank
    rng = np.random.default_rng(params.seed)
    maps = [np.zeros((d, r), np.float32), (rng.standard_normal((d, r)) / math.sqrt(d)).astype(np.float32)]
    maps += [np.zeros((d, r), np.float32), (rng.standard_normal((d, r)) / math.sqrt(d)).astype(np.float32)]
    live = {"query": [0, 1], "product": [2, 3], "both": [0, 1, 2, 3]}[side]
    pair_q, pair_p, pair_w, R = pair_arrays(pairs, len(Q), len(P))
    pool = _mine(Q, P, params.mine_depth) if mined is None else np.asarray(mined, dtype=np.int64)
    if pool.shape[0] != len(Q):
        raise ValueError(f"mined negatives for {pool.shape[0]} queries, expected {len(Q)}")
    own = {q: np.array(v, dtype=np.int64) for q, v in pairs.negatives.items()}
    opt = _Adam([maps[i].shape for i in live], params.lr)
    frozen = float(np.mean(_val_scores(TwoSidedAdapter.identity(d), val[0], P, val[1]))) if val else math.nan
    best, best_maps, best_epoch, stale = frozen, [m.copy() for m in maps], 0, 0
    history: list[dict[str, float]] = []
    for epoch in range(1, params.epochs + 1):
        order = rng.permutation(len(pair_q))
        losses = []
        for s in range(0, len(order), params.batch_size):
            b = order[s : s + params.batch_size]
            cols, mask = batch_columns(pair_q[b], pair_p[b], own, pool, params.hard_negatives, R, rng)
            loss, grads = loss_grad_two_sided(
                tuple(maps), Q[pair_q[b]], P[cols], np.arange(len(b)), pair_w[b], mask, params.temperature
            )
            opt.step([maps[i] for i in live], [grads[i] + params.weight_decay * maps[i] for i in live])
            losses.append(loss)
        rec: dict[str, float] = {"epoch": epoch, "loss": round(float(np.mean(losses)), 5)}
        if val is not None:
            score = float(np.mean(_val_scores(_adapter(maps, side), val[0], P, val[1])))
            rec["val_ndcg@10"] = round(score, 5)
            if score > best + 1e-6:
                best, best_maps, best_epoch, stale = score, [m.copy() for m in maps], epoch, 0
            else:
                stale += 1
        history.append(rec)
        if val is not None and stale >= params.patience:
            break
    if val is None:
        best_maps, best_epoch = maps, params.epochs
    report: dict[str, object] = {
        "side": side,
        "params": asdict(params),
        "negatives": "frozen dense top-k" if mined is None else "given first stage top-k",
        "train_queries": len(pairs.queries),
        "train_pairs": len(pair_q),
        "val_queries": len(val[1].queries) if val is not None else 0,
        "val_ndcg@10_frozen": None if math.isnan(frozen) else round(frozen, 5),
        "val_ndcg@10_adapted": None if val is None else round(best, 5),
        "best_epoch": best_epoch,
        "history": history,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    if best_epoch == 0:
        report["kept"] = "identity (no epoch beat the frozen encoder on validation)"
        return TwoSidedAdapter.identity(d, report), report
    report["kept"] = f"epoch {best_epoch}"
    return _adapter(best_maps, side, report), report


def fit_two_sided(
    qvecs: Mapping[str, np.ndarray],
    P: np.ndarray,
    pairs: PairSet,
    side: str,
    grid: Sequence[AdapterParams],
    mined: Mapping[str, Sequence[int]] | None = None,
    val_share: float = 0.2,
    guard: bool = True,
) -> tuple[TwoSidedAdapter, dict[str, object]]:
    """``fit_adapter``'s protocol for ``train_two_sided``: settings chosen on a validation
    split (``query_split``) of the training queries in ``pairs``; the best kept only when its
    mean paired validation gain exceeds 2 standard errors (``significant_gain``), else the
    identity. ``mined[query]`` = hard-negative product rows per training query (e.g. BM25's
    top-k); every query of ``pairs`` needs the same number of them. ``guard=False`` returns the
    best adapter even when its gain is not significant (``report["val_gain"]`` still says):
    for measuring what the guard costs, never for serving."""
    rest, held = query_split(pairs.queries, val_share)
    row = {q: i for i, q in enumerate(pairs.queries)}
    tr, va = pairs.subset([row[q] for q in rest]), pairs.subset([row[q] for q in held])
    if not tr.positives or not va.grades:
        raise ValueError(f"too few queries to train and validate ({len(tr.queries)} train, {len(va.queries)} validation)")  # fmt: skip
    Qt = np.vstack([qvecs[q] for q in tr.queries])
    Qv = np.vstack([qvecs[q] for q in va.queries])
    pool = None if mined is None else np.vstack([np.asarray(mined[q], dtype=np.int64) for q in tr.queries])
    best: tuple[TwoSidedAdapter, dict[str, object]] | None = None
    tried = []
    for params in grid:
        ad, rep = train_two_sided(Qt, P, tr, params, side, (Qv, va), pool)
        tried.append({k: rep[k] for k in ("params", "best_epoch", "val_ndcg@10_adapted", "seconds")})
        if best is None or (rep["val_ndcg@10_adapted"] or 0.0) > (best[1]["val_ndcg@10_adapted"] or 0.0):
            best = (ad, rep)
    assert best is not None
    adapter, report = best
    report["grid"] = tried
    if not adapter.is_identity:
        frozen_scores = _val_scores(TwoSidedAdapter.identity(P.shape[1]), Qv, P, va)
        ok, gain, se = significant_gain(frozen_scores, _val_scores(adapter, Qv, P, va))
        report["val_gain"] = {"mean": round(gain, 5), "se": round(se, 5), "significant": ok}
        if not ok and guard:
            report["kept"] = f"identity (validation gain {gain:+.4f} not above 2 standard errors, {se:.4f})"
            adapter = TwoSidedAdapter.identity(P.shape[1])
    report["split"] = f"validation = {val_share:.0%} of the training queries by md5('val' + query)"
    adapter.info = report
    return adapter, report
