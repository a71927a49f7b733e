"""Latency of one shop-assistant turn in process, without a generative endpoint (goal: p99 <= 50 ms).

Builds the demo shop's assistant (catalog through the quality gate, lexical search index, the
validated orders, the policy sections; intent model trained from the seed), then replays the
demo's labelled questions (main, held-out, held-out-2 to -10) — multi-turn ones with their history, in their own
conversation — ``--rounds`` times after a warm-up on the seed utterances (other texts; the policy search's memo and the
lexicon's concept cache are cleared before each measured turn, so no turn is a cache hit), timing each
``Assistant.turn`` call one at a time.
Wall time and the calling thread's CPU time are both reported (on a shared 2-core machine the
wall-clock tail includes waiting for a core; CPU time is what the turn itself costs), overall
and per intent.

    python bench/assistant_latency.py --rounds 5 --out bench/results/assistant_latency.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shopmind.assistant.evaluate import build_demo
from shopmind.assistant.lexicon import default_lexicon


def _pct(xs: list[float]) -> dict[str, float]:
    a = np.asarray(xs)
    return {"n": len(xs), "p50": round(float(np.percentile(a, 50)), 3), "p99": round(float(np.percentile(a, 99)), 3), "max": round(float(a.max()), 3)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--products", type=int, default=3000)
    ap.add_argument("--users", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--intent-encoder", choices=("none", "e5"), default="none", help="e5: intent model reads e5 vectors"
    )
    ap.add_argument(
        "--out", type=Path, default=None, help="default bench/results/assistant_latency[_e5].json"
    )
    args = ap.parse_args()
    if args.out is None:
        tail = "" if args.intent_encoder == "none" else f"_{args.intent_encoder}"
        args.out = Path(f"bench/results/assistant_latency{tail}.json")

    enc = None if args.intent_encoder == "none" else args.intent_encoder
    demo = build_demo(seed=args.seed, n_products=args.products, n_users=args.users, intent_encoder=enc)
    asst = demo.assistant
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    # warm-up on other texts (the training seed), so no measured message is a repeat
    from shopmind.assistant.seed import SEED

    for texts in SEED.values():
        for t in texts:
            asst.turn(t, "bench-warm")
    for rnd in range(1, args.rounds + 1):
        for q in demo.questions:
            # each measured turn retrieves its policy passages (and encodes its text) afresh;
            # getattr: the same script times an export of older code (no clear_memo there)
            getattr(asst.policy, "clear_memo", asst.policy._memo.cache_clear)()
            default_lexicon().concepts.cache_clear()  # and reads its concepts afresh
            cid = f"bench-{rnd}-{q['id']}"
            for h in q.get("history") or []:  # type: ignore[union-attr]
                asst.turn(str(h), cid, q.get("customer_id"))  # type: ignore[arg-type]
            c0, t0 = time.thread_time(), time.perf_counter()
            r = asst.turn(str(q["text"]), cid, q.get("customer_id"), q.get("page_product"))  # type: ignore[arg-type]
            t1, c1 = time.perf_counter(), time.thread_time()
            for key in ("all", str(q["intent"])):
                wall.setdefault(key, []).append((t1 - t0) * 1e3)
                cpu.setdefault(key, []).append((c1 - c0) * 1e3)
            assert r.answer
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/assistant_latency.py "
        + " ".join(f"--{k} {v}" for k, v in vars(args).items()),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "catalog_products": len(asst.products),
        "orders": len(asst.orders),
        "questions": len(demo.questions),
        "build_seconds": round(demo.build_s, 2),
        "wall_ms": {k: _pct(v) for k, v in sorted(wall.items())},
        "cpu_ms": {k: _pct(v) for k, v in sorted(cpu.items())},
        "goal_p99_ms": 50.0,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps({"all_wall": result["wall_ms"]["all"], "all_cpu": result["cpu_ms"]["all"]}, indent=2))
    for k in sorted(wall):
        print(f"{k:18s} wall p50 {result['wall_ms'][k]['p50']:7.2f}  p99 {result['wall_ms'][k]['p99']:7.2f}  cpu p99 {result['cpu_ms'][k]['p99']:7.2f} ms")  # fmt: skip
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
