"""Learning to rank: features of (query, product) pairs and a LightGBM lambdarank re-ranker.

Why a learned re-ranker: BM25F and dense cosine each see one kind of evidence; how much a
title-only match, a covered head noun, an exact phrase or a close embedding is worth relative
to the others differs by catalog, and judgments (or click logs) say it better than hand
weights. The ranker re-orders a short candidate list (top 100 of the fusion) so its cost is
bounded by the list, not the catalog.

One job per module, so each reads (and changes) on its own:

- ``features``: ``FEATURES`` and ``FeatureExtractor``; ``folds``: the query-level folds (``fold_of``).
- ``model``: ``LTRModel`` (LightGBM, persistence), ``LTRReranker`` (the engine's entry point)
  and ``grade_labels`` (grades onto the model's label levels).
- ``clicks``: ``click_labels`` from search sessions and ``train_from_clicks``.
- ``fit``: ``fit_engine_reranker``, training at build time and the attach decision.
- ``evaluate``: ``LTREval``, the out-of-fold ``fusion+ltr`` / ``bm25+ltr`` evaluation.

The names below are re-exported so ``from shopmind.search.ltr import X`` keeps working.
"""

from shopmind.search.ltr.clicks import CLICK_COLUMNS, CLICK_GRADES, click_labels, train_from_clicks
from shopmind.search.ltr.evaluate import ALPHAS, LTREval
from shopmind.search.ltr.features import (
    FEATURES,
    POP_TYPES,
    F,
    FeatureExtractor,
    VectorView,
    fold_of,
    normalise_query,
    relative_columns,
    split_folds,
)
from shopmind.search.ltr.fit import (
    HOLDOUT_FOLDS,
    MIN_QUERIES,
    Probe,
    engine_ranking,
    fit_engine_reranker,
    judgment_grades,
    probe,
)
from shopmind.search.ltr.model import (
    DEFAULT_PARAMS,
    DEFAULT_ROUNDS,
    LABEL_LEVELS,
    LTR_FORMAT_VERSION,
    LTRModel,
    LTRReranker,
    grade_labels,
)

__all__ = [
    "ALPHAS",
    "CLICK_COLUMNS",
    "CLICK_GRADES",
    "DEFAULT_PARAMS",
    "DEFAULT_ROUNDS",
    "F",
    "FEATURES",
    "HOLDOUT_FOLDS",
    "LABEL_LEVELS",
    "LTR_FORMAT_VERSION",
    "MIN_QUERIES",
    "POP_TYPES",
    "FeatureExtractor",
    "LTREval",
    "LTRModel",
    "LTRReranker",
    "Probe",
    "VectorView",
    "click_labels",
    "engine_ranking",
    "fit_engine_reranker",
    "fold_of",
    "grade_labels",
    "judgment_grades",
    "normalise_query",
    "probe",
    "relative_columns",
    "split_folds",
    "train_from_clicks",
]
