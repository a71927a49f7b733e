"""Metric functions against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from shopmind.recommend.metrics import (
    all_metrics,
    coverage,
    hit_matrix,
    mrr,
    ndcg,
    novelty,
    precision,
    recall,
)

# user 0: relevant {2, 5}; ranked [5, 1, 2, 3]; user 1: relevant {7}; ranked [0, 1, 3, 4]
TOP = np.array([[5, 1, 2, 3], [0, 1, 3, 4]])
REL = sp.csr_matrix((np.ones(3), ([0, 0, 1], [2, 5, 7])), shape=(2, 8))


def test_hit_matrix():
    assert hit_matrix(TOP, REL).tolist() == [[True, False, True, False], [False, False, False, False]]


def test_metrics_by_hand():
    hits = hit_matrix(TOP, REL)
    n_rel = np.array([2, 1])
    assert recall(hits, n_rel, 1) == pytest.approx((1 / 2 + 0) / 2)
    assert recall(hits, n_rel, 3) == pytest.approx((2 / 2 + 0) / 2)
    assert precision(hits, 3) == pytest.approx((2 / 3) / 2)
    assert mrr(hits, 4) == pytest.approx((1.0 + 0) / 2)
    dcg = 1 / math.log2(2) + 1 / math.log2(4)
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg(hits, n_rel, 3) == pytest.approx((dcg / idcg) / 2)
    # k=1: ideal for user 0 is one hit at rank 1
    assert ndcg(hits, n_rel, 1) == pytest.approx(0.5)


def test_single_item_leave_one_out_ndcg():
    # one relevant item at rank 3 -> ndcg = 1/log2(4) = 0.5, hit@2 = 0, hit@3 = 1, mrr = 1/3
    top = np.array([[9, 8, 4, 1]])
    rel = sp.csr_matrix(([1.0], ([0], [4])), shape=(1, 10))
    m = all_metrics(top, rel, ks=(2, 3))
    assert m["ndcg@3"] == pytest.approx(0.5)
    assert m["hit@2"] == 0.0 and m["hit@3"] == 1.0
    assert m["mrr@3"] == pytest.approx(1 / 3)
    assert m["recall@3"] == 1.0


def test_coverage_and_novelty():
    assert coverage(TOP, 8, 2) == pytest.approx(3 / 8)  # items 5, 1, 0
    item_users = np.array([4.0, 2.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    # p = users/4: item 5 -> 1/4 (2 bits), item 1 -> 1/2 (1 bit), item 0 -> 1 (0 bits), item 1 -> 1 bit
    assert novelty(TOP, item_users, 4, 2) == pytest.approx((2 + 1 + 0 + 1) / 4)
