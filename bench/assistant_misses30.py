"""The answers with a fact wrong in a round-30 leave-one-set-out run, grouped by kind: round 20's
tool (``bench/assistant_misses20.py``) on round 30's dev sets (main, held-out-1..29) and reference.

    python bench/assistant_misses30.py bench/results/assistant_loso_round30_1.json [--variant REF] [--list]
"""

from __future__ import annotations

from assistant_loso30 import DEV_SETS, REF
from assistant_misses20 import main

if __name__ == "__main__":
    main(DEV_SETS, REF)
