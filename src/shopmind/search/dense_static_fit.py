"""The static encoder fitted to the catalog at build time (``[search] encoder = "static-fit"``).

Why: the static encoder (``dense_static``) pools e5's vectors of single words; a title's e5
vector is not the mean of its words' vectors, and static lost ~0.011 NDCG@10 to e5 under
fusion + LTR (docs/BENCHMARKS.md, issue 17). As tokenlearn does for model2vec, a small sample
of the catalog's own titles goes through e5 (at most ``max_titles``, the distinct texts with the
smallest sha1: deterministic, independent of row order, and shared with e5's vector cache), and a
linear map from the static vector to e5's (centred) title vector is fitted by ridge regression in
closed form (numpy; the ridge strength by k-fold on the sample itself, never on queries).
Every title and query is then ``normalise(static(text) @ W)``: one vector space for all
products (the sample's own e5 vectors are not mixed in).

The fit is part of the encoder's identity: ``name`` carries the sha1 of ``W`` once fitted, so
vectors cached by content hash under one fit are never mixed with another's; an unfitted
encoder refuses to encode (a clear error) rather than hand out vectors of no fixed space.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from shopmind.search.dense_cache import text_key
from shopmind.search.dense_encoders import Encoder, l2_normalise
from shopmind.search.dense_static import DEFAULT_DIGIT_WEIGHT, StaticEncoder

if TYPE_CHECKING:
    from shopmind.search.dense_cache import VectorCache

#: Titles sent through e5 for the fit (Home Depot: 1,000 of 54,667 = 1.8 %).
DEFAULT_MAX_TITLES = 1000
#: Ridge strengths tried by k-fold on the fit sample (relative to the mean squared feature norm).
RIDGE_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
FOLDS = 5


def fit_sample(texts: list[str], max_titles: int) -> list[str]:
    """The distinct non-empty ``texts`` with the ``max_titles`` smallest sha1 keys: the same
    sample whatever the row order, and mostly the same after a small catalog change."""
    distinct = {text_key(t): t for t in texts if t.strip()}
    return [distinct[k] for k in sorted(distinct)[:max_titles]]


def ridge_map(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """``argmin_W |xW - y|^2 + lam * n * mean|x|^2 * |W|^2`` in closed form (float64)."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    scale = lam * len(x) * float(np.mean(np.sum(x * x, axis=1)))
    gram = x.T @ x + scale * np.eye(x.shape[1])
    return np.linalg.solve(gram, x.T @ y)


def regression_error(x: np.ndarray, w: np.ndarray | None, target: np.ndarray) -> float:
    """Mean cosine distance between ``normalise(x @ w)`` (``x`` when ``w`` is None) and the
    (centred) targets: how far the static vectors are from e5's."""
    pred = l2_normalise(x if w is None else x @ w)
    return float(np.mean(1.0 - np.sum(pred * l2_normalise(target), axis=1)))


def choose_ridge(x: np.ndarray, y: np.ndarray, seed: int = 0) -> tuple[float, dict[str, float]]:
    """The ``RIDGE_GRID`` value with the lowest k-fold cosine error on the sample (seeded folds)."""
    folds = np.random.default_rng(seed).permutation(len(x)) % FOLDS
    errors: dict[str, float] = {}
    for lam in RIDGE_GRID:
        errs = []
        for f in range(FOLDS):
            tr, te = folds != f, folds == f
            errs.append(regression_error(x[te], ridge_map(x[tr], y[tr], lam), y[te]))
        errors[f"{lam:g}"] = round(float(np.mean(errs)), 5)
    best = min(RIDGE_GRID, key=lambda lam: errors[f"{lam:g}"])
    return best, errors


class FittedStaticEncoder:
    """``StaticEncoder`` vectors mapped into e5's title space by a ridge fit on catalog titles.

    ``prepare_passages(texts, cache)`` fits once (the first catalog it sees); ``teacher`` is the
    encoder of the fit's targets and of unseen words (None: e5)."""

    def __init__(
        self,
        teacher: Encoder | None = None,
        cache: VectorCache | None = None,
        max_titles: int = DEFAULT_MAX_TITLES,
        seed: int = 0,
        digit_weight: float = DEFAULT_DIGIT_WEIGHT,
    ) -> None:
        self.base = StaticEncoder(teacher=teacher, cache=cache, digit_weight=digit_weight)
        self.dim = self.base.dim
        self.max_titles = max_titles
        self.seed = seed
        self.w: np.ndarray | None = None
        self.fit_info: dict[str, object] = {}
        self._name_unfitted = f"{self.base.name}-fit{max_titles}"
        self.name = self._name_unfitted

    # -- wiring
    def attach_cache(self, cache: VectorCache) -> None:
        self.base.attach_cache(cache)

    def warm(self) -> None:
        self.base.warm()

    @property
    def fitted(self) -> bool:
        return self.w is not None

    def prepare_passages(self, texts: list[str], cache: VectorCache | None = None) -> None:
        """Fit on ``texts`` unless already fitted (the fit is kept for later upserts, so an
        upsert's vector equals a full build's)."""
        if self.w is None:
            self.fit(texts, cache)

    def fit(self, texts: list[str], cache: VectorCache | None = None) -> dict[str, object]:
        """Encode the sample with the teacher (through ``cache`` when given: the same e5
        passage vectors e5 itself would cache), choose the ridge strength by k-fold, fit."""
        if cache is not None:
            self.base.attach_cache(cache)
        sample = fit_sample(texts, self.max_titles)
        if len(sample) < 2 * FOLDS:
            raise ValueError(
                f"static-fit needs at least {2 * FOLDS} distinct non-empty product texts to fit, got {len(sample)}"
            )
        teacher = self.base.teacher
        if cache is not None:
            y = cache.get_or_encode(teacher.name, teacher.dim, sample, teacher.encode_passages)
        else:
            y = teacher.encode_passages(sample)
        y = np.asarray(y, dtype=np.float64)
        y = y - y.mean(axis=0)  # e5's shared direction says nothing about relevance
        x = self.base.encode_passages(sample).astype(np.float64)
        lam, errors = choose_ridge(x, y, self.seed)
        w = ridge_map(x, y, lam).astype(np.float32)
        self._set(w)
        self.fit_info = {
            "titles": len(sample),
            "ridge": lam,
            "cv_cosine_error": errors,
            "unfitted_cosine_error": round(regression_error(x, None, y), 5),
        }
        return self.fit_info

    def _set(self, w: np.ndarray) -> None:
        self.w = np.ascontiguousarray(w, dtype=np.float32)
        digest = hashlib.sha1(self.w.tobytes()).hexdigest()[:12]
        self.name = f"{self._name_unfitted}-{digest}"

    def _map(self, v: np.ndarray) -> np.ndarray:
        if self.w is None:
            raise RuntimeError(
                "the static-fit encoder has no fit yet: encode the catalog's product texts first "
                "(VectorCache.prepare / prepare_passages)"
            )
        return l2_normalise(v @ self.w)

    # -- the Encoder protocol
    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._map(self.base.encode_passages(texts))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._map(self.base.encode_queries(texts))

    def encode_query(self, text: str) -> np.ndarray:
        return self._map(self.base.encode_query(text)[None, :])[0]

    # -- persistence with a saved engine
    def save_state(self, folder: Path | str) -> None:
        folder = Path(folder)
        self.base.save_state(folder / "static")
        if self.w is not None:
            np.save(folder / "fit_map.npy", self.w)
            (folder / "fit.json").write_text(
                json.dumps({"encoder": self.name, "fit": self.fit_info}, default=str), encoding="utf-8"
            )

    def load_state(self, folder: Path | str) -> bool:
        folder = Path(folder)
        ok = self.base.load_state(folder / "static")
        if (folder / "fit_map.npy").exists():
            self._set(np.load(folder / "fit_map.npy"))
            meta = json.loads((folder / "fit.json").read_text(encoding="utf-8"))
            if meta.get("encoder") != self.name:  # a map from another static version
                self.w, self.name = None, self._name_unfitted
                return False
            self.fit_info = dict(meta.get("fit", {}))
            return True
        return ok
