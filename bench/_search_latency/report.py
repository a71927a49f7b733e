"""The printed latency table of ``bench/search_latency.py`` (the shape docs/BENCHMARKS.md records)."""

from __future__ import annotations


def print_table(out: dict) -> None:
    rows: list[tuple[str, dict | None]] = []
    la = out.get("lexical_anchor", {})
    rows += [("lexical top10 (ours)", la.get("ours")), ("lexical top10 (tantivy)", la.get("tantivy"))]
    lb = la.get("blocks", {})
    rows += [
        ("lexical top10 blocks (ours)", lb.get("ours")),
        ("lexical top10 blocks (tantivy)", lb.get("tantivy")),
    ]
    comp = out.get("components", {})
    for k in (
        "analysis",
        "lexical_top100",
        "encode_query",
        "dense_search",
        "dense",
        "fusion",
        "ltr",
        "pipeline",
    ):
        if isinstance(comp.get(k), dict) and comp[k].get("n"):
            rows.append((f"component {k}", comp[k]))
    eng = out.get("engine", {})
    if "end_to_end" in eng:
        rows.append(("engine end-to-end", eng["end_to_end"]))
        for k, v in eng["stages"].items():
            if v.get("n") and k != "total":
                rows.append((f"engine {k}", v))
    for mode, fs in out.get("engine", {}).get("first_seen", {}).items():
        if isinstance(fs, dict):
            rows.append((f"first-seen, fresh load ({mode})", fs["queries"]))
    h = out.get("hnsw", {})
    if h:
        rows += [("dense exact top10", h["query_exact"]), ("dense HNSW top10", h["query_hnsw"])]
        rows.append(("dense 50% filter (graph)", h["filtered_50pct"]["query"]))
        rows.append(("dense 10% filter (exact subset)", h["filtered_10pct"]["query"]))
    print(f"{'stage':32s} {'p50 ms':>9s} {'p90 ms':>9s} {'p99 ms':>9s} {'mean ms':>9s}")
    for name, s in rows:
        if s and s.get("n"):
            print(f"{name:32s} {s['p50_ms']:9.3f} {s['p90_ms']:9.3f} {s['p99_ms']:9.3f} {s['mean_ms']:9.3f}")
    if la:
        print(f"lexical p50 ours/tantivy = {la['p50_ratio_ours_over_tantivy']} interleaved per query", end="")
        print(f", {lb.get('p50_ratio_ours_over_tantivy')} in blocks")
    if "queries_per_second" in comp:
        print(f"component pipeline: {comp['queries_per_second']} queries/s")
    if "end_to_end" in eng:
        print(f"engine: {eng['queries_per_second']} queries/s")
    for mode, fs in eng.get("first_seen", {}).items():
        if isinstance(fs, dict):
            print(
                f"first-seen ({mode}): load {fs['load_seconds']} s, warm-up {fs['warm_up_seconds']} s, first query {fs['first_query_ms']} ms"
                f", NDCG@10 {fs.get('ndcg@10')}, dense {fs.get('dense')}"
            )
            if "second_search" in fs:
                ss = fs["second_search"]
                print(
                    f"  same queries again after the worker: NDCG@10 {ss['ndcg@10']}, dense {ss['dense']}, p99 {ss['queries']['p99_ms']} ms"
                )
    if h:
        print(
            f"HNSW recall@10 {h['recall_at_10']} (filter 50%: {h['filtered_50pct']['recall_at_10']}, 10%: {h['filtered_10pct']['recall_at_10']}), "
            f"build {h['build_seconds']} s"
        )
    for k, v in out["build"].items():
        print(
            f"build {k}: {v.get('seconds', v.get('index_seconds'))} s"
            + (f", peak {v['tracemalloc_peak_mb']} MB" if "tracemalloc_peak_mb" in v else "")
        )
