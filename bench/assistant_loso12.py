"""Leave-one-set-out on round 12's dev sets (main, held-out-1..11): each set scored by an assistant
whose learnt parts were fitted on the seed and the *other* eleven sets only.

Why: ``bench/assistant_loso.py`` (round 11) knows the ten sets before held-out-11; held-out-11
has been run once as a holdout and is a dev set from round 12 on. Only these sets are ever
run, fitted on or printed; a set being written beside the run is neither.

    python bench/assistant_loso12.py --variants ab,ab+intent --out bench/results/assistant_loso_round12.json

A variant is ``+``-joined parts: ``ab`` (round 11's kept parts: the domain margin and the policy
examples), ``intent`` (the intent model also trained on the other sets' labels, n-grams + mUSE
vectors), ``intent_ngram`` (the same, n-grams only). The first variant is the reference the
others' per-set rises and falls are counted against. The per-question misses of each variant
(dev sets only) are kept in the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from shopmind.assistant.evaluate import DemoAssistant, build_demo, evaluate
from shopmind.assistant.intent import IntentModel
from shopmind.assistant.intent_dense import labelled_pairs, labelled_sections

DEV_SETS = ("main", "heldout", *(f"heldout{i}" for i in range(2, 12)))
PARTS = {"ab", "intent", "intent_ngram"}
COUNTS = ("questions", "facts_right", "intent_right", "unsupported", "oos_handed", "oos")


def fit(variant: str, demo: DemoAssistant, base: IntentModel, left_out: str) -> None:
    """The assistant fitted for ``variant`` on the seed and every dev set but ``left_out``."""
    parts = set(variant.split("+"))
    asst = demo.assistant
    train = [s for s in DEV_SETS if s != left_out]
    asst.model, asst.threshold = base, base.threshold
    lab = labelled_pairs(demo.questions, train)
    secs = labelled_sections(demo.questions, train) if "ab" in parts else []
    intent = bool(parts & {"intent", "intent_ngram"})
    asst.fit_labelled(lab if ("ab" in parts or intent) else [], secs, intent, "intent" in parts)
    if "ab" not in parts:
        asst.domain = None


def score(demo: DemoAssistant, left_out: str) -> tuple[dict[str, int], list[dict]]:
    """Counts of the left-out set and its missed questions (fresh conversations)."""
    asst = demo.assistant
    asst._conversations.clear()
    part = DemoAssistant(asst, [q for q in demo.questions if q.get("set", "main") == left_out], demo.order_defects, demo.orders, 0.0)  # fmt: skip
    res = evaluate(part)
    f = res["by_set"][left_out]  # type: ignore[index]
    n, oos = f["questions"], f["out_of_scope_questions"]
    counts = {
        "questions": n,
        "facts_right": round(f["answers_all_facts_correct"] * n),
        "intent_right": round(f["intent_accuracy"] * n),
        "unsupported": f["answers_with_unsupported_fact"],
        "oos_handed": round((f["out_of_scope_handoff_rate"] or 0) * oos),
        "oos": oos,
    }
    keep = (
        "id",
        "set",
        "text",
        "intent",
        "predicted",
        "facts_ok",
        "handoff",
        "cited_sections",
        "want_sections",
    )
    return counts, [{k: x.get(k) for k in keep} for x in res["failures"]]  # type: ignore[union-attr]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="ab,ab+intent")
    ap.add_argument("--sets", default=",".join(DEV_SETS), help="dev sets to leave out in turn")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    sets = args.sets.split(",")
    if not set(sets) <= set(DEV_SETS):
        raise SystemExit(f"--sets must be dev sets of {DEV_SETS}")
    variants = args.variants.split(",")
    for v in variants:
        if not set(v.split("+")) <= PARTS:
            raise SystemExit(f"unknown variant {v!r} (parts: {sorted(PARTS)})")
    t0 = time.perf_counter()
    demo = build_demo(labelled_sets=())  # the seed-only assistant; each fold fits its own
    demo.questions = [q for q in demo.questions if q.get("set", "main") in DEV_SETS]
    base_model = demo.assistant.model
    results: dict[str, dict] = {}
    for v in variants:
        per: dict[str, dict] = {}
        misses: list[dict] = []
        for s in sets:
            fit(v, demo, base_model, s)
            per[s], m = score(demo, s)
            misses += m
        tot = {k: sum(p[k] for p in per.values()) for k in COUNTS}
        ref = results.get(variants[0])
        up = down = 0
        if ref is not None:
            up = sum(per[s]["facts_right"] > ref["by_set"][s]["facts_right"] for s in sets)
            down = sum(per[s]["facts_right"] < ref["by_set"][s]["facts_right"] for s in sets)
        results[v] = {"by_set": per, "total": tot, "sets_up_down_vs_first": [up, down], "misses": misses}
        print(v, json.dumps(tot), f"sets up/down vs {variants[0]}: {up}/{down}", flush=True)
        print("  facts by set:", {s: per[s]["facts_right"] for s in sets}, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "command": "python bench/assistant_loso12.py " + " ".join(sys.argv[1:]),
                "utc": datetime.now(UTC).isoformat(timespec="seconds"),
                "load_average": os.getloadavg(),
                "machine": platform.platform(),
                "seconds": round(time.perf_counter() - t0, 1),
                "results": results,
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
