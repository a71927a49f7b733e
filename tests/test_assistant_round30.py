"""Issue 13, round 30: held-out-29 a dev set and round 29's rule (round 24's ``judge24``) over 30
sets (``bench/assistant_loso30.py``). Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso29 as L29  # noqa: E402
import assistant_loso30 as L  # noqa: E402
from assistant_round_util import ADOPTED_30  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402


def test_held_out_29_is_a_dev_set_and_the_rule_reads_all_30() -> None:
    assert LABELLED_SETS == L.DEV_SETS  # held-out-30, written beside this round, is never learnt from
    assert len(L.DEV_SETS) == 30 and L.DEV_SETS[-1] == "heldout29"
    # round 29 kept these four (the lead's defect fixes, fix_ok)
    assert f"{L29.REF}+person_asked+offer_yes+have_search+cheaper_kept" == L.REF
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert set(L.REF.split("+")) - {"ab", "intent"} == on - ADOPTED_30
