"""``shopmind serve`` as a child process, and CPU/RSS readings from /proc."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

from .workspace import _cmd_shopmind, _nice


class Server:
    """``shopmind serve`` as a child process, with its RSS and CPU time read from /proc."""

    def __init__(self, ws: Path, port: int, log: Path, workers: int = 1) -> None:
        cmd = [
            *_nice(),
            *_cmd_shopmind(),
            "serve",
            "--workspace",
            str(ws),
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ]
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT)
        self.port = port
        self.cmd = cmd

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 600.0) -> float:
        t0 = time.perf_counter()
        url = f"http://127.0.0.1:{self.port}/readyz"
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"server exited with {self.proc.returncode}; log:\n{self.log_path.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"server not ready after {timeout:.0f} s; log:\n{self.log_path.read_text()[-3000:]}")

    def tree(self) -> list[int]:
        """The server and its descendants (uvicorn's supervisor and its worker processes)."""
        parent: dict[int, int] = {}
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo += [c for c, pp in parent.items() if pp == p]
        return out

    def rss_mb(self) -> float:
        """Resident memory of the whole process tree (every worker holds its own release)."""
        total = 0.0
        for pid in self.tree():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                continue
        return total

    def cpu_s(self) -> float:
        """CPU seconds used so far by the process tree."""
        total = 0.0
        for pid in self.tree():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, to tell how much of the box other processes used."""
    vals = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return float(sum(vals) - idle), float(sum(vals))
