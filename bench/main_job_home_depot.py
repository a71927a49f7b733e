"""``bench/main_job.py home-depot``: ``shopmind ingest`` + ``shopmind build`` of Home Depot from an empty
(or seeded) vector cache, then a rebuild after changing the titles of a share of the products (a
catalog feed update); per build the wall and CPU seconds and the manifest's per-component figures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from main_job_procs import children_cpu, conditions

EXE = Path(sys.executable).parent / "shopmind"


def _build(ws: Path, config: Path) -> tuple[float, dict]:
    t0, c0 = time.monotonic(), children_cpu()
    subprocess.run([str(EXE), "build", "--workspace", str(ws), "--config", str(config), "--force"],
                   check=True, capture_output=True)  # fmt: skip
    seconds = time.monotonic() - t0
    rel = ws / "releases"
    manifest = json.loads((rel / (rel / "CURRENT").read_text().strip() / "release.json").read_text())
    # CPU seconds of the build process and every process it waited for (encoders, children)
    manifest["_bench_cpu_s"] = round(children_cpu() - c0, 2)
    return seconds, manifest


def _summary(seconds: float, m: dict) -> dict:
    comps = m["components"]
    sv = comps.get("search", {}).get("search_vectors", {})
    return {
        "wall_s": round(seconds, 2),
        "cpu_s": m.get("_bench_cpu_s"),
        "cpu_by_component": {
            **{k: v.get("cpu_seconds") for k, v in comps.items()},
            "search_vectors": sv.get("cpu_seconds"),
        },
        "first_release_s": m.get("first_release_seconds"),
        "complete_release_s": m.get("seconds"),
        "search_s": comps.get("search", {}).get("seconds"),
        "search_vectors_s": sv.get("seconds"),
        "encoded": sv.get("encoded"),
        "cached": sv.get("cached"),
        "encode_s": sv.get("encode_seconds"),
        "warm_queries": sv.get("warm_queries"),
        "ltr_lexical": {
            k: comps.get("search", {}).get("ltr", {}).get(k) for k in ("ltr", "decision", "seconds")
        },
        "ltr_dense": {
            k: sv.get("ltr", {}).get(k)
            for k in (
                "ltr",
                "decision",
                "seconds",
                "heldout_ndcg10",
                "rounds",
                "train_rows",
                "early_stop_queries",
            )
        },
        "graph": {k: sv.get(k) for k in ("graph", "graph_seconds")},
        "recs": {k: comps.get("recs", {}).get(k) for k in ("decision", "seconds")},
        "recs_content": {
            k: (comps.get("recs", {}).get("recs_content") or {}).get(k)
            for k in ("encoder", "vectors", "seconds", "cpu_seconds", "seconds_content")
        },
        "rows": m["rows"],
    }


def run_home_depot(
    data: Path, encoder: str, share: float, seed_cache: Path | None = None, recs_encoder: str | None = None
) -> dict:
    """First build from an empty cache, then a rebuild after changing ``share`` of the titles.
    ``seed_cache``: the workspace's vector cache starts as a copy of that folder (a shop whose
    catalog was encoded before: the first build is then not an e5 run, and the rebuild — what
    a catalog feed update costs — is measured without waiting ~12 minutes for a first encoding)."""
    import polars as pl

    tmp = Path(tempfile.mkdtemp(prefix="main-job-hd-"))
    ws = tmp / "ws"
    if seed_cache is not None:
        shutil.copytree(seed_cache, ws / "cache")
    config = tmp / "shop.toml"
    recs = f'[recs]\nencoder = "{recs_encoder}"\n' if recs_encoder else ""  # (absent: the default)
    config.write_text(f'[search]\nencoder = "{encoder}"\n{recs}', encoding="utf-8")
    before = conditions()
    t0 = time.monotonic()
    subprocess.run([str(EXE), "ingest", str(data / "home-depot"), "--format", "home-depot", "--workspace", str(ws),
                    "--force"], check=True, capture_output=True)  # fmt: skip
    ingest_s = time.monotonic() - t0
    first_s, m1 = _build(ws, config)
    # change the titles of 1 % of the products (a catalog feed update) and ingest them
    products = pl.read_parquet(ws / "releases" / m1["id"] / "catalog" / "products.parquet")
    n = max(1, int(products.height * share))
    changed = products.sample(n, seed=1).with_columns(pl.col("title") + pl.lit(" - 2027 model"))
    feed = tmp / "feed"
    feed.mkdir()
    changed.drop([c for c in changed.columns if c.startswith("_")]).write_parquet(feed / "products.parquet")
    subprocess.run([str(EXE), "ingest", str(feed), "--format", "canonical", "--workspace", str(ws), "--force"],
                   check=True, capture_output=True)  # fmt: skip
    again_s, m2 = _build(ws, config)
    out = {
        "scenario": "home-depot",
        "encoder": encoder,
        "recs_encoder": recs_encoder or "(default)",
        "seed_cache": None if seed_cache is None else str(seed_cache),
        "ingest_s": round(ingest_s, 2),
        "first_build": _summary(first_s, m1),
        "changed_products": n,
        "rebuild": _summary(again_s, m2),
        "code": os.environ.get("PYTHONPATH") or "the installed package",
        "conditions_before": before,
        "conditions_after": conditions(),
    }
    shutil.rmtree(tmp, ignore_errors=True)
    return out
