"""ours-v1's fusion weights, chosen on validation: coordinate ascent, then the one-se rule.

Split from ``evaluate.py`` (which re-exports ``tune_fusion``). The rule: the tuned fusion is served
only when it beats popularity by more than one paired standard error on validation users it was
not tuned on; else ours-v1 serves popularity (the simplest model within one se of the best). The
weights are the best of ~40 trials on one validation set, and a margin read on those same users is
biased upwards: on a Groceries half (1,424 validation users, members that look randomly assigned
to baskets) a fusion 0.0010 above popularity on its tuning users (1.02 se) was 0.0024 below it on
test (3 se; t12g, session 31). Beauty's and Online Retail's fusions stand far above popularity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.eval_steps import KS, PhaseData
from shopmind.recommend.fusion import fuse_lists
from shopmind.recommend.metrics import all_metrics, per_user

FUSION_TUNING_USERS = 8000  # validation users the fusion weights are tuned on (seeded sample)
#: the simplest model ours-v1 falls back to when its fusion does not earn its place
BASELINE = "popularity"

Lists = dict[str, np.ndarray]


def ascend(
    lists: Lists, truth: sp.csr_matrix, n_items: int, metric: str, log: Callable[[str], None]
) -> tuple[dict[str, float], float]:
    """Coordinate ascent over per-generator weights, then c, on these users' lists and truth."""
    names = list(lists)
    weights = {name: 1.0 for name in names}
    best_c = 20.0

    def value(w: dict[str, float], c: float) -> float:
        if not any(w.values()):
            return -1.0
        return all_metrics(fuse_lists(lists, w, c, n_items, max(KS)), truth, KS)[metric]

    best = value(weights, best_c)
    for _ in range(2):
        changed = False
        for name in names:
            for cand in (0.0, 0.5, 1.0, 2.0, 4.0):
                if cand == weights[name]:
                    continue
                trial = {**weights, name: cand}
                v = value(trial, best_c)
                if v > best + 1e-9:
                    best, weights, changed = v, trial, True
        for c in (2.0, 5.0, 20.0, 60.0):
            if c == best_c:
                continue
            v = value(weights, c)
            if v > best + 1e-9:
                best, best_c, changed = v, c, True
        log(
            f"  fusion weights {weights} c={best_c}: {metric} {best:.4f} on {truth.shape[0]} validation users"
        )
        if not changed:
            break
    return weights, best_c


def _rows(lists: Lists, rows: np.ndarray) -> Lists:
    return {name: idx[rows] for name, idx in lists.items()}


def _margin(
    lists: Lists, truth: sp.csr_matrix, w: dict[str, float], c: float, n_items: int, metric: str
) -> np.ndarray:
    """Per user: the fusion's ``metric`` minus popularity's alone."""
    k = max(KS)
    fused = per_user(fuse_lists(lists, w, c, n_items, k), truth, metric)
    return fused - per_user(fuse_lists(lists, {BASELINE: 1.0}, c, n_items, k), truth, metric)


def held_out_margin(lists: Lists, pd_: PhaseData, sample: np.ndarray, weights: dict[str, float], c: float,
                    metric: str) -> np.ndarray:  # fmt: skip
    """The fusion's margin over popularity per validation user, on users its weights were not tuned
    on: those outside ``sample`` when there are any, else a seeded 2-fold cross-fit (weights tuned
    on one half, read on the other, both ways)."""
    n, n_items = pd_.truth.shape[0], pd_.data.n_items
    rest = np.setdiff1d(np.arange(n), sample)
    if len(rest):
        return _margin(_rows(lists, rest), pd_.truth[rest], weights, c, n_items, metric)
    perm = np.random.default_rng(1).permutation(n)
    folds = (np.sort(perm[: n // 2]), np.sort(perm[n // 2 :]))
    out = []
    for tune, read in (folds, folds[::-1]):
        w, c_fold = ascend(_rows(lists, tune), pd_.truth[tune], n_items, metric, lambda _: None)
        out.append(_margin(_rows(lists, read), pd_.truth[read], w, c_fold, n_items, metric))
    return np.concatenate(out)


def tune_fusion(
    lists: Lists,
    pd_: PhaseData,
    metric: str,
    log: Callable[[str], None],
    info: dict[str, Any] | None = None,
) -> tuple[dict[str, float], float, float]:
    """Weights and c chosen on validation only, then the one-se rule; (weights, c, value on every
    validation user). ``info`` receives the rule's margin (and the tuned weights when it serves
    popularity: ours-ranker still reads those generators).

    Tuned on a seeded sample of at most ``FUSION_TUNING_USERS`` validation users: each trial
    re-ranks every sampled user over all items, and ~40 trials on 22k Beauty users would
    dominate the run; the reported value is recomputed on all validation users.
    """
    n = next(iter(lists.values())).shape[0]
    n_items = pd_.data.n_items
    sample = np.sort(np.random.default_rng(0).permutation(n)[: min(n, FUSION_TUNING_USERS)])
    weights, c = ascend(_rows(lists, sample), pd_.truth[sample], n_items, metric, log)
    if BASELINE in lists and any(w for name, w in weights.items() if name != BASELINE) and n > 1:
        diff = held_out_margin(lists, pd_, sample, weights, c, metric)
        se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
        margin: dict[str, Any] = {"fusion_minus_popularity": float(diff.mean()), "se": se, "users": len(diff),
                                  "kept": bool(diff.mean() - se > 1e-12)}  # fmt: skip
        if info is not None:
            info["one_se_rule"] = margin
        said = (
            f"  fusion {metric} {diff.mean():+.4f} over popularity on {len(diff)} users it was not tuned on"
        )
        log(
            f"{said} (se {se:.4f}): kept"
            if margin["kept"]
            else f"{said}, within one se ({se:.4f}): ours-v1 serves popularity"
        )
        if not margin["kept"]:
            margin["tuned_weights"] = weights
            weights = {name: float(name == BASELINE) for name in weights}
    full = all_metrics(fuse_lists(lists, weights, c, n_items, max(KS)), pd_.truth, KS)[metric]
    return weights, c, full
