"""Leave-one-set-out on round 23's dev sets (main, held-out-1..22), judged by round 22's rule
unchanged: round 21's rule with an answer that misses a fact and quotes an unasked section
counted once (``assistant_loso22.judge22``).

Why: held-out-22 was run once as round 22's holdout and is a dev set from round 23 on
(``evaluate.LABELLED_SETS``). Everything is imported: the judge and its extra count from round 22
(``judge22``, ``extra_clean``), the command line and reply hashes from round 18
(``assistant_loso18.cli``); only the set list and the reference are this round's.

    python bench/assistant_loso23.py --variants REF,REF+candidate --sets main,heldout --out bench/results/assistant_loso_round23_1a.json
    python bench/assistant_loso23.py merge A.json B.json C.json --out bench/results/assistant_loso_round23_1.json

Variants as in rounds 17-22 (``REF``, ``REF+part``, ``REF-part``, ``name=value``); ``REF`` is
round 22's reference plus the two switches round 22 adopted (``clause_space``,
``clause_floor``) = ``core.OPTIONS`` as committed before this round's candidates.

Decision rule (round 23, written and committed with this file before any round-23 run and before
any round-23 candidate code exists): round 22's, unchanged, over the 23 left-out sets. Per
left-out set: facts, clean and *touched* as round 18; extra = answers with every fact correct
that quote an unasked section (``extra_clean`` = facts - clean). A candidate is adopted over the
reference when, over the 23 left-out sets: (1) clean answers summed rise; (2) they rise on a
strict majority of the touched sets and on at least 2 sets; (3) at most 1 set falls; (4) extra
(``extra_clean``) summed does not rise, facts summed do not fall; (5) unsupported 0 in every
fold, out-of-scope hand-offs, slot exact matches and intent-correct answers summed do not fall.
A candidate moving no set's clean answers is adopted when intent summed rises, rises on a strict
majority of the touched sets and on at least 2, falls on at most 1, and (4)-(5) hold. Touching
no set: not adopted. Of a setting's values run, the one adopted is the passing value with the
most clean answers summed (ties: the one nearest the reference's value). Candidates adopted one
by one are then run together against the reference and must pass the same rule (if not, the one
with the fewest sets up is dropped and the rest run again while time allows, else none is kept).

Nothing is changed: I know no reason, stated before a run, that would hold for any candidate.
In particular condition 5 keeps "out-of-scope hand-offs summed do not fall" although this
round's largest target is the out-of-scope border in both directions: the issue states that
goal on its own (>= 90 % handed off), and a border candidate that trades out-of-scope hand-offs
for in-scope answers is exactly what that veto exists to see. Each verdict still carries what
round 21's count would have decided (``adopt_round21_count``, ``extra_all``) and the answers
that miss a fact and quote an unasked section (``extra_on_miss``); round 22's rule is this rule,
so its decision is ``adopt``.

Candidates are structural (how the out-of-scope border reads a message against what the shop
holds, how a section inside a topic is chosen, when a hand-off replaces an answer); no word list
is extended for one set's phrasings, no rule is keyed to one question's wording or one set, no
list is typed from the sets. A candidate whose gains come only from held-out-22 (the set whose
misses are read this round) is reported as in-sample. Held-out-23 (written blind to this code)
is run once at the end, before (this round's switches off) and after, with aggregate figures
only; it chooses nothing. Latency is judged separately (turn CPU p99, before/after alternated in
one sitting). A candidate must keep the assistant tests passing.
"""

from __future__ import annotations

from assistant_loso18 import cli
from assistant_loso22 import REF as REF22
from assistant_loso22 import extra_clean, judge22
from assistant_loso_runner import dev_sets

DEV_SETS = dev_sets(22)
#: round 23's reference: round 22's with the two switches it adopted
REF = f"{REF22}+clause_space+clause_floor"

__all__ = ["DEV_SETS", "REF", "extra_clean", "judge22"]

if __name__ == "__main__":
    cli(DEV_SETS, "assistant_loso23.py", __doc__ or "", REF, judge_fn=judge22)
