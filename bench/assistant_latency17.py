"""``bench/assistant_latency13.py`` on round 17's dev sets (main, held-out-1..16).

Why: held-out-16 is a dev set from round 17 on; the round-16 wrapper refuses an assistant that
learns from it. Same bench and flags (``--rounds``, ``--out``, ``--count-calls``); only timings
and counts are printed.

    python bench/assistant_latency17.py --rounds 2 --out bench/results/x.json
"""

from __future__ import annotations

import runpy
from pathlib import Path

from assistant_loso_runner import dev_sets

if __name__ == "__main__":
    mod = runpy.run_path(str(Path(__file__).with_name("assistant_latency13.py")), run_name="round17")
    mod["main"].__globals__["DEV_SETS"] = dev_sets(16)
    mod["main"]()
