"""Leave-one-set-out over a list of labelled dev sets: the one runner behind
``bench/assistant_loso12.py``, ``assistant_loso13.py`` and ``assistant_loso14.py``.

Why: each round adds the previous round's holdout to the dev sets; round 13's script repeated
round 12's main loop with one more set. Here the loop is written once and each round's script
names its set list (and its own decision rule, in its docstring). Each left-out set is scored by
an assistant whose learnt parts were fitted on the seed and the *other* dev sets only; only the
named sets are ever run, fitted on or printed (a set being written beside the run is neither).

A variant is ``+``-joined parts: ``ab`` (round 11's kept parts: the domain margin and the policy
examples), ``intent`` (the intent model also trained on the other sets' labels, n-grams + mUSE
vectors), ``intent_ngram`` (the same, n-grams only), ``dense2`` (the intent model with labels,
its vectors weighted 2x against the n-grams), and any switch of ``Assistant.options`` by name
(off unless named; a runner of round 12 passes ``options=False`` and leaves the switches at
their defaults, as round 12 did). The first variant is the reference the others' per-set rises
and falls are counted against; each variant's per-question misses are kept in the JSON (from round
17 also its answers that quote an unasked section, marked ``extra``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from shopmind.assistant.core import Assistant
from shopmind.assistant.evaluate import DemoAssistant, build_demo, evaluate
from shopmind.assistant.intent import IntentModel
from shopmind.assistant.intent_dense import labelled_pairs, labelled_sections, shared_embed

COUNTS = ("questions", "facts_right", "intent_right", "slots_right", "unsupported", "oos_handed", "oos", "extra_wrong", "clean_right")  # fmt: skip
PARTS = {"ab", "intent", "intent_ngram", "dense2"}
_MISS_KEYS = (
    "id",
    "set",
    "lang",  # round 24: its rule reads intent and facts per language
    "text",
    "intent",
    "predicted",
    "facts_ok",
    "slots_ok",
    "handoff",
    "cited_sections",
    "want_sections",
)


def dev_sets(last: int) -> tuple[str, ...]:
    """main, held-out (1) and held-out-2..``last``: the dev sets once held-out-``last`` was used."""
    return ("main", "heldout", *(f"heldout{i}" for i in range(2, last + 1)))


#: switches of ``Assistant.options`` read when the learnt parts are fitted (``fit_labelled``);
#: the others act only inside a turn, so variants differing only in them share a fold's fit
FIT_OPTIONS = frozenset({"section_labelled", "level_floor", "pair_tiebreak", "zh_words"})


#: a variant part ``name=value`` sets a module constant (and switches option ``name`` on when it
#: is one): round 16's ``level_q=0.02`` -> ``domain.LEVEL_QUANTILE``, ``example_w=1.0`` ->
#: ``policy.EXAMPLE_WEIGHT`` ...; a variant not naming a setting gets the constant's value as
#: imported. Turn-time settings, not a fit's (the policy memo is cleared when they change)
SETTINGS = {
    "level_q": ("shopmind.assistant.domain", "LEVEL_QUANTILE"),
    "foreign_level": ("shopmind.assistant.domain", "FOREIGN_QUANTILE"),
    "example_w": ("shopmind.assistant.policy", "EXAMPLE_WEIGHT"),
    "example_k": ("shopmind.assistant.policy", "EXAMPLE_K"),
    "section_w": ("shopmind.assistant.policy", "SECTION_MODEL_WEIGHT"),
    "dense_w": ("shopmind.assistant.policy", "DENSE_WEIGHT"),
    "clause_topic": ("shopmind.assistant.compose", "CLAUSE_TOPIC_FLOOR"),
    "aspect_w": ("shopmind.assistant.policy", "ASPECT_WEIGHT"),  # round 19
    "aspect_last": ("shopmind.assistant.aspect", "LAST_ONLY"),  # round 19
    "aspect_topic": ("shopmind.assistant.policy", "ASPECT_IN_TOPIC"),  # round 19
    "heading_w": ("shopmind.assistant.policy", "HEADING_WEIGHT"),  # round 20
    "followup_prior": ("shopmind.assistant.compose", "FOLLOWUP_PRIOR"),  # round 21
    "asked_w": ("shopmind.assistant.compose", "ASKED_PIECE_WEIGHT"),  # round 22
}
_DEFAULTS: dict[str, float] = {}


def switch_off(names: Sequence[str]) -> None:
    """A round's "before" in the same tree: those switches of ``core.OPTIONS`` off and those
    settings of ``SETTINGS`` at 0 (a weight) or False (a switch); unknown names are refused."""
    import importlib

    from shopmind.assistant import core

    unknown = set(names) - set(core.OPTIONS) - set(SETTINGS)
    if unknown:
        raise SystemExit(
            f"unknown options {sorted(unknown)} (known: {sorted(core.OPTIONS)} and {sorted(SETTINGS)})"
        )
    core.OPTIONS.update({n: False for n in names if n in core.OPTIONS})
    for n in names:
        if n in SETTINGS:
            mod, const = SETTINGS[n]
            m = importlib.import_module(mod)
            setattr(m, const, type(getattr(m, const))(0))


def _apply(variant: str, asst: Assistant) -> None:
    """Switch the assistant's options to the variant's (on when named, ``name=value`` included)
    and set the constants of ``SETTINGS`` (the named value, else the imported one)."""
    import importlib

    parts = set(variant.split("+"))
    named = {p.split("=")[0] for p in parts}
    for opt in asst.options:
        asst.options[opt] = opt in named
    values = dict(p.split("=", 1) for p in parts if "=" in p)
    changed = False
    for name, (mod, const) in SETTINGS.items():
        m = importlib.import_module(mod)
        _DEFAULTS.setdefault(name, getattr(m, const))
        v = float(values[name]) if name in values else _DEFAULTS[name]
        v = int(v) if isinstance(_DEFAULTS[name], int) else v
        if getattr(m, const) != v:
            setattr(m, const, v)
            changed = True
    if changed:
        asst.policy._memo.cache_clear()


def fit_key(variant: str) -> str:
    """The parts of ``variant`` that change what ``fit`` learns (round 16: one fit per fold for
    variants that differ only in turn switches; the scores are the ones a separate fit gives)."""
    return "+".join(sorted(set(variant.split("+")) & (PARTS | FIT_OPTIONS)))


def fit(variant: str, demo: DemoAssistant, base: IntentModel, left_out: str, sets: Sequence[str], options: bool = True) -> None:  # fmt: skip
    """The assistant fitted for ``variant`` on the seed and every set of ``sets`` but ``left_out``."""
    parts = set(variant.split("+"))
    asst = demo.assistant
    if options:
        _apply(variant, asst)
    train = [s for s in sets if s != left_out]
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
    """Counts of the left-out set (slot exact matches included) and its missed questions, each
    question in a fresh conversation state."""
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
        "slots_right": round(f["slot_exact_match"] * n),
        "unsupported": f["answers_with_unsupported_fact"],
        "oos_handed": round((f["out_of_scope_handoff_rate"] or 0) * oos),
        "oos": oos,
        **extra_counts(res),
    }
    failed = {x["id"] for x in res["failures"]}  # type: ignore[union-attr]
    extra = [{**f, "extra": True} for f in res["multi_part"]["firings"] if not f["multi_part_right"] and f["id"] not in failed]  # type: ignore[index]  # fmt: skip
    return counts, [{k: x.get(k) for k in (*_MISS_KEYS, "extra")} for x in [*res["failures"], *extra]]  # type: ignore[union-attr]  # fmt: skip


def extra_counts(res: dict, name: str | None = None) -> dict[str, int]:
    """Of an evaluation (``evaluate.evaluate``'s result; ``name``: of that set's questions only,
    else of all): ``extra_wrong``, answers that quote
    a policy section the labelled answer does not name beside another source (the multi-part rule
    fired wrongly: ``evaluate._parts``), and ``clean_right``, answers with every fact right and no
    such extra section. Why (round 17): the fact check only asks whether the labelled section is
    cited, so an answer that adds an unasked section counted as right; round 16's
    ``clause_topic`` fired more and got worse on the fresh set, which the sum could not see."""

    def mine(x: dict) -> bool:
        return name is None or x.get("set", "main") == name

    wrong = {str(f["id"]) for f in res["multi_part"]["firings"] if mine(f) and not f["multi_part_right"]}
    facts_missed = {str(x["id"]) for x in res["failures"] if mine(x) and not x["facts_ok"]}
    n = int(res["questions"] if name is None else res["by_set"][name]["questions"])
    return {"extra_wrong": len(wrong), "clean_right": n - len(facts_missed | wrong)}


def run(
    sets_all: Sequence[str], variants: list[str], sets: list[str], options: bool = True
) -> dict[str, dict]:
    """Every variant's per-set counts, totals, sets up/down against the first variant, misses."""
    if not set(sets) <= set(sets_all):
        raise SystemExit(f"--sets must be dev sets of {tuple(sets_all)}")
    demo = build_demo(labelled_sets=())  # the seed-only assistant; each fold fits its own
    demo.questions = [q for q in demo.questions if q.get("set", "main") in sets_all]
    known = PARTS | (set(demo.assistant.options) | set(SETTINGS) if options else set())
    for v in variants:
        bad = [p for p in v.split("+") if "=" in p and p.split("=")[0] not in SETTINGS]
        if bad or not {p.split("=")[0] for p in v.split("+")} <= known:
            raise SystemExit(f"unknown variant {v!r} (parts: {sorted(known)})")
    base_model = demo.assistant.model
    per_v: dict[str, dict[str, dict]] = {v: {} for v in variants}
    miss_v: dict[str, list[dict]] = {v: [] for v in variants}
    for s in sets:  # fold outer: variants that differ only in turn switches share one fit
        fitted: str | None = None
        for v in variants:
            key = fit_key(v)
            if key != fitted or not options:
                fit(v, demo, base_model, s, sets_all, options)
                fitted = key
            elif options:  # the same learnt parts: only the turn's switches change
                _apply(v, demo.assistant)
            per_v[v][s], m = score(demo, s)
            miss_v[v] += m
        print(f"  fold {s} done", {v[-40:]: per_v[v][s]["facts_right"] for v in variants}, flush=True)
    results: dict[str, dict] = {}
    for v in variants:
        per, misses = per_v[v], miss_v[v]
        tot = {k: sum(p[k] for p in per.values()) for k in COUNTS}
        ref = results.get(variants[0])
        up = down = 0
        if ref is not None:
            up = sum(per[s]["facts_right"] > ref["by_set"][s]["facts_right"] for s in sets)
            down = sum(per[s]["facts_right"] < ref["by_set"][s]["facts_right"] for s in sets)
        results[v] = {"by_set": per, "total": tot, "sets_up_down_vs_first": [up, down], "misses": misses}
        print(v, json.dumps(tot), f"sets up/down vs {variants[0]}: {up}/{down}", flush=True)
        print("  facts by set:", {s: per[s]["facts_right"] for s in sets}, flush=True)
        print("  slots by set:", {s: per[s]["slots_right"] for s in sets}, flush=True)
    return results


def main(sets_all: Sequence[str], script: str, doc: str, options: bool = True, judge: Callable[[dict[str, dict], list[str]], dict[str, dict]] | None = None) -> None:  # fmt: skip
    """Command line of a round's script: ``--variants``, ``--sets``, ``--out``; ``judge``: the
    round's decision rule applied to the results (variant -> verdict), printed and saved."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--variants", default="ab,ab+intent")
    ap.add_argument("--sets", default=",".join(sets_all), help="dev sets to leave out in turn")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    t0 = time.perf_counter()
    variants = args.variants.split(",")
    results = run(sets_all, variants, args.sets.split(","), options)
    verdicts = judge(results, variants) if judge is not None else {}
    for v, verdict in verdicts.items():
        print("verdict", v[-60:], json.dumps(verdict), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "command": f"python bench/{script} " + " ".join(sys.argv[1:]),
        "utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "machine": platform.platform(),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    args.out.write_text(
        json.dumps({**meta, "results": results, "verdicts": verdicts}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
