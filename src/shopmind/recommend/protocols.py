"""The evaluation protocols of the published anchors, applied to accepted canonical events.

Each protocol returns a ``Split``: a validation phase (hyperparameters and fusion weights are
chosen here, and only here) and a test phase (reported once with the chosen settings). A
phase says what the models are fitted on, which items are masked from each user's ranking,
and the relevant items per user. See ``/work/shared/data/README.md`` for the protocols.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from shopmind.data.model import ROW


@dataclass
class Phase:
    """One evaluation round: fit on ``fit``, mask ``history`` items, score against ``truth``.

    ``truth`` holds distinct (user_id, item_id) pairs; ``history`` is None when nothing is masked.
    """

    name: str
    fit: pl.DataFrame
    truth: pl.DataFrame
    history: pl.DataFrame | None


@dataclass
class Split:
    protocol: str
    items: list[str]
    valid: Phase
    test: Phase
    select_metric: str
    notes: list[str] = field(default_factory=list)


def _ordered(events: pl.DataFrame) -> pl.DataFrame:
    """Events with a user and item, in each user's time order (ties: source row order)."""
    order = ["user_id", "timestamp"] + ([ROW] if ROW in events.columns else [])
    return events.filter(pl.col("user_id").is_not_null() & pl.col("item_id").is_not_null()).sort(order)


def _pairs(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("user_id", "item_id").unique(maintain_order=True)


def _items(events: pl.DataFrame) -> list[str]:
    return events["item_id"].drop_nulls().cast(pl.Utf8).unique(maintain_order=True).to_list()


def _steps(ordered: pl.DataFrame) -> pl.DataFrame:
    """Each event's step in its user's history (``_step``, from 0) and the user's step count (``_n``).

    A step is one timestamp: events of a user that share it (a basket bought on one day, an order's
    lines) are one step, in any order. Where every timestamp of a user differs (the S3-Rec files'
    synthetic times) a step is an event. A null timestamp is a step of its own.
    """
    new_step = (pl.col("timestamp") != pl.col("timestamp").shift(1)).fill_null(True)
    return ordered.with_columns(
        new_step.cum_sum().over("user_id").cast(pl.Int64).alias("_step") - 1
    ).with_columns((pl.col("_step").max().over("user_id") + 1).alias("_n"))


def leave_one_out(events: pl.DataFrame) -> Split:
    """S3-Rec: last item = test, second last = validation, the rest = training.

    Ranking is over all items of the data; the user's earlier items are masked (S3-Rec sets
    the scores of ``train_matrix`` items to 0: the training items for validation, training +
    validation item for test). The test phase is fitted on training + validation items —
    what S3-Rec's sequential models read as input at test time. Users with fewer than 3
    events only train (none in the 5-core files).

    Events that share a user's timestamp are one step (``_steps``): the last *basket* is the test
    and the one before it the validation, every item of it relevant. On Groceries (a member's
    items of one day share the date) the last two items by source row were two items of one
    basket for 99 % of members, and the file does not list a basket's items in a random order
    (sausage is 3.6 % of those validation targets, 0.1 % of the test targets), so validation and
    test targets were different kinds of item: trending (half-life 30 d) led validation (NDCG@10
    0.190) and was the worst generator on test (0.128) (t12g, session 31). Where a user's
    timestamps all differ (S3-Rec's files) a step is an event: the split is S3-Rec's, frame for frame.
    """
    ev = _steps(_ordered(events))
    evaluable = pl.col("_n") >= 3
    train = ev.filter(~evaluable | (pl.col("_step") < pl.col("_n") - 2))
    valid_items = ev.filter(evaluable & (pl.col("_step") == pl.col("_n") - 2))
    test_items = ev.filter(evaluable & (pl.col("_step") == pl.col("_n") - 1))
    train_valid = pl.concat([train, valid_items]).sort(["user_id", "_step"], maintain_order=True)
    drop = ["_step", "_n"]
    baskets = int((ev.group_by("user_id", "_step").len()["len"] > 1).sum())
    return Split(
        protocol="leave-one-out (S3-Rec)" + (" by timestamp: last basket = test" if baskets else ""),
        items=_items(events),
        valid=Phase("valid", train.drop(drop), _pairs(valid_items), train.drop(drop)),
        test=Phase("test", train_valid.drop(drop), _pairs(test_items), train_valid.drop(drop)),
        select_metric="ndcg@10",
        notes=[
            "per user, events ordered by timestamp then source order; last = test, second last = validation",
            "full ranking over all items in the file; the user's earlier items are masked (as S3-Rec does)",
            "validation phase: fit on training items; test phase: refit on training + validation items",
        ]
        + (
            [
                f"{baskets:,} baskets (a user's events sharing a timestamp) are one step each: the last basket is "
                "the test, the one before it the validation, each of its items relevant; users with fewer than "
                "3 timestamps only train"
            ]
            if baskets
            else []
        ),
    )


def split_counts(total: np.ndarray, ratios: tuple[float, float, float]) -> np.ndarray:
    """RecBole's ``Dataset._calcu_split_ids``: per-user (train, valid, test) counts.

    cnt_i = int(ratio_i * tot) for valid and test, train takes the rest; then, from the last
    split backwards, a split whose share is in (0, 1) gets one item from train while train
    keeps more than one.
    """
    out = np.zeros((len(total), 3), dtype=np.int64)
    for t in np.unique(total):
        tot = int(t)
        cnt = [int(r * tot) for r in ratios]
        cnt[0] = tot - sum(cnt[1:])
        for i in range(1, len(ratios)):
            if cnt[0] <= 1:
                break
            if 0 < ratios[-i] * tot < 1:
                cnt[-i] += 1
                cnt[0] -= 1
        out[total == t] = cnt
    return out


def recbole_random(
    events: pl.DataFrame, ratios: tuple[float, float, float] = (0.8, 0.1, 0.1), seed: int = 2020
) -> Split:
    """RecBole quick start: random ordering (RO), ratio split 8:1:1 grouped by user.

    RecBole shuffles all interactions with torch's RNG (seed 2020) and splits each user's
    shuffled list by ``split_counts``. Without torch we draw the permutation from numpy's
    PCG64 seeded 2020 (one uniform key per event, events first sorted by user, time, row):
    the same protocol and sizes, not the same random draw. The model is fitted on training
    only (RecBole trains on train and uses valid for early stopping); the test ranking masks
    training + validation items, validation masks training items (RecBole's history items).
    """
    ev = _ordered(events)
    rng = np.random.default_rng(seed)
    ev = ev.with_columns(pl.Series("_key", rng.random(ev.height))).sort(["user_id", "_key"])
    ev = ev.with_columns(
        pl.int_range(pl.len()).over("user_id").alias("_pos"), pl.len().over("user_id").alias("_n")
    )
    users = ev.group_by("user_id", maintain_order=True).agg(pl.len().alias("_n"))
    counts = split_counts(users["_n"].to_numpy(), ratios)
    users = users.with_columns(pl.Series("_tr", counts[:, 0]), pl.Series("_va", counts[:, 1]))
    ev = ev.join(users.drop("_n"), on="user_id", how="left")
    part = (
        pl.when(pl.col("_pos") < pl.col("_tr"))
        .then(pl.lit("train"))
        .when(pl.col("_pos") < pl.col("_tr") + pl.col("_va"))
        .then(pl.lit("valid"))
        .otherwise(pl.lit("test"))
    )
    ev = ev.with_columns(part.alias("_part"))
    drop = ["_key", "_pos", "_n", "_tr", "_va", "_part"]
    train = ev.filter(pl.col("_part") == "train").sort(["user_id", "timestamp"]).drop(drop)
    valid = ev.filter(pl.col("_part") == "valid").drop(drop)
    test = ev.filter(pl.col("_part") == "test").drop(drop)
    return Split(
        protocol=f"RecBole RO ratio split {ratios} by user (seed {seed}, numpy PCG64)",
        items=_items(events),
        valid=Phase("valid", train, _pairs(valid), train),
        test=Phase("test", train, _pairs(test), pl.concat([train, valid])),
        select_metric="ndcg@10",
        notes=[
            "every event is an interaction (all ratings, as RecBole's ml-100k quick start)",
            f"per-user random 8:1:1 by RecBole's _calcu_split_ids; permutation from numpy default_rng({seed})",
            "fit on training only; validation masks training items, test masks training + validation items",
        ],
    )


def time_split(
    events: pl.DataFrame,
    cut: datetime,
    valid_cut: datetime,
    purchases_only: bool = True,
) -> Split:
    """Global time split: fit before ``cut``, relevant = distinct items bought on or after it.

    Validation repeats the split one period earlier (fit before ``valid_cut``, relevant in
    [valid_cut, cut)). Only users with at least one fitted event are evaluated (cold users get
    the same popularity list from every model); nothing is masked — repeat purchases count,
    which is what a shop's "buy again" wants and what "against all items" asks.
    """
    ev = _ordered(events)
    kept = "every event, known customers"
    if purchases_only:
        # no order-id rule here: Online Retail's 'C' invoices are typed return by its adapter, and a shop
        # whose own order ids start with C lost those purchases to a rule written for one dataset
        others = ev.filter(pl.col("type") != "purchase")["type"].value_counts(sort=True)
        ev = ev.filter(pl.col("type") == "purchase")
        n_purchases = ev.height
        if "quantity" in ev.columns:
            ev = ev.filter(pl.col("quantity").is_null() | (pl.col("quantity") > 0))
        kept = _purchases_note(others, n_purchases - ev.height, ev.height)

    def phase(name: str, start: datetime, end: datetime | None) -> Phase:
        start = start.astimezone(UTC)  # events are UTC; the cuts may be given in local time
        end = end.astimezone(UTC) if end is not None else None
        fit = ev.filter(pl.col("timestamp") < start)
        later = ev.filter(pl.col("timestamp") >= start)
        if end is not None:
            later = later.filter(pl.col("timestamp") < end)
        warm = fit.select("user_id").unique()
        truth = _pairs(later.join(warm, on="user_id", how="semi"))
        return Phase(name, fit, truth, None)

    return Split(
        protocol=f"global time split at {cut.isoformat()} (validation at {valid_cut.isoformat()})",
        items=_items(ev),
        valid=phase("valid", valid_cut, cut),
        test=phase("test", cut, None),
        select_metric="recall@20",
        notes=[
            kept,
            "relevant = distinct items each warm customer bought in the next period; no masking of past items",
            f"test: fit < {cut.isoformat()}, relevant >= it; validation: fit < {valid_cut.isoformat()}, "
            f"relevant in [{valid_cut.isoformat()}, {cut.isoformat()})",
            "ranking over all items ever purchased in the data",
        ],
    )


def _purchases_note(others: pl.DataFrame, not_positive: int, kept: int) -> str:
    """What the time split's purchases-only rule did to these events, in counts (the note named Online
    Retail's 'C' invoices on every dataset, a shop's own export included)."""
    left = [f"{n:,} {t}" for t, n in others.iter_rows()]
    if not_positive:
        left.append(f"{not_positive:,} purchase lines with quantity <= 0")
    out = f"purchases only: {kept:,} purchase lines (type purchase, quantity > 0 or blank)"
    return out + (f"; left out {', '.join(left)}" if left else "") + "; known customers"


LONDON = ZoneInfo("Europe/London")
RETAIL_CUT = datetime(2011, 11, 1, tzinfo=LONDON)
RETAIL_VALID_CUT = datetime(2011, 10, 1, tzinfo=LONDON)

DEFAULT_PROTOCOL = {"amazon-5core": "loo", "movielens": "recbole", "online-retail": "time"}


def time_cuts(events: pl.DataFrame, share: float = 0.2, fmt: str | None = None) -> tuple[datetime, datetime]:
    """Test and validation cuts of the time split: Online Retail's published months when the
    events span them, else the data's own span (the last ``share`` of it is the test period,
    the ``share`` before it the validation period). A fixed 2011 cut on another shop's events
    left every phase empty and the evaluation crashed (a demo shop, issue 18 item 13).

    ``fmt``: the format the events came in; the published months are Online Retail's protocol, so
    another format's events (a shop's own export, ``table``) are always cut by their own span: a
    2011 date in a generic path fitted only our copy (t1w, session 30). None: as before (benches)."""
    stamps = events.filter(pl.col("type") == "purchase")["timestamp"].drop_nulls()
    if stamps.is_empty():
        stamps = events["timestamp"].drop_nulls()
    if stamps.is_empty():
        raise ValueError("the time split needs events with timestamps")
    first, last = stamps.min(), stamps.max()
    first, last = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (first, last))  # type: ignore[union-attr]
    if fmt in (None, "online-retail") and first < RETAIL_VALID_CUT and last >= RETAIL_CUT:
        return RETAIL_CUT, RETAIL_VALID_CUT
    span = last - first
    cut = last - span * share
    return cut, cut - span * share


def make_split(protocol: str, events: pl.DataFrame, fmt: str | None = None) -> Split:
    """The split named ``protocol`` (loo, recbole, time); ``fmt``: the events' format (``time_cuts``)."""
    if protocol == "loo":
        return leave_one_out(events)
    if protocol == "recbole":
        return recbole_random(events)
    if protocol == "time":
        return time_split(events, *time_cuts(events, fmt=fmt))
    raise ValueError(f"unknown protocol {protocol!r}; valid: loo, recbole, time")
