"""The search engine's dense side: product vectors, the encoder, query vectors, the HNSW graph.

Why a module of its own: the vectors have a life of their own next to the lexical index —
attached whole to a lexical-only release (progressive builds), an HNSW graph rebuilt past
``ann_threshold`` rows, the encoder created lazily with its saved state, query vectors warmed at
build time and kept in an LRU, and in a server encoded off the request path by a background
worker (``search/query_vectors.py``). ``DenseVectors`` is the mixin of ``SearchEngine`` holding
them; fusion with the lexical scores is in ``engine_retrieval``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.search.dense import ENCODERS, Encoder, l2_normalise
from shopmind.search.engine_query import clean_query
from shopmind.search.query_vectors import BackgroundQueryEncoder


class DenseVectors:
    """Dense-vector methods of ``SearchEngine`` (see the module docstring)."""

    def warm_query_texts(self, limit: int | None = None) -> list[str]:
        """The match texts of the most frequent past queries (as the search path would see them)
        that have no vector yet, at most ``limit`` (default ``config.warm_query_vectors``) and at
        most what the query-vector LRU holds: what ``warm_queries`` encodes."""
        limit = self.config.warm_query_vectors if limit is None else limit
        if self.vectors is None or limit <= 0 or self.encoder is None:
            return []
        past = sorted(self.autocompleter.queries().items(), key=lambda kv: -kv[1])[:limit]
        return self.match_texts([q for q, _n in past])[: self.config.query_vector_cache]

    def match_texts(self, queries: Sequence[str]) -> list[str]:
        """The texts the search path would encode for ``queries`` (cleaned, simplified, the
        understood match text) that have no vector yet, once each, in order: what a caller
        encodes ahead of searching (the warm-up, the adapter's served-fusion check)."""
        texts: list[str] = []
        for q in queries:
            text, _ = clean_query(q, self.config.max_query_chars, self.config.max_query_terms)
            if not text:
                continue
            text = self._simplified(text)
            match = self._understand(text, []).text if self.config.understand else text
            if match and match not in self._qvecs:
                texts.append(match)
        return list(dict.fromkeys(texts))

    def warm_queries(
        self,
        limit: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        chunk: int = 64,
        encoder: Encoder | None = None,
        texts: list[str] | None = None,
    ) -> int:
        """Encode the most frequent past queries now (as the search path would see them).
        ``progress(done, total)`` is called after every ``chunk`` queries (a build shows it:
        thousands of queries on a busy machine took minutes with nothing printed).
        ``encoder``: the same model run elsewhere (a build's worker pool), same name and dim.
        ``texts``: what ``warm_query_texts`` returned (a caller that sized a pool by it)."""
        if texts is None:
            texts = self.warm_query_texts(limit)
        if not texts or self.vectors is None or self.encoder is None:
            return 0
        bulk = encoder or self.encoder
        if hasattr(bulk, "prefetch"):  # a pool or threads: every query to encode queued now, so
            # the workers take the next task when free instead of meeting at a barrier every
            # ``chunk`` queries (as the product texts are: ``SplitEncoder.prefetch``)
            bulk.prefetch("queries", self.cache.missing_texts(f"{bulk.name}/query", bulk.dim, texts))
        for start in range(0, len(texts), chunk):
            part = texts[start : start + chunk]
            vecs = l2_normalise(
                np.asarray(self.cache.queries(encoder or self.encoder, part, save=False), dtype=np.float32)
            )
            for t, v in zip(part, vecs, strict=True):
                self._qvecs[t] = v
            if progress is not None:
                progress(start + len(part), len(texts))
        self.cache.flush()
        return len(texts)

    def save_query_vectors(self, folder: Path) -> int:
        """Write the query-vector LRU into a saved engine's ``folder`` (the files ``save`` writes
        and ``load`` reads), replacing what is there: a release whose only change is its
        past-query warm-up (``release/search_warmup.py``) rewrites these two files and
        hard-links the rest of the engine. Returns the number of vectors written."""
        import json

        keys = list(self._qvecs)
        for name in ("query_vectors.npy", "query_vectors.json"):
            (folder / name).unlink(missing_ok=True)  # (a hard link to the earlier release's file)
        if not keys:
            return 0
        np.save(folder / "query_vectors.npy", np.vstack([self._qvecs[k] for k in keys]))
        (folder / "query_vectors.json").write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")
        return len(keys)

    def attach_vectors(self, vectors: np.ndarray, encoder: Encoder | None = None, ann: Any = None) -> None:
        """Give a lexical-only engine its product vectors (one row per catalog row, rows
        encoded by ``encoder`` or the configured one) all at once, so it never holds a
        partial set: a product is in the dense index with every other one or not at all.
        ``ann``: a ``DenseIndex`` over exactly these vectors (e.g. the previous release's graph
        extended by a rebuild's new rows) used instead of building the graph again."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != self.catalog.n_rows:
            raise ValueError(
                f"need one vector per catalog row ({self.catalog.n_rows}), got shape {vectors.shape}"
            )
        if ann is not None and (len(ann) != len(vectors) or not np.array_equal(ann.vectors, vectors)):
            raise ValueError("the given graph is not over these vectors")
        if encoder is not None:
            self._encoder = encoder
        if ann is not None:
            self.vectors, self._ann = ann.vectors, ann
            return
        self.vectors = vectors
        self._refresh_ann()

    def _refresh_ann(self, hnsw_file: Path | None = None) -> None:
        """(Re)build the HNSW graph over the current vector rows when there are enough of them.
        Rows added later (upserts) are scored exactly next to the graph until the next
        compaction rebuilds it; deleted rows are excluded by the filter mask."""
        self._ann = None
        n = 0 if self.vectors is None else len(self.vectors)
        threshold = self.config.ann_threshold
        if threshold is None or n < max(threshold, 1):
            return
        from shopmind.search.dense import ANNConfig, DenseIndex

        self._ann = DenseIndex(
            [str(i) for i in range(n)], self.vectors, ANNConfig(threshold=threshold), hnsw_file
        )

    @property
    def encoder(self) -> Encoder | None:
        if self._encoder is None and self.config.encoder is not None:
            self._encoder = ENCODERS[self.config.encoder]()
            self._load_encoder_state()
        return self._encoder

    def _load_encoder_state(self) -> None:
        """A saved engine's encoder state (the static encoder's word table), if any."""
        state = self._encoder_state
        load = getattr(self._encoder, "load_state", None)
        if state is not None and load is not None:
            load(state)

    def _query_vector(self, text: str, wait: bool = False) -> tuple[np.ndarray | None, str]:
        """The query's vector and where it came from (``SearchResponse.dense``). In background
        mode a new query is queued and answered without it, unless ``wait``."""
        v = self._qvecs.get(text)
        if v is not None:
            with contextlib.suppress(KeyError):  # evicted by the worker meanwhile: v is still good
                self._qvecs.move_to_end(text)
            return v, "cached"
        bg = self._background
        if bg is not None and self.config.query_encoding == "background":
            if not wait:
                bg.submit(text)  # never waits: answered without the dense part this time
                return None, "pending"
            done = bg.submit(text, urgent=True)  # ahead of the backlog, waited for within a budget
            if done is not None and done.wait(self.config.no_match_wait_ms / 1e3):
                v = self._qvecs.get(text)
                return (None, "none") if v is None else (v, "encoded")  # None: the encoder failed
            return None, "pending"
        v = self._encode_query(text)
        return (None, "none") if v is None else (v, "encoded")

    def _query_vector_of(self, text: str) -> np.ndarray:
        """``text`` through the engine's encoder of now (a shop-tuned adapter may wrap it)."""
        enc = self.encoder
        assert enc is not None
        return l2_normalise(np.asarray(enc.encode_query(text), dtype=np.float32).reshape(-1))

    def _encode_query(self, text: str) -> np.ndarray | None:
        """Encode ``text`` and keep its vector in the LRU (None when the encoder fails)."""
        try:
            v = self._query_vector_of(text)
        except Exception:  # an encoder failing on odd text must not fail the search
            return None
        self._store_query_vector(text, v)
        return v

    def _store_query_vector(self, text: str, v: np.ndarray) -> None:
        self._qvecs[text] = v
        while len(self._qvecs) > self.config.query_vector_cache:
            self._qvecs.popitem(last=False)

    def serve_in_background(self) -> bool:
        """A server's engine: from now on new queries are encoded off the request path when
        ``config.query_encoding`` is "background" (see ``search/query_vectors.py``). Returns
        whether a background encoder runs (none without vectors or an encoder)."""
        if self._background is not None:
            return True
        if self.config.query_encoding != "background" or self.vectors is None or self.encoder is None:
            return False
        self._background = BackgroundQueryEncoder(self._query_vector_of, self._store_query_vector)
        return True

    def stop_background(self) -> None:
        """Stop the background encoder (after what is queued); searches encode inline again."""
        bg, self._background = self._background, None
        if bg is not None:
            bg.close()

    def _dense_ann(
        self, ann: Any, qvec: np.ndarray, mask: np.ndarray, in_lex: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dense head from the graph (+ exact over rows added since it was built), and exact
        cosines for every row fusion will read: the head and the lexical matches. Other
        entries of the returned row-aligned array are -inf and are never read."""
        k = self.config.dense_depth
        n_graph = len(ann)
        gmask = mask[:n_graph]
        # an all-true mask would make the graph over-fetch as if filtered (2x the work)
        rows_g, s_g = ann.search_rows(qvec, k, None if gmask.all() else gmask)
        extra = n_graph + np.flatnonzero(mask[n_graph:])
        if len(extra):
            s_e = self.vectors[extra] @ qvec
            rows_g, s_g = np.concatenate([rows_g, extra]), np.concatenate([s_g, s_e])
            if len(rows_g) > k:
                top = np.argpartition(-s_g, k - 1)[:k]
                rows_g, s_g = rows_g[top], s_g[top]
        dense_all = np.full(len(mask), -np.inf, dtype=np.float32)
        dense_all[rows_g] = s_g
        lex_rows = np.flatnonzero(in_lex)
        if len(lex_rows):
            dense_all[lex_rows] = self.vectors[lex_rows] @ qvec
        return dense_all, rows_g.astype(np.int64)
