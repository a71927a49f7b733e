"""The static encoder fitted to the catalog at build time (``[search] encoder = "static-fit"``).

Why: the static encoder (``dense_static``) pools e5's vectors of single words; a title's e5
vector is not the mean of its words' vectors, and static lost ~0.011 NDCG@10 to e5 under
fusion + LTR (docs/BENCHMARKS.md, issue 17). As tokenlearn does for model2vec, a small sample
of the catalog's own titles goes through e5 (at most ``max_titles``, the distinct texts with the
smallest sha1: deterministic, independent of row order, and shared with e5's vector cache), and a
linear map from the static vector to e5's (centred) title vector is fitted by ridge regression
toward the identity in closed form (numpy; its strength chosen on the tuning half of a Home
Depot sample, never on held-out queries).
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
#: Ridge strength, toward the identity map (the static vectors already live in e5's output space:
#: means of e5 word vectors; a map shrunk toward zero instead lost 0.04 dense NDCG@10). Chosen on
#: the tuning half of the Home Depot sample by dense NDCG@10 (1e-3: 0.6281; 3e-4 0.6177, 3e-3
#: 0.6265, 1e-2 0.6223; e5 0.6177, unfitted static 0.5738), see docs/BENCHMARKS.md (issue 17).
DEFAULT_RIDGE = 1e-3
#: Fewer distinct product texts than this: no fit (a clear error, not a map from a handful).
MIN_TITLES = 10


def fit_sample(texts: list[str], max_titles: int) -> list[str]:
    """The distinct non-empty ``texts`` with the ``max_titles`` smallest sha1 keys: the same
    sample whatever the row order, and mostly the same after a small catalog change."""
    distinct = {text_key(t): t for t in texts if t.strip()}
    return [distinct[k] for k in sorted(distinct)[:max_titles]]


def ridge_map(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """``argmin_W |xW - y|^2 + lam * n * mean|x|^2 * |W - I|^2`` in closed form (float64):
    the least-squares map from ``x`` to ``y``, shrunk toward leaving ``x`` as it is."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    scale = lam * len(x) * float(np.mean(np.sum(x * x, axis=1)))
    eye = np.eye(x.shape[1], y.shape[1])
    return np.linalg.solve(x.T @ x + scale * np.eye(x.shape[1]), x.T @ y + scale * eye)


def regression_error(x: np.ndarray, w: np.ndarray | None, target: np.ndarray) -> float:
    """Mean cosine distance between ``normalise(x @ w)`` (``x`` when ``w`` is None) and the
    (centred) targets: how far the static vectors are from e5's."""
    pred = l2_normalise(x if w is None else x @ w)
    return float(np.mean(1.0 - np.sum(pred * l2_normalise(target), axis=1)))


class FittedStaticEncoder:
    """``StaticEncoder`` vectors mapped into e5's title space by a ridge fit on catalog titles.

    ``prepare_passages(texts, cache)`` fits once (the first catalog it sees); ``teacher`` is the
    encoder of the fit's targets and of unseen words (None: e5)."""

    def __init__(
        self,
        teacher: Encoder | None = None,
        cache: VectorCache | None = None,
        max_titles: int = DEFAULT_MAX_TITLES,
        ridge: float = DEFAULT_RIDGE,
        digit_weight: float = DEFAULT_DIGIT_WEIGHT,
    ) -> None:
        self.base = StaticEncoder(teacher=teacher, cache=cache, digit_weight=digit_weight)
        self.dim = self.base.dim
        self.max_titles = max_titles
        self.ridge = ridge
        self.w: np.ndarray | None = None
        self.fit_info: dict[str, object] = {}
        self._name_unfitted = f"{self.base.name}-fit{max_titles}-ridgeI{ridge:g}"
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
        if len(sample) < MIN_TITLES:
            raise ValueError(
                f"static-fit needs at least {MIN_TITLES} distinct non-empty product texts to fit, got {len(sample)}"
            )
        teacher = self.base.teacher
        if cache is not None:
            y = cache.get_or_encode(teacher.name, teacher.dim, sample, teacher.encode_passages)
        else:
            y = teacher.encode_passages(sample)
        y = np.asarray(y, dtype=np.float64)
        y = y - y.mean(axis=0)  # e5's shared direction says nothing about relevance
        x = self.base.encode_passages(sample).astype(np.float64)
        w = ridge_map(x, y, self.ridge).astype(np.float32)
        self._set(w)
        self.fit_info = {
            "titles": len(sample),
            "ridge": self.ridge,
            "unfitted_cosine_error": round(regression_error(x, None, y), 5),
            "fitted_cosine_error": round(regression_error(x, w, y), 5),
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
