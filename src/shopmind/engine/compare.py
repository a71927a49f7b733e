"""Row-by-row comparison of two gate results: the check that both engines give the same account.

Used by the equivalence tests and by ``bench/spark_scale.py`` (a speed figure only counts when
the answers are the same).
"""

from __future__ import annotations

import polars as pl

from shopmind.data.model import ROW
from shopmind.quality.gate import GateResult, eager


def _frame_diff(what: str, a: pl.DataFrame, b: pl.DataFrame, key: str) -> list[str]:
    if a.columns != b.columns:
        return [f"{what}: columns {a.columns} != {b.columns}"]
    if a.height != b.height:
        return [f"{what}: {a.height} rows != {b.height} rows"]
    a, b = a.sort(key, maintain_order=True), b.sort(key, maintain_order=True)
    out = []
    for col in a.columns:
        same = a[col].eq_missing(b[col]) if not isinstance(a[col].dtype, pl.List | pl.Struct) else None
        if same is None:
            pairs = zip(a[col].to_list(), b[col].to_list(), strict=True)
            same = pl.Series([x == y for x, y in pairs], dtype=pl.Boolean)  # (typed: may be empty)
        if not same.all():
            i = int((~same).arg_true()[0])
            out.append(
                f"{what}.{col}: {int((~same).sum())} rows differ, first at {key}={a[key][i]}: "
                f"{a[col][i]!r} != {b[col][i]!r}"
            )
    return out


def differences(a: GateResult, b: GateResult) -> list[str]:
    """Every way ``b``'s account differs from ``a``'s (empty: the same answers, row by row):
    accepted row ids and values (after repairs), each quarantined row's reason codes, detail and
    payload, every repair (audit), rows failing per code, coercion notes and completeness."""
    out: list[str] = []
    if a.account() != b.account():
        out.append(f"account {a.account()} != {b.account()}")
    if set(a.tables) != set(b.tables):
        return [*out, f"tables {sorted(a.tables)} != {sorted(b.tables)}"]
    for name, ta in a.tables.items():
        tb = b.tables[name]
        out += _frame_diff(f"{name}.accepted", eager(ta.accepted), eager(tb.accepted), ROW)
        out += _frame_diff(f"{name}.quarantine", eager(ta.quarantine), eager(tb.quarantine), "row_no")
        audit_a = eager(ta.audit).with_row_index("_i").sort(ROW, "_i").drop("_i")
        audit_b = eager(tb.audit).with_row_index("_i").sort(ROW, "_i").drop("_i")
        if not audit_a.equals(audit_b):
            out.append(f"{name}.audit: {audit_a.height} vs {audit_b.height} records, not the same")
        if ta.failed != tb.failed:
            keys = sorted(set(ta.failed) | set(tb.failed))
            out.append(
                f"{name}.failed: "
                + str(
                    {
                        k: (ta.failed.get(k), tb.failed.get(k))
                        for k in keys
                        if ta.failed.get(k) != tb.failed.get(k)
                    }
                )
            )
        if ta.notes != tb.notes:
            out.append(f"{name}.notes: {ta.notes} != {tb.notes}")
        if ta.completeness != tb.completeness:
            out.append(f"{name}.completeness: {ta.completeness} != {tb.completeness}")
    return out


__all__ = ["differences"]
