"""Leave-one-set-out on round 13's dev sets (main, held-out-1..12): each set scored by an assistant
whose learnt parts were fitted on the seed and the *other* twelve sets only.

Why: held-out-12 was run once as round 12's holdout and is a dev set from round 13 on
(``evaluate.LABELLED_SETS``); ``bench/assistant_loso12.py`` knows only the twelve sets before it.
Only these sets are ever run, fitted on or printed; a set being written beside the run
(held-out-13) is neither.

    python bench/assistant_loso13.py --variants ab,ab+intent --out bench/results/assistant_loso_round13_1.json

A variant is ``+``-joined parts: ``ab`` (round 11's kept parts: the domain margin and the policy
examples), ``intent`` (the intent model also trained on the other sets' labels, n-grams + mUSE
vectors), ``intent_ngram`` (the same, n-grams only), ``dense2`` (the intent model with labels,
its vectors weighted 2x against the n-grams), and any switch of ``Assistant.options``
by name (a round-13 candidate, off unless named). The first variant is the reference the others'
per-set rises and falls are counted against; each variant's per-question misses (dev sets only)
are kept in the JSON.

Decision rule (round 13, written before the runs): a candidate is adopted over the reference when,
summed over the 13 left-out sets, answers with every fact correct rise, more left-out sets rise
than fall in those answers, answers stating an unsupported fact stay 0 in every fold, and
out-of-scope hand-offs summed do not fall. Latency is judged separately
(``bench/assistant_latency.py``, turn CPU p99 before/after in one sitting).
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

from assistant_loso12 import score as score12
from shopmind.assistant.evaluate import DemoAssistant, build_demo
from shopmind.assistant.intent import IntentModel
from shopmind.assistant.intent_dense import labelled_pairs, labelled_sections, shared_embed

DEV_SETS = ("main", "heldout", *(f"heldout{i}" for i in range(2, 13)))
COUNTS = ("questions", "facts_right", "intent_right", "slots_right", "unsupported", "oos_handed", "oos")
PARTS = {"ab", "intent", "intent_ngram", "dense2"}


def fit(variant: str, demo: DemoAssistant, base: IntentModel, left_out: str) -> None:
    """The assistant fitted for ``variant`` on the seed and every dev set but ``left_out``."""
    parts = set(variant.split("+"))
    asst = demo.assistant
    for opt in asst.options:
        asst.options[opt] = opt in parts
    train = [s for s in DEV_SETS if s != left_out]
    asst.model, asst.threshold = base, base.threshold
    lab = labelled_pairs(demo.questions, train)
    secs = labelled_sections(demo.questions, train) if "ab" in parts else []
    intent = bool(parts & {"intent", "intent_ngram"})
    asst.fit_labelled(lab if ("ab" in parts or intent) else [], secs, intent, "intent" in parts)
    if "dense2" in parts:  # the intent model's vectors weighted twice against the n-grams
        asst.model = IntentModel.calibrated(extra=[(t, i) for t, i, _ in lab], embed=shared_embed(), dense_scale=2.0)  # fmt: skip
        asst.threshold = asst.model.threshold
    if "ab" not in parts:
        asst.domain = None


def score(demo: DemoAssistant, left_out: str) -> tuple[dict[str, int], list[dict]]:
    """``assistant_loso12.score`` plus the left-out set's slot exact matches (round 13's
    candidates include slot rules)."""
    from shopmind.assistant import evaluate as ev

    inner, seen = ev.evaluate, {}

    def keeping(d):  # noqa: ANN001, ANN202 - evaluate's own signature
        seen["res"] = inner(d)
        return seen["res"]

    import assistant_loso12

    assistant_loso12.evaluate = keeping
    try:
        counts, misses = score12(demo, left_out)
    finally:
        assistant_loso12.evaluate = inner
    f = seen["res"]["by_set"][left_out]
    counts["slots_right"] = round(f["slot_exact_match"] * f["questions"])
    return counts, misses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="ab,ab+intent")
    ap.add_argument("--sets", default=",".join(DEV_SETS), help="dev sets to leave out in turn")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    sets = args.sets.split(",")
    if not set(sets) <= set(DEV_SETS):
        raise SystemExit(f"--sets must be dev sets of {DEV_SETS}")
    t0 = time.perf_counter()
    demo = build_demo(labelled_sets=())  # the seed-only assistant; each fold fits its own
    demo.questions = [q for q in demo.questions if q.get("set", "main") in DEV_SETS]
    known = PARTS | set(demo.assistant.options)
    variants = args.variants.split(",")
    for v in variants:
        if not set(v.split("+")) <= known:
            raise SystemExit(f"unknown variant {v!r} (parts: {sorted(known)})")
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
                "command": "python bench/assistant_loso13.py " + " ".join(sys.argv[1:]),
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
