"""Category suggestions after incremental changes weigh what a full build over the same catalog
weighs: a retitled or re-categorised product's old categories are taken back, a removed product's
too, and a category no product is in any more is no suggestion (before: every upsert counted the
product's categories again, so an incremental build's weights drifted up from a full build's).
"""

from __future__ import annotations

import random

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.search.autocomplete import Autocomplete

CATS = ["Tools > Drills", "Tools > Saws", "Garden > Hoses", "Garden", "厨房 > 锅具", "Lights"]


def _frame(rows: dict[str, str | None]) -> pl.DataFrame:
    ids = list(rows)
    return pl.DataFrame(
        {"product_id": ids, "title": [f"thing {p}" for p in ids], "category_path": [rows[p] for p in ids]}
    )


def _categories(ac: Autocomplete) -> dict[str, float]:
    return {e.text: e.weight for e in ac.entries if e.alive and e.kind == "category"}


@settings(max_examples=60)
@given(st.integers(0, 10_000))
def test_incremental_category_weights_equal_a_full_build(seed: int) -> None:
    rnd = random.Random(seed)
    catalog = {f"p{i}": rnd.choice([*CATS, None]) for i in range(40)}
    ac = Autocomplete.build(_frame(catalog), {})
    for _ in range(4):
        changed = {p: rnd.choice([*CATS, None]) for p in rnd.sample(sorted(catalog), 6)}
        changed |= {f"n{rnd.randint(0, 9)}": rnd.choice(CATS)}
        catalog |= changed
        ac.add_products(_frame(changed), {})
        for p in rnd.sample(sorted(catalog), 3):
            ac.remove_product(p)
            del catalog[p]
    assert _categories(ac) == _categories(Autocomplete.build(_frame(catalog), {}))


def test_a_category_left_empty_is_no_suggestion_and_survives_save_and_load(tmp_path) -> None:
    ac = Autocomplete.build(_frame({"a": "Garden > Hoses", "b": "Garden > Hoses", "c": "Tools"}), {})
    assert _categories(ac) == {"Garden": 2.0, "Hoses": 2.0, "Tools": 1.0}
    ac.add_products(_frame({"c": "Garden"}), {})  # moved: Tools is empty now
    assert _categories(ac) == {"Garden": 3.0, "Hoses": 2.0}
    assert [s.text for s in ac.suggest("too", kinds=["category"])] == []
    loaded = Autocomplete.load(ac.save(tmp_path / "ta"))
    assert loaded is not None and _categories(loaded) == _categories(ac)
    loaded.remove_product("a")  # the loaded type-ahead still knows what "a" was counted in
    assert _categories(loaded) == {"Garden": 2.0, "Hoses": 1.0}
