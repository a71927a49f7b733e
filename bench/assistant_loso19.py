"""Leave-one-set-out on round 19's dev sets (main, held-out-1..18), judged by round 18's rule.

Why: held-out-18 was run once as round 18's holdout and is a dev set from round 19 on
(``evaluate.LABELLED_SETS``). Round 18's rule (``bench/assistant_loso18.py``'s docstring: gains
on a majority of the sets a candidate touches) is kept unchanged: it let a change to a question
kind present in only some sets pass (``clause_in_have``) and refused the ones that moved answers
both ways, and no figure of this round says it should be otherwise. Everything is imported from
round 18 (the judge, the reply hashes, the command line ``assistant_loso18.cli``) and round 17
(``REF`` expansion, ``merge``); only the set list and the reference are this round's.

    python bench/assistant_loso19.py --variants REF,REF+candidate --sets main,heldout --out bench/results/assistant_loso_round19_1a.json
    python bench/assistant_loso19.py merge A.json B.json C.json --out bench/results/assistant_loso_round19_1.json

Variants as in rounds 17-18 (``REF``, ``REF+part``, ``REF-part``, ``name=value``); ``REF`` is
round 18's final parts (round 17's reference plus ``clause_in_have``, adopted in round 18), i.e.
``core.OPTIONS`` as committed before this round's candidates.

Decision rule (round 19, written and committed before the first candidate run; round 18's, over
19 sets). Per left-out set: facts, extra, clean and *touched* as round 18. A candidate is adopted
over the reference when, over the 19 left-out sets: (1) clean answers summed rise; (2) they rise
on a strict majority of the touched sets and on at least 2 sets; (3) at most 1 set falls;
(4) extra summed does not rise, facts summed do not fall; (5) unsupported 0 in every fold,
out-of-scope hand-offs, slot exact matches and intent-correct answers summed do not fall. A
candidate moving no set's clean answers is adopted when intent summed rises, rises on a strict
majority of the touched sets and on at least 2, falls on at most 1, and (4)-(5) hold. Touching
no set: not adopted. Candidates adopted one by one are then run together against the reference
and must pass the same rule (if not, the one with the fewest sets up is dropped and the rest run
again while time allows, else none is kept). Candidates are structural (what a question asks
about within a topic, whose order or service it names); no word list is extended for one set's
phrasings, no rule is keyed to one question's wording or one set, no company names typed from
the sets. A candidate whose gains come only from held-out-18 (the set whose misses were read
this round) is reported as in-sample. Held-out-19 (written blind to this code) is run once at
the end, before (this round's switches off) and after, with aggregate figures only; it chooses
nothing. Latency is judged separately (turn CPU p99, before/after alternated in one sitting).
A candidate must keep the assistant tests passing.
"""

from __future__ import annotations

from assistant_loso17 import REF as REF17
from assistant_loso18 import cli
from assistant_loso_runner import dev_sets

DEV_SETS = dev_sets(18)
#: round 19's reference: round 18's final parts (round 17's reference + the adopted ``clause_in_have``)
REF = f"{REF17}+clause_in_have"

if __name__ == "__main__":
    cli(DEV_SETS, "assistant_loso19.py", __doc__ or "", REF)
