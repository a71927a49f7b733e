"""Round 29's leave-one-set-out: each of the 29 dev sets (main, held-out-1..28) scored by a
fit that leaves it out, judged by round 24's ``judge24`` through round 18's command line
(``assistant_loso18.cli``). New here are only the set list (held-out-28, the lead's one holdout
run of session 32, is a dev set from this round on: ``evaluate.LABELLED_SETS``) and the reference.
Run, then merge the parts:

    python bench/assistant_loso29.py --variants REF,REF+candidate --sets main,heldout --out bench/results/assistant_loso_round29_1a.json
    python bench/assistant_loso29.py merge A.json B.json --out bench/results/assistant_loso_round29_1.json

Variants as in rounds 17-28 (``REF``, ``REF+part``, ``REF-part``, ``name=value``); ``REF`` is
round 28's reference plus the four switches round 28 kept (``id_split``, ``field_words``,
``ceiling_most``, adopted by the rule, and ``news_word``, a defect fix) = ``core.OPTIONS`` as
committed before this round's candidates.

Decision rule (round 29, written and committed with this file before any round-29 run and before
any round-29 candidate code exists): round 28's as ``bench/assistant_loso28.py`` states it, over
the 29 left-out sets instead of 28 (``judge24`` and its six conditions, ``LANG_SLACK`` = 2 per
language over the 29 folds; ``adopt`` is all six; the passing value with the most clean answers;
candidates adopted one by one must pass together, else the one with the fewest sets up is dropped
while time allows). Every fold is run for the combination (no set is taken as unchanged). A fix
of a defect a reader can name (the lead's: a plain request for a person not handed off, a yes to
the hand-off offer read as a greeting, ...) is kept when it passes the rule or breaks none of
(3)-(6) (``fix_ok``), as rounds 27 and 28 kept the lead's defects.

Candidates, in-sample reports, latency and tests as round 28 states them, with held-out-28 the
set whose misses are read this round (a gain from it alone is in-sample) and held-out-29 the set
written blind beside this round by another helper: never opened or run here; the lead measures it
once.
"""

from __future__ import annotations

from assistant_loso18 import cli
from assistant_loso24 import LANG_SLACK, judge24, language_misses
from assistant_loso28 import REF as REF28
from assistant_loso_runner import dev_sets

DEV_SETS = dev_sets(28)
#: the switches round 28 kept, on in round 29's reference
KEPT_28 = ("id_split", "field_words", "ceiling_most", "news_word")
#: round 29's reference: round 28's with the switches it kept
REF = "+".join((REF28, *KEPT_28))

__all__ = ["DEV_SETS", "KEPT_28", "LANG_SLACK", "REF", "judge24", "language_misses"]

if __name__ == "__main__":
    cli(DEV_SETS, "assistant_loso29.py", __doc__ or "", REF, judge_fn=judge24)
