"""Can a stand-out threshold on the dense cosine tell a typo from gibberish among ``meaning_only`` queries?

A query no product contains a word of (nor a synonym or correction) is answered from the dense part alone and
flagged ``meaning_only``. Gibberish ("zzzzqqq") is answered the same way, with nearest neighbours that mean
nothing. Candidate cut: drop the dense-only answer when the query's top cosine does not stand out of the
query's own cosine distribution over the whole catalog, ``z = (max - mean) / std`` of ``vectors @ qvec``.

The rule, written before any number was seen (session 25, t1hs):

* Real queries: the judged queries of the data (Home Depot dev) whose served answer carries ``meaning_only``.
  A real query has *good hits* when its served top 10 holds a judged product with relevance >= the data's
  relevance threshold (2.33 on Home Depot). Halves by md5 of the query text (``select_queries`` order):
  even positions = tuning half A, odd = check half B.
* Gibberish: ``--gibberish`` strings from a seeded generator (random letters, keyboard-row runs, consonant
  clusters; length 4-10), kept only when they too are answered ``meaning_only``.
* Threshold ``t``: on half A only, the 10th percentile of ``z`` over the good-hit queries (keeps ~90 % of
  them). Gibberish is not looked at to choose ``t``.
* Adopt only if on half B: (a) >= 85 % of the good-hit queries keep (``z >= t``) and (b) >= 80 % of the
  gibberish is dropped (``z < t``). Otherwise the cut is recorded as not adopted and nothing changes.

    python bench/meaning_only_cut.py --release <ws>/releases/<id> --data ../shared/data/home-depot \
        --out bench/results/meaning_only_cut_hd.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import string
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from first_seen_quality import _DropAll  # bench/ is the script's folder

ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
CONSONANTS = "bcdfghjklmnpqrstvwxz"


def gibberish(n: int, seed: int) -> list[str]:
    """``n`` distinct nonsense strings, a third of each kind, from ``random.Random(seed)``."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < n:
        kind = len(out) % 3
        length = rng.randint(4, 10)
        if kind == 0:
            s = "".join(rng.choice(string.ascii_lowercase) for _ in range(length))
        elif kind == 1:
            row = rng.choice(ROWS)
            start = rng.randint(0, max(0, len(row) - 4))
            s = row[start : start + length]
            s = s + "".join(rng.choice(row) for _ in range(rng.randint(0, 3)))
        else:
            s = "".join(rng.choice(CONSONANTS) for _ in range(length))
        out[s] = None
    return list(out)


def stand_out(eng: Any, text: str) -> float:
    """``(max - mean) / std`` of the query's cosine to every live product vector."""
    q = eng._query_vector_of(text)  # noqa: SLF001 - the served query vector
    cos = eng.vectors @ q  # a built release has no deleted rows (upserts/deletes compact them away)
    sd = float(cos.std())
    return float((cos.max() - cos.mean()) / sd) if sd > 0 else 0.0


def meaning_only(eng: Any, text: str) -> tuple[bool, list[str]]:
    """Whether the served answer is flagged ``meaning_only``, and its top 10 product ids."""
    r = eng.search(text, size=10)
    return any(w["code"] == "meaning_only" for w in r.warnings), [h.product_id for h in r.hits]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--release", type=Path, required=True, help="a release folder with search/")
    ap.add_argument("--data", type=Path, required=True, help="the judged dataset")
    ap.add_argument("--format", default="home-depot")
    ap.add_argument("--gibberish", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)

    from shopmind.search.engine import SearchEngine
    from shopmind.search.eval_data import load_dataset, select_queries

    started = datetime.now(UTC).isoformat(timespec="seconds")
    load0 = os.getloadavg()
    eng = SearchEngine.load(args.release / "search")
    # a server's default: a query with a lexical match is answered without waiting on its vector; one
    # without waits for it (``urgent``), encoded here at once - only those are ever meaning_only
    eng.config.query_encoding = "background"
    eng._background = _DropAll(eng)  # noqa: SLF001 - encodes only what a request waits for
    data = load_dataset(args.format, args.data)
    thr = data.threshold
    t0 = time.perf_counter()
    real: list[dict[str, Any]] = []
    ordered = select_queries(data.qrels, None)
    for i, q in enumerate(ordered):
        if i % 500 == 0:
            print(
                f"{i}/{len(ordered)} queries, {len(real)} meaning_only, {time.perf_counter() - t0:.0f} s",
                flush=True,
            )
        flagged, top = meaning_only(eng, q)
        if not flagged:
            continue
        grades = data.qrels[q]
        good = any(grades.get(p, -1) >= thr for p in top)
        real.append({"q": q, "half": "A" if i % 2 == 0 else "B", "good": good, "z": stand_out(eng, q)})
    junk = []
    for s in gibberish(args.gibberish, args.seed):
        flagged, _ = meaning_only(eng, s)
        if flagged:
            junk.append({"q": s, "z": stand_out(eng, s)})
    secs = time.perf_counter() - t0

    a_good = [r["z"] for r in real if r["half"] == "A" and r["good"]]
    t = float(np.percentile(a_good, 10)) if a_good else float("nan")
    b_good = [r["z"] for r in real if r["half"] == "B" and r["good"]]
    b_bad = [r["z"] for r in real if r["half"] == "B" and not r["good"]]
    keep_b = float(np.mean([z >= t for z in b_good])) if b_good else float("nan")
    drop_junk = float(np.mean([j["z"] < t for j in junk])) if junk else float("nan")
    passed = bool(keep_b >= 0.85 and drop_junk >= 0.80)

    def summary(zs: list[float]) -> dict[str, float]:
        return (
            {k: round(float(np.percentile(zs, p)), 3) for k, p in (("p10", 10), ("p50", 50), ("p90", 90))}
            if zs
            else {}
        )

    out = {
        "started": started,
        "load_average_at_start": [round(x, 2) for x in load0],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(secs, 1),
        "release": str(args.release),
        "queries_judged": len(ordered),
        "meaning_only_real": len(real),
        "meaning_only_real_good": sum(r["good"] for r in real),
        "good_share": round(sum(r["good"] for r in real) / len(real), 3) if real else None,
        "gibberish_generated": args.gibberish,
        "gibberish_meaning_only": len(junk),
        "threshold_from_half_A": round(t, 4),
        "half_A_good": len(a_good),
        "half_B_good": len(b_good),
        "half_B_good_kept": round(keep_b, 3),
        "half_B_not_good_dropped": round(float(np.mean([z < t for z in b_bad])), 3) if b_bad else None,
        "gibberish_dropped": round(drop_junk, 3),
        "z": {
            "A_good": summary(a_good),
            "B_good": summary(b_good),
            "B_not_good": summary(b_bad),
            "gibberish": summary([j["z"] for j in junk]),
        },  # fmt: skip
        "rule": "adopt iff half-B good kept >= 0.85 and gibberish dropped >= 0.80",
        "passed": passed,
        # real queries without their text: the dataset's text is not committed into the project
        "examples": {
            "real": [{k: v for k, v in r.items() if k != "q"} for r in real[:15]],
            "gibberish": junk[:15],
        },
    }
    text = json.dumps(out, indent=1, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
