"""``bench/assistant_latency18.py`` on round 26's dev sets (main, held-out-1..25).

Why: held-out-25 is a dev set from round 26 on; the round-25 wrapper refuses an assistant that
learns from it. Same bench and flags (``--rounds``, ``--out``, ``--count-calls``,
``--options-off``); only timings and counts are printed.

    python bench/assistant_latency26.py --rounds 1 [--options-off x] --out bench/results/x.json
"""

from __future__ import annotations

from assistant_latency18 import main

if __name__ == "__main__":
    main(25)
