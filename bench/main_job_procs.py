"""Where a ``bench/main_job.py`` run's CPU goes, and what the machine was doing: per-process CPU
seconds of a process tree sampled from /proc, the children's CPU, the load average beside every
figure, and a busy loop that hogs one core (what a shared machine looks like)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path


def start_hog() -> subprocess.Popen:
    """A busy loop hogging one core for as long as it runs."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def conditions() -> dict:
    """The load average, core count and time of a figure."""
    return {"loadavg_1m": os.getloadavg()[0], "cpus": os.cpu_count(), "at": datetime.now(UTC).isoformat()}


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds user+system) of a live process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rfind(")") + 2 :].split()  # fields after "pid (comm)"
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / _TICK


def _proc_label(pid: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(a.decode(errors="replace") for a in args if a)
    if "spawn_main" in text:
        return "spawned worker (multiprocessing)"
    for key in ("shopmind.demo.shopfiles", "shopmind.cli", " build", " ingest", "evaluate", "demo"):
        if key in text:
            return text[text.find(key.strip()) :][:60]
    return text[:60]


class ProcTree:
    """CPU seconds per process of the demo's tree, sampled from /proc (item 1 of session 15: where
    the complete release's time goes, per process). A process's CPU is its last sample, so a short
    child that ends between samples is undercounted by at most its last interval."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.procs: dict[int, dict] = {}

    def sample(self, now: float) -> None:
        stats: dict[int, tuple[int, float]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                got = _proc_stat(int(entry.name))
                if got is not None:
                    stats[int(entry.name)] = got
        mine = {self.root} | set(self.procs)
        grew = True
        while grew:
            grew = False
            for pid, (ppid, _cpu) in stats.items():
                if pid not in mine and ppid in mine:
                    mine.add(pid)
                    grew = True
        for pid in mine:
            if pid not in stats:
                continue
            p = self.procs.get(pid)
            if p is None:
                p = self.procs[pid] = {"label": _proc_label(pid), "first_s": round(now, 1), "cpu_s": 0.0}
            p["cpu_s"] = round(stats[pid][1], 2)
            p["last_s"] = round(now, 1)
            p.setdefault("cpu_at", []).append((round(now, 1), p["cpu_s"]))

    def report(self, marks: dict[str, float | None]) -> list[dict]:
        """Per process: label, seen from/to, CPU seconds in all and between the run's marks."""
        out = []
        names = [k for k, v in marks.items() if v is not None]
        for pid, p in sorted(self.procs.items(), key=lambda kv: kv[1]["first_s"]):
            at = p.pop("cpu_at", [])
            row = {"pid": pid, **p}

            def cpu_by(t: float, at: list = at) -> float:
                before = [c for s, c in at if s <= round(t, 1)]  # (samples are stamped rounded)
                return before[-1] if before else 0.0

            last = 0.0
            for name in names:
                c = cpu_by(marks[name])
                row[f"cpu_to_{name}_s"] = round(c - last, 2)
                last = c
            out.append(row)
        return out


def children_cpu() -> float:
    """CPU seconds (user + system) of every child process this one has waited for."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
