"""The LTR report names the encoder whose fusion picked its candidates (issue 18, item 17).

The ``fusion-e5+ltr`` report said "top 100 of BM25F+USE linear fusion": the label was a
constant. A toy run with a made-up encoder must name that encoder.
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl

from shopmind.search.evaluate import evaluate, prepare
from shopmind.search.ltr.evaluate import LTREval


class HashEncoder:
    """Deterministic bag-of-words vectors (a word -> a seeded random direction)."""

    name = "toy-hash-16"
    dim = 16

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in text.lower().split():
            seed = int(hashlib.md5(w.encode()).hexdigest()[:8], 16)
            v += np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        n = np.linalg.norm(v)
        return v / n if n > 0 else v

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self._vec(text)


def test_fusion_ltr_report_names_the_encoder_used(tmp_path) -> None:
    rng = np.random.default_rng(1)
    words = ["red", "blue", "oak", "steel", "lamp", "shoe", "desk", "sink"]
    titles = [" ".join(rng.choice(words, 3)) for _ in range(80)]
    prods = pl.DataFrame({"product_id": [str(i) for i in range(80)], "title": titles})
    qs, pids, rel = [], [], []
    for a in words:
        for b in words[:5]:
            for i, t in enumerate(titles[:40]):
                qs.append(f"{a} {b}")
                pids.append(str(i))
                rel.append(float(a in t) + float(b in t))
    data = prepare(
        prods, pl.DataFrame({"query": qs, "product_id": pids, "relevance": rel}), "toy", (0.0, 2.0)
    )
    m = LTREval("fusion", vectors=tmp_path / "vectors", encoder=HashEncoder(), num_rounds=10)
    assert m.name == "fusion-toy-hash-16+ltr"
    out = evaluate(data, [m], progress=False)
    label = out["methods"][m.name]["tuning"]["chosen"]["candidates"]
    assert label == "top 100 of BM25F+toy-hash-16 linear fusion"
    assert "USE" not in label
    assert LTREval("bm25").first_stage_label() == "BM25F"
