"""Measurement only (issue 12 item 1, session 16): a click adapter trained on what the served
engine ranks, to see whether that is what the release's adapter lacks. Not in the release path.

The release's adapter (``adapt.release``) learns from whole-catalog retrieval with the frozen
encoder's top-30 over the *whole catalog* as hard negatives. On the demo shop 371 of 376
held-out click queries carry a hard filter that query understanding reads from the text
(category, colour, ...; 11.6 % of the catalog passes on average), and the adapter's dense gain
there vanished inside that mask (``bench/adapter_click_split.py``). This variant trains on the
same training click queries (the release's md5 split; the judgments are never read) but:

- with the vector of the **match text** the served engine encodes (price phrases removed);
- with hard negatives = the frozen encoder's top-30 non-clicked products **inside the query's
  understood filter mask** (added after the click log's own negatives).

Everything else (grid, validation split, significance guard) is ``fit_adapter``'s. The adapter
is saved with the release's held-out click queries in its info, for
``bench/adapter_click_split.py --adapter``.

    python bench/adapter_click_masked.py --shop /tmp/demo --vectors /tmp/demo-cache --save /tmp/a
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shopmind.data.adapters import get_adapter
from shopmind.search.adapt.model import fit_adapter, pairs_from_grades, query_split
from shopmind.search.adapt.release import HOLDOUT, click_qrels
from shopmind.search.engine_query import clean_query

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from adapter_click_split import products_only  # noqa: E402 - sibling bench script

#: in-mask hard negatives mined per training query
DEPTH = 30


def main(argv: list[str] | None = None) -> int:
    from shopmind.search.engine import SearchConfig, SearchEngine

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shop", type=Path, required=True)
    ap.add_argument("--vectors", type=Path, required=True)
    ap.add_argument("--save", type=Path, required=True, help="folder for the adapter (QueryAdapter.save)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "adapter_click_masked.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    qrels = click_qrels(get_adapter("canonical").load(args.shop).events)
    cfg = SearchConfig(encoder="e5", ltr="off", warm_query_vectors=0, query_encoding="inline")
    eng = SearchEngine.build(products_only(args.shop), None, cfg, cache_dir=args.vectors)
    base, P = eng.encoder, eng.vectors
    assert base is not None and P is not None
    pairs = pairs_from_grades(qrels, eng.catalog.pos, 1.0, 0.0)
    rest, held = query_split(pairs.queries, HOLDOUT, salt="release")
    row = {q: i for i, q in enumerate(pairs.queries)}
    train = pairs.subset([row[q] for q in rest])
    match, masks = [], []
    for q in train.queries:
        text, _ = clean_query(q, cfg.max_query_chars, cfg.max_query_terms)
        u = eng._understand(eng._simplified(text), [])  # noqa: SLF001 - what search() reads
        match.append(u.text or text)
        m = eng.catalog.mask(u.filters(), cfg.currency_rates or None)
        masks.append(m if m.any() else eng.catalog.mask(None))
    Q = np.asarray(eng.cache.queries(base, match, save=False), dtype=np.float32)
    eng.cache.flush()
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    added = 0
    for i in range(len(train.queries)):
        rows = np.flatnonzero(masks[i])
        top = rows[np.argsort(-(P[rows] @ Q[i]), kind="stable")[:DEPTH]]
        known = set(train.grades[i])  # clicked (and shown) products are never mined
        neg = [int(p) for p in top if int(p) not in known]
        train.negatives[i] = list(dict.fromkeys(train.negatives.get(i, []) + neg))
        added += len(neg)
    res = fit_adapter({q: Q[i] for i, q in enumerate(train.queries)}, P, train)
    res.adapter.info = {**res.adapter.info, "heldout_qrels": {q: dict(qrels[q]) for q in held}}
    res.adapter.save(args.save)
    out = {
        "bench": "adapter_click_masked",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/adapter_click_masked.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "train_queries": len(train.queries),
        "match_text_differs": int(sum(m != q for m, q in zip(match, train.queries, strict=True))),
        "in_mask_negatives": added,
        "kept": res.report.get("kept"),
        "val_gain": res.report.get("val_gain"),
        "grid": res.report.get("grid"),
        "fingerprint": res.adapter.fingerprint(),
        "identity": res.adapter.is_identity,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(out, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
