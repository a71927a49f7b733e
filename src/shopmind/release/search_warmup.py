"""The past-query warm-up of search, after the complete release (issue 17, session 15).

A build encodes the shop's most frequent past queries (``[search] warm_query_vectors``, 2,000)
into the engine's query-vector LRU, which the release ships. No search answer needs them: an
inline search encodes a query it has no vector for, and a server in ``query_encoding =
"background"`` answers such a query without its dense part once and encodes it off the request
path. They are a latency warm-up. What the release does need are the vectors of the learned
re-ranker's training queries (``ltr.fit.QueryVectors`` encodes those itself, batched, whatever
was warmed before), so the re-ranker, the fusion and every answer are the same either way.

On the demo shop the warm-up was ~12 s of the ~61 s to the complete release (1,671 queries of
which 154 are the re-ranker's). With ``[search] warm_after_complete = 1`` (the default) the
vector stage skips it; the complete release is published with the re-ranker's vectors and says
``"warm_up": {"search_queries": "pending"}``; then the same build encodes the rest and
publishes a follow-up release that differs only in the two query-vector files of ``search/``
(everything else hard-linked) and says ``"complete"``. A running server follows it like any
release (``serve/state.py`` keeps the vectors it encoded meanwhile). A build killed during the
warm-up leaves the complete release serving; a warm-up that fails is logged and the complete
release stays. ``warm_after_complete = 0`` warms before the complete release, as before.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shopmind.release.build import BuildContext, _link_or_copy

#: the query-vector files a warm-up release writes anew (``SearchEngine.save`` / ``load``)
QUERY_VECTOR_FILES = frozenset({"query_vectors.npy", "query_vectors.json"})
STAGE = "search: encoding past queries"  # the stage's name before and after the complete release


def warm_after_complete(policy: Mapping[str, float]) -> bool:
    """``[search] warm_after_complete`` (build policy, default 1)."""
    return bool(policy.get("warm_after_complete", 1.0))


def warm_up_pending(facts: Mapping[str, Any]) -> bool:
    """Whether the search vector part left its past-query warm-up for after the release."""
    return facts.get("warm_up") == "pending"


def link_engine(base: Path, folder: Path) -> None:
    """Hard-link the saved engine in ``base`` into ``folder``, except its query-vector files
    (a published release's files are never written again: the warm-up writes new ones)."""
    for root, dirs, files in os.walk(base):
        rel = Path(root).relative_to(base)
        (folder / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            if rel == Path(".") and name in QUERY_VECTOR_FILES:
                continue
            _link_or_copy(str(Path(root) / name), str(folder / rel / name))
        dirs.sort()


def warm_search(ctx: BuildContext, base: Path, folder: Path, facts: Mapping[str, Any]) -> Mapping[str, Any]:
    """Encode the past queries the complete release's engine (saved in ``base``) has no vector
    for, through a pool of one-thread workers when there are enough, and write the engine with
    them into ``folder``. Returns the search vector part's ``facts`` for the new release:
    ``warm_queries`` counts every past query warmed into it, ``warm_up`` says "done", and the
    ``warm_up_*`` keys how many of them were encoded after the complete release, how long it
    took and with how many workers."""
    from shopmind.search.dense_threads import bulk_encoder
    from shopmind.search.engine import SearchEngine

    t0 = time.perf_counter()
    engine = ctx.memo.pop("search_warm_engine", None)
    if engine is None:  # the vector stage ran in another process
        engine = SearchEngine.load(base, cache_dir=ctx.cache_dir)
    link_engine(base, folder)
    texts = engine.warm_query_texts()
    cfg = engine.config
    ctx.progress.start(STAGE, len(texts))
    with contextlib.ExitStack() as stack:
        # the pool when there are enough, else threads of one OpenMP thread each (e5), else in process
        bulk = bulk_encoder(cfg.encoder, engine.encoder, len(texts), cfg.encode_workers, stack)
        workers = getattr(bulk, "workers", 1)
        done = [0]

        def progress(n: int, total: int) -> None:
            ctx.progress.advance(STAGE, n - done[0], total)
            done[0] = n

        warmed = engine.warm_queries(progress=progress, encoder=bulk, texts=texts)
    written = engine.save_query_vectors(folder)
    ctx.progress.finish(STAGE)
    return {
        **facts,
        "warm_queries": int(facts.get("warm_queries", 0)) + warmed,
        "warm_up": "done",
        "warm_up_queries": warmed,
        "warm_up_query_vectors": written,
        "warm_up_workers": workers,
        "warm_up_seconds": round(time.perf_counter() - t0, 3),
    }
