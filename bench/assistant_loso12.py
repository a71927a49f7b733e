"""Leave-one-set-out on round 12's dev sets (main, held-out-1..11): each set scored by an assistant
whose learnt parts were fitted on the seed and the *other* eleven sets only.

Why: ``bench/assistant_loso.py`` (round 11) knows the ten sets before held-out-11; held-out-11
has been run once as a holdout and is a dev set from round 12 on. Only these sets are ever
run, fitted on or printed; a set being written beside the run is neither.

    python bench/assistant_loso12.py --variants ab,ab+intent --out bench/results/assistant_loso_round12.json

A variant is ``+``-joined parts: ``ab`` (round 11's kept parts: the domain margin and the policy
examples), ``intent`` (the intent model also trained on the other sets' labels, n-grams + mUSE
vectors), ``intent_ngram`` (the same, n-grams only). The first variant is the reference the
others' per-set rises and falls are counted against. The per-question misses of each variant
(dev sets only) are kept in the JSON.

Round 14: a thin call of ``bench/assistant_loso_runner.py`` (the loop written once for every round).
"""

from __future__ import annotations

from assistant_loso_runner import dev_sets, main

DEV_SETS = dev_sets(11)

if __name__ == "__main__":
    main(DEV_SETS, "assistant_loso12.py", __doc__ or "", options=False)
