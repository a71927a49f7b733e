"""Ranking metrics over graded judgments, with the exact formulas stated.

- NDCG@k: ``DCG = sum_{r=1..k} gain(d_r) / log2(r + 1)`` with ``gain = grade - min_grade``
  (``min_grade`` is the bottom of the dataset's judgment scale, so its least relevant grade
  gains 0), unjudged products gain 0, and the ideal DCG is that of the query's *judged*
  products sorted by gain. A query whose ideal DCG is 0 (nothing judged above the minimum)
  has no NDCG (``None``) and is left out of the mean.
- Recall@k: share of the query's products with ``grade >= threshold`` found in the top k
  (``None`` when the query has none).
- MRR@k: ``1 / rank`` of the first product with ``grade >= threshold`` in the top k, 0 if none
  is there (``None`` when the query has no such product).

Relevance thresholds used by the evaluator: Home Depot 2.33 (its SOURCE.md), CrowdFlower 3
(of 1-4), QBQTC 1 (of 0-2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

_EPS = 1e-9


def dcg(gains: Sequence[float]) -> float:
    return float(sum(g / math.log2(r + 2) for r, g in enumerate(gains)))


def ndcg_at_k(ranked: Sequence[str], grades: Mapping[str, float], k: int, min_grade: float) -> float | None:
    ideal = dcg(sorted((g - min_grade for g in grades.values()), reverse=True)[:k])
    if ideal <= 0:
        return None
    got = dcg([grades[p] - min_grade if p in grades else 0.0 for p in ranked[:k]])
    return got / ideal


def recall_at_k(ranked: Sequence[str], grades: Mapping[str, float], k: int, threshold: float) -> float | None:
    relevant = {p for p, g in grades.items() if g >= threshold - _EPS}
    if not relevant:
        return None
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def mrr_at_k(ranked: Sequence[str], grades: Mapping[str, float], k: int, threshold: float) -> float | None:
    if not any(g >= threshold - _EPS for g in grades.values()):
        return None
    for r, p in enumerate(ranked[:k], start=1):
        g = grades.get(p)
        if g is not None and g >= threshold - _EPS:
            return 1.0 / r
    return 0.0


def mean(values: Sequence[float | None]) -> tuple[float, int]:
    """Mean of the defined values and how many there were (``nan`` when none)."""
    vals = [v for v in values if v is not None]
    return (float(np.mean(vals)) if vals else float("nan")), len(vals)
