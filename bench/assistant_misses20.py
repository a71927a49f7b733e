"""The answers with a fact wrong in a leave-one-set-out run, grouped by what went wrong (round 20).

Why: round 19 counted its misses by hand-read kinds (wrong section inside the topic 29, ...); this
tool counts them from a run's JSON (``bench/assistant_loso20.py --out``: each variant's misses keep
the labelled and cited sections, intent, hand-off) and the labelled questions' expected facts, so
the table is the same for every variant and round. Dev sets only: a question of another set in the
run is refused.

    python bench/assistant_misses20.py bench/results/assistant_loso_round20_1.json [--variant REF] [--list]

Kinds (``miss_kind``, first that applies): an out-of-scope question answered; handed off (or read
off-topic) where an answer was due; a policy question answered from no section (read as another
intent); a two-part question with one of its parts missing; the wrong section inside the labelled
topic; the wrong topic; an order's fact; a product's fact (or a search's products); other.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

KINDS = (
    "wrong section inside the topic",
    "wrong topic",
    "two-part question, a part missing",
    "policy question answered from no section",
    "handed off where an answer was due",
    "out-of-scope answered",
    "order fact",
    "product fact or search",
    "other",
)


def miss_kind(expect: Mapping, miss: Mapping, topic: Mapping[str, str]) -> str:
    """The kind of one answer with a fact wrong: ``expect`` the labelled facts, ``miss`` the run's
    record (``intent``, ``handoff``, ``want_sections``, ``cited_sections``), ``topic`` section id ->
    topic. Unknown section ids are a clear error (``KeyError`` names them)."""
    want = list(miss.get("want_sections") or [])
    cited = list(miss.get("cited_sections") or [])
    subs = list(expect["all"]) if "all" in expect else [expect]
    if miss.get("intent") == "out_of_scope":
        return "out-of-scope answered"
    if miss.get("handoff") and not expect.get("handoff"):
        return "handed off where an answer was due"
    if want:
        if len(subs) >= 2 and (set(want) & set(cited) or any("section" not in e for e in subs)):
            return "two-part question, a part missing" if not set(want) <= set(cited) else _non_policy(subs)
        if not cited:
            return "policy question answered from no section"
        wanted_topics = {topic[s] for s in want}
        if any(topic[c] in wanted_topics for c in cited):
            return "wrong section inside the topic"
        return "wrong topic"
    return _non_policy(subs)


def _non_policy(subs: list) -> str:
    """The kind of a miss whose policy part (if any) was right: by the other expected facts."""
    keys = set().union(*(set(e) for e in subs))
    if keys & {"status", "no_data", "order_id"}:
        return "order fact"
    if keys & {"field", "matches", "cheaper"}:
        return "product fact or search"
    return "other"


def table(misses: list[dict], questions: Mapping[str, Mapping], topic: Mapping[str, str]) -> dict[str, dict]:
    """Kind -> {"n": count, "by_set": {set: count}, "ids": [...]} over the misses with a fact wrong."""
    out: dict[str, dict] = {k: {"n": 0, "by_set": Counter(), "ids": []} for k in KINDS}
    for m in misses:
        if m.get("facts_ok") is not False:  # an intent or slot miss, or an extra section (facts None)
            continue
        q = questions.get(str(m["id"]))
        if q is None:
            raise SystemExit(f"{m['id']} is not a dev question")
        k = miss_kind(q["expect"], m, topic)
        out[k]["n"] += 1
        out[k]["by_set"][str(m.get("set", "main"))] += 1
        out[k]["ids"].append(str(m["id"]))
    return out


def main(dev_sets: tuple[str, ...] | None = None, ref: str | None = None) -> None:
    """Print the table (and with ``--list`` each miss) of one variant of a run; ``dev_sets`` and
    ``ref``: a later round's (``bench/assistant_misses21.py``), else round 20's."""
    import assistant_loso20
    from assistant_loso17 import expand

    DEV_SETS = dev_sets or assistant_loso20.DEV_SETS  # noqa: N806 - the round's sets
    REF = ref or assistant_loso20.REF  # noqa: N806 - the round's reference
    from shopmind.assistant.knowledge import load_policies
    from shopmind.demo.assistant import assistant_data
    from shopmind.demo.generator import generate

    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--variant", default="REF")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    res = json.loads(args.run.read_text(encoding="utf-8"))["results"]
    v = expand(args.variant, REF)
    if v not in res:
        raise SystemExit(f"no variant {args.variant!r} in {args.run} (has {len(res)})")
    data = assistant_data(generate(seed=42, n_products=3000, n_users=1500, days=60), seed=42)
    qs = {str(q["id"]): q for q in data.questions if q.get("set", "main") in DEV_SETS}
    topic = {s.id: s.topic for s in load_policies(texts=data.policies)}
    t = table(res[v]["misses"], qs, topic)
    print(f"{sum(x['n'] for x in t.values())} answers with a fact wrong ({args.variant})")
    for k, x in sorted(t.items(), key=lambda kv: -kv[1]["n"]):
        print(f"{x['n']:4d}  {k}  {dict(x['by_set'])}")
        if args.list:
            for i in x["ids"]:
                q = qs[i]
                m = next(m for m in res[v]["misses"] if str(m["id"]) == i)
                hist = f" after {q['history']!r}" if q.get("history") else ""
                print(
                    f"      {i} [{q.get('set')}] {q['text']!r}{hist} want {m['want_sections']} cited {m['cited_sections']} "
                    f"intent {m['intent']}->{m['predicted']} handoff {m['handoff']}"
                )


if __name__ == "__main__":
    main()
