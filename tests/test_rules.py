"""Business rules: filters never violated, no duplicates, exactly min(k, eligible) items."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.recommend.rules import (
    Catalog,
    Filters,
    RecsError,
    RulesConfig,
    boost_vector,
    eligible_mask,
    select,
)

CATS = ["Women > Dresses", "Women > Tops", "Men > Shoes", "Beauty > Lipstick", "Home > Kitchen"]
BRANDS = ["Aurora", "北风", "Kaito", "Rosée"]


def catalog(n: int, seed: int) -> Catalog:
    rng = np.random.default_rng(seed)
    products = pl.DataFrame(
        {
            "product_id": [f"P{i:03d}" for i in range(n)],
            "title": [f"Item {i}" for i in range(n)],
            "category_path": [CATS[i] for i in rng.integers(0, len(CATS), n)],
            "brand": [BRANDS[i] for i in rng.integers(0, len(BRANDS), n)],
            "price": rng.uniform(5, 500, n).round(2),
            "stock": rng.integers(-1, 5, n),
        }
    )
    return Catalog.from_products(products)


FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "categories": st.lists(st.sampled_from(CATS + ["Women", "Men", "Nowhere"]), min_size=1, max_size=3),
        "brands": st.lists(st.sampled_from(BRANDS + ["nobody"]), min_size=1, max_size=2),
        "price_min": st.floats(0, 300),
        "price_max": st.floats(200, 600),
        "in_stock": st.booleans(),
        "exclude": st.lists(st.sampled_from([f"P{i:03d}" for i in range(40)]), max_size=5),
    },
)


def violates(cat: Catalog, i: int, f: Filters, rules: RulesConfig, bought: set[int]) -> bool:
    path = cat.category[i].casefold()
    if f.categories and not any(
        path == c.casefold() or path.startswith(c.casefold() + " > ") for c in f.categories
    ):
        return True
    if f.brands and cat.brand[i].casefold() not in {b.casefold() for b in f.brands}:
        return True
    if f.price_min is not None and not cat.price[i] >= f.price_min:
        return True
    if f.price_max is not None and not cat.price[i] <= f.price_max:
        return True
    if (rules.in_stock_only if f.in_stock is None else f.in_stock) and cat.stock[i] <= 0:
        return True
    return cat.ids[i] in f.exclude or (rules.exclude_purchased and i in bought)


@settings(max_examples=150, deadline=None)
@given(
    raw=FILTERS,
    k=st.integers(1, 30),
    seed=st.integers(0, 5),
    n_ranked=st.integers(0, 40),
    cap=st.one_of(st.none(), st.integers(1, 3)),
    pins=st.dictionaries(st.sampled_from(["P001", "P002", "P003"]), st.integers(0, 12), max_size=2),
)
def test_filtered_output_is_eligible_distinct_and_full(raw, k, seed, n_ranked, cap, pins) -> None:
    if "price_min" in raw and "price_max" in raw and raw["price_min"] > raw["price_max"]:
        raw = {**raw, "price_min": raw["price_max"]}
    cat = catalog(40, seed)
    rules = RulesConfig(max_per_category=cap, pins=pins)
    f = Filters.parse(raw)
    rng = np.random.default_rng(seed)
    bought = set(rng.choice(40, 4, replace=False).tolist())
    mask = eligible_mask(cat, f, rules, sorted(bought))
    ranked = rng.choice(40, n_ranked, replace=False)
    out = select(ranked, rng.normal(size=n_ranked), mask, k, cat, rules, np.arange(40)[::-1])
    items = [i for i, _ in out]
    assert len(items) == len(set(items))
    assert len(items) == min(k, int(mask.sum()))
    assert not any(violates(cat, i, f, rules, bought) for i in items)
    assert int(mask.sum()) == sum(not violates(cat, i, f, rules, bought) for i in range(40))


def test_ranked_order_then_backfill_and_pins_at_their_positions() -> None:
    cat = catalog(20, 1)
    rules = RulesConfig(in_stock_only=False, pins={"P010": 0})
    mask = np.ones(20, dtype=bool)
    out = select(np.array([5, 3, 7]), np.array([0.1, 0.9, 0.5]), mask, 6, cat, rules, np.arange(20))
    assert out == [
        (10, "pinned"),
        (3, "ranked"),
        (7, "ranked"),
        (5, "ranked"),
        (0, "backfill"),
        (1, "backfill"),
    ]


def test_category_cap_limits_then_relaxes_only_when_short() -> None:
    cat = catalog(30, 2)
    rules = RulesConfig(in_stock_only=False, max_per_category=1)
    ranked = np.arange(30)
    out = select(ranked, -ranked.astype(float), np.ones(30, dtype=bool), 4, cat, rules, ranked)
    tops = [cat.top_code[i] for i, _ in out]
    assert len(set(tops)) == 4  # four distinct top categories among the first four
    few = np.isin(cat.top_code, [0])  # one category only: the cap must be relaxed to fill k
    out = select(ranked, -ranked.astype(float), few, 3, cat, rules, ranked)
    assert len(out) == min(3, int(few.sum()))


def test_boosts_reorder_and_mmr_diversifies() -> None:
    cat = catalog(10, 3)
    rules = RulesConfig(in_stock_only=False)
    boosts = boost_vector(cat, {"item:P004": 10.0})
    out = select(
        np.array([1, 4]), np.array([1.0, 0.5]), np.ones(10, dtype=bool), 2, cat, rules, np.arange(10), boosts
    )
    assert [i for i, _ in out] == [4, 1]
    vec = np.zeros((10, 2), dtype=np.float32)
    vec[[0, 1]] = [1, 0]  # 0 and 1 are identical, 2 is orthogonal
    vec[2] = [0, 1]
    mmr = RulesConfig(in_stock_only=False, mmr_lambda=0.5)
    out = select(np.array([0, 1, 2]), np.array([1.0, 0.99, 0.9]), np.ones(10, dtype=bool), 2, cat, mmr,
                 np.arange(10), vectors=vec)  # fmt: skip
    assert [i for i, _ in out] == [0, 2]


def test_purchased_excluded_except_rebuy_categories() -> None:
    cat = catalog(30, 4)
    lipstick = [i for i in range(30) if cat.category[i].startswith("Beauty")][0]
    shoe = [i for i in range(30) if cat.category[i].startswith("Men")][0]
    rules = RulesConfig(in_stock_only=False, rebuy_categories=("Beauty",))
    mask = eligible_mask(cat, Filters(), rules, [lipstick, shoe])
    assert mask[lipstick] and not mask[shoe]


@pytest.mark.parametrize(
    ("raw", "param"),
    [
        ({"colour": "red"}, "filters"),
        ({"price_min": -1}, "filters.price_min"),
        ({"price_min": 10, "price_max": 5}, "filters.price_min"),
        ({"categories": [""]}, "filters.categories"),
        ({"brands": 3}, "filters.brands"),
        ({"in_stock": "yes"}, "filters.in_stock"),
        ({"price_max": float("nan")}, "filters.price_max"),
        ("Women", "filters"),
    ],
)
def test_bad_filters_name_the_parameter(raw, param) -> None:
    with pytest.raises(RecsError) as err:
        Filters.parse(raw)
    assert err.value.param == param
    assert str(err.value).startswith(param)


def test_unknown_boost_target_is_a_clear_error() -> None:
    with pytest.raises(RecsError, match="rules.boosts"):
        boost_vector(catalog(5, 0), {"colour:red": 2.0})


def test_an_item_only_seen_in_events_is_not_shown_when_the_shop_has_a_catalogue() -> None:
    """A product the shop archived (or removed: ``ingest --full-catalog``) keeps its orders, which teach the
    models; it was still recommended, untitled, because every catalog item was eligible. Without any
    catalogue (a log of events only) every item stays eligible."""
    products = pl.DataFrame({"product_id": ["A", "B"], "title": ["a", "b"]})
    cat = Catalog.from_products(products, ["A", "X", "B"])
    rules = RulesConfig(in_stock_only=False)
    assert eligible_mask(cat, Filters(), rules).tolist() == [True, True, False]
    mask = eligible_mask(cat, Filters(), rules)
    picked = select(np.array([1, 0, 2]), np.array([3.0, 2.0, 1.0]), mask, 3, cat, rules, np.array([1, 0, 2]))
    assert [str(cat.ids[i]) for i, _ in picked] == ["B", "A"]  # X (ranked last, ids A, B, X) is left out
    bare = Catalog.from_products(None, ["A", "X"])
    assert eligible_mask(bare, Filters(), rules).tolist() == [True, True]
