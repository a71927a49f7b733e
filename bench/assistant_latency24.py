"""``bench/assistant_latency18.py`` on round 24's dev sets (main, held-out-1..23).

Why: held-out-23 is a dev set from round 24 on; the round-23 wrapper refuses an assistant that
learns from it. Same bench and flags (``--rounds``, ``--out``, ``--count-calls``,
``--options-off``); only timings and counts are printed.

    python bench/assistant_latency24.py --rounds 1 [--options-off x] --out bench/results/x.json
"""

from __future__ import annotations

from assistant_latency18 import main

if __name__ == "__main__":
    main(23)
