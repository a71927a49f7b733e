"""Trace chosen dev-set questions through the turn in their leave-one-set-out fold (round 16).

Why: grouping the reference's misses by cause needs to know which rule took a question where
(the classifier's ranking, the policy follow-up reading, the domain margin and its level, the
sections). Dev sets only (main, held-out-1..15); a set being written beside the run is refused.

    python bench/assistant_diag16.py --ids q1311,q594 [--variant REF]
"""

from __future__ import annotations

import assistant_diag15

DEV_SETS = ("main", "heldout", *(f"heldout{i}" for i in range(2, 16)))
#: round 16's reference: round 15's final parts
REF = "ab+intent+order_pronoun+policy_amount+price_ceiling+topic_level+domain_any+title_fact+section_labelled+order_forms+order_it+order_complaint+ceiling_query+policy_attrs+level_floor+clause_cues+followup_oos+followup_own"  # fmt: skip


if __name__ == "__main__":
    assistant_diag15.main(DEV_SETS, REF, __doc__)  # round 15's trace, on round 16's sets and reference
