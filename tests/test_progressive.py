"""Progressive releases: a lexical release serves while text vectors build; the complete one
switches in atomically; a killed vector stage leaves the first release serving; rebuilds
reuse what did not change (vectors, the re-ranker, recommendation models)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from build_script_util import kill_when_held
from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import BuildContext, VectorPart, build_release
from shopmind.release.components import (
    DEFAULT_PARALLEL,
    complete_search,
    default_components,
    default_vector_parts,
    search_needs_vectors,
)
from shopmind.release.progress import BuildProgress, progress_path, read_progress
from shopmind.release.releases import Releases
from shopmind.search.dense import passage_text
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.serve.state import Shop, load_release
from shopmind.store.livelog import EventLog
from shopmind.store.store import Store

SETTINGS = {"search": {"encoder": "use"}, "recs": {"encoder": "use"}}
QUERIES = ["dress", "连衣裙", "phone case", "running shoes", "red cotton shirt"]


@pytest.fixture(scope="module")
def shop():
    return generate(seed=11, n_products=240, n_users=150, days=20)


def _ingest(ws: Path, batch) -> None:
    gate = GateConfig()
    with Store(ws) as store:
        result = run_gate(batch, gate, store)
        publish(result, store, gate, None, force=True)  # the demo's injected defects hold the gate


@pytest.fixture()
def ws(tmp_path, shop) -> Path:
    ws = tmp_path / "ws"
    _ingest(ws, shop.batch)
    return ws


def _blocking_parts(gate: threading.Event, entered: threading.Event) -> list[VectorPart]:
    """The default vector parts, with the search one waiting for ``gate`` first."""

    def held(ctx: BuildContext, base: Path, folder: Path):
        entered.set()
        assert gate.wait(120)
        return complete_search(ctx, base, folder)

    parts = default_vector_parts()
    return [
        VectorPart(p.name, p.component, p.needed, held) if p.name == "search_vectors" else p for p in parts
    ]


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): hashlib.sha1(f.read_bytes()).hexdigest()
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }


class _NeverEncodes:
    """A background encoder that accepts and drops: every search answers as a first-seen query."""

    def submit(self, text: str, urgent: bool = False) -> None:
        return None  # dropped: even a request waiting for it (``urgent``) answers "pending"


def test_lexical_release_serves_while_vectors_build_then_switches_atomically(ws, shop, tmp_path):
    gate, entered = threading.Event(), threading.Event()
    published: list[dict] = []
    out: dict = {}

    def run() -> None:
        out["manifest"] = build_release(
            ws, default_components(), settings=SETTINGS, force=True, cache_dir=tmp_path / "cache",
            vector_parts=_blocking_parts(gate, entered), on_publish=published.append,
        )  # fmt: skip

    t = threading.Thread(target=run)
    t.start()
    try:
        assert entered.wait(300), "the vector stage never started"
        # the first release is current, says what is missing, and serves lexical search
        first = published[0]
        assert first["complete"] is False
        assert first["parts"]["search_vectors"] == "pending" and first["parts"]["recs_content"] == "pending"
        assert first["parts"]["search"] == first["parts"]["catalog"] == first["parts"]["recs"] == "complete"
        rel = Releases(ws)
        assert rel.current_id() == first["id"]
        snap = read_progress(ws)
        assert snap["status"] == "running" and snap["parts"]["search_vectors"] == "pending"

        log = EventLog(ws)
        served = Shop(ws, log)
        assert served.refresh() and served.current.engine.vectors is None
        assert served.build_status()["complete"] is False
        # the same pipeline without vectors and without a re-ranker: same result sets, and
        # the first page is the (re-ranked) head of the lexical order
        with Store(ws, read_only=True) as store:
            products, events = store.table("products"), store.table("events")
        ref = SearchEngine.build(products, events, SearchConfig(encoder=None, ltr="off"))
        lexical = SearchEngine.load(ref.save(tmp_path / "lexical-ref"))
        for q in QUERIES:
            got = served.current.engine.search(q, size=10, facets=())
            want = lexical.search(q, size=100, facets=())
            assert got.total == want.total > 0 or got.total == want.total == 0, q
            assert set(got.ids) <= set(want.ids), q
        expected_first = {q: served.current.engine.search(q, size=10, facets=()).ids for q in QUERIES}

        # searches keep running while the complete release is published and swapped in
        seen: list[tuple[str, str, list[str], bool]] = []
        stop = threading.Event()

        def searcher() -> None:
            while not stop.is_set():
                cur = served.current
                for q in QUERIES:
                    r = cur.engine.search(q, size=10, facets=())
                    whole = cur.engine.vectors is None or len(cur.engine.vectors) == cur.engine.catalog.n_rows
                    seen.append((cur.id, q, r.ids, whole, r.dense))

        s = threading.Thread(target=searcher)
        s.start()
        gate.set()
        t.join(600)
        assert not t.is_alive()
        deadline = time.monotonic() + 60
        while served.release_id != out["manifest"]["id"]:
            served.refresh()
            assert time.monotonic() < deadline
        time.sleep(0.5)
        stop.set()
        s.join()
    finally:
        gate.set()
        t.join(600)
    final = out["manifest"]
    assert final["complete"] is True and final["first_release"] == first["id"]
    assert all(v in ("complete", "not needed") for v in final["parts"].values())
    assert final["components"]["search"]["search_vectors"]["parts"] == "lexical+dense"
    # the superseded first release was still served when the build pruned: kept (the server's
    # lease, release/leases.py), and pruned once the server has let it go
    assert first["id"] not in final["pruned"] and first["id"] in {m["id"] for m in Releases(ws).list()}
    complete = load_release(ws / "releases" / final["id"]).engine
    # a server answers a query before its vector exists without the dense part ("pending"), then
    # fused ("cached"): each answer must be exactly one of the two, never a mix of vector sets
    complete.stop_background()
    fused = {q: complete.search(q, size=10, facets=()).ids for q in QUERIES}
    complete._qvecs.clear()
    complete._background = _NeverEncodes()
    pending = {q: complete.search(q, size=10, facets=()).ids for q in QUERIES}
    complete._background = None
    releases_seen = {rid for rid, *_ in seen}
    assert releases_seen == {first["id"], final["id"]}
    for rid, q, ids, whole, dense in seen:
        assert whole, "a served engine held a partial vector set"
        if rid == first["id"]:
            assert dense == "none" and ids == expected_first[q], (rid, q)
        else:
            assert ids == (pending[q] if dense == "pending" else fused[q]), (rid, q, dense)
    bg = served.current.engine._background
    assert bg is not None  # the served complete release encodes new queries off the request path
    bg.drain()
    for q in QUERIES:  # once the worker stored them, the served answers are the fused ones
        r = served.current.engine.search(q, size=10, facets=())
        assert r.dense == "cached" and r.ids == fused[q], q
    assert served.build_status()["complete"] is True
    served.stop()
    assert Releases(ws).prune(keep=5) == [first["id"]]
    log.close()


def test_second_stage_never_writes_into_the_first_release(ws, tmp_path):
    gate, entered = threading.Event(), threading.Event()
    published: list[dict] = []
    out: dict = {}

    def run() -> None:
        out["m"] = build_release(
            ws, default_components(), settings=SETTINGS, force=True, cache_dir=tmp_path / "cache",
            vector_parts=_blocking_parts(gate, entered), on_publish=published.append, keep=10,
        )  # fmt: skip

    t = threading.Thread(target=run)
    t.start()
    assert entered.wait(300)
    first = ws / "releases" / published[0]["id"]
    # keep a hard link to every file: pruning later must not hide an in-place write
    keep = tmp_path / "kept"
    keep.mkdir()
    before = _tree_digest(first)
    for i, f in enumerate(sorted(p for p in first.rglob("*") if p.is_file())):
        os.link(f, keep / str(i))
    gate.set()
    t.join(600)
    assert out["m"]["complete"] is True
    linked = {name: hashlib.sha1((keep / str(i)).read_bytes()).hexdigest() for i, name in enumerate(before)}
    assert linked == before


def test_kill_during_vector_stage_leaves_the_first_release_serving(ws, tmp_path):
    manifest = kill_when_held(tmp_path, ws, SETTINGS, "vector_stage", tmp_path / "cache", timeout=300)
    rel = Releases(ws)
    rid = manifest["id"]
    assert manifest["complete"] is False and manifest["parts"]["search_vectors"] == "pending"
    assert list(rel.root.glob(".staging-*"))  # the killed stage's folder is still there...
    loaded = load_release(rel.root / rid)
    res = loaded.engine.search("dress", size=5, facets=())
    assert res.total > 0 and loaded.engine.vectors is None
    assert read_progress(ws)["status"] == "died"
    # ...until the next build, which completes (reusing nothing from the dead stage)
    m = build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=tmp_path / "cache",
                      vector_parts=default_vector_parts())  # fmt: skip
    assert m["complete"] is True and rel.current_id() == m["id"]
    assert not list(rel.root.glob(".staging-*"))
    assert m["components"]["recs"]["decision"] == "trained"  # its models lacked content neighbours


def test_rebuild_encodes_only_changed_products_and_reuses_models(ws, shop, tmp_path):
    cache = tmp_path / "cache"
    kw = dict(settings=SETTINGS, force=True, cache_dir=cache, vector_parts=default_vector_parts(),
              parallel=DEFAULT_PARALLEL)  # fmt: skip
    m1 = build_release(ws, default_components(), **kw)
    sv1 = m1["components"]["search"]["search_vectors"]
    n = m1["rows"]["products"]
    catalog = pl.read_parquet(ws / "releases" / m1["id"] / "catalog" / "products.parquet")
    distinct = {passage_text(t, d) for t, d in catalog.select("title", "description").iter_rows()}
    assert sv1["encoded"] == len(distinct) and sv1["cached"] == 0  # each distinct text once
    # change the titles of 3 products and add 2 new ones
    products = shop.batch.products.select(pl.exclude("^_.*$"))
    changed = products.head(3).with_columns(pl.col("title") + pl.lit(" (new edition)"))
    new = products.head(2).with_columns(
        pl.Series("product_id", ["NEW-1", "NEW-2"]),
        pl.Series("title", ["zyxqv teal linen", "qwzzk walnut finish"]),
    )
    from shopmind.data.model import Batch

    _ingest(ws, Batch("edit", products=pl.concat([changed, new], how="vertical_relaxed")))
    m2 = build_release(ws, default_components(), **kw)
    sv2 = m2["components"]["search"]["search_vectors"]
    assert m2["rows"]["products"] == n + 2
    assert sv2["encoded"] == 5, sv2  # 3 changed + 2 new texts, nothing else
    assert sv2["cached"] >= n + 2 - 5 - (n - len(distinct))
    assert sv2["warm_queries"] > 0
    # the lexical index was updated, not rebuilt: 5 products upserted into the previous engine
    assert m1["components"]["search"]["lexical"]["build"] == "full"
    lex = m2["components"]["search"]["lexical"]
    assert lex == {"build": "incremental", "from": m1["id"], "upserted": 5, "deleted": 0}
    # the labels did not change: the re-ranker is reused, not retrained
    assert m2["components"]["search"]["ltr"]["ltr"] == "deferred"
    assert sv2["ltr"]["decision"] == "reused"
    assert sv2["ltr"]["fingerprint"] == sv1["ltr"]["fingerprint"]
    # a product edit does not refit recommendations (the schedule does)
    assert m2["components"]["recs"]["decision"] == "reused"
    assert m2["components"]["recs"]["reused_from"] == m1["id"]
    assert m2["parts"]["recs_content"] == "not needed"
    loaded = load_release(ws / "releases" / m2["id"])
    assert loaded.recs is not None and loaded.recs.content is not None
    assert "NEW-2" in loaded.engine.search("qwzzk", size=3, facets=()).ids
    # a refit schedule of zero hours refits; changed judgments retrain the re-rankers
    judg = shop.batch.judgments.select(pl.exclude("^_.*$"))
    flipped = judg.with_columns((3 - pl.col("relevance")).alias("relevance"))
    _ingest(ws, Batch("rejudge", judgments=flipped))
    kw["settings"] = {**SETTINGS, "recs": {**SETTINGS["recs"], "retrain_hours": 0}}
    m3 = build_release(ws, default_components(), **kw)
    assert m3["components"]["recs"]["decision"] == "trained"
    assert "scheduled" in m3["components"]["recs"]["why"] or "settings" in m3["components"]["recs"]["why"]
    ltr3 = m3["components"]["search"]["search_vectors"]["ltr"]
    assert ltr3["decision"] == "trained" and ltr3["changed_share"] > 0.05
    assert m3["components"]["search"]["search_vectors"]["encoded"] == 0
    assert m3["components"]["search"]["lexical"]["upserted"] == 0
    # the incrementally updated engine finds what a fresh build finds
    fresh = SearchEngine.build(
        pl.read_parquet(ws / "releases" / m3["id"] / "catalog" / "products.parquet"), None,
        SearchConfig(encoder="use", ltr="off"), cache_dir=cache,
    )  # fmt: skip
    served = load_release(ws / "releases" / m3["id"]).engine
    served.stop_background()  # compare the engines' result sets: encode in the request, as fresh does
    served.reranker = None
    for q in [*QUERIES, "qwzzk", "zyxqv teal"]:
        got, want = served.search(q, size=100, facets=()), fresh.search(q, size=100, facets=())
        assert got.total == want.total, q
        if got.total <= 100:
            assert set(got.ids) == set(want.ids), q


def test_progress_reports_stages_items_rate_and_eta(ws, tmp_path):
    snaps: list[dict] = []
    progress = BuildProgress(progress_path(ws), snaps.append, min_interval=0.0)
    m = build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=tmp_path / "cache",
                      vector_parts=default_vector_parts(), progress=progress)  # fmt: skip
    names = [f["name"] for f in snaps[-1]["finished"]]
    assert "reading the store" in names
    assert "search: encoding product texts" in names and "search: encoding past queries" in names
    enc = [a for s in snaps for a in s["active"] if a["name"] == "search: encoding product texts"]
    assert enc[-1]["total"] == m["rows"]["products"]
    assert any(a["rate"] and a["eta_s"] is not None for a in enc)
    warm = [a for s in snaps for a in s["active"] if a["name"] == "search: encoding past queries"]
    assert warm and warm[-1]["total"] == m["components"]["search"]["search_vectors"]["warm_queries"]
    assert snaps[-1]["status"] == "complete"
    assert json.loads(progress_path(ws).read_text())["status"] == "complete"
    assert (
        search_needs_vectors(BuildContext(pl.DataFrame(), pl.DataFrame(), {"search": {"encoder": None}}))
        is False
    )


def test_lexical_release_serves_without_a_reranker_tuned_for_vectors(ws, tmp_path):
    published: list[dict] = []
    m = build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=tmp_path / "cache",
                      vector_parts=default_vector_parts(), on_publish=published.append)  # fmt: skip
    first = published[0]
    assert first["components"]["search"]["ltr"]["ltr"] == "deferred"
    assert not (ws / "releases" / m["id"] / "search" / "ltr_models" / "lexical").exists()
    full_ltr = m["components"]["search"]["search_vectors"]["ltr"]
    assert full_ltr["parts"].startswith("lexical+dense:")
    state = json.loads((ws / "releases" / m["id"] / "search" / "ltr_state.json").read_text())
    assert set(state) == {full_ltr["parts"]}
    vec = np.load(ws / "releases" / m["id"] / "search" / "vectors.npy")
    assert vec.shape[0] == m["rows"]["products"]
    # a lexical-only shop (no encoder) trains its re-ranker over lexical features only
    lex = build_release(ws, default_components(), settings={"search": {"encoder": None}, "recs": {"encoder": None}},
                        force=True, cache_dir=tmp_path / "cache", vector_parts=default_vector_parts())  # fmt: skip
    assert lex["complete"] is True and lex["parts"]["search_vectors"] == "not needed"
    assert lex["components"]["search"]["ltr"]["parts"] == "lexical"


@given(
    n=st.integers(1, 40),
    edits=st.sets(st.integers(0, 39), max_size=10),
    drops=st.sets(st.integers(0, 39), max_size=10),
    added=st.integers(0, 5),
)
@settings(max_examples=60, deadline=None)
def test_product_diff_finds_exactly_the_edited_added_and_removed_products(n, edits, drops, added):
    from shopmind.release.components import product_diff

    old = pl.DataFrame({"product_id": [f"P{i}" for i in range(n)], "title": [f"t{i}" for i in range(n)],
                        "price": [float(i) for i in range(n)], "_row": list(range(n))})  # fmt: skip
    edits, drops = {i for i in edits if i < n}, {i for i in drops if i < n}
    new = old.filter(~pl.col("product_id").is_in([f"P{i}" for i in drops]))
    new = new.with_columns(
        pl.when(pl.col("product_id").is_in([f"P{i}" for i in edits]))
        .then(pl.col("price") + 1)
        .otherwise(pl.col("price"))
        .alias("price"),
        pl.col("_row").reverse(),  # the gate's row numbers are not product content
    )
    extra = pl.DataFrame({"product_id": [f"N{i}" for i in range(added)], "title": ["x"] * added,
                          "price": [1.0] * added, "_row": [0] * added})  # fmt: skip
    new = pl.concat([new, extra])
    changed, removed = product_diff(old, new)
    assert set(changed) == {f"P{i}" for i in edits - drops} | {f"N{i}" for i in range(added)}
    assert set(removed) == {f"P{i}" for i in drops}
    assert product_diff(old, old) == ([], [])


def test_a_component_in_a_child_process_lands_in_the_release(ws, tmp_path):
    from shopmind.release.components import build_catalog

    snaps: list[dict] = []
    progress = BuildProgress(None, snaps.append, min_interval=0.0)
    m = build_release(ws, [("catalog", build_catalog)], force=True, parallel={"catalog"}, progress=progress)
    assert (
        pl.read_parquet(ws / "releases" / m["id"] / "catalog" / "products.parquet").height
        == m["rows"]["products"]
    )
    assert m["components"]["catalog"]["products"] == m["rows"]["products"]
    done = [f["name"] for f in snaps[-1]["finished"]]
    assert "catalog (child process)" in done and snaps[-1]["active"] == []


def test_incremental_rebuild_understands_a_new_category(ws, shop, tmp_path):
    """An incremental rebuild re-derives query understanding from the updated catalog: a
    category that only exists since this build gives a category chip at once."""
    from shopmind.data.model import Batch

    kw = dict(settings=SETTINGS, force=True, cache_dir=tmp_path / "cache", vector_parts=default_vector_parts(),
              parallel=DEFAULT_PARALLEL)  # fmt: skip
    m1 = build_release(ws, default_components(), **kw)
    before = load_release(ws / "releases" / m1["id"]).engine.search("hammock", size=5, facets=())
    assert not [c for c in before.understood["constraints"] if c["kind"] == "category"]
    products = shop.batch.products.select(pl.exclude("^_.*$"))
    new = products.head(3).with_columns(
        pl.Series("product_id", ["HAM-1", "HAM-2", "HAM-3"]),
        pl.Series("title", ["garden hammock striped", "rope hammock", "hammock with stand"]),
        pl.lit("Garden > Hammocks").alias("category_path"),
    )
    _ingest(ws, Batch("hammocks", products=new))
    m2 = build_release(ws, default_components(), **kw)
    assert m2["components"]["search"]["lexical"]["build"] == "incremental"
    after = load_release(ws / "releases" / m2["id"]).engine.search("hammock", size=5, facets=())
    cats = [c["value"] for c in after.understood["constraints"] if c["kind"] == "category"]
    assert cats and "Hammocks" in cats[0], after.understood
    assert set(after.ids) == {"HAM-1", "HAM-2", "HAM-3"}
