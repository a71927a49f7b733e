"""Issue 13, round 27: held-out-26 a dev set and round 26's rule (round 24's ``judge24``) over 27
sets (``bench/assistant_loso27.py``). Phrasings are this test's own, not any labelled set's (the
lead's are the lead's)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso26 as L26  # noqa: E402
import assistant_loso27 as L  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402


def test_held_out_26_is_a_dev_set_and_the_rule_reads_all_27() -> None:
    assert LABELLED_SETS == L.DEV_SETS  # held-out-27, written beside this round, is never learnt from
    assert len(L.DEV_SETS) == 27 and L.DEV_SETS[-1] == "heldout26"
    # round 26 kept these two (the lead's defect fix and greeting_words)
    assert f"{L26.REF}+order_clause+greeting_words" == L.REF
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert set(L.REF.split("+")) - {"ab", "intent"} == on
