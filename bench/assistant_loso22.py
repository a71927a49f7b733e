"""Leave-one-set-out on round 22's dev sets (main, held-out-1..21), judged by round 21's rule with
one count stated in advance: an answer that both misses a fact and quotes an unasked section is
one fault, not two.

Why: held-out-21 was run once as round 21's holdout and is a dev set from round 22 on
(``evaluate.LABELLED_SETS``). Everything is imported from round 18 (the judge, the reply hashes,
the command line ``assistant_loso18.cli``) and round 21 (its reference); only the set list and
the extra count are this round's.

    python bench/assistant_loso22.py --variants REF,REF+candidate --sets main,heldout --out bench/results/assistant_loso_round22_1a.json
    python bench/assistant_loso22.py merge A.json B.json C.json --out bench/results/assistant_loso_round22_1.json

Variants as in rounds 17-21 (``REF``, ``REF+part``, ``REF-part``, ``name=value``); ``REF`` is
round 21's reference (= round 20's: rounds 20 and 21 adopted nothing), ``core.OPTIONS`` as
committed before this round's candidates.

The extra count, decided before any round-22 run (written and committed with this file). Round
17 added "extra" (answers quoting a policy section the labelled answer does not name, beside
another source) because the fact check only asks whether the labelled sections are cited: an
answer with every fact right that adds an unasked section counted as right, and nothing saw it.
That is the fault extra exists to see. An answer that misses a fact is already one fault in the
fact count and in the clean count; rounds 18-21 counted its unasked section a second time in
condition 4. Round 22 counts every answer once: ``extra`` = answers with every fact correct that
quote an unasked section (= facts - clean, per set and summed; ``extra_clean``). Reasons that hold
for any candidate, whatever it changes: (a) the issue's goals count answers ("answers with every
fact correct"), and clean answers count each answer at most once; a veto that counts one wrong
answer twice judges a different unit than the sum it guards; (b) an answer quoting one wrong
section (the wrong section inside the topic, the largest kind) is one fault (a fact miss, extra
never fires for a single section); the same wrong section quoted beside a right one is no worse
for the shopper and must not weigh twice; (c) nothing that makes a right answer wrong escapes: a
fact-right answer that gains an unasked section raises ``extra_clean``, one that loses a fact
lowers facts and clean. What the new count does not see - a wrong answer that stays wrong and
gains an unasked section - is reported for every variant (``extra_on_miss``) beside the round-21
count's verdict (``adopt_round21_count``), so a reader can see what the old count would have
decided; the decision follows ``adopt``.

Decision rule (round 22; round 21's otherwise, over 22 sets). Per left-out set: facts, clean and
*touched* as round 18; extra as above. A candidate is adopted over the reference when, over the 22
left-out sets: (1) clean answers summed rise; (2) they rise on a strict majority of the touched
sets and on at least 2 sets; (3) at most 1 set falls; (4) extra (``extra_clean``) summed does not
rise, facts summed do not fall; (5) unsupported 0 in every fold, out-of-scope hand-offs, slot
exact matches and intent-correct answers summed do not fall. A candidate moving no set's clean
answers is adopted when intent summed rises, rises on a strict majority of the touched sets and on
at least 2, falls on at most 1, and (4)-(5) hold. Touching no set: not adopted. Of a setting's
values run, the one adopted is the passing value with the most clean answers summed (ties: the one
nearest the reference's value). Candidates adopted one by one are then run together against the
reference and must pass the same rule (if not, the one with the fewest sets up is dropped and the
rest run again while time allows, else none is kept). Candidates are structural (how a two-part
question is cut, how a section inside a topic is chosen, how a Chinese question's intent is read);
no word list is extended for one set's phrasings, no rule is keyed to one question's wording or one
set, no list is typed from the sets. A candidate whose gains come only from held-out-21 (the set
whose misses are read this round) is reported as in-sample. Held-out-22 (written blind to this
code) is run once at the end, before (this round's switches off) and after, with aggregate figures
only; it chooses nothing. Latency is judged separately (turn CPU p99, before/after alternated in
one sitting). A candidate must keep the assistant tests passing.
"""

from __future__ import annotations

from assistant_loso18 import cli, judge
from assistant_loso21 import REF as REF21
from assistant_loso_runner import dev_sets

DEV_SETS = dev_sets(21)
#: round 22's reference: round 21's (it adopted nothing)
REF = REF21


def extra_clean(counts: dict) -> int:
    """Round 22's extra count of one set's (or the total's) counts: answers with every fact
    correct that quote an unasked section. ``clean`` = questions minus the union of fact misses
    and unasked sections, so this is ``facts - clean``."""
    return int(counts["facts_right"]) - int(counts["clean_right"])


def judge22(results: dict[str, dict], variants: list[str]) -> dict[str, dict]:
    """Round 18's judge with ``extra_clean`` as condition 4's count; each verdict also carries the
    round-21 count (``extra_all``), the answers that miss a fact and quote an unasked section
    (``extra_on_miss``) and what the round-21 count would have decided (``adopt_round21_count``)."""
    ours = judge(results, variants, extra=extra_clean)
    old = judge(results, variants)
    for v, verdict in ours.items():
        r, t = results[variants[0]]["total"], results[v]["total"]
        verdict["extra_all"] = old[v]["extra"]
        verdict["extra_on_miss"] = [x["extra_wrong"] - extra_clean(x) for x in (r, t)]
        verdict["adopt_round21_count"] = old[v]["adopt"]
    return ours


if __name__ == "__main__":
    cli(DEV_SETS, "assistant_loso22.py", __doc__ or "", REF, judge_fn=judge22)
