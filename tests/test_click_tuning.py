"""The shop-tuned choice from clicks alone (``search.adapt.click_tuning``, issue 12, session 17).

A small seeded demo shop (300 products) is indexed with the USE encoder. Click logs are then
written so that the answer is known: shoppers click what the engine ranks first at alpha 0.5
(a higher fusion weight must be chosen), what it ranks first at the default alpha (nothing may
change), or the dearest of the engine's first ten (only a re-ranker that reads price can follow
them). The release path (``release.search_ltr.attach_ltr``) takes this choice when judgments
are too few, records it in the manifest facts and saves the chosen alpha with the engine; the
judgments are never read by it (readers replaced by tripwires; the same choice with or without
a judgment table in the store).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopmind.demo.generator import generate
from shopmind.search.adapt.click_tuning import Z, click_split, events_without, tune_from_clicks
from shopmind.search.adapt.release import click_qrels
from shopmind.search.engine import SearchConfig, SearchEngine

CFG = SearchConfig(encoder="use", ltr="off")


@pytest.fixture(scope="module")
def shop():
    return generate(seed=7, n_products=300, n_users=300, days=20)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("vectors")


@pytest.fixture(scope="module")
def queries(shop) -> list[str]:
    return sorted(click_qrels(shop.batch.events))


def _engine(shop, cache: Path) -> SearchEngine:
    # a copy per engine: the choice sets the alpha of the config it is given
    return SearchEngine.build(
        shop.batch.products, shop.batch.events, dataclasses.replace(CFG), cache_dir=cache
    )


def _clicks(picks: dict[str, str]) -> pl.DataFrame:
    """One session per query: the search, then a click on its pick (seeded order)."""
    t0 = datetime(2026, 1, 1)
    rows = []
    for i, (q, pid) in enumerate(sorted(picks.items())):
        s = f"s{i}"
        rows.append({"session_id": s, "type": "search", "timestamp": t0 + timedelta(minutes=2 * i), "item_id": None, "query": q})  # fmt: skip
        rows.append({"session_id": s, "type": "click", "timestamp": t0 + timedelta(minutes=2 * i, seconds=5), "item_id": pid, "query": None})  # fmt: skip
    return pl.DataFrame(rows, schema={"session_id": pl.Utf8, "type": pl.Utf8, "timestamp": pl.Datetime, "item_id": pl.Utf8, "query": pl.Utf8})  # fmt: skip


def _first_at(engine: SearchEngine, queries: list[str], alpha: float) -> dict[str, str]:
    saved = engine.config.alpha
    engine.config.alpha = alpha
    try:
        out = {}
        for q in queries:
            ids = engine.search(q, size=10, facets=(), highlight=False).ids
            if ids:
                out[q] = ids[0]
        return out
    finally:
        engine.config.alpha = saved


def test_clicks_that_follow_a_higher_alpha_get_it(shop, cache, queries) -> None:
    engine = _engine(shop, cache)
    picks = _first_at(engine, queries, 0.5)
    differs = sum(picks[q] != p for q, p in _first_at(engine, list(picks), 0.2).items())
    assert differs >= 30  # the two weights really rank differently here
    _, facts = tune_from_clicks(engine, _clicks(picks), min_queries=30, num_rounds=20)
    a = facts["alpha"]
    assert a["best_on_train"] == 0.5
    assert a["heldout"]["gain"] > Z * a["heldout"]["se"] > 0
    assert a["changed"] is True and a["kept"] == 0.5 == engine.config.alpha
    assert facts["heldout_queries"] == len(click_split(_clicks(picks), engine.catalog.pos.__contains__).held)


def test_clicks_that_follow_the_default_keep_it_and_no_reranker(shop, cache, queries) -> None:
    engine = _engine(shop, cache)
    picks = _first_at(engine, queries, 0.2)
    reranker, facts = tune_from_clicks(engine, _clicks(picks), min_queries=30, num_rounds=20)
    a = facts["alpha"]
    assert a["best_on_train"] == 0.2 and a["changed"] is False and engine.config.alpha == 0.2
    assert a["heldout"]["gain"] == 0.0  # nothing was compared: the default won on training queries
    # the engine already ranks every click first: a re-ranker cannot gain, so it is not attached
    assert facts["heldout_ndcg10"]["without_ltr"] == 1.0
    assert facts["ltr"] == "rejected" and engine.reranker is None
    assert reranker is not None and "2 standard errors" in facts["reason"]


def test_clicks_on_the_dearest_product_attach_a_reranker(shop, cache, queries) -> None:
    engine = _engine(shop, cache)
    price = dict(zip(engine.catalog.frame["product_id"], engine.catalog.frame["price"], strict=True))
    picks = {}
    for q in queries:
        ids = engine.search(q, size=10, facets=(), highlight=False).ids
        priced = [p for p in ids if price.get(p) is not None]
        if len(priced) >= 3:
            picks[q] = max(priced, key=lambda p: (price[p], p))
    reranker, facts = tune_from_clicks(engine, _clicks(picks), min_queries=30, num_rounds=50)
    h = facts["heldout"]
    assert facts["ltr"] == "attached", facts
    assert h["after"] > h["before"] and h["gain"] > Z * h["se"]
    assert reranker is not None and reranker.info["ltr"] == "attached"
    assert "price" in [name for name, _ in facts["top_features"]]


def test_held_out_sessions_do_not_count_in_the_checked_popularity(shop, cache, queries) -> None:
    engine = _engine(shop, cache)
    picks = _first_at(engine, queries, 0.2)
    events = _clicks(picks)
    split = click_split(events, engine.catalog.pos.__contains__)
    kept = events_without(events, split.held)
    assert set(click_qrels(kept)) == set(split.train)
    assert kept.height == events.height - 2 * len(split.held)


def test_the_choice_never_reads_judgments(shop, cache, queries, monkeypatch) -> None:
    """Every reader of judgments in the package is a tripwire while the choice runs."""
    import shopmind.search.eval_data as eval_data
    import shopmind.search.evaluate as evaluate
    import shopmind.search.ltr.fit as fit

    def tripwire(*_a, **_k):
        raise AssertionError("judgments read by the click choice")

    for mod, name in ((fit, "judgment_grades"), (fit, "label_digest"), (evaluate, "load_dataset"), (eval_data, "load_dataset"), (eval_data, "prepare")):  # fmt: skip
        monkeypatch.setattr(mod, name, tripwire)
    engine = _engine(shop, cache)
    picks = _first_at(engine, queries, 0.5)
    _, facts = tune_from_clicks(engine, _clicks(picks), min_queries=30, num_rounds=20)
    assert facts["alpha"]["kept"] == 0.5


def test_release_path_records_the_click_choice_and_serves_its_alpha(shop, cache, tmp_path) -> None:
    """A release of a shop whose judgments are too few takes the click choice; its manifest
    holds the evidence, the saved engine serves the chosen alpha, and the choice is the same
    whether the store holds those few judgments or none."""
    from shopmind.config import GateConfig
    from shopmind.quality.gate import publish, run_gate
    from shopmind.release.build import build_release
    from shopmind.release.components import build_catalog, build_search
    from shopmind.store.store import Store

    batch = shop.batch
    judged = batch.judgments.drop("_row").filter(pl.col("relevance").is_between(0, 3))
    few = judged.filter(pl.col("query").is_in(sorted(set(judged["query"].to_list()))[:5]))
    got = []
    for name, judgments in (("few", few), ("none", None)):
        ws = tmp_path / name
        gate = GateConfig()
        with Store(ws) as store:
            result = run_gate(dataclasses.replace(batch, judgments=judgments), gate, store)
            publish(result, store, gate, None, force=True)
        comps = [("catalog", build_catalog), ("search", build_search)]
        manifest = build_release(
            ws, comps, settings={"search": {"encoder": "use"}}, force=True, cache_dir=cache
        )
        ltr = manifest["components"]["search"]["ltr"]
        assert ltr["source"] == "clicks" and "alpha" in ltr and "held-out click queries" in ltr["tuning"]
        saved = SearchEngine.load(ws / "releases" / manifest["id"] / "search", cache_dir=cache)
        assert saved.config.alpha == ltr["alpha"]["kept"]
        assert (saved.reranker is not None) == (ltr["ltr"] == "attached")
        got.append({k: ltr[k] for k in ("alpha", "heldout", "heldout_queries", "train_queries")})
    assert got[0] == got[1]
    assert np.isfinite(got[0]["heldout"]["gain"])
