"""The server starts before the first release exists (issue 17 item 1).

A real `shopmind serve` process on an empty workspace: `/readyz` answers 503 "building" with the
stage while a build's record says one runs (and "not_ready" when none does), the storefront
shows the "being built" banner, and the same process serves search once a release is built
beside it (it follows `CURRENT`, no restart). `shopmind demo` on a busy port fails with one line.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from shopmind.release.progress import BuildProgress, progress_path

EXE = Path(sys.executable).parent / "shopmind"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _wait(cond, what: str, timeout: float = 300.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None:
            assert proc.poll() is None, f"server exited {proc.returncode} while waiting for {what}"
        try:
            if cond():
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _run(*args: str, cwd: Path) -> None:
    done = subprocess.run([str(EXE), *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_server_on_an_empty_workspace_says_building_then_serves_the_first_release(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (tmp_path / "shop.toml").write_text("[serve]\npoll_seconds = 0.2\n", encoding="utf-8")
    port = _free_port()
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [
            str(EXE),
            "serve",
            "--workspace",
            str(ws),
            "--port",
            str(port),
            "--config",
            str(tmp_path / "shop.toml"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    build = None
    try:
        _wait(lambda: _get(port, "/healthz")[0] == 200, "the server to listen", proc=server)
        # nothing built and nothing building: plain not ready
        status, body = _get(port, "/readyz")
        assert status == 503 and json.loads(body)["status"] == "not_ready"
        # a running build's record (this process stands in for the builder): "building" + stage
        record = BuildProgress(progress_path(ws))
        record.start("quality gate: checking every row")
        status, body = _get(port, "/readyz")
        ready = json.loads(body)
        assert status == 503 and ready["status"] == "building" and ready["complete"] is False
        assert [s["name"] for s in ready["building"]["stages"]] == ["quality gate: checking every row"]
        status, page = _get(port, "/")
        assert status == 200 and 'id="shop-building-banner"' in page
        assert "Your shop is being built (quality gate: checking every row)" in page
        assert "/static/build_banner.js" in page and 'id="build-banner"' not in page
        assert _get(port, "/static/build_banner.js")[0] == 200
        assert _get(port, "/v1/search?q=dress")[0] == 503  # no release: nothing to search yet
        record.close()  # ended without a release: not "building" any more
        assert json.loads(_get(port, "/readyz")[1])["status"] == "not_ready"

        # build a small shop beside the running server
        _run("demo-data", "--out", "demo", "--products", "120", "--users", "40", "--days", "10",
             "--end", "2026-10-31", cwd=tmp_path)  # fmt: skip
        _run("ingest", "demo", "--workspace", str(ws), "--config", "demo/gate.toml", cwd=tmp_path)
        build = subprocess.Popen([str(EXE), "build", "--workspace", str(ws)], cwd=tmp_path,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        _wait(lambda: _get(port, "/readyz")[0] == 200, "the first release to be served", proc=server)
        status, body = _get(port, "/v1/search?" + urllib.parse.urlencode({"q": "dress", "size": 5}))
        res = json.loads(body)
        assert status == 200 and res["hits"] and res["total"] > 0
        status, page = _get(port, "/")
        assert 'id="shop-building-banner"' not in page  # the first release is served
        assert server.poll() is None  # the same process throughout: it followed CURRENT
    finally:
        if build is not None and build.poll() is None:
            build.terminate()
            build.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_demo_on_a_busy_port_fails_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = subprocess.run(
            [str(EXE), "demo", "--workspace", str(tmp_path / "ws"), "--demo-dir", str(tmp_path / "demo"),
             "--port", str(port), "--products", "60", "--users", "20", "--days", "3"],
            capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert "is the port in use?" in errors[0]
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "demo").exists() and not (tmp_path / "ws").exists()  # failed before any work


def test_the_build_yields_the_cpu_to_the_server_after_its_first_release() -> None:
    """After the first release the build's vector stage runs at nice 10, so the server's load of
    that release (what the first search waits on) is not slowed by it."""
    from shopmind.cli.demo_children import _yield_to_server

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        before = os.getpriority(os.PRIO_PROCESS, child.pid)
        _yield_to_server(child)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == max(10, before)
    finally:
        child.kill()
        child.wait()
    _yield_to_server(child)  # a build that already ended: nothing to do, no error


def test_sigterm_stops_the_demo_and_its_build_promptly(tmp_path: Path) -> None:
    """uvicorn no longer owns the main thread: SIGTERM reaches the demo's main thread, which stops
    the server and the build (still encoding vectors) without waiting for them to finish."""
    import signal

    port = _free_port()
    ws = tmp_path / "ws"
    log = open(tmp_path / "demo.log", "w")  # noqa: SIM115 - closed in finally
    demo = subprocess.Popen(
        [str(EXE), "demo", "--workspace", str(ws), "--demo-dir", str(tmp_path / "demo"), "--port", str(port),
         "--products", "120", "--users", "40", "--days", "10"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait(lambda: _get(port, "/readyz")[0] == 200, "the first release", proc=demo)
        assert "storefront: http://127.0.0.1:" in (tmp_path / "demo.log").read_text()
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        log.close()
    deadline = time.monotonic() + 20
    while _children_working_on(ws):
        assert time.monotonic() < deadline, f"left running: {_children_working_on(ws)}"
        time.sleep(0.2)
    try:  # the port is free again: nothing listens on it
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            raise AssertionError("something still listens on the demo's port")
    except OSError:
        pass


def _children_working_on(ws: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if str(ws).encode() in cmd:
                found.append(int(proc.name))
    return found


def test_release_loader_imports_run_at_low_priority_in_their_own_thread_only() -> None:
    import threading

    from shopmind.cli.demo_server import _import_release_loaders

    seen: dict[str, int] = {}

    def run() -> None:
        _import_release_loaders()
        seen["thread"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = os.getpriority(os.PRIO_PROCESS, 0)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    if sys.platform == "linux":
        assert seen["thread"] == max(10, before)
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # the process (the server) keeps its priority
