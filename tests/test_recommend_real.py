"""Smoke run on real MovieLens-100k under the RecBole protocol (skipped without the data).

Floors are sanity floors (a protocol or indexing bug lands far below them), not tuned values.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.quality.gate import run_gate
from shopmind.recommend.als import ALS
from shopmind.recommend.evaluate import _metrics, prepare, ranked_lists
from shopmind.recommend.itemknn import ItemKNN
from shopmind.recommend.popularity import Popularity
from shopmind.recommend.protocols import recbole_random

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
ML100K = DATA / "movielens-100k"


@pytest.fixture(scope="module")
def ml_test_phase():
    if not (ML100K / "ml-100k.inter").exists():
        pytest.skip(f"{ML100K} not present")
    gate = run_gate(get_adapter("movielens").load(ML100K), GateConfig(), None)
    split = recbole_random(gate.tables["events"].accepted)
    return prepare(split.test, split.items, None)


@pytest.mark.parametrize(
    ("make", "floor"),
    [(Popularity, 0.05), (lambda: ItemKNN(neighbours=200), 0.15), (lambda: ALS(32, 1.0, 15), 0.15)],
)
def test_ml100k_full_ranking_floor(ml_test_phase, make, floor):
    phase = ml_test_phase
    assert len(phase.rows) == 943 and (phase.rows >= 0).all()
    gen = make().fit(phase.data)
    lists, _ = ranked_lists(gen, phase, 20)
    m = _metrics(lists, phase)
    assert m["ndcg@10"] > floor
    assert 0 < m["recall@10"] <= m["recall@20"] <= 1
