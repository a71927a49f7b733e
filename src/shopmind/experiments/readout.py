"""The experiment readout a dashboard shows: allocation, SRM gate, per-variant metrics with intervals
(CUPED where pre-period data exists), daily always-valid p-values / confidence sequences, a decision.

Why the SRM gate blocks everything: with a sample-ratio mismatch the groups differ in who was
counted, so no metric difference can be attributed to the variant (Fabijan et al. 2019).

Money: revenue is read per currency (``metrics`` module docstring). Events in one currency give one
``revenue_per_user`` row per variant, with that ``currency``; events in several give one row per
currency, each counting only its own purchases, and a note saying so. Two currencies are never
added, and a revenue primary metric over several currencies decides nothing (the decision says
which currencies to read one by one, or to decide on conversion).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from shopmind.experiments import stats, strata
from shopmind.experiments.definition import Experiment
from shopmind.experiments.metrics import (
    MONEY_METRICS,
    PRE_COLUMNS,
    MetricDef,
    metric_defs,
    pre_period,
    revenue_currencies,
    unit_table,
)
from shopmind.experiments.stopped import when_stopped


@dataclass(frozen=True)
class Look:
    """One daily look at one metric: the estimate so far and the always-valid inference so far."""

    day: str
    effect: float
    se: float
    pvalue: float
    ci_lower: float
    ci_upper: float


@dataclass(frozen=True)
class MetricReadout:
    metric: str
    label: str
    variant: str
    cuped: bool
    effect: stats.Effect
    always_valid_p: float
    cs_lower: float
    cs_upper: float
    looks: list[Look] = field(default_factory=list)
    # by lifecycle segment as of the start, and the post-stratified effect (experiments.strata)
    stratified: dict[str, Any] | None = None
    # the currency of a money metric (revenue per user): its row counts only purchases in it
    currency: str | None = None


@dataclass(frozen=True)
class Readout:
    experiment: str
    allocation: dict[str, int]
    srm: stats.SRM
    blocked: bool
    metrics: list[MetricReadout]
    decision: str
    days: int
    # how the events' amounts were completed (read from the live log without --events), one line each
    notes: list[str] = field(default_factory=list)
    # the day of the last exposure (ISO): a stopped experiment's decision is dated by it (experiments.stopped)
    last_day: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (non-finite floats become None so the JSON stays strict)."""
        return json_ready(asdict(self))


def json_ready(v: Any) -> Any:
    """``v`` with non-finite floats as None (strict JSON), tuples as lists, recursively."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: json_ready(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [json_ready(x) for x in v]
    return v


def _arrays(table: pl.DataFrame, variant: str, metric: MetricDef, covariate: bool) -> dict[str, Any] | None:
    rows = table.filter(pl.col("variant") == variant)
    if rows.height < 2:
        return None
    out: dict[str, Any] = {"y": rows[metric.numerator].to_numpy()}
    if metric.denominator:
        out["d"] = rows[metric.denominator].to_numpy()
        if out["d"].sum() == 0:
            return None
    if covariate:
        out["x"] = rows[f"pre_{metric.numerator}"].to_numpy()
        if metric.denominator:
            out["e"] = rows[f"pre_{metric.denominator}"].to_numpy()
    return out


def _compare(table: pl.DataFrame, control: str, variant: str, metric: MetricDef, cuped: bool, use_t: bool):
    c = _arrays(table, control, metric, cuped)
    t = _arrays(table, variant, metric, cuped)
    if c is None or t is None:
        return None
    return stats.compare(
        c["y"],
        t["y"],
        control_denom=c.get("d"),
        treatment_denom=t.get("d"),
        control_covariate=c.get("x"),
        treatment_covariate=t.get("x"),
        control_covariate_denom=c.get("e"),
        treatment_covariate_denom=t.get("e"),
        use_t=use_t,
    )


def _covariate_ok(table: pl.DataFrame, metric: MetricDef) -> bool:
    base = metric.numerator.split(":")[0]  # "revenue:EUR": revenue in one currency
    if base not in PRE_COLUMNS or f"pre_{metric.numerator}" not in table.columns:
        return False
    if metric.denominator and (
        metric.denominator not in PRE_COLUMNS or table[f"pre_{metric.denominator}"].sum() == 0
    ):
        return False
    return table[f"pre_{metric.numerator}"].std() > 0


def readout(
    exp: Experiment,
    exposures: pl.DataFrame,
    events: pl.DataFrame,
    *,
    end: datetime | None = None,
    pre_days: int = 28,
    alpha: float = 0.05,
    mde: float = 0.05,
    primary: str = "conversion",
) -> Readout:
    """Read experiment ``exp`` from its exposures (any other experiment's rows are ignored) and events.

    Daily looks run from the first exposure's day to ``end`` (default: the last exposure); the
    sequential test's mixing variance is ``(mde * control mean at the first look)^2``, i.e. it is most
    powerful around a relative effect of ``mde``.
    """
    exposures = exposures.filter(pl.col("experiment") == exp.name)
    names = [v.name for v in exp.variants]
    if exposures.is_empty():
        srm = stats.srm_check([0] * len(names), [v.weight for v in exp.variants])
        return Readout(exp.name, dict.fromkeys(names, 0), srm, True, [], "no exposures yet", 0)
    start: datetime = exposures["timestamp"].min()  # type: ignore[assignment]
    last: datetime = end or exposures["timestamp"].max()  # type: ignore[assignment]
    day0 = start.replace(hour=0, minute=0, second=0, microsecond=0)
    n_days = max(1, math.ceil((last - day0) / timedelta(days=1)))
    # without an explicit end the headline reads the data the last daily look reads (to the end of
    # the last exposure's day): cut at the last exposure itself, it dropped every purchase and click
    # after the latest search - a readout taken after the traffic showed 0 conversions in both arms
    # while its daily look, on the same day, showed the effect
    cut = last + timedelta(microseconds=1)
    if end is None:
        cut = max(cut, day0 + timedelta(days=n_days))
    currencies = revenue_currencies(events)  # the same revenue columns in every table below
    final = unit_table(exposures, events, exp.unit, until=cut, currencies=currencies)
    counts = {n: int(final.filter(pl.col("variant") == n).height) for n in names}
    srm = stats.srm_check([counts[n] for n in names], [v.weight for v in exp.variants])
    pre = pre_period(events, exp.unit, start, pre_days, currencies=currencies)
    final_pre = final.join(pre, on="unit_id", how="left").fill_null(0.0)
    segmented = strata.by_segment(final, strata.unit_segments(events, exp.unit, start))

    tables = [
        (
            day0 + timedelta(days=d + 1),
            unit_table(
                exposures, events, exp.unit, until=day0 + timedelta(days=d + 1), currencies=currencies
            ),
        )
        for d in range(n_days)
    ]
    results: list[MetricReadout] = []
    control = names[0]
    for metric in metric_defs(currencies):
        cuped = _covariate_ok(final_pre, metric)
        for variant in names[1:]:
            eff = _compare(final_pre, control, variant, metric, cuped, use_t=True)
            if eff is None:
                continue
            seq: stats.Sequential | None = None
            looks: list[Look] = []
            for until, table in tables:
                e = _compare(table, control, variant, metric, False, use_t=False)
                if e is None or not math.isfinite(e.se):
                    continue
                if seq is None:
                    tau = mde * abs(e.control) or 1e-9
                    seq = stats.Sequential(tau * tau, alpha)
                av = seq.look(e.effect, e.se)
                looks.append(
                    Look(
                        (until - timedelta(days=1)).date().isoformat(),
                        e.effect,
                        e.se,
                        av.pvalue,
                        av.ci_lower,
                        av.ci_upper,
                    )
                )
            p = looks[-1].pvalue if looks else 1.0
            lo = looks[-1].ci_lower if looks else -math.inf
            hi = looks[-1].ci_upper if looks else math.inf
            strat = _stratified(segmented, control, variant, metric)
            results.append(
                MetricReadout(
                    metric.name, metric.label, variant, cuped, eff, p, lo, hi, looks, strat, metric.currency
                )
            )
    decision = _decide(srm, results, primary, alpha, currencies)
    last_day = exposures["timestamp"].max().date().isoformat()  # type: ignore[union-attr]
    if exp.status == "stopped":  # nobody is assigned any more: the decision is about what it showed
        decision = when_stopped(decision, last_day)
    notes = currency_notes(events, currencies)
    return Readout(exp.name, counts, srm, srm.mismatch, results, decision, n_days, notes, last_day)


def currency_notes(events: pl.DataFrame, currencies: tuple[str, ...]) -> list[str]:
    """What the readout says when the purchases are in several currencies (none for one)."""
    if len(currencies) < 2:
        return []
    out = [
        f"revenue: the purchases are in {len(currencies)} currencies ({', '.join(currencies)}); revenue per "
        "unit is read per currency, one row each, never added up"
    ]
    bought = events.filter(pl.col("type") == "purchase")
    cur = bought["currency"].cast(pl.Utf8).str.strip_chars()
    none = int((cur.is_null() | (cur == "")).sum())
    if none:
        out.append(
            f"revenue: {none} of {bought.height} purchase event(s) had no currency; they count in no "
            "currency's revenue"
        )
    return out


def _stratified(table: pl.DataFrame, control: str, variant: str, metric: MetricDef) -> dict[str, Any] | None:
    """The metric per lifecycle segment and the post-stratified effect, JSON-ready (None when a
    variant has too few units or, for a ratio, no denominator)."""
    c, t = table.filter(pl.col("variant") == control), table.filter(pl.col("variant") == variant)
    if c.height < 2 or t.height < 2:
        return None
    den = metric.denominator
    if den and (c[den].sum() == 0 or t[den].sum() == 0):
        return None
    r = strata.post_stratified(
        c[metric.numerator].to_numpy(),
        t[metric.numerator].to_numpy(),
        c["segment"].to_numpy(),
        t["segment"].to_numpy(),
        control_denom=c[den].to_numpy() if den else None,
        treatment_denom=t[den].to_numpy() if den else None,
    )
    return {**asdict(r), "variance_reduction": r.variance_reduction}


def _decide(
    srm: stats.SRM, results: list[MetricReadout], primary: str, alpha: float, currencies: tuple[str, ...] = ()
) -> str:
    if srm.mismatch:
        return (
            f"blocked: sample ratio mismatch (p = {srm.pvalue:.2g}, counts {list(srm.counts)}); "
            "fix assignment or logging before reading any metric"
        )
    if primary in MONEY_METRICS and len(currencies) > 1:
        return (
            f"no decision on {primary}: the purchases are in {len(currencies)} currencies "
            f"({', '.join(currencies)}), which are not added up; read each currency's row, or decide on conversion"
        )
    prim = [r for r in results if r.metric == primary]
    if not prim:
        return f"keep running: no data yet for the primary metric {primary!r}"
    won = [r for r in prim if r.always_valid_p < alpha]
    if not won:
        return f"keep running: no variant differs on {primary} yet (always-valid p >= {alpha})"
    best = max(won, key=lambda r: r.effect.effect)
    if best.effect.effect > 0:
        return f"{best.variant} wins on {primary}: {best.effect.rel_effect:+.1%} (always-valid p = {best.always_valid_p:.3g})"
    return f"control wins on {primary}: {best.variant} {best.effect.rel_effect:+.1%} (always-valid p = {best.always_valid_p:.3g})"
