"""What the stock-out signal costs a request: search and recommendations with it off, de-boosting and hiding.

One demo-shop release (catalog, lexical search, recs, forecast) is built in a temporary folder and loaded as
the server loads it; the same loaded models then answer the same requests with the signal detached ("off"),
and attached in each mode, interleaved round by round so the box's load hits every mode alike. Reports
median and p95 milliseconds per request and how many answers the signal changed.

    python bench/forecast_stockout.py --rounds 30
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

QUERIES = ("", "shoes", "phone", "bag", "jacket", "coffee", "手机", "red dress", "cheap headphones")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--products", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--out", type=Path, default=Path("bench/results/forecast_stockout.json"))
    args = ap.parse_args()
    from shopmind.config import GateConfig
    from shopmind.demo.generator import generate
    from shopmind.forecast.release import build_forecast
    from shopmind.quality.gate import publish, run_gate
    from shopmind.release.build import build_release
    from shopmind.release.components import build_catalog, build_recs, build_search
    from shopmind.serve.state import load_release
    from shopmind.store.store import Store

    ws = Path(tempfile.mkdtemp(prefix="stockout_")) / "ws"
    shop = generate(seed=7, n_products=args.products, n_users=args.products, days=60)
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    comps = [
        ("catalog", build_catalog),
        ("search", build_search),
        ("recs", build_recs),
        ("forecast", build_forecast),
    ]
    settings = {"search": {"encoder": None}, "recs": {"encoder": None}, "forecast": {"stockout": "deboost"}}
    manifest = build_release(ws, comps, settings=settings, force=True)
    rel = load_release(ws / "releases" / manifest["id"])
    signal = rel.engine.stockout
    modes = {"off": None, "deboost": signal, "hide": dataclasses.replace(signal, mode="hide")}
    times: dict[str, dict[str, list[float]]] = {m: {"search": [], "recs": []} for m in modes}
    answers: dict[str, dict[str, list[str]]] = {m: {} for m in modes}
    for _ in range(args.rounds):
        for mode, sig in modes.items():
            rel.engine.stockout = rel.recs.stockout = sig
            for q in QUERIES:
                t = time.perf_counter()
                ids = rel.engine.search(q, size=20).ids
                times[mode]["search"].append((time.perf_counter() - t) * 1e3)
                answers[mode][f"search:{q}"] = ids
            for u in ("U00001", "U00002", "nobody"):
                t = time.perf_counter()
                ids = [r.item_id for r in rel.recs.for_user(u, k=10)]
                times[mode]["recs"].append((time.perf_counter() - t) * 1e3)
                answers[mode][f"recs:{u}"] = ids
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "products": args.products,
        "rounds": args.rounds,
        "at_risk": manifest["components"]["forecast"]["stockout"]["at_risk"],
        "modes": {
            m: {
                kind: {
                    "median_ms": round(float(np.median(v)), 3),
                    "p95_ms": round(float(np.percentile(v, 95)), 3),
                }
                for kind, v in t.items()
            }
            | {"answers_changed": sum(answers[m][k] != answers["off"][k] for k in answers["off"])}
            for m, t in times.items()
        },
        "answers": len(answers["off"]),
    }
    print(json.dumps(out, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
