"""The answers with a fact wrong in a round-26 leave-one-set-out run, grouped by kind: round 20's
tool (``bench/assistant_misses20.py``) on round 26's dev sets (main, held-out-1..25) and reference.

    python bench/assistant_misses26.py bench/results/assistant_loso_round26_1.json [--variant REF] [--list]
"""

from __future__ import annotations

from assistant_loso26 import DEV_SETS, REF
from assistant_misses20 import main

if __name__ == "__main__":
    main(DEV_SETS, REF)
