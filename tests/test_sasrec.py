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
