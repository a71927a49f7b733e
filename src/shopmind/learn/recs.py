"""Warm-started updates of the behaviour models, and the forgetting check.

``BehaviourModels`` is the part of recommendations that learns from events: co-visitation
(kept as its full, untrimmed pair-weight matrix so that it can grow), ALS factors,
popularity and trending, fused by weighted reciprocal rank as the served engine does.

``update(events)`` returns NEW models (the old ones stay intact, so a refused update costs
nothing) built from the events since the last fit:

- interactions: only the new events are indexed, then merged (``merge.py``);
- co-visitation: the pair weights the new events create — with each other and with each
  user's last ``window`` old events — are added to the old matrix, kept as unrounded float64
  sums (``CoVisitation.pair_sums``), so the pairs and the neighbours equal a refit's bit for
  bit (tested; rounded float32 sums were an ulp off and flipped ties at the 100th neighbour), then the neighbours of the items whose pair weights changed are
  re-trimmed from their old neighbours and their new pairs only (``update_top``: exact,
  since pair weights only grow; the other rows are copied: they cannot change);
- ALS: the old user and item factors (new users and items appended with implicit's own
  small random start) are refined by ``warm_touched`` rounds of conjugate-gradient steps
  for only the users then the items with new events, then ``warm_iterations`` full sweeps
  (a refit runs ``iterations`` from random);
- popularity and trending: linear in the events, recomputed from the merged arrays.

``forgetting_check`` compares the new and old models on the old period's held-out data
(``HeldOut``: a seeded share of users whose last ``days`` of the old period were never
trained on) and refuses the update when the new models lose more than ``tolerance``
(relative, default 1 %) of Recall@20 (optionally only when a paired comparison over the
same held-out customers also finds it significant); ``learn`` applies it and says why.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.learn.merge import added, boundary, grow, merge, tail_positions, top_per_row, update_top
from shopmind.learn.recency import recent_confidence
from shopmind.learn.warm_als import refine_touched, touched_rows
from shopmind.recommend.als import ALS
from shopmind.recommend.base import EVENT_WEIGHTS, Generator, Interactions
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.evaluate import DEPTH, PhaseData, _pair_matrix, ranked_lists
from shopmind.recommend.fusion import fuse_lists
from shopmind.recommend.metrics import all_metrics, hit_matrix
from shopmind.recommend.popularity import Popularity

CHECK_METRIC = "recall@20"


@dataclass
class LearnConfig:
    """The models' settings (defaults = ``RecsConfig``'s) and the update policy."""

    als: dict[str, Any] = field(
        default_factory=lambda: {"factors": 64, "regularization": 0.05, "iterations": 15}
    )
    covisit: dict[str, Any] = field(default_factory=lambda: {"window": 5})
    trending_half_life_days: float = 7.0
    weights: dict[str, float] = field(
        default_factory=lambda: {"als": 1.0, "covisit": 2.0, "trending": 0.3, "popularity": 0.1}
    )
    rrf_c: float = 20.0
    event_weights: dict[str, float] = field(default_factory=lambda: dict(EVENT_WEIGHTS))
    #: rounds of conjugate-gradient half-steps for only the users and then the items with
    #: new events (against everyone's current factors): the part of the model the events
    #: move (``warm_als.py``). 1 round, then 1 full sweep (``warm_iterations``): chosen on
    #: the replay's validation months (m = 1, 2; reported months 3..10 not used). The fused
    #: Recall@20 cannot tell the schedules apart there (warm - refit mean -0.0002..-0.0005
    #: ± 0.0014), ALS alone can: it is the one generator a warm update does not reproduce
    #: exactly, and 1 round alone leaves it 0.0055 below the refits, 1 round + 1 sweep 0.0015,
    #: at 19.4 % of a refit's CPU (docs/BENCHMARKS.md, issue 12 item 3). 2 rounds (session 22,
    #: with the CPU the cheaper non-ALS part freed): ALS alone level with the refits, fused
    #: -0.00097 vs the default's -0.00101, 2-10 points more CPU, 1 of 2 updates refused: not taken
    warm_touched: int = 1
    #: conjugate-gradient steps per half-step of those rounds (``implicit``'s sweeps use 3)
    warm_cg_steps: int = 3
    #: after those rounds, one more half-step for every user (not only those with new events)
    warm_all_users: bool = False
    #: after those rounds, one more half-step for the users with new events (against the
    #: items as the rounds left them)
    warm_users_again: bool = False
    #: the rounds' item half-step re-solves every item, not only those with new events (an
    #: item without new events still has buyers whose factors the user step just moved)
    warm_all_items: bool = False
    #: before the rounds, the customers first seen in the update are solved exactly against
    #: the old items (``warm_als.solve_rows``), so the rounds' item step fits the items they
    #: bought against solved customers, not against 3 CG steps from the random start
    warm_exact_new_users: bool = False
    #: then the items first seen in the update are solved exactly against every customer
    warm_exact_new_items: bool = False
    #: the full sweeps' customer half-step covers only the customers with new events (the
    #: others keep their factors; every item is still re-solved)
    warm_sweep_touched_users: bool = False
    #: then full ALS sweeps over every user and item (a refit runs ``als["iterations"]``
    #: from random factors)
    warm_iterations: int = 1
    #: then this many rounds of CG half-steps for only the customers first seen in the update
    #: and then the items they bought (session 20's diagnosis: the gap left is in those items'
    #: factors, which a refit fits to those customers for all its iterations). Off: on the
    #: validation months it moved warm - refit by -0.0001 (after the sweep) / +0.0003 (before
    #: it), inside one standard error, for ~5 points of a refit's CPU (BENCHMARKS, session 21)
    warm_new_block: int = 0
    #: those rounds before the full sweeps instead of after them
    warm_new_block_first: bool = False
    #: the customers first seen in the update solved exactly (fold-in) against the item factors
    #: "after" the full sweeps (their factors are otherwise one item half-step behind), or
    #: "between" the touched rounds and the sweeps (the sweeps' item step then fits the items
    #: they bought to solved customers); "" (default): not. Off: on the validation months the
    #: pooled warm - refit moved -0.00003 ("after") / +0.00001 ("between") from the default's
    #: -0.00099, for ~2 points of a refit's CPU (BENCHMARKS, session 28)
    warm_fold_new_users: str = ""
    #: in the update's ALS solve the update's own events count this many times (confidence
    #: 1 + alpha x (old counts + w x new counts)); the stored interactions and the refit are
    #: unweighted (``recency.py``: a refit weighs every month equally; tastes drift). 1: off.
    #: Off: w = 1.5 / 2 / 4 left warm - refit at -0.00097 / -0.00127 / -0.00053 (default
    #: -0.00099), w >= 2 got an update refused, and refits given the same weighting gained as
    #: much or more (BENCHMARKS, session 29)
    warm_recent_weight: float = 1.0
    #: the fused list's ALS weight for customers whose first event is within the newest
    #: ``new_customer_days`` of the models' events (None: ``weights["als"]`` for everyone). A
    #: serving rule, so it applies to any models, warm or refitted. Off: weight 0 made warm
    #: equal to the refits by lowering both (validation refits 0.2024 -> 0.1942; session 21)
    new_customer_als_weight: float | None = None
    new_customer_days: float = 30.0
    #: largest relative loss of the check metric an update may have on the held-out data
    tolerance: float = 0.01
    #: > 0: the loss must also exceed this many standard errors of the paired per-customer
    #: difference. Off (0) by default: on the tests' broken feed (-7 % on 55 held-out
    #: customers) z = 2 let it through (1.3 standard errors), see ``forgetting_check``
    significance: float = 0.0
    seed: int = 0


class BehaviourModels:
    """Fitted behaviour models over one ``Interactions``; ``update`` makes the next ones."""

    def __init__(
        self, data: Interactions, pairs: sp.csr_matrix, generators: dict[str, Generator], cfg: LearnConfig
    ):
        self.data = data
        self.pairs = pairs
        self.generators = generators
        self.cfg = cfg
        self.timings: dict[str, float] = {}

    # ------------------------------------------------------------------ full fit
    @classmethod
    def fit(
        cls, events: pl.DataFrame, cfg: LearnConfig | None = None, items: list[str] | None = None
    ) -> BehaviourModels:
        """Everything from scratch (the baseline an update is measured against)."""
        cfg = cfg or LearnConfig()
        t = time.perf_counter()
        data = Interactions.from_events(events, items=items, weights=cfg.event_weights)
        t_data = time.perf_counter() - t
        cv = CoVisitation(**cfg.covisit)
        pairs = cv.pair_sums(data)  # float64, kept unrounded so updates add to it exactly
        cv.data, cv.neighbours_matrix = data, top_per_row(pairs, cv.neighbours)
        gens: dict[str, Generator] = {
            "covisit": cv,
            "als": ALS(**cfg.als, seed=42 + cfg.seed).fit(data),
            "popularity": Popularity().fit(data),
            "trending": Popularity(half_life_days=cfg.trending_half_life_days, weighted=True).fit(data),
        }
        out = cls(data, pairs, gens, cfg)
        out.timings = {"interactions_s": t_data, "total_s": time.perf_counter() - t}
        return out

    # ------------------------------------------------------------------ warm update
    def update(self, events: pl.DataFrame) -> BehaviourModels:
        """New models = these + ``events`` (not older than each user's last fitted event)."""
        cfg = self.cfg
        t0 = time.perf_counter()
        add = added(self.data, events, cfg.event_weights)
        data = merge(self.data, add)
        t_data = time.perf_counter() - t0
        old_cv: CoVisitation = self.generators["covisit"]  # type: ignore[assignment]
        cv = CoVisitation(**cfg.covisit)
        with_new, tail_only = boundary(self.data, add, cv.window)
        delta = (cv.pair_sums(with_new) - cv.pair_sums(tail_only)).tocsr()
        delta.eliminate_zeros()
        n = data.n_items
        pairs = (grow(self.pairs, (n, n)).astype(np.float64) + delta).tocsr()
        pairs.eliminate_zeros()
        cv.data = data
        cv.neighbours_matrix = update_top(old_cv.neighbours_matrix, pairs, delta, old_cv.neighbours)
        t_cv = time.perf_counter() - t0 - t_data
        als = self._warm_als(data, add)
        t_als = time.perf_counter() - t0 - t_data - t_cv
        gens: dict[str, Generator] = {
            "covisit": cv,
            "als": als,
            "popularity": Popularity().fit(data),
            "trending": Popularity(half_life_days=cfg.trending_half_life_days, weighted=True).fit(data),
        }
        out = BehaviourModels(data, pairs, gens, cfg)
        out.timings = {
            "interactions_s": t_data,
            "covisit_s": t_cv,
            "als_s": t_als,
            "total_s": time.perf_counter() - t0,
        }
        return out

    def _warm_als(self, data: Interactions, add: Interactions) -> ALS:
        old = self.generators["als"].model  # type: ignore[attr-defined]
        als = ALS(**self.cfg.als, seed=42 + self.cfg.seed)
        rng = np.random.default_rng(self.cfg.seed)
        f = int(self.cfg.als.get("factors", 64))

        def grown(a: np.ndarray, rows: int) -> np.ndarray:
            a = np.asarray(a, dtype=np.float32)
            extra = (rng.random((rows - len(a), f), dtype=np.float32) * 0.01).astype(np.float32)
            return np.ascontiguousarray(np.vstack([a, extra]))

        model = als.model
        model.user_factors = grown(old.user_factors, data.n_users)  # type: ignore[attr-defined]
        model.item_factors = grown(old.item_factors, data.n_items)  # type: ignore[attr-defined]
        als.data = data
        rounds = int(getattr(self.cfg, "warm_touched", 0))
        users, items = touched_rows(add.matrix)
        then = users if getattr(self.cfg, "warm_users_again", False) else None
        if getattr(self.cfg, "warm_all_users", False):
            then = np.arange(data.n_users)
        steps = int(getattr(self.cfg, "warm_cg_steps", 3))
        exact_u = bool(getattr(self.cfg, "warm_exact_new_users", False))
        exact_i = bool(getattr(self.cfg, "warm_exact_new_items", False))
        n_users, n_items = len(old.user_factors), len(old.item_factors)  # type: ignore[attr-defined]
        fold = str(getattr(self.cfg, "warm_fold_new_users", "") or "")
        if fold not in ("", "after", "between"):
            raise ValueError(f"warm_fold_new_users must be '', 'after' or 'between', not {fold!r}")
        w = float(getattr(self.cfg, "warm_recent_weight", 1.0))
        refine_touched(
            model,
            recent_confidence(data.matrix, add.matrix, w),
            users,
            None if getattr(self.cfg, "warm_all_items", False) else items,
            rounds,
            cg_steps=steps,
            then_users=then if rounds > 0 else None,
            full_sweeps=int(self.cfg.warm_iterations),
            exact_users=np.arange(n_users, data.n_users) if exact_u else None,
            exact_items=np.arange(n_items, data.n_items) if exact_i else None,
            sweep_users=users if getattr(self.cfg, "warm_sweep_touched_users", False) else None,
            block=_new_block(add.matrix, n_users) if getattr(self.cfg, "warm_new_block", 0) else None,
            block_rounds=int(getattr(self.cfg, "warm_new_block", 0)),
            block_first=bool(getattr(self.cfg, "warm_new_block_first", False)),
            fold_users=np.arange(n_users, data.n_users) if fold else None,
            fold_between=fold == "between",
        )
        return als

    def new_customers(self, rows: np.ndarray) -> np.ndarray:
        """Which user ``rows`` had their first event within the newest ``new_customer_days``
        of these models' events (a mask aligned with ``rows``)."""
        d = self.data
        times = d.seq_times
        if not len(times):
            return np.zeros(len(rows), dtype=bool)
        cutoff = int(times.max()) - float(getattr(self.cfg, "new_customer_days", 30.0)) * 86400.0
        pos, lengths = tail_positions(d.seq_indptr, np.asarray(rows, dtype=np.int64), None)
        has = lengths > 0
        first = np.full(len(rows), np.iinfo(np.int64).max, dtype=np.int64)
        if has.any():  # each user's earliest event (sequences are in time order; not relied on)
            starts = np.concatenate([[0], np.cumsum(lengths[has])[:-1]])
            first[has] = np.minimum.reduceat(times[pos], starts)
        return has & (first >= cutoff)

    # ------------------------------------------------------------------ scoring
    def top(self, pd_: PhaseData, k: int = 20) -> np.ndarray:
        """Fused top-``k`` item columns for the phase's users (the engine's RRF)."""
        cfg = self.cfg
        lists = {
            n: ranked_lists(g, pd_, DEPTH)[1] for n, g in self.generators.items() if cfg.weights.get(n, 0) > 0
        }
        w_new = getattr(cfg, "new_customer_als_weight", None)
        if w_new is None:
            return fuse_lists(lists, cfg.weights, cfg.rrf_c, self.data.n_items, k)
        new = self.new_customers(pd_.rows)
        out = np.empty((len(pd_.rows), min(k, self.data.n_items)), dtype=np.int64)
        for mask, weights in ((~new, cfg.weights), (new, {**cfg.weights, "als": float(w_new)})):
            if mask.any():
                part = {n: a[mask] for n, a in lists.items()}
                out[mask] = fuse_lists(part, weights, cfg.rrf_c, self.data.n_items, k)
        return out

    def assess(self, truth: pl.DataFrame, k: int = 20) -> tuple[dict[str, float], dict[str, float]]:
        """(metrics of the fused list against ``truth`` — distinct user_id, item_id pairs —,
        Recall@``k`` of each user) for the users these models know (cold users get the same
        list from every model). One scoring serves both: the forgetting check needs both."""
        users = truth["user_id"].cast(pl.Utf8).unique(maintain_order=True).to_list()
        rows = self.data.user_rows(users)
        known = [u for u, r in zip(users, rows, strict=True) if r >= 0]
        rows = rows[rows >= 0]
        pd_ = PhaseData(self.data, rows, _pair_matrix(truth, self.data, known), None)
        top = self.top(pd_, k)
        out = all_metrics(top, pd_.truth, (10, 20))
        out["users"] = float(len(rows))
        hits = hit_matrix(top, pd_.truth)[:, :k]
        n_rel = np.maximum(np.diff(pd_.truth.indptr), 1)
        return out, dict(zip(known, (hits.sum(axis=1) / n_rel).tolist(), strict=True))

    def per_user(self, truth: pl.DataFrame, k: int = 20) -> dict[str, float]:
        """Recall@``k`` of each known user of ``truth`` (the terms ``evaluate`` averages)."""
        return self.assess(truth, k)[1]

    def evaluate(self, truth: pl.DataFrame, k: int = 20) -> dict[str, float]:
        """Metrics of the fused list against ``truth`` (see ``assess``)."""
        return self.assess(truth, k)[0]


def _new_block(add: sp.csr_matrix, n_old_users: int) -> tuple[np.ndarray, np.ndarray]:
    """(the customers first seen in the update, the items they bought): rows of the update's
    matrix ``add`` from ``n_old_users`` on, and their columns with an event."""
    sub = add.tocsr()[n_old_users:].tocoo()
    nonzero = sub.data != 0
    users = np.unique(sub.row[nonzero]).astype(np.int64) + n_old_users
    return users, np.unique(sub.col[nonzero]).astype(np.int64)


# ---------------------------------------------------------------------- held-out + check
@dataclass
class HeldOut:
    """The old period's held-out data: what the check scores both models on."""

    truth: pl.DataFrame  # distinct (user_id, item_id) the held-out users bought in the window
    rows: pl.DataFrame  # the held-out events themselves (kept out of every fit)
    start: datetime
    end: datetime


def _held_user(user: str, share: float, seed: int) -> bool:
    h = int(hashlib.blake2b(f"{seed}:{user}".encode(), digest_size=8).hexdigest(), 16)
    return (h % 10_000) < share * 10_000


def hold_out(
    events: pl.DataFrame, end: datetime, days: float = 30.0, share: float = 0.1, seed: int = 0
) -> tuple[pl.DataFrame, HeldOut]:
    """Split the old period's events (all before ``end``) into (training events, held-out):
    a seeded ``share`` of users (keyed hash of the id) lose their events of the last ``days``
    before ``end`` to the check. Neither the old nor the new models ever train on them."""
    start = end - timedelta(days=days)
    users = events["user_id"].cast(pl.Utf8).unique().to_list()
    held = pl.DataFrame(
        {"user_id": [u for u in users if _held_user(u, share, seed)]}, schema={"user_id": pl.Utf8}
    )
    in_window = (pl.col("timestamp") >= start) & (pl.col("timestamp") < end)
    ev = events.with_columns(pl.col("user_id").cast(pl.Utf8))
    flagged = ev.join(held.with_columns(pl.lit(True).alias("_held")), on="user_id", how="left").with_columns(
        (pl.col("_held").fill_null(False) & in_window).alias("_out")
    )
    rows = flagged.filter(pl.col("_out")).drop("_held", "_out")
    train = flagged.filter(~pl.col("_out")).drop("_held", "_out")
    truth = rows.select(pl.col("user_id"), pl.col("item_id").cast(pl.Utf8)).unique(maintain_order=True)
    return train, HeldOut(truth, rows, start, end)


@dataclass
class Decision:
    """What ``learn`` did and why (what a release manifest records)."""

    accepted: bool
    reason: str
    old: dict[str, float]
    new: dict[str, float]
    metric: str = CHECK_METRIC
    update_seconds: float = 0.0
    #: paired per-customer difference new - old: mean, standard error, customers
    paired: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": "updated" if self.accepted else "kept the old models",
            "reason": self.reason,
            "metric": self.metric,
            "old": round(self.old[self.metric], 5),
            "new": round(self.new[self.metric], 5),
            "paired": {k: round(v, 6) for k, v in self.paired.items()},
            "update_seconds": round(self.update_seconds, 3),
        }


def paired_difference(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    """Mean and standard error of new (``b``) - old (``a``) per-customer Recall@20 over the
    held-out customers both models know (``BehaviourModels.per_user``)."""
    common = [u for u in a if u in b]
    return paired_stats(np.array([b[u] - a[u] for u in common], dtype=np.float64))


def paired_stats(d: np.ndarray) -> dict[str, float]:
    """Mean, standard error and count of per-customer differences ``d``."""
    d = np.asarray(d, dtype=np.float64)
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("inf")
    return {"mean": float(d.mean()) if len(d) else 0.0, "se": se, "customers": float(len(d))}


def known_to(models: BehaviourModels, truth: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``truth`` whose customer ``models`` know. Why the check needs it: a held-out
    customer whose only earlier events were held out is unknown to the old models but known
    to the new ones once they buy again in the new events; scoring each model on the customers
    it knows compared two different populations (Online Retail m = 6: held-out Recall@20 -2.2 %,
    refused, while the paired difference over the 82 customers both knew was +0.0000)."""
    users = truth["user_id"].cast(pl.Utf8).unique(maintain_order=True)
    known = users.filter(pl.Series(models.data.user_rows(users.to_list()) >= 0))
    return truth.filter(pl.col("user_id").cast(pl.Utf8).is_in(known.implode()))


def forgetting_check(
    old: BehaviourModels,
    new: BehaviourModels,
    held: HeldOut,
    tolerance: float,
    significance: float = 0.0,
) -> Decision:
    """Refuse ``new`` when it loses more than ``tolerance`` (relative) of Recall@20 on ``held``
    (both scored on the held-out customers the old models know: ``known_to``)
    (and, with ``significance`` > 0, the paired per-customer difference is below
    ``-significance`` standard errors). The paired difference is always reported.

    Why the paired test is not on by default (measured, ``docs/BENCHMARKS.md``): on Online
    Retail it accepted all 8 clean monthly updates (the 1 % rule refused 3 whose held-out
    Recall@20 moved 2-12 % on 40-105 customers), but on the groceries release test a broken
    feed lost 7 % on 55 customers at only 1.3 standard errors and went through. With so few
    held-out customers a loss cannot be told from noise; refusing a clean update costs one
    build's freshness, accepting a broken one costs the shop's recommendations."""
    truth = known_to(old, held.truth)  # the same customers for both models
    (a, a_users), (b, b_users) = old.assess(truth), new.assess(truth)
    pd_ = paired_difference(a_users, b_users)
    floor = a[CHECK_METRIC] * (1.0 - tolerance)
    lost = b[CHECK_METRIC] + 1e-12 < floor
    significant = significance <= 0 or pd_["mean"] < -significance * pd_["se"]
    paired = f"paired difference {pd_['mean']:+.4f} ± {pd_['se']:.4f} over {int(pd_['customers'])} customers"
    if lost and significant:
        why = (f"forgetting check: {CHECK_METRIC} on the old period's held-out data fell from {a[CHECK_METRIC]:.4f} "
               f"to {b[CHECK_METRIC]:.4f} (more than {tolerance:.0%} lost; {paired}); the old models are kept")  # fmt: skip
        return Decision(False, why, a, b, paired=pd_)
    if lost:
        why = (f"forgetting check passed: {CHECK_METRIC} on the old period's held-out data {a[CHECK_METRIC]:.4f} -> "
               f"{b[CHECK_METRIC]:.4f}, more than {tolerance:.0%} lower but not significant ({paired}, "
               f"within {significance:g} standard errors)")  # fmt: skip
        return Decision(True, why, a, b, paired=pd_)
    why = (f"forgetting check passed: {CHECK_METRIC} on the old period's held-out data {a[CHECK_METRIC]:.4f} -> "
           f"{b[CHECK_METRIC]:.4f} (tolerance {tolerance:.0%}; {paired})")  # fmt: skip
    return Decision(True, why, a, b, paired=pd_)


def without_held(events: pl.DataFrame, held: HeldOut) -> pl.DataFrame:
    """``events`` minus the held-out customers' events inside the held-out window."""
    ids = held.rows["user_id"].cast(pl.Utf8).unique().to_list()
    window = (pl.col("timestamp") >= held.start) & (pl.col("timestamp") < held.end)
    return events.filter(~(pl.col("user_id").cast(pl.Utf8).is_in(ids) & window))


def learn(old: BehaviourModels, events: pl.DataFrame, held: HeldOut) -> tuple[BehaviourModels, Decision]:
    """Warm-update ``old`` with ``events``; keep ``old`` when the forgetting check refuses."""
    t = time.perf_counter()
    new = old.update(without_held(events, held))
    seconds = time.perf_counter() - t
    cfg = old.cfg
    decision = forgetting_check(old, new, held, cfg.tolerance, getattr(cfg, "significance", 0.0))
    decision.update_seconds = seconds
    return (new if decision.accepted else old), decision
