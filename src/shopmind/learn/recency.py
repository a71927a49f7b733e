"""Recency-weighted ALS confidences: the events of the month an update learns from count ``w`` times.

Why: a full refit weighs every past month's purchases equally (confidence 1 + alpha x the
event-weighted count). Shopping tastes drift and Online Retail is seasonal toward Q4, so the
update, which learns from one new month, may weigh that month more: in its ALS solve the
update month's counts are multiplied by ``w`` (``LearnConfig.warm_recent_weight``), the older
ones are as before. The stored interactions stay unweighted, so the next update weighs only
its own month (session 29, issue 12 item 3).

``refit_recent`` is the fairness check of that idea: a full refit given the same weighting.
If it gains as much as the weighted update, the weighting made a better model, and the warm
update did not beat the refit by being an update.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.learn.merge import added
from shopmind.recommend.als import ALS, one_blas_thread

if TYPE_CHECKING:
    from shopmind.learn.recs import BehaviourModels


def check_weight(w: float) -> float:
    """``w`` as a float, refused unless finite and > 0 (0 would drop the month, < 0 invert it)."""
    w = float(w)
    if not math.isfinite(w) or w <= 0:
        raise ValueError(f"warm_recent_weight must be a finite number > 0, not {w!r}")
    return w


def recent_confidence(matrix: sp.csr_matrix, recent: sp.csr_matrix, w: float) -> sp.csr_matrix:
    """``matrix`` (all events' weighted counts) with the ``recent`` events' counts (same shape,
    a part of ``matrix``) counted ``w`` times: ``matrix + (w - 1) * recent``. ``w`` = 1: the
    matrix itself, untouched (the default update is bit for bit the old one)."""
    w = check_weight(w)
    if w == 1.0:
        return matrix
    if matrix.shape != recent.shape:
        raise ValueError(
            f"recent events' matrix {recent.shape} does not match the interactions {matrix.shape}"
        )
    out = (matrix.astype(np.float32) + np.float32(w - 1.0) * recent.astype(np.float32)).tocsr()
    out.sort_indices()
    return out


def refit_recent(models: BehaviourModels, recent: pl.DataFrame, w: float) -> BehaviourModels:
    """``models`` (fitted from scratch) with ALS refitted from scratch, same seed and settings,
    on confidences where the ``recent`` events (a part of what ``models`` were fitted on) count
    ``w`` times; every other generator is shared. Not timed anywhere: it is the comparison that
    tells a better model from a better update."""
    from shopmind.learn.recs import BehaviourModels

    data, cfg = models.data, models.cfg
    add = added(data, recent, cfg.event_weights)
    if add.n_users != data.n_users or add.n_items != data.n_items:
        raise ValueError("the recent events name customers or items the models were not fitted on")
    als = ALS(**cfg.als, seed=42 + cfg.seed)
    als.data = data
    conf = recent_confidence(data.matrix.astype(np.float32).tocsr(), add.matrix.tocsr(), w)
    with one_blas_thread():
        als.model.fit(conf, show_progress=False)
    return BehaviourModels(data, models.pairs, {**models.generators, "als": als}, cfg)
