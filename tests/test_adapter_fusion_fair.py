"""The served check of a click adapter compares it with the frozen encoder at the frozen
encoder's own best fusion weight (issue 12 item 1, session 16): on the demo shop a larger
``alpha`` lifted the served engine with or without the adapter, and the check used to credit
the adapter with that re-tuned weight."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.search.adapt import fusion
from shopmind.search.adapt.encoder import AdaptedEncoder
from shopmind.search.adapt.model import QueryAdapter
from shopmind.search.adapt.release import _attach_served
from test_adapter_fusion import RotEncoder, _setup


def _small_adapter() -> QueryAdapter:
    """A seeded adapter that moves query vectors a little (not the identity)."""
    rng = np.random.default_rng(3)
    U = (0.1 * rng.standard_normal((8, 2))).astype(np.float32)
    return QueryAdapter(U, rng.standard_normal((8, 2)).astype(np.float32))


def _scorer(frozen: dict[str, np.ndarray], adapted_bonus: float, spread: float):
    """A stand-in for ``served_ndcg``: every query scores ``0.5 + 0.2 alpha`` (the weight lifts
    frozen and adapted alike), the adapter adds ``adapted_bonus`` +- ``spread`` per query."""

    def score(engine, qrels, k: int = 10) -> np.ndarray:
        qs = sorted(qrels)
        adapted = not np.allclose(engine._qvecs[qs[0]], frozen[qs[0]], atol=1e-6)
        i = np.arange(len(qs))
        out = 0.5 + 0.2 * engine.config.alpha + 0.002 * np.cos(i)
        if adapted:
            out = out + adapted_bonus + spread * np.sin(3.0 * i)
        return out

    return score


def test_an_adapter_whose_gain_is_the_retuned_alpha_is_detached(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(RotEncoder, "R", np.eye(8, dtype=np.float32))
    adapter = _small_adapter()
    eng, enc, cache, frozen = _setup(tmp_path, monkeypatch, adapter)
    monkeypatch.setattr(fusion, "served_ndcg", _scorer(frozen, 0.0005, 0.01))
    facts = _attach_served(eng, adapter, enc, cache, frozen, {"adapter": "attached", "fingerprint": "x"})
    served = facts["served"]
    # the adapter's own grid moves it to alpha 0.5 (a real gain over its alpha 0.2) ...
    assert served["chosen"]["moved"] is True and served["chosen"]["alpha"] == 0.5
    assert served["served_ndcg10_adapted"] > served["served_ndcg10_frozen"] + 0.05
    # ... but the frozen encoder at alpha 0.5 does as well: detached, settings as they were
    assert served["frozen_best_alpha"] == 0.5
    assert served["served_ndcg10_frozen_best"] == pytest.approx(0.6, abs=2e-3)
    assert [r["alpha"] for r in served["frozen_grid"]] == list(fusion.ALPHAS)
    gain, se = served["gain_over_frozen_best"]
    assert 0 < gain < 2 * se
    assert facts["adapter"] == "frozen" and "frozen (alpha 0.5" in facts["reason"]
    assert not isinstance(eng.encoder, AdaptedEncoder)
    assert eng.config.dense_floor == 0.5 and eng.config.alpha == 0.2
    assert served["seconds"] >= 0


def test_an_adapter_that_beats_the_retuned_frozen_engine_stays(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(RotEncoder, "R", np.eye(8, dtype=np.float32))
    adapter = _small_adapter()
    eng, enc, cache, frozen = _setup(tmp_path, monkeypatch, adapter)
    monkeypatch.setattr(fusion, "served_ndcg", _scorer(frozen, 0.02, 0.01))
    facts = _attach_served(eng, adapter, enc, cache, frozen, {"adapter": "attached", "fingerprint": "x"})
    served = facts["served"]
    gain, se = served["gain_over_frozen_best"]
    assert gain == pytest.approx(0.02, abs=0.005) and gain > 2 * se
    assert facts["adapter"] == "attached" and isinstance(eng.encoder, AdaptedEncoder)
    assert eng.config.alpha == 0.5  # the adapter's grid choice is applied
