"""Where a Spark gate run spends its wall time, stage by stage, read from Spark's own event log;
and, for two runs of the same batch (``local[1]`` and ``local[2]``), which stages do not halve.

Why: the whole-run ratio local[2] / local[1] (issue 11's goal: 1.7x at 10 M) says nothing about
where the second task slot is wasted. Spark's event log has, per stage, its tasks' launch and
finish times and metrics; a stage whose wall does not shrink with a second slot is either short
of tasks (one task, or fewer tasks than slots at its end: skew), or its tasks run slower two at a
time (the machine), and the time between jobs is the driver's own serial work.

    python bench/spark_stages.py run --events 3000000 --master 'local[2]' --log /tmp/ev --out a.json
    python bench/spark_stages.py run --events 3000000 --master 'local[1]' --log /tmp/ev --out b.json
    python bench/spark_stages.py compare a.json b.json        # local[2] first

``run`` runs the whole gate as ``bench/spark_scale.py`` does (same input Parquet, same settings,
heap from ``--spark-memory``, default 6g; "default" = the product's choice) with the event log on,
then summarises the log; ``summarise`` reads an event log file alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: a stage counts as "short of tasks" when fewer tasks than this ran in it (two slots need >= 2)
FEW_TASKS = 2


def _ms(t: Any) -> float:
    return float(t or 0) / 1000.0


def _lines(log: Path) -> Iterator[str]:
    """The JSON lines of an event log: a file, or Spark 4's rolling folder (``eventlog_v2_<app>``,
    ``events_<n>_<app>[.zstd]`` in order; zstd read with ``zstd -dc``)."""
    files = [log] if log.is_file() else sorted(log.glob("events_*"), key=lambda p: int(p.name.split("_")[1]))
    for f in files:
        if f.suffix == ".zstd":
            text = subprocess.run(["zstd", "-dc", str(f)], capture_output=True, check=True).stdout.decode()
            yield from text.splitlines()
        else:
            with open(f, encoding="utf-8") as handle:
                yield from handle


def _occupancy(
    tasks: dict[tuple[int, int], list[dict[str, float]]], stages: dict[tuple[int, int], dict[str, Any]]
) -> dict[str, Any]:
    """Seconds from the first task's launch to the last task's end with 0, 1, 2, ... tasks running
    (stages overlap, so a stage's own wall does not say whether a slot was idle), and which
    stages ran alone while one task was running (a second slot idle: what local[2] cannot halve)."""
    edges = []
    for key, ts in tasks.items():
        for t in ts:
            edges += [(t["launch"], 1, key), (t["finish"], -1, key)]
    edges.sort(key=lambda e: (e[0], e[1]))
    running: dict[tuple[int, int], int] = {}
    by_count: dict[int, float] = {}
    alone: dict[tuple[int, int], float] = {}
    last = edges[0][0] if edges else 0.0
    for when, step, key in edges:
        n = sum(running.values())
        by_count[n] = by_count.get(n, 0.0) + (when - last)
        if n == 1:
            only = next(k for k, v in running.items() if v)
            alone[only] = alone.get(only, 0.0) + (when - last)
        running[key] = running.get(key, 0) + step
        last = when
    top = sorted(alone.items(), key=lambda kv: -kv[1])[:15]
    return {
        "tasks_running_s": {str(k): round(v, 2) for k, v in sorted(by_count.items())},
        "one_task_alone_s": [
            {
                "stage": k[0],
                "tasks": stages.get(k, {}).get("tasks"),
                "alone_s": round(v, 2),
                "name": stages.get(k, {}).get("name", "")[:70],
            }
            for k, v in top
        ],  # fmt: skip
    }


def summarise(log: Path) -> dict[str, Any]:
    """Per stage (in submission order): tasks, wall, summed task time, CPU, GC, the longest and the
    median task, how many slots it kept busy on average, Python-side metrics; per job its wall;
    and the gaps between jobs (nothing running: the driver's own work)."""
    stages: dict[tuple[int, int], dict[str, Any]] = {}
    tasks: dict[tuple[int, int], list[dict[str, float]]] = {}
    jobs: dict[int, dict[str, Any]] = {}
    sql: dict[int, dict[str, Any]] = {}
    app: dict[str, float] = {}
    for line in _lines(log):
        e = json.loads(line)
        kind = e.get("Event", "")
        if kind == "SparkListenerApplicationStart":
            app["start"] = _ms(e["Timestamp"])
        elif kind == "SparkListenerApplicationEnd":
            app["end"] = _ms(e["Timestamp"])
        elif kind == "SparkListenerJobStart":
            props = e.get("Properties") or {}
            jobs[e["Job ID"]] = {
                "start": _ms(e["Submission Time"]),
                "stages": e.get("Stage IDs", []),
                "sql": int(props["spark.sql.execution.id"]) if props.get("spark.sql.execution.id") else None,
                "call": props.get("callSite.short", ""),
            }
        elif kind == "SparkListenerJobEnd":
            jobs.setdefault(e["Job ID"], {})["end"] = _ms(e["Completion Time"])
        elif kind.endswith("SQLExecutionStart"):
            sql[e["executionId"]] = {
                "description": e.get("description", "")[:80],
                "start": _ms(e["time"]),
            }
        elif kind.endswith("SQLExecutionEnd"):
            sql.setdefault(e["executionId"], {})["end"] = _ms(e["time"])
        elif kind == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            key = (info["Stage ID"], info.get("Stage Attempt ID", 0))
            python = {}
            for acc in info.get("Accumulables", []):
                name = str(acc.get("Name", ""))
                if "python" in name.lower():
                    python[name] = python.get(name, 0) + float(acc.get("Value") or 0)
            stages[key] = {
                "stage": info["Stage ID"],
                "attempt": info.get("Stage Attempt ID", 0),
                "name": info.get("Stage Name", "")[:90],
                "tasks": info["Number of Tasks"],
                "start": _ms(info.get("Submission Time")),
                "end": _ms(info.get("Completion Time")),
                "python": python,
            }
        elif kind == "SparkListenerTaskEnd":
            ti, tm = e["Task Info"], e.get("Task Metrics") or {}
            key = (e["Stage ID"], e.get("Stage Attempt ID", 0))
            tasks.setdefault(key, []).append(
                {
                    "launch": _ms(ti["Launch Time"]),
                    "finish": _ms(ti["Finish Time"]),
                    "run": _ms(tm.get("Executor Run Time")),
                    "cpu": float(tm.get("Executor CPU Time") or 0) / 1e9,
                    "gc": _ms(tm.get("JVM GC Time")),
                    "spill": float(tm.get("Disk Bytes Spilled") or 0),
                }
            )
    out_stages = []
    for key in sorted(stages, key=lambda k: (stages[k]["start"], k)):
        s = stages[key]
        ts = tasks.get(key, [])
        wall = max(0.0, s["end"] - s["start"])
        durations = sorted(t["finish"] - t["launch"] for t in ts)
        busy = sum(durations)
        # the stage's end with at most one task running (a second slot idle): after the
        # last-but-one task finished; a one-task stage is all tail
        finishes = sorted(t["finish"] for t in ts)
        tail = finishes[-1] - finishes[-2] if len(ts) >= 2 else wall
        out_stages.append(
            {
                **{k: s[k] for k in ("stage", "attempt", "name", "tasks")},
                "start_s": round(s["start"] - app.get("start", 0), 2),
                "wall_s": round(wall, 2),
                "task_s": round(busy, 2),
                "run_s": round(sum(t["run"] for t in ts), 2),
                "cpu_s": round(sum(t["cpu"] for t in ts), 2),
                "gc_s": round(sum(t["gc"] for t in ts), 2),
                "spill_mb": round(sum(t["spill"] for t in ts) / 1e6, 1),
                "max_task_s": round(durations[-1], 2) if durations else 0.0,
                "median_task_s": round(statistics.median(durations), 2) if durations else 0.0,
                "busy_slots": round(busy / wall, 2) if wall else 0.0,
                "one_slot_tail_s": round(tail, 2),
                "python": {k: round(v, 1) for k, v in s["python"].items()},
            }
        )
    occupancy = _occupancy(tasks, stages)
    spans = sorted((j["start"], j["end"]) for j in jobs.values() if "start" in j and "end" in j)
    calls = {j["start"]: j.get("call", "") for j in jobs.values() if "start" in j}
    gaps, covered, cursor = [], 0.0, spans[0][0] if spans else 0.0
    for a, b in spans:
        if a > cursor:
            gaps.append(
                {"after_s": round(cursor - app.get("start", 0), 2), "gap_s": round(a - cursor, 2),
                 "next_job": calls.get(a, "")[-60:]}
            )  # fmt: skip
        covered += max(0.0, b - max(a, cursor))
        cursor = max(cursor, b)
    return {
        "log": str(log),
        "app_s": round(app.get("end", cursor) - app.get("start", 0), 2),
        "first_job_at_s": round(spans[0][0] - app.get("start", 0), 2) if spans else None,
        "jobs": len(jobs),
        "jobs_running_s": round(covered, 2),
        "between_jobs_s": round(sum(g["gap_s"] for g in gaps), 2),
        "largest_gaps": sorted(gaps, key=lambda g: -g["gap_s"])[:12],
        **occupancy,
        "stages": out_stages,
        "sql": {str(k): v for k, v in sorted(sql.items())},
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole gate on Spark over the bench's tiled batch with the event log on, summarised."""
    from shopmind.config import GateConfig
    from shopmind.engine import EngineConfig
    from shopmind.engine.spark.read import run_gate_spark_uri
    from shopmind.engine.spark.session import get_session
    from spark_scale import NOW, QUIET, write_input

    work = Path(args.work)
    feed = write_input(args.events, work)
    log_dir = Path(args.log).resolve()
    log_dir.mkdir(parents=True, exist_ok=True)
    before = set(log_dir.iterdir())
    heap = "" if args.spark_memory == "default" else args.spark_memory
    conf = (
        *QUIET,
        ("spark.eventLog.enabled", "true"),
        ("spark.eventLog.dir", log_dir.as_uri()),
        ("spark.eventLog.compress", "false"),
    )
    t = time.perf_counter()
    spark = get_session(EngineConfig(kind="spark", master=args.master, driver_memory=heap, conf=conf))
    started = time.perf_counter() - t
    t = time.perf_counter()
    result = run_gate_spark_uri(
        spark, str(feed), str(work / f"stages-out-{time.time_ns()}"), GateConfig(), None, now=NOW
    ).result
    secs = time.perf_counter() - t
    heap_used = spark.sparkContext.getConf().get("spark.driver.memory")
    spark.stop()
    new = sorted(set(log_dir.iterdir()) - before)
    if len(new) != 1:
        raise SystemExit(f"expected one new event log in {log_dir}, found {new}")
    from spark_scale import account_digest

    return {
        "master": args.master,
        "events": args.events,
        "driver_memory": heap_used,
        "gate_s": round(secs, 2),
        "session_start_s": round(started, 2),
        "digest": account_digest(result),
        **summarise(new[0]),
    }


def compare(two: Path, one: Path) -> dict[str, Any]:
    """Stage by stage (matched by submission order and name): wall of ``one`` (local[1]) over wall
    of ``two`` (local[2]), and each stage's share of the seconds local[2] misses against half of
    local[1]'s wall (what 2x would need)."""
    a, b = json.loads(Path(two).read_text()), json.loads(Path(one).read_text())
    rows = []
    for sa, sb in zip(a["stages"], b["stages"], strict=False):
        same = sa["name"] == sb["name"]
        missed = sa["wall_s"] - sb["wall_s"] / 2  # local[2]'s seconds over a perfect halving
        rows.append(
            {
                "stage": (sa["stage"], sb["stage"]),
                "name": sa["name"] if same else f"{sa['name']} | {sb['name']}",
                "tasks": (sa["tasks"], sb["tasks"]),
                "wall_s": (sa["wall_s"], sb["wall_s"]),
                "ratio": round(sb["wall_s"] / sa["wall_s"], 2) if sa["wall_s"] else None,
                "task_s": (sa["task_s"], sb["task_s"]),
                "busy_slots_2": sa["busy_slots"],
                "tail_2_s": sa["one_slot_tail_s"],
                "missed_s": round(missed, 2),
            }
        )
    gate_missed = a["gate_s"] - b["gate_s"] / 2
    return {
        "gate_s": (a["gate_s"], b["gate_s"]),
        "ratio": round(b["gate_s"] / a["gate_s"], 3),
        "same_digest": a["digest"] == b["digest"],
        "stages_matched": len(rows),
        "stage_counts": (len(a["stages"]), len(b["stages"])),
        "missed_vs_2x_s": round(gate_missed, 2),
        "between_jobs_s": (a["between_jobs_s"], b["between_jobs_s"]),
        "first_job_at_s": (a["first_job_at_s"], b["first_job_at_s"]),
        "stages_wall_sum_s": (
            round(sum(s["wall_s"] for s in a["stages"]), 2),
            round(sum(s["wall_s"] for s in b["stages"]), 2),
        ),
        "top_missed": sorted(rows, key=lambda r: -r["missed_s"])[:15],
        "rows": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--events", type=int, default=3_000_000)
    r.add_argument("--master", default="local[2]")
    r.add_argument("--spark-memory", default="6g", help="driver heap ('default': the product's choice)")
    r.add_argument("--log", default="/tmp/shopmind-spark-events")
    r.add_argument("--work", default="/tmp/shopmind-spark-scale")
    r.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("summarise")
    s.add_argument("log", type=Path)
    s.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("two", type=Path, help="the local[2] run's JSON")
    c.add_argument("one", type=Path, help="the local[1] run's JSON")
    c.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if args.cmd == "run":
        out = run(args)
    elif args.cmd == "summarise":
        out = summarise(args.log)
    else:
        out = compare(args.two, args.one)
    text = json.dumps(out, indent=2, default=str)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    if args.cmd == "compare":
        print(json.dumps({k: v for k, v in out.items() if k != "rows"}, indent=1, default=str))
    else:
        print(json.dumps({k: v for k, v in out.items() if k not in ("stages", "sql")}, default=str))


if __name__ == "__main__":
    main()
