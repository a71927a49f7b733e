"""``bench/assistant_latency18.py`` on round 25's dev sets (main, held-out-1..24).

Why: held-out-24 is a dev set from round 25 on; the round-24 wrapper refuses an assistant that
learns from it. Same bench and flags (``--rounds``, ``--out``, ``--count-calls``,
``--options-off``); only timings and counts are printed.

    python bench/assistant_latency25.py --rounds 1 [--options-off x] --out bench/results/x.json
"""

from __future__ import annotations

from assistant_latency18 import main

if __name__ == "__main__":
    main(24)
