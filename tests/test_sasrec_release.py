"""SASRec in the release path: ``[recs] generators`` lists it -> ``build_release`` fits it, saves
it with the release, the server loads it and ``/v1/users/{id}/recommendations`` answers from it;
without torch the build and the server say so instead of failing (simulated by monkeypatching)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from shopmind.config import GateConfig
from shopmind.quality.gate import publish, run_gate
from shopmind.recommend import service as service_mod
from shopmind.recommend.sasrec import EXTRA_HINT, RELEASE_DEFAULTS, torch_available
from shopmind.recommend.service import RecommendationService
from shopmind.release.build import build_release
from shopmind.release.components import default_components
from shopmind.store.store import Store

SASREC = {"max_len": 20, "hidden": 16, "blocks": 1, "epochs": 3, "batch_size": 64, "learning_rate": 1e-2}
#: SASRec is the only fused source, exploration off: every personal item must come from it
SETTINGS: dict[str, Any] = {
    "search": {"encoder": None},
    "recs": {"encoder": None, "explore_share": 0.0, "generators": {"covisit": {"window": 5}, "popularity": {},
             "trending": {"half_life_days": 7.0}, "sasrec": SASREC}, "weights": {"sasrec": 1.0}},
}  # fmt: skip


def _workspace(ws: Path) -> Path:
    from shopmind.demo.generator import generate

    shop = generate(seed=5, n_products=120, n_users=80, days=15)
    with Store(ws) as store:
        result = run_gate(shop.batch, GateConfig(), store)
        publish(result, store, GateConfig(), None, force=True)
    return ws


def _build(ws: Path) -> dict[str, Any]:
    return build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=ws / "cache")


def _recs_folder(ws: Path, manifest: dict[str, Any]) -> Path:
    return ws / "releases" / manifest["id"] / "recs"


def _warm_user(svc: RecommendationService) -> str:
    """A user with at least 3 items in the batch history."""
    lengths = np.diff(svc.data.seq_indptr)
    return str(svc.data.user_ids[int(np.flatnonzero(lengths >= 3)[0])])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    if not torch_available():
        pytest.skip("torch not installed")
    ws = _workspace(tmp_path_factory.mktemp("ws"))
    return ws, _build(ws)


def test_release_fits_saves_and_serves_sasrec(built: tuple[Path, dict[str, Any]]) -> None:
    from shopmind.serve.app import create_app

    ws, manifest = built
    facts = manifest["components"]["recs"]
    assert "sasrec_s" in facts["timings"] and "notes" not in facts, facts
    svc = RecommendationService.load(_recs_folder(ws, manifest))
    model = svc.generators["sasrec"]
    assert model.available and model.best_epoch == 3 and not svc.notes
    # the shop's settings over the release defaults (the recipe evaluated on Beauty)
    assert model.max_len == 20 and model.negatives == RELEASE_DEFAULTS["negatives"] == 1024
    user = _warm_user(svc)
    row = svc.user_index[user]
    expected = model.score(np.array([row]))[0]  # what the saved model says for this user
    top = set(np.argsort(-expected)[: svc.config.depth].tolist())
    with TestClient(create_app(ws, {"poll_seconds": 60})) as c:
        body = c.get(f"/v1/users/{user}/recommendations", params={"k": 8}).json()
    assert body["release"] == manifest["id"]
    items = body["items"]
    assert len(items) == 8
    from_model = [it for it in items if "sasrec" in it["sources"]]
    assert len(from_model) >= 6, items  # live slot / rules may take a slot; the rest is SASRec's
    assert {svc.catalog.index[it["item_id"]] for it in from_model} <= top
    assert from_model[0]["reason_code"] == "interest" and from_model[0]["related_item"]


def test_saved_model_scores_like_the_fitted_one_and_reads_live_events(
    built: tuple[Path, dict[str, Any]],
) -> None:
    ws, manifest = built
    svc = RecommendationService.load(_recs_folder(ws, manifest))
    again = RecommendationService.load(_recs_folder(ws, manifest))
    user = _warm_user(svc)
    row = svc.user_index[user]
    np.testing.assert_array_equal(
        svc.generators["sasrec"].score(np.array([row])), again.generators["sasrec"].score(np.array([row]))
    )
    before = svc._sasrec_scores(row, user)
    np.testing.assert_allclose(before, svc.generators["sasrec"].score(np.array([row]))[0], rtol=1e-6)
    last = svc.data.seq_items[svc.data.seq_indptr[row + 1] - 1]
    other = str(svc.catalog.ids[(int(last) + 7) % len(svc.catalog)])
    svc.record([{"user_id": user, "item_id": other, "type": "view", "timestamp": svc.live.now + 60}])
    assert not svc.last_record_errors
    after = svc._sasrec_scores(row, user)
    assert not np.allclose(before, after)  # the viewed item entered the sequence SASRec reads


def test_without_torch_the_build_notes_it_and_still_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(service_mod.OPTIONAL, "sasrec", (lambda: False, EXTRA_HINT))
    ws = _workspace(tmp_path / "ws")
    manifest = _build(ws)
    facts = manifest["components"]["recs"]
    assert facts["decision"] == "trained"
    assert facts["notes"] == [f"sasrec not fitted: {EXTRA_HINT}"]
    svc = RecommendationService.load(_recs_folder(ws, manifest))
    assert "sasrec" not in svc.generators
    user = _warm_user(svc)
    assert len(svc.for_user(user, k=5)) == 5  # backfilled: no fused source left, no crash


def test_a_release_saved_with_torch_loads_without_it(
    built: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopmind.recommend import sasrec

    ws, manifest = built
    monkeypatch.setattr(sasrec, "torch_available", lambda: False)
    svc = RecommendationService.load(_recs_folder(ws, manifest))
    assert not svc.generators["sasrec"].available
    assert svc.notes == [f"sasrec saved but not used here: {EXTRA_HINT}"]
    user = _warm_user(svc)
    recs = svc.for_user(user, k=5)
    assert len(recs) == 5 and all("sasrec" not in r.sources for r in recs)
    with pytest.raises(sasrec.TorchMissingError, match="pip install"):
        svc.generators["sasrec"].score(np.array([0]))


def test_unweighted_sasrec_is_noted(tmp_path: Path) -> None:
    if not torch_available():
        pytest.skip("torch not installed")
    from shopmind.demo.generator import generate

    shop = generate(seed=5, n_products=60, n_users=30, days=10)
    ev = run_gate(shop.batch, GateConfig(), None).tables["events"].accepted
    cfg = service_mod.RecsConfig(encoder=None, generators={"covisit": {}, "sasrec": {**SASREC, "epochs": 1}})
    svc = RecommendationService.fit(None, ev, cfg)
    assert svc.notes == [
        "sasrec fitted but has no fusion weight in [recs.weights]: it does not affect answers"
    ]
