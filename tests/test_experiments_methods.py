"""Team-draft interleaving and off-policy estimators on models where the truth is known."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.experiments import ope
from shopmind.experiments.interleave import credit, sign_test, team_draft


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 30), max_size=15, unique=True),
    st.lists(st.integers(0, 30), max_size=15, unique=True),
    st.integers(1, 12),
    st.integers(0, 2**32),
)
def test_team_draft_invariants(a, b, k, seed):
    a, b = [str(x) for x in a], [str(x) for x in b]
    shown = team_draft(a, b, k, random.Random(seed))
    assert len(shown.items) == len(set(shown.items)) == min(k, len(set(a) | set(b)))
    assert set(shown.items) <= set(a) | set(b)
    # disjoint rankers that both fill k: the picks are split evenly (no ranker gains by position)
    if not set(a) & set(b) and min(len(a), len(b)) >= k:
        assert abs(2 * shown.teams.count(0) - len(shown.items)) <= 1
    # each team's items appear in that ranker's own order
    for team, ranking in ((0, a), (1, b)):
        mine = [it for it, t in zip(shown.items, shown.teams, strict=True) if t == team]
        assert mine == sorted(mine, key=ranking.index)


def test_identical_rankers_give_no_preference():
    rng = random.Random(1)
    ranking = [str(i) for i in range(10)]
    wins = [0, 0]
    for _ in range(4000):
        shown = team_draft(ranking, ranking, 10, rng)
        w = credit(shown, [0] if rng.random() < 0.5 else [1, 2])
        if w >= 0:
            wins[w] += 1
    assert sign_test(*wins).pvalue > 0.01


def test_interleaving_picks_the_better_ranker_on_a_click_model():
    rng = random.Random(7)
    relevance = {str(i): (1.0 if i % 3 == 0 else 0.1) for i in range(30)}
    good = sorted(relevance, key=lambda i: (-relevance[i], int(i)))
    bad = [str(i) for i in range(30)]
    wins = [0, 0]
    ties = 0
    for _ in range(800):
        shown = team_draft(bad, good, 10, rng)
        # position-based click model: examination 1/(rank+1), click if relevant-examined
        clicks = [p for p, it in enumerate(shown.items) if rng.random() < relevance[it] / (p + 1)]
        w = credit(shown, clicks)
        if w < 0:
            ties += 1
        else:
            wins[w] += 1
    res = sign_test(wins[0], wins[1], ties)
    assert res.winner == "B" and res.pvalue < 1e-6 and res.delta > 0


def logged(n: int, seed: int):
    """Contexts x in {0,1}, 3 actions, a known reward table, a logging policy mu(a|x) and target pi(a|x)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, n)
    reward_p = np.array([[0.1, 0.5, 0.2], [0.6, 0.1, 0.3]])
    mu = np.array([[0.6, 0.2, 0.2], [0.2, 0.4, 0.4]])
    pi = np.array([[0.1, 0.8, 0.1], [0.8, 0.1, 0.1]])
    a = (rng.random(n)[:, None] > np.cumsum(mu[x], axis=1)).sum(axis=1)
    r = (rng.random(n) < reward_p[x, a]).astype(float)
    truth = float((0.5 * (pi * reward_p).sum(axis=1)).sum())
    return x, a, r, mu, pi, reward_p, truth


def test_ips_is_unbiased_and_its_interval_covers():
    ests, covered = [], 0
    for seed in range(200):
        x, a, r, mu, pi, _, truth = logged(2000, seed)
        e = ope.ips(r, mu[x, a], pi[x, a])
        ests.append(e.value)
        covered += e.ci_lower <= truth <= e.ci_upper
    _, _, _, _, _, _, truth = logged(10, 0)
    assert np.mean(ests) == pytest.approx(truth, abs=3 * np.std(ests) / np.sqrt(200))
    assert 0.9 <= covered / 200 <= 0.99


def test_snips_and_dr_beat_ips_and_dm_bias_shows():
    x, a, r, mu, pi, reward_p, truth = logged(20_000, 99)
    snips = ope.snips(r, mu[x, a], pi[x, a])
    q_wrong = np.full((2, 3), 0.3)  # a reward model that knows nothing
    dr = ope.doubly_robust(r, mu[x, a], pi[x, a], q_wrong[x, a], (pi * q_wrong).sum(axis=1)[x])
    dm = ope.direct((pi * q_wrong).sum(axis=1)[x])
    ips = ope.ips(r, mu[x, a], pi[x, a])
    for e in (ips, snips, dr):
        assert e.ci_lower <= truth <= e.ci_upper, e
    assert abs(dm.value - truth) > 0.1  # DM is as wrong as its model; DR corrects it
    q_right = reward_p
    dr_good = ope.doubly_robust(r, mu[x, a], pi[x, a], q_right[x, a], (pi * q_right).sum(axis=1)[x])
    assert dr_good.se < ips.se / 1.3


def test_ope_refuses_bad_propensities():
    with pytest.raises(ValueError, match="pscore"):
        ope.ips([1.0], [0.0], [0.5])
    with pytest.raises(ValueError, match="one value per round"):
        ope.ips([1.0, 0.0], [0.5], [0.5])
