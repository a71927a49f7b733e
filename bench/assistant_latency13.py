"""``bench/assistant_latency.py`` on round 13's dev sets, optionally with the intent model trained
on the labelled sets, and the encoder calls each measured turn makes.

Why: round 13 judges the intent model trained on the shop's labelled conversations (n-grams +
mUSE vectors): it reads a sentence vector on every turn, so its cost is a latency question as
much as a quality one. The bench itself is unchanged; this wrapper filters the questions to the
dev sets (a held-out set being written beside a run is never replayed), ``--train-intent`` refits
the demo assistant with ``fit_labelled(..., train_intent=True, dense_intent=True)`` on the
labelled sets, and ``--count-calls`` counts the policy encoder's calls in each measured turn
(warm-up and history turns not counted; printed as a histogram: calls per turn -> turns; the count wraps the encoder, so time that run
apart from the timed ones). Only timings and counts are printed.

    python bench/assistant_latency13.py --rounds 2 --out bench/results/x.json [--train-intent] [--count-calls]
"""

from __future__ import annotations

import runpy
import sys
from collections import Counter
from pathlib import Path

DEV_SETS = ("main", "heldout", *(f"heldout{i}" for i in range(2, 13)))


def _flag(argv: list[str], name: str) -> bool:
    if name in argv:
        argv.remove(name)
        return True
    return False


def main() -> None:
    argv = sys.argv[1:]
    train_intent = _flag(argv, "--train-intent")
    count_calls = _flag(argv, "--count-calls")
    from shopmind.assistant import evaluate as ev
    from shopmind.assistant.intent_dense import labelled_pairs, labelled_sections, shared_embed

    inner = ev.build_demo
    calls: list[int] = []

    def only_dev(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - build_demo's own signature
        demo = inner(*args, **kwargs)
        learnt = list(getattr(ev, "LABELLED_SETS", ()))
        if set(learnt) - set(DEV_SETS):
            raise SystemExit(f"the assistant learns from non-dev sets {sorted(set(learnt) - set(DEV_SETS))}")
        if train_intent:
            lab = labelled_pairs(demo.questions, learnt)
            demo.assistant.fit_labelled(lab, labelled_sections(demo.questions, learnt), True, True)
        demo.questions = [q for q in demo.questions if q.get("set", "main") in DEV_SETS]
        print(f"dev sets: {len(demo.questions)} questions; intent model trained on labels: {train_intent}", flush=True)  # fmt: skip
        if count_calls:
            emb = shared_embed()
            enc = emb.encode

            def counted(texts):  # noqa: ANN001, ANN202 - the encoder's own signature
                if calls and calls[-1] >= 0:
                    calls[-1] += 1
                return enc(texts)

            emb.encode = counted
            turn = demo.assistant.turn

            def counting_turn(*a, **k):  # noqa: ANN002, ANN003, ANN202 - Assistant.turn's signature
                if len(a) == 4:  # the bench's measured turn (warm-up and history turns pass fewer)
                    calls.append(0)
                    r = turn(*a, **k)
                    calls.append(-1)  # a marker: calls outside a measured turn are not counted
                    return r
                return turn(*a, **k)

            demo.assistant.turn = counting_turn  # type: ignore[method-assign]
        return demo

    ev.build_demo = only_dev  # the bench imports it by name when it runs below
    sys.argv = [str(Path(__file__).with_name("assistant_latency.py")), *argv]
    runpy.run_path(sys.argv[0], run_name="__main__")
    if count_calls:
        print("encoder calls per turn (measured turns):", dict(sorted(Counter(c for c in calls if c >= 0).items())))  # fmt: skip


if __name__ == "__main__":
    main()
