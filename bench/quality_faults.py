"""Fault injection: for each defect class, does the quality gate find exactly the rows that have it?

Real data is dirty already, so for each real dataset (Online Retail, CrowdFlower) the gate runs
on the adapter's frames:

1. on the batch as it is: the *baseline* detections, a set of (table, row, code);
2. after injecting, per defect class, ``--per-class`` defects at seeded random rows chosen among
   rows with **no** baseline detection (so an injected row has exactly one known defect), in two
   rounds from the same baseline: the row-local classes together, then the statistical classes
   (price and quantity outliers, category minority) alone, because thousands of row-local edits
   move the medians those are judged by. What the row-local round does to the statistical
   classes is reported as *side effects*, not hidden. Existing rows keep their ``_row`` id,
   appended rows get new ids after the last one.

Per class (table, code): ``detected`` = rows carrying the code after injection (quarantine code,
accepted ``_flags``, or an audit record for a repair) minus rows that carried it in the baseline;
``recall = |detected & injected| / |injected|``, ``precision = |detected & injected| / |detected|``.
Detections that were not injected for the class are false positives, split into ``fp_clean``
(a row without any injected defect: a clean row wrongly judged) and ``fp_defect`` (an extra code
on a row injected with another class). ``lost`` counts baseline detections of the class that
disappeared after injection (the injection changed a statistic another row was judged by).

The demo shop (``shopmind.demo``) is scored twice: against the generator's own ground truth
(its clean rows are clean, so nothing is subtracted), and with the same injections as the real
data on top (baseline = the generator's defects). The account is checked for every gate run:
accepted + quarantined == input rows (appended rows included), every input ``_row`` exactly once.

How the defects are injected (raw representation kept: strings stay strings):

- in place, on an existing clean row: text repairs (mojibake, HTML, whitespace, traditional
  Chinese), empty description, and all event/judgment value defects;
- as an appended copy with a fresh product id for product defects that quarantine a product or
  change its price (placeholder title, price <= 0, price outlier, unknown currency, ...): a
  quarantined real product would turn its events into unknown-item events and a changed price
  would move the reference of the x100 price check, which would measure the cascade, not the class;
- as appended rows where the defect is a relation between rows: exact and near duplicates
  (the later copy is the defect), older product copies, returns without a purchase, and bot
  sessions (new sessions of views of existing products at machine-like timing).

Sizes: product price outliers are set 1.5-3x the check's threshold above their group's median
(at most 2 % of a group); price unit errors are x100 or /100 of a purchase priced at its item's
reference (within 2.3 %), as the check compares against that reference; quantity outliers are a
plain x1000 (a unit slip), *not* sized to the threshold, so an item whose quantities spread widely
can hide one, and that is reported as a miss. At most one purchase per item is changed over all
event classes, so no item's quantity statistics are judged on two injected rows.

    python bench/quality_faults.py --data ../shared/data --seed 0 --per-class 200 \\
        --out bench/results/quality_faults.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from tqdm import tqdm

from _quality_faults.injector import Injector as Injector
from _quality_faults.report import _pct, format_report, summarise
from _quality_faults.runner import DatasetReport, run_ground_truth, run_injection
from _quality_faults.runner import gate as gate
from _quality_faults.scoring import check_account as check_account
from _quality_faults.scoring import score as score
from shopmind.config import GateConfig

# ``name as name`` above: re-exported for tests/test_quality_faults.py (qf.Injector, qf.gate, ...)


#: Fixed "now" for Online Retail (invoices end 2011-12-09): future timestamps are after the data.
ONLINE_RETAIL_NOW = datetime(2012, 1, 1, tzinfo=UTC)
#: Codes that are not row defects (batch measurements) or happen before the frames exist.
NOT_ROW_LEVEL = {
    "MALFORMED_LINE": "a line the reader cannot split; the bench injects into parsed frames "
    "(covered by tests/test_readers.py)",
    "COMPLETENESS": "batch-level measurement",
    "TS_UNIT": "batch-level note",
    "TS_TIMEZONE": "batch-level note",
    "BATCH_FRESHNESS": "batch-level measurement",
    "BATCH_VOLUME": "needs a previous run in a store",
    "BATCH_DRIFT": "needs a previous run in a store",
}


# --- main -----------------------------------------------------------------------------------


def _seed(seed: int, name: str) -> int:
    return seed * 1_000_003 + zlib.crc32(name.encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Inject each defect class at known rows into real data and the demo shop; "
        "report per-class recall and precision of the quality gate and check the row account.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("SHOPMIND_DATA", "../shared/data")),
                        help="shared data root (online-retail/, crowdflower/); a missing folder is skipped")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seed of row selection and injected values")
    parser.add_argument("--per-class", type=int, default=200, help="defects injected per class and dataset")
    parser.add_argument("--demo-seed", type=int, default=42, help="seed of the demo shop generator")
    parser.add_argument(
        "--datasets", default="online-retail,crowdflower,demo", help="comma-separated subset to run"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/quality_faults.json"))
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    wanted = {d.strip() for d in args.datasets.split(",") if d.strip()}
    progress = not args.no_progress

    from shopmind.data.adapters import get_adapter
    from shopmind.demo.generator import generate

    reports: list[DatasetReport] = []
    skipped: dict[str, str] = {}
    plan = [d for d in ("online-retail", "crowdflower", "demo") if d in wanted]
    for dataset in tqdm(plan, desc="datasets", disable=not progress):
        if dataset == "online-retail":
            folder = args.data / "online-retail"
            if not folder.is_dir():
                skipped[dataset] = f"{folder} not found"
                print(f"skipping online-retail: {folder} not found", file=sys.stderr)
                continue
            batch = get_adapter("online-retail").load(folder / "online_retail.csv.gz")
            reports.append(
                run_injection(
                    "online-retail",
                    "UCI Online Retail (invoice lines -> purchase/return events + derived products); "
                    f"now fixed at {ONLINE_RETAIL_NOW.date()} so that 'future' means after the data's last "
                    "invoice (2011-12-09), not after today",
                    batch,
                    GateConfig(),
                    ONLINE_RETAIL_NOW,
                    _seed(args.seed, dataset),
                    args.per_class,
                    progress=progress,
                )  # fmt: skip
            )
        elif dataset == "crowdflower":
            folder = args.data / "crowdflower"
            if not folder.is_dir():
                skipped[dataset] = f"{folder} not found"
                print(f"skipping crowdflower: {folder} not found", file=sys.stderr)
                continue
            batch = get_adapter("crowdflower").load(folder / "train.csv")
            reports.append(
                run_injection(
                    "crowdflower",
                    "CrowdFlower search relevance (products with HTML descriptions + judgments 1-4); no events",
                    batch,
                    GateConfig(),
                    datetime(2016, 1, 1, tzinfo=UTC),
                    _seed(args.seed, dataset),
                    args.per_class,
                    progress=progress,
                )  # fmt: skip
            )
        else:
            shop = generate(seed=args.demo_seed)
            end = datetime.fromisoformat(str(shop.batch.meta["generator"]["end"]))  # type: ignore[index]
            now = end + timedelta(days=1)
            cfg = GateConfig(traditional_to_simplified=True)
            truth_rep, result = run_ground_truth(
                "demo-shop (generator truth)",
                f"generate(seed={args.demo_seed}) scored against the generator's own defect list "
                "(traditional->simplified on; now = generator end + 1 day)",
                shop.batch, shop.defects, cfg, now,
            )  # fmt: skip
            reports.append(truth_rep)
            if result is not None:
                reports.append(
                    run_injection(
                        "demo-shop + injected",
                        "the same demo batch with the bench's injections on rows the gate found clean "
                        "(baseline = the generator's defects)",
                        shop.batch,
                        cfg,
                        now,
                        _seed(args.seed, dataset),
                        args.per_class,
                        base=result,
                        progress=progress,
                    )  # fmt: skip
                )

    for rep in reports:
        print(format_report(rep))
        print()
    summary = summarise(reports)
    print(
        f"SUMMARY: {summary['classes_full_recall']}/{summary['classes_injected']} injected classes at 100 % recall"
        + (f" (below: {', '.join(summary['below_full_recall'])})" if summary["below_full_recall"] else "")
        + f"; min precision {_pct(summary['min_precision'])}"
        + (f" ({summary['min_precision_class']})" if summary["min_precision_class"] else "")
        + f"; min clean-row precision {_pct(summary['min_clean_precision'])}"
        + (f" ({summary['min_clean_precision_class']})" if summary["min_clean_precision_class"] else "")
        + f"; false positives on clean rows {summary['fp_clean_rows']:,}, extra codes on defective rows "
        + f"{summary['fp_defect_rows']:,}; side effects on classes not injected in a round: "
        + f"{summary['side_effect_new_clean']:,} new on clean rows, {summary['side_effect_lost']:,} lost"
        + f"; account {'ok' if summary['account_ok'] else 'BROKEN'}"
    )
    payload = {
        "benchmark": "quality_faults",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": {
            "data": str(args.data),
            "seed": args.seed,
            "per_class": args.per_class,
            "demo_seed": args.demo_seed,
            "datasets": sorted(wanted),
        },  # fmt: skip
        "python": sys.version.split()[0],
        "polars": pl.__version__,
        "skipped": skipped,
        "not_row_level": NOT_ROW_LEVEL,
        "datasets": {r.name: r.as_dict() for r in reports},
        "summary": summary,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if summary["account_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
