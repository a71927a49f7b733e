"""SASRec: learns "item i is followed by i + 1" and scores every item; skipped without torch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from shopmind.recommend.base import Generator, Interactions
from shopmind.recommend.evaluate import families
from shopmind.recommend.sasrec import EXTRA_HINT, _chunks, torch_available

T0 = datetime(2024, 1, 1, tzinfo=UTC)
N_ITEMS = 40


def successor_data(users: int = 300, seed: int = 0) -> Interactions:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(users):
        start, length = int(rng.integers(N_ITEMS)), int(rng.integers(4, 15))
        rows += [(f"u{u}", f"i{(start + k) % N_ITEMS}", k) for k in range(length)]
    ev = pl.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "item_id": [r[1] for r in rows],
            "type": ["view"] * len(rows),
            "timestamp": [T0 + timedelta(seconds=r[2]) for r in rows],
        }
    )
    return Interactions.from_events(ev, items=[f"i{k}" for k in range(N_ITEMS)])


def next_item_hr1(scores: np.ndarray, data: Interactions) -> float:
    last = np.array([data.history(r)[-1] for r in range(data.n_users)])
    want = (last + 1) % N_ITEMS  # item columns are i0..i39 in order
    return float(np.mean(scores.argmax(axis=1) == want))


def test_chunks_cover_every_transition_once():
    indptr = np.array([0, 7, 8])
    items = np.arange(1, 9)
    chunks = _chunks(indptr, items, max_len=3)
    assert [c.tolist() for c in chunks] == [[4, 5, 6, 7], [1, 2, 3, 4]]  # the 1-item user is skipped
    assert sum(len(c) - 1 for c in chunks) == 6


def test_families_skip_sasrec_without_torch():
    names = [f.name for f in families(real_time=False, has_categories=False, with_torch=False)]
    assert "sasrec" not in names and "markov" in names
    assert "pip install" in EXTRA_HINT and ".[torch]" in EXTRA_HINT


@pytest.mark.skipif(not torch_available(), reason="torch not installed")
def test_sasrec_learns_successor_pattern_deterministically():
    from shopmind.recommend.sasrec import SASRec

    data = successor_data()
    seen: list[int] = []

    def monitor(model: SASRec) -> float:
        value = next_item_hr1(model.score(np.arange(data.n_users)), data)
        seen.append(len(model.history) + 1)  # the epoch being evaluated (not yet recorded)
        return value

    kwargs = dict(max_len=20, hidden=32, blocks=1, dropout=0.0, learning_rate=1e-2, batch_size=64, epochs=12)
    model = SASRec(**kwargs, eval_every=3, patience=10).fit(data, monitor=monitor)
    assert isinstance(model, Generator)
    scores = model.score(np.array([*range(data.n_users), -1]))
    assert scores.shape == (data.n_users + 1, N_ITEMS) and scores.dtype == np.float32
    assert not np.isnan(scores).any()
    assert np.all(scores[-1] == 0)  # cold user
    assert next_item_hr1(scores[:-1], data) >= 0.95
    assert seen == [3, 6, 9, 12] and model.best_epoch in seen
    assert model.history[0]["loss"] > model.history[-1]["loss"]
    again = SASRec(**kwargs).fit(data)  # no monitor: trains all epochs, same seed -> same weights
    assert again.best_epoch == 12
    np.testing.assert_allclose(again.score(np.arange(5)), SASRec(**kwargs).fit(data).score(np.arange(5)))


@pytest.mark.skipif(not torch_available(), reason="torch not installed")
def test_sampled_softmax_learns_successor_pattern():
    """negatives=N trains on the target + N shared uniform negatives and still learns the rule;
    it is deterministic for a seed and differs from the full softmax (it is really used)."""
    from shopmind.recommend.sasrec import SASRec

    data = successor_data(seed=1)
    kwargs = dict(max_len=20, hidden=32, blocks=1, dropout=0.0, learning_rate=1e-2, batch_size=64, epochs=12)
    sampled = SASRec(**kwargs, negatives=8).fit(data)
    scores = sampled.score(np.arange(data.n_users))
    assert next_item_hr1(scores, data) >= 0.9
    again = SASRec(**kwargs, negatives=8).fit(data).score(np.arange(data.n_users))
    np.testing.assert_allclose(scores, again)
    full = SASRec(**kwargs).fit(data).score(np.arange(data.n_users))
    assert not np.allclose(scores, full)
    with pytest.raises(ValueError, match="negatives"):
        SASRec(negatives=-1)


@pytest.mark.skipif(not torch_available(), reason="torch not installed")
def test_sampled_loss_masks_a_negative_equal_to_the_target():
    """A sampled negative that is the position's own target must not enter its softmax: with
    every item sampled but the target masked, the loss equals the full CE minus the target's
    duplicate, i.e. exactly the full-softmax CE."""
    import torch

    from shopmind.recommend.sasrec import SASRec

    data = successor_data(users=20)
    model = SASRec(max_len=10, hidden=16, blocks=1, dropout=0.0, epochs=1, negatives=N_ITEMS - 1).fit(data)
    h = torch.randn(7, 16, generator=torch.Generator().manual_seed(0))
    target = torch.tensor([0, 3, 5, 7, 11, 13, 39])
    full = torch.nn.functional.cross_entropy(model.net.logits(h), target)

    class AllItems:  # draws every item (in a shuffled order): only the target's duplicate differs
        def choice(self, n: int, size: int, replace: bool) -> np.ndarray:
            return np.random.default_rng(0).permutation(n)

    model.negatives = N_ITEMS - 1  # < n_items: the sampled branch runs
    sampled = model._loss(h, target, N_ITEMS, AllItems())  # type: ignore[arg-type]
    assert float(sampled.detach()) == pytest.approx(float(full.detach()), rel=1e-5)


def test_monitor_sample_is_seeded_and_aligned():
    """The early-stopping check scores a seeded subset: rows, truth and mask stay aligned."""
    import scipy.sparse as sp

    from shopmind.recommend.evaluate import PhaseData, sample_users

    data = successor_data(users=50)
    rows = np.arange(50)
    truth = sp.csr_matrix((np.ones(50, np.float32), (rows, rows % N_ITEMS)), shape=(50, N_ITEMS))
    mask = sp.csr_matrix((np.ones(50, np.float32), (rows, (rows + 1) % N_ITEMS)), shape=(50, N_ITEMS))
    pd_ = PhaseData(data, rows, truth, mask)
    sub = sample_users(pd_, 10)
    assert len(sub.rows) == 10 and np.all(np.diff(sub.rows) > 0)
    assert sub.truth.indices.tolist() == (sub.rows % N_ITEMS).tolist()
    assert sub.mask is not None and sub.mask.indices.tolist() == ((sub.rows + 1) % N_ITEMS).tolist()
    assert sample_users(pd_, 10).rows.tolist() == sub.rows.tolist()
    assert sample_users(pd_, 100) is pd_
