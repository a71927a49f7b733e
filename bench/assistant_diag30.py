"""Trace chosen dev-set questions through the turn in their leave-one-set-out fold (round 30):
round 15's trace (``assistant_diag15.main``) on round 30's dev sets (main, held-out-1..29) and
reference (``assistant_loso30``). A set being written beside the run is refused.

    python bench/assistant_diag30.py --ids q1311,q594 [--variant REF]
"""

from __future__ import annotations

import assistant_diag15
from assistant_loso30 import DEV_SETS, REF

if __name__ == "__main__":
    assistant_diag15.main(DEV_SETS, REF, __doc__)
