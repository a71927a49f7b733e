"""The answers with a fact wrong in a round-29 leave-one-set-out run, grouped by kind: round 20's
tool (``bench/assistant_misses20.py``) on round 29's dev sets (main, held-out-1..28) and reference.

    python bench/assistant_misses29.py bench/results/assistant_loso_round29_1.json [--variant REF] [--list]
"""

from __future__ import annotations

from assistant_loso29 import DEV_SETS, REF
from assistant_misses20 import main

if __name__ == "__main__":
    main(DEV_SETS, REF)
