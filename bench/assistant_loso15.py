"""Leave-one-set-out on round 15's dev sets (main, held-out-1..14): each set scored by an assistant
whose learnt parts were fitted on the seed and the *other* fourteen sets only.

Why: held-out-14 was run once as round 14's holdout and is a dev set from round 15 on
(``evaluate.LABELLED_SETS``). The loop is ``bench/assistant_loso_runner.py``'s (shared with
rounds 12-14). Only these 15 sets are ever run, fitted on or printed; a set being written
beside the run (held-out-15) is neither.

    python bench/assistant_loso15.py --variants REF,REF+candidate --out bench/results/assistant_loso_round15_1.json

Variants: ``+``-joined parts as in the runner (``ab``, ``intent``, ``intent_ngram``, ``dense2``,
any switch of ``Assistant.options`` by name, off unless named).

Decision rule (round 15, written before the first run): a candidate is adopted over the
reference (the first variant) when, summed over the 15 left-out sets, answers with every fact
correct rise, more left-out sets rise than fall in those answers, answers stating an
unsupported fact stay 0 in every fold, out-of-scope hand-offs summed do not fall, slot exact
matches summed do not fall, **and intent-correct answers summed do not fall**. A candidate that
changes no set's facts is adopted when it raises out-of-scope hand-offs, slot exact matches or
intent-correct answers summed and lowers none of the three, with unsupported 0. Latency is
judged separately (turn CPU p99 before/after in one sitting). A candidate must also keep the
existing assistant tests passing.
"""

from __future__ import annotations

from assistant_loso_runner import dev_sets, main

DEV_SETS = dev_sets(14)

if __name__ == "__main__":
    main(DEV_SETS, "assistant_loso15.py", __doc__ or "")
