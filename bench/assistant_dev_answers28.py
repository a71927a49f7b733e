"""``bench/assistant_dev_answers18.py`` with round 28's dev sets (main, held-out-1..27).

Why: held-out-27 joined the labelled sets in round 28 (``evaluate.LABELLED_SETS``); the round-27
wrapper refuses an assistant that learns from it. Same tool and flags: ``run`` scores all 28 dev
sets, ``holdout`` refuses them, so a fresh set (held-out-28) is scored with its figures only;
``--options-off a,b`` gives a round's "before" in the same tree.

    python bench/assistant_dev_answers28.py holdout --set heldout28 --options-off x --out bench/results/x.json
"""

from __future__ import annotations

from assistant_dev_answers18 import main

if __name__ == "__main__":
    main(27)
