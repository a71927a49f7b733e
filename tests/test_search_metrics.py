import math

import pytest

from shopmind.search.metrics import dcg, mean, mrr_at_k, ndcg_at_k, recall_at_k

GRADES = {"a": 3.0, "b": 2.0, "c": 1.0, "d": 1.0}  # Home Depot-like scale 1..3


def test_ndcg_hand_computed():
    # ranking b, x(unjudged), a ; gains b=1, x=0, a=2
    got = 1 / math.log2(2) + 0 + 2 / math.log2(4)  # 1 + 0 + 1 = 2
    ideal = 2 / math.log2(2) + 1 / math.log2(3)  # a, b, then c/d gain 0
    assert ndcg_at_k(["b", "x", "a"], GRADES, 10, 1.0) == pytest.approx(got / ideal)
    assert ndcg_at_k(["a", "b", "c"], GRADES, 10, 1.0) == pytest.approx(1.0)


def test_ndcg_cutoff_and_ideal_from_judged_set():
    # k=1: only the first position counts, ideal is the best judged gain
    assert ndcg_at_k(["b", "a"], GRADES, 1, 1.0) == pytest.approx(0.5)
    # nothing above the minimum grade: undefined
    assert ndcg_at_k(["c"], {"c": 1.0}, 10, 1.0) is None
    # gain uses the scale minimum, not the lowest observed grade
    assert ndcg_at_k(["x", "c"], {"c": 1.0}, 10, 0.0) == pytest.approx(1 / math.log2(3))


def test_dcg():
    assert dcg([3, 2]) == pytest.approx(3 + 2 / math.log2(3))


def test_recall_and_mrr():
    grades = {"a": 3.0, "b": 2.33, "c": 2.0, "d": 1.0}
    assert recall_at_k(["c", "b", "x"], grades, 100, 2.33) == pytest.approx(0.5)
    assert recall_at_k(["c", "b", "a"], grades, 2, 2.33) == pytest.approx(0.5)
    assert recall_at_k(["a"], {"a": 1.0}, 10, 2.33) is None
    assert mrr_at_k(["c", "x", "b"], grades, 10, 2.33) == pytest.approx(1 / 3)
    assert mrr_at_k(["c", "x", "b"], grades, 2, 2.33) == 0.0
    assert mrr_at_k(["a"], {"a": 1.0}, 10, 2.33) is None


def test_mean_skips_undefined():
    assert mean([1.0, None, 0.0]) == (0.5, 2)
    m, n = mean([None])
    assert math.isnan(m) and n == 0
