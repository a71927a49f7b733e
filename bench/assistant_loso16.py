"""Leave-one-set-out on round 16's dev sets (main, held-out-1..15): each set scored by an assistant
whose learnt parts were fitted on the seed and the *other* fifteen sets only.

Why: held-out-15 was run once as round 15's holdout and is a dev set from round 16 on
(``evaluate.LABELLED_SETS``). The loop is ``bench/assistant_loso_runner.py``'s (shared with
rounds 12-15; from round 16 variants differing only in turn switches share one fit per fold).
Only these 16 sets are ever run, fitted on or printed; a set being written beside the run
(held-out-16) is neither.

    python bench/assistant_loso16.py --variants REF,REF+candidate --out bench/results/assistant_loso_round16_1.json

Variants: ``+``-joined parts as in the runner (``ab``, ``intent``, ``intent_ngram``, ``dense2``,
any switch of ``Assistant.options`` by name, off unless named).

Decision rule (round 16, written and committed before the first run): a candidate is adopted
over the reference (the first variant: round 15's final parts) when, summed over the 16
left-out sets, answers with every fact correct rise, more left-out sets rise than fall in those
answers, answers stating an unsupported fact stay 0 in every fold, out-of-scope hand-offs summed
do not fall, slot exact matches summed do not fall and intent-correct answers summed do not
fall. A candidate that changes no set's facts is adopted when it raises out-of-scope hand-offs,
slot exact matches or intent-correct answers summed and lowers none of the three, with
unsupported 0. Candidates are structural (routing, slot parsing, better use of the catalog and
policy data); no word list is extended for one set's phrasings. Candidates adopted one by one
are then run together against the reference and the set must pass the same rule; a candidate
that moves only the set whose misses showed its cause is reported as in-sample. Latency is
judged separately (turn CPU p99 before/after in one sitting). A candidate must also keep the
existing assistant tests passing.
"""

from __future__ import annotations

from assistant_loso_runner import dev_sets, main

DEV_SETS = dev_sets(15)
#: round 16's reference: round 15's final parts (``core.OPTIONS`` as committed in 23d3baa)
REF = "ab+intent+order_pronoun+policy_amount+price_ceiling+topic_level+domain_any+title_fact+section_labelled+order_forms+order_it+order_complaint+ceiling_query+policy_attrs+level_floor+clause_cues+followup_oos+followup_own"  # fmt: skip

if __name__ == "__main__":
    main(DEV_SETS, "assistant_loso16.py", __doc__ or "")
