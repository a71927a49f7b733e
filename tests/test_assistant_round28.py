"""Issue 13, round 28: held-out-27 a dev set and round 27's rule (round 24's ``judge24``) over 28
sets (``bench/assistant_loso28.py``). Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso27 as L27  # noqa: E402
import assistant_loso28 as L  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402


def test_held_out_27_is_a_dev_set_and_the_rule_reads_all_28() -> None:
    assert LABELLED_SETS == L.DEV_SETS  # held-out-28, written beside this round, is never learnt from
    assert len(L.DEV_SETS) == 28 and L.DEV_SETS[-1] == "heldout27"
    # round 27 kept these six (two defect fixes and four candidates)
    kept = "+refused_policy+topic_passing+order_when+progress_words+chat_words+id_tail"
    assert f"{L27.REF}{kept}" == L.REF
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert set(L.REF.split("+")) - {"ab", "intent"} == on
