"""Content neighbours fill in where behaviour is missing (bench/recs_content_weight.py, session 25).

A small seeded demo shop with its categories removed (as Online Retail or Groceries: product
names only) and seeded random unit vectors as content, so a co-visitation neighbour almost never
reads alike: before, "similar items" of an item with co-visitation dropped every co-visitation
neighbour less alike than its 10th content neighbour and filled the slots with content ones.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from shopmind.demo import generator as G
from shopmind.recommend.content import ContentIndex, top_neighbours
from shopmind.recommend.rules import Filters, eligible_mask
from shopmind.recommend.service import RecommendationService, RecsConfig


@pytest.fixture(scope="module")
def svc() -> RecommendationService:
    shop = G.generate(seed=7, defect_rate=0.0, n_products=400, n_users=80, days=10)
    products = shop.batch.products.with_columns(pl.lit(None, pl.Utf8).alias("category_path"))
    service = RecommendationService.fit(
        products, shop.batch.events, RecsConfig(encoder=None, explore_share=0.0)
    )
    rng = np.random.default_rng(0)
    vec = rng.standard_normal((len(service.catalog), 16)).astype(np.float32)
    vec /= np.linalg.norm(vec, axis=1, keepdims=True)
    vec[~service.catalog.has_product] = 0.0
    service.content = ContentIndex(vec, *top_neighbours(vec, 50), "seeded")
    return service


def eligible(svc: RecommendationService, x: int) -> np.ndarray:
    """What the shop's rules let "similar items" of ``x`` show (in stock, not ``x``)."""
    return eligible_mask(
        svc.catalog, Filters.parse(None), svc.config.rules, svc._purchased(None), np.array([x])
    )


def covisit_order(svc: RecommendationService, x: int) -> list[str]:
    """``x``'s eligible co-visitation neighbours, best first (ties by index), as similar_items ranks them."""
    s = svc._covisit_scores([(x, "view", 1.0)])
    s[x] = 0.0
    idx = np.flatnonzero((s > 0) & eligible(svc, x))
    return [str(svc.catalog.ids[i]) for i in idx[np.lexsort((idx, -s[idx]))]]


def content_order(svc: RecommendationService, x: int) -> list[str]:
    """``x``'s eligible content neighbours, best first."""
    ok = eligible(svc, x)
    return [str(svc.catalog.ids[j]) for j in svc.content.similar(x, 50)[0] if ok[j]]


def test_an_item_with_co_visitation_gets_its_co_visitation_neighbours_first(svc) -> None:
    nnz = np.diff(svc.covisit.indptr)
    checked = 0
    for x in np.argsort(-nnz, kind="stable")[:20]:
        expected = covisit_order(svc, int(x))
        recs = svc.similar_items(str(svc.catalog.ids[x]), 10)
        m = min(10, len(expected))
        assert [r.item_id for r in recs[:m]] == expected[:m]
        assert all("covisit" in r.sources for r in recs[:m])
        if len(expected) < 10:  # the slots behaviour leaves empty: x's content neighbours, in order
            rest = [r.item_id for r in recs[m:]]
            assert rest == [i for i in content_order(svc, int(x)) if i not in expected][: len(rest)]
        checked += 1
    assert checked == 20


def test_a_cold_item_still_gets_its_content_neighbours(svc) -> None:
    users = svc._item_users()
    cold = [i for i in np.flatnonzero(users == 0) if svc.catalog.has_product[i]]
    assert len(cold) >= 3, "the seeded shop has products nobody touched"
    for c in cold[:3]:
        recs = svc.similar_items(str(svc.catalog.ids[c]), 8)
        assert [r.item_id for r in recs] == content_order(svc, int(c))[:8]
        assert all(r.sources == ("content",) and r.reason_code == "similar" for r in recs)


def test_a_session_of_a_cold_item_fuses_its_content_neighbours_at_full_weight(svc) -> None:
    users = svc._item_users()
    cold = int(next(i for i in np.flatnonzero(users == 0) if svc.catalog.has_product[i]))
    warm = int(np.argmax(users))
    assert svc._content_trust([cold, warm]).tolist() == [1.0, 1e-3]
    recent = [(cold, "view", 1.0), (warm, "view", 0.7)]
    w = svc._content_weighted({"covisit": 2.0, "content": 0.5}, recent)
    assert w["content"] == pytest.approx(0.5 * (1.0 + 0.7 * 1e-3) / 1.7)
    recs = svc.for_session([{"item_id": str(svc.catalog.ids[cold]), "type": "view"}], k=5)
    nb = {str(svc.catalog.ids[j]) for j in svc.content.similar(cold, 50)[0]}
    assert sum(r.item_id in nb for r in recs) >= 3


def test_content_behaviour_k_is_checked() -> None:
    with pytest.raises(ValueError, match="content_behaviour_k"):
        RecsConfig(content_behaviour_k=-1)
