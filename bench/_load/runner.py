"""Running load: open-loop steps, per-route latency summaries, held/goal verdicts, the soak."""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from .client import Pool
from .server import Server, _machine_busy
from .traffic import GOALS, GROUP_OF, MIXED, REQUEST_TIMEOUT_S, Request, TrafficModel


@dataclass
class Sample:
    kind: str
    scheduled: float
    sent: float
    done: float
    status: int
    error: str | None


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def summarise(samples: list[Sample], t0: float, t1: float) -> dict[str, Any]:
    """Per route and per group: count, achieved req/s, p50/p90/p99/max latency (from the
    scheduled send time), service time p50/p99 (from the actual send), errors."""
    wall = max(t1 - t0, 1e-9)

    def block(sel: list[Sample]) -> dict[str, Any]:
        ok = [s for s in sel if s.error is None]
        lat = [(s.done - s.scheduled) * 1e3 for s in ok]
        svc = [(s.done - s.sent) * 1e3 for s in ok]
        errs = Counter(s.error for s in sel if s.error is not None)
        return {
            "n": len(sel),
            "ok": len(ok),
            "achieved_rps": round(len(ok) / wall, 1),
            "p50_ms": _pct(lat, 50),
            "p90_ms": _pct(lat, 90),
            "p99_ms": _pct(lat, 99),
            "max_ms": round(max(lat), 2) if lat else None,
            "service_p50_ms": _pct(svc, 50),
            "service_p99_ms": _pct(svc, 99),
            "errors": sum(errs.values()),
            "error_kinds": dict(errs.most_common(5)),
        }

    routes = sorted({s.kind for s in samples})
    groups = sorted({GROUP_OF[k] for k in routes})
    return {
        "all": block(samples),
        "routes": {k: block([s for s in samples if s.kind == k]) for k in routes},
        "groups": {g: block([s for s in samples if GROUP_OF[s.kind] == g]) for g in groups},
    }


class Runner:
    """Open-loop load: requests are issued at Poisson-distributed scheduled times whatever the
    server does; a request that has to wait for a connection still counts from its schedule."""

    def __init__(
        self, model: TrafficModel, port: int, key: str, server: Server, seed: int, max_conns: int
    ) -> None:
        self.model, self.port, self.key, self.server = model, port, key, server
        self.rng = random.Random(seed)
        self.max_conns = max_conns
        self.stage_ms: dict[str, list[float]] = {}
        self.search_seen = 0
        self.error_samples: list[dict[str, Any]] = []  # the first few failing requests, for bug reports

    def _check(self, req: Request, status: int, body: bytes) -> str | None:
        if status != 200:
            if len(self.error_samples) < 20:
                self.error_samples.append(
                    {
                        "method": req.method,
                        "path": urllib.parse.unquote(req.path),
                        "status": status,
                        "body": body[:400].decode("utf-8", "replace"),
                    }
                )
            return f"http_{status}"
        if req.kind == "events":
            got = json.loads(body)
            if got.get("accepted") != req.n_events or got.get("rejected"):
                return "events_not_all_accepted"
        elif req.kind == "search":
            self.search_seen += 1
            if self.search_seen % 10 == 0:  # a sample of the server's own per-stage timings
                got = json.loads(body)  # docs/API.md says timings_ms; the engine's field is timing_ms
                for k, v in (got.get("timings_ms") or got.get("timing_ms") or {}).items():
                    self.stage_ms.setdefault(k, []).append(float(v))
        elif not body.startswith(b'{"context"'):
            return "unexpected_body"
        return None

    async def _one(self, pool: Pool, req: Request, scheduled: float, out: list[Sample]) -> None:
        sent = time.perf_counter()
        extra = f"Authorization: Bearer {self.key}\r\n" if req.kind == "events" else ""
        try:
            status, body = await asyncio.wait_for(
                pool.request(req.method, req.path, req.body, extra), REQUEST_TIMEOUT_S
            )
            err = self._check(req, status, body)
        except TimeoutError:
            status, err = 0, "timeout"
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            status, err = 0, type(exc).__name__
        out.append(Sample(req.kind, scheduled, sent, time.perf_counter(), status, err))

    async def run(
        self, rate: float, duration: float, mix: dict[str, float], on_tick: Any = None, tick_s: float = 5.0
    ) -> tuple[list[Sample], float, float, int]:
        pool = Pool("127.0.0.1", self.port, self.max_conns, {})
        kinds, shares = list(mix), np.cumsum(list(mix.values()))
        samples: list[Sample] = []
        tasks: set[asyncio.Task[None]] = set()
        t0 = time.perf_counter() + 0.05
        nxt, next_tick = t0, t0 + tick_s
        issued = 0
        end = t0 + duration
        while nxt < end:
            now = time.perf_counter()
            if on_tick is not None and now >= next_tick:
                on_tick(now - t0, samples)
                next_tick += tick_s
            if nxt > now:
                await asyncio.sleep(nxt - now)
            x = self.rng.random() * shares[-1]
            req = self.model.make(kinds[int(np.searchsorted(shares, x, side="right"))])
            issued += 1
            task = asyncio.create_task(self._one(pool, req, nxt, samples))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            nxt += self.rng.expovariate(rate)
        if tasks:
            await asyncio.wait(set(tasks), timeout=REQUEST_TIMEOUT_S + 2)
        t1 = max([s.done for s in samples], default=end)
        pool.close()
        return samples, t0, t1, issued

    def step(self, rate: float, duration: float, mix: dict[str, float]) -> dict[str, Any]:
        cpu_c0, cpu_s0, (busy0, tot0) = time.process_time(), self.server.cpu_s(), _machine_busy()
        w0 = time.perf_counter()
        samples, t0, t1, issued = asyncio.run(self.run(rate, duration, mix))
        wall = time.perf_counter() - w0
        busy1, tot1 = _machine_busy()
        out = summarise(samples, t0, t1)
        server_cpu = self.server.cpu_s() - cpu_s0
        out.update(
            target_rps=rate,
            # what the Poisson schedule actually offered (it varies around the target)
            offered_rps=round(issued / duration, 1),
            issued=issued,
            unanswered=issued - len(samples),
            duration_s=round(t1 - t0, 2),
            # CPU the server spent per answered request: the figure least disturbed by other load
            server_cpu_ms_per_req=round(1e3 * server_cpu / max(out["all"]["ok"], 1), 2),
            client_cpu_pct=round(100 * (time.process_time() - cpu_c0) / wall, 1),
            server_cpu_pct=round(100 * server_cpu / wall, 1),
            machine_busy_pct=round(100 * (busy1 - busy0) / max(tot1 - tot0, 1), 1),  # of all cores
            loadavg_1m=round(os.getloadavg()[0], 2),
            server_rss_mb=round(self.server.rss_mb(), 1),
        )
        return out


#: Error kinds (e.g. ``http_400``) counted and reported but not disqualifying a step (--tolerate),
#: so a known bug on a few requests does not hide the capacity figures.
TOLERATED: set[str] = set()


def held(step: dict[str, Any]) -> bool:
    """The rate was *held*: no error (other than tolerated kinds), every request answered, and
    >= 95 % of the *offered* rate answered per second (a server falling behind stretches the
    step, which lowers the achieved rate). Offered, not target: Poisson arrivals vary by a few %."""
    a = step["all"]
    tolerated = sum(n for kind, n in a["error_kinds"].items() if kind in TOLERATED)
    answered = a["achieved_rps"] + tolerated / max(step["duration_s"], 1e-9)
    return a["errors"] - tolerated == 0 and step["unanswered"] == 0 and answered >= 0.95 * step["offered_rps"]


def meets_goals(step: dict[str, Any]) -> bool:
    """p99 goals for the groups present in the step (search <= 30 ms, recs <= 15 ms)."""
    for g, goal in (("search", GOALS["search"]), ("recs", GOALS["recs"])):
        blk = step["groups"].get(g)
        if blk and (blk["p99_ms"] is None or blk["p99_ms"] > goal["p99_ms"]):
            return False
    return True


def run_steps(
    runner: Runner, name: str, mix: dict[str, float], rates: list[float], duration: float
) -> list[dict]:
    """Step the target rate up; stop after the first step the server could not hold (or whose
    p99 passed 2 s — beyond that the queue only grows)."""
    steps = []
    for rate in rates:
        st = runner.step(rate, duration, mix)
        st["held"], st["meets_goals"] = held(st), held(st) and meets_goals(st)
        steps.append(st)
        print(_step_line(name, st), flush=True)
        p99 = st["all"]["p99_ms"] or 1e9
        if not st["held"] or p99 > 2000:
            break
        time.sleep(2)  # let the server's queues drain between steps
    return steps


def _step_line(name: str, st: dict[str, Any]) -> str:
    parts = [f"{name:<11} target {st['target_rps']:>6.0f}/s achieved {st['all']['achieved_rps']:>6.1f}/s"]
    for g, b in st["groups"].items():
        parts.append(f"{g} p50 {b['p50_ms']} p99 {b['p99_ms']}")
    parts.append(f"err {st['all']['errors']} client {st['client_cpu_pct']}% server {st['server_cpu_pct']}%")
    parts.append(
        f"srv {st['server_cpu_ms_per_req']} cpu-ms/req box {st['machine_busy_pct']}% load {st['loadavg_1m']}"
    )
    return " | ".join(parts)


def best(steps: list[dict[str, Any]], with_goals: bool) -> float | None:
    ok = [s["target_rps"] for s in steps if (s["meets_goals"] if with_goals else s["held"])]
    return max(ok) if ok else None


def soak(runner: Runner, rate: float, minutes: float, warmup_s: float) -> dict[str, Any]:
    """``minutes`` of mixed traffic at ``rate``; RSS sampled every 5 s; per-minute latency."""
    rss: list[tuple[float, float]] = []

    def tick(elapsed: float, _samples: list[Sample]) -> None:
        rss.append((round(elapsed, 1), round(runner.server.rss_mb(), 2)))

    cpu_c0, cpu_s0 = time.process_time(), runner.server.cpu_s()
    w0 = time.perf_counter()
    rss.append((0.0, round(runner.server.rss_mb(), 2)))
    samples, t0, t1, issued = asyncio.run(runner.run(rate, minutes * 60, MIXED, on_tick=tick, tick_s=5.0))
    wall = time.perf_counter() - w0
    rss.append((round(t1 - t0, 1), round(runner.server.rss_mb(), 2)))
    after = [r for t, r in rss if t >= warmup_s]
    base = after[0] if after else rss[0][1]
    final = rss[-1][1]
    minutes_out = []
    for m in range(int(np.ceil((t1 - t0) / 60))):
        sel = [s for s in samples if m * 60 <= s.scheduled - t0 < (m + 1) * 60]
        blk = summarise(sel, t0 + m * 60, t0 + min((m + 1) * 60, t1 - t0))
        minutes_out.append(
            {
                "minute": m + 1,
                **{
                    g: {k: b[k] for k in ("p50_ms", "p99_ms", "errors", "achieved_rps")}
                    for g, b in blk["groups"].items()
                },
            }
        )
    out = summarise(samples, t0, t1)
    out.update(
        target_rps=rate,
        minutes=minutes,
        warmup_s=warmup_s,
        rss_mb=rss,
        rss_baseline_mb=base,
        rss_final_mb=final,
        rss_max_mb=max(r for _, r in rss),
        rss_growth_pct=round(100 * (final - base) / base, 2),
        issued=issued,
        unanswered=issued - len(samples),
        per_minute=minutes_out,
        client_cpu_pct=round(100 * (time.process_time() - cpu_c0) / wall, 1),
        server_cpu_pct=round(100 * (runner.server.cpu_s() - cpu_s0) / wall, 1),
        loadavg_1m=round(os.getloadavg()[0], 2),
    )
    out["rss_goal_met"] = out["rss_growth_pct"] <= GOALS["rss_growth_pct"]
    return out
