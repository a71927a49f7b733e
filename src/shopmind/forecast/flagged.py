"""Purchases the quality gate flagged as quantity outliers, and the returns linked to them, left out of the
demand a release forecasts (``[forecast] flagged``).

Why (issue 14, found 2026-12-06): the gate *keeps* a purchase whose quantity is far above the item's usual
quantity (``EVT_QTY_OUTLIER``, action ``flag``: a unit slip such as 5,000 typed for 5, or a one-off bulk order)
and lists the code in the row's ``_flags``. The release built demand from every accepted row, so one flagged
5,000-unit purchase of a product that sells 1-2 a day became its forecast, its conformal error scale and, through
the class-pooled scaled errors, other products' bounds: the demo shop's 95 % stock projection reached -0.6 to -5
million units in 28 days. A demand planner plans for the demand that repeats; a slip or a one-off order is not
it, so it is left out - and counted in the manifest, so the shop sees how many were. A shop whose bulk orders are
real recurring demand sets ``flagged = "keep"``.

The returns linked to a left-out purchase go with it, else they would net the product's other demand down (a
5,000-unit cancellation in a day with 3 real sales reads as 0 demand). A return is linked as the gate links one
(``EVT_RETURN_UNLINKED``): the same user and item, not earlier than the purchase. The gate keeps no row-to-row
link, so units are assigned in time order per (user, item): a return the user's ordinary purchases not yet
returned can explain is ordinary and stays (the demo shop's 1-unit returns after a flagged purchase); a larger
one takes its units from the flagged purchases' units not yet returned (a 1,200-unit cancellation of a
wholesale customer who usually buys 12 is the slip's, not 1,188 of it), and what exceeds them stays, cut to
that excess. Returns themselves are never flagged as outliers (the gate's median is over purchases).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from shopmind.data.model import FLAGS

#: the gate's code for a purchase quantity far above the item's usual one (shopmind.quality.codes)
OUTLIER = "EVT_QTY_OUTLIER"
#: ``[forecast] flagged``: leave such purchases (and their linked returns) out of demand, or keep them
MODES = ("leave_out", "keep")
#: the default of ``[forecast] flagged`` and of ``shopmind evaluate forecast --flagged`` (one demand for both)
DEFAULT_MODE = "leave_out"


@dataclass(frozen=True)
class LeftOut:
    """What :func:`leave_out_flagged` found: flagged purchases, their linked returns (whole or cut) and units."""

    purchases: int = 0
    returns: int = 0
    units: float = 0.0


def check_mode(mode: object) -> None:
    """``[forecast] flagged`` must be one of :data:`MODES` (a ValueError naming the setting otherwise)."""
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"flagged must be {' or '.join(repr(m) for m in MODES)}, not {mode!r}")


def demand_events(
    events: pl.DataFrame, mode: str, since: datetime | None = None
) -> tuple[pl.DataFrame, dict[str, int | float]]:
    """The events demand is built from under ``[forecast] flagged = mode`` and the facts that say what was left
    out (counted after ``since``, see :func:`leave_out_flagged`). One function for the release and for
    ``shopmind evaluate forecast``, so the backtest scores the demand the release forecasts (issue 14: until
    2026-12-06 the evaluation read the flagged slips the release left out)."""
    check_mode(mode)
    kept, left = leave_out_flagged(events, since)
    out = mode == "leave_out"
    facts: dict[str, int | float] = {
        "flagged_outliers": left.purchases,  # in the history read, left out or kept
        "flagged_outliers_left_out": left.purchases if out else 0,
        "flagged_returns_left_out": left.returns if out else 0,
        "flagged_units_left_out": round(left.units, 3) if out else 0.0,  # net of the returns
    }
    return (kept if out else events), facts


def leave_out_flagged(events: pl.DataFrame, since: datetime | None = None) -> tuple[pl.DataFrame, LeftOut]:
    """``events`` without the purchases flagged ``EVT_QTY_OUTLIER`` and the returns linked to them (a return
    larger than the flagged units still unreturned keeps its excess), and the counts of rows left out with a
    timestamp after ``since`` (all when None: the caller windows the history after linking, so a return
    inside the window of a flagged purchase before it is still recognised). Events without a ``_flags`` list
    column are returned as they are."""
    if FLAGS not in events.columns or not isinstance(events.schema[FLAGS], pl.List) or events.is_empty():
        return events, LeftOut()
    if "quantity" not in events.columns or "timestamp" not in events.columns:  # no quantity: no outlier
        return events, LeftOut()
    ev = events.with_row_index("_lo_i").with_columns(_units().alias("_lo_u"))
    is_flagged = (pl.col("type") == "purchase") & pl.col(FLAGS).list.contains(OUTLIER).fill_null(False)
    flagged = ev.filter(is_flagged)
    if flagged.is_empty():
        return events, LeftOut()
    removed = dict(
        zip(flagged["_lo_i"].to_list(), flagged["_lo_u"].to_list(), strict=True)
    )  # row -> units out
    pairs = flagged.select("user_id", "item_id").drop_nulls().unique()
    mine = ev.filter(pl.col("type").is_in(["purchase", "return"])).join(
        pairs, on=["user_id", "item_id"], how="semi"
    )
    cut: dict[int, float] = {}  # a return row cut to its excess -> the units it keeps
    if (mine["type"] == "return").any():
        kind = pl.when(pl.col("type") == "return").then(2).when(is_flagged).then(1).otherwise(0).alias("_o")
        rows = mine.select("_lo_i", "user_id", "item_id", "timestamp", "_lo_u", kind)
        rows = rows.sort(
            "user_id", "item_id", "timestamp", "_o"
        )  # a purchase before a return at the same instant
        pools: dict[
            tuple[str, str], list[float]
        ] = {}  # (user, item) -> [ordinary, flagged] units not returned
        for i, user, item, _ts, u, k in rows.iter_rows():
            pool = pools.setdefault((user, item), [0.0, 0.0])
            if k < 2:
                pool[k] += u
                continue
            if u <= pool[0]:  # the user's ordinary purchases explain it: an ordinary return
                pool[0] -= u
                continue
            take = min(pool[1], u)
            pool[1] -= take
            pool[0] -= min(pool[0], u - take)
            if take > 0:
                removed[i] = -take
                if take < u:
                    cut[i] = u - take
    out = pl.DataFrame(
        {"_lo_i": list(removed), "_lo_r": list(removed.values())},
        schema={"_lo_i": pl.UInt32, "_lo_r": pl.Float64},
    )
    whole = [i for i in removed if i not in cut]
    kept = ev.filter(~pl.col("_lo_i").is_in(whole))
    if cut and "quantity" in kept.columns:
        new_q = pl.col("_lo_i").replace_strict(
            list(cut),
            [-v for v in cut.values()],
            default=pl.col("quantity").cast(pl.Float64),
            return_dtype=pl.Float64,
        )
        kept = kept.with_columns(new_q.cast(kept.schema["quantity"]).alias("quantity"))
    counted = ev.join(out, on="_lo_i", how="inner")
    if since is not None:
        counted = counted.filter(pl.col("timestamp") > since)
    left = LeftOut(
        purchases=int((counted["type"] == "purchase").sum()),
        returns=int((counted["type"] == "return").sum()),
        units=float(counted["_lo_r"].sum()),
    )
    return kept.drop("_lo_i", "_lo_u"), left


def _units() -> pl.Expr:
    """Units of a row as demand_panel counts them (absolute quantity; a missing one counts 1)."""
    return pl.col("quantity").cast(pl.Float64).abs().fill_null(1.0)
