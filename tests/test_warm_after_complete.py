"""The past-query warm-up after the complete release (issue 17, session 15).

No answer needs the warmed vectors (the re-ranker's training queries are encoded by its own
training pass), so the complete release is published without them and a follow-up release adds
them: same answers before and after it lands, same re-ranker, same vectors as a build that warmed
before; the manifests and ``/readyz`` say whether the warm-up is done; a failed or killed warm-up
leaves the complete release serving; a server following the warm-up keeps what it encoded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from build_script_util import kill_when_held
from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import FollowUp, VectorPart, build_release
from shopmind.release.components import default_components, default_vector_parts
from shopmind.release.releases import Releases
from shopmind.release.search_warmup import QUERY_VECTOR_FILES
from shopmind.serve.state import Shop, load_release
from shopmind.store.livelog import EventLog
from shopmind.store.store import Store

# inline: an uncached query is encoded in the request, so an answer never depends on timing
SEARCH = {"encoder": "use", "query_encoding": "inline"}
SETTINGS = {"search": SEARCH, "recs": {"encoder": "use"}}
BEFORE = {"search": {**SEARCH, "warm_after_complete": 0}, "recs": {"encoder": "use"}}


@pytest.fixture(scope="module")
def shop():
    return generate(seed=11, n_products=240, n_users=150, days=20)


def _workspace(root: Path, shop) -> Path:
    gate = GateConfig()
    with Store(root) as store:
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    return root


def ltr_queries_of(ws: Path) -> list[str]:
    with Store(ws, read_only=True) as store:
        return store.table("judgments")["query"].unique().to_list()


def _answers(engine, queries: list[str]) -> dict[str, tuple[list[str], list[float], str]]:
    out = {}
    for q in queries:
        res = engine.search(q, size=10, facets=())
        out[q] = ([h.product_id for h in res.hits], [h.score for h in res.hits], res.dense)
    return out


def _search_queries(engine) -> list[str]:
    """The shop's past queries, most frequent first (what the warm-up encodes), plus a few new."""
    past = sorted(engine.autocompleter.queries().items(), key=lambda kv: -kv[1])
    return [q for q, _ in past[:60]] + ["dress", "连衣裙", "phone case", "blue wool socks"]


def test_warm_up_follows_the_complete_release_and_changes_no_answer(tmp_path, shop):
    ws = _workspace(tmp_path / "ws", shop)
    published: list[dict] = []
    seen: dict[str, dict] = {}

    def on_publish(m: dict) -> None:  # answers of each release the moment it is current
        published.append(m)
        if m.get("complete"):
            rel = load_release(Releases(ws).root / m["id"])
            queries = _search_queries(rel.engine)
            seen[m["id"]] = {
                "cached": set(rel.engine._qvecs),
                "answers": _answers(rel.engine, queries),
                "queries": queries,
            }

    final = build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=tmp_path / "cache",
                          vector_parts=default_vector_parts(), on_publish=on_publish)  # fmt: skip
    complete, warm = [m for m in published if m["complete"]]
    assert final["id"] == warm["id"] == Releases(ws).current_id()
    # the complete release says the warm-up is pending; the follow-up that it is done
    assert complete["warm_up"] == {"search_queries": "pending"}
    assert warm["warm_up"] == {"search_queries": "complete"} and warm["warm_up_of"] == complete["id"]
    assert warm["complete_seconds"] == complete["seconds"] <= warm["seconds"]
    assert complete["id"] in warm["earlier_stages"] and complete["id"] in final["pruned"]
    sv_complete = complete["components"]["search"]["search_vectors"]
    sv_warm = warm["components"]["search"]["search_vectors"]
    # the vector part is the complete release's plus the warm-up
    kept = {
        k: v
        for k, v in sv_warm.items()
        if k not in ("warm_queries", "warm_up") and not k.startswith("warm_up_")
    }
    assert kept == {k: v for k, v in sv_complete.items() if k not in ("warm_queries", "warm_up")}
    assert (
        sv_warm["warm_up"] == "done"
        and sv_warm["warm_queries"] == sv_complete["warm_queries"] + sv_warm["warm_up_queries"]
    )
    # on the path: only the re-ranker's training queries (here the shop's judged ones)
    judged = ltr_queries_of(ws)
    assert sv_complete["warm_up"] == "pending" and sv_complete["warm_queries"] == 0
    assert 0 < sv_complete["ltr_query_vectors"] <= len(judged)
    assert sv_warm["warm_up_queries"] > 0
    ltr = sv_complete["ltr"]
    assert ltr["ltr"] == "attached" and ltr["source"] == "judgments", ltr  # the re-ranker's vectors are in
    # only the query-vector files differ between the two releases: everything else is shared
    a, b = Releases(ws).root / complete["id"], Releases(ws).root / warm["id"]
    assert not a.exists()  # pruned: a superseded stage
    assert (b / "search" / "query_vectors.json").exists()

    before, after = seen[complete["id"]], seen[warm["id"]]
    warmed = after["cached"] - before["cached"]
    assert len(warmed) == sv_warm["warm_up_queries"] and before["cached"] < after["cached"]
    # exactly the same answers before and after the warm-up lands (the vector of a warmed query
    # is the one the search would compute; here searched inline before, read from the cache after)
    assert before["queries"] == after["queries"]
    moved = 0
    for q in before["queries"]:
        ids_b, scores_b, src_b = before["answers"][q]
        ids_a, scores_a, src_a = after["answers"][q]
        assert ids_b == ids_a, q
        np.testing.assert_allclose(scores_b, scores_a, rtol=1e-5, atol=1e-6)
        moved += src_b == "encoded" and src_a == "cached"
    assert moved > 0  # some of these were encoded on demand before the warm-up and cached after

    # the same build warming before the complete release ([search] warm_after_complete = 0):
    # one complete release, the same re-ranker, the same warmed vectors, the same answers
    ws0 = _workspace(tmp_path / "ws0", shop)
    old = build_release(ws0, default_components(), settings=BEFORE, force=True, cache_dir=tmp_path / "cache0",
                        vector_parts=default_vector_parts())  # fmt: skip
    assert "warm_up" not in old and old["complete"] is True
    sv_old = old["components"]["search"]["search_vectors"]
    assert sv_old["warm_up"] == "done"
    # (warmed before: every past query; after: those the re-ranker's training did not encode)
    assert sv_old["warm_queries"] > sv_warm["warm_up_queries"]
    assert ltr["heldout_ndcg10"]["with_ltr"] > 0 and ltr["train_rows"] > 0
    for key in (
        "ltr",
        "heldout_ndcg10",
        "train_rows",
        "rounds",
        "train_queries",
        "heldout_queries",
        "top_features",
    ):
        assert sv_old["ltr"][key] == ltr[key], key
    keys_old = json.loads((Releases(ws0).root / old["id"] / "search" / "query_vectors.json").read_text())
    keys_new = json.loads((b / "search" / "query_vectors.json").read_text())
    assert set(keys_old) == set(keys_new)
    v_old = dict(
        zip(keys_old, np.load(Releases(ws0).root / old["id"] / "search" / "query_vectors.npy"), strict=True)
    )
    v_new = dict(zip(keys_new, np.load(b / "search" / "query_vectors.npy"), strict=True))
    for k in keys_old:
        np.testing.assert_allclose(v_old[k], v_new[k], atol=1e-5)
    eng_old = load_release(Releases(ws0).root / old["id"]).engine
    for q, (ids, scores, _src) in _answers(eng_old, after["queries"]).items():
        assert ids == after["answers"][q][0], q
        np.testing.assert_allclose(scores, after["answers"][q][1], rtol=1e-5, atol=1e-6)


def test_readyz_says_whether_the_warm_up_is_done_and_the_server_keeps_its_vectors(tmp_path, shop):
    ws = _workspace(tmp_path / "ws", shop)
    shop_state = Shop(ws, EventLog(ws))
    states: list[dict] = []

    def on_publish(m: dict) -> None:
        if not m.get("complete"):
            return
        assert shop_state.refresh()
        states.append(shop_state.build_status())
        if m.get("warm_up") == {"search_queries": "pending"}:  # a shopper's new query, encoded meanwhile
            shop_state.current.engine.search("zebra striped umbrella", size=5, facets=())

    build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=tmp_path / "cache",
                  vector_parts=default_vector_parts(), on_publish=on_publish)  # fmt: skip
    assert [s["complete"] for s in states] == [True, True]
    assert [s["warm_up"] for s in states] == [{"search_queries": "pending"}, {"search_queries": "complete"}]
    engine = shop_state.current.engine
    assert "zebra striped umbrella" in engine._qvecs  # kept across the warm-up release's swap
    shop_state.stop()


def _failing_warm_up(ctx, base, folder, facts):
    raise RuntimeError("the warm-up's encoder failed")


def test_a_failed_warm_up_leaves_the_complete_release_serving(tmp_path, shop):
    ws = _workspace(tmp_path / "ws", shop)
    parts = [
        VectorPart(p.name, p.component, p.needed, p.build, FollowUp("search_queries", lambda f: True, _failing_warm_up))
        if p.follow_up is not None
        else p
        for p in default_vector_parts()
    ]  # fmt: skip
    logged: list[str] = []
    m = build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=tmp_path / "cache",
                      vector_parts=parts, log=logged.append)  # fmt: skip
    rel = Releases(ws)
    assert m["complete"] is True and m["warm_up"] == {"search_queries": "pending"}
    assert "RuntimeError" in m["warm_up_error"] and any("warm-up" in line for line in logged)
    assert rel.current_id() == m["id"] and not list(rel.root.glob(".staging-*"))
    res = load_release(rel.root / m["id"]).engine.search("dress", size=5, facets=())
    assert res.total > 0 and res.dense in ("cached", "encoded")


def test_kill_during_the_warm_up_leaves_the_complete_release_serving(tmp_path, shop):
    ws = _workspace(tmp_path / "ws", shop)
    manifest = kill_when_held(tmp_path, ws, SETTINGS, "warm_up", tmp_path / "cache")
    rel = Releases(ws)
    assert manifest["complete"] is True and manifest["warm_up"] == {"search_queries": "pending"}
    loaded = load_release(rel.root / manifest["id"])
    assert loaded.engine.vectors is not None and loaded.engine.search("dress", size=5, facets=()).total > 0
    assert not any(
        (rel.root / manifest["id"] / "search" / name).stat().st_nlink > 1
        for name in QUERY_VECTOR_FILES
        if (rel.root / manifest["id"] / "search" / name).exists()
    )  # the killed warm-up wrote new files, never into the served ones
    m = build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=tmp_path / "cache",
                      vector_parts=default_vector_parts())  # fmt: skip
    assert m["warm_up"] == {"search_queries": "complete"} and not list(rel.root.glob(".staging-*"))
