"""Leave-one-set-out on round 14's dev sets (main, held-out-1..13): each set scored by an assistant
whose learnt parts were fitted on the seed and the *other* thirteen sets only.

Why: held-out-13 was run once as round 13's holdout and is a dev set from round 14 on
(``evaluate.LABELLED_SETS``). The loop is ``bench/assistant_loso_runner.py``'s (shared with
rounds 12 and 13). Only these 14 sets are ever run, fitted on or printed; a set being written
beside the run (held-out-14) is neither.

    python bench/assistant_loso14.py --variants ab+intent+...,ab+intent+...+candidate --out bench/results/assistant_loso_round14_1.json

Variants: ``+``-joined parts as in the runner (``ab``, ``intent``, ``intent_ngram``, ``dense2``,
any switch of ``Assistant.options`` by name, off unless named).

Decision rule (round 14, written before the first run): a candidate is adopted over the
reference (the first variant) when, summed over the 14 left-out sets, answers with every fact
correct rise, more left-out sets rise than fall in those answers, answers stating an
unsupported fact stay 0 in every fold, out-of-scope hand-offs summed do not fall, **and slot
exact matches summed do not fall**. A candidate that changes only slots (facts equal) is
adopted when slot exact matches summed rise, no set's facts fall, unsupported stays 0 and
out-of-scope does not fall. Latency is judged separately (turn CPU p99 before/after in one
sitting). A candidate must also keep the existing assistant tests passing.
"""

from __future__ import annotations

from assistant_loso_runner import dev_sets, main

DEV_SETS = dev_sets(13)

if __name__ == "__main__":
    main(DEV_SETS, "assistant_loso14.py", __doc__ or "")
