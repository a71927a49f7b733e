"""Product text vectors encoded on Spark executors equal the single-node encoder's, and land in
the vector cache a single-node build reads (issue 11, item 2).

Real Spark on ``local[2]``; skipped only when pyspark or Java is absent. The USE encoder keeps
the test fast; the demo catalog has Chinese and English titles.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.search.dense import USEEncoder, VectorCache, passage_text, text_key

NOW = datetime(2026, 12, 3, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo():
    from shopmind.demo.generator import generate
    from shopmind.quality.gate import run_gate

    shop = generate(seed=7, n_products=150, n_users=60, days=5, defect_rate=0.02, end=NOW)
    return run_gate(shop.batch, GateConfig(), None, now=NOW)


def _texts(products: pl.DataFrame) -> list[str]:
    return [passage_text(t, d) for t, d in products.select("title", "description").iter_rows()]


def test_spark_vectors_equal_single_node_and_fill_the_cache(spark, demo, tmp_path: Path) -> None:
    """Every distinct passage text is encoded once on the executors; the vectors equal the
    single-node encoder's to float tolerance (Chinese titles included); a second run finds
    them all cached and encodes nothing."""
    from shopmind.engine.spark.gate import to_spark_frame
    from shopmind.engine.spark.vectors import cache_product_vectors

    products = demo.tables["products"].accepted
    texts = [t for t in _texts(products) if t]
    distinct = list(dict.fromkeys(texts))
    assert any("\u4e00" <= c <= "\u9fff" for t in distinct for c in t)  # Chinese titles are there
    frame = to_spark_frame(spark, products.select("product_id", "title", "description"))
    got = cache_product_vectors(spark, frame, "use", tmp_path / "cache", partitions=3)
    assert got["cached_before"] == 0 and got["encoded"] == len(distinct) > 100

    enc = USEEncoder()
    want = enc.encode_passages(distinct)
    cache = VectorCache(tmp_path / "cache")
    assert cache.count(enc.name, enc.dim) == len(distinct)
    on_spark = cache.get_or_encode(enc.name, enc.dim, distinct, lambda b: pytest.fail(f"encoded {len(b)}"))
    np.testing.assert_allclose(on_spark, want, atol=2e-6)
    assert np.allclose(np.linalg.norm(on_spark, axis=1), 1.0, atol=1e-5)

    again = cache_product_vectors(spark, frame, "use", tmp_path / "cache")
    assert again["cached_before"] == len(distinct) and again["encoded"] == 0


def test_only_missing_texts_are_encoded(spark, demo, tmp_path: Path) -> None:
    """Texts the cache holds already are not sent to the executors; the cache keeps its rows
    and gains the rest."""
    from shopmind.engine.spark.gate import to_spark_frame
    from shopmind.engine.spark.vectors import cache_product_vectors

    products = demo.tables["products"].accepted
    distinct = list(dict.fromkeys(t for t in _texts(products) if t))
    enc = USEEncoder()
    VectorCache(tmp_path / "c").passages(enc, distinct[:40])
    frame = to_spark_frame(spark, products.select("title", "description"))
    got = cache_product_vectors(spark, frame, "use", tmp_path / "c")
    assert got["cached_before"] == 40 and got["encoded"] == len(distinct) - 40
    cache = VectorCache(tmp_path / "c")
    assert cache.count(enc.name, enc.dim) == len(distinct)
    # the 40 rows cached before keep their place: the appended rows follow them
    assert cache._rows[enc.name][text_key(distinct[0])] == 0


def test_unknown_encoder_is_named(spark, demo) -> None:
    from shopmind.engine.spark.gate import to_spark_frame
    from shopmind.engine.spark.vectors import cache_product_vectors

    frame = to_spark_frame(spark, demo.tables["products"].accepted.select("title"))
    with pytest.raises(ValueError, match="encoder: 'static' cannot run on Spark"):
        cache_product_vectors(spark, frame, "static", "/nonexistent")


def test_train_job_vectors_then_single_node_build_encodes_nothing(spark, demo, tmp_path: Path) -> None:
    """``train_job.py --vectors use`` fills ``<workspace>/cache``; the search engine a build makes
    with ``[search] encoder = "use"`` from that cache encodes 0 passages (hits = products)."""
    from shopmind.engine.spark import train_job
    from shopmind.quality.gate import publish
    from shopmind.search.engine import SearchConfig, SearchEngine
    from shopmind.store.store import Store

    ws = tmp_path / "ws"
    with Store(ws) as store:
        publish(demo, store, GateConfig(), "", force=True)
        products = store.table("products")
    args = ["-w", str(ws), "--out", str(tmp_path / "recs"), "--no-content", "--vectors", "use"]
    assert train_job.main(args) == 0
    engine = SearchEngine.build(
        products, None, SearchConfig(encoder="use", understand=False), cache_dir=ws / "cache"
    )
    assert engine.vectors is not None and engine.vectors.shape == (len(engine.catalog.frame), USEEncoder.dim)
    assert engine.cache.stats["encoded"] == 0
    assert engine.cache.stats["hits"] == engine.catalog.frame.height == products["product_id"].n_unique()
