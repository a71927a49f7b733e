"""Profiles and privacy on real data (issue 15 items 5-6).

1. **Profiles** on Online Retail (accepted by the quality gate, as ``shopmind build`` reads
   the store): build time (wall and CPU), users per segment, RFM cut points, save + load time,
   ``get`` latency (one profile as the API serves it) and ``record`` latency (one live event).
2. **Masker false positives** on real product titles (Home Depot 53,475, Online Retail 3,815):
   how many titles ``mask_pii`` changes — every change to a product title is a false positive —
   side by side with the masker before issue 15 (its phone rule, kept verbatim below as ``v0``).

    python bench/profiles_privacy.py --data ../shared/data --out bench/results/profiles_privacy.json
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.privacy import mask_pii
from shopmind.profiles import ProfileIndex
from shopmind.quality.gate import run_gate

# ---- the masker before issue 15 (phone rule verbatim; e-mail rule unchanged since)
_V0_EMAIL = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@(?:[A-Za-z0-9-]+\.)+([A-Za-z]{2,24})(?![\w-])"
)
_V0_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d[\d\s().-]{5,20}\d|\(?\d{2,5}\)?(?:[\s.-]\(?\d{2,5}\)?){2,5})(?![\w])"
)
_V0_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")


def _v0_phone(m: re.Match[str]) -> str:
    text = m.group(0)
    digits = re.sub(r"\D", "", text)
    if not 7 <= len(digits) <= 15 or _V0_DATE.match(text.strip()):
        return text
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", text):
        return text
    return ("+" if text.startswith("+") else "") + "*" * (len(digits) - 2) + digits[-2:]


def mask_v0(text: str) -> str:
    if not text or ("@" not in text and not any(ch.isdigit() for ch in text)):
        return text
    return _V0_PHONE.sub(_v0_phone, _V0_EMAIL.sub(lambda m: f"{m.group(1)}***@***.{m.group(2)}", text))


def masker(data: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    sources = {
        "home-depot": lambda: pl.read_csv(
            data / "home-depot" / "products.csv", columns=["product_title"], encoding="utf8-lossy"
        )["product_title"],  # fmt: skip
        "online-retail": lambda: get_adapter("online-retail").load(data / "online-retail").products["title"],
    }
    for name, load in sources.items():
        titles = load().drop_nulls().unique().to_list()
        row: dict[str, Any] = {"titles": len(titles)}
        for label, fn in (("before_issue_15", mask_v0), ("now", mask_pii)):
            t0 = time.perf_counter()
            changed = [t for t in titles if fn(t) != t]
            row[label] = {"changed": len(changed), "examples": changed[:5],
                          "us_per_title": round(1e6 * (time.perf_counter() - t0) / max(len(titles), 1), 2)}  # fmt: skip
        out[name] = row
    return out


def profiles(data: Path, calls: int) -> dict[str, Any]:
    batch = get_adapter("online-retail").load(data / "online-retail")
    gate = run_gate(batch, GateConfig(), None)
    events, products = gate.tables["events"].accepted, gate.tables["products"].accepted
    t0, c0 = time.perf_counter(), time.process_time()
    idx = ProfileIndex.build(events, products)
    build = {"wall_s": round(time.perf_counter() - t0, 3), "cpu_s": round(time.process_time() - c0, 3)}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        idx.save(tmp)
        loaded = ProfileIndex.load(tmp)
        save_load = round(time.perf_counter() - t0, 3)
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    rng = np.random.default_rng(0)
    users = loaded.frame["user_id"].to_list()
    picks = [users[i] for i in rng.integers(0, len(users), calls)]
    get_ms = []
    for u in picks:
        t = time.perf_counter()
        loaded.get(u)
        get_ms.append(1e3 * (time.perf_counter() - t))
    items = products["product_id"].to_list()
    rec_ms = []
    as_of = loaded.as_of
    for i, u in enumerate(picks):
        ev = {"user_id": u, "type": "view", "item_id": items[i % len(items)], "timestamp": as_of.isoformat()}
        t = time.perf_counter()
        loaded.record([ev])
        rec_ms.append(1e3 * (time.perf_counter() - t))
    pct = lambda v, q: round(float(np.percentile(v, q)), 4)  # noqa: E731
    return {
        "dataset": "online-retail",
        "events": events.height,
        "products": products.height,
        "users": idx.meta["users"],
        "as_of": idx.meta["as_of"],
        "segments": idx.meta["segments"],
        "rfm_cuts": idx.meta["rfm_cuts"],
        "build": build,
        "save_load_s": save_load,
        "artefact_bytes": size,
        "get_ms": {"p50": pct(get_ms, 50), "p99": pct(get_ms, 99)},
        "record_one_event_ms": {"p50": pct(rec_ms, 50), "p99": pct(rec_ms, 99)},
        "calls": calls,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=Path("bench/results/profiles_privacy.json"))
    args = ap.parse_args()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "profiles": profiles(args.data, args.calls),
        "masker": masker(args.data),
    }
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
