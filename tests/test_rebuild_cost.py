"""A rebuild after a small catalog change does only the work the change needs (issue 17 item 3:
Home Depot's 1 % rebuild <= 10 s): the complete release hard-links the lexical index, catalog,
type-ahead and graph its first release wrote (the vector stage changed none of them), the
incremental engine is loaded without the previous release's vectors and HNSW graph (the vector
stage extends that graph itself), and a reused re-ranker is carried over as saved. The result
answers like a full build of the same catalog."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shopmind.data.model import Batch
from shopmind.demo.generator import generate
from shopmind.release.build import build_release
from shopmind.release.components import DEFAULT_PARALLEL, default_components, default_vector_parts
from shopmind.search import dense
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.serve.state import load_release
from test_progressive import _ingest  # the demo shop through the gate, published despite its defects

# a graph from 100 vectors: the demo shop (240 products) then has one to extend, like Home Depot
SETTINGS = {"search": {"encoder": "use", "ann_threshold": 100}, "recs": {"encoder": "use"}}
QUERIES = ["dress", "连衣裙", "phone case", "running shoes", "red cotton shirt", "zyxqv edition"]


@pytest.fixture(scope="module")
def shop():
    return generate(seed=11, n_products=240, n_users=150, days=20)


def _inodes(folder: Path) -> dict[str, int]:
    return {str(f.relative_to(folder)): f.stat().st_ino for f in sorted(folder.rglob("*")) if f.is_file()}


def test_a_small_rebuild_links_unchanged_parts_and_reads_no_old_vectors(tmp_path, shop, monkeypatch) -> None:
    ws = tmp_path / "ws"
    _ingest(ws, shop.batch)
    kw = dict(settings=SETTINGS, force=True, cache_dir=tmp_path / "cache", vector_parts=default_vector_parts(),
              parallel=DEFAULT_PARALLEL, keep=10)  # fmt: skip
    m1 = build_release(ws, default_components(), **kw)
    assert m1["components"]["search"]["search_vectors"]["graph"] == "built"
    products = shop.batch.products.select(pl.exclude("^_.*$"))
    changed = products.head(3).with_columns(pl.col("title") + pl.lit(" zyxqv edition"))
    _ingest(ws, Batch("edit", products=changed))

    restores: list[str] = []
    restore = dense.DenseIndex._restore_hnsw

    def counted(self, path):  # noqa: ANN001, ANN202
        restores.append(str(path))
        return restore(self, path)

    monkeypatch.setattr(dense.DenseIndex, "_restore_hnsw", counted)
    seen: dict[str, dict[str, dict[str, int]]] = {}  # the first release's files (it is pruned later)

    def published(m: dict) -> None:
        engine = ws / "releases" / m["id"] / "search"
        seen[m["id"]] = {p: _inodes(engine / p) for p in ("lexical", "catalog", "typeahead", "graph")}

    m2 = build_release(ws, default_components(), on_publish=published, **kw)
    sv = m2["components"]["search"]["search_vectors"]
    assert m2["components"]["search"]["lexical"]["upserted"] == 3
    assert sv["encoded"] == 3 and sv["graph"] == "extended"
    # the previous graph was read once: by the vector stage that extends it, not by the load
    # of the incremental engine (which dropped it)
    assert len(restores) == 1, restores
    # what the vector stage did not change is the first release's files, hard-linked
    assert sorted(sv["linked"]) == ["catalog", "graph", "lexical", "typeahead"]
    complete = ws / "releases" / m2["id"] / "search"
    for part in ("lexical", "catalog", "typeahead", "graph"):
        assert seen[m2["first_release"]][part] == _inodes(complete / part), part
        assert seen[m2["first_release"]][part], part
    # the reused re-ranker is the previous release's model, carried over as it was saved
    assert sv["ltr"]["decision"] == "reused"
    prev_model = ws / "releases" / m1["id"] / "search" / "ltr" / "ltr-model.txt"
    if prev_model.exists():
        assert (complete / "ltr" / "ltr-model.txt").read_bytes() == prev_model.read_bytes()
    # and the complete release answers like a full build of the same catalog
    served = load_release(ws / "releases" / m2["id"]).engine
    served.stop_background()
    served.reranker = None
    fresh = SearchEngine.build(
        pl.read_parquet(ws / "releases" / m2["id"] / "catalog" / "products.parquet"), None,
        SearchConfig(encoder="use", ltr="off", ann_threshold=100), cache_dir=tmp_path / "cache",
    )  # fmt: skip
    for q in QUERIES:
        got, want = served.search(q, size=100, facets=()), fresh.search(q, size=100, facets=())
        assert got.total == want.total, q
        if got.total <= 100:
            assert set(got.ids) == set(want.ids), q
    # (popularity differs: the fresh engine has no events; what is suggested does not)
    assert {s.text for s in served.autocomplete("zyx", 5)} == {s.text for s in fresh.autocomplete("zyx", 5)}
    assert len(served.autocomplete("zyx", 5)) == 3


def test_a_reused_model_is_carried_over_without_parsing_it(tmp_path) -> None:
    """``LTRModel.load(lazy=True)`` (a rebuild's reuse) keeps the saved text: saved again it is
    the same file, LightGBM is not even imported, and parsed on first use it predicts the same."""
    import subprocess
    import sys

    import numpy as np

    from shopmind.search.ltr.model import LTRModel

    rng = np.random.default_rng(5)
    model = LTRModel(num_rounds=5)
    n = len(model.feature_names)
    X, y = rng.normal(size=(200, n)).astype(np.float32), rng.integers(0, 3, size=200)
    model.fit(X, y, [20] * 10)
    model.save(tmp_path / "m")
    code = (
        "import sys; from shopmind.search.ltr.model import LTRModel; "
        f"m = LTRModel.load({str(tmp_path / 'm')!r}, lazy=True); m.save({str(tmp_path / 'again')!r}); "
        "print('lightgbm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr
    assert (tmp_path / "again" / "ltr-model.txt").read_bytes() == (
        tmp_path / "m" / "ltr-model.txt"
    ).read_bytes()
    lazy, eager = LTRModel.load(tmp_path / "m", lazy=True), LTRModel.load(tmp_path / "m")
    np.testing.assert_array_equal(lazy.predict(X[:30]), eager.predict(X[:30]))
    (tmp_path / "bad").mkdir()
    for f in ("ltr.json",):
        (tmp_path / "bad" / f).write_bytes((tmp_path / "m" / f).read_bytes())
    (tmp_path / "bad" / "ltr-model.txt").write_text("not a model", encoding="utf-8")
    with pytest.raises(ValueError):
        LTRModel.load(tmp_path / "bad", lazy=True)
