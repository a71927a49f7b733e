"""shopmind.experiments.interleave_learned: the per-click features, the learned weights (they
maximise the credit's z-score), and the property that makes any weights safe - under clicks that
ignore the items the learned credit's mean is exactly 0 on an exhaustively enumerated
probabilistic merge."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from shopmind.experiments.interleave_learned import (
    FEATURES,
    click_features,
    learn_from_sessions,
    learn_weights,
    session_phi,
)
from shopmind.experiments.interleave_prob import marginal_credit, probabilistic_interleave


def _prob_lists(
    a: list[str], b: list[str], k: int, tau: float = 3.0
) -> list[tuple[tuple[str, ...], float, list]]:
    """Every list the probabilistic merge can show, with its probability and the posterior p_B per
    position, by exhaustive recursion over (coin, item) at each position (independent of the
    module's sampler: the merge's definition written out)."""
    w0 = [{d: (r + 1) ** -tau for r, d in enumerate(x)} for x in (a, b)]
    out: dict[tuple[str, ...], list] = {}

    def rec(
        prefix: tuple[str, ...], prob: float, post: tuple[float, ...], left: list[dict[str, float]]
    ) -> None:
        if len(prefix) == k or not (left[0] or left[1]):
            if prefix in out:
                out[prefix][0] += prob
            else:
                out[prefix] = [prob, list(post)]
            return
        tot = [sum(x.values()) for x in left]
        for coin in (0, 1):
            side = coin if left[coin] else 1 - coin
            for d, wd in left[side].items():
                pa = left[0].get(d, 0.0) / tot[0] if left[0] else None
                pb = left[1].get(d, 0.0) / tot[1] if left[1] else None
                p_b = 0.5 if pa is None or pb is None else pb / (pa + pb)
                nxt = [{x: v for x, v in s.items() if x != d} for s in left]
                rec((*prefix, d), prob * 0.5 * wd / tot[side], (*post, p_b), nxt)

    rec((), 1.0, (), w0)
    return [(items, p, post) for items, (p, post) in out.items()]


def test_click_features_of_a_pattern() -> None:
    f = click_features([True, False, True, True, False])
    assert f.shape == (5, len(FEATURES))
    col = {n: f[:, j].tolist() for j, n in enumerate(FEATURES)}
    assert col["click"] == [1, 0, 1, 1, 0]
    assert col["rank1"] == [1, 0, 0, 0, 0]
    assert col["rank2_3"] == [0, 0, 1, 0, 0]
    assert col["first"] == [1, 0, 0, 0, 0]
    assert col["last"] == [0, 0, 0, 1, 0]
    assert col["only"] == [0] * 5
    assert col["many"] == [1, 0, 1, 1, 0]
    assert col["after_skip"] == [0, 0, 1, 0, 0]
    only = click_features([False, True, False])
    assert only[1].tolist() == [1, 0, 1, 1, 1, 1, 0, 1]


def test_plain_feature_is_the_marginal_credit() -> None:
    shown = probabilistic_interleave(list("abcdef"), list("dacfbe"), 6, random.Random(3))
    clicks = [0, 2, 5]
    ca, cb = marginal_credit(shown, clicks)
    phi = session_phi([2 * p - 1 for p in shown.p_b], [*clicks, 2, 9])  # a repeat and an off-list
    assert phi[0] == pytest.approx(cb - ca, abs=1e-12)


def test_enumeration_matches_the_module() -> None:
    """The test's enumerator and the module agree on the posteriors of sampled lists, and the
    enumerated probabilities sum to 1 and match sampling frequencies."""
    a, b = list("abcde"), list("cbaed")
    lists = {items: (p, post) for items, p, post in _prob_lists(a, b, 4)}
    assert sum(p for p, _ in lists.values()) == pytest.approx(1.0, abs=1e-12)
    rng = random.Random(0)
    counts: dict[tuple[str, ...], int] = {}
    for _ in range(20000):
        s = probabilistic_interleave(a, b, 4, rng)
        assert s.p_b == pytest.approx(tuple(lists[s.items][1]), abs=1e-12)
        counts[s.items] = counts.get(s.items, 0) + 1
    top = max(counts, key=counts.__getitem__)
    assert counts[top] / 20000 == pytest.approx(lists[top][0], abs=0.01)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_position_only_clicks_earn_no_credit_for_any_weights(seed: int) -> None:
    """Exact over the merge: any distribution over click patterns that ignores the items gives the
    learned credit mean 0, for arbitrary weights; item-dependent clicks do not (the credit sees)."""
    rng = np.random.default_rng(seed)
    a, b = list("abcdef"), list("fcabde")  # unequal rankers sharing items
    k = 4
    lists = _prob_lists(a, b, k)
    patterns = list(itertools.product([False, True], repeat=k))
    p_pattern = rng.dirichlet(np.ones(len(patterns)))  # any click behaviour of positions only
    w = rng.normal(size=len(FEATURES))
    mean = 0.0
    for _items, p_list, post in lists:
        c = 2 * np.array(post) - 1
        for pat, pp in zip(patterns, p_pattern, strict=True):
            mean += p_list * pp * float(w @ session_phi(c, [i for i in range(k) if pat[i]]))
    assert abs(mean) < 1e-12
    # clicks only on items b ranks above a: b's credit must be positive
    good = {"f", "c"}
    mean_good = 0.0
    for items, p_list, post in lists:
        c = 2 * np.array(post) - 1
        mean_good += p_list * session_phi(c, [i for i, d in enumerate(items) if d in good])[0]
    assert mean_good > 0.05


def test_learned_weights_maximise_the_z_score() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(500, len(FEATURES))) @ rng.normal(size=(len(FEATURES), len(FEATURES)))
    mu, sigma = rng.normal(0.1, 0.05, size=len(FEATURES)), np.cov(x, rowvar=False)
    w = learn_weights(mu, sigma, 0.0)
    assert np.linalg.norm(w) == pytest.approx(1.0)
    np.testing.assert_allclose(w, np.linalg.solve(sigma, mu) / np.linalg.norm(np.linalg.solve(sigma, mu)))

    def z(v: np.ndarray) -> float:
        return float(v @ mu) / float(np.sqrt(v @ sigma @ v))

    assert z(w) > z(np.eye(len(FEATURES))[0])
    for _ in range(200):
        assert z(w) >= z(rng.normal(size=len(FEATURES))) - 1e-12
    diag = learn_weights(mu, sigma, 1.0)  # full shrinkage: each feature on its own variance
    np.testing.assert_allclose(diag, (mu / np.diag(sigma)) / np.linalg.norm(mu / np.diag(sigma)))


def test_learn_from_sessions_and_bad_input() -> None:
    rng = np.random.default_rng(1)
    phi = rng.normal(size=(400, len(FEATURES))) + 0.2 * np.eye(len(FEATURES))[0]
    phi[:, 3] = 0.0  # a feature that never fires gets weight 0
    w = learn_from_sessions(phi, 0.25)
    assert w[3] == 0.0 and w[0] > 0
    with pytest.raises(ValueError, match="phi matrix"):
        learn_from_sessions(np.ones((5, 3)), 0.0)
    with pytest.raises(ValueError, match="shrink"):
        learn_weights(np.ones(2), np.eye(2), 1.5)
