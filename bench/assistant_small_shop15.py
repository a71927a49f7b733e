"""The domain margin's hand-off level for a shop with few labelled conversations, on the dev sets.

Why: round 14 noticed that on the 13-question test shop plain return questions were handed off
by the domain margin (``domain.DomainMargin``): its pooled level is the lowest left-out margin of
the shop's labelled policy questions, and the lowest of a few is high - a new policy question of
the shop falls below the lowest of n exchangeable ones with chance 1/(n+1). The leave-one-set-out
folds never show this (each fold learns from 14 sets, 400+ policy questions), so here small shops
are drawn from the dev sets: each dev set in turn is a shop's labelled conversations (two logs:
its questions split by parity), subsampled (seeded) to ``--sizes`` questions; its margin is
fitted as ``for_shop`` fits it, and every question of the *other* dev sets is read by it:

- ``policy_off``: labelled policy questions (return/refund, shipping, payment) whose margin is
  below the level (the turn would hand them off when it reads them as policy);
- ``oos_caught``: labelled out-of-scope questions whose margin is below the level.

This reads the margin alone, not whole turns (other rules may also hand off or answer a
question); it is a diagnosis of the cause and a comparison of levels, not the issue's figures.

Levels compared (``--levels``): ``pooled`` (round 14: the lowest left-out margin) and ``floor``
(``domain.small_shop_level``: with fewer than ``MIN_LEVEL_QUESTIONS`` labelled policy questions,
the lower of that and a normal reading of the margins' 1/(MIN_LEVEL_QUESTIONS+1) quantile).

Decision rule (written before the first run): ``floor`` is adopted when, summed over every small
shop of every size, the policy questions it keeps (``policy_off`` saved) exceed the out-of-scope
questions it lets through (``oos_caught`` lost), it saves policy questions at the smallest size in
more shops than it loses any, and the 15-fold leave-one-set-out figures are unchanged (there each
fold rests on 400+ policy questions, so the floor must not bite).

    python bench/assistant_small_shop15.py --sizes 13,30,60 --out bench/results/assistant_small_shop15.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from assistant_loso_runner import dev_sets
from shopmind.assistant import domain as domain_mod
from shopmind.assistant.evaluate import build_demo
from shopmind.assistant.intent_dense import labelled_pairs, shared_embed

DEV_SETS = dev_sets(14)
POLICY = set(domain_mod.POLICY_INTENTS)


def _small_shop(pairs: list[tuple[str, str, str]], size: int, seed: int) -> list[tuple[str, str, str]]:
    """``size`` of the set's labelled questions (seeded), in two logs by parity."""
    rng = random.Random(seed)
    pick = pairs if size >= len(pairs) else rng.sample(pairs, size)
    return [(t, i, f"log{j % 2}") for j, (t, i, _) in enumerate(pick)]


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sizes", default="13,30,60")
    ap.add_argument("--levels", default="pooled,floor")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    levels = args.levels.split(",")
    if not set(levels) <= {"pooled", "floor"}:
        raise SystemExit("--levels: pooled, floor")
    t0 = time.perf_counter()
    demo = build_demo(labelled_sets=())
    asst = demo.assistant
    secs = list(asst.policy.sections.values())
    qs = [q for q in demo.questions if q.get("set", "main") in DEV_SETS]
    by_set = {s: labelled_pairs(qs, [s]) for s in DEV_SETS}
    rows = []
    for size in sizes:
        for k, s in enumerate(DEV_SETS):
            shop = _small_shop(by_set[s], size, args.seed * 1000 + size * 31 + k)
            if not any(i == "out_of_scope" for _, i, _ in shop):
                continue  # no labelled hand-offs: the rule is off for this shop
            others = [p for o in DEV_SETS if o != s for p in by_set[o]]
            row: dict[str, object] = {"size": size, "set": s, "policy_questions": sum(i in POLICY for _, i, _ in shop)}  # fmt: skip
            for lv in levels:
                d = domain_mod.for_shop(shared_embed(), secs, asst.catalog.categories, shop, floor=lv == "floor")  # fmt: skip
                m = np.array([d.margin(t) for t, _, _ in others])
                below = m < d.level
                pol = np.array([i in POLICY for _, i, _ in others])
                oos = np.array([i == "out_of_scope" for _, i, _ in others])
                row[lv] = {
                    "level": round(d.level, 4),
                    "policy_off": int((below & pol).sum()),
                    "policy": int(pol.sum()),
                    "oos_caught": int((below & oos).sum()),
                    "oos": int(oos.sum()),
                }
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {}
    for lv in levels:
        summary[lv] = {
            k: sum(r[lv][k] for r in rows)  # type: ignore[index]
            for k in ("policy_off", "policy", "oos_caught", "oos")
        }
    print("summary", json.dumps(summary), flush=True)
    meta = {
        "command": "python bench/assistant_small_shop15.py " + " ".join(sys.argv[1:]),
        "utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**meta, "summary": summary, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    main()
