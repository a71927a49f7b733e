"""Trace chosen dev-set questions through the turn in their leave-one-set-out fold (round 15).

Why: grouping the reference's misses by cause needs to know which rule took a question where
(the classifier's ranking, the policy follow-up reading, the domain margin and its level, the
sections). Dev sets only (main, held-out-1..14); a set being written beside the run is refused.

    python bench/assistant_diag15.py --ids q1311,q594 [--variant REF]
"""

from __future__ import annotations

import argparse

from assistant_loso_runner import fit
from shopmind.assistant.evaluate import build_demo
from shopmind.assistant.intent import normalise

DEV_SETS = ("main", "heldout", *(f"heldout{i}" for i in range(2, 15)))
#: round 15's reference: round 14's final parts
REF = "ab+intent+order_pronoun+policy_amount+price_ceiling+topic_level+domain_any+title_fact+section_labelled+order_forms+order_it+order_complaint+ceiling_query+policy_attrs"  # fmt: skip


def main(dev_sets: tuple[str, ...] = DEV_SETS, ref: str = REF, doc: str | None = __doc__) -> None:
    """The trace for one round's dev sets and reference (later rounds call it with theirs)."""
    DEV_SETS = dev_sets  # noqa: N806 - the round's sets, named as the module constant they replace
    ap = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    ap.add_argument("--ids", required=True)
    ap.add_argument("--variant", default=ref)
    args = ap.parse_args()
    ids = args.ids.split(",")
    demo = build_demo(labelled_sets=())
    demo.questions = [q for q in demo.questions if q.get("set", "main") in DEV_SETS]
    by_id = {q["id"]: q for q in demo.questions}
    if not set(ids) <= set(by_id):
        raise SystemExit(f"not dev questions: {sorted(set(ids) - set(by_id))}")
    base = demo.assistant.model
    asst = demo.assistant
    for s in dict.fromkeys(str(by_id[i].get("set", "main")) for i in ids):
        fit(args.variant, demo, base, s, DEV_SETS)
        print(
            f"== fold {s}: threshold {asst.threshold:.3f} domain level {asst.domain.level if asst.domain else None}"
        )
        for i in [i for i in ids if by_id[i].get("set", "main") == s]:
            q = by_id[i]
            asst._conversations.clear()
            cid = f"d-{i}"
            for h in q.get("history") or []:
                r = asst.turn(str(h), cid, q.get("customer_id"))
                print(f"   history {h!r} -> {r.intent} {[c['id'] for c in r.citations]}")
            st = asst._state(cid)
            text = str(q["text"])
            pred = asst.model.predict(text)
            print(f" {i} {text!r} want {q['intent']} {q['expect']}")
            print("   ranked", [(k, round(p, 3)) for k, p in pred.ranked[:4]], "policy_text", st.policy_text)
            if asst.domain is not None:
                print("   margin", round(asst.domain.margin(text), 4), "norm", normalise(text))
            print("   hits", [(h, round(v, 3)) for h, v in asst.policy.search(text, None)[:3]])
            r = asst.turn(text, cid, q.get("customer_id"), q.get("page_product"))
            print("   ->", r.intent, r.handoff, [c["id"] for c in r.citations], r.answer[:160])


if __name__ == "__main__":
    main()
