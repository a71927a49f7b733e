"""The shop assistant's answer to every question of the dev sets, and the difference between two runs.

Why: a refactor or a speed fix of the assistant must not change any answer. ``run`` builds the
demo assistant (``evaluate.build_demo``, the code on ``PYTHONPATH``: an older commit's through a
``git worktree``), scores the named sets with ``evaluate.evaluate`` and records every reply
(intent, answer, citations, hand-off) with the per-set figures; ``diff`` compares two such
files question by question. ``holdout`` scores one set that must stay unread (a freshly written
held-out set) and records and prints its per-set figures only: no question, answer or
per-question result of it is written or printed.

Only the named sets are ever run (``--sets``, default the dev sets): a set being written beside
this run (another file of the demo) is neither scored nor printed.

    python bench/assistant_dev_answers.py run --out /tmp/before.json
    python bench/assistant_dev_answers.py diff /tmp/before.json /tmp/after.json
    python bench/assistant_dev_answers.py holdout --set heldout12 --out bench/results/x.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

#: main and held-out-1..11: the sets every choice of round 12 may read
DEV_SETS: tuple[str, ...] = ("main", "heldout", *(f"heldout{i}" for i in range(2, 12)))


def _evaluate(sets: list[str]) -> tuple[dict, dict[str, dict]]:
    """(evaluation of ``sets``' questions, reply per question id) for the assistant on the path."""
    from shopmind.assistant import evaluate as ev

    demo = ev.build_demo()
    learnt = set(getattr(ev, "LABELLED_SETS", ()))
    if learnt - set(DEV_SETS):
        raise SystemExit(f"the assistant learns from non-dev sets {sorted(learnt - set(DEV_SETS))}")
    part = ev.DemoAssistant(demo.assistant, [q for q in demo.questions if q.get("set", "main") in sets], demo.order_defects, demo.orders, demo.build_s)  # fmt: skip
    replies: dict[str, dict] = {}
    inner = ev.run_question

    def recording(asst, q):  # noqa: ANN001, ANN202 - evaluate's own signature
        r = inner(asst, q)
        replies[str(q["id"])] = {"set": q.get("set", "main"), "text": q["text"], "intent": r.intent, "handoff": r.handoff, "answer": r.answer, "citations": r.citations, "suggested": r.suggested}  # fmt: skip
        return r

    ev.run_question = recording
    try:
        res = ev.evaluate(part)
    finally:
        ev.run_question = inner
    return res, replies


def _meta() -> dict[str, object]:
    return {
        "command": "python bench/assistant_dev_answers.py " + " ".join(sys.argv[1:]),
        "utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "pythonpath": os.environ.get("PYTHONPATH", ""),
    }


def _totals(by_set: dict[str, dict]) -> dict[str, int]:
    out = {"questions": 0, "facts_right": 0, "intent_right": 0, "unsupported": 0, "oos_handed": 0, "oos": 0}
    for f in by_set.values():
        n, oos = f["questions"], f["out_of_scope_questions"]
        out["questions"] += n
        out["facts_right"] += round(f["answers_all_facts_correct"] * n)
        out["intent_right"] += round(f["intent_accuracy"] * n)
        out["unsupported"] += f["answers_with_unsupported_fact"]
        out["oos_handed"] += round((f["out_of_scope_handoff_rate"] or 0) * oos)
        out["oos"] += oos
    return out


def run(sets: list[str], out: Path) -> None:
    if not set(sets) <= set(DEV_SETS):
        raise SystemExit(f"run scores dev sets only ({DEV_SETS}); use holdout for another set")
    t0 = time.perf_counter()
    res, replies = _evaluate(sets)
    by_set = res["by_set"]
    doc = {**_meta(), "seconds": round(time.perf_counter() - t0, 1), "by_set": by_set, "total": _totals(by_set), "policy_recall_at_3": res["policy_recall_at_3"], "multi_part": {k: v for k, v in res["multi_part"].items() if k != "firings"}, "failures": res["failures"], "replies": replies}  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print("total", json.dumps(doc["total"]))
    for s, f in by_set.items():
        print(f"  {s:10s} facts {f['answers_all_facts_correct']:.3f} intent {f['intent_accuracy']:.3f} oos {f['out_of_scope_handoff_rate']} unsupported {f['answers_with_unsupported_fact']}")  # fmt: skip
    print(f"saved {out}")


def holdout(name: str, out: Path) -> None:
    """Per-set figures of one unread set only (nothing per question is kept or printed)."""
    if name in DEV_SETS:
        raise SystemExit(f"{name} is a dev set: use run")
    t0 = time.perf_counter()
    res, _ = _evaluate([name])
    rec = res["policy_recall_at_3"]
    doc = {
        **_meta(),
        "seconds": round(time.perf_counter() - t0, 1),
        "set": name,
        "figures": res["by_set"].get(name),
        "intent_accuracy_by_language": res["intent_accuracy_by_language"],
        "policy_recall": {k: v for k, v in rec.items() if k != "by_set"},
        "multi_part": {k: v for k, v in res["multi_part"].items() if k not in ("firings", "by_set")},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(json.dumps({k: doc[k] for k in ("set", "figures", "intent_accuracy_by_language", "policy_recall", "multi_part")}))  # fmt: skip
    print(f"saved {out}")


def diff(a: Path, b: Path) -> int:
    """Print the dev questions whose reply differs; return how many."""
    ra, rb = (json.loads(p.read_text(encoding="utf-8"))["replies"] for p in (a, b))
    if set(ra) != set(rb):
        print(f"different questions: {len(set(ra) ^ set(rb))}")
    keys = ("intent", "handoff", "answer", "citations", "suggested")
    changed = [q for q in sorted(set(ra) & set(rb)) if any(ra[q][k] != rb[q][k] for k in keys)]
    for q in changed:
        x, y = ra[q], rb[q]
        print(f"{q} [{x['set']}] {x['text']!r}: {x['intent']}/{x['handoff']} -> {y['intent']}/{y['handoff']}")
    print(f"{len(changed)} of {len(set(ra) & set(rb))} replies differ")
    return len(changed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--sets", default=",".join(DEV_SETS))
    r.add_argument("--out", type=Path, required=True)
    h = sub.add_parser("holdout")
    h.add_argument("--set", required=True)
    h.add_argument("--out", type=Path, required=True)
    d = sub.add_parser("diff")
    d.add_argument("a", type=Path)
    d.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "run":
        run(args.sets.split(","), args.out)
    elif args.cmd == "holdout":
        holdout(args.set, args.out)
    else:
        sys.exit(1 if diff(args.a, args.b) else 0)


if __name__ == "__main__":
    main()
