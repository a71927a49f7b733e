"""Leave-one-set-out on round 20's dev sets (main, held-out-1..19), judged by round 19's rule.

Why: held-out-19 was run once as round 19's holdout and is a dev set from round 20 on
(``evaluate.LABELLED_SETS``). Round 19's rule (round 18's, ``bench/assistant_loso18.py``'s
docstring: gains on a majority of the sets a candidate touches) is kept unchanged: it passed a
change to a question kind present in only some sets (``clause_in_have``, ``owner_foreign``) and
refused the ones that moved answers both ways (the question's form: up on 3 of the 6 sets it
touched), and nothing measured since says it judges wrongly. Everything is imported from round
18 (the judge, the reply hashes, the command line ``assistant_loso18.cli``) and round 19 (its
reference); only the set list and the reference are this round's.

    python bench/assistant_loso20.py --variants REF,REF+candidate --sets main,heldout --out bench/results/assistant_loso_round20_1a.json
    python bench/assistant_loso20.py merge A.json B.json C.json --out bench/results/assistant_loso_round20_1.json

Variants as in rounds 17-19 (``REF``, ``REF+part``, ``REF-part``, ``name=value``); ``REF`` is
round 19's final parts (round 18's plus ``owner_foreign``, adopted in round 19), i.e.
``core.OPTIONS`` as committed before this round's candidates.

Decision rule (round 20, written and committed before the first candidate run; round 19's, over
20 sets). Per left-out set: facts, extra, clean and *touched* as round 18. A candidate is adopted
over the reference when, over the 20 left-out sets: (1) clean answers summed rise; (2) they rise
on a strict majority of the touched sets and on at least 2 sets; (3) at most 1 set falls;
(4) extra summed does not rise, facts summed do not fall; (5) unsupported 0 in every fold,
out-of-scope hand-offs, slot exact matches and intent-correct answers summed do not fall. A
candidate moving no set's clean answers is adopted when intent summed rises, rises on a strict
majority of the touched sets and on at least 2, falls on at most 1, and (4)-(5) hold. Touching
no set: not adopted. Of a setting's values run, the one adopted is the passing value with the
most clean answers summed (ties: the one nearest the reference's value). Candidates adopted one
by one are then run together against the reference and must pass the same rule (if not, the one
with the fewest sets up is dropped and the rest run again while time allows, else none is kept).
Candidates are structural (which section of a topic a question asks for, read from the sections'
own text or learned from the labelled sections of the *other* sets); no word list is extended for
one set's phrasings, no rule is keyed to one question's wording or one set, no list is typed from
the sets. A candidate whose gains come only from held-out-19 (the set whose misses are read this
round) is reported as in-sample. Held-out-20 (written blind to this code) is run once at the end,
before (this round's switches off) and after, with aggregate figures only; it chooses nothing.
Latency is judged separately (turn CPU p99, before/after alternated in one sitting). A candidate
must keep the assistant tests passing.
"""

from __future__ import annotations

from assistant_loso18 import cli
from assistant_loso19 import REF as REF19
from assistant_loso_runner import dev_sets

DEV_SETS = dev_sets(19)
#: round 20's reference: round 19's final parts (round 18's reference + the adopted ``owner_foreign``)
REF = f"{REF19}+owner_foreign"

if __name__ == "__main__":
    cli(DEV_SETS, "assistant_loso20.py", __doc__ or "", REF)
