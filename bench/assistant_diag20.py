"""Trace chosen dev-set questions through the turn in their leave-one-set-out fold (round 20):
round 15's trace (``assistant_diag15.main``) on round 20's dev sets (main, held-out-1..19) and
reference (``assistant_loso20``). A set being written beside the run is refused.

    python bench/assistant_diag20.py --ids q1311,q594 [--variant REF]
"""

from __future__ import annotations

import assistant_diag15
from assistant_loso20 import DEV_SETS, REF

if __name__ == "__main__":
    assistant_diag15.main(DEV_SETS, REF, __doc__)
