"""The suggestions report: ``suggestions.csv`` (one row per product) and ``report.json`` (settings,
counts by action and reason, the rows). Written to a folder the shop reads; never to the catalog."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import polars as pl

from shopmind.pricing.elasticity import Elasticity
from shopmind.pricing.suggest import Guardrails, Suggestion


def _finite(x: object) -> object:
    """NaN/inf -> null: the report must be valid JSON (an unidentified elasticity is NaN)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def summary(suggestions: list[Suggestion], g: Guardrails) -> dict[str, object]:
    """Counts by action and by reason kind (numbers stripped so like reasons group together)."""
    kinds = Counter(
        re.sub(r"\[.*?\]|-?\d+(\.\d+)?%?", "#", s.reason) for s in suggestions if s.action == "keep"
    )
    changed = [s for s in suggestions if s.action == "change"]
    return {
        "guardrails": asdict(g),
        "products": len(suggestions),
        "changed": len(changed),
        "kept": len(suggestions) - len(changed),
        "raised": sum(s.suggested_price > s.current_price for s in changed),
        "lowered": sum(s.suggested_price < s.current_price for s in changed),
        "keep_reasons": dict(kinds.most_common()),
        "guardrail_violations_in_changes": sum(bool(s.violations) for s in changed),
    }


def write(
    out: Path, suggestions: list[Suggestion], g: Guardrails, elasticities: list[Elasticity] | None = None
) -> dict[str, object]:
    """Write the report folder; returns the summary."""
    out.mkdir(parents=True, exist_ok=True)
    rows = [s.as_dict() for s in suggestions]
    pl.DataFrame(rows, infer_schema_length=None).write_csv(out / "suggestions.csv")
    summ = summary(suggestions, g)
    doc = {"summary": summ, "suggestions": rows}
    if elasticities is not None:
        doc["elasticities"] = [e.as_dict() for e in elasticities]
    (out / "report.json").write_text(json.dumps(_finite(doc), indent=1, default=str, allow_nan=False))
    return summ
