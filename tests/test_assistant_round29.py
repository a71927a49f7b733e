"""Issue 13, round 29: held-out-28 a dev set and round 28's rule (round 24's ``judge24``) over 29
sets (``bench/assistant_loso29.py``). Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso28 as L28  # noqa: E402
import assistant_loso29 as L  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402


def test_held_out_28_is_a_dev_set_and_the_rule_reads_all_29() -> None:
    assert LABELLED_SETS == L.DEV_SETS  # held-out-29, written beside this round, is never learnt from
    assert len(L.DEV_SETS) == 29 and L.DEV_SETS[-1] == "heldout28"
    # round 28 kept these four (three by the rule, one defect fix)
    assert f"{L28.REF}+id_split+field_words+ceiling_most+news_word" == L.REF
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert set(L.REF.split("+")) - {"ab", "intent"} == on
