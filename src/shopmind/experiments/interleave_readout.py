"""Readout of a served interleaving experiment: credit shoppers' clicks, carts and purchases to the
ranker whose team placed the item, then wins / losses / ties with a significance test, sanity
checks that block the readout, and a decision.

Credit: an event (click, add_to_cart or purchase) that carries a ``request_id`` (the X-Request-ID
of the response the shopper acted on; the storefront echoes it) is credited to exactly the list that
request served, when that list showed the item; an event naming another response (a recommendation
row, a page sorted by price, another experiment's request) credits no list, however close in time.
An event without a request id falls back to the *latest* list served to its session (the user, for
events without a session) at most ``metrics.CLICK_WINDOW`` before it that showed the event's item.
Each list credits each item once. A team-draft list credits the item to the team that placed it; a
probabilistic list (``p_b`` logged, ``interleave_prob``) credits B with the posterior ``p_B`` of its
position and A with ``1 - p_B`` (the marginalised credit; unbiased, see that module). An optimized
list (``interleave_opt``, method "optimized") logs its position's credit in the same column as
``p_b = (1 + credit / k) / 2`` and is read the same way: a click adds ``2 p_b - 1 = credit / k`` to
the difference, a linear map of the optimized credit (so the t-test, the controls and the outcome are
those of the credit itself; the mSPRT reads it in units of ``k`` ranks, where a click's credit lies in
[-1, 1] as a probabilistic list's does, which keeps ``mde`` on the same scale; its always-valid
guarantee holds at any scale).

A list is won by the ranker with more credited items, tied when both have as many (including none).
Tests: the decision reads the per-list credit difference (items credited to B minus to A): a paired
t-test on it (``interleave.credit_diff_test``; ``bench/experiments_sim.py`` chose it over the sign
test on simulated shoppers, with the A/A rate checked at alpha) and an always-valid mSPRT on its
mean read daily (so the dashboard can be read every day, as the A/B readout); the sign test over
decided lists (Radlinski et al.'s paired comparison) is reported beside it, and both tests per unit
(a shopper's lists are not independent: per-unit sums of the difference). For probabilistic lists
the difference is first adjusted by the list's own per-position credits (``interleave_cv``: control
variates of known mean 0; the slopes are fitted on the lists up to each look); the plain difference
stays in ``credit_diff``, the adjusted one the decision reads in ``credit_cv``.

Checks (the interleaving analogue of a sample-ratio check; either blocks the decision):
- first pick: team-draft flips a fair coin for who picks first in each round, so the first item's
  team is A in half the lists; a skew means the merge or the logging is broken;
- pick balance (team-draft lists only): in every list the two teams' picks differ by at most one
  until one ranker runs out of items (after that the other fills the list alone).
For an optimized experiment the first pick is no coin (the LP may put A's top item first in most
lists), so the first check is instead that the first position's logged credit averages 0 (the LP's
constraint, exact for every query): a z-test on its mean over the lists, blocking at the SRM level.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from shopmind.experiments import stats
from shopmind.experiments.definition import Experiment
from shopmind.experiments.interleave import credit_diff_test, sign_test
from shopmind.experiments.interleave_cv import adjusted_credit, position_credits
from shopmind.experiments.metrics import CLICK_WINDOW, _event_frame
from shopmind.experiments.readout import json_ready
from shopmind.experiments.stopped import when_stopped

CREDIT_TYPES = ("click", "add_to_cart", "purchase")


@dataclass(frozen=True)
class Credited:
    """Per list: credited items of team A and B (fractions for a probabilistic list), and the
    outcome (0 = A wins, 1 = B, -1 = tie)."""

    credit_a: np.ndarray
    credit_b: np.ndarray
    outcome: np.ndarray
    unattributed: int  # credit events of an interleaved session whose item was in none of its lists
    by_request: int = 0  # credited by the event's request id (the rest by session and window)
    other_responses: int = 0  # interleaved sessions' events whose request id is no list of it: not credited


def credit_events(lists: pl.DataFrame, events: pl.DataFrame, window: timedelta = CLICK_WINDOW) -> Credited:
    """Credit each interaction to the list (and team) that showed its item (module docstring)."""
    n = lists.height
    ca, cb = np.zeros(n), np.zeros(n)
    by_key: dict[str, tuple[list, list[int]]] = {}
    rows = lists.select("session_id", "unit_id", "timestamp").iter_rows()
    for i, (sid, uid, ts) in enumerate(rows):
        key = sid or uid
        if key:
            times, idx = by_key.setdefault(key, ([], []))
            times.append(ts)
            idx.append(i)
    for times, idx in by_key.values():  # lists are appended in time order per writer; sort to be sure
        order = sorted(range(len(times)), key=times.__getitem__)
        times[:], idx[:] = [times[j] for j in order], [idx[j] for j in order]
    items = lists["items"].to_list()
    positions = [{p: k for k, p in enumerate(its)} for its in items]
    teams = lists["teams"].to_list()
    posts = lists["p_b"].to_list() if "p_b" in lists.columns else [None] * n
    credited: set[tuple[int, str]] = set()
    unattributed = by_request = other = 0
    of_request: dict[str, int] = {}
    for i, rid in enumerate(lists["request_id"].to_list()):
        if rid is not None:
            of_request.setdefault(rid, i)  # a repeated id (a client's own X-Request-ID): its first list
    events = events.with_columns(
        pl.lit(None, dtype=pl.Utf8).alias(c) for c in ("item_id", "request_id") if c not in events.columns
    )
    ev = _event_frame(events).filter(pl.col("type").is_in(CREDIT_TYPES), pl.col("item_id").is_not_null())
    rows = ev.select("session_id", "user_id", "item_id", "timestamp", "request_id").iter_rows()
    for sid, uid, item, ts, rid in rows:
        hit = None
        if rid is not None:
            hit = of_request.get(rid)
            if hit is None:  # counted for the interleaved sessions only (others were never in it)
                other += (sid in by_key) if sid else (uid in by_key)
                continue
            if item not in positions[hit]:
                unattributed += 1
                continue
        else:
            entry = by_key.get(sid) if sid else by_key.get(uid)
            if entry is None:
                continue
            times, idx = entry
            j = bisect.bisect_right(times, ts) - 1
            while j >= 0 and ts - times[j] <= window:
                if item in positions[idx[j]]:
                    hit = idx[j]
                    break
                j -= 1
            if hit is None:
                unattributed += 1
                continue
        if (hit, item) in credited:
            continue
        credited.add((hit, item))
        by_request += rid is not None
        pos = positions[hit][item]
        if posts[hit] is not None:  # probabilistic: the posterior that B placed it
            cb[hit] += posts[hit][pos]
            ca[hit] += 1.0 - posts[hit][pos]
        elif teams[hit][pos] == "A":
            ca[hit] += 1
        else:
            cb[hit] += 1
    outcome = np.where(ca > cb, 0, np.where(cb > ca, 1, -1))
    return Credited(ca, cb, outcome, unattributed, by_request, other)


@dataclass(frozen=True)
class FirstCredit:
    """The optimized merge's first-position check: mean logged credit (``2 p_b - 1``) of the lists'
    first positions, its z-test p against the known mean 0, and whether that blocks."""

    mean: float
    pvalue: float
    mismatch: bool


def first_credit_check(controls: np.ndarray, alpha: float = stats.SRM_ALPHA) -> FirstCredit:
    """Why: every query's distribution makes the first position's credit average 0, so a mean far
    from 0 over many lists means the merge draws from the wrong distribution or the log lost lists
    (the analogue of team draft's first-pick coin). Fewer than two lists: nothing to test (p = 1)."""
    first = controls[:, 0] if controls.size else np.zeros(0)
    if len(first) < 2:
        return FirstCredit(float(first.mean()) if len(first) else 0.0, 1.0, False)
    se = float(first.std(ddof=1) / math.sqrt(len(first)))
    if se == 0:
        return FirstCredit(float(first.mean()), 1.0 if first.mean() == 0 else 0.0, bool(first.mean() != 0))
    p = float(math.erfc(abs(float(first.mean()) / se) / math.sqrt(2)))
    return FirstCredit(float(first.mean()), p, p < alpha)


def draft_consistent(teams: str) -> bool:
    """Whether a list's team marks can come from team draft: a team may get two picks ahead only
    once the other ranker has run out of items, so from then on every pick is the leader's."""
    a = b = 0
    leader = ""
    for t in teams:
        if leader and t != leader:
            return False
        a, b = a + (t == "A"), b + (t == "B")
        if abs(a - b) > 1:
            leader = t
    return True


@dataclass(frozen=True)
class InterleaveLook:
    """One daily look: lists so far, the mean credit difference per list (> 0: B's items got more)
    and its always-valid p and confidence sequence."""

    day: str
    lists: int
    preference: float
    se: float
    pvalue: float
    ci_lower: float
    ci_upper: float


@dataclass(frozen=True)
class InterleaveReadout:
    experiment: str
    kind: str
    variants: list[str]  # [A, B]
    allocation: dict[str, int]
    wins: dict[str, int]  # per variant, and "ties"
    preference: float  # (wins_b - wins_a) / lists
    sign_test_p: float
    always_valid_p: float  # mSPRT on the mean credit difference, at the last daily look
    by_unit: dict[str, Any]
    checks: dict[str, Any]
    srm: dict[str, Any]  # the first-pick check, under the key the experiment list reads
    blocked: bool
    decision: str
    days: int
    looks: list[InterleaveLook] = field(default_factory=list)
    # per-list credit difference B - A (paired t-test)
    credit_diff: dict[str, Any] = field(default_factory=dict)
    # the test the decision reads: the same difference adjusted by probabilistic lists' controls
    # (equal to credit_diff for team-draft lists, whose controls are 0)
    credit_cv: dict[str, Any] = field(default_factory=dict)
    # the day of the last served list (ISO): a stopped experiment's decision is dated by it (experiments.stopped)
    last_day: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (non-finite floats become None so the JSON stays strict)."""
        return json_ready(asdict(self))


def _looks(
    lists: pl.DataFrame, score: np.ndarray, mde: float, alpha: float, controls: np.ndarray | None = None
) -> tuple[list[InterleaveLook], int]:
    """Daily cumulative looks of the mean per-list score (the credit difference B - A), adjusted by
    ``controls`` with slopes fitted on the lists up to each look (no look reads a later list)."""
    score = score.astype(float)
    ts = lists["timestamp"].to_list()
    day0 = min(ts).replace(hour=0, minute=0, second=0, microsecond=0)
    n_days = max(1, math.ceil((max(ts) - day0) / timedelta(days=1)))
    seq = stats.Sequential(mde * mde, alpha)
    stamps = np.array([(t - day0) / timedelta(days=1) for t in ts])
    looks: list[InterleaveLook] = []
    for d in range(n_days):
        upto = stamps < d + 1
        s = score[upto] if controls is None else adjusted_credit(score[upto], controls[upto])
        if len(s) < 2:
            continue
        se = float(s.std(ddof=1) / math.sqrt(len(s)))
        if se == 0:  # all ties (no click yet), or every list won by one side: nothing to test yet
            continue
        av = seq.look(float(s.mean()), se)
        day = (day0 + timedelta(days=d)).date().isoformat()
        looks.append(InterleaveLook(day, len(s), float(s.mean()), se, av.pvalue, av.ci_lower, av.ci_upper))
    return looks, n_days


def interleave_readout(
    exp: Experiment,
    lists: pl.DataFrame,
    events: pl.DataFrame,
    *,
    alpha: float = 0.05,
    mde: float = 0.05,
) -> InterleaveReadout:
    """Read interleaving experiment ``exp`` from its served lists (other experiments' rows ignored) and
    the shop's events. ``mde``: the mean credit difference per list the sequential test is tuned to."""
    a_name, b_name = (v.name for v in exp.variants)
    lists = lists.filter(pl.col("experiment") == exp.name).sort("timestamp")
    n = lists.height
    if n == 0:
        return InterleaveReadout(
            exp.name, "interleave", [a_name, b_name], {"lists": 0, "units": 0},
            {a_name: 0, b_name: 0, "ties": 0}, 0.0, 1.0, 1.0, {}, {}, {"pvalue": None, "mismatch": False},
            True, "no interleaved lists served yet", 0,
        )  # fmt: skip
    c = credit_events(lists, events)
    wins_a, wins_b = int((c.outcome == 0).sum()), int((c.outcome == 1).sum())
    ties = n - wins_a - wins_b
    res = sign_test(wins_a, wins_b, ties)
    diff = (c.credit_b - c.credit_a).astype(float)
    paired = credit_diff_test(c.credit_a, c.credit_b)
    controls = position_credits(lists["p_b"].to_list() if "p_b" in lists.columns else [None] * n)
    adjusted = credit_diff_test(np.zeros(n), adjusted_credit(diff, controls))

    teams = lists["teams"].to_list()
    first_a = sum(t[:1] == "A" for t in teams)
    first_b = sum(t[:1] == "B" for t in teams)
    if exp.method == "optimized":  # no coin for the first pick: its credit's known mean 0 instead
        first = first_credit_check(controls)
    else:
        first = stats.srm_check([first_a, first_b], [1, 1]) if first_a + first_b else None
    drafted = lists["p_b"].is_null().to_list() if "p_b" in lists.columns else [True] * n
    unbalanced = sum(d and not draft_consistent(t) for t, d in zip(teams, drafted, strict=True))
    checks = {
        "first_pick": {a_name: first_a, b_name: first_b, "pvalue": first.pvalue if first else None},
        "merge": exp.method,
        # what the first-position check read: the coin's picks, or (optimized) the credit's known mean 0
        "first_check": "first_position_credit" if isinstance(first, FirstCredit) else "first_pick",
        "unbalanced_lists": unbalanced,
        "credited_items": {a_name: float(c.credit_a.sum()), b_name: float(c.credit_b.sum())},
        "probabilistic_lists": n - sum(drafted),  # lists with p_b logged (optimized lists too)
        "unattributed_events": c.unattributed,
        "credited_by_request_id": c.by_request,
        "events_of_other_responses": c.other_responses,
        "empty_lists": sum(not t for t in teams),
    }
    if isinstance(first, FirstCredit):  # in the logged units, 2 p_b - 1 (credit / k for optimized)
        checks["first_position_credit"] = {"mean": first.mean, "pvalue": first.pvalue}
    mismatch = bool(first and first.mismatch)
    blocked = mismatch or unbalanced > 0

    # per unit: a shopper's lists are correlated, so the same test over units is the cautious reading
    per_unit = (
        pl.DataFrame({"unit": lists["unit_id"].fill_null(lists["session_id"]), "o": c.outcome, "d": diff})
        .group_by("unit")
        .agg(
            pl.col("o").replace_strict({1: 1, 0: -1, -1: 0}, return_dtype=pl.Int64).sum().alias("net"),
            pl.col("d").sum(),
        )
    )
    ua, ub = int((per_unit["net"] < 0).sum()), int((per_unit["net"] > 0).sum())
    unit_res = sign_test(ua, ub, per_unit.height - ua - ub)
    unit_paired = credit_diff_test(np.zeros(per_unit.height), per_unit["d"].to_numpy())
    looks, days = _looks(lists, diff, mde, alpha, controls)
    av_p = looks[-1].pvalue if looks else 1.0

    if blocked:
        why = []
        if mismatch and isinstance(first, FirstCredit):
            why.append(f"first position's mean credit {first.mean:+.3g}, not 0 (p = {first.pvalue:.2g})")
        elif mismatch:
            why.append(f"first pick {first_a} {a_name} vs {first_b} {b_name} (p = {first.pvalue:.2g})")  # type: ignore[union-attr]
        if unbalanced:
            why.append(f"{unbalanced} list(s) with unequal picks")
        decision = "blocked: the merge or its logging is broken: " + "; ".join(why)
    elif wins_a + wins_b == 0:
        decision = "keep running: no credited click, cart or purchase yet"
    elif av_p < alpha:
        winner = b_name if adjusted.mean_diff > 0 else a_name
        decision = (
            f"{winner} wins: {abs(adjusted.mean_diff):.3g} more credited items per list "
            f"({wins_b if winner == b_name else wins_a} of {wins_a + wins_b} decided lists; "
            f"always-valid p = {av_p:.3g}, paired t p = {adjusted.pvalue:.3g}, sign test p = {res.pvalue:.3g})"
        )
    else:
        decision = (
            f"keep running: {b_name} - {a_name} = {adjusted.mean_diff:+.3g} credited items per list; "
            f"{a_name} {wins_a} vs {b_name} {wins_b} wins, {ties} ties (always-valid p = {av_p:.3g} >= {alpha})"
        )
    last_day = lists["timestamp"].max().date().isoformat()  # type: ignore[union-attr]
    if exp.status == "stopped":  # nobody is served the merge any more: the decision is about what it showed
        decision = when_stopped(decision, last_day)
    return InterleaveReadout(
        exp.name,
        "interleave",
        [a_name, b_name],
        {"lists": n, "units": per_unit.height},
        {a_name: wins_a, b_name: wins_b, "ties": ties},
        res.delta,
        res.pvalue,
        av_p,
        {
            a_name: ua,
            b_name: ub,
            "ties": per_unit.height - ua - ub,
            "sign_test_p": unit_res.pvalue,
            "credit_diff_p": unit_paired.pvalue,
        },  # fmt: skip
        checks,
        {"pvalue": first.pvalue if first else None, "mismatch": mismatch},
        blocked,
        decision,
        days,
        looks,
        {"mean": paired.mean_diff, "se": paired.se, "pvalue": paired.pvalue, "lists": paired.lists},
        {"mean": adjusted.mean_diff, "se": adjusted.se, "pvalue": adjusted.pvalue, "lists": adjusted.lists},
        last_day,
    )


def live_events(workspace: Any) -> pl.DataFrame:
    """The events the server has logged (``POST /v1/events``, the workspace's live log) as a frame
    of ``type, timestamp, user_id, session_id, item_id, request_id``: what a served experiment is credited from
    (ids as the log holds them, pseudonymised when the shop pseudonymises, like the lists)."""
    from shopmind.experiments.live_events import read_live_events

    frame = read_live_events(workspace, fill_amounts=False).frame
    return frame.select("type", "timestamp", "user_id", "session_id", "item_id", "request_id")
