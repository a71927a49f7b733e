"""A search engine saved a second time hard-links what did not change since its last save or
load (issue 17: Home Depot's 1 % rebuild saved its engine twice and wrote the lexical index,
catalog and type-ahead both times), and an incremental build's load reads no vectors."""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopmind.search.dense import l2_normalise
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.engine_io import LINKABLE_PARTS

WORDS = [
    "cordless",
    "drill",
    "kit",
    "garden",
    "hose",
    "velvet",
    "红色",
    "连衣裙",
    "led",
    "bulb",
    "oak",
    "chair",
]


def _products(n: int, seed: int = 1) -> pl.DataFrame:
    rnd = random.Random(seed)
    return pl.DataFrame(
        {
            "product_id": [f"p{i}" for i in range(n)],
            "title": [" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(2, 5))) for _ in range(n)],
            "category_path": [
                f"{rnd.choice(['Tools', 'Garden'])} > {rnd.choice(['A', 'B'])}" for _ in range(n)
            ],
            "brand": [rnd.choice(["Acme", "Bolt", None]) for _ in range(n)],
            "price": [round(rnd.uniform(1, 90), 2) for _ in range(n)],
        }
    )


def _engine(n: int = 120) -> SearchEngine:
    return SearchEngine.build(_products(n), None, SearchConfig(encoder=None, ann_threshold=50))


def _vectors(engine: SearchEngine, seed: int = 4) -> np.ndarray:
    rows = engine.catalog.n_rows
    return l2_normalise(np.random.default_rng(seed).normal(size=(rows, 16)).astype(np.float32))


def _inodes(folder: Path) -> dict[str, int]:
    return {str(f.relative_to(folder)): f.stat().st_ino for f in sorted(folder.rglob("*")) if f.is_file()}


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): hashlib.sha1(f.read_bytes()).hexdigest()
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }


def _same_files(a: Path, b: Path, part: str) -> bool:
    ia, ib = _inodes(a / part), _inodes(b / part)
    return bool(ia) and ia == ib


def test_a_second_save_links_what_the_vector_stage_did_not_change(tmp_path) -> None:
    eng = _engine()
    first = eng.save(tmp_path / "first")
    assert eng.linked_parts == []
    eng.attach_vectors(_vectors(eng))  # what a build's vector stage adds
    second = eng.save(tmp_path / "second", link_from=first)
    assert sorted(eng.linked_parts) == sorted(LINKABLE_PARTS)
    for part in LINKABLE_PARTS:
        assert _same_files(first, second, part), part
    assert (second / "vectors.npy").exists() and not (first / "vectors.npy").exists()
    # the same bytes a save without links writes
    plain = tmp_path / "plain"
    eng.save(plain)
    assert eng.linked_parts == []
    for part in LINKABLE_PARTS:
        assert _digests(second / part) == _digests(plain / part), part
    loaded = SearchEngine.load(second)
    for q in ("drill", "红色", "oak chair", "garden hose kit"):
        assert loaded.search(q, size=20, facets=()).ids == eng.search(q, size=20, facets=()).ids, q


def test_parts_changed_since_the_last_save_are_written(tmp_path) -> None:
    eng = _engine()
    first = eng.save(tmp_path / "first")
    before = _digests(first)
    changed = _products(3, seed=9).with_columns(pl.Series("product_id", ["p1", "p2", "new-1"]))
    eng.upsert(changed)
    second = eng.save(tmp_path / "second", link_from=first)
    assert eng.linked_parts == []
    for part in ("lexical", "catalog", "typeahead"):
        assert not set(_inodes(first / part).values()) & set(_inodes(second / part).values()), part
    assert _digests(first) == before  # the earlier folder was not written into
    loaded = SearchEngine.load(second)
    assert "new-1" in loaded.catalog.pos and loaded.catalog.pos["p1"] == eng.catalog.pos["p1"]


def test_a_folder_that_is_not_where_the_engine_was_saved_is_not_linked(tmp_path) -> None:
    eng = _engine()
    first = eng.save(tmp_path / "first")
    copy = tmp_path / "copy"
    shutil.copytree(first, copy)  # the same bytes, other files: not what the engine remembers
    eng.save(tmp_path / "second", link_from=copy)
    assert eng.linked_parts == []
    # a loaded engine remembers the folder it was read from
    loaded = SearchEngine.load(copy)
    third = loaded.save(tmp_path / "third", link_from=copy)
    assert sorted(loaded.linked_parts) == sorted(LINKABLE_PARTS)
    assert _same_files(copy, third, "lexical")


def test_saving_again_into_a_folder_of_links_never_writes_through_them(tmp_path) -> None:
    eng = _engine()
    first = eng.save(tmp_path / "first")
    before = _digests(first)
    second = eng.save(tmp_path / "second", link_from=first)  # every linkable part linked
    eng.upsert(_products(2, seed=5).with_columns(pl.Series("product_id", ["p3", "p4"])))
    eng.save(second)  # the same folder again, now with changed parts
    assert _digests(first) == before


def test_loading_without_vectors_reads_no_vectors_or_graph(tmp_path, monkeypatch) -> None:
    eng = _engine(120)
    eng.attach_vectors(_vectors(eng))
    assert eng._ann is not None  # 120 rows >= ann_threshold 50: a graph is saved
    eng._qvecs["drill"] = _vectors(eng)[0]
    folder = eng.save(tmp_path / "e")
    assert (folder / "hnsw.usearch").exists() and (folder / "query_vectors.npy").exists()
    from shopmind.search import dense

    def no_restore(self, path):  # noqa: ANN001, ANN202
        raise AssertionError("the graph was read")

    monkeypatch.setattr(dense.DenseIndex, "_restore_hnsw", no_restore)
    lean = SearchEngine.load(folder, vectors=False)
    assert lean.vectors is None and lean._ann is None and not lean._qvecs
    monkeypatch.undo()  # (a full load reads the graph)
    full = SearchEngine.load(folder)
    full.vectors, full._ann = None, None
    for q in ("drill", "oak", "连衣裙"):
        assert lean.search(q, size=10, facets=()).ids == full.search(q, size=10, facets=()).ids, q


@pytest.mark.parametrize("part", ["lexical", "catalog", "typeahead", "graph"])
def test_each_part_is_linked_only_while_unchanged(tmp_path, part) -> None:
    eng = _engine()
    first = eng.save(tmp_path / "first")
    if part == "lexical":
        eng.lexical.delete(["p7"])
    elif part == "catalog":
        eng.catalog.delete(["p7"])
    elif part == "typeahead":
        eng.autocompleter.remove_product("p7")
    else:
        eng.refresh_understanding()  # a new graph object
    eng.save(tmp_path / "second", link_from=first)
    assert part not in eng.linked_parts
    assert sorted(eng.linked_parts) == sorted(set(LINKABLE_PARTS) - {part})
