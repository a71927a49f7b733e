"""bench/search_ltr_round24.py: the switches' feature values on hand-made products and queries,
the candidate-list switch, and the paired pass rule (the figures in BENCHMARKS come from these)."""

import math
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from search_ltr_round24 import EXTRA, PRF, Bench, extra_features, paired  # noqa: E402
from shopmind.search.lexical import LexicalIndex  # noqa: E402
from shopmind.search.ltr.features import FEATURES, F, FeatureExtractor  # noqa: E402

PRODUCTS = pl.DataFrame(
    {
        "product_id": ["1", "2", "3", "4"],
        "title": ["Ryobi 18V cordless drill", "cordless drill 12V", "desk lamp", "1/2 in. copper pipe"],
    }
)
N = 4


def _idf(df: int) -> float:
    return math.log1p((N - df + 0.5) / (df + 0.5))


@pytest.fixture(scope="module")
def extractor() -> FeatureExtractor:
    idx = LexicalIndex()
    idx.upsert(PRODUCTS)
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]], dtype=np.float32)
    dense = SimpleNamespace(vectors=vectors, pos={p: i for i, p in enumerate(PRODUCTS["product_id"])})
    return FeatureExtractor(idx, PRODUCTS, dense)


def test_extra_features_by_hand(extractor: FeatureExtractor) -> None:
    X = extra_features(extractor, "18v drill", ["1", "2", "3"])
    assert X.shape == (3, len(EXTRA))
    col = {n: X[:, j] for j, n in enumerate(EXTRA)}
    i18, idrill = _idf(1), _idf(2)  # "18v" in product 1 only, "drill" in 1 and 2
    total = i18 + idrill
    assert col["idf_cover_any"] == pytest.approx([1.0, idrill / total, 0.0])
    assert col["idf_cover_title"] == pytest.approx([1.0, idrill / total, 0.0])
    # the rarest term a product lacks: none for 1, "18v" for 2, "18v" (rarer than "drill") for 3
    assert col["miss_idf_max"] == pytest.approx([0.0, i18, i18])
    # the query's one number token "18v": present in 1 only
    assert col["num_title"].tolist() == [1.0, 0.0, 0.0]
    assert col["num_any"].tolist() == [1.0, 0.0, 0.0]


def test_extra_features_measurements_and_unknown_terms(extractor: FeatureExtractor) -> None:
    X = extra_features(extractor, "1/2 in. pipe", ["4", "3"])
    assert X[:, EXTRA.index("num_title")].tolist() == [1.0, 0.0]  # "1/2 in." -> "1/2in" on both sides
    # no number in the query: the number columns are missing (NaN), not 0
    X = extra_features(extractor, "desk lamp", ["3"])
    assert np.isnan(X[0, EXTRA.index("num_title")]) and np.isnan(X[0, EXTRA.index("num_any")])
    assert X[0, EXTRA.index("idf_cover_any")] == pytest.approx(1.0)
    # a term no product has weighs the idf of df = 0 and is missing from every product
    X = extra_features(extractor, "drill zzqx", ["1"])
    unknown = math.log1p((N + 0.5) / 0.5)
    assert X[0, EXTRA.index("idf_cover_any")] == pytest.approx(_idf(2) / (_idf(2) + unknown))
    assert X[0, EXTRA.index("miss_idf_max")] == pytest.approx(unknown)
    assert extra_features(extractor, "drill", []).shape == (0, len(EXTRA))


def _bench(extractor: FeatureExtractor, ids: list[str], depth: int) -> Bench:
    """A Bench over a hand-made first stage (no dataset): what ``cands`` and ``prf_features`` read."""
    b = object.__new__(Bench)
    X = extractor.features("cordless drill", ids, np.array([1.0, 0.0], dtype=np.float32), alpha=0.0)
    b.stage = {"q": (ids, X)}
    b.extra = {"q": extra_features(extractor, "cordless drill", ids)}
    b.depth = depth
    b.m = SimpleNamespace(extractor=extractor)
    return b


def test_prf_features_centroid_of_the_head(extractor: FeatureExtractor) -> None:
    b = _bench(extractor, ["1", "2", "3", "4"], depth=4)
    out = b.prf_features(["1", "2", "3", "4"], k=2)
    c = np.array([1.8, 0.6]) / np.linalg.norm([1.8, 0.6])  # centroid of products 1 and 2
    want = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]]) @ c
    assert out[:, 0] == pytest.approx(want, rel=1e-6)
    assert out[:, 1] == pytest.approx(want - want.max(), abs=1e-6)


def test_switches_change_the_candidates_and_columns(extractor: FeatureExtractor) -> None:
    b = _bench(extractor, ["3", "2", "1", "4"], depth=2)
    # fused order at alpha 0 = BM25F: 1 (both terms, "cordless" + "drill" in a 4-term title) or 2 first
    ids, X = b.cands("q", 0.0, union=False, feats=False)
    assert len(ids) == 2 and set(ids) == {"1", "2"} and X.shape == (2, len(FEATURES))
    assert X[:, F["fusion_rank"]].tolist() == [1.0, 2.0]
    ids_u, X_u = b.cands("q", 0.0, union=True, feats=True, prf=True)
    assert ids_u[:2] == ids and len(ids_u) == 4
    assert X_u.shape == (4, len(FEATURES) + len(EXTRA) + len(PRF))
    assert X_u[:, len(FEATURES) + EXTRA.index("idf_cover_any")].tolist()[2:] == [0.0, 0.0]


def test_paired_pass_rule() -> None:
    base = {f"q{i}": {"ndcg": 0.5} for i in range(100)}
    big = {f"q{i}": {"ndcg": 0.5 + (0.02 if i % 2 else 0.01)} for i in range(100)}
    noisy = {f"q{i}": {"ndcg": 0.5 + (0.3 if i % 2 else -0.29)} for i in range(100)}
    got = paired(base, big)
    assert got["gain"] == pytest.approx(0.015) and got["pass"] is True and got["queries"] == 100
    got = paired(base, noisy)
    assert got["gain"] == pytest.approx(0.005) and got["se"] > 0.0025 and got["pass"] is False
    # queries without a gain (ideal DCG 0: ndcg None) and bookkeeping keys are left out
    base["q_none"] = {"ndcg": None}
    base["_train_seconds"] = {"v": 1.0}
    assert paired(base, big)["queries"] == 100
