"""``bench/assistant_dev_answers13.py`` with round 16's dev sets (main, held-out-1..15).

Why: held-out-15 joined the labelled sets in round 16 (``evaluate.LABELLED_SETS``); the round-13
wrapper refuses an assistant that learns from it. Same tool, one more dev set: ``run`` scores
(and ``diff`` compares) all 16, ``holdout`` refuses them, so a fresh set (held-out-16) is scored
with its per-set figures only.

    python bench/assistant_dev_answers16.py run --out /tmp/after.json [--options title_fact,...]
    python bench/assistant_dev_answers16.py holdout --set heldout16 --out bench/results/x.json
"""

from __future__ import annotations

import runpy
from pathlib import Path

from assistant_loso_runner import dev_sets

if __name__ == "__main__":
    mod = runpy.run_path(str(Path(__file__).with_name("assistant_dev_answers13.py")), run_name="round16")
    mod["main"].__globals__["DEV_SETS"] = dev_sets(15)
    mod["main"]()
