"""Column profiles of an accepted batch, and drift of a new batch against the previous one.

A profile is small enough to keep per run (a seeded sample of up to 5,000 values for a
numeric column, the top 100 values for a categorical one), so drift can be computed against
the previous accepted batch without keeping that batch. Statistics follow Evidently's defaults:
KS below 1,000 reference rows, Jensen-Shannon and PSI above; PSI bands 0.1 / 0.2.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

SAMPLE = 5_000
TOP = 100
OTHER = "__other__"

#: (table, column, kind, expression) profiled per batch.
PROFILED: tuple[tuple[str, str, str, pl.Expr], ...] = (
    ("products", "price", "numeric", pl.col("price")),
    ("products", "stock", "numeric", pl.col("stock").cast(pl.Float64)),
    ("products", "category", "categorical", pl.col("category_path").str.split(" > ").list.first()),
    ("products", "brand", "categorical", pl.col("brand")),
    ("products", "currency", "categorical", pl.col("currency")),
    ("products", "language", "categorical", pl.col("language")),
    ("events", "type", "categorical", pl.col("type")),
    ("events", "price", "numeric", pl.col("price")),
    ("events", "quantity", "numeric", pl.col("quantity").cast(pl.Float64)),
    ("events", "hour", "numeric", pl.col("timestamp").dt.hour().cast(pl.Float64)),
    ("judgments", "relevance", "numeric", pl.col("relevance")),
)


def profile(
    table: str, frame: pl.DataFrame | pl.LazyFrame, present: set[str], seed: int = 0
) -> list[dict[str, Any]]:
    """Profiles of the profiled columns that the batch actually had (a lazy frame — a Spark run's
    Parquet — is read one profiled column at a time)."""
    out = []
    for tab, name, kind, expr in PROFILED:
        source_col = next(iter(expr.meta.root_names()))
        if tab != table or source_col not in present:
            continue
        for column, values in _per_currency(frame, name, expr, present):
            if values.is_empty():
                continue
            out.append(
                {
                    "table": table,
                    "column": column,
                    "kind": kind,
                    "rows": values.len(),
                    "profile": _numeric(values, seed) if kind == "numeric" else _categorical(values),
                }
            )
    return out


def _per_currency(
    frame: pl.DataFrame | pl.LazyFrame, name: str, expr: pl.Expr, present: set[str]
) -> list[tuple[str, pl.Series]]:
    """The values of one profiled column; a price column of a batch priced in several
    currencies is one profile per currency (``price (EUR)``): a histogram or a drift test
    over yen and euros together measures the currency mix, not the prices."""
    if name != "price" or "currency" not in present:
        return [(name, frame.lazy().select(expr.alias("v")).collect()["v"].drop_nulls())]
    both = frame.lazy().select(expr.alias("v"), pl.col("currency").alias("c")).drop_nulls("v").collect()
    currencies = both["c"].drop_nulls().unique().sort().to_list()
    if len(currencies) <= 1:
        return [(name, both["v"])]
    return [(f"{name} ({c})", both.filter(pl.col("c") == c)["v"]) for c in currencies]


def _numeric(values: pl.Series, seed: int) -> dict[str, Any]:
    return {"sample": values.sample(min(SAMPLE, values.len()), seed=seed).sort().to_list()}


def _categorical(values: pl.Series) -> dict[str, Any]:
    counts = values.cast(pl.Utf8).value_counts(sort=True, name="count")
    top = counts.head(TOP)
    freq = dict(zip(top[values.name].to_list(), top["count"].to_list(), strict=True))
    rest = int(counts["count"].sum() - top["count"].sum())
    if rest:
        freq[OTHER] = rest
    return {"counts": freq}


def _psi(p: np.ndarray, q: np.ndarray) -> float:
    eps = 1e-4
    p = np.clip(p, eps, None)
    q = np.clip(q, eps, None)
    return float(np.sum((q - p) * np.log(q / p)))


def _js(p: np.ndarray, q: np.ndarray) -> float:
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(p, q, base=2) ** 2) if p.sum() and q.sum() else 0.0


def numeric_drift(ref: list[float], cur: list[float]) -> dict[str, float]:
    r = np.asarray(ref, dtype=float)
    c = np.asarray(cur, dtype=float)
    edges = np.unique(np.quantile(r, np.linspace(0, 1, 11)))
    if len(edges) < 2:
        edges = np.array([r.min() - 0.5, r.max() + 0.5])
    bins = np.concatenate([[-np.inf], edges[1:-1], [np.inf]])
    p = np.histogram(r, bins)[0] / len(r)
    q = np.histogram(c, bins)[0] / len(c)
    from scipy import stats  # lazily: ~1-2 s of import on the path of every build child (issue 17)

    ks = stats.ks_2samp(r, c)
    return {"psi": _psi(p, q), "js": _js(p, q), "ks": float(ks.statistic), "ks_p": float(ks.pvalue)}


def categorical_drift(ref: dict[str, int], cur: dict[str, int]) -> dict[str, float]:
    keys = sorted(set(ref) | set(cur))
    p = np.array([ref.get(k, 0) for k in keys], dtype=float)
    q = np.array([cur.get(k, 0) for k in keys], dtype=float)
    p /= p.sum()
    q /= q.sum()
    out = {"psi": _psi(p, q), "js": _js(p, q)}
    n_ref, n_cur = sum(ref.values()), sum(cur.values())
    if len(keys) > 1:
        table = np.array([[ref.get(k, 0) for k in keys], [cur.get(k, 0) for k in keys]])
        table = table[:, table.sum(axis=0) > 0]
        from scipy import stats

        chi = stats.chi2_contingency(table)
        out["chi2_p"] = float(chi.pvalue)
    out["n_ref"], out["n_cur"] = float(n_ref), float(n_cur)
    return out


def compare(
    reference: dict[tuple[str, str], dict[str, Any]],
    current: list[dict[str, Any]],
    psi_limit: float,
    js_limit: float,
) -> list[dict[str, Any]]:
    """Drift per profiled column present in both; ``drifted`` follows Evidently's choice of test."""
    results = []
    for cur in current:
        ref = reference.get((cur["table"], cur["column"]))
        if ref is None or ref["kind"] != cur["kind"]:
            continue
        if cur["kind"] == "numeric":
            m = numeric_drift(ref["sample"], cur["profile"]["sample"])
            small = ref["rows"] < 1000
            drifted = m["ks_p"] < 0.05 if small else (m["psi"] >= psi_limit or m["js"] >= js_limit)
            method = "ks" if small else "psi/js"
        else:
            m = categorical_drift(ref["counts"], cur["profile"]["counts"])
            small = ref["rows"] < 1000
            drifted = m.get("chi2_p", 1.0) < 0.05 if small else (m["psi"] >= psi_limit or m["js"] >= js_limit)
            method = "chi2" if small else "psi/js"
        results.append(
            {
                "table": cur["table"],
                "column": cur["column"],
                "kind": cur["kind"],
                "method": method,
                "drifted": bool(drifted),
                **m,
            }
        )
    return results
