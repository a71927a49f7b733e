"""A real ``shopmind serve`` process on a built workspace, for the API sweeps that must see what a
client sees (test_api_bad_input*, test_api_warnings): every request also asserts that the server
logged no traceback while answering it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from test_serve import _free_port, _wait_ready


class Server:
    """A ``shopmind serve`` subprocess on a built workspace, its keys and its log."""

    def __init__(self, ws: Path, port: int, keys: dict[str, str], log: Path) -> None:
        self.ws, self.port, self.keys, self.log = ws, port, keys, log

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        key: str | None = None,
        ctype: str | None = "application/json",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Send one request; return (status, JSON body or text). Fails if the server logged a
        traceback while answering it."""
        h = dict(headers or {})
        if key is not None:
            h["Authorization"] = f"Bearer {self.keys.get(key, key)}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            if ctype is not None:
                h["Content-Type"] = ctype
        before = self.log.stat().st_size
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, headers=h, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        with self.log.open("rb") as f:
            f.seek(before)
            logged = f.read().decode("utf-8", "replace")
        assert "Traceback" not in logged, (method, path, logged[-2000:])
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")


@contextmanager
def serving(ws: Path, keys: dict[str, str]) -> Iterator[Server]:
    """``shopmind serve`` on ``ws`` (a free port, its output in ``serve.log`` beside the
    workspace), ready before it is yielded and stopped, workers and all, after."""
    port = _free_port()
    log = ws.parent / "serve.log"
    exe = Path(sys.executable).parent / "shopmind"
    cmd = [str(exe), "serve", "--workspace", str(ws), "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_ready(port, proc)
        yield Server(ws, port, keys, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
