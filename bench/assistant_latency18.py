"""``bench/assistant_latency13.py`` on round 18's dev sets (main, held-out-1..17).

Why: held-out-17 is a dev set from round 18 on; the round-17 wrapper refuses an assistant that
learns from it. Same bench and flags (``--rounds``, ``--out``, ``--count-calls``) plus
``--options-off a,b`` (those switches of ``core.OPTIONS`` off: the round's "before" in the same
tree); only timings and counts are printed.

    python bench/assistant_latency18.py --rounds 1 --out bench/results/x.json
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from assistant_loso_runner import dev_sets, switch_off


def main(last: int = 17) -> None:
    """The bench on the dev sets main, held-out-1..``last`` (round 19 passes 18)."""
    if "--options-off" in sys.argv:  # switches off, settings at 0 (``runner.switch_off``)
        i = sys.argv.index("--options-off")
        names = sys.argv[i + 1].split(",")
        del sys.argv[i : i + 2]
        switch_off(names)
    mod = runpy.run_path(str(Path(__file__).with_name("assistant_latency13.py")), run_name="round18")
    mod["main"].__globals__["DEV_SETS"] = dev_sets(last)
    mod["main"]()


if __name__ == "__main__":
    main()
