"""Issue 13, round 26: held-out-25 a dev set and round 25's rule (round 24's ``judge24``) over 26
sets (``bench/assistant_loso26.py``). Phrasings are this test's own, not any labelled set's (the
lead's are the lead's)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso25 as L25  # noqa: E402
import assistant_loso26 as L  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402


def test_held_out_25_is_a_dev_set_and_the_rule_reads_all_26() -> None:
    assert LABELLED_SETS == L.DEV_SETS  # held-out-26, written beside this round, is never learnt from
    assert len(L.DEV_SETS) == 26 and L.DEV_SETS[-1] == "heldout25"
    # round 25 kept these three (two defect fixes and ceiling_words)
    assert f"{L25.REF}+clock_when+complaint_named+ceiling_words" == L.REF
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert set(L.REF.split("+")) - {"ab", "intent"} == on
