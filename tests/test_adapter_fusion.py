"""An attached query adapter comes with fusion settings chosen for its cosines on the release's
held-out click queries, and is detached when the served engine does not gain (issue 12 item 1,
``search.adapt.fusion``)."""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pytest

from shopmind.search.adapt.encoder import AdaptedEncoder
from shopmind.search.adapt.fusion import ALPHAS, served_ndcg, share_floor
from shopmind.search.adapt.model import QueryAdapter
from shopmind.search.adapt.release import _attach_served
from shopmind.search.dense_encoders import l2_normalise

N = 30


def _rotation(d: int = 8, seed: int = 5) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q.astype(np.float32)


class RotEncoder:
    """Products "lamp i" get a seeded random vector; the query "qi" gets that of "lamp i"
    rotated by a fixed map: the frozen encoder answers every query wrongly, and the adapter
    ``R^-1 - I`` (residual form) answers it exactly."""

    name = "rot-8"
    dim = 8
    R = _rotation()

    def _vec(self, text: str) -> np.ndarray:
        seed = int(hashlib.md5(text.encode()).hexdigest()[:8], 16)
        return l2_normalise(np.random.default_rng(seed).standard_normal(self.dim)).astype(np.float32)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vec(t) for t in texts]) if texts else np.zeros((0, 8), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.R @ self._vec("lamp " + text[1:])


def _engine(tmp_path, monkeypatch):
    from shopmind.search.dense import ENCODERS
    from shopmind.search.engine import SearchConfig, SearchEngine

    monkeypatch.setitem(ENCODERS, "rot", RotEncoder)
    prods = pl.DataFrame(
        {"product_id": [f"p{i}" for i in range(N)], "title": [f"lamp {i}" for i in range(N)]}
    )
    cfg = SearchConfig(encoder="rot", understand=False, dense_floor=0.5, query_encoding="inline")
    return SearchEngine.build(prods, None, cfg, cache_dir=tmp_path / "c")


def _setup(tmp_path, monkeypatch, adapter: QueryAdapter):
    from shopmind.search.dense import VectorCache

    eng = _engine(tmp_path, monkeypatch)
    enc = RotEncoder()
    train = [f"q{i}" for i in range(0, N, 2)]
    held = {f"q{i}": {f"p{i}": 1.0, f"p{(i + 1) % N}": 0.0} for i in range(1, N, 2)}
    adapter.info = {"heldout_qrels": held}
    frozen = {q: enc.encode_query(q) for q in train + list(held)}
    eng._qvecs["q0"] = frozen["q0"]  # a past query's (frozen) vector: kept or restored
    return eng, enc, VectorCache(tmp_path / "c"), frozen


def test_share_floor_keeps_the_frozen_share_of_cosines() -> None:
    rng = np.random.default_rng(0)
    P = l2_normalise(rng.standard_normal((200, 16))).astype(np.float32)
    Qf = l2_normalise(rng.standard_normal((60, 16))).astype(np.float32)
    a = QueryAdapter(
        rng.standard_normal((16, 4)).astype(np.float32), rng.standard_normal((16, 4)).astype(np.float32)
    )
    Qa = a.apply(Qf)
    f = share_floor(0.3, Qf, Qa, P)
    frozen_share = float(np.mean(Qf @ P.T >= 0.3))
    assert 0.05 < frozen_share < 0.5
    assert abs(float(np.mean(Qa @ P.T >= f)) - frozen_share) < 2.0 / (60 * 200)
    assert f != pytest.approx(0.3, abs=1e-3)  # the adapter moved the cosines
    assert share_floor(0.99, Qf, Qa, P) == 0.99  # no frozen pair above it: nothing to match
    with pytest.raises(ValueError, match="matching query rows"):
        share_floor(0.3, Qf, Qa[:5], P)


def test_an_adapter_that_lifts_the_served_engine_stays_with_settings_chosen_for_it(
    tmp_path, monkeypatch
) -> None:
    eye = np.eye(8, dtype=np.float32)
    adapter = QueryAdapter((RotEncoder.R.T - eye).astype(np.float32), eye)  # q + (R^-1 - I) q = R^-1 q
    eng, enc, cache, frozen = _setup(tmp_path, monkeypatch, adapter)
    facts = _attach_served(eng, adapter, enc, cache, frozen, {"adapter": "attached"})
    served = facts["served"]
    assert facts["adapter"] == "attached" and isinstance(eng.encoder, AdaptedEncoder)
    assert served["heldout_queries"] == N // 2
    assert served["served_ndcg10_adapted_before"] == 1.0  # the adapter answers every held-out query
    assert served["served_ndcg10_frozen"] < 0.7
    assert len(served["grid"]) == 2 * len(ALPHAS)  # two floors (frozen 0.5 and the share floor) x alpha
    assert served["chosen"]["moved"] is False  # nothing significant to gain over 1.0
    assert eng.config.dense_floor == 0.5 and eng.config.alpha == 0.2
    assert np.allclose(eng._qvecs["q0"], adapter.apply(frozen["q0"]), atol=1e-6)
    assert set(eng._qvecs) == {"q0"}  # the held-out queries' vectors were not left in the LRU
    held = adapter.info["heldout_qrels"]
    assert served_ndcg(eng, held).mean() == pytest.approx(1.0)  # served as scored


def test_an_adapter_that_does_not_lift_the_served_engine_is_detached(tmp_path, monkeypatch) -> None:
    """Here the frozen encoder is right (no rotation) and the adapter turns queries around
    (``q - 2q = -q``): dense retrieval and the served engine lose, whatever the fusion."""
    monkeypatch.setattr(RotEncoder, "R", np.eye(8, dtype=np.float32))
    eye = np.eye(8, dtype=np.float32)
    adapter = QueryAdapter(-2.0 * eye, eye)
    eng, enc, cache, frozen = _setup(tmp_path, monkeypatch, adapter)
    before = served_ndcg(eng, adapter.info["heldout_qrels"])
    assert before.mean() == pytest.approx(1.0)
    facts = _attach_served(eng, adapter, enc, cache, frozen, {"adapter": "attached", "fingerprint": "x"})
    served = facts["served"]
    assert served["served_ndcg10_frozen"] == 1.0
    assert served["served_ndcg10_adapted"] < 0.5
    assert facts["adapter"] == "frozen" and facts["reason"].startswith("did not lift the served engine")
    assert facts["fingerprint_detached"] == "x"
    assert not isinstance(eng.encoder, AdaptedEncoder)
    assert eng.config.dense_floor == 0.5 and eng.config.alpha == 0.2
    assert np.allclose(eng._qvecs["q0"], frozen["q0"])
    assert served_ndcg(eng, adapter.info["heldout_qrels"]) == pytest.approx(before)
