"""``bench/assistant_latency.py`` on named question sets only (default: the dev sets).

Why: the latency bench replays every labelled question of the demo, and a held-out set being
written beside a run (registered in the shared working tree, not yet committed) would make a
"before" run (an older commit through ``PYTHONPATH``) and an "after" run replay different
questions. This wrapper keeps the bench unchanged and filters what ``build_demo`` hands it;
only timings are printed, as by the bench itself.

    python bench/assistant_latency_sets.py --sets main,heldout --rounds 5 --out bench/results/x.json
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

DEV_SETS = ("main", "heldout", *(f"heldout{i}" for i in range(2, 12)))


def main() -> None:
    argv = sys.argv[1:]
    sets = DEV_SETS
    if "--sets" in argv:
        i = argv.index("--sets")
        sets = tuple(argv[i + 1].split(","))
        del argv[i : i + 2]
    from shopmind.assistant import evaluate as ev

    inner = ev.build_demo

    def only_sets(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - build_demo's own signature
        demo = inner(*args, **kwargs)
        demo.questions = [q for q in demo.questions if q.get("set", "main") in sets]
        if not demo.questions:
            raise SystemExit(f"no questions in sets {sets}")
        print(f"sets {','.join(sets)}: {len(demo.questions)} questions", flush=True)
        return demo

    ev.build_demo = only_sets  # the bench imports it by name when it runs below
    sys.argv = [str(Path(__file__).with_name("assistant_latency.py")), *argv]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
