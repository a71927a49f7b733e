"""A persistent vector cache keyed by (encoder name, sha1 of the text).

Moved out of ``dense.py`` (re-exported there). See ``VectorCache``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

if TYPE_CHECKING:
    from shopmind.search.dense_encoders import Encoder


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _generation(d: Path) -> str | None:
    """The token the last save of ``d`` wrote (None when absent: a folder from before tokens,
    or none yet). Why a token and not the files' (inode, size, mtime): two writers that append
    as many rows within one clock tick recycle each other's inodes with equal sizes and equal
    coarse mtimes, and a writer that took such a stamp for "nobody wrote since" saved its own
    rows under keys another writer had reordered (vectors under other texts' keys, session 32)."""
    try:
        return (d / "generation").read_text(encoding="utf-8")
    except OSError:
        return None


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


class VectorCache:
    """Vectors keyed by (encoder name, sha1 of the text), persisted in ``folder``.

    Layout: ``folder/<encoder name>/vectors.npy`` (float32, one row per text) and
    ``keys.json`` (``{"encoder", "dim", "keys": [sha1, ...]}``, row order). Rows are only
    appended, never changed or removed; on disk both files are replaced atomically (written
    to a temp file, then renamed: matrix first, keys second), so a crash leaves a consistent
    prefix (a reader uses ``min(len(keys), rows)``). Query vectors go under the encoder name
    with ``/query`` appended (a model may embed queries differently from passages).

    Several processes may append to one folder: a save takes an exclusive ``flock`` and
    merges with what is on disk (rows another writer appended meanwhile are kept); a load
    takes it shared. Each save writes a random generation token last, and a save appends
    without re-reading only when the token is still the one this process read or wrote.

    ``stats`` counts, since construction, texts encoded (misses) and served from the cache (hits).
    """

    def __init__(self, folder: Path | str | None, checkpoint_every: int = 8192) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.checkpoint_every = checkpoint_every
        self._mats: dict[str, np.ndarray] = {}
        self._rows: dict[str, dict[str, int]] = {}
        self._saved: dict[str, int] = {}
        #: per name, the generation token of the files the first ``_saved`` rows were read from or written to
        self._disk: dict[str, str] = {}
        self.stats = {"encoded": 0, "hits": 0, "encode_seconds": 0.0}

    # -- storage
    def _dir(self, name: str) -> Path | None:
        return None if self.folder is None else self.folder / _safe(name)

    def _load(self, name: str, dim: int) -> None:
        if name in self._rows:
            return
        d = self._dir(name)
        if d is None or not d.is_dir():
            mat, keys = np.zeros((0, dim), dtype=np.float32), []
        else:
            import fcntl

            try:
                lock = open(d / ".lock", "a")  # noqa: SIM115 (closed below)
            except OSError:  # a read-only folder: read it, claim no generation (saves merge)
                lock = None
            try:
                if lock is not None:
                    # shared: no save replaces the files between reading them and the token, so
                    # what was read is exactly that generation (unlocked, a reader could pair one
                    # save's keys with the next save's matrix)
                    fcntl.flock(lock, fcntl.LOCK_SH)
                mat, keys = self._read(d, dim)
                seen = _generation(d) if lock is not None else None
                if seen is not None:
                    self._disk[name] = seen
            finally:
                if lock is not None:
                    lock.close()
        self._mats[name] = mat
        self._rows[name] = {k: i for i, k in enumerate(keys)}
        self._saved[name] = len(keys)

    def _read(self, d: Path, dim: int) -> tuple[np.ndarray, list[str]]:
        if not ((d / "keys.json").exists() and (d / "vectors.npy").exists()):
            return np.zeros((0, dim), dtype=np.float32), []
        meta = json.loads((d / "keys.json").read_text(encoding="utf-8"))
        loaded = np.load(d / "vectors.npy")
        if meta.get("dim") != dim or loaded.ndim != 2 or loaded.shape[1] != dim:
            return np.zeros((0, dim), dtype=np.float32), []
        n = min(len(meta["keys"]), loaded.shape[0])
        return np.ascontiguousarray(loaded[:n], dtype=np.float32), list(meta["keys"][:n])

    def _save(self, name: str) -> None:
        """Append this process's new rows to the folder under an exclusive lock: re-read what
        is on disk (another writer may have appended), add the rows it lacks, replace both
        files; the in-memory state becomes the merged one."""
        d = self._dir(name)
        n = len(self._rows[name])
        if d is None or self._saved.get(name) == n:
            return
        import fcntl

        d.mkdir(parents=True, exist_ok=True)
        mat = self._mats[name]
        dim = int(mat.shape[1])
        with open(d / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            mine = sorted(self._rows[name].items(), key=lambda x: x[1])
            if self._disk.get(name) is not None and _generation(d) == self._disk[name]:
                # nobody wrote since this process read or wrote the files: they hold exactly our
                # first ``_saved`` rows, so the new ones follow them (no re-read of the whole
                # matrix: ~55k x 512 floats at every save of a Home Depot rebuild, issue 17)
                keys = [k for k, _ in mine]
                merged = mat[:n]
            else:
                disk_mat, disk_keys = self._read(d, dim)
                have = set(disk_keys)
                extra = [(k, i) for k, i in mine if k not in have]
                keys = disk_keys + [k for k, _ in extra]
                rows = np.fromiter((i for _, i in extra), dtype=np.int64, count=len(extra))
                merged = np.vstack([disk_mat, mat[rows]]) if len(extra) else disk_mat
            tmp = d / f"vectors.npy.tmp-{os.getpid()}"
            with open(tmp, "wb") as f:
                np.save(f, merged)
            os.replace(tmp, d / "vectors.npy")
            tmpk = d / f"keys.json.tmp-{os.getpid()}"
            tmpk.write_text(json.dumps({"encoder": name, "dim": dim, "keys": keys}), encoding="utf-8")
            os.replace(tmpk, d / "keys.json")
            token = secrets.token_hex(8)
            tmpg = d / f"generation.tmp-{os.getpid()}"
            tmpg.write_text(token, encoding="utf-8")
            os.replace(tmpg, d / "generation")
            self._disk[name] = token
        self._mats[name] = merged
        self._rows[name] = {k: i for i, k in enumerate(keys)}
        self._saved[name] = len(keys)

    def __len__(self) -> int:
        return sum(len(r) for r in self._rows.values())

    def count(self, name: str, dim: int) -> int:
        self._load(name, dim)
        return len(self._rows[name])

    def missing(self, name: str, dim: int, texts: Sequence[str]) -> int:
        """How many distinct ``texts`` have no cached vector under ``name`` (the work an
        encode would do: a rebuild after a small change should not start a worker pool)."""
        self._load(name, dim)
        rows = self._rows[name]
        return len({k for k in map(text_key, texts) if k not in rows})

    def missing_texts(self, name: str, dim: int, texts: Sequence[str]) -> list[str]:
        """The distinct ``texts`` with no cached vector under ``name``, in first-seen order (the
        order ``get_or_encode`` asks for them: a pool can queue them all ahead)."""
        self._load(name, dim)
        rows = self._rows[name]
        return [t for t in dict.fromkeys(texts) if text_key(t) not in rows]

    # -- lookup
    def get_or_encode(
        self,
        name: str,
        dim: int,
        texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
        save: bool = True,
    ) -> np.ndarray:
        """Vectors of ``texts`` (row per text); only texts not cached yet are encoded (each
        distinct text once) and appended; saved every ``checkpoint_every`` new texts and at the
        end unless ``save`` is False (then kept in memory until ``flush``)."""
        self._load(name, dim)
        rows = self._rows[name]
        keys = [text_key(t) for t in texts]
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts, strict=True):
            if k not in rows and k not in todo:
                todo[k] = t
        self.stats["hits"] += len(texts) - sum(1 for k in keys if k in todo)
        items = list(todo.items())
        # a bar only for work a person waits on (a first build over tens of thousands of titles), and only
        # on a terminal (None): a build's or an evaluation's log got every refresh of it
        bar = tqdm(
            total=len(items),
            desc=f"encoding ({name})",
            unit="text",
            disable=True if len(items) < 2000 else None,
        )
        step = 256
        for start in range(0, len(items), self.checkpoint_every):
            chunk = items[start : start + self.checkpoint_every]
            t0 = time.perf_counter()
            parts = []
            for i in range(0, len(chunk), step):
                sub = [t for _, t in chunk[i : i + step]]
                parts.append(np.asarray(encode(sub), dtype=np.float32).reshape(len(sub), dim))
                bar.update(len(sub))
            vecs = np.vstack(parts)
            self.stats["encode_seconds"] += time.perf_counter() - t0
            self.stats["encoded"] += len(chunk)
            self._append(name, [k for k, _ in chunk], vecs)
            if save:
                self._save(name)
        bar.close()
        mat, rows = self._mats[name], self._rows[name]  # a save may have merged and reordered
        idx = np.fromiter((rows[k] for k in keys), dtype=np.int64, count=len(keys))
        return mat[idx]

    def _append(self, name: str, keys: list[str], vecs: np.ndarray) -> None:
        """Add rows for ``keys`` not held yet. A key can be held already: a checkpoint's save
        merged it from another writer after ``get_or_encode`` listed it as missing; appending it
        again would give two rows one key, and the row count would run ahead of the keys (the
        next rows overwrite, the folder pairs vectors with other texts' keys)."""
        rows = self._rows[name]
        new = [i for i, k in enumerate(keys) if k not in rows]
        if len(new) < len(keys):
            keys = [keys[i] for i in new]
            vecs = vecs[new]
        mat = self._mats[name]
        n = len(rows)
        if n + len(keys) > mat.shape[0]:  # grow geometrically; rows beyond n are unused
            grown = np.zeros((max(n + len(keys), 2 * mat.shape[0]), mat.shape[1]), dtype=np.float32)
            grown[:n] = mat[:n]
            mat = self._mats[name] = grown
        mat[n : n + len(keys)] = vecs
        for i, k in enumerate(keys):
            rows[k] = n + i

    def _attach(self, encoder: Encoder) -> None:
        """Give an encoder that keeps vectors of its own (the static encoder's word vectors)
        this cache's folder, unless it has one already."""
        attach = getattr(encoder, "attach_cache", None)
        if attach is not None:
            attach(self)

    def prepare(self, encoder: Encoder, texts: Sequence[str]) -> None:
        """Attach this cache to ``encoder`` and let an encoder fitted to the catalog fit on
        ``texts`` before its ``name`` (which then carries the fit) keys any vector."""
        self._attach(encoder)
        prepare = getattr(encoder, "prepare_passages", None)
        if prepare is not None:
            prepare(list(texts), self)

    def passages(self, encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
        self.prepare(encoder, texts)
        return self.get_or_encode(encoder.name, encoder.dim, texts, encoder.encode_passages)

    def queries(self, encoder: Encoder, texts: Sequence[str], save: bool = True) -> np.ndarray:
        """Query vectors; many at once through ``encode_queries`` when the encoder has it (one
        engine call per batch: a build's past queries were encoded one at a time before)."""
        self._attach(encoder)
        batch_call = getattr(encoder, "encode_queries", None)

        def enc(batch: list[str]) -> np.ndarray:
            if batch_call is not None and len(batch) > 1:
                return batch_call(batch)
            return np.vstack([encoder.encode_query(t) for t in batch])

        return self.get_or_encode(f"{encoder.name}/query", encoder.dim, texts, enc, save=save)

    def flush(self) -> None:
        for name in self._rows:
            self._save(name)
