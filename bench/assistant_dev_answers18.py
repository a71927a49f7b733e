"""``bench/assistant_dev_answers17.py`` with round 18's dev sets (main, held-out-1..17).

Why: held-out-17 joined the labelled sets in round 18 (``evaluate.LABELLED_SETS``); the round-17
wrapper refuses an assistant that learns from it. Same tool (each set's figures with round 17's
extra and clean counts): ``run`` scores all 18 dev sets, ``holdout`` refuses them, so a fresh set
(held-out-18) is scored with its figures only. ``--options-off a,b`` switches options of
``core.OPTIONS`` off by name: the "before" of a round is the same tree with its adopted switches off.

    python bench/assistant_dev_answers18.py run --out /tmp/after.json
    python bench/assistant_dev_answers18.py holdout --set heldout18 --options-off x --out bench/results/x.json
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from assistant_loso_runner import dev_sets, switch_off


def _options_off() -> None:
    """``--options-off a,b``: those switches of ``core.OPTIONS`` off, those settings of the
    runner's ``SETTINGS`` at 0 (``runner.switch_off``; unknown names refused)."""
    if "--options-off" not in sys.argv:
        return
    i = sys.argv.index("--options-off")
    names = sys.argv[i + 1].split(",")
    del sys.argv[i : i + 2]
    switch_off(names)


def main(last: int = 17) -> None:
    """The tool on the dev sets main, held-out-1..``last`` (round 19 passes 18)."""
    _options_off()
    r17 = runpy.run_path(str(Path(__file__).with_name("assistant_dev_answers17.py")), run_name="round18")
    r17["_with_extra_counts"]()
    mod = runpy.run_path(str(Path(__file__).with_name("assistant_dev_answers13.py")), run_name="round18")
    mod["main"].__globals__["DEV_SETS"] = dev_sets(last)
    mod["main"]()


if __name__ == "__main__":
    main()
