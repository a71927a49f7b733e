"""A serving process loads only what serving needs (issue 18, item 16: ~0.75 GB per demo server).

Each test runs a fresh interpreter, since what matters is what a process that starts from
nothing ends up importing: DuckDB, scipy.stats and the quality gate (~80 MB RSS) came in with
one constant of the quality report; ``implicit`` (~16 MB) with unpickling two factor arrays.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.demo import generator as G
from shopmind.recommend.als import ALS, FittedFactors
from shopmind.recommend.base import Interactions
from shopmind.recommend.service import RecommendationService, RecsConfig
from shopmind.serve.product_table import ProductTable


def imported_after(code: str) -> set[str]:
    """Modules of interest present in a fresh interpreter after running ``code``."""
    probe = ("duckdb", "scipy.stats", "shopmind.quality.gate", "shopmind.store.store", "implicit", "torch")
    out = subprocess.run(
        [sys.executable, "-c", code + f"\nimport sys\nprint(','.join(m for m in {probe!r} if m in sys.modules))"],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    last = (out.stdout.splitlines() or [""])[-1]
    return set(filter(None, last.strip().split(",")))


def test_the_server_app_does_not_import_the_gate_duckdb_or_scipy_stats() -> None:
    assert imported_after("import shopmind.serve.app") == set()


@pytest.fixture(scope="module")
def shop() -> G.DemoShop:
    return G.generate(seed=5, defect_rate=0.0, n_products=200, n_users=100, days=20)


def test_a_saved_recs_release_serves_without_importing_implicit(shop, tmp_path) -> None:
    svc = RecommendationService.fit(shop.batch.products, shop.batch.events, RecsConfig(encoder=None))
    folder = svc.save(tmp_path / "recs")
    user = str(svc.data.user_ids[0])
    code = (
        "from shopmind.recommend.service import RecommendationService as R\n"
        f"s = R.load({str(folder)!r})\n"
        f"s.record([{{'user_id': {user!r}, 'item_id': {str(svc.catalog.ids[3])!r}, 'type': 'view'}}])\n"
        f"assert len(s.for_user({user!r}, 10)) == 10"
    )
    assert "implicit" not in imported_after(code)


def test_a_pickled_als_keeps_its_factors_and_folds_users_in(shop) -> None:
    data = Interactions.from_events(shop.batch.events)
    als = ALS(16, 0.05, 10).fit(data)
    rows = np.array([1, 5, 9])
    users = np.array([0, 3, -1])
    loaded = pickle.loads(pickle.dumps(als))
    assert isinstance(loaded.model, FittedFactors)
    np.testing.assert_array_equal(loaded.score(users), als.score(users))
    # implicit folds in by 3 conjugate-gradient steps, the loaded model solves exactly
    assert np.corrcoef(loaded.fold_in(rows), als.fold_in(rows))[0, 1] > 0.999
    assert isinstance(pickle.loads(pickle.dumps(loaded)).model, FittedFactors)


PRODUCTS = pl.DataFrame(
    {"product_id": ["a", "b", "c", "b"], "title": ["A", "B-old", "C", "B"], "price": [1.0, 2.0, None, 2.5]}
)
IDS = st.sampled_from(["a", "b", "c", "d", "e"])


@settings(max_examples=200, deadline=None)
@given(ops=st.lists(st.tuples(st.sampled_from(["set", "pop", "del"]), IDS, st.integers(0, 9)), max_size=25))
def test_product_table_reads_and_writes_like_the_dict_it_replaced(ops) -> None:
    table = ProductTable(PRODUCTS)
    model = {str(r["product_id"]): r for r in PRODUCTS.iter_rows(named=True)}
    for op, pid, n in ops:
        if op == "set":
            table[pid] = model[pid] = {"product_id": pid, "title": f"t{n}"}
        elif op == "pop":
            assert table.pop(pid, None) == model.pop(pid, None)
        else:
            with pytest.raises(KeyError) if pid not in model else contextlib.nullcontext():
                del table[pid]
            model.pop(pid, None)
        assert len(table) == len(model) and sorted(table) == sorted(model)
        for q in ("a", "b", "c", "d", "e"):
            assert (q in table) == (q in model) and table.get(q) == model.get(q)
    assert dict(table.items()) == model
