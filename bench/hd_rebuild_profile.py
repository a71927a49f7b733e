"""Where a rebuild's CPU seconds go: ``shopmind build`` run in process on a copy of a workspace,
with the build's stages timed by CPU (``time.process_time``: this process, all its threads) and
wall, and the CPU of the child processes it waited for (``RUSAGE_CHILDREN``).

Why CPU and not wall: the machine this runs on is shared with other work, so wall seconds swing
with the load; the CPU seconds a stage takes do not (much). Home Depot's 1 % rebuild (issue 17:
<= 10 s) was 28.4 s quiet, ~12 s of it encoding; this says where the rest goes.

The workspace (``--snapshot``) is one whose store holds the change and whose current release is
the one before it (``bench/main_job.py home-depot`` makes one: ingest, first build, the 1 % feed
ingested); each run builds on a fresh copy, so every run does the same work. The code measured is
whatever ``shopmind`` imports (``PYTHONPATH=<worktree>/src`` for an older commit); a stage whose
function does not exist in that code is reported as absent.

    python bench/hd_rebuild_profile.py --snapshot /work/runs/s20/hd/snap-use \\
        --config /work/runs/s20/hd/shop-use.toml --label after [--cprofile]
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

#: (label, module, qualified name): timed inclusively (nested stages are inside their parents)
TARGETS: list[tuple[str, str, str]] = [
    ("build_release (all)", "shopmind.release.build", "build_release"),
    ("publish stage (make + publish)", "shopmind.release.build", "_publish_stage"),
    ("drain live log", "shopmind.release.build", "drain_live_log"),
    ("store: read a table", "shopmind.store.store", "Store.table"),
    ("copytree (hard links)", "shutil", "copytree"),
    ("releases: publish (manifest, renames, fsync)", "shopmind.release.releases", "Releases.publish"),
    ("releases: prune", "shopmind.release.releases", "Releases.prune"),
    ("component catalog", "shopmind.release.components", "build_catalog"),
    ("component search (stage 1)", "shopmind.release.components", "build_search"),
    ("  incremental engine", "shopmind.release.search_component", "_incremental_engine"),
    ("    product diff", "shopmind.release.search_component", "product_diff"),
    ("  SearchEngine.load", "shopmind.search.engine_io", "Persistence.load"),
    ("    lexical load", "shopmind.search.lexical", "LexicalIndex.load"),
    ("    catalog load", "shopmind.search.catalog", "Catalog.load"),
    ("    type-ahead load", "shopmind.search.autocomplete", "Autocomplete.load"),
    ("    graph load", "shopmind.search.graph", "KnowledgeGraph.load"),
    ("    HNSW restore/build (_refresh_ann)", "shopmind.search.engine_dense", "DenseVectors._refresh_ann"),
    ("  engine upsert", "shopmind.search.engine", "SearchEngine.upsert"),
    ("  engine delete", "shopmind.search.engine", "SearchEngine.delete"),
    ("  set popularity", "shopmind.search.catalog", "Catalog.set_popularity"),
    ("  refresh understanding", "shopmind.search.engine", "SearchEngine.refresh_understanding"),
    ("    knowledge graph build", "shopmind.search.graph", "KnowledgeGraph.build"),
    ("  type-ahead build", "shopmind.search.autocomplete", "Autocomplete.build"),
    ("  SearchEngine.save", "shopmind.search.engine_io", "Persistence.save"),
    ("    lexical save", "shopmind.search.lexical", "LexicalIndex.save"),
    ("    catalog save", "shopmind.search.catalog", "Catalog.save"),
    ("    type-ahead save", "shopmind.search.autocomplete", "Autocomplete.save"),
    ("    graph save", "shopmind.search.graph", "KnowledgeGraph.save"),
    ("    HNSW save", "shopmind.search.dense", "DenseIndex.save_hnsw"),
    ("component recs", "shopmind.release.components", "build_recs"),
    ("vector stage: search (complete_search)", "shopmind.release.components", "complete_search"),
    ("  encode product texts (cache + encoder)", "shopmind.release.search_component", "encode_with_progress"),
    ("    vector cache read", "shopmind.search.dense_cache", "VectorCache._read"),
    ("    vector cache save", "shopmind.search.dense_cache", "VectorCache._save"),
    ("  vector facts (graph, query vectors)", "shopmind.release.search_component", "_vector_facts"),
    ("    extended graph", "shopmind.release.search_component", "extended_graph"),
    ("    attach vectors", "shopmind.search.engine_dense", "DenseVectors.attach_vectors"),
    ("    re-ranker queries (ltr_queries)", "shopmind.release.search_component", "ltr_queries"),
    ("    match texts", "shopmind.search.engine_dense", "DenseVectors.match_texts"),
    ("    warm queries", "shopmind.search.engine_dense", "DenseVectors.warm_queries"),
    ("  re-ranker (attach_ltr)", "shopmind.release.search_component", "attach_ltr"),
    ("    label digest", "shopmind.search.ltr.fit", "label_digest"),
    ("    load reranker", "shopmind.release.search_ltr", "_load_reranker"),
    ("    write ltr state", "shopmind.release.search_component", "write_ltr_state"),
    ("run components (incl. waiting for children)", "shopmind.release.build", "run_components"),
]


class Clock:
    """Inclusive CPU and wall seconds per target; recursion counted once (outermost call)."""

    def __init__(self) -> None:
        self.stats: dict[str, dict[str, Any]] = {}
        self.depth: dict[str, int] = {}

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        stat = self.stats.setdefault(label, {"calls": 0, "cpu_s": 0.0, "wall_s": 0.0, "each": []})

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.depth.get(label, 0):
                return fn(*args, **kwargs)
            self.depth[label] = 1
            c0, w0 = time.process_time(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                c, w = time.process_time() - c0, time.perf_counter() - w0
                self.depth[label] = 0
                stat["calls"] += 1
                stat["cpu_s"] += c
                stat["wall_s"] += w
                if len(stat["each"]) < 6:
                    stat["each"].append([round(c, 3), round(w, 3)])

        return timed


def _install(clock: Clock) -> list[str]:
    """Wrap every target that exists in the code imported; returns the absent ones."""
    absent = []
    for label, module, qual in TARGETS:
        try:
            obj: Any = importlib.import_module(module)
        except ImportError:
            absent.append(label)
            continue
        *owners, name = qual.split(".")
        try:
            for part in owners:
                obj = getattr(obj, part)
        except AttributeError:
            absent.append(label)
            continue
        holder = obj
        if isinstance(obj, type):  # the class that defines it (a mixin's method)
            holder = next((k for k in obj.__mro__ if name in k.__dict__), None)
        raw = None if holder is None else vars(holder).get(name)
        if raw is None:
            absent.append(label)
            continue
        if isinstance(raw, classmethod):
            setattr(holder, name, classmethod(clock.wrap(label, raw.__func__)))
        elif isinstance(raw, staticmethod):
            setattr(holder, name, staticmethod(clock.wrap(label, raw.__func__)))
        else:
            setattr(holder, name, clock.wrap(label, raw))
    return absent


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--snapshot", type=Path, required=True, help="workspace right before the rebuild")
    ap.add_argument("--config", type=Path, required=True, help="the shop TOML of the builds")
    ap.add_argument("--scratch", type=Path, default=None, help="where the copy goes (default: a temp dir)")
    ap.add_argument("--label", default="", help="names the result file (e.g. before / after)")
    ap.add_argument(
        "--cprofile", action="store_true", help="also profile by CPU (slower; top functions saved)"
    )
    args = ap.parse_args()
    if not (args.snapshot / "releases" / "CURRENT").exists():
        sys.exit(f"{args.snapshot}: not a workspace with a release (run bench/main_job.py home-depot first)")

    c_import, w_import = time.process_time(), time.perf_counter()
    import shopmind
    import shopmind.cli  # noqa: F401 - what `shopmind build` imports before building
    from shopmind.cli.release import build_settings
    from shopmind.release.components import (
        DEFAULT_LATE,
        DEFAULT_PARALLEL,
        default_components,
        default_vector_parts,
    )

    imports = {
        "cpu_s": round(time.process_time() - c_import, 3),
        "wall_s": round(time.perf_counter() - w_import, 3),
    }
    clock = Clock()
    absent = _install(clock)
    from shopmind.release import build as build_mod

    settings = build_settings(args.config)
    scratch = Path(tempfile.mkdtemp(prefix="hd-rebuild-", dir=args.scratch))
    ws = scratch / "ws"
    t_copy = time.perf_counter()
    # (cp -a keeps the hard links between a workspace's releases: copytree would double them)
    subprocess.run(["cp", "-a", str(args.snapshot), str(ws)], check=True)
    copy_s = time.perf_counter() - t_copy
    load_before = os.getloadavg()[0]
    children0 = _children_cpu()
    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    c0, w0 = time.process_time(), time.perf_counter()
    manifest = build_mod.build_release(
        ws,
        default_components(),
        settings=settings,
        force=True,
        keep=int(settings.get("release", {}).get("keep", 5)),
        cache_dir=ws / "cache",
        vector_parts=default_vector_parts(),
        parallel=DEFAULT_PARALLEL,
        late=DEFAULT_LATE,
        early_children=True,
    )
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    if profiler is not None:
        profiler.disable()
    children = _children_cpu() - children0
    comps = manifest["components"]
    sv = comps.get("search", {}).get("search_vectors", {})
    out: dict[str, Any] = {
        "snapshot": str(args.snapshot),
        "code": str(Path(shopmind.__file__).parent),
        "label": args.label,
        "at": datetime.now(UTC).isoformat(),
        "loadavg_1m_before": load_before,
        "loadavg_1m_after": os.getloadavg()[0],
        "imports": imports,
        "copy_s": round(copy_s, 2),
        "build": {
            "cpu_s": round(cpu, 3),
            "wall_s": round(wall, 3),
            "children_cpu_s": round(children, 3),
            "first_release_s": manifest.get("first_release_seconds"),
            "complete_release_s": manifest.get("seconds"),
        },
        "stages": {
            k: {**v, "cpu_s": round(v["cpu_s"], 3), "wall_s": round(v["wall_s"], 3)}
            for k, v in clock.stats.items()
        },
        "absent": absent,
        "facts": {
            "lexical": comps.get("search", {}).get("lexical"),
            "encoded": sv.get("encoded"),
            "cached": sv.get("cached"),
            "encode_seconds": sv.get("encode_seconds"),
            "graph": {k: sv.get(k) for k in ("graph", "graph_seconds")},
            "ltr": {k: sv.get("ltr", {}).get(k) for k in ("ltr", "decision", "why", "heldout_ndcg10")},
            "recs": {k: comps.get("recs", {}).get(k) for k in ("decision", "why")},
            "components_seconds": {k: v.get("seconds") for k, v in comps.items()},
            "search_vectors_seconds": sv.get("seconds"),
            "parts": manifest.get("parts"),
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"hd_rebuild_profile{'-' + args.label if args.label else ''}-{stamp}.json"
    if profiler is not None:
        import io
        import pstats

        buf = io.StringIO()
        st = pstats.Stats(profiler, stream=buf)
        st.sort_stats("cumulative").print_stats(70)
        st.sort_stats("tottime").print_stats(40)
        prof_txt = path.with_suffix(".cprofile.txt")
        prof_txt.write_text(buf.getvalue(), encoding="utf-8")
        out["cprofile"] = str(prof_txt.relative_to(ROOT))
    path.write_text(json.dumps(out, indent=2), encoding="utf-8")
    shutil.rmtree(scratch, ignore_errors=True)
    width = max(len(k) for k in clock.stats) if clock.stats else 10
    for k, v in clock.stats.items():
        print(f"{k:<{width}}  cpu {v['cpu_s']:8.3f}  wall {v['wall_s']:8.3f}  calls {v['calls']}")
    print(json.dumps(out["build"]), "imports", imports)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
