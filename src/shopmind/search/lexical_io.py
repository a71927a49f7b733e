"""Saving and loading a ``LexicalIndex``: ``index.json`` (parameters, analyzer, vocabulary,
spelling words) + one compressed ``seg-NNNN.npz`` per segment, no pickle.

Split out of ``search/lexical.py`` to keep the index module about indexing and scoring;
``LexicalIndex.save`` / ``LexicalIndex.load`` call these.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from shopmind.search.compounds import load_heads, saved_heads
from shopmind.search.lexical_segments import Segment
from shopmind.search.lexical_types import FIELDS, BM25Params
from shopmind.text.analysis import Analyzer

if TYPE_CHECKING:
    from shopmind.search.lexical import LexicalIndex

FORMAT_VERSION = 1


def save_index(index: LexicalIndex, folder: Path | str) -> Path:
    """Write the index to ``folder`` (``index.json`` + one ``seg-NNNN.npz`` per segment)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("seg-*.npz"):
        old.unlink()
    names = []
    for i, seg in enumerate(index.segments):
        arrays: dict[str, np.ndarray] = {
            "ids": np.asarray(seg.ids.tolist(), dtype=str),
            "live": seg.live,
            "present_indptr": seg.present.indptr,
            "present_indices": seg.present.indices,
            "present_shape": np.asarray(seg.present.shape),
        }
        for f in FIELDS:
            m = seg.tf[f]
            arrays[f"{f}_data"] = m.data
            arrays[f"{f}_indices"] = m.indices
            arrays[f"{f}_indptr"] = m.indptr
            arrays[f"{f}_shape"] = np.asarray(m.shape)
            arrays[f"{f}_len"] = seg.lengths[f]
        name = f"seg-{i:04d}.npz"
        np.savez_compressed(folder / name, **arrays)
        names.append(name)
    meta = {
        "format_version": FORMAT_VERSION,
        "params": index.params.as_dict(),
        "analyzer": index.analyzer.config(),
        "terms": index.terms,
        "surface": index.surface,
        "surface_n": index.surface_n,
        "segments": names,
        "compound_heads": saved_heads(index),  # built with the index: no request builds them
    }
    (folder / "index.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return folder


def load_index(cls: type[LexicalIndex], folder: Path | str) -> LexicalIndex:
    """Read an index written by ``save_index`` into a new ``cls``; refuses other format versions."""
    folder = Path(folder)
    meta = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{folder}: unsupported index format {meta.get('format_version')!r}")
    idx = cls(Analyzer(**meta["analyzer"]), BM25Params.from_dict(meta["params"]))
    idx.terms = list(meta["terms"])
    idx.vocab = {t: i for i, t in enumerate(idx.terms)}
    idx.surface = {w: int(t) for w, t in meta["surface"].items()}
    idx.surface_n = {w: int(n) for w, n in meta.get("surface_n", {}).items()}
    for name in meta["segments"]:
        with np.load(folder / name, allow_pickle=False) as z:
            n = len(z["ids"])
            tf = {
                f: sp.csc_matrix(
                    (z[f"{f}_data"], z[f"{f}_indices"], z[f"{f}_indptr"]), shape=tuple(z[f"{f}_shape"])
                )
                for f in FIELDS
            }
            present = sp.csr_matrix(
                (
                    np.ones(len(z["present_indices"]), dtype=np.int8),
                    z["present_indices"],
                    z["present_indptr"],
                ),
                shape=tuple(z["present_shape"]),
            )
            seg = Segment(
                np.asarray(z["ids"].tolist(), dtype=object),
                tf,
                {f: z[f"{f}_len"] for f in FIELDS},
                present,
                z["live"].copy(),
            )
            assert len(seg) == n
        idx._add_segment(seg)
    load_heads(idx, meta.get("compound_heads"))
    return idx
