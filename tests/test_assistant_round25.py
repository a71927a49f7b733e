"""Issue 13, round 25: held-out-24 a dev set and round 24's rule over 25 sets
(``bench/assistant_loso25.py``); the lead's two defects (an unsure complaint answered instead of
handed off, a time of day answered from the refund section), each test showing the defect with
its switch off. Phrasings are this test's own, not any labelled set's (the lead's two are the
lead's)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso25 as L  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402


def test_held_out_24_is_a_dev_set_and_the_rule_reads_all_25() -> None:
    assert LABELLED_SETS == L.DEV_SETS  # held-out-25, written beside this round, is never learnt from
    assert len(L.DEV_SETS) == 25 and L.DEV_SETS[-1] == "heldout24"
    assert f"{L24.REF}+time_words+compare_cue+gift_browse" == L.REF  # round 24 adopted these three
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert set(L.REF.split("+")) - {"ab", "intent"} == on
