"""The demo's server: uvicorn in a thread of the ``shopmind demo`` process, listening from the
first seconds, before the shop it serves exists (issue 17 item 1; see ``cli/demo.py``)."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shopmind.cli.common import console, fail

#: What Ctrl-C (or SIGTERM) prints once the demo's shop is built and served: it printed main's
#: "interrupted; nothing was published by the interrupted step (run the command again)", as if the
#: shop were lost, though every release was published and stays (exit 0, as `shopmind serve`).
STOPPED = "stopped serving; the shop stays in {workspace}: `shopmind serve -w {workspace}` serves it again"


def serve_until_stopped(server: BackgroundServer, workspace: Path) -> None:
    """Serve until Ctrl-C or SIGTERM, then say the shop is kept (``STOPPED``) and return."""
    try:
        server.wait()
    except KeyboardInterrupt:
        console.print(STOPPED.format(workspace=workspace), markup=False, highlight=False, soft_wrap=True)


class BackgroundServer:
    """uvicorn serving ``workspace`` in a thread of this process, from before its first release.

    Why a thread and not the main thread: the main thread drives the ingest and build children
    meanwhile. Imports (~3-5 s of FastAPI, uvicorn and the app) happen in the thread, beside the
    generator child, instead of after the first release as before. uvicorn installs no signal
    handlers outside the main thread: the main thread turns Ctrl-C and SIGTERM into ``stop``."""

    def __init__(
        self,
        workspace: Path,
        sock: socket.socket,
        address: tuple[str, int],
        settings: dict[str, Any],
        on_listen: Callable[[], None],
    ) -> None:
        self.workspace, self.sock, self.settings = workspace, sock, settings
        self.host, self.port = address
        self.on_listen = on_listen
        self.listening = threading.Event()
        self.stopped = threading.Event()
        self.error: BaseException | None = None
        self._server: Any = None
        self._app: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-server", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            import uvicorn

            from shopmind.serve.app import create_app
            from shopmind.serve.observe import configure_logging

            listening, on_listen = self.listening, self.on_listen

            class _Server(uvicorn.Server):
                async def startup(self, sockets: Any = None) -> None:
                    await super().startup(sockets)
                    if not self.should_exit:
                        listening.set()
                        on_listen()
                        # what loading the first release imports, now and not when it lands
                        threading.Thread(target=_import_release_loaders, daemon=True).start()

            configure_logging("warning")
            app = self._app = create_app(self.workspace, self.settings)
            cfg = uvicorn.Config(
                app,
                host=self.host,
                port=self.port,
                log_level="warning",
                access_log=False,
                timeout_keep_alive=5,
            )
            self._server = _Server(cfg)
            if not self._stop.is_set():
                self._server.run(sockets=[self.sock])
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread (e.g. port in use)
            self.error = exc
        finally:
            self.stopped.set()

    def served(self) -> dict[str, Any] | None:
        """The manifest of the release this server serves now, None before its first one: what
        ``/readyz`` reports (``"complete"``, ``"warm_up"``), read from the app's state."""
        shop = None if self._app is None else getattr(self._app.state, "shop", None)
        cur = None if shop is None else shop.current
        return None if cur is None else cur.manifest

    def failed(self) -> str | None:
        """Why the server is not serving (it stopped without being asked), else None."""
        if not self.stopped.is_set() or self._stop.is_set():
            return None
        return f"the server on {self.host}:{self.port} stopped: {self.error or 'it exited'}"

    def wait(self) -> None:
        """Serve until stopped (Ctrl-C or SIGTERM reach the main thread as KeyboardInterrupt)."""
        while not self.stopped.wait(0.5):
            pass
        if (why := self.failed()) is not None:
            raise fail(why)

    def stop(self) -> None:
        """Stop serving (uvicorn's graceful shutdown: the app's buffered logs are written)."""
        self._stop.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=30)


def listen_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound before any work: a busy port is one line at once instead of
    an error after the shop was generated and ingested (uvicorn serves on this very socket)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        sock.bind((host, port))
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise fail(
            f"cannot listen on {host}:{port}: {why} (is the port in use? pick another with --port)"
        ) from None
    return sock


def _import_release_loaders() -> None:
    """Import what ``load_release`` needs (search engine, recommendations, jieba: ~2-3 s of CPU)
    while the first release is still being built — at nice 10 for this thread only (Linux
    threads have their own nice value): the generator and the gate, which the first search
    waits on first, run meanwhile, and measured with these imports at full priority beside
    them the generation took ~2x longer on a busy machine."""
    import contextlib
    import os

    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    import shopmind.forecast.stockout  # noqa: F401
    import shopmind.recommend.service  # noqa: F401
    import shopmind.search.engine  # noqa: F401
    import shopmind.search.understand  # noqa: F401
    from shopmind.text.analysis import _jieba

    _jieba()  # the project's jieba tokenizer and dictionary, else loaded by the release's warm-up search
