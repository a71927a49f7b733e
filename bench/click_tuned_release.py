"""The shop-tuned click choice as a real release records it: a shop's canonical folder is
ingested through the quality gate **without its judgments**, a release of catalog + search
is built (e5), and the manifest's ``search.ltr`` facts (``adapt.click_tuning``) and the saved
engine's served alpha and re-ranker are written out (issue 12, session 17).

    python bench/click_tuned_release.py --shop /tmp/demo --workspace /tmp/ws --vectors /tmp/demo-cache
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from shopmind.config import GateConfig
    from shopmind.data.adapters import get_adapter
    from shopmind.quality.gate import publish, run_gate
    from shopmind.release.build import build_release
    from shopmind.release.components import build_catalog, build_search
    from shopmind.search.engine import SearchEngine
    from shopmind.store.store import Store

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shop", type=Path, required=True, help="a canonical shop folder (`shopmind demo-data`)")
    ap.add_argument("--workspace", type=Path, required=True, help="a new, empty workspace folder")
    ap.add_argument("--vectors", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "click_tuned_release.json")
    args = ap.parse_args(argv)
    if args.workspace.exists() and any(args.workspace.iterdir()):
        raise SystemExit(f"{args.workspace}: not empty (the release must be this shop's first)")
    t0 = time.perf_counter()
    batch = dataclasses.replace(get_adapter("canonical").load(args.shop), judgments=None)
    gate = GateConfig()
    with Store(args.workspace) as store:
        publish(
            run_gate(batch, gate, store), store, gate, None, force=True
        )  # the demo's defects hold the gate
    comps = [("catalog", build_catalog), ("search", build_search)]
    m = build_release(
        args.workspace, comps, settings={"search": {"encoder": "e5"}}, force=True, cache_dir=args.vectors
    )
    search = m["components"]["search"]
    eng = SearchEngine.load(args.workspace / "releases" / m["id"] / "search", cache_dir=args.vectors)
    out = {
        "bench": "click_tuned_release",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/click_tuned_release.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "rows": m["rows"],
        "adapter": search.get("adapter"),
        "ltr": search["ltr"],
        "served": {
            "alpha": eng.config.alpha,
            "reranker": type(eng.reranker).__name__ if eng.reranker else None,
        },
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps({k: out[k] for k in ("rows", "served", "seconds")}), json.dumps(out["ltr"].get("alpha")))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")
    print(f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
