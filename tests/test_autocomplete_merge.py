"""Saving a type-ahead after a few changes merges them into the sorted keys instead of
recomputing and re-sorting every key (issue 17: Home Depot's 1 % rebuild re-sorted ~700k keys
at every engine save). The merged arrays must be exactly what a full ``rebuild`` makes."""

from __future__ import annotations

import random

import numpy as np
import polars as pl

from shopmind.search.autocomplete import Autocomplete

WORDS = ["cordless", "drill", "kit", "garden", "hose", "velvet", "持久粉色哑光口红", "dryer", "vent", "红色",
         "连衣裙", "Ärmel", "straße", "2x4", "in.", "led", "bulb", "drill-bit", "Drill"]  # fmt: skip
PREFIXES = ["d", "dr", "dri", "c", "口", "持久", "红", "连衣", "ä", "stra", "2", "in", "l", "led", "b", "g"]


def _products(ids: list[str], rnd: random.Random) -> pl.DataFrame:
    titles = [" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 5))) for _ in ids]
    cats = [f"{rnd.choice(['Tools', 'Garden'])} > {rnd.choice(['A', 'B', 'Lights'])}" for _ in ids]
    return pl.DataFrame({"product_id": ids, "title": titles, "category_path": cats})


def _state(ac: Autocomplete) -> tuple[list[str], list[int], list[bool]]:
    return list(ac._keys), ac._key_entry.tolist(), ac._key_whole.tolist()


def _changed(seed: int) -> Autocomplete:
    """A built type-ahead, then a few rounds of retitled, new and removed products and queries."""
    rnd = random.Random(seed)
    ac = Autocomplete.build(_products([f"p{i}" for i in range(300)], rnd), {})
    for _ in range(3):
        ids = rnd.sample([f"p{i}" for i in range(300)], 12) + [f"n{rnd.randint(0, 40)}" for _ in range(4)]
        ac.add_products(_products(ids, rnd), {pid: float(rnd.randint(0, 5)) for pid in ids}, settle=False)
        for pid in rnd.sample([f"p{i}" for i in range(300)], 3):
            ac.remove_product(pid)
        ac.add_query_counts({rnd.choice(WORDS): 2.0, "drill bits": 1.0}, settle=False)
    return ac


def test_merging_the_delta_gives_exactly_what_a_rebuild_gives() -> None:
    for seed in range(6):
        merged, rebuilt = _changed(seed), _changed(seed)
        assert merged._delta  # there is something to merge
        merged.merge_delta()
        rebuilt.rebuild()
        assert _state(merged) == _state(rebuilt), seed
        assert not merged._delta
        for p in PREFIXES:
            assert merged.suggest(p, 10) == rebuilt.suggest(p, 10), (seed, p)


def test_saving_after_a_few_changes_computes_keys_of_the_changed_entries_only(tmp_path, monkeypatch) -> None:
    ac, want = _changed(7), _changed(7)
    delta = len(ac._delta)
    calls: list[int] = []
    keys_of = Autocomplete._keys_of

    def counted(i, e):  # noqa: ANN001, ANN202
        calls.append(i)
        return keys_of(i, e)

    monkeypatch.setattr(Autocomplete, "_keys_of", staticmethod(counted))
    want.rebuild()
    n_rebuild = len(calls)  # a rebuild computes the keys of every live entry
    calls.clear()
    ac.save(tmp_path / "ta")
    assert 0 < len(calls) <= delta < n_rebuild / 5, (len(calls), delta, n_rebuild)
    loaded = Autocomplete.load(tmp_path / "ta")
    assert loaded is not None
    want.save(tmp_path / "want")
    for name in ("keys.txt", "key_ends.npy", "key_entry.npy", "key_whole.npy", "entries.parquet"):
        assert (tmp_path / "ta" / name).read_bytes() == (tmp_path / "want" / name).read_bytes(), name
    for p in PREFIXES:
        assert loaded.suggest(p, 10) == want.suggest(p, 10), p


def test_a_delta_of_dead_entries_only_drops_their_keys() -> None:
    rnd = random.Random(3)
    ac = Autocomplete.build(_products([f"p{i}" for i in range(50)], rnd), {})
    ref = Autocomplete.build(_products([f"p{i}" for i in range(50)], random.Random(3)), {})
    # the same product retitled twice in one delta: its first new entry is dead already
    for acx in (ac, ref):
        r = random.Random(9)
        acx.add_products(_products(["p1"], r), {}, settle=False)
        acx.add_products(_products(["p1"], r), {}, settle=False)
        acx.remove_product("p2")
    ac.merge_delta()
    ref.rebuild()
    assert _state(ac) == _state(ref)
    assert np.all([ac.entries[i].alive for i in ac._key_entry.tolist()])
