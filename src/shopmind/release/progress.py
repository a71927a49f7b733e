"""One progress record for a whole build, shared by the CLI, ``shopmind demo`` and the storefront.

A build is a handful of stages (reading the store, lexical index, recommendation models,
encoding product texts, past queries, the learned re-ranker, ...), some running at once
(recommendations fit in a child process while search builds). ``BuildProgress`` keeps, per
active stage, items done / total, the rate and an ETA, plus which release parts are complete,
and writes that snapshot atomically to ``<workspace>/releases/progress.json`` at most every
``min_interval`` seconds. Why a file: the process that builds is not always the one that shows
it (``shopmind demo`` serves while a child process builds the vectors; several server workers
show the same banner), and a file read is all a banner needs. A listener callback gets the same
snapshot in-process (the CLI draws it with rich).

A build killed with ``kill -9`` cannot mark its record finished, so readers check the
recorded ``pid`` (``read_progress`` reports such a record as ``"died"``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROGRESS_FILE = "progress.json"

Listener = Callable[[dict[str, Any]], None]


@dataclass
class _Stage:
    name: str
    total: int | None
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    finished: float | None = None

    def view(self, now: float) -> dict[str, Any]:
        elapsed = (self.finished or now) - self.started
        rate = self.done / elapsed if elapsed > 0 and self.done else None
        eta = None
        if rate and self.total is not None and self.finished is None:
            eta = max(0.0, (self.total - self.done) / rate)
        return {
            "name": self.name,
            "done": self.done,
            "total": self.total,
            "elapsed_s": round(elapsed, 2),
            "rate": None if rate is None else round(rate, 1),
            "eta_s": None if eta is None else round(eta, 1),
        }


class BuildProgress:
    """Stages of one build with items, rate and ETA; thread-safe (stages may run in threads)."""

    def __init__(
        self,
        path: Path | None = None,
        listener: Listener | None = None,
        min_interval: float = 0.5,
    ) -> None:
        self.path = path
        self.listener = listener
        self.min_interval = min_interval
        self.started = time.monotonic()
        self.started_at = time.time()
        self.status = "running"
        self.error: str | None = None
        self.parts: dict[str, str] = {}
        self.release: str | None = None
        self.active: dict[str, _Stage] = {}
        self.finished: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._last_write = 0.0

    def __getstate__(self) -> dict[str, Any]:
        """A copy for a child process: no lock, no listener, no file (the parent reports)."""
        state = dict(self.__dict__)
        state.update(_lock=None, listener=None, path=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ stages
    def start(self, name: str, total: int | None = None) -> None:
        """Begin (or restart) stage ``name`` with ``total`` items (None: not countable)."""
        with self._lock:
            self.active[name] = _Stage(name, total)
        self._emit(force=True)

    def advance(self, name: str, n: int = 1, total: int | None = None) -> None:
        """``n`` more items of stage ``name`` are done (``total`` may be set late)."""
        with self._lock:
            st = self.active.get(name)
            if st is None:
                st = self.active[name] = _Stage(name, total)
            st.done += n
            if total is not None:
                st.total = total
        self._emit()

    def finish(self, name: str) -> None:
        """Stage ``name`` is done: it moves to the list of finished stages with its seconds."""
        with self._lock:
            st = self.active.pop(name, None)
            if st is None:
                return
            st.finished = time.monotonic()
            view = st.view(st.finished)
            self.finished.append({"name": name, "seconds": view["elapsed_s"], "items": st.done or None})
        self._emit(force=True)

    def set_parts(self, parts: dict[str, str], release: str | None = None) -> None:
        """Which release parts are complete (``{"lexical": "complete", "vectors": "building"}``)."""
        with self._lock:
            self.parts = dict(parts)
            if release is not None:
                self.release = release
        self._emit(force=True)

    def close(self, status: str = "complete", error: str | None = None) -> None:
        """The build ended (``complete`` or ``failed``); the record stays for readers."""
        with self._lock:
            self.status, self.error = status, error
            self.active.clear()
        self._emit(force=True)

    # ------------------------------------------------------------------ output
    def snapshot(self) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            return {
                "pid": os.getpid(),
                "status": self.status,
                "error": self.error,
                "release": self.release,
                "started_at": self.started_at,
                "updated_at": time.time(),
                "elapsed_s": round(now - self.started, 2),
                "parts": dict(self.parts),
                "active": [st.view(now) for st in self.active.values()],
                "finished": list(self.finished),
            }

    def _emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < self.min_interval:
            return
        self._last_write = now
        snap = self.snapshot()
        if self.path is not None:
            write_json_atomic(self.path, snap)
        if self.listener is not None:
            self.listener(snap)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """``path`` holds the old or the new JSON, never a torn one (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_text(json.dumps(data, default=str), encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        # a write that failed (a full disk) left its half-written temp file in releases/ for good:
        # no later build cleans dot files other than staging folders
        tmp.unlink(missing_ok=True)
        raise


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def read_progress(workspace: Path | str) -> dict[str, Any] | None:
    """The last build's progress record, or None. A record still ``running`` whose process is
    gone is reported as ``died`` (the build was killed; the earlier release keeps serving)."""
    path = Path(workspace) / "releases" / PROGRESS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if data.get("status") == "running" and not _alive(int(data.get("pid", 0) or 0)):
        data["status"] = "died"
        data["active"] = []
    return data


def progress_path(workspace: Path | str) -> Path:
    return Path(workspace) / "releases" / PROGRESS_FILE
