"""Leave-one-set-out for round 30 over main, held-out and held-out-2..29 (30 sets):
the left-out set is scored by a fit on the others and the folds are judged by ``judge24`` with
the command line of ``assistant_loso18.cli``. Only two things change from round 29: held-out-29
(run once by the lead in session 33) is now in ``evaluate.LABELLED_SETS``, and ``REF`` adds the
four switches round 29 kept (``person_asked``, ``offer_yes``, ``have_search``, ``cheaper_kept``:
the lead's defects, kept by ``fix_ok``), i.e. ``core.OPTIONS`` as committed before any round-30
candidate. Variant syntax (``REF``, ``REF+part``, ``REF-part``, ``name=value``) is unchanged.

    python bench/assistant_loso30.py --variants REF,REF+candidate --sets main,heldout --out bench/results/assistant_loso_round30_1a.json
    python bench/assistant_loso30.py merge A.json B.json --out bench/results/assistant_loso_round30_1.json

Decision rule (round 30, written and committed with this file before any round-30 run and before
any round-30 candidate code exists): round 29's as ``bench/assistant_loso29.py`` states it,
unchanged, over the 30 left-out sets instead of 29 (``judge24`` and its six conditions,
``LANG_SLACK`` = 2 per language over the 30 folds; ``adopt`` is all six; the passing value with
the most clean answers; candidates adopted one by one must pass together, else the one with the
fewest sets up is dropped while time allows). Every fold is run for the combination (no set is
taken as unchanged). A fix of a defect a reader can name (the lead's: "转人工" read as a
complaint, "cheaper ones?" listing below the dearest item shown, a card issuer's instalments
answered with the shop's policy, ...) is kept when it passes the rule or breaks none of (3)-(6)
(``fix_ok``), as rounds 27-29 kept the lead's defects.

Candidates, in-sample reports, latency and tests as round 29 states them, with held-out-28 and
held-out-29 the sets whose misses are read this round (a gain from them alone is in-sample) and
held-out-30 the set written blind beside this round by another helper: never opened or run here;
the lead measures it once.
"""

from __future__ import annotations

from assistant_loso18 import cli
from assistant_loso24 import LANG_SLACK, judge24, language_misses
from assistant_loso29 import REF as REF29
from assistant_loso_runner import dev_sets

#: the switches round 29 kept (the lead's four defects), on in round 30's reference
KEPT_29 = ("person_asked", "offer_yes", "have_search", "cheaper_kept")
REF, DEV_SETS = "+".join((REF29, *KEPT_29)), dev_sets(29)

__all__ = ["DEV_SETS", "KEPT_29", "LANG_SLACK", "REF", "judge24", "language_misses"]

if __name__ == "__main__":
    cli(DEV_SETS, "assistant_loso30.py", __doc__ or "", REF, judge_fn=judge24)
