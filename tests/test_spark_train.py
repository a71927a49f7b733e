"""Training on Spark gives the single-node models (issue 11, item 2).

One Spark session for the module. The demo shop checks the whole ``recs/`` artefact (every
part Spark trains, saved and loaded as a release loads it); Online Retail checks co-visitation
top-20 lists row by row and Spark ALS against ``implicit`` ALS on the published time split.
Skipped only when pyspark or Java is absent (or the shared data, for the Online Retail tests).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from shopmind.config import GateConfig
from shopmind.recommend.base import EVENT_WEIGHTS, Interactions
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.service import RecommendationService

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
RETAIL = DATA / "online-retail" / "online_retail.csv.gz"
NOW = datetime(2026, 12, 3, tzinfo=UTC)


def top_lists(m: sp.csr_matrix, k: int = 20) -> list[list[int]]:
    """Each row's k strongest columns, ties by column (the order a request reads them in)."""
    m = m.tocsr()
    out = []
    for r in range(m.shape[0]):
        s, e = m.indptr[r], m.indptr[r + 1]
        cols, vals = m.indices[s:e], m.data[s:e]
        out.append(cols[np.lexsort((cols, -vals))][:k].tolist())
    return out


def test_covisit_totals_are_exact_sums() -> None:
    """Single-node co-visitation summed its float32 terms in float32, in whatever order scipy
    met them: a total came out some ulps off (4.0 + 13 x 3.2 gave 45.600006, not 45.600002), so
    exact ties were ordered by rounding noise (53 of 3,665 Online Retail items had another top-20
    than the exact sums). Each total is now the exact sum, rounded once."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    rows = []
    for u in range(14):  # item A follows X once at lag 1 and 13 times at lag 2
        seq = ["X", "A"] if u == 0 else ["X", "pad", "A"]
        for j, item in enumerate(seq):
            rows.append({"user_id": f"u{u}", "item_id": item, "type": "purchase", "timestamp": t0 + j})
    events = pl.DataFrame(rows).with_columns(pl.from_epoch("timestamp", "s").dt.replace_time_zone("UTC"))
    data = Interactions.from_events(events)
    m = CoVisitation(window=2).pair_matrix(data)
    x, a = (int(np.flatnonzero(data.item_ids == n)[0]) for n in ("X", "A"))
    lag2 = np.float32(np.float32(0.8) * np.float32(4.0))
    assert m[x, a] == np.float32(4.0 + 13 * float(lag2)) == np.float32(45.600002)


# --- on Spark ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    from shopmind.demo.generator import generate
    from shopmind.quality.gate import run_gate

    shop = generate(seed=11, n_products=300, n_users=120, days=10, defect_rate=0.02, end=NOW)
    result = run_gate(shop.batch, GateConfig(), None, now=NOW)
    return result.tables["products"].accepted, result.tables["events"].accepted, result


def test_spark_train_job_writes_the_single_node_recs_artefact(spark, demo, tmp_path: Path) -> None:
    """``train_job.py`` (what spark-submit runs) on a workspace: the saved ``recs/`` folder loads
    as a release loads it, and its co-visitation, bought-together and popularity are the
    single-node numbers; its ALS factors are MLlib's, aligned to the same rows and columns."""
    from shopmind.engine.spark import train_job
    from shopmind.quality.gate import publish
    from shopmind.recommend.config import RecsConfig
    from shopmind.store.store import Store

    result = demo[2]
    ws = tmp_path / "ws"
    with Store(ws) as store:
        publish(result, store, GateConfig(), "", force=True)
        products, events = store.table("products"), store.table("events")
    single = RecommendationService.fit(products, events, RecsConfig(encoder=None))
    assert train_job.main(["-w", str(ws), "--out", str(tmp_path / "recs"), "--no-content"]) == 0
    on_spark = RecommendationService.load(tmp_path / "recs")
    assert "trained_elsewhere_s" in on_spark.timings
    # co-visitation, bought-together and popularity: the same numbers
    assert (on_spark.covisit != single.covisit).nnz == 0 and single.covisit.nnz > 100
    assert (on_spark.cobought != single.cobought).nnz == 0 and single.cobought.nnz > 10
    for name in ("popularity", "trending"):
        a, b = single.generators[name].item_scores, on_spark.generators[name].item_scores
        np.testing.assert_allclose(b, a, rtol=1e-6)
        assert a.max() > 0
    # ALS: MLlib factors of the right shape, aligned to the same rows and columns
    assert on_spark.user_factors.shape == single.user_factors.shape
    assert on_spark.item_factors.shape == single.item_factors.shape
    assert np.abs(on_spark.item_factors).sum() > 0
    # the loaded artefact answers, and co-visitation neighbours read the same
    user = str(single.data.user_ids[0])
    assert len(on_spark.for_user(user, k=10)) == 10
    item = str(single.data.item_ids[int(single.covisit.getnnz(axis=1).argmax())])
    assert [r.item_id for r in on_spark.similar_items(item, k=5)] == [
        r.item_id for r in single.similar_items(item, k=5)
    ]
    assert train_job.main(["-w", str(tmp_path / "none"), "--out", str(tmp_path / "x")]) == 2


def test_bm25_statistics_equal_the_index(spark, demo) -> None:
    """Document frequencies, field lengths and N of the bilingual demo catalog (jieba on the
    executors for the Chinese titles) equal those of the search index built on it."""
    from shopmind.engine.spark.gate import to_spark_frame
    from shopmind.engine.spark.text import Bm25Stats, bm25_stats
    from shopmind.search.lexical import LexicalIndex

    products = demo[0]
    index = LexicalIndex()
    index.upsert(products)
    want = Bm25Stats.of_index(index)
    got = bm25_stats(to_spark_frame(spark, products.with_row_index("_order")), order="_order")
    assert got.n_docs == want.n_docs == products["product_id"].n_unique()
    assert got.df == want.df and len(want.df) > 200
    assert any(len(t) == 1 and "\u4e00" <= t <= "\u9fff" for t in got.df) or any(
        "\u4e00" <= t[0] <= "\u9fff" for t in got.df
    )
    assert got.total_len == want.total_len
    assert got.lengths.equals(want.lengths)


@pytest.fixture(scope="module")
def retail_events() -> pl.DataFrame:
    if not RETAIL.exists():
        pytest.skip(f"{RETAIL} not present")
    from shopmind.data.adapters import get_adapter
    from shopmind.quality.gate import run_gate

    batch = get_adapter("online-retail").load(RETAIL.parent)
    return run_gate(batch, GateConfig(), None, now=datetime(2012, 1, 1, tzinfo=UTC)).tables["events"].accepted


def test_online_retail_covisit_top20_identical(spark, retail_events: pl.DataFrame) -> None:
    from shopmind.engine.spark.train import covisitation, events_frame, indexed

    data = Interactions.from_events(retail_events)
    single = CoVisitation().fit(data).neighbours_matrix
    ev = indexed(spark, events_frame(spark, retail_events), data, EVENT_WEIGHTS)
    on_spark = covisitation(ev, data).neighbours_matrix
    a, b = top_lists(single), top_lists(on_spark)
    assert len(a) == data.n_items > 3000
    assert sum(len(x) == 20 for x in a) > 2000  # not vacuous: most items have 20 partners
    assert a == b
    assert (single != on_spark).nnz == 0  # and the same weights


def test_online_retail_spark_als_recall_within_5pct_of_implicit(spark, retail_events: pl.DataFrame) -> None:
    """The published time split (fit before 2011-11-01, relevant = next-period purchases of
    warm customers, all items ranked): MLlib ALS and ``implicit`` ALS with the same factors,
    iterations and alpha, trained in this run on the same interactions."""
    from shopmind.engine.spark.train import als, events_frame, indexed
    from shopmind.recommend.als import ALS
    from shopmind.recommend.evaluate import prepare, ranked_lists
    from shopmind.recommend.metrics import all_metrics
    from shopmind.recommend.protocols import RETAIL_CUT, RETAIL_VALID_CUT, time_split

    split = time_split(retail_events, RETAIL_CUT, RETAIL_VALID_CUT)
    phase = prepare(split.test, split.items, None)

    def recall20(gen: ALS) -> float:
        shown, _ = ranked_lists(gen, phase, 20)
        return all_metrics(shown, phase.truth, (20,))["recall@20"]

    ours = recall20(ALS().fit(phase.data))
    ev = indexed(spark, events_frame(spark, split.test.fit), phase.data, EVENT_WEIGHTS)
    theirs = recall20(als(ev, phase.data, ALS()))
    assert ours > 0.05  # a real model, not popularity noise
    assert abs(theirs - ours) <= 0.05 * ours, (ours, theirs)
