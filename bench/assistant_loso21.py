"""Leave-one-set-out on round 21's dev sets (main, held-out-1..20), judged by round 20's rule.

Why: held-out-20 was run once as round 20's holdout and is a dev set from round 21 on
(``evaluate.LABELLED_SETS``). Round 20's rule (round 18's, ``bench/assistant_loso18.py``'s
docstring: gains on a majority of the sets a candidate touches) is kept unchanged: it refused
round 20's in-topic tie-break, which fixed about as many answers as it moved elsewhere (up on 3 of
the 11 sets it touched), and passed the changes that fixed a kind present in only some sets
(``clause_in_have``, ``owner_foreign``); nothing measured since says it judges wrongly, so I cannot
say in advance why it should change. Everything is imported from round 18 (the judge, the reply
hashes, the command line ``assistant_loso18.cli``) and round 20 (its reference); only the set list
is this round's. Round 20 adopted nothing, so the reference is round 20's.

    python bench/assistant_loso21.py --variants REF,REF+candidate --sets main,heldout --out bench/results/assistant_loso_round21_1a.json
    python bench/assistant_loso21.py merge A.json B.json C.json --out bench/results/assistant_loso_round21_1.json

Variants as in rounds 17-20 (``REF``, ``REF+part``, ``REF-part``, ``name=value``); ``REF`` is
round 20's reference (round 19's final parts: round 18's plus ``owner_foreign``), i.e.
``core.OPTIONS`` as committed before this round's candidates.

Decision rule (round 21, written and committed before the first candidate run; round 20's, over
21 sets). Per left-out set: facts, extra, clean and *touched* as round 18. A candidate is adopted
over the reference when, over the 21 left-out sets: (1) clean answers summed rise; (2) they rise
on a strict majority of the touched sets and on at least 2 sets; (3) at most 1 set falls;
(4) extra summed does not rise, facts summed do not fall; (5) unsupported 0 in every fold,
out-of-scope hand-offs, slot exact matches and intent-correct answers summed do not fall. A
candidate moving no set's clean answers is adopted when intent summed rises, rises on a strict
majority of the touched sets and on at least 2, falls on at most 1, and (4)-(5) hold. Touching
no set: not adopted. Of a setting's values run, the one adopted is the passing value with the
most clean answers summed (ties: the one nearest the reference's value). Candidates adopted one
by one are then run together against the reference and must pass the same rule (if not, the one
with the fewest sets up is dropped and the rest run again while time allows, else none is kept).
Candidates are structural (how a follow-up, a two-part question with an order id, a question
naming nothing of the shop, or an English question is read); no word list is extended for one
set's phrasings, no rule is keyed to one question's wording or one set, no list is typed from the
sets. A candidate whose gains come only from held-out-20 (the set whose misses are read this
round) is reported as in-sample. Held-out-21 (written blind to this code) is run once at the end,
before (this round's switches off) and after, with aggregate figures only; it chooses nothing.
Latency is judged separately (turn CPU p99, before/after alternated in one sitting). A candidate
must keep the assistant tests passing.
"""

from __future__ import annotations

from assistant_loso18 import cli
from assistant_loso20 import REF as REF20
from assistant_loso_runner import dev_sets

DEV_SETS = dev_sets(20)
#: round 21's reference: round 20's (it adopted nothing)
REF = REF20

if __name__ == "__main__":
    cli(DEV_SETS, "assistant_loso21.py", __doc__ or "", REF)
