"""Leave-one-set-out on round 18's dev sets (main, held-out-1..17), judged by a rule that asks a
candidate to gain where it acts: on a majority of the sets in which it changes an answer.

Why: held-out-17 was run once as round 17's holdout and is a dev set from round 18 on
(``evaluate.LABELLED_SETS``). Round 17's rule asked for clean gains on 9 of 17 sets; a change to
a question kind present in only some sets (two-part questions occur in 9 of 17) could never pass
it however clean its gains, so ``clause_in_have`` (+5 clean, 4 sets up, 0 down) was refused. A
set in which the candidate changes no answer says nothing for or against it; the majority is
now counted over the sets where it does act. The machinery is round 17's
(``bench/assistant_loso17.py``: ``REF`` expansion, ``merge``; the loop is
``bench/assistant_loso_runner.py``'s), imported, not copied; this script adds one record per
question (``answer_keys``: intent, hand-off, cited ids and the answer text, hashed) so the
sets a candidate changes are known. Only these 18 sets are ever run, fitted on or printed; a set
being written beside the run (held-out-18) is neither.

    python bench/assistant_loso18.py --variants REF,REF+candidate --out bench/results/assistant_loso_round18_1.json
    python bench/assistant_loso18.py merge A.json B.json --out MERGED.json

Variants as in round 17 (``REF``, ``REF+part``, ``REF-part``, ``name=value``); ``REF`` is
round 17's reference (round 16's final parts: round 17 adopted nothing).

Decision rule (round 18, written and committed before the first run). Per left-out set: facts =
answers with every fact correct; extra = answers quoting a policy section the labelled answer
does not name beside another source; clean = answers with every fact correct and no such extra
section (``runner.extra_counts``, as round 17); a set is *touched* by a candidate when at least
one of its questions gets a different reply than under the reference (intent, hand-off, cited
ids or answer text; ``answer_keys``). A candidate (a new switch, a setting's value, or a switch
of the reference turned off) is adopted over the reference (the first variant) when, over the 18
left-out sets:

1. clean answers summed rise;
2. clean answers rise on a strict majority of the touched sets (up > touched / 2) and on at
   least 2 sets (``MIN_UP``) - a gain carried by one set is in-sample luck as often as not;
3. clean answers fall on at most 1 set (``MAX_DOWN``);
4. extra summed does not rise and facts summed do not fall;
5. answers stating an unsupported fact stay 0 in every fold; out-of-scope hand-offs, slot exact
   matches and intent-correct answers summed do not fall.

A candidate that moves no set's clean answers (intent is half this round's unmet goal, and a
change may only fix what an answer is filed under) is adopted instead when it touches at least
``MIN_UP`` sets, intent-correct answers summed rise, rise on a strict majority of the touched sets
and on at least ``MIN_UP`` sets, fall on at most ``MAX_DOWN`` sets, and conditions 4 and 5 hold
(``intent_path``). A candidate that touches no set is not adopted. Of a setting's
values run, the one adopted is the passing value with the most clean answers summed (ties: the
one nearest the reference's value). Candidates adopted one by one are then run together against
the reference and must pass the same rule; if they fail, the adopted candidate with the fewest
sets up is dropped and the rest run again while time allows, else none is kept. Candidates are
structural (routing, clause reading, use of the policy data); no word list is extended for one
set's phrasings and no rule is keyed to one question's wording or one set. A candidate whose
gains come only from held-out-17 (the set whose misses were read this round) is reported as
in-sample. Held-out-18 (written blind to this code) is run once at the end, before (switches
off) and after, with aggregate figures only; it chooses nothing. Latency is judged separately
(turn CPU p99, before/after alternated in one sitting). A candidate must keep the assistant tests
passing.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable

import assistant_loso_runner as runner
from assistant_loso17 import NOT_DOWN, REF, expand, merge_command
from assistant_loso_runner import dev_sets, main

DEV_SETS = dev_sets(17)
#: rule 2: clean answers must rise on more than half the touched sets and on at least this many
MIN_UP = 2
#: rule 3: at most this many left-out sets may fall in clean answers
MAX_DOWN = 1

__all__ = [
    "DEV_SETS",
    "MAX_DOWN",
    "MIN_UP",
    "REF",
    "answer_keys",
    "cli",
    "extra_all",
    "intent_path",
    "judge",
    "touched",
]

_score = runner.score


def answer_keys(demo: runner.DemoAssistant, left_out: str) -> tuple[dict[str, int], list[dict]]:
    """``runner.score`` plus one short hash per question of the left-out set (its reply's intent,
    hand-off, cited ids and answer text) under ``counts["answers"]``: which sets a candidate
    touches is read by comparing them with the reference's."""
    from shopmind.assistant import evaluate as ev

    inner = ev.run_question
    keys: dict[str, str] = {}

    def recording(asst, q):  # noqa: ANN001, ANN202 - evaluate's own signature
        r = inner(asst, q)
        cited = sorted(str(c.get("id")) for c in r.citations)
        blob = json.dumps([r.intent, bool(r.handoff), cited, r.answer], ensure_ascii=False)
        keys[str(q["id"])] = hashlib.blake2b(blob.encode("utf-8"), digest_size=6).hexdigest()
        return r

    ev.run_question = recording
    try:
        counts, misses = _score(demo, left_out)
    finally:
        ev.run_question = inner
    return {**counts, "answers": keys}, misses  # type: ignore[dict-item]


def touched(ref_set: dict, got_set: dict) -> int:
    """How many questions of one left-out set get a different reply than the reference's (0 when
    either run did not record replies: such a set counts as untouched only if its counts agree)."""
    a, b = ref_set.get("answers"), got_set.get("answers")
    if a is None or b is None:
        keys = ("facts_right", "intent_right", "slots_right", "oos_handed", "extra_wrong", "clean_right")
        return int(any(ref_set[k] != got_set[k] for k in keys))
    return sum(a.get(i) != b.get(i) for i in set(a) | set(b))


def intent_path(ref: dict, got: dict, sets: list[str], hit: list[str], checks: dict[str, bool]) -> bool:
    """The rule's second path: no set's clean answers move, intent-correct answers rise in sum and
    on a strict majority of the touched sets (at least ``MIN_UP``), fall on at most ``MAX_DOWN``;
    extra, facts, unsupported, out-of-scope and slots as conditions 4-5."""
    rb, gb = ref["by_set"], got["by_set"]
    if any(gb[s]["clean_right"] != rb[s]["clean_right"] for s in sets) or len(hit) < MIN_UP:
        return False
    up = [s for s in sets if gb[s]["intent_right"] > rb[s]["intent_right"]]
    down = [s for s in sets if gb[s]["intent_right"] < rb[s]["intent_right"]]
    keep = (
        "extra_not_up",
        "unsupported_0",
        "facts_right_not_down",
        "oos_handed_not_down",
        "slots_right_not_down",
    )
    return (
        got["total"]["intent_right"] > ref["total"]["intent_right"]
        and 2 * len(up) > len(hit)
        and len(up) >= MIN_UP
        and len(down) <= MAX_DOWN
        and all(checks[k] for k in keep)
    )


def extra_all(counts: dict) -> int:
    """Rounds 18-21's extra count of one set's (or the total's) counts: every answer quoting an
    unasked section, whether or not it also misses a fact (``runner.extra_counts``)."""
    return int(counts["extra_wrong"])


def judge(results: dict[str, dict], variants: list[str], extra: Callable[[dict], int] = extra_all) -> dict[str, dict]:  # fmt: skip
    """Round 18's rule (the module docstring) for every variant after the first against the first:
    the counts it reads, each condition met or not, and ``adopt``. ``extra``: how condition 4
    counts extra sections from a set's counts (round 22 passes its own; default rounds 18-21's)."""
    ref = results[variants[0]]
    sets = list(ref["by_set"])
    out = {}
    for v in variants[1:]:
        got = results[v]
        changed = {s: touched(ref["by_set"][s], got["by_set"][s]) for s in sets}
        hit = [s for s in sets if changed[s] > 0]
        up = [s for s in sets if got["by_set"][s]["clean_right"] > ref["by_set"][s]["clean_right"]]
        down = [s for s in sets if got["by_set"][s]["clean_right"] < ref["by_set"][s]["clean_right"]]
        t, r = got["total"], ref["total"]
        checks = {
            "clean_sum_up": t["clean_right"] > r["clean_right"],
            "majority_of_touched_up": bool(hit) and 2 * len(up) > len(hit),
            "min_up": len(up) >= MIN_UP,
            "few_down": len(down) <= MAX_DOWN,
            "extra_not_up": extra(t) <= extra(r),
            "unsupported_0": all(got["by_set"][s]["unsupported"] == 0 for s in sets),
            **{f"{k}_not_down": t[k] >= r[k] for k in NOT_DOWN},
        }
        out[v] = {
            "clean": [r["clean_right"], t["clean_right"]],
            "extra": [extra(r), extra(t)],
            "facts": [r["facts_right"], t["facts_right"]],
            "intent": [r["intent_right"], t["intent_right"]],
            "oos": [r["oos_handed"], t["oos_handed"]],
            "touched": {s: changed[s] for s in hit},
            "sets_up": up,
            "sets_down": down,
            "checks": checks,
            "adopt": all(checks.values()) or intent_path(ref, got, sets, hit, checks),
        }
    return out


def cli(sets: tuple[str, ...], script: str, doc: str, ref: str = REF, judge_fn: Callable[[dict[str, dict], list[str]], dict[str, dict]] = judge) -> None:  # fmt: skip
    """The command line of a round judged by this rule: ``merge RUN.json ... --out MERGED.json``, or
    a run over ``sets`` with ``REF`` in ``--variants`` spelled as ``ref`` (round 19 runs the same
    rule over its 19 sets with round 18's reference; the loop and the reply hashes are these).
    ``judge_fn``: the round's rule (round 22: this one with its own extra count)."""
    if sys.argv[1:2] == ["merge"]:  # merge RUN.json ... --out MERGED.json
        merge_command(sys.argv[2:], judge_fn)
        sys.exit(0)
    if "--variants" in sys.argv:
        i = sys.argv.index("--variants") + 1
        sys.argv[i] = ",".join(expand(v, ref) for v in sys.argv[i].split(","))
    runner.score = answer_keys  # the loop's per-set scoring, with each reply's hash kept
    main(sets, script, doc, judge=judge_fn)


if __name__ == "__main__":
    cli(DEV_SETS, "assistant_loso18.py", __doc__ or "")
