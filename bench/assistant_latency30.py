"""``bench/assistant_latency18.py`` on round 30's dev sets (main, held-out-1..29).

Why: held-out-29 is a dev set from round 30 on; the round-29 wrapper refuses an assistant that
learns from it. Same bench and flags (``--rounds``, ``--out``, ``--count-calls``,
``--options-off``); only timings and counts are printed.

    python bench/assistant_latency30.py --rounds 1 [--options-off x] --out bench/results/x.json
"""

from __future__ import annotations

from assistant_latency18 import main

if __name__ == "__main__":
    main(29)
