"""Which of the first two sections of one topic a question asks for, learned from the shop's
labelled policy questions (round 20's candidate "pair_tiebreak", ``PolicyIndex.learn_pair``).

Why: the largest kind of wrong fact on the dev sets is the right topic with the wrong section
(warranty period vs how to claim, the return window vs worn items or exchanges, who pays the
return postage answered from free delivery). The ordering adds its signals (BM25 relative to the
best, the section model, the dense z-score, the labelled examples) with weights chosen for every
question over every topic; telling two sections of one topic apart may weigh them otherwise (the
sections of one topic share their words, so BM25 says less there and the section's own heading
more). The weights are not typed in: a logistic regression without intercept on the difference
of the two sections' signals (``PolicyIndex.components``, the heading BM25 as a fifth) learns
them from the labelled questions whose two best sections are of one topic, one of them the
labelled one - each question's signals read *out of fold* (``FOLDS`` contiguous blocks: the
section model and the labelled examples learnt without the block), since in fold the labelled
parts have seen the question and would teach the model to trust them. At a turn, when the two
best sections are of one topic, the second goes first when the model gives it the higher
probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from shopmind.assistant.policy import PolicyIndex

#: contiguous blocks of the labelled questions; each block's signals are read with the learnt
#: parts fitted on the others
FOLDS = 5
#: fewest confusable questions (two best of one topic, one of them labelled) to learn from
MIN_PAIRS = 20
#: L2 penalty of the logistic regression (on the weights; the signals are of order 1)
L2 = 1.0


class PairTieBreak:
    """P(the second section is the asked one) = sigmoid(w . (signals2 - signals1))."""

    def __init__(self, weights: Sequence[float], pairs: int) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)
        #: confusable questions it was learned from
        self.pairs = pairs

    def prefers_second(self, first: Sequence[float], second: Sequence[float]) -> bool:
        """Whether the second section is the likelier answer of the two."""
        d = np.asarray(second, dtype=np.float64) - np.asarray(first, dtype=np.float64)
        return float(self.weights @ d) > 0.0


def fit_weights(diffs: np.ndarray, l2: float = L2, iters: int = 50) -> np.ndarray:
    """Logistic regression without intercept (Newton steps, deterministic) on ``diffs`` (rows:
    signals of the labelled section less the other's, label 1) and their mirror (label 0)."""
    x = np.vstack([diffs, -diffs]).astype(np.float64)
    y = np.concatenate([np.ones(len(diffs)), np.zeros(len(diffs))])
    w = np.zeros(x.shape[1])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + l2 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return w


def confusable_diffs(index: PolicyIndex, pairs: Sequence[tuple[str, str]], folds: int = FOLDS) -> np.ndarray:
    """Rows of (labelled section's signals - the other's) for the labelled questions whose two
    best sections, ordered with the learnt parts fitted without their block, are of one topic and
    one of them is the labelled one."""
    from shopmind.assistant.policy import ordering_score
    from shopmind.assistant.section_model import SectionModel

    n = len(pairs)
    labelled_model = index.model is not index._seed_model
    rows: list[list[float]] = []
    edges = np.linspace(0, n, min(folds, n) + 1).astype(int)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        train = [p for i, p in enumerate(pairs) if not a <= i < b]
        keep = np.array([not a <= i < b for i in range(n)])
        model = SectionModel(list(index.sections.values()), train) if labelled_model else index._seed_model
        ex = index._examples
        examples = None if ex is None or len(ex[1]) != n else (ex[0], ex[1][keep], ex[2][keep])
        for text, sid in pairs[a:b]:
            hits = index.bm25.rank(text, len(index.sections)) if index.bm25 is not None else []
            if len(hits) < 2:
                continue
            comp = index.components(text, hits, model, examples, heads=True)
            first, second = sorted(comp, key=lambda s: -ordering_score(comp[s]))[:2]
            if index.topic(first) != index.topic(second) or sid not in (first, second):
                continue
            other = second if sid == first else first
            rows.append([x - y for x, y in zip(comp[sid], comp[other], strict=True)])
    return np.asarray(rows, dtype=np.float64).reshape(-1, 5)


def learn(index: PolicyIndex, pairs: Sequence[tuple[str, str]]) -> PairTieBreak | None:
    """The tie-break learned from ``pairs`` ((text, section id), the labelled policy questions the
    index's learnt parts were fitted on); None with fewer than ``MIN_PAIRS`` confusable ones."""
    diffs = confusable_diffs(index, pairs)
    if len(diffs) < MIN_PAIRS:
        return None
    return PairTieBreak(fit_weights(diffs), len(diffs))
