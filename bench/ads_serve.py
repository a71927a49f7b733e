"""What sponsored slots cost per served ``/v1/search`` request (issue 16 item 2).

A demo-shop release (lexical search, no encoder, no re-ranker) served in process through the real
app (FastAPI TestClient), ads enabled with one campaign per query (keyword = the query, the product
= the query's 2nd organic hit) plus as many again on products no query finds. Two kinds of request,
round-robin over the same queries in one run so load changes hit both alike:

- ``no_ads``: no shopper id, so the ads path is skipped (the request as before this feature);
- ``ads``: a ``session_id``: attribution of new events (at most every 0.5 s), the auction (targeting,
  relevance floor, pacing, GSP) and the impression written to the ledger (one SQLite commit).

Reported: median and p95 wall time per request of each and the difference, the share of ``ads``
answers that carried a sponsored item, the ledger's impression count (= sponsored items served), and
``AdServer.place`` timed alone (auction + the impression's commit, no HTTP) over 300 calls.

    python bench/ads_serve.py --out bench/results/ads_serve.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path("bench/results/ads_serve.json"))
    args = ap.parse_args(argv)

    from fastapi.testclient import TestClient

    from ads_util import campaign, demo_workspace
    from shopmind.ads.ledger import AdsLedger
    from shopmind.privacy import workspace_secret
    from shopmind.serve.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        ws = demo_workspace(Path(tmp) / "ws", seed=3)
        with TestClient(create_app(ws, {"poll_seconds": 5})) as c:
            products = c.app.state.shop.current.products
            leaves = sorted(
                {str(products[p].get("category_path") or "").split(">")[-1].strip() for p in products}
            )
            queries, camps = [], []
            for q in leaves:
                hits = c.get("/v1/search", params={"q": q}).json()["hits"]
                if len(hits) >= 3:
                    queries.append(q)
                    camps.append(campaign(f"c{len(camps)}", [hits[1]["product_id"]], keywords=[q]))
                if len(queries) >= args.queries:
                    break
            ids = sorted(products)
            camps += [campaign(f"x{i}", [ids[i]], keywords=[f"nomatch{i}"]) for i in range(len(camps))]
            ledger = AdsLedger(ws, workspace_secret(ws))
            ledger.create(camps)
            ledger.set_settings({"enabled": True})
            times: dict[str, list[float]] = {"no_ads": [], "ads": []}
            sponsored = 0
            for q in queries[:5]:  # warm up both paths
                c.get("/v1/search", params={"q": q})
                c.get("/v1/search", params={"q": q, "session_id": "warm"})
            for r in range(args.rounds):
                for i, q in enumerate(queries):
                    for kind in ("no_ads", "ads") if (i + r) % 2 == 0 else ("ads", "no_ads"):
                        params = {"q": q} if kind == "no_ads" else {"q": q, "session_id": f"s{r}-{i}"}
                        t0 = time.perf_counter()
                        body = c.get("/v1/search", params=params).json()
                        times[kind].append((time.perf_counter() - t0) * 1000)
                        if kind == "ads":
                            sponsored += any(h.get("sponsored") for h in body["hits"])
            impressions = sum(row["impressions"] for row in ledger.report())
            # the ads path alone, without HTTP: auction + the impression's commit, per call
            srv = c.app.state.ad_server
            organic = [
                (h["product_id"], h["score"])
                for h in c.get("/v1/search", params={"q": queries[0]}).json()["hits"]
            ]
            t0 = time.perf_counter()
            for i in range(300):
                srv.place(
                    queries[0], organic, user_id=None, session_id=f"p{i}", request_id=None, context="search"
                )
            place_ms = (time.perf_counter() - t0) * 1000 / 300
    stats = {
        k: {"median_ms": float(np.median(v)), "p95_ms": float(np.percentile(v, 95)), "n": len(v)}
        for k, v in times.items()
    }
    result = {
        "bench": "ads_serve",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "queries": len(queries),
        "rounds": args.rounds,
        "campaigns": len(camps),
        "requests": stats,
        "added_median_ms": stats["ads"]["median_ms"] - stats["no_ads"]["median_ms"],
        "added_p95_ms": stats["ads"]["p95_ms"] - stats["no_ads"]["p95_ms"],
        "ratio_median": stats["ads"]["median_ms"] / stats["no_ads"]["median_ms"],
        "ads_answers_with_sponsored": sponsored / max(len(times["ads"]), 1),
        "impressions_logged": impressions,
        "place_call_ms": place_ms,
    }
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
