"""Leave-one-set-out evaluation of the shop assistant's intent model variants on the dev sets.

Why: a set the model or the rules were tuned on reads ~0.95 while each freshly written set reads
~0.83 (docs/BENCHMARKS.md, issue 13). Here each dev set is scored by a model trained on the seed
plus the *other* dev sets' labels only, so the figure estimates a set nobody has fitted to.
Only the named dev sets are ever run or printed (``--sets``); any other set of the demo (a
held-out set being written) is neither trained on nor scored.

    python bench/assistant_loso.py --variants base,base+domain,labels_dense,labels_dense+domain \
        --out bench/results/assistant_loso_round11.json

Variants: ``base`` (the seed-only n-gram model), ``labels`` (n-grams, seed + the other dev
sets), ``labels_dense`` (n-grams + mUSE vectors, seed + the other dev sets); ``+domain``
adds ``assistant.domain``'s out-of-scope margin fitted on the other dev sets' labels, ``+sections``
the policy ordering's nearest labelled questions (``PolicyIndex.set_examples``) of the other sets.
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

DEV_SETS = ("main", "heldout", *(f"heldout{i}" for i in range(2, 11)))
KEYS = ("intent_accuracy", "answers_all_facts_correct", "answers_with_unsupported_fact")


def _score(demo: DemoAssistant, sets: list[str]) -> dict[str, dict]:
    """The assistant as fitted on the questions of ``sets`` (fresh conversations)."""
    asst = demo.assistant
    asst._conversations.clear()
    part = DemoAssistant(asst, [q for q in demo.questions if q.get("set", "main") in sets], demo.order_defects, demo.orders, 0.0)  # fmt: skip
    res = evaluate(part)
    out = {}
    for s, f in res["by_set"].items():  # type: ignore[union-attr]
        oos = f["out_of_scope_questions"]
        out[s] = {
            "questions": f["questions"],
            "facts_right": round(f["answers_all_facts_correct"] * f["questions"]),
            "intent_right": round(f["intent_accuracy"] * f["questions"]),
            "unsupported": f["answers_with_unsupported_fact"],
            "oos_handed": round((f["out_of_scope_handoff_rate"] or 0) * oos),
            "oos": oos,
        }
    return out


def _fit(variant: str, demo: DemoAssistant, base: IntentModel, left_out: str) -> None:
    """The assistant fitted for ``variant`` on the seed and every dev set but ``left_out``."""
    asst = demo.assistant
    train = [s for s in DEV_SETS if s != left_out]
    lab = labelled_pairs(demo.questions, train)
    model_lab = "labels" in variant
    asst.model, asst.threshold = base, base.threshold
    secs = labelled_sections(demo.questions, train) if "+sections" in variant else []
    head = variant.split("+")[0]
    asst.fit_labelled(lab if "+domain" in variant or model_lab else [], secs, head != "base", "dense" in head)
    if "+domain" not in variant:
        asst.domain = None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="base,base+domain,labels_dense,labels_dense+domain")
    ap.add_argument("--sets", default=",".join(DEV_SETS), help="dev sets (comma-separated)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    sets = args.sets.split(",")
    if not set(sets) <= set(DEV_SETS):
        raise SystemExit(f"--sets must be dev sets of {DEV_SETS}")
    t0 = time.perf_counter()
    demo = build_demo(labelled_sets=())  # the seed-only assistant; each fold fits its own
    base_model = demo.assistant.model
    results: dict[str, dict] = {}
    for v in args.variants.split(","):
        if v.split("+")[0] not in ("base", "labels", "labels_dense") or not set(v.split("+")[1:]) <= {"domain", "sections"}:  # fmt: skip
            raise SystemExit(f"unknown variant {v!r}")
        per: dict[str, dict] = {}
        for s in sets:
            _fit(v, demo, base_model, s)
            per.update(_score(demo, [s]))
        tot = {k: sum(p[k] for p in per.values()) for k in ("questions", "facts_right", "intent_right", "unsupported", "oos_handed", "oos")}  # fmt: skip
        results[v] = {"by_set": per, "total": tot}
        print(v, json.dumps(tot), flush=True)
        print("  facts by set:", {s: per[s]["facts_right"] for s in sets}, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "command": "python bench/assistant_loso.py " + " ".join(sys.argv[1:]),
                "utc": datetime.now(UTC).isoformat(timespec="seconds"),
                "load_average": os.getloadavg(),
                "machine": platform.platform(),
                "seconds": round(time.perf_counter() - t0, 1),
                "results": results,
            },
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
