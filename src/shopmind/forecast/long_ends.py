"""How a long file's series end: at the file's last period, at their own last value, or chosen from the file.

Why a module: a long file does not say whether a series that stops early is a product that stopped
selling (a shop's sparse export: its later periods are demand 0) or a series that simply ends (a series
dataset such as M4 written with calendar dates: its holdout is its own last values). Read the wrong way,
an M4-like file's final holdout scores forecasts against invented zeros (353 of 360 M4-like series,
session 26), and the maintainers run the default command on such files. ``auto`` (the default) reads the
file: a sparse export writes only the periods with sales, so its slow sellers have gaps; a series dataset
has a value in every period from a series' first to its last. Every series gap-free and at least one
ending early is read as a series dataset; anything else as a shop's export. The choice is said beside
the result, with the option that overrides it.
"""

from __future__ import annotations

import polars as pl

#: how a long file's series end: chosen from the file, at the file's last period (later periods 0), or
#: at their own last value
ENDS = ("auto", "file", "own")


class EndsError(ValueError):
    """Ends cannot be aligned for this file (a grain other than days or weeks)."""


def gap_free(long: pl.DataFrame, freq: str) -> bool:
    """True when every series has a value in every period from its first value to its last.

    ``long`` holds ``id, date, value`` with weekly dates already on their week's Monday. Why this test:
    it is what tells a series dataset (dense by construction) from a sparse sales export (rows only where
    something sold), and it reads nothing but the dates.
    """
    step = 7 if freq == "W" else 1
    has = long.filter(pl.col("value").is_not_null())
    if has.is_empty():
        return False
    per = has.group_by("id").agg(
        pl.col("date").n_unique().alias("n"),
        ((pl.col("date").max() - pl.col("date").min()).dt.total_days() // step + 1).alias("span"),
    )
    return bool((per["n"] == per["span"]).all())


def ended_early(long: pl.DataFrame) -> int:
    """How many series' last value falls before the file's last period."""
    ends = long.filter(pl.col("value").is_not_null()).group_by("id").agg(pl.col("date").max())["date"]
    return int((ends < ends.max()).sum()) if ends.len() else 0


def choose_ends(long: pl.DataFrame, freq: str) -> tuple[str, str]:
    """``auto`` resolved for this file: (``own`` or ``file``, the reason said beside the result)."""
    early = ended_early(long)
    n = long["id"].n_unique()
    if early and freq in ("D", "W") and gap_free(long, freq):
        return "own", (
            f"every series has a value in each period from its first to its last and {early} of {n} end "
            "before the last period: read as a series dataset, each series ending at its own last value "
            "(--ends file reads their later periods as 0)"
        )
    return "file", ""


def own_ends(long: pl.DataFrame, freq: str, name: str) -> pl.DataFrame:
    """Each series' dates shifted by whole periods so its last value falls on the file's last period.

    Why: M4-style series written with calendar dates end at different points; read on one calendar, the
    short ones' later periods would be zeros and their holdouts invented (t0m, session 26). A shift by
    whole days or weeks keeps each series' own spacing; months vary in length, so other grains are refused.
    """
    if freq not in ("D", "W"):
        raise EndsError(f"{name}: ends = own needs daily or weekly dates (this file is {freq!r})")
    has = pl.col("value").is_not_null()
    end = long.filter(has)["date"].max()
    last = pl.col("date").filter(has).max().over("id")
    shifted = long.with_columns((pl.lit(end) + (pl.col("date") - last)).cast(pl.Date).alias("date"))
    return shifted.filter(pl.col("date") <= pl.lit(end))
