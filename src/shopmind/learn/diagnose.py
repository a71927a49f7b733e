"""Where a warm update and a full refit differ: per generator, per customer group, per item group.

Why: "warm Recall@20 0.996x the refit's" says nothing about which part of the update loses.
The fused list mixes four generators; the counts-based ones (co-visitation, popularity,
trending) can be updated exactly, ALS only approximately. ``generator_recalls`` scores every
generator alone and the fusion for the same customers; ``exactness`` checks that the
counts-based generators of two models are the same (by item id, not by index);
``segments`` splits the fused Recall@20 into customers with and without events in the
update, and the truth pairs into items first seen in the update vs older items.
``customer_groups`` / ``by_group`` split every generator's difference by customer group (new
in the update, returning, untouched by it) into parts that add up to the whole; ``resolved``
builds counterfactual ALS models (rows re-solved exactly) that say which factors lose.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

import numpy as np
import polars as pl

from shopmind.learn.recs import BehaviourModels, paired_stats
from shopmind.learn.warm_als import solve_rows
from shopmind.recommend.als import FittedFactors
from shopmind.recommend.evaluate import DEPTH, PhaseData, _pair_matrix, ranked_lists
from shopmind.recommend.metrics import hit_matrix

FUSED = "fused"


def _phase(models: BehaviourModels, truth: pl.DataFrame, users: list[str]) -> PhaseData:
    rows = models.data.user_rows(users)
    if (rows < 0).any():
        raise ValueError(f"{int((rows < 0).sum())} of {len(users)} customers are unknown to the models")
    return PhaseData(models.data, rows, _pair_matrix(truth, models.data, users), None)


def known_users(models: BehaviourModels, truth: pl.DataFrame) -> list[str]:
    """The customers of ``truth`` (first-seen order) that ``models`` know."""
    users = truth["user_id"].cast(pl.Utf8).unique(maintain_order=True).to_list()
    rows = models.data.user_rows(users)
    return [u for u, r in zip(users, rows, strict=True) if r >= 0]


def hit_lists(
    models: BehaviourModels, truth: pl.DataFrame, users: list[str], k: int = 20
) -> dict[str, np.ndarray]:
    """Boolean users x ``k`` hits of each generator alone and of the fused list (``FUSED``)."""
    pd_ = _phase(models, truth, users)
    out: dict[str, np.ndarray] = {}
    for name, gen in models.generators.items():
        shown = ranked_lists(gen, pd_, DEPTH)[0][:, :k]
        out[name] = hit_matrix(shown, pd_.truth)
    out[FUSED] = hit_matrix(models.top(pd_, k), pd_.truth)
    return out


def relevant_counts(models: BehaviourModels, truth: pl.DataFrame, users: list[str]) -> np.ndarray:
    """Relevant (known) items per customer: Recall@k's denominator (at least 1)."""
    return np.maximum(np.diff(_phase(models, truth, users).truth.indptr), 1)


def generator_recalls(
    models: BehaviourModels, truth: pl.DataFrame, users: list[str], k: int = 20
) -> dict[str, np.ndarray]:
    """Per-customer Recall@``k`` (aligned with ``users``) of each generator alone and fused."""
    n_rel = relevant_counts(models, truth, users)
    return {n: h.sum(axis=1) / n_rel for n, h in hit_lists(models, truth, users, k).items()}


def segments(
    models: BehaviourModels,
    truth: pl.DataFrame,
    users: list[str],
    updated_users: Iterable[str],
    new_items: Iterable[str],
    k: int = 20,
) -> dict[str, float]:
    """Fused Recall@``k`` of the customers with / without events in the update (mean of
    per-customer recall), and the share of truth pairs found among items first seen in the
    update vs older items (pair-level recall: hits / pairs of that item group)."""
    pd_ = _phase(models, truth, users)
    top = models.top(pd_, k)
    hits = hit_matrix(top, pd_.truth)
    recall = hits.sum(axis=1) / np.maximum(np.diff(pd_.truth.indptr), 1)
    touched = np.isin(np.asarray(users, dtype=object), np.asarray(list(updated_users), dtype=object))
    fresh = np.isin(models.data.item_ids.astype(str), np.asarray(list(new_items), dtype=str))
    hit_items = np.where(hits, top, -1)
    found_new = int(fresh[hit_items[hits]].sum())
    found_old = int(hits.sum()) - found_new
    pairs_new = int(fresh[pd_.truth.indices].sum())
    pairs_old = int(pd_.truth.nnz) - pairs_new
    return {
        "users_with_new_events": float(touched.sum()),
        "recall_with_new_events": float(recall[touched].mean()) if touched.any() else 0.0,
        "users_without": float((~touched).sum()),
        "recall_without": float(recall[~touched].mean()) if (~touched).any() else 0.0,
        "pairs_new_items": float(pairs_new),
        "recall_new_items": found_new / pairs_new if pairs_new else 0.0,
        "pairs_old_items": float(pairs_old),
        "recall_old_items": found_old / pairs_old if pairs_old else 0.0,
    }


def exactness(a: BehaviourModels, b: BehaviourModels) -> dict[str, float]:
    """How far the counts-based generators of ``a`` and ``b`` are apart (0 = the same), matched
    by item id: largest absolute difference of popularity and trending scores (relative to
    the largest score), of the co-visitation pair weights and of the kept neighbour weights,
    how many entries the two pair / neighbour matrices do not share, and the largest
    difference of each row's kept values in order (``neighbours_value_diff``: 0 when the two
    trims differ only in which of tied neighbours they kept; ties go to the lower index)."""
    ids_a, ids_b = a.data.item_ids.astype(str), b.data.item_ids.astype(str)
    if sorted(ids_a) != sorted(ids_b):
        raise ValueError("the two models have different item universes")
    order = pl.DataFrame({"id": ids_b, "j": np.arange(len(ids_b))})
    perm = pl.DataFrame({"id": ids_a}).join(order, on="id", how="left")["j"].to_numpy()  # a's index -> b's

    def scores(m: BehaviourModels, name: str) -> np.ndarray:
        return np.asarray(m.generators[name].item_scores, dtype=np.float64)  # type: ignore[attr-defined]

    out: dict[str, float] = {}
    for name in ("popularity", "trending"):
        sa, sb = scores(a, name), scores(b, name)[perm]
        out[f"{name}_max_rel_diff"] = float(
            np.abs(sa - sb).max(initial=0) / max(np.abs(sb).max(initial=0), 1e-30)
        )
    inv = np.empty_like(perm)
    inv[perm] = np.arange(len(perm))  # b's index -> a's
    for key, ma, mb in (
        ("pairs", a.pairs, b.pairs),
        ("neighbours", a.generators["covisit"].neighbours_matrix, b.generators["covisit"].neighbours_matrix),  # type: ignore[attr-defined]
    ):
        mb = mb.tocoo()
        mb_in_a = type(ma)((mb.data, (inv[mb.row], inv[mb.col])), shape=ma.shape).tocsr()
        diff = (ma.tocsr().astype(np.float64) - mb_in_a.astype(np.float64)).tocsr()
        out[f"{key}_max_abs_diff"] = float(np.abs(diff.data).max(initial=0))
        out[f"{key}_pattern_diff"] = float((ma.astype(bool) != mb_in_a.astype(bool)).nnz)
    na, nb = (m.generators["covisit"].neighbours_matrix.tocsr() for m in (a, b))  # type: ignore[attr-defined]
    out["neighbours_value_diff"] = float(np.abs(_row_values(na) - _row_values(nb)[perm]).max(initial=0))
    return out


def _row_values(m: object) -> np.ndarray:
    """Each row's kept values, sorted descending and zero-padded (rows x widest row): what a
    trim keeps regardless of which of several tied columns it kept."""
    m = m.tocsr()  # type: ignore[attr-defined]
    counts = np.diff(m.indptr)
    out = np.zeros((m.shape[0], int(counts.max(initial=0))), dtype=np.float64)
    rows = np.repeat(np.arange(m.shape[0]), counts)
    order = np.lexsort((-m.data, rows))
    place = np.arange(m.nnz) - np.repeat(m.indptr[:-1], counts)
    out[rows[order], place] = m.data[order]
    return out


def compare(
    warm: BehaviourModels,
    refits: list[BehaviourModels],
    truth: pl.DataFrame,
    updated_users: Iterable[str],
    new_items: Iterable[str],
    k: int = 20,
) -> dict[str, object]:
    """A warm update against refits with different seeds on the same ``truth``: each
    generator's mean Recall@``k`` (warm, mean over the refits), the per-customer fused
    difference warm - mean of the refits (``diff``: aligned with ``users``, for pooling over
    months), the segments of both and the counts-based generators' distance to refit 0."""
    users = known_users(warm, truth)
    updated, fresh = set(updated_users), set(new_items)
    w = generator_recalls(warm, truth, users, k)
    rs = [generator_recalls(r, truth, users, k) for r in refits]
    mean = {n: np.mean([r[n] for r in rs], axis=0) for n in w}
    seg_r = [segments(r, truth, users, updated, fresh, k) for r in refits]
    return {
        "users": users,
        "diff": w[FUSED] - mean[FUSED],
        "generators": {n: {"warm": float(w[n].mean()), "refit_mean": float(mean[n].mean())} for n in w},
        "paired_fused": paired_stats(w[FUSED] - mean[FUSED]),
        "paired_als": paired_stats(w["als"] - mean["als"]) if "als" in w else {},
        "segments": {
            "warm": segments(warm, truth, users, updated, fresh, k),
            "refit_mean": {key: float(np.mean([s[key] for s in seg_r])) for key in seg_r[0]},
        },
        "exactness_vs_refit": exactness(warm, refits[0]),
    }


# ---------------------------------------------------------------------- groups and counterfactuals
GROUPS = ("new", "returning", "untouched")


def customer_groups(
    users: list[str], old_users: Iterable[str], update_users: Iterable[str]
) -> dict[str, np.ndarray]:
    """Masks aligned with ``users``: ``new`` (first events in the update), ``returning`` (events
    before and in the update), ``untouched`` (events before only). Why these three: in a warm
    update a new customer's ALS factors start from the random start, a returning one's from
    its old factors, and an untouched one's are moved only by full sweeps (never by the
    touched rounds), while a refit solves all three alike."""
    before, during = set(old_users), set(update_users)
    b = np.array([u in before for u in users], dtype=bool)
    d = np.array([u in during for u in users], dtype=bool)
    if (~b & ~d).any():
        raise ValueError(f"{int((~b & ~d).sum())} customers have events in neither period")
    return {"new": ~b & d, "returning": b & d, "untouched": b & ~d}


def by_group(
    warm: dict[str, np.ndarray], refits: list[dict[str, np.ndarray]], groups: dict[str, np.ndarray]
) -> dict[str, dict[str, object]]:
    """Per customer group and list (``generator_recalls``' keys): customers, warm and refit-mean
    Recall@k, the paired difference (mean ± s.e.) and ``contribution`` = the group's summed
    difference / all customers — the groups' contributions add up to the overall warm - refit
    mean, so they say where the gap is, not only how large it is inside a small group."""
    mean = {n: np.mean([r[n] for r in refits], axis=0) for n in warm}
    total = len(next(iter(warm.values())))
    out: dict[str, dict[str, object]] = {}
    for g, mask in groups.items():
        row: dict[str, object] = {"customers": int(mask.sum())}
        for n in warm:
            d = warm[n][mask] - mean[n][mask]
            row[n] = {
                "warm": float(warm[n][mask].mean()) if mask.any() else 0.0,
                "refit_mean": float(mean[n][mask].mean()) if mask.any() else 0.0,
                "paired": paired_stats(d),
                "contribution": float(d.sum() / max(total, 1)),
            }
        out[g] = row
    return out


def als_factors(models: BehaviourModels) -> tuple[np.ndarray, np.ndarray]:
    """Copies of the (user, item) factors of ``models``' ALS."""
    m = models.generators["als"].model  # type: ignore[attr-defined]
    return np.array(m.user_factors, dtype=np.float32), np.array(m.item_factors, dtype=np.float32)


def with_als_factors(models: BehaviourModels, users: np.ndarray, items: np.ndarray) -> BehaviourModels:
    """``models`` with their ALS factors replaced (the other generators and data shared)."""
    als = copy.copy(models.generators["als"])
    als.model = FittedFactors(users, items)  # type: ignore[attr-defined]
    out = BehaviourModels(models.data, models.pairs, {**models.generators, "als": als}, models.cfg)
    return out


NO_ROWS = np.empty(0, dtype=np.int64)


def resolved(
    models: BehaviourModels, users: np.ndarray | None = NO_ROWS, items: np.ndarray | None = NO_ROWS
) -> BehaviourModels:
    """A copy of ``models`` whose ALS rows ``users`` (then ``items``) are re-solved exactly
    against the other side's factors (``warm_als.solve_rows``; None: every row, empty: none). A
    counterfactual, not an update schedule: it says whether, e.g., the user factors are
    what a warm update loses (re-solve every customer against its item factors) or the item
    factors are (compare with a refit whose customers are re-solved the same way)."""
    als = models.generators["als"]
    alpha = float(als.params.get("alpha", 1.0))  # type: ignore[attr-defined]
    reg = float(als.params["regularization"])  # type: ignore[attr-defined]
    cui = models.data.matrix.astype(np.float32).tocsr()
    if alpha != 1.0:
        cui = cui * np.float32(alpha)
    x, y = als_factors(models)
    if users is None or len(users):
        solve_rows(cui, users, x, y, reg)
    if items is None or len(items):
        solve_rows(cui.T.tocsr(), items, y, x, reg)
    return with_als_factors(models, x, y)
