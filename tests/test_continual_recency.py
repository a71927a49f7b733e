"""Session 29's candidate for the warm update: the update month's events count ``w`` times in
its ALS solve (``LearnConfig.warm_recent_weight``, ``learn/recency.py``), and the fairness
check, a refit given the same weighting (``refit_recent``).

The update path on the groceries baskets (skipped only without $SHOPMIND_DATA): counting the
month's events twice must give the ALS factors of an update whose events are each sent twice
(the event-weighted counts double), and nothing else may change.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from continual_util import groceries_split
from shopmind.learn.diagnose import als_factors
from shopmind.learn.recency import recent_confidence, refit_recent
from shopmind.learn.recs import BehaviourModels, LearnConfig

SMALL_ALS = {"factors": 16, "regularization": 0.05, "iterations": 5}


def _counts(seed: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    rng = np.random.default_rng(seed)
    old = sp.random(40, 30, density=0.15, random_state=rng, format="csr", dtype=np.float32)
    new = sp.random(40, 30, density=0.05, random_state=rng, format="csr", dtype=np.float32)
    return (old + new).tocsr(), new


def test_recent_confidence_counts_the_recent_part_w_times() -> None:
    total, new = _counts(3)
    assert recent_confidence(total, new, 1.0) is total  # off: the very matrix, untouched
    got = recent_confidence(total, new, 3.0)
    np.testing.assert_allclose(got.toarray(), total.toarray() + 2.0 * new.toarray(), rtol=1e-6)
    old = (total - new).toarray()
    np.testing.assert_allclose(
        recent_confidence(total, new, 0.5).toarray(), old + 0.5 * new.toarray(), rtol=1e-6
    )


@pytest.mark.parametrize("w", [0.0, -1.0, float("nan"), float("inf")])
def test_a_weight_that_is_not_positive_and_finite_is_refused(w: float) -> None:
    total, new = _counts(4)
    with pytest.raises(ValueError, match="warm_recent_weight must be a finite number > 0"):
        recent_confidence(total, new, w)


def test_a_recent_matrix_of_another_shape_is_refused() -> None:
    total, new = _counts(5)
    with pytest.raises(ValueError, match=r"does not match the interactions \(40, 30\)"):
        recent_confidence(total, new[:, :20], 2.0)


@pytest.fixture(scope="module")
def split() -> dict[str, pl.DataFrame]:
    """Old events (to 70 % of the time range) and the update (to 85 %)."""
    return groceries_split()


def test_weight_two_is_the_update_with_every_new_event_sent_twice(split: dict[str, pl.DataFrame]) -> None:
    plain = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS)))
    weighted = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS), warm_recent_weight=2.0))
    rows = split["new"].with_row_index("_r")  # each event then its copy: the ids' first-seen order kept
    twice = pl.concat([rows, rows]).sort("_r", maintain_order=True).drop("_r")
    a, b, c = weighted.update(split["new"]), plain.update(twice), plain.update(split["new"])
    (xa, ya), (xb, yb), (_, yc) = als_factors(a), als_factors(b), als_factors(c)
    np.testing.assert_allclose(xa, xb, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ya, yb, rtol=1e-4, atol=1e-5)
    assert np.abs(ya - yc).max() > 1e-3  # and the weighting moved the factors
    # the stored interactions stay unweighted: the next update weighs only its own month
    assert (a.data.matrix != c.data.matrix).nnz == 0
    assert (a.pairs != c.pairs).nnz == 0


def test_weight_one_is_the_default_update_bit_for_bit(split: dict[str, pl.DataFrame]) -> None:
    plain = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS)))
    one = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS), warm_recent_weight=1.0))
    for fa, fb in zip(
        als_factors(plain.update(split["new"])), als_factors(one.update(split["new"])), strict=True
    ):
        np.testing.assert_array_equal(fa, fb)


def test_an_update_with_a_bad_weight_is_refused_and_the_old_models_stay(
    split: dict[str, pl.DataFrame],
) -> None:
    old = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS), warm_recent_weight=0.0))
    before = als_factors(old)
    with pytest.raises(ValueError, match="warm_recent_weight"):
        old.update(split["new"])
    for fa, fb in zip(before, als_factors(old), strict=True):
        np.testing.assert_array_equal(fa, fb)


def test_refit_recent_is_the_refit_of_the_month_sent_twice(split: dict[str, pl.DataFrame]) -> None:
    cfg = LearnConfig(als=dict(SMALL_ALS))
    both = pl.concat([split["old"], split["new"]])
    full = BehaviourModels.fit(both, cfg)
    same = refit_recent(full, split["new"], 1.0)
    for fa, fb in zip(als_factors(full), als_factors(same), strict=True):
        np.testing.assert_array_equal(fa, fb)  # weight 1: the plain refit
    doubled = BehaviourModels.fit(pl.concat([split["old"], split["new"], split["new"]]), cfg)
    for fa, fb in zip(als_factors(refit_recent(full, split["new"], 2.0)), als_factors(doubled), strict=True):
        np.testing.assert_allclose(fa, fb, rtol=1e-4, atol=1e-5)
    assert refit_recent(full, split["new"], 2.0).generators["covisit"] is full.generators["covisit"]
