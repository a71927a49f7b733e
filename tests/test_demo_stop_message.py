"""Stopping `shopmind demo` (Ctrl-C) once its shop is built and served said "interrupted; nothing
was published by the interrupted step (run the command again)" and exited 130 - as if the shop
were lost, though every release was published and stays (found at the end of `make demo` on a
clean clone, session 28). It now says the shop is kept and how to serve it again, exit 0."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXE = Path(sys.executable).parent / "shopmind"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(900)
def test_ctrl_c_after_the_build_says_the_shop_is_kept(tmp_path: Path) -> None:
    ws, log_path = tmp_path / "ws", tmp_path / "demo.log"
    cmd = [str(EXE), "demo", "--workspace", str(ws), "--demo-dir", str(tmp_path / "shop"),
           "--port", str(_free_port()), "--products", "50", "--users", "10", "--days", "3"]  # fmt: skip
    with open(log_path, "w") as log:
        demo = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 600
            # the demo's last step before it only serves: its small evaluation (done or failed)
            while not any(
                w in log_path.read_text() for w in ("evaluation figures ready", "evaluation failed")
            ):
                assert demo.poll() is None, log_path.read_text()[-3000:]
                assert time.monotonic() < deadline, "the demo never finished building"
                time.sleep(0.5)
            time.sleep(2)
            demo.send_signal(signal.SIGINT)
            code = demo.wait(timeout=120)
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.wait()
    text = log_path.read_text()
    assert code == 0, text[-3000:]
    assert f"stopped serving; the shop stays in {ws}" in " ".join(text.split()).replace(f"{ws} :", f"{ws}:")
    assert "interrupted; nothing was published" not in text and "Traceback" not in text
