"""Several processes appending to one vector-cache folder at once (two builds or benches sharing
``vectors/``), some of them killed mid-run, never leave a vector under another text's key.

Why: session 32 saw word vectors stored under the wrong words after two bench runs wrote one
folder at once and were stopped; the cache promises merged, consistent folders (``flock`` + atomic
replace, a consistent prefix after a crash), and this checks the promise with real processes
instead of the in-process interleaving of ``test_vector_cache_save``.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import random
import threading
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from shopmind.search.dense_cache import VectorCache, text_key

DIM = 16


def _vec(text: str) -> np.ndarray:
    """A vector only this text has (seeded by its sha1)."""
    seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
    return np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)


def _enc(texts: list[str]) -> np.ndarray:
    return np.vstack([_vec(t) for t in texts])


def _writer(folder: str, seed: int, rounds: int) -> None:
    # a forked writer shares the parent's tqdm lock (a multiprocessing semaphore: every tqdm, even a disabled
    # one, takes it in __new__); one killed while holding it left the pytest process waiting on it for good
    # at the next tqdm (CI, session 33: test_warm_after_complete hung in ALS.fit's bar). Its own lock here.
    tqdm.set_lock(threading.RLock())
    rng = random.Random(seed)
    for _ in range(rounds):
        cache = VectorCache(folder, checkpoint_every=rng.choice([3, 7, 50]))
        texts = [f"word {rng.randrange(400)}" for _ in range(rng.randrange(5, 60))]
        got = cache.get_or_encode("words", DIM, texts, _enc, save=rng.random() < 0.8)
        assert np.array_equal(got, _enc(texts))
        cache.flush()


def _check(folder: Path) -> int:
    cache = VectorCache(folder)
    n = cache.count("words", DIM)
    keys = {text_key(f"word {i}"): f"word {i}" for i in range(400)}
    rows = cache._rows["words"]
    mat = cache._mats["words"]
    assert set(rows) <= set(keys)
    for k, i in rows.items():
        np.testing.assert_array_equal(mat[i], _vec(keys[k]))
    return n


def test_concurrent_writers_keep_every_vector_under_its_own_text(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), s, 25)) for s in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert _check(tmp_path) > 300  # most of the 400 words were written by someone


def test_writers_killed_mid_run_leave_a_consistent_folder(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    rng = random.Random(7)
    for wave in range(6):
        rounds = (1000, 1000, 30)  # the first two are killed, the third finishes
        procs = [
            ctx.Process(target=_writer, args=(str(tmp_path), 100 * wave + s, r)) for s, r in enumerate(rounds)
        ]
        for p in procs:
            p.start()
        time.sleep(rng.uniform(0.05, 0.4))
        for p in procs[:2]:
            p.kill()  # mid-encode or mid-save
        for p in procs:
            p.join(120)
        assert procs[2].exitcode == 0
        _check(tmp_path)
    assert _check(tmp_path) > 0
