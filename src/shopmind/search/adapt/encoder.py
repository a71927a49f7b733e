"""The adapted encoder as the engine sees it: a frozen encoder whose queries pass the adapter.

``AdaptedEncoder`` satisfies the ``Encoder`` protocol: passages are the base encoder's
(product vectors, the vector cache and the HNSW graph stay valid), queries are
``adapter.apply(base query vector)``. Its ``name`` carries the adapter's fingerprint, so a
re-ranker trained over one adapter (``ltr.parts_key``) is never served with another, and
query vectors cached under the frozen name are never mistaken for adapted ones.

Persistence rides on the engine's encoder state folder (``search/encoder/``, written by
``SearchEngine.save`` through ``save_state``): the adapter files sit beside any state of the
base encoder (the static encoder's word table), so the adapter is versioned and rolled back
with the release that holds it. ``attach_saved_adapter`` re-attaches it after
``SearchEngine.load``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.search.adapt.model import QueryAdapter

if TYPE_CHECKING:
    from shopmind.search.dense_encoders import Encoder
    from shopmind.search.engine import SearchEngine

#: files of the adapter inside the engine's ``encoder`` state folder
ADAPTER_FILE = "adapter.json"


class AdaptedEncoder:
    """``base`` for passages; ``adapter.apply(base.encode_query(q))`` for queries. ``base``
    may be a factory (called on first use) so loading a release does not load the model."""

    def __init__(self, base: Encoder | Callable[[], Encoder], adapter: QueryAdapter, base_name: str, dim: int) -> None:  # fmt: skip
        self._enc: Encoder | None = base if hasattr(base, "encode_query") else None  # type: ignore[assignment]
        self._factory = None if self._enc is not None else base
        self.adapter = adapter
        self.base_name = base_name
        self.dim = dim
        self.name = f"{base_name}+qa-{adapter.fingerprint()}"

    @property
    def base(self) -> Encoder:
        if self._enc is None:
            self._enc = self._factory()  # type: ignore[misc]
        return self._enc

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.base.encode_passages(texts)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        call = getattr(self.base, "encode_queries", None)
        frozen = call(texts) if call is not None else np.vstack([self.base.encode_query(t) for t in texts])
        return self.adapter.apply(np.asarray(frozen, dtype=np.float32).reshape(len(texts), -1))

    def encode_query(self, text: str) -> np.ndarray:
        return self.adapter.apply(np.asarray(self.base.encode_query(text), dtype=np.float32).reshape(-1))

    def save_state(self, folder: Path | str) -> None:
        """The base encoder's state (if any) and the adapter, in one folder."""
        folder = Path(folder)
        save = getattr(self.base, "save_state", None)
        if save is not None:
            save(folder)
        self.adapter.info = {**self.adapter.info, "base_encoder": self.base_name}
        self.adapter.save(folder)

    def load_state(self, folder: Path | str) -> bool:
        load = getattr(self.base, "load_state", None)
        return bool(load(folder)) if load is not None else False


def attach(engine: SearchEngine, adapter: QueryAdapter, base: Encoder) -> AdaptedEncoder:
    """Serve ``engine``'s queries through ``adapter`` over ``base`` (the encoder its product
    vectors came from). The engine's in-memory query vectors must be frozen ones: they are
    replaced by their adapted versions."""
    enc = AdaptedEncoder(base, adapter, base.name, base.dim)
    engine._encoder = enc  # noqa: SLF001 - the engine's one encoder slot (no public setter)
    for k, v in list(engine._qvecs.items()):  # noqa: SLF001
        engine._qvecs[k] = adapter.apply(v)
    return enc


def attach_saved_adapter(engine: SearchEngine, folder: Path | str) -> bool:
    """After ``SearchEngine.load(folder)``: re-attach the adapter saved with the engine, if
    any (its saved query vectors are already adapted). False when there is none."""
    state = Path(folder) / "encoder"
    if not (state / ADAPTER_FILE).exists() or engine.vectors is None or engine.config.encoder is None:
        return False
    from shopmind.search.dense import ENCODERS

    adapter = QueryAdapter.load(state)
    base_name = str(adapter.info.get("base_encoder") or engine.config.encoder)
    spec = engine.config.encoder

    def make() -> Any:
        enc = ENCODERS[spec]()
        load = getattr(enc, "load_state", None)
        if load is not None:
            load(state)
        return enc

    engine._encoder = AdaptedEncoder(make, adapter, base_name, adapter.dim)  # noqa: SLF001
    return True
