"""Where a Home Depot first build's wall time goes after the last product vector lands (issue 17).

``bench/main_job.py home-depot`` gives the build's totals (complete release, encoding, re-ranker
seconds). This script runs the same first build (``shopmind ingest`` + ``shopmind build`` from an
empty vector cache, ``[search] encoder`` from ``--encoder``) and samples, every ``--interval``
seconds, the build's progress record (``releases/progress.json``: which stages are active and
since when) and the CPU seconds of every thread of every process in the build's tree
(``/proc/<pid>/task/<tid>/stat``). It reports:

- each progress stage: start, end, seconds (from the build's start);
- windows between marks (first release, the last product vector, the end of the search part's
  last stage, the complete release): wall seconds, CPU seconds per process and per busy thread,
  and the mean number of busy cores — which steps run after the encoding, on how many cores,
  at what CPU cost.

A thread's CPU is its last sample, so a thread or process that ends between two samples is
undercounted by at most one interval. Threads are told apart by id, process and the time they
first used CPU (Python does not name its threads for the OS).

    python bench/hd_build_timeline.py --encoder e5 --label s25-before
    python bench/hd_build_timeline.py --encoder e5 --env SHOPMIND_X=1 --label try
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
EXE = Path(sys.executable).parent / "shopmind"
_TICK = os.sysconf("SC_CLK_TCK")
BIN = 2.0  # seconds per bin of the per-thread CPU after the encoding


def _stat(path: str) -> tuple[int, float] | None:
    """(parent pid, CPU seconds user+system) from a /proc stat file, None when it is gone."""
    try:
        raw = Path(path).read_text()
    except OSError:
        return None
    rest = raw[raw.rfind(")") + 2 :].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / _TICK


def _label(pid: int, root: int) -> str:
    if pid == root:
        return "build process"
    try:
        text = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"
    return "spawned worker" if "spawn_main" in text else text[:50]


class Sampler:
    """CPU seconds per (pid, tid) of a process tree over time."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.pids: dict[int, str] = {root: "build process"}
        self.series: dict[tuple[int, int], list[tuple[float, float]]] = {}
        self.comm: dict[tuple[int, int], str] = {}

    def sample(self, now: float) -> None:
        parents = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                got = _stat(f"/proc/{entry.name}/stat")
                if got is not None:
                    parents[int(entry.name)] = got[0]
        grew = True
        while grew:
            grew = False
            for pid, ppid in parents.items():
                if pid not in self.pids and ppid in self.pids:
                    self.pids[pid] = _label(pid, self.root)
                    grew = True
        for pid in list(self.pids):
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                got = _stat(f"/proc/{pid}/task/{tid}/stat")
                if got is not None:
                    key = (pid, int(tid))
                    if key not in self.comm:
                        try:  # (Rust and OpenMP runtimes name their threads; Python's are the process's name)
                            self.comm[key] = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
                        except OSError:
                            self.comm[key] = "?"
                    self.series.setdefault(key, []).append((now, got[1]))

    def cpu_between(self, key: tuple[int, int], a: float, b: float) -> float:
        pts = self.series[key]

        def at(t: float) -> float:
            before = [c for s, c in pts if s <= t]
            return before[-1] if before else 0.0

        return at(b) - at(a)


def _progress(ws: Path) -> dict | None:
    try:
        return json.loads((ws / "releases" / "progress.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def run(
    data: Path, encoder: str, interval: float, env_extra: dict[str, str], recs_encoder: str | None,
    seed_cache: Path | None = None,
) -> dict:  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="hd-timeline-"))
    ws = tmp / "ws"
    if seed_cache is not None:  # product vectors only (query vectors are encoded as in a first build)
        for sub in seed_cache.iterdir():
            if sub.is_dir() and not sub.name.endswith("_query"):
                shutil.copytree(sub, ws / "cache" / sub.name)
    config = tmp / "shop.toml"
    recs = f'[recs]\nencoder = "{recs_encoder}"\n' if recs_encoder else ""
    config.write_text(f'[search]\nencoder = "{encoder}"\n{recs}', encoding="utf-8")
    subprocess.run([str(EXE), "ingest", str(data / "home-depot"), "--format", "home-depot", "--workspace", str(ws),
                    "--force"], check=True, capture_output=True)  # fmt: skip
    before = {"loadavg_1m": os.getloadavg()[0], "at": datetime.now(UTC).isoformat()}
    env = {**os.environ, **env_extra}
    t0, t0_wall = time.monotonic(), time.time()
    proc = subprocess.Popen(
        [str(EXE), "build", "--workspace", str(ws), "--config", str(config), "--force"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    sampler = Sampler(proc.pid)
    stages: dict[str, dict] = {}
    releases: list[tuple[float, str, bool]] = []
    offset: float | None = None
    while proc.poll() is None:
        now = time.monotonic() - t0
        sampler.sample(now)
        snap = _progress(ws)
        if snap is not None:
            written = float(snap.get("updated_at", t0_wall + now)) - t0_wall  # when the record was written
            if offset is None and snap.get("started_at"):  # the build's clock starts after its imports
                offset = float(snap["started_at"]) - t0_wall
            for st in snap.get("active", []):
                rec = stages.setdefault(st["name"], {"start": round(written - st["elapsed_s"], 2)})
                rec["seen_active_at"] = round(now, 2)
            for st in snap.get("finished", []):
                rec = stages.get(st["name"])
                if rec is not None and "end" not in rec and "start" in rec:
                    rec["end"] = round(rec["start"] + st["seconds"], 2)
                    rec["seconds"] = st["seconds"]
                elif rec is None:  # (finished between two samples: never seen active)
                    stages[st["name"]] = {"seconds": st["seconds"], "end_seen": round(now, 2)}
            rid = snap.get("release")
            if rid and (not releases or releases[-1][1] != rid):
                releases.append(
                    (round(now, 2), rid, snap.get("parts", {}).get("search_vectors") == "complete")
                )
        time.sleep(interval)
    wall = time.monotonic() - t0
    sampler.sample(wall)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}): {err[-2000:]}")
    rel = ws / "releases"
    manifest = json.loads((rel / (rel / "CURRENT").read_text().strip() / "release.json").read_text())
    shutil.rmtree(tmp, ignore_errors=True)
    return _report(sampler, stages, releases, manifest, wall, before, env_extra, encoder, offset or 0.0)


def _report(
    sampler: Sampler, stages: dict, releases: list, manifest: dict, wall: float, before: dict,
    env_extra: dict, encoder: str, offset: float,
) -> dict:  # fmt: skip
    """Marks in seconds from the ``shopmind build`` start (the manifest's from the build's own
    clock, which starts ``offset`` s later, after the CLI's imports)."""
    complete_at = offset + float(manifest.get("complete_seconds") or manifest["seconds"])
    enc = stages.get("search: encoding product texts", {})
    search_ends = [v["end"] for k, v in stages.items() if k.startswith("search") and "end" in v]
    marks = {
        "build start": 0.0,
        "build clock starts": offset,
        "first release": offset + float(manifest.get("first_release_seconds") or 0.0),
        "last product vector": float(enc.get("end", 0.0)),
        "search part's last stage ends": max(search_ends) if search_ends else None,
        "complete release": complete_at,
        "process exit": wall,
    }
    names = [k for k, v in sorted(marks.items(), key=lambda kv: kv[1] or 0) if v is not None]
    windows = []
    for a, b in zip(names, names[1:], strict=False):
        ta, tb = marks[a], marks[b]
        if tb <= ta:
            continue
        per_proc: dict[str, float] = {}
        threads = []
        for (pid, tid), _pts in sampler.series.items():
            c = sampler.cpu_between((pid, tid), ta, tb)
            if c <= 0:
                continue
            label = f"{sampler.pids.get(pid, '?')} {pid}"
            per_proc[label] = round(per_proc.get(label, 0.0) + c, 2)
            first = next((s for s, cc in sampler.series[(pid, tid)] if cc > 0), None)
            threads.append({"process": label, "tid": tid, "comm": sampler.comm.get((pid, tid)), "cpu_s": round(c, 2),
                            "first_cpu_at_s": None if first is None else round(first, 1)})  # fmt: skip
        total = sum(per_proc.values())
        windows.append({
            "from": a, "to": b, "from_s": round(ta, 2), "to_s": round(tb, 2), "wall_s": round(tb - ta, 2),
            "cpu_s": round(total, 2), "busy_cores": round(total / (tb - ta), 2), "per_process": per_proc,
            "threads": sorted([t for t in threads if t["cpu_s"] >= 0.5], key=lambda t: -t["cpu_s"]),
        })  # fmt: skip
    comps = manifest["components"]
    sv = comps.get("search", {}).get("search_vectors", {})
    bins = {}  # CPU seconds per BIN-second bin of every thread that used >= 1 CPU-s after the last vector
    start = marks["last product vector"] - 2 * BIN
    edges = [start + BIN * i for i in range(int((wall - start) / BIN) + 2)]
    for key in sampler.series:
        if sampler.cpu_between(key, start, wall) >= 1.0:
            name = f"{sampler.pids.get(key[0], '?')} {key[0]}/{key[1]} {sampler.comm.get(key)}"
            bins[name] = [
                round(sampler.cpu_between(key, a, b), 2) for a, b in zip(edges, edges[1:], strict=False)
            ]
    return {
        "encoder": encoder,
        "env": env_extra,
        "marks": {k: (None if v is None else round(v, 2)) for k, v in marks.items()},
        "stages": dict(sorted(stages.items(), key=lambda kv: kv[1].get("start", 1e9))),
        "releases_seen": releases,
        "windows": windows,
        "bins_after_encoding": {"from_s": round(start, 2), "bin_s": BIN, "threads": bins},
        "manifest": {
            "complete_release_s": manifest["seconds"],
            "first_release_s": manifest.get("first_release_seconds"),
            "search_vectors": {
                k: sv.get(k)
                for k in (
                    "seconds",
                    "cpu_seconds",
                    "encode_seconds",
                    "graph_seconds",
                    "warm_queries_seconds",
                    "encoded",
                )
            },  # fmt: skip
            "ltr": {
                k: sv.get("ltr", {}).get(k) for k in ("seconds", "heldout_ndcg10", "rounds", "train_rows")
            },
            "recs_content": comps.get("recs", {}).get("recs_content"),
            "late": {
                k: {kk: comps.get(k, {}).get(kk) for kk in ("seconds", "cpu_seconds")}
                for k in ("profiles", "forecast", "pricing")
            },  # fmt: skip
        },
        "total_cpu_s": round(sum(pts[-1][1] for pts in sampler.series.values()), 2),
        "wall_s": round(wall, 2),
        "conditions_before": before,
        "conditions_after": {"loadavg_1m": os.getloadavg()[0], "at": datetime.now(UTC).isoformat()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("SHOPMIND_DATA", ROOT.parent / "shared" / "data"))
    )
    ap.add_argument("--encoder", default="e5")
    ap.add_argument("--recs-encoder", default=None)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE set for the build process")
    ap.add_argument("--label", default="")
    ap.add_argument(
        "--seed-cache",
        type=Path,
        default=None,
        help="start the vector cache with this cache's product vectors (not its query vectors)",
    )
    args = ap.parse_args()
    env_extra = dict(e.split("=", 1) for e in args.env)
    out = run(args.data, args.encoder, args.interval, env_extra, args.recs_encoder, args.seed_cache)
    out["seed_cache"] = None if args.seed_cache is None else str(args.seed_cache)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"hd_build_timeline-{args.encoder}{'-' + args.label if args.label else ''}-{stamp}.json"
    path.write_text(json.dumps(out, indent=2), encoding="utf-8")
    for name, st in out["stages"].items():
        print(f"{st.get('start', '?'):>8} {st.get('end', '?'):>8} {st.get('seconds', '?'):>8}  {name}")
    for w in out["windows"]:
        print(f"{w['from']} -> {w['to']}: wall {w['wall_s']} s, CPU {w['cpu_s']} s, {w['busy_cores']} cores; "
              f"{w['per_process']}")  # fmt: skip
        for t in w["threads"][:6]:
            print(f"    {t}")
    b = out["bins_after_encoding"]
    print(f"CPU-s per {b['bin_s']} s from {b['from_s']} s:")
    for name, vals in b["threads"].items():
        print(f"  {name[:48]:48} " + " ".join(f"{v:3.1f}" for v in vals))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
