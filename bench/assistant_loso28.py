"""Leave-one-set-out on round 28's dev sets (main, held-out-1..27) by round 24's judge
(``judge24``), with round 18's command line (``assistant_loso18.cli``). Held-out-27, run once by
the lead as round 27's holdout (session 31), is a dev set from round 28 on
(``evaluate.LABELLED_SETS``); only the set list and the reference are new here.

    python bench/assistant_loso28.py --variants REF,REF+candidate --sets main,heldout --out bench/results/assistant_loso_round28_1a.json
    python bench/assistant_loso28.py merge A.json B.json C.json --out bench/results/assistant_loso_round28_1.json

Variants as in rounds 17-27 (``REF``, ``REF+part``, ``REF-part``, ``name=value``); ``REF`` is
round 27's reference plus the six switches round 27 kept (``refused_policy`` and
``topic_passing``, the lead's defect fixes, and ``order_when``, ``progress_words``,
``chat_words``, ``id_tail``, adopted by the rule) = ``core.OPTIONS`` as committed before this
round's candidates.

Decision rule (round 28, written and committed with this file before any round-28 run and before
any round-28 candidate code exists): round 27's as ``bench/assistant_loso27.py`` states it, over
the 28 left-out sets instead of 27 (``judge24`` and its six conditions, ``LANG_SLACK`` = 2 per
language over the 28 folds; ``adopt`` is all six; the passing value with the most clean answers;
candidates adopted one by one must pass together, else the one with the fewest sets up is dropped
while time allows). A fix of a defect a reader can name (a word of the status lexicon that is also
an off-topic word, say) is kept when it passes the rule or breaks none of (3)-(6) (``fix_ok``),
as round 27 kept the lead's defects.

Candidates are general (how shoppers word things: no punctuation, typos, slang, two-part
questions); no word list is extended for one set's phrasings, no rule is keyed to one question's
wording or one set. A candidate whose gains come only from held-out-27 (the set whose misses are
read this round) is reported as in-sample. Held-out-28 is written blind beside this round by
another helper and is never opened or run here; the lead measures it once. Latency is judged
separately (turn CPU p99, before/after run side by side in one sitting, <= 50 ms). A candidate
must keep the assistant tests passing and the dev answers' unsupported count at 0.
"""

from __future__ import annotations

from assistant_loso18 import cli
from assistant_loso24 import LANG_SLACK, judge24, language_misses
from assistant_loso27 import REF as REF27
from assistant_loso_runner import dev_sets

DEV_SETS = dev_sets(27)
#: the switches round 27 kept, on in round 28's reference
KEPT_27 = ("refused_policy", "topic_passing", "order_when", "progress_words", "chat_words", "id_tail")
#: round 28's reference: round 27's with the switches it kept
REF = "+".join((REF27, *KEPT_27))

__all__ = ["DEV_SETS", "KEPT_27", "LANG_SLACK", "REF", "judge24", "language_misses"]

if __name__ == "__main__":
    cli(DEV_SETS, "assistant_loso28.py", __doc__ or "", REF, judge_fn=judge24)
