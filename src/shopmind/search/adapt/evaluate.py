"""The adapted encoder as ``shopmind evaluate search`` methods (issue 12, search measures).

Protocol (``training_queries``): the adapter is trained on the evaluator's tuning half only
(md5(query) last hex digit even, ``evaluate.tuning_half``) minus any query whose normalised
text equals a held-out one; its settings are chosen on a validation split of those training
queries (``model.fit_adapter``). The figure to quote is the **held-out half**, which no
adapter saw. Methods:

- ``dense-e5+adapt``: exact dense retrieval with adapted query vectors (product vectors are
  the frozen, cached ones);
- ``hybrid-e5+adapt``: BM25F + adapted dense, linear/RRF fusion chosen on the tuning half;
- ``fusion-e5+adapt+ltr``: the full pipeline — the LightGBM re-ranker over the adapted
  fusion, scored out of fold as ``fusion-e5+ltr`` (the model that scores a query never
  trained on it; its features read the adapted cosine).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from shopmind.search.adapt.model import FitResult, PairSet, QueryAdapter, fit_adapter, pairs_from_grades
from shopmind.search.eval_data import VIEWS
from shopmind.search.evaluate import DEFAULT_VECTORS, DenseMethod, Hybrid, tuning_half
from shopmind.search.ltr.features import normalise_query

if TYPE_CHECKING:
    from shopmind.search.dense_encoders import Encoder
    from shopmind.search.evaluate import EvalData

PROTOCOL = (
    "query adapter trained on the tuning half only (md5(query) last hex digit even, minus queries whose "
    "normalised text is a held-out one), settings chosen on a validation split of those; quote the held-out half"
)


def training_queries(queries: Sequence[str]) -> tuple[list[str], list[str]]:
    """(training, reported) queries: the tuning half, minus any query equal (normalised) to
    a reported one; the reported (held-out) half. The two never share a query."""
    held = [q for q in queries if not tuning_half(q)]
    held_norm = {normalise_query(q) for q in held}
    train = [q for q in queries if tuning_half(q) and normalise_query(q) not in held_norm]
    return train, held


#: fitted adapters by content key (``fit_once``); a few entries, one per dataset/encoder in a run
_FITS: dict[str, FitResult] = {}
_MAX_FITS = 8


def fit_once(qvecs: Mapping[str, np.ndarray], P: np.ndarray, pairs: PairSet) -> FitResult:
    """``fit_adapter``, run once per distinct input in a process. Why: ``dense-e5+adapt``,
    ``hybrid-e5+adapt`` and ``fusion-e5+adapt+ltr`` in one evaluation train on the same
    training queries, vectors and judgments; training is seeded, so the three fits were equal
    and cost three times the CPU (~250 s each on the 500-query Home Depot sample, loaded). The
    key hashes everything the fit reads, including the fit function (and its settings grid)."""
    h = hashlib.sha1(np.ascontiguousarray(P, dtype=np.float32).tobytes())
    h.update(np.vstack([qvecs[q] for q in pairs.queries]).astype(np.float32).tobytes())
    h.update(repr((pairs.queries, sorted(pairs.positives.items()), sorted(pairs.negatives.items()))).encode())
    h.update(repr(sorted((q, sorted(g.items())) for q, g in pairs.grades.items())).encode())
    h.update(repr(fit_adapter).encode())
    key = h.hexdigest()
    if key not in _FITS:
        if len(_FITS) >= _MAX_FITS:
            _FITS.pop(next(iter(_FITS)))
        _FITS[key] = fit_adapter(qvecs, P, pairs)
    return _FITS[key]


class AdaptedDense(DenseMethod):
    """``DenseMethod`` whose query vectors go through a ``QueryAdapter`` once ``tune`` has
    trained one (before that: the frozen encoder)."""

    def __init__(
        self,
        encoder: str | Encoder = "e5",
        vectors: Path | str | None = DEFAULT_VECTORS,
        name: str | None = None,
    ):
        spec = encoder if isinstance(encoder, str) else encoder.name
        super().__init__(encoder, vectors, name or f"dense-{spec}+adapt")
        self.adapter: QueryAdapter | None = None
        self.fit_result: FitResult | None = None

    def frozen_qvec(self, query: str) -> np.ndarray:
        return super().qvec(query)

    def qvec(self, query: str) -> np.ndarray:
        v = self.frozen_qvec(query)
        # the identity is the frozen encoder, bit for bit (re-normalising moved the last float
        # bits, enough to shift the re-ranker's out-of-fold figure by 0.002 on Home Depot)
        return v if self.adapter is None or self.adapter.is_identity else self.adapter.apply(v)

    def train(self, data: EvalData, queries: Sequence[str]) -> dict[str, object]:
        """Fit the adapter on the training queries' judgments (never the reported ones)."""
        assert self.index is not None
        train, held = training_queries(queries)
        pairs = pairs_from_grades(data.qrels, self.index.pos, data.threshold, data.min_grade, train)
        qvecs = {q: self.frozen_qvec(q) for q in pairs.queries}
        self.fit_result = fit_once(qvecs, self.index.vectors, pairs)
        self.adapter = self.fit_result.adapter
        rep = dict(self.fit_result.report)
        rep.pop("history", None)
        return {
            "protocol": PROTOCOL,
            "training_queries": len(train),
            "reported_queries": len(held),
            "chosen": {"adapter": rep.get("kept"), "rank": rep["params"]["rank"]},  # type: ignore[index]
            "adapter": rep,
        }

    def tune(self, data: EvalData, queries: Sequence[str]) -> dict[str, object]:
        return self.train(data, queries)


class AdaptedHybrid(Hybrid):
    """``Hybrid`` over an ``AdaptedDense``: the adapter is trained first, then the fusion
    kind and weight are chosen on the same tuning half."""

    def __init__(self, encoder: str = "e5", vectors: Path | str | None = DEFAULT_VECTORS) -> None:
        super().__init__(encoder, vectors, name=f"hybrid-{encoder}+adapt")
        self.dense = AdaptedDense(encoder, vectors)

    def tune(self, data: EvalData, queries: Sequence[str]) -> dict[str, object]:
        adapt = self.dense.train(data, queries)  # type: ignore[attr-defined]
        out = super().tune(data, queries)
        out["adapter"] = adapt["adapter"]
        out["protocol_adapter"] = PROTOCOL
        return out


def adapted_ltr(encoder: str | Encoder = "e5", vectors: Path | str | None = DEFAULT_VECTORS):  # noqa: ANN201
    """``fusion-<encoder>+adapt+ltr``: ``LTREval`` whose dense part is an ``AdaptedDense``
    trained (tuning half) before the out-of-fold LTR runs."""
    from shopmind.search.ltr import LTREval

    class AdaptedLTR(LTREval):
        def tune(
            self, data: EvalData, queries: Sequence[str], views: Sequence[str] = VIEWS
        ) -> dict[str, object]:
            adapt = self.dense.train(data, queries)  # type: ignore[union-attr]
            out = super().tune(data, queries, views)
            out["protocol"] = f"{out.get('protocol', '')}; {PROTOCOL}"
            out["adapter"] = adapt["adapter"]
            return out

    m = AdaptedLTR("fusion", vectors, encoder)
    m.dense = AdaptedDense(encoder, vectors)
    m.name = f"fusion-{encoder if isinstance(encoder, str) else encoder.name}+adapt+ltr"
    return m
