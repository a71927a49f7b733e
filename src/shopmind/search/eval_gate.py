"""The quality gate in front of ``evaluate search``: the catalog searched is the one a build would publish.

Why: ``evaluate recs`` and ``evaluate forecast`` train on what the gate accepts (adapter -> gate ->
accepted rows), as ``build`` does; ``evaluate search`` read the adapter's products as they came, so a
product the gate quarantines (a placeholder title, a duplicate id, an unsafe id, a text too long) was
searched in the evaluation and never served, and the gate's text repairs (HTML, mis-decoded text,
whitespace, traditional Chinese) were not what was searched. Now every product row passes the same
``run_gate`` and is accounted for: accepted, or quarantined with its codes, and judged queries whose
products were quarantined are counted and named, not left to a "judgments of products not in the corpus"
line.

Only the catalog passes: the judgments keep ``eval_data.usable_judgments``' rules (the mean grade per
(query, product) pair, every kind of row left out counted), since the gate's ``JDG_DUP`` keeps the
latest judgment of a pair and so would change the graded set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from shopmind.data.model import Batch

if TYPE_CHECKING:
    from shopmind.config import GateConfig

#: Queries named in a note (the JSON names all of them)
NAMED = 5


@dataclass
class GatedCatalog:
    """The gate's verdict on a dataset's products: the accepted rows and a JSON-ready account."""

    products: pl.DataFrame
    #: product id -> the codes of its quarantined rows, for ids with no accepted row left
    lost: dict[str, list[str]] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def gate_catalog(batch: Batch, config: GateConfig | None = None) -> GatedCatalog:
    """``batch.products`` through the quality gate (``config``, default: the default settings; no store), as
    ``build`` gates them."""
    from shopmind.config import GateConfig
    from shopmind.quality.gate import run_gate

    assert batch.products is not None
    # the products' own unreadable lines only: the judgments' are counted by load_dataset
    malformed = [m for m in batch.meta.get("malformed", []) or [] if m.get("table") == "products"]  # type: ignore[union-attr]
    meta = {**batch.meta, "malformed": malformed}
    result = run_gate(Batch(batch.source, products=batch.products, meta=meta), config or GateConfig(), None)
    t = result.tables["products"]
    accepted = t.accepted if isinstance(t.accepted, pl.DataFrame) else t.accepted.collect()
    quarantine = t.quarantine if isinstance(t.quarantine, pl.DataFrame) else t.quarantine.collect()
    kept = set(accepted["product_id"].drop_nulls().to_list())
    lost: dict[str, list[str]] = {}
    for codes, payload in zip(quarantine["codes"].to_list(), quarantine["payload"].to_list(), strict=True):
        pid = _product_id(payload)
        if pid is not None and pid not in kept:
            lost.setdefault(pid, [])
            lost[pid] += [c for c in codes if c not in lost[pid]]
    by_code = {c: n for c, n in t.failed.items() if n}
    summary = {
        "input_products": t.input_rows,
        "accepted_products": accepted.height,
        "quarantined_products": quarantine.height,
        "quarantined_by_code": _count_codes(quarantine["codes"].to_list()),
        "failed_by_code": by_code,  # quarantined, flagged or repaired rows per code (TEXT_HTML: repaired)
        "product_ids_lost": len(lost),
        "held_by": [
            f"{c['table']}:{c['code']}" for c in result.checks if c["crossed"] and c["severity"] == "error"
        ],
    }
    return GatedCatalog(products=accepted, lost=lost, summary=summary)


def judged_losses(judgments: pl.DataFrame, lost: dict[str, list[str]]) -> dict[str, Any]:
    """The judged queries whose products the gate quarantined: per query its products and their codes,
    and the queries left with no judged product at all (no longer scored)."""
    if not lost or judgments.is_empty():
        return {"judgments": 0, "queries": 0, "queries_unscored": [], "by_query": {}}
    j = judgments.select(pl.col("query").cast(pl.Utf8), pl.col("product_id").cast(pl.Utf8)).drop_nulls()
    hit = j.filter(pl.col("product_id").is_in(list(lost)))
    by_query: dict[str, dict[str, list[str]]] = {}
    for q, p in hit.unique(maintain_order=True).iter_rows():
        by_query.setdefault(q, {})[p] = lost[p]
    remaining = set(j.filter(~pl.col("product_id").is_in(list(lost)))["query"].to_list())
    unscored = sorted(q for q in by_query if q not in remaining)
    return {
        "judgments": hit.height,
        "queries": len(by_query),
        "queries_unscored": unscored,
        "by_query": by_query,
    }


def gate_notes(summary: dict[str, Any], losses: dict[str, Any]) -> list[str]:
    """The lines ``evaluate search`` prints before it fits (and keeps in the JSON's notes)."""
    codes = ", ".join(
        f"{c} {n:,}" for c, n in sorted(summary["quarantined_by_code"].items(), key=lambda kv: -kv[1])
    )
    repaired = {
        c: n for c, n in summary["failed_by_code"].items() if c.startswith("TEXT_") and c != "TEXT_TOO_LONG"
    }
    fixes = ", ".join(f"{c} {n:,}" for c, n in sorted(repaired.items()))
    out = [
        f"quality gate: {summary['input_products']:,} product rows, {summary['accepted_products']:,} accepted, "
        f"{summary['quarantined_products']:,} quarantined"
        + (f" ({codes})" if codes else "")
        + (f"; text repaired: {fixes}" if fixes else "")
    ]
    if summary["held_by"]:
        out.append(
            f"the gate would hold this catalog ({', '.join(summary['held_by'])}): evaluated on its accepted rows"
        )
    if losses["queries"]:
        names = list(losses["by_query"])[:NAMED]
        more = (
            f", ... ({losses['queries'] - len(names):,} more in the JSON)"
            if losses["queries"] > len(names)
            else ""
        )
        unscored = losses["queries_unscored"]
        out.append(
            f"{losses['judgments']:,} judgment(s) of {losses['queries']:,} judged query(ies) name a product the gate "
            f"quarantined, left out: {', '.join(repr(q) for q in names)}{more}"
            + (f"; {len(unscored):,} of them kept no judged product and are not scored" if unscored else "")
        )
    return out


def _product_id(payload: str | None) -> str | None:
    try:
        pid = json.loads(payload or "{}").get("product_id")
    except (json.JSONDecodeError, AttributeError):
        return None
    return None if pid is None else str(pid)


def _count_codes(rows: list[list[str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for codes in rows:
        for c in codes:
            out[c] = out.get(c, 0) + 1
    return out
