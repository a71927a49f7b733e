"""Session 22's cheaper warm update equals the old one: the co-visitation re-trim that sorts
only over-full rows (``merge.update_top``) against the general path it replaced
(``update_top_general``) and a whole trim, the merge by arithmetic slots against the stable
argsort it replaced, ``grow`` without a COO round trip, and the cached BLAS limiter — on two
months of Online Retail (skipped only without the data folder) and on a seeded synthetic log.
"Equal" is bit for bit: same arrays, same neighbour matrices, same recommendations.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_info

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.learn.merge import added, boundary, grow, top_per_row, update_top, update_top_general
from shopmind.learn.recs import BehaviourModels, LearnConfig
from shopmind.quality.gate import run_gate
from shopmind.recommend.als import one_blas_thread
from shopmind.recommend.base import Interactions
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.evaluate import PhaseData, _pair_matrix
from shopmind.recommend.popularity import Popularity

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
RETAIL = DATA / "online-retail"
SMALL_ALS = {"factors": 8, "regularization": 0.05, "iterations": 3}


def _reference_merge(old: Interactions, add: Interactions) -> Interactions:
    """The merge as it was before session 22: one stable argsort of all events by user."""
    user = np.concatenate([np.repeat(np.arange(old.n_users), np.diff(old.seq_indptr)),
                           np.repeat(np.arange(add.n_users), np.diff(add.seq_indptr))])  # fmt: skip
    order = np.argsort(user, kind="stable")
    indptr = np.zeros(add.n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(user, minlength=add.n_users), out=indptr[1:])
    coo = old.matrix.tocoo()
    grown = sp.csr_matrix((coo.data, (coo.row, coo.col)), shape=add.matrix.shape, dtype=coo.dtype)
    matrix = (grown + add.matrix).tocsr()
    matrix.sum_duplicates()

    def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b])[order]

    assert old.seq_kinds is not None and add.seq_kinds is not None
    return Interactions(
        user_ids=add.user_ids,
        item_ids=add.item_ids,
        matrix=matrix,
        seq_indptr=indptr,
        seq_items=cat(old.seq_items, add.seq_items),
        seq_times=cat(old.seq_times, add.seq_times),
        seq_weights=cat(old.seq_weights, add.seq_weights),
        seq_sessions=cat(old.seq_sessions, add.seq_sessions),
        seq_kinds=cat(old.seq_kinds, add.seq_kinds),
    )


def _same_csr(a: sp.csr_matrix, b: sp.csr_matrix) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)


def _check_update_equals_old_path(
    old_events: pl.DataFrame, new_events: pl.DataFrame, cfg: LearnConfig
) -> None:
    """The update's data, pairs, neighbours and fused top 20 equal the old path's, bit for bit."""
    old = BehaviourModels.fit(old_events, cfg)
    new = old.update(new_events)
    # interactions: the new merge against the argsort merge
    add = added(old.data, new_events, cfg.event_weights)
    ref = _reference_merge(old.data, add)
    for name in ("seq_indptr", "seq_items", "seq_times", "seq_weights", "seq_sessions", "seq_kinds"):
        got, want = getattr(new.data, name), getattr(ref, name)
        assert got.dtype == want.dtype, name
        np.testing.assert_array_equal(got, want, err_msg=name)
    assert list(new.data.user_ids) == list(ref.user_ids) and list(new.data.item_ids) == list(ref.item_ids)
    assert (new.data.matrix != ref.matrix).nnz == 0
    # co-visitation: pairs as the old code grew them, neighbours from the general re-trim
    cv = CoVisitation(**cfg.covisit)
    with_new, tail_only = boundary(old.data, add, cv.window)
    delta = (cv.pair_sums(with_new) - cv.pair_sums(tail_only)).tocsr()
    delta.eliminate_zeros()
    n = ref.n_items
    coo = old.pairs.tocoo()
    grown = sp.csr_matrix((coo.data, (coo.row, coo.col)), shape=(n, n), dtype=coo.dtype)
    pairs = (grown.astype(np.float64) + delta).tocsr()
    pairs.eliminate_zeros()
    _same_csr(new.pairs, pairs)
    old_top = old.generators["covisit"].neighbours_matrix  # type: ignore[attr-defined]
    k = old.generators["covisit"].neighbours  # type: ignore[attr-defined]
    general = update_top_general(old_top, pairs, delta, k)
    got = new.generators["covisit"].neighbours_matrix  # type: ignore[attr-defined]
    _same_csr(got, general)
    _same_csr(got, top_per_row(pairs, k))
    # the rows that changed are some, not all (both branches of the re-trim ran)
    assert 0 < ((grow(old_top, got.shape) != got).getnnz(axis=1) > 0).sum() < got.shape[0]
    # recommendations: the same fused top 20 as models built on the old path's parts
    cv_ref = CoVisitation(**cfg.covisit)
    cv_ref.data, cv_ref.neighbours_matrix = ref, general
    gens = {
        "covisit": cv_ref,
        "als": new.generators["als"],
        "popularity": Popularity().fit(ref),
        "trending": Popularity(half_life_days=cfg.trending_half_life_days, weighted=True).fit(ref),
    }
    reference = BehaviourModels(ref, pairs, gens, cfg)
    truth = new_events.select(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8)).unique()
    users = truth["user_id"].unique(maintain_order=True).to_list()
    rows = new.data.user_rows(users)
    pd_ = PhaseData(new.data, rows, _pair_matrix(truth, new.data, users), None)
    np.testing.assert_array_equal(new.top(pd_, 20), reference.top(pd_, 20))
    for name in ("popularity", "trending"):
        np.testing.assert_array_equal(
            new.generators[name].item_scores,  # type: ignore[attr-defined]
            gens[name].item_scores,  # type: ignore[attr-defined]
        )


@pytest.fixture(scope="module")
def retail() -> pl.DataFrame:
    if not RETAIL.exists():
        pytest.skip(f"{RETAIL} not present")
    ev = run_gate(get_adapter("online-retail").load(RETAIL), GateConfig(), None).tables["events"].accepted
    ev = ev.filter(
        (pl.col("type") == "purchase")
        & pl.col("user_id").is_not_null()
        & pl.col("item_id").is_not_null()
        & (pl.col("quantity").is_null() | (pl.col("quantity") > 0))
        & ~pl.col("order_id").fill_null("").str.starts_with("C")
    )
    return ev.with_columns(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8))


@pytest.mark.parametrize("neighbours", [100, 20])
def test_online_retail_update_equals_the_old_path(retail: pl.DataFrame, neighbours: int) -> None:
    """Months 2010-12..2011-01 updated with 2011-02 (the replay's m = 2 without held-out users)."""
    t1, t2 = datetime(2011, 2, 1, tzinfo=UTC), datetime(2011, 3, 1, tzinfo=UTC)
    cfg = LearnConfig(als=dict(SMALL_ALS), covisit={"window": 5, "neighbours": neighbours})
    old_ev = retail.filter(pl.col("timestamp") < t1)
    new_ev = retail.filter((pl.col("timestamp") >= t1) & (pl.col("timestamp") < t2))
    _check_update_equals_old_path(old_ev, new_ev, cfg)


def _synthetic(seed: int) -> pl.DataFrame:
    """A seeded log: 300 customers, 150 products (some first seen in the update), typed events
    in sessions (some without a session id), 60 days, ties in time."""
    rng = np.random.default_rng(seed)
    n = 6000
    start = datetime(2026, 1, 1, tzinfo=UTC)
    day = rng.integers(0, 60, n)
    user = rng.integers(0, 300, n)
    # late (the update): customers 230..299 (250.. first seen) buy products 60..149 (120.. new)
    late = day >= 45
    item = np.where(late, rng.integers(60, 150, n), rng.integers(0, 120, n))
    user = np.where(late, 230 + user % 70, user % 250)
    seconds = rng.integers(0, 8, n) * 600  # few distinct times: ties keep input order
    types = rng.choice(["view", "add_to_cart", "purchase", "search"], n, p=[0.6, 0.2, 0.15, 0.05])
    session = np.array(
        [f"s{u}-{d}" if r > 0.1 else None for u, d, r in zip(user, day, rng.random(n), strict=True)]
    )
    return pl.DataFrame({
        "user_id": [f"u{u}" for u in user],
        "item_id": [f"p{i}" for i in item],
        "type": types,
        "timestamp": [start + timedelta(days=int(d), seconds=int(s)) for d, s in zip(day, seconds, strict=True)],
        "session_id": session,
    })  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1])
def test_synthetic_update_equals_the_old_path(seed: int) -> None:
    ev = _synthetic(seed)
    cut = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=45)
    cfg = LearnConfig(als=dict(SMALL_ALS), covisit={"window": 4, "neighbours": 12})
    _check_update_equals_old_path(
        ev.filter(pl.col("timestamp") < cut), ev.filter(pl.col("timestamp") >= cut), cfg
    )


def test_update_top_with_a_negative_change_takes_the_general_path() -> None:
    """A change that lowers a pair weight is re-read from the whole row; the result is still
    the whole trim (the general path's case), and the old top is not modified."""
    rng = np.random.default_rng(3)
    before = sp.random(30, 30, density=0.4, format="csr", random_state=4, dtype=np.float64)
    before.data = np.round(before.data * 8) + 1.0
    change = sp.random(30, 30, density=0.1, format="csr", random_state=5, dtype=np.float64)
    change.data = np.round(change.data * 4) + 1.0
    change.data[rng.random(change.nnz) < 0.2] *= -1
    after = (before + change).tocsr()
    old_top = top_per_row(before, 5)
    kept = old_top.copy()
    _same_csr(update_top(old_top, after, change, 5), top_per_row(after, 5))
    _same_csr(old_top, kept)


def test_grow_shares_the_arrays_and_refuses_to_shrink() -> None:
    m = sp.csr_matrix(np.array([[0, 1.5], [2.0, 0]], dtype=np.float32))
    g = grow(m, (4, 3))
    assert g.shape == (4, 3) and g.dtype == np.float32
    np.testing.assert_array_equal(g.toarray()[:2, :2], m.toarray())
    assert g.toarray()[2:].sum() == 0 and g.toarray()[:, 2].sum() == 0
    assert np.shares_memory(g.data, m.data)
    with pytest.raises(ValueError, match="cannot grow"):
        grow(m, (1, 3))


def test_one_blas_thread_limits_blas_and_restores_it() -> None:
    """The cached limiter does what ``threadpool_limits(1, "blas")`` does, call after call."""
    before = {p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}
    assert before, "no BLAS library loaded"
    for _ in range(2):
        with one_blas_thread():
            inside = {p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}
            assert set(inside.values()) == {1}
        after = {p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}
        assert after == before
