"""Top-k ranking metrics over a batch of users, all vectorised over a (users x K) hit matrix.

Definitions follow RecBole (which the S3-Rec code agrees with for one held-out item):
- hit@k       = 1 if any relevant item is in the top k (HR@k in S3-Rec, with one test item).
- recall@k    = relevant items in the top k / number of relevant items.
- precision@k = relevant items in the top k / k.
- mrr@k       = 1 / rank of the first relevant item in the top k, else 0.
- ndcg@k      = sum_{rank r <= k, relevant} 1/log2(r+1) / sum_{r <= min(k, |relevant|)} 1/log2(r+1)
  (binary gains, log2 discount, ideal over the user's relevant set).
Each is averaged over users. Coverage and novelty describe the lists, not their accuracy.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def hit_matrix(top_items: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """Boolean (users x K): is the item at each rank relevant to that user?

    ``relevant`` is a users x items CSR with a nonzero per relevant (user, item) pair. Uses
    sorted pair keys and ``searchsorted`` — no Python loop over users.
    """
    rel = relevant.tocoo()
    n_items = relevant.shape[1]
    keys = np.sort(rel.row.astype(np.int64) * n_items + rel.col.astype(np.int64))
    asked = np.arange(top_items.shape[0], dtype=np.int64)[:, None] * n_items + top_items.astype(np.int64)
    pos = np.searchsorted(keys, asked)
    pos = np.minimum(pos, max(len(keys) - 1, 0))
    return (keys[pos] == asked) if len(keys) else np.zeros(asked.shape, dtype=bool)


def _discounts(k: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, k + 2))


def hit_rate(hits: np.ndarray, k: int) -> float:
    return float(hits[:, :k].any(axis=1).mean()) if len(hits) else 0.0


def recall(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> float:
    if not len(hits):
        return 0.0
    return float((hits[:, :k].sum(axis=1) / np.maximum(n_relevant, 1)).mean())


def precision(hits: np.ndarray, k: int) -> float:
    return float((hits[:, :k].sum(axis=1) / k).mean()) if len(hits) else 0.0


def mrr(hits: np.ndarray, k: int) -> float:
    if not len(hits):
        return 0.0
    h = hits[:, :k]
    first = np.argmax(h, axis=1)
    return float(np.where(h.any(axis=1), 1.0 / (first + 1), 0.0).mean())


def ndcg_rows(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """NDCG@k of each user (row of ``hits``)."""
    disc = _discounts(k)
    dcg = (hits[:, :k] * disc[: hits[:, :k].shape[1]]).sum(axis=1)
    ideal_cum = np.concatenate([[0.0], np.cumsum(disc)])
    idcg = ideal_cum[np.minimum(n_relevant, k)]
    return np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1.0), 0.0)


def ndcg(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> float:
    return float(ndcg_rows(hits, n_relevant, k).mean()) if len(hits) else 0.0


def per_user(top_items: np.ndarray, relevant: sp.csr_matrix, metric: str) -> np.ndarray:
    """``metric`` (ndcg@k, recall@k or hit@k) of each user: what a paired standard error needs."""
    name, k = metric.split("@")
    hits = hit_matrix(top_items, relevant)[:, : int(k)]
    n_rel = np.diff(relevant.indptr)
    if name == "ndcg":
        return ndcg_rows(hits, n_rel, int(k))
    if name == "recall":
        return hits.sum(axis=1) / np.maximum(n_rel, 1)
    if name == "hit":
        return hits.any(axis=1).astype(np.float64)
    raise ValueError(f"no per-user {metric!r}; ndcg@k, recall@k or hit@k")


def coverage(top_items: np.ndarray, n_items: int, k: int) -> float:
    """Share of the catalogue that appears in at least one user's top k."""
    if not n_items:
        return 0.0
    return float(len(np.unique(top_items[:, :k])) / n_items)


def novelty(top_items: np.ndarray, item_users: np.ndarray, n_users: int, k: int) -> float:
    """Mean self-information -log2 p(i) of recommended items, p(i) = share of training users
    who interacted with i (items never seen count as seen by one user, to stay finite)."""
    if not top_items.size:
        return 0.0
    p = np.maximum(item_users, 1.0) / max(n_users, 1)
    return float((-np.log2(p[top_items[:, :k]])).mean())


def all_metrics(
    top_items: np.ndarray,
    relevant: sp.csr_matrix,
    ks: tuple[int, ...] = (5, 10, 20),
    item_users: np.ndarray | None = None,
    n_train_users: int = 0,
) -> dict[str, float]:
    """Every metric at every k for one ranked list per user (rows aligned with ``relevant``)."""
    hits = hit_matrix(top_items, relevant)
    n_rel = np.diff(relevant.indptr)
    out: dict[str, float] = {}
    for k in ks:
        out[f"hit@{k}"] = hit_rate(hits, k)
        out[f"recall@{k}"] = recall(hits, n_rel, k)
        out[f"ndcg@{k}"] = ndcg(hits, n_rel, k)
        out[f"mrr@{k}"] = mrr(hits, k)
        out[f"precision@{k}"] = precision(hits, k)
        out[f"coverage@{k}"] = coverage(top_items, relevant.shape[1], k)
        if item_users is not None:
            out[f"novelty@{k}"] = novelty(top_items, item_users, n_train_users, k)
    return out
