"""Continual learning: incremental updates equal a rebuild where they must, warm ALS starts
from the old factors, and the forgetting check refuses a damaged update.

Real data: the groceries baskets through the quality gate (skipped only without $SHOPMIND_DATA).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.learn.merge import added, boundary, merge
from shopmind.learn.recs import (
    BehaviourModels,
    LearnConfig,
    forgetting_check,
    hold_out,
    learn,
    without_held,
)
from shopmind.quality.gate import run_gate
from shopmind.recommend.base import Interactions
from shopmind.recommend.covisit import CoVisitation

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
GROCERIES = DATA / "groceries"


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    if not GROCERIES.exists():
        pytest.skip(f"{GROCERIES} not present")
    gate = run_gate(get_adapter("groceries").load(GROCERIES), GateConfig(), None)
    ev = gate.tables["events"].accepted
    return ev.with_columns(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8))


def _cut(events: pl.DataFrame, share: float = 0.8):
    t = events["timestamp"]
    return t.min() + (t.max() - t.min()) * share


def test_merge_equals_a_rebuild(events: pl.DataFrame) -> None:
    cut = _cut(events)
    old_ev, new_ev = events.filter(pl.col("timestamp") < cut), events.filter(pl.col("timestamp") >= cut)
    old = Interactions.from_events(old_ev)
    merged = merge(old, added(old, new_ev))
    full = Interactions.from_events(events, items=merged.item_ids, users=merged.user_ids)
    assert list(merged.item_ids) == list(full.item_ids) and list(merged.user_ids) == list(full.user_ids)
    assert (merged.matrix != full.matrix).nnz == 0
    np.testing.assert_array_equal(merged.seq_indptr, full.seq_indptr)
    np.testing.assert_array_equal(merged.seq_items, full.seq_items)
    np.testing.assert_array_equal(merged.seq_times, full.seq_times)
    # session codes differ in value, never in which events share a session
    a = np.unique(np.stack([merged.seq_sessions, full.seq_sessions]), axis=1)
    assert len(np.unique(a[0])) == len(np.unique(a[1])) == a.shape[1]


@pytest.mark.parametrize("window", [1, 5])
def test_incremental_covisitation_equals_a_refit(events: pl.DataFrame, window: int) -> None:
    cut = _cut(events, 0.7)
    old_ev, new_ev = events.filter(pl.col("timestamp") < cut), events.filter(pl.col("timestamp") >= cut)
    old = Interactions.from_events(old_ev)
    add = added(old, new_ev)
    merged = merge(old, add)
    cv = CoVisitation(window=window, gap_half_life_s=7 * 86400.0)
    pairs_old = cv.pair_matrix(old)
    with_new, tail = boundary(old, add, window)
    delta = cv.pair_matrix(with_new).astype(np.float64) - cv.pair_matrix(tail).astype(np.float64)
    n = merged.n_items
    grown = pairs_old.tocoo()
    import scipy.sparse as sp

    incremental = sp.csr_matrix((grown.data, (grown.row, grown.col)), shape=(n, n)).astype(np.float64) + delta
    refit = cv.pair_matrix(merged).astype(np.float64)
    assert delta.nnz > 0
    np.testing.assert_allclose(incremental.toarray(), refit.toarray(), rtol=1e-5, atol=1e-4)


def test_warm_update_starts_from_the_old_factors(events: pl.DataFrame) -> None:
    """A warm update with no ALS step keeps the old factors exactly (new rows appended): the
    update refines the old model, it does not start over."""
    cut = _cut(events)
    cfg = LearnConfig(
        warm_iterations=0, warm_touched=0, als={"factors": 16, "regularization": 0.05, "iterations": 5}
    )
    old = BehaviourModels.fit(events.filter(pl.col("timestamp") < cut), cfg)
    new = old.update(events.filter(pl.col("timestamp") >= cut))
    a, b = old.generators["als"].model, new.generators["als"].model  # type: ignore[attr-defined]
    np.testing.assert_array_equal(
        np.asarray(b.item_factors)[: len(a.item_factors)], np.asarray(a.item_factors)
    )
    assert new.data.n_users >= old.data.n_users and len(b.user_factors) == new.data.n_users


def _damaged(new_ev: pl.DataFrame, users: list[str], start, seed: int = 0) -> pl.DataFrame:
    """A broken feed: every customer suddenly 'buys' the same five items 20 times."""
    rng = np.random.default_rng(seed)
    junk = new_ev["item_id"].unique().sort().to_list()[:5]
    rows = []
    for u in users:
        for k in range(20):
            rows.append({"user_id": u, "item_id": junk[int(rng.integers(5))], "type": "purchase",
                         "timestamp": start + timedelta(hours=k)})  # fmt: skip
    frame = pl.DataFrame(rows).with_columns(pl.col("timestamp").cast(new_ev["timestamp"].dtype))
    return pl.concat([new_ev.select(frame.columns), frame], how="diagonal_relaxed")


def test_forgetting_check_refuses_a_damaged_update(events: pl.DataFrame) -> None:
    cut = _cut(events)
    train, held = hold_out(events.filter(pl.col("timestamp") < cut), cut, days=60, share=0.2, seed=1)
    assert held.truth.height > 50
    cfg = LearnConfig()
    old = BehaviourModels.fit(train, cfg)
    new_ev = events.filter(pl.col("timestamp") >= cut)
    damaged = _damaged(new_ev, train["user_id"].unique().sort().to_list(), new_ev["timestamp"].max())
    kept, decision = learn(old, damaged, held)
    assert kept is old, "the damaged update must not replace the old models"
    assert not decision.accepted
    assert "forgetting check" in decision.reason and "recall@20" in decision.reason
    assert decision.new["recall@20"] < decision.old["recall@20"] * 0.99
    # the refusal is the check's doing: with the check effectively off the same update goes through
    lenient = BehaviourModels(old.data, old.pairs, old.generators, LearnConfig(tolerance=1.0))
    taken, decision2 = learn(lenient, damaged, held)
    assert taken is not lenient and decision2.accepted


def test_forgetting_check_scores_both_models_on_the_same_customers(events: pl.DataFrame) -> None:
    """Held-out customers whose only earlier events were held out are unknown to the old
    models and known to the new ones once they buy again: the check leaves them out of both
    sides, so old and new are scored on the same customers."""
    cut = _cut(events)
    train, held = hold_out(events.filter(pl.col("timestamp") < cut), cut, days=60, share=0.2, seed=1)
    cfg = LearnConfig(als={"factors": 16, "regularization": 0.05, "iterations": 5})
    old = BehaviourModels.fit(train, cfg)
    new = old.update(without_held(events.filter(pl.col("timestamp") >= cut), held))
    users = held.truth["user_id"].unique().to_list()
    known_old, known_new = old.data.user_rows(users) >= 0, new.data.user_rows(users) >= 0
    assert (~known_old & known_new).sum() > 0, "the case this test is about must occur"
    decision = forgetting_check(old, new, held, cfg.tolerance)
    assert decision.old["users"] == decision.new["users"] == known_old.sum()
    assert decision.paired["customers"] == known_old.sum()


def test_held_out_window_never_reaches_a_fit(events: pl.DataFrame) -> None:
    """The held-out customers' last days stay out of the old fit and out of the update, even
    when the update re-sends them (a replayed log): the check must not grade the new models
    on what they trained on."""
    cut = _cut(events)
    train, held = hold_out(events.filter(pl.col("timestamp") < cut), cut, days=60, share=0.2, seed=1)
    key = ["user_id", "timestamp", "item_id"]
    assert held.rows.height and train.join(held.rows.select(key), on=key, how="semi").height == 0
    replayed = pl.concat([held.rows, events.filter(pl.col("timestamp") >= cut)], how="diagonal_relaxed")
    assert without_held(replayed, held).join(held.rows.select(key), on=key, how="semi").height == 0
    old = BehaviourModels.fit(train, LearnConfig())
    new = old.update(without_held(replayed, held))
    start, end = (int(x.timestamp()) for x in (held.start, held.end))
    rows = new.data.user_rows(held.rows["user_id"].unique().to_list())
    for r in rows[rows >= 0]:
        t = new.data.seq_times[new.data.seq_indptr[r] : new.data.seq_indptr[r + 1]]
        assert not ((t >= start) & (t < end)).any()


# ---------------------------------------------------------------------- query adapter warm start
def _adapter_task():
    from test_adapter import _task  # the synthetic task of the adapter's own tests

    return _task()


def test_adapter_warm_start_keeps_what_it_learnt() -> None:
    """An update trained for 3 epochs on new queries from the previous adapter's weights keeps
    its quality on unseen queries; the same 3 epochs from scratch do not get there."""
    from dataclasses import replace

    from shopmind.search.adapt.model import AdapterParams, pairs_from_grades, retrieval_ndcg, train_adapter

    P, Q, queries, qrels, pos = _adapter_task()
    params = AdapterParams(rank=8, lr=1e-2, epochs=25, patience=6, batch_size=64, hard_negatives=4)
    first, later, unseen = queries[:110], queries[110:220], queries[220:]

    def vecs(qs: list[str]) -> np.ndarray:
        return np.vstack([Q[int(q[1:])] for q in qs])

    p1, p2, pt = (pairs_from_grades(qrels, pos, 1.0, 0.0, qs) for qs in (first, later, unseen))
    before = train_adapter(vecs(p1.queries), P, p1, params).adapter
    short = replace(params, epochs=3)
    warm = train_adapter(vecs(p2.queries), P, p2, short, init=before)
    cold = train_adapter(vecs(p2.queries), P, p2, short)
    Qt = vecs(pt.queries)
    score = {name: retrieval_ndcg(a.apply(Qt), P, pt.grades) for name, a in
             (("before", before), ("warm", warm.adapter), ("cold", cold.adapter))}  # fmt: skip
    assert warm.report["warm_start"] is True
    assert score["warm"] >= score["before"] - 0.05, score
    assert score["warm"] > score["cold"] + 0.05, score


def test_adapter_update_that_does_not_beat_the_previous_one_keeps_it() -> None:
    from dataclasses import replace

    from shopmind.search.adapt.model import AdapterParams, pairs_from_grades, train_adapter

    P, Q, queries, qrels, pos = _adapter_task()
    params = AdapterParams(rank=8, lr=1e-2, epochs=10, patience=3, batch_size=64, hard_negatives=4)
    p1, pv = (
        pairs_from_grades(qrels, pos, 1.0, 0.0, queries[:150]),
        pairs_from_grades(qrels, pos, 1.0, 0.0, queries[150:]),
    )

    def vecs(qs: list[str]) -> np.ndarray:
        return np.vstack([Q[int(q[1:])] for q in qs])

    before = train_adapter(vecs(p1.queries), P, p1, params).adapter
    frozen_step = replace(params, lr=0.0, epochs=2, patience=1)  # the update cannot move the weights
    res = train_adapter(vecs(p1.queries), P, p1, frozen_step, val=(vecs(pv.queries), pv), init=before)
    assert res.report["kept"].startswith("the previous adapter")
    np.testing.assert_array_equal(res.adapter.U, before.U)
    np.testing.assert_array_equal(res.adapter.V, before.V)
    with pytest.raises(ValueError, match="cannot warm-start"):
        train_adapter(vecs(p1.queries), P, p1, replace(params, rank=4), init=before)


# ---------------------------------------------------------------------- the release path ([recs] learn = 1)
def test_release_learning_full_fit_then_warm_update_then_refusal(
    events: pl.DataFrame, tmp_path: Path
) -> None:
    from shopmind.learn.release import LearnState, prepare
    from shopmind.recommend.config import RecsConfig
    from shopmind.recommend.service import RecommendationService

    cfg = RecsConfig(encoder=None)
    cut = _cut(events)
    old_ev, new_ev = events.filter(pl.col("timestamp") < cut), events.filter(pl.col("timestamp") >= cut)
    first = tmp_path / "r1" / "recs"
    trained, facts = prepare(None, old_ev, cfg, first)
    assert facts["learn"] == "full fit" and "no learning state" in facts["reason"]
    state = LearnState.load(first / "learn")
    assert state is not None and state.fitted_until == old_ev["timestamp"].max()
    service = RecommendationService.fit(None, old_ev, cfg, trained=trained)
    # the service serves the learned factors, re-indexed to its own rows
    learned = state.models
    for u in service.data.user_ids[:50]:
        r = learned.data.user_rows([u])[0]
        served = service.generators["als"].model.user_factors[service.user_index[str(u)]]
        if r < 0:  # only held-out events: the learned models never saw this customer
            assert not np.any(served)
            continue
        np.testing.assert_allclose(served, np.asarray(learned.generators["als"].model.user_factors)[r])

    second = tmp_path / "r2" / "recs"
    _, facts2 = prepare(first, events, cfg, second)
    assert facts2["learn"] in ("warm update", "refused") and facts2["events"] == new_ev.height
    assert facts2["metric"] == "recall@20"

    damaged = pl.concat([old_ev, _damaged(new_ev, old_ev["user_id"].unique().sort().to_list(), cut)],
                        how="diagonal_relaxed")  # fmt: skip
    third = tmp_path / "r3" / "recs"
    trained3, facts3 = prepare(first, damaged, cfg, third)
    assert facts3["learn"] == "refused" and "forgetting check" in facts3["reason"], facts3
    kept = LearnState.load(third / "learn")
    assert (
        kept is not None and kept.fitted_until == state.fitted_until
    )  # the same events are retried next time
    np.testing.assert_array_equal(
        np.asarray(kept.models.generators["als"].model.item_factors),
        np.asarray(learned.generators["als"].model.item_factors),
    )
    service3 = RecommendationService.fit(None, damaged, cfg, trained=trained3)
    assert service3.generators["als"].model.user_factors.shape[0] == service3.data.n_users

    # other model settings: a full fit again, never a warm start from incompatible models
    _, facts4 = prepare(first, events, RecsConfig(encoder=None, rrf_c=5.0), tmp_path / "r4" / "recs")
    assert facts4["learn"] == "full fit" and "settings changed" in facts4["reason"]


def test_release_adapter_update_that_forgets_is_refused() -> None:
    """The previous release's adapter warm-starts the next one; an update trained on a broken
    click log (every query's click moved to a random product) loses on the previous release's
    held-out queries, so the previous adapter is kept and the manifest facts say why."""
    from shopmind.search.adapt.release import fit_from_qrels

    P, Q, queries, qrels, pos = _adapter_task()
    qv = {q: Q[i] for i, q in enumerate(queries)}
    previous, facts = fit_from_qrels(qrels, pos, P, qv)
    assert facts["adapter"] == "attached" and previous.info["heldout_qrels"]
    rng = np.random.default_rng(5)
    ids = list(pos)
    broken = {q: {ids[int(rng.integers(len(ids)))]: 2.0} for q in queries}
    kept, facts2 = fit_from_qrels(broken, pos, P, qv, previous=previous)
    assert facts2["adapter"] == "previous kept", facts2
    assert kept is previous
    check = facts2["forgetting_check"]
    assert check["refused"] and check["ndcg10_new"] < check["ndcg10_previous"] * 0.99
    assert "forgetting check" in facts2["reason"]
    # the same update without a previous adapter has nothing to protect: nothing is refused
    _, facts3 = fit_from_qrels(broken, pos, P, qv)
    assert facts3["adapter"] == "frozen" and "forgetting_check" not in facts3


def test_build_with_learn_keeps_a_state_and_records_the_decision(tmp_path: Path) -> None:
    """``[recs] learn = 1`` through ``build_release``: the first build fits and saves the state,
    the next refit (nothing newer) reuses it; both decisions are in the manifest."""
    from shopmind.demo.generator import generate
    from shopmind.quality.gate import publish
    from shopmind.release.build import build_release
    from shopmind.release.components import default_components
    from shopmind.store.store import Store

    shop = generate(seed=11, n_products=120, n_users=80, days=15)
    ws = tmp_path / "ws"
    with Store(ws) as store:
        result = run_gate(shop.batch, GateConfig(), store)
        publish(result, store, GateConfig(), None, force=True)
    settings = {"search": {"encoder": None}, "recs": {"encoder": None, "learn": 1, "retrain_hours": 0}}
    m1 = build_release(ws, default_components(), settings=settings, force=True, cache_dir=tmp_path / "c")
    facts1 = m1["components"]["recs"]["learn"]
    assert facts1["learn"] == "full fit", facts1
    assert (ws / "releases" / m1["id"] / "recs" / "learn" / "state.pkl").exists()
    m2 = build_release(ws, default_components(), settings=settings, force=True, cache_dir=tmp_path / "c")
    facts2 = m2["components"]["recs"]["learn"]
    assert m2["components"]["recs"]["decision"] == "trained"
    assert facts2["learn"] == "unchanged" and "no events after" in facts2["reason"], facts2


def test_warm_touched_solves_only_the_users_and_items_with_new_events(events: pl.DataFrame) -> None:
    """``warm_touched`` (1 round) without full sweeps: customers and items without new events keep their old
    factors exactly; those with new events get new ones (solved, not the random start)."""
    cut = _cut(events, 0.9)
    cfg = LearnConfig(
        warm_iterations=0, warm_touched=1, als={"factors": 16, "regularization": 0.05, "iterations": 5}
    )
    old = BehaviourModels.fit(events.filter(pl.col("timestamp") < cut), cfg)
    new_ev = events.filter(pl.col("timestamp") >= cut)
    new = old.update(new_ev)
    a, b = old.generators["als"].model, new.generators["als"].model  # type: ignore[attr-defined]
    touched_users = set(new.data.user_rows(new_ev["user_id"].unique().to_list()).tolist())
    n_old = len(a.user_factors)
    same = np.array([r for r in range(n_old) if r not in touched_users])
    moved = np.array(sorted(r for r in touched_users if r < n_old))
    assert len(same) and len(moved)
    np.testing.assert_array_equal(np.asarray(b.user_factors)[same], np.asarray(a.user_factors)[same])
    assert np.abs(np.asarray(b.user_factors)[moved] - np.asarray(a.user_factors)[moved]).max(axis=1).min() > 0
    new_users = np.arange(n_old, new.data.n_users)
    if len(new_users):  # solved against the items, not left at the 0.01-scale random start
        assert np.abs(np.asarray(b.user_factors)[new_users]).max() > 0.05
