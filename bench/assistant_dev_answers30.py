"""``bench/assistant_dev_answers18.py`` with round 30's dev sets (main, held-out-1..29).

Why: held-out-29 joined the labelled sets in round 30 (``evaluate.LABELLED_SETS``); the round-29
wrapper refuses an assistant that learns from it. Same tool and flags: ``run`` scores all 30 dev
sets, ``holdout`` refuses them, so a fresh set (held-out-30) is scored with its figures only;
``--options-off a,b`` gives a round's "before" in the same tree.

    python bench/assistant_dev_answers30.py holdout --set heldout30 --options-off x --out bench/results/x.json
"""

from __future__ import annotations

from assistant_dev_answers18 import main

if __name__ == "__main__":
    main(29)
