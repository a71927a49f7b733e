"""``bench/assistant_dev_answers13.py`` with round 17's dev sets (main, held-out-1..16), every
set's figures also giving the two counts round 17's rule reads.

Why: held-out-16 joined the labelled sets in round 17 (``evaluate.LABELLED_SETS``); the round-16
wrapper refuses an assistant that learns from it. Same tool, one more dev set: ``run`` scores
(and ``diff`` compares) all 17, ``holdout`` refuses them, so a fresh set (held-out-17) is scored
with its per-set figures only. Each set's figures gain ``answers_with_wrong_extra_section`` and
``answers_clean`` (``assistant_loso_runner.extra_counts``), computed from the evaluation of the
code on ``PYTHONPATH`` (a "before" worktree's too: its ``evaluate`` already records the firings).

    python bench/assistant_dev_answers17.py run --out /tmp/after.json [--options title_fact,...]
    python bench/assistant_dev_answers17.py holdout --set heldout17 --out bench/results/x.json
"""

from __future__ import annotations

import runpy
from pathlib import Path

from assistant_loso_runner import dev_sets, extra_counts


def _with_extra_counts() -> None:
    """``evaluate.evaluate`` (of the code on the path) with round 17's counts in each set's figures."""
    from shopmind.assistant import evaluate as ev

    inner = ev.evaluate

    def evaluate(demo):  # noqa: ANN001, ANN202 - evaluate's own signature
        res = inner(demo)
        for name, f in res["by_set"].items():
            c = extra_counts(res, name)
            f["answers_with_wrong_extra_section"], f["answers_clean"] = c["extra_wrong"], c["clean_right"]
        return res

    ev.evaluate = evaluate


if __name__ == "__main__":
    _with_extra_counts()
    mod = runpy.run_path(str(Path(__file__).with_name("assistant_dev_answers13.py")), run_name="round17")
    mod["main"].__globals__["DEV_SETS"] = dev_sets(16)
    mod["main"]()
