"""A deterministic stand-in for a sentence encoder, for tests of the dense path without a model."""

from __future__ import annotations

import hashlib

import numpy as np

from shopmind.search.dense import l2_normalise


class TrigramEncoder:
    """Hashed character trigrams, so texts sharing words are similar (the dense part of a search
    is then predictable and takes no model file)."""

    name = "trigram-v1"
    dim = 64

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        t = f"  {text.lower()}  "
        for i in range(len(t) - 2):
            v[int(hashlib.md5(t[i : i + 3].encode()).hexdigest()[:4], 16) % self.dim] += 1
        return l2_normalise(v)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self._vec(text)
