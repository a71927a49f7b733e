"""Shop-tuned query adapter over the frozen bundled encoders (issue 12 item 1).

- ``model``: ``QueryAdapter`` (``q' = normalise(q + U Vᵀ q)``), its numpy training
  (InfoNCE, in-batch + hard negatives, early stopping on validation) and ``fit_adapter``
  (settings chosen on a validation split of the training queries).
- ``evaluate``: ``dense-e5+adapt``, ``hybrid-e5+adapt``, ``fusion-e5+adapt+ltr`` for
  ``shopmind evaluate search`` (trained on the tuning half, quoted on the held-out half).
- ``release``: the adapter as a release component, trained from the store's search clicks.
- ``twosided``: maps on the product vectors too (versioned product vectors) and hard negatives
  from any first stage (BM25's top-k); measured side by side in ``bench/adapter_variants.py``.
- ``scoring``: dense retrieval NDCG@10 per query and the significance guard, shared by all.
- ``minilm`` / ``finetune`` (optional ``torch`` extra, English only): the packaged MiniLM loaded
  offline as an ``Encoder``, and its fine-tuning (full or last layers) on (query, relevant
  product) pairs with in-batch + hard negatives, early-stopped and guarded on validation;
  measured beside the adapter in ``bench/adapter_finetune.py``. Not imported here (torch).
"""

from shopmind.search.adapt.model import (
    AdapterParams,
    FitResult,
    PairSet,
    QueryAdapter,
    fit_adapter,
    pairs_from_grades,
    query_split,
    retrieval_ndcg,
    train_adapter,
)

__all__ = [
    "AdapterParams",
    "FitResult",
    "PairSet",
    "QueryAdapter",
    "fit_adapter",
    "pairs_from_grades",
    "query_split",
    "retrieval_ndcg",
    "train_adapter",
]
