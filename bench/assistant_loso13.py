"""Leave-one-set-out on round 13's dev sets (main, held-out-1..12): each set scored by an assistant
whose learnt parts were fitted on the seed and the *other* twelve sets only.

Why: held-out-12 was run once as round 12's holdout and is a dev set from round 13 on
(``evaluate.LABELLED_SETS``); ``bench/assistant_loso12.py`` knows only the twelve sets before it.
Only these sets are ever run, fitted on or printed; a set being written beside the run
(held-out-13) is neither.

    python bench/assistant_loso13.py --variants ab,ab+intent --out bench/results/assistant_loso_round13_1.json

A variant is ``+``-joined parts: ``ab`` (round 11's kept parts: the domain margin and the policy
examples), ``intent`` (the intent model also trained on the other sets' labels, n-grams + mUSE
vectors), ``intent_ngram`` (the same, n-grams only), ``dense2`` (the intent model with labels,
its vectors weighted 2x against the n-grams), and any switch of ``Assistant.options``
by name (a round-13 candidate, off unless named). The first variant is the reference the others'
per-set rises and falls are counted against; each variant's per-question misses (dev sets only)
are kept in the JSON.

Decision rule (round 13, written before the runs): a candidate is adopted over the reference when,
summed over the 13 left-out sets, answers with every fact correct rise, more left-out sets rise
than fall in those answers, answers stating an unsupported fact stay 0 in every fold, and
out-of-scope hand-offs summed do not fall. Latency is judged separately
(``bench/assistant_latency.py``, turn CPU p99 before/after in one sitting).

Round 14: a thin call of ``bench/assistant_loso_runner.py`` (the loop written once for every round).
"""

from __future__ import annotations

from assistant_loso_runner import dev_sets, main

DEV_SETS = dev_sets(12)

if __name__ == "__main__":
    main(DEV_SETS, "assistant_loso13.py", __doc__ or "")
