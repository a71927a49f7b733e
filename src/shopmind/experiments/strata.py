"""Lifecycle segments as experiment strata: a metric broken down by segment (new, active, at risk,
lapsed) and a post-stratified estimate of the effect with its interval.

Why: segments differ far more from each other than a variant changes them (an active customer buys
many times what a lapsed one does). Randomisation balances them only on average; post-stratification
(Miratrix, Sekhon & Yu 2013) compares treatment and control *within* each segment and weights the
segment effects by the segment's share of the experiment, which removes the between-segment part of
the variance. The weights are the pooled shares of both arms, so the estimate targets the same
population as the plain difference; it is never worse than it asymptotically, and close to CUPED
with the segment dummies as covariates.

A unit's segment is computed as of the experiment's start from the events *before* it (the profile
rules of ``shopmind.profiles.model.segment``): a pre-treatment covariate, which the variant cannot
move. A unit without earlier events is ``new``.

Estimate: ``sum_s w_s (T_s - C_s)`` with ``T_s, C_s`` the stratum's means (or ratios: the delta
method, as ``stats.compare``), ``w_s`` the stratum's pooled share of units (of the denominator for a
ratio metric, so the weights add up to the overall ratio's), variance ``sum_s w_s^2 se_s^2``. A
stratum with fewer than two units in an arm has no variance: it is merged into the next-larger
neighbour (in ``SEGMENTS`` order, "new" into "active" and so on) before estimating.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl
from scipy import stats as sps

from shopmind.experiments import stats
from shopmind.experiments.metrics import _event_frame, _unit_key
from shopmind.profiles.model import SEGMENTS, ProfileConfig, segment


def unit_segments(
    events: pl.DataFrame, unit: str, start: datetime, cfg: ProfileConfig | None = None
) -> pl.DataFrame:
    """``unit_id, segment`` for every unit with events before ``start`` (the others are ``new``).

    For a session-unit experiment the session's segment is its user's (the first user id the
    session's events name); a session without a user id is ``new``."""
    cfg = cfg or ProfileConfig()
    ev = _event_frame(events).filter(pl.col("user_id").is_not_null())
    before = ev.filter(pl.col("timestamp") < start)
    per_user = before.group_by("user_id").agg(
        pl.col("timestamp").min().alias("first"), pl.col("timestamp").max().alias("last")
    )
    seg = {
        u: segment((start - last).total_seconds() / 86_400, (start - first).total_seconds() / 86_400, cfg)
        for u, first, last in per_user.iter_rows()
    }
    if _unit_key(unit) == "user_id":
        return pl.DataFrame({"unit_id": list(seg), "segment": list(seg.values())}, schema=_SCHEMA)
    sessions = (
        ev.filter(pl.col("session_id").is_not_null()).group_by("session_id").agg(pl.col("user_id").first())
    )
    rows = [(s, seg.get(u, "new")) for s, u in sessions.iter_rows()]
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row")


_SCHEMA = {"unit_id": pl.Utf8, "segment": pl.Utf8}


@dataclass(frozen=True)
class StratumEffect:
    """One segment: units per arm, its weight, the arms' means (or ratios) and their difference."""

    segment: str
    n_control: int
    n_treatment: int
    weight: float
    control: float
    treatment: float
    effect: float
    se: float


@dataclass(frozen=True)
class Stratified:
    """The post-stratified effect with its normal interval, beside the unstratified standard error."""

    effect: float
    se: float
    ci_lower: float
    ci_upper: float
    pvalue: float
    unstratified_effect: float
    unstratified_se: float
    strata: list[StratumEffect] = field(default_factory=list)
    merged: dict[str, str] = field(default_factory=dict)  # a thin segment -> the one it was pooled into

    @property
    def variance_reduction(self) -> float:
        """1 - (stratified se / plain se)^2: the share of the variance stratification removed."""
        if not self.unstratified_se or not math.isfinite(self.unstratified_se):
            return math.nan
        return 1 - (self.se / self.unstratified_se) ** 2


def _pool_thin(labels: np.ndarray, arm: np.ndarray) -> tuple[np.ndarray, dict[str, str]]:
    """Merge segments with < 2 units in an arm into their neighbour (``SEGMENTS`` order, then back)."""
    order = [s for s in SEGMENTS if s in set(labels.tolist())] + sorted(set(labels.tolist()) - set(SEGMENTS))
    merged: dict[str, str] = {}
    labels = labels.copy()
    changed = True
    while changed and len(order) > 1:
        changed = False
        for i, s in enumerate(order):
            mask = labels == s
            if min(int((mask & ~arm).sum()), int((mask & arm).sum())) < 2:
                into = order[i + 1] if i + 1 < len(order) else order[i - 1]
                labels[mask] = into
                merged[s] = into
                order.pop(i)
                changed = True
                break
    # a chain (new -> active -> at_risk) names the final stratum
    for s in list(merged):
        while merged[s] in merged:
            merged[s] = merged[merged[s]]
    return labels, merged


def post_stratified(
    control: np.ndarray,
    treatment: np.ndarray,
    control_segments: np.ndarray,
    treatment_segments: np.ndarray,
    *,
    control_denom: np.ndarray | None = None,
    treatment_denom: np.ndarray | None = None,
    confidence: float = 0.95,
) -> Stratified:
    """Post-stratified treatment - control effect (module docstring) of a mean or, with
    denominators, a ratio metric; segments are per unit, aligned with the values."""
    c_y, t_y = np.asarray(control, dtype=float), np.asarray(treatment, dtype=float)
    c_d = np.ones_like(c_y) if control_denom is None else np.asarray(control_denom, dtype=float)
    t_d = np.ones_like(t_y) if treatment_denom is None else np.asarray(treatment_denom, dtype=float)
    plain = stats.compare(c_y, t_y, control_denom=control_denom, treatment_denom=treatment_denom, use_t=False)
    labels = np.concatenate(
        [np.asarray(control_segments, dtype=object), np.asarray(treatment_segments, dtype=object)]
    )
    arm = np.concatenate([np.zeros(len(c_y), dtype=bool), np.ones(len(t_y), dtype=bool)])
    labels, merged = _pool_thin(labels, arm)
    y, d = np.concatenate([c_y, t_y]), np.concatenate([c_d, t_d])
    total = d.sum()
    strata: list[StratumEffect] = []
    for s in [x for x in SEGMENTS if x in set(labels.tolist())] + sorted(
        set(labels.tolist()) - set(SEGMENTS)
    ):
        m = labels == s
        mc, mt = m & ~arm, m & arm
        if d[mc].sum() == 0 or d[mt].sum() == 0:  # a ratio without a denominator in one arm
            merged[s] = "(left out: no denominator in an arm)"
            continue
        e = stats.compare(y[mc], y[mt], control_denom=d[mc], treatment_denom=d[mt], use_t=False)
        strata.append(
            StratumEffect(s, int(mc.sum()), int(mt.sum()), float(d[m].sum() / total), e.control, e.treatment, e.effect, e.se)
        )  # fmt: skip
    if not strata or len(strata) == 1 and strata[0].weight < 1:
        est, se = plain.effect, plain.se
    else:
        w = np.array([s.weight for s in strata])
        w = w / w.sum()
        est = float(np.dot(w, [s.effect for s in strata]))
        se = float(math.sqrt(np.dot(w**2, [s.se**2 for s in strata])))
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    p = float(2 * sps.norm.sf(abs(est / se))) if se > 0 else (1.0 if est == 0 else 0.0)
    return Stratified(est, se, est - z * se, est + z * se, p, plain.effect, plain.se, strata, merged)


def by_segment(table: pl.DataFrame, segments: pl.DataFrame) -> pl.DataFrame:
    """``table`` (one row per unit, ``metrics.unit_table``) with its unit's ``segment`` (``new`` when
    the unit had no events before the experiment)."""
    return table.join(segments, on="unit_id", how="left").with_columns(pl.col("segment").fill_null("new"))
