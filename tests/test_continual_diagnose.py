"""Where a warm update and a refit differ (``learn.diagnose``), and the counts-based generators
of a warm update equal a refit's bit for bit.

Real data: the groceries baskets through the quality gate (skipped only without $SHOPMIND_DATA).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from continual_util import groceries_events
from shopmind.learn.diagnose import FUSED, compare, exactness, generator_recalls, known_users, segments
from shopmind.learn.recs import BehaviourModels, LearnConfig

SMALL_ALS = {"factors": 16, "regularization": 0.05, "iterations": 5}


@pytest.fixture(scope="module")
def split() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(old events, the update's events, the test truth) at 75 % / 88 % of the time range."""
    ev = groceries_events()
    t = ev["timestamp"]
    a, b = t.min() + (t.max() - t.min()) * 0.75, t.min() + (t.max() - t.min()) * 0.88
    old, new = (
        ev.filter(pl.col("timestamp") < a),
        ev.filter((pl.col("timestamp") >= a) & (pl.col("timestamp") < b)),
    )
    truth = ev.filter(pl.col("timestamp") >= b).select("user_id", "item_id").unique(maintain_order=True)
    return old, new, truth


@pytest.fixture(scope="module")
def models(split: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> tuple[BehaviourModels, BehaviourModels]:
    """(warm update, refit) on the same events."""
    old, new, _ = split
    cfg = LearnConfig(als=dict(SMALL_ALS))
    warm = BehaviourModels.fit(old, cfg).update(new)
    refit = BehaviourModels.fit(pl.concat([old, new], how="diagonal_relaxed"), cfg)
    return warm, refit


def test_counts_generators_of_a_warm_update_equal_a_refit_bit_for_bit(
    models: tuple[BehaviourModels, BehaviourModels],
) -> None:
    """Co-visitation pairs are kept as unrounded float64 sums, so old + new pairs round to the
    refit's float32 (rounded sums were an ulp off and could flip the 100th neighbour)."""
    warm, refit = models
    assert list(warm.data.item_ids) == list(refit.data.item_ids)  # same index: compare directly
    assert warm.pairs.dtype == np.float64 and warm.pairs.nnz > 10_000
    assert (warm.pairs != refit.pairs).nnz == 0
    a = warm.generators["covisit"].neighbours_matrix  # type: ignore[attr-defined]
    b = refit.generators["covisit"].neighbours_matrix  # type: ignore[attr-defined]
    assert a.nnz == b.nnz and (a != b).nnz == 0
    assert set(exactness(warm, refit).values()) == {0.0}


def test_exactness_matches_items_by_id_and_sees_a_difference(
    models: tuple[BehaviourModels, BehaviourModels], split: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
) -> None:
    old, new, _ = split
    warm, refit = models
    # the same events, the items indexed in reverse: the same models by id
    items = [str(i) for i in refit.data.item_ids][::-1]
    both = pl.concat([old, new], how="diagonal_relaxed")
    other = BehaviourModels.fit(both, LearnConfig(als=dict(SMALL_ALS)), items=items)
    assert list(other.data.item_ids) == items
    same = exactness(other, refit)
    assert same["pairs_max_abs_diff"] == same["pairs_pattern_diff"] == 0.0
    assert same["popularity_max_rel_diff"] == same["trending_max_rel_diff"] == 0.0
    # ties at the 100th neighbour go to the lower index: other columns, the same values
    assert same["neighbours_pattern_diff"] > 0 and same["neighbours_value_diff"] == 0.0
    # another trending half-life and co-visitation window: seen
    changed = BehaviourModels.fit(
        pl.concat([old, new], how="diagonal_relaxed"),
        LearnConfig(als=dict(SMALL_ALS), covisit={"window": 2}, trending_half_life_days=1.0),
    )
    far = exactness(changed, refit)
    assert far["popularity_max_rel_diff"] == 0.0
    assert (
        far["trending_max_rel_diff"] > 0.01
        and far["pairs_max_abs_diff"] > 0
        and far["pairs_pattern_diff"] > 0
    )
    assert far["neighbours_value_diff"] > 0


def test_generator_recalls_and_segments_add_up(
    models: tuple[BehaviourModels, BehaviourModels], split: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
) -> None:
    old, new, truth = split
    warm, _ = models
    users = known_users(warm, truth)
    rec = generator_recalls(warm, truth, users)
    assert set(rec) == {"covisit", "als", "popularity", "trending", FUSED}
    assert all(len(v) == len(users) for v in rec.values())
    # the fused column is what ``evaluate`` averages
    assert float(rec[FUSED].mean()) == pytest.approx(warm.evaluate(truth)["recall@20"], abs=1e-9)
    assert len({round(float(v.mean()), 6) for v in rec.values()}) == 5  # five different lists
    updated = set(new["user_id"].unique().to_list())
    fresh = set(new["item_id"].unique().to_list()) - set(old["item_id"].unique().to_list())
    seg = segments(warm, truth, users, updated, fresh)
    n_with, n_without = seg["users_with_new_events"], seg["users_without"]
    assert n_with > 0 and n_without > 0 and n_with + n_without == len(users)
    weighted = (seg["recall_with_new_events"] * n_with + seg["recall_without"] * n_without) / len(users)
    assert weighted == pytest.approx(float(rec[FUSED].mean()), abs=1e-9)
    assert seg["pairs_new_items"] == 0 < seg["pairs_old_items"]  # no item is new in this window
    # items split by id: the pairs and hits of the two groups add up to the whole
    half = set(truth["item_id"].unique().sort().to_list()[::2])
    split_seg = segments(warm, truth, users, updated, half)
    assert split_seg["pairs_new_items"] > 0 and split_seg["pairs_old_items"] > 0
    assert split_seg["pairs_new_items"] + split_seg["pairs_old_items"] == seg["pairs_old_items"]
    hits = split_seg["recall_new_items"] * split_seg["pairs_new_items"]
    hits += split_seg["recall_old_items"] * split_seg["pairs_old_items"]
    assert hits == pytest.approx(seg["recall_old_items"] * seg["pairs_old_items"])


def test_compare_against_itself_is_zero_and_pools_over_refits(
    models: tuple[BehaviourModels, BehaviourModels], split: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
) -> None:
    old, new, truth = split
    warm, refit = models
    same = compare(refit, [refit], truth, set(), set())
    assert np.all(same["diff"] == 0) and same["paired_fused"]["mean"] == 0.0  # type: ignore[index]
    reseeded = BehaviourModels.fit(pl.concat([old, new], how="diagonal_relaxed"), replace(refit.cfg, seed=1))
    both = compare(warm, [refit, reseeded], truth, set(), set())
    a = generator_recalls(refit, truth, both["users"])[FUSED]  # type: ignore[arg-type]
    b = generator_recalls(reseeded, truth, both["users"])[FUSED]  # type: ignore[arg-type]
    w = generator_recalls(warm, truth, both["users"])[FUSED]  # type: ignore[arg-type]
    np.testing.assert_allclose(both["diff"], w - (a + b) / 2)  # type: ignore[arg-type]
    assert both["paired_fused"]["customers"] == len(w)  # type: ignore[index]
