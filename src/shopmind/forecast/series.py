"""Demand series: a dense panel (series x periods) built from accepted purchase events or a long file.

Every forecaster, the backtest and the inventory policy read one :class:`Panel`: a float matrix of
demand with NaN before each series' first sale, the period dates, and covariates as matrices that
reach ``horizon`` periods past the end when their future is known (e.g. a planned price) — a model
may read a covariate's future only through :meth:`Panel.known_future`, so leakage has one door.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.forecast.long_columns import ColumnChoiceError, drop_text_columns, long_columns
from shopmind.forecast.long_ends import ENDS, EndsError, choose_ends, ended_early, own_ends

#: Seasonal period per grain: a week of days; weekly data is treated as non-seasonal (M4's m = 1 for
#: weekly; a year of weekly history is too short to estimate a 52-week season).
SEASON: dict[str, int] = {"D": 7, "W": 1}
_STEP: dict[str, np.timedelta64] = {"D": np.timedelta64(1, "D"), "W": np.timedelta64(7, "D")}


class SeriesError(ValueError):
    """Bad series input: the message names the column and row (or the id) at fault."""


@dataclass
class Panel:
    """Demand of ``n`` series over ``T`` periods of one grain.

    ``y[i, t]`` is NaN before series ``i`` starts (its first sale / first row) and a number after.
    ``covariates[name]`` has shape ``(n, T + extra)``: columns past ``T`` are the known future
    (only for names in ``future_known``); NaN where unknown.
    """

    ids: list[str]
    dates: np.ndarray  # datetime64[D], length T
    y: np.ndarray  # (n, T) float64
    freq: str = "D"
    covariates: dict[str, np.ndarray] = field(default_factory=dict)
    future_known: frozenset[str] = frozenset()
    groups: dict[str, list[str]] = field(default_factory=dict)  # e.g. category -> member ids

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def T(self) -> int:  # noqa: N802 - the usual name of a series length
        return int(self.y.shape[1])

    @property
    def season(self) -> int:
        return SEASON.get(self.freq, 1)

    def starts(self) -> np.ndarray:
        """Index of each series' first observed period (T when it has none)."""
        obs = ~np.isnan(self.y)
        return np.where(obs.any(axis=1), obs.argmax(axis=1), self.T)

    def future_dates(self, h: int) -> np.ndarray:
        return self.dates[-1] + _STEP[self.freq] * np.arange(1, h + 1)

    def cut(self, end: int) -> Panel:
        """The panel as it was known at period ``end`` (exclusive): history ``[0, end)``.

        Future-known covariates keep their values after ``end`` (they were known in advance);
        every other covariate is cut at ``end`` too, so nothing observed later leaks into training.
        """
        covs = {k: (v if k in self.future_known else v[:, :end].copy()) for k, v in self.covariates.items()}
        return replace(self, dates=self.dates[:end], y=self.y[:, :end], covariates=covs)

    def known_future(self, name: str, h: int) -> np.ndarray | None:
        """Covariate ``name`` for the ``h`` periods after the end, or None when its future is unknown."""
        if name not in self.future_known or name not in self.covariates:
            return None
        v = self.covariates[name]
        out = np.full((self.n, h), np.nan)
        have = max(0, min(h, v.shape[1] - self.T))
        out[:, :have] = v[:, self.T : self.T + have]
        return out

    def subset(self, rows: np.ndarray | list[int]) -> Panel:
        rows = np.asarray(rows, dtype=int)
        return replace(
            self,
            ids=[self.ids[i] for i in rows],
            y=self.y[rows],
            covariates={k: v[rows] for k, v in self.covariates.items()},
        )


def _period(col: pl.Expr, freq: str) -> pl.Expr:
    d = col.dt.date()
    return d.dt.truncate("1w") if freq == "W" else d


def demand_panel(
    events: pl.DataFrame,
    freq: str = "D",
    categories: pl.DataFrame | None = None,
    level: str = "product",
) -> Panel:
    """Net demand per product (or category) and period from accepted events.

    Purchases add their quantity and returns (negative quantities, linked to a purchase by the gate)
    subtract theirs, so a returned unit is not demand; a period's net is floored at 0 (a return
    arriving in a later period than its sale must not read as negative demand). Missing quantities
    count 1 (a basket line). The covariate ``price`` is the quantity-weighted mean paid price in the
    period, carried forward over periods without a sale. ``level='category'`` sums products by the
    first level of ``categories`` (columns item_id, category).
    """
    if freq not in SEASON:
        raise SeriesError(f"freq must be one of {sorted(SEASON)}, got {freq!r}")
    ev = events.filter(pl.col("type").is_in(["purchase", "return"]) & pl.col("item_id").is_not_null())
    if ev.is_empty():
        raise SeriesError("no accepted purchase events to build demand from")
    qty = pl.col("quantity").cast(pl.Float64) if "quantity" in ev.columns else pl.lit(None, pl.Float64)
    sign = pl.when(pl.col("type") == "return").then(-1.0).otherwise(1.0)
    ev = ev.with_columns(
        (sign * qty.abs().fill_null(1.0)).alias("_q"),
        (pl.col("price") if "price" in ev.columns else pl.lit(None, pl.Float64)).cast(pl.Float64).alias("_p"),
        _period(pl.col("timestamp"), freq).alias("_d"),
    )
    key = "item_id"
    groups: dict[str, list[str]] = {}
    if level == "category":
        if categories is None:
            raise SeriesError("level='category' needs the products' categories")
        ev = ev.join(categories.select("item_id", "category"), on="item_id", how="inner")
        key = "category"
        for cat, items in categories.group_by("category").agg(pl.col("item_id")).iter_rows():
            groups[str(cat)] = sorted(items)
    elif categories is not None:
        for cat, items in categories.group_by("category").agg(pl.col("item_id")).iter_rows():
            groups[str(cat)] = sorted(items)
    agg = (
        ev.group_by(key, "_d")
        .agg(
            pl.col("_q").sum().clip(lower_bound=0).alias("value"),
            (
                (pl.col("_p") * pl.col("_q")).filter((pl.col("_q") > 0) & pl.col("_p").is_not_null()).sum()
                / pl.col("_q").filter((pl.col("_q") > 0) & pl.col("_p").is_not_null()).sum()
            ).alias("price"),
        )
        .rename({key: "id", "_d": "date"})
    )
    panel = long_to_panel(agg, freq=freq, fill="zero", future_known=())
    panel.groups = groups
    return panel


def long_to_panel(
    frame: pl.DataFrame,
    freq: str,
    fill: str = "zero",
    future_known: tuple[str, ...] | list[str] = (),
) -> Panel:
    """A long frame (id, date, value, covariates...) as a Panel; gaps in value filled per ``fill``.

    ``fill='zero'`` reads a missing period as no demand; ``fill='error'`` refuses a gap, naming the id.
    Covariates are carried forward over gaps (a price stays until it changes) and, for names in
    ``future_known``, rows dated after the last value are kept as the known future.
    """
    covs = [c for c in frame.columns if c not in ("id", "date", "value")]
    frame = frame.with_columns(pl.col("date").cast(pl.Date), pl.col("id").cast(pl.Utf8))
    obs = frame.filter(pl.col("value").is_not_null())
    if obs.is_empty():
        raise SeriesError("no rows with a value")
    first = obs["date"].min()
    last = obs["date"].max()
    step = "1w" if freq == "W" else "1d"
    dates = pl.date_range(first, last, interval=step, eager=True)
    fut_last = frame["date"].max()
    all_dates = pl.date_range(first, max(fut_last, last), interval=step, eager=True)
    ids = sorted(obs["id"].unique().to_list())
    index = {d: j for j, d in enumerate(all_dates.to_list())}
    rowof = {k: i for i, k in enumerate(ids)}
    T, TT = len(dates), len(all_dates)
    y = np.full((len(ids), T), np.nan)
    r = np.array([rowof[k] for k in obs["id"].to_list()])
    c = np.array([index.get(d, -1) for d in obs["date"].to_list()])
    if (c < 0).any():
        bad = int(np.argmax(c < 0))
        raise SeriesError(
            f"row with id {obs['id'][bad]!r}: date {obs['date'][bad]} is off the {freq} grid starting {first}"
        )
    keep = c < T
    y[r[keep], c[keep]] = obs["value"].cast(pl.Float64).to_numpy()[keep]
    starts = np.where(~np.isnan(y).all(axis=1), (~np.isnan(y)).argmax(axis=1), T)
    after = np.arange(T)[None, :] >= starts[:, None]
    gaps = after & np.isnan(y)
    if gaps.any():
        if fill == "error":
            i, t = map(int, np.argwhere(gaps)[0])
            raise SeriesError(
                f"id {ids[i]!r}: no value for {dates[t]} (a gap; pass fill='zero' to read it as 0)"
            )
        y[gaps] = 0.0
    cov_m: dict[str, np.ndarray] = {}
    allr = np.array([rowof.get(k, -1) for k in frame["id"].to_list()])
    allc = np.array([index[d] for d in frame["date"].to_list()])
    ok = allr >= 0
    for name in covs:
        m = np.full((len(ids), TT if name in future_known else T), np.nan)
        vals = frame[name].cast(pl.Float64).to_numpy()
        sel = ok & (allc < m.shape[1])
        m[allr[sel], allc[sel]] = vals[sel]
        cov_m[name] = _ffill(m)
    return Panel(
        ids=ids,
        dates=dates.to_numpy().astype("datetime64[D]"),
        y=y,
        freq=freq,
        covariates=cov_m,
        future_known=frozenset(future_known),
    )


def _ffill(m: np.ndarray) -> np.ndarray:
    """Carry the last non-NaN value forward along each row (vectorised)."""
    idx = np.where(~np.isnan(m), np.arange(m.shape[1])[None, :], 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    out = m[np.arange(m.shape[0])[:, None], idx]
    return out


def read_long(
    path: Path,
    freq: str | None = None,
    id_col: str = "id",
    date_col: str = "date",
    value_col: str = "value",
    future_known: tuple[str, ...] = (),
    fill: str = "zero",
    info: dict[str, str] | None = None,
    ends: str = "auto",
) -> Panel:
    """Read a long series file (CSV or Parquet: id, date, value + numeric covariates) into a Panel.

    ``ends``: ``file`` reads the periods after a series' last row as 0, as a shop's sparse export means
    (a product that stopped selling); ``own`` ends every series at its own last value, its dates shifted
    so all last values share the file's last period (series datasets such as M4 written with calendar
    dates: each series' holdout is its own last values); ``auto`` (the default) takes ``own`` when every
    series is gap-free and some end early (``forecast.long_ends``), else ``file``, said in
    ``info['dates']``. Period-numbered dates are always aligned.

    ``info``, when given, receives ``encoding``: what a CSV was decoded as (``parquet`` for Parquet), so a
    caller can show it (the sniffer can misjudge a legacy code page; a user who sees it can re-save as UTF-8).

    Bad input raises :class:`SeriesError` naming the column and the file row (1-based, header = row 1
    for CSV): a missing column, an unparseable date or value, a negative value, a duplicate
    (id, date). ``freq`` is inferred from the most common step between dates when not given.
    """
    path = Path(path)
    if ends not in ENDS:
        raise SeriesError(f"ends must be one of {', '.join(ENDS)}, not {ends!r}")
    if not path.exists():
        raise SeriesError(f"{path}: no such file")
    if path.suffix.lower() in (".parquet", ".pq"):
        try:  # a file that is not Parquet (or cut off) was a polars traceback
            raw = pl.read_parquet(path)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise SeriesError(f"{path.name}: cannot be read as Parquet ({exc})") from None
        first_row, read_as, encoding = 1, "", "parquet"
    else:
        raw, encoding = _long_csv(path)
        first_row, read_as = 2, f"; read as {encoding}"
    if info is not None:
        info["encoding"] = encoding
    raw = _named(raw, path.name, {"id": id_col, "date": date_col, "value": value_col}, info)
    missing = [c for c in (id_col, date_col, value_col) if c not in raw.columns]
    if missing:
        raise SeriesError(
            f"{path.name}: missing column {missing[0]!r} (columns: {', '.join(raw.columns)}{read_as})"
        )
    frame = raw.rename({id_col: "id", date_col: "date", value_col: "value"}).with_row_index("_r")
    frame = frame.with_columns(pl.col("_r") + first_row)
    if frame.is_empty():
        raise SeriesError(f"{path.name}: no rows")
    bad_id = frame.filter(pl.col("id").is_null())
    if bad_id.height:
        raise SeriesError(f"{path.name} row {bad_id['_r'][0]}: column {id_col!r} is empty")
    d = pl.col("date")
    periods = _period_numbers(frame["date"])
    if periods is not None:
        if freq is None:
            raise SeriesError(f"{path.name}: column {date_col!r} holds period numbers, not dates; pass freq")
        frame = _period_dates(frame.with_columns(periods.alias("_p")), freq)
        if info is not None:
            info["dates"] = "period numbers: each series' last value aligned to the last period"
    elif frame.schema["date"] == pl.Utf8:
        parsed = d.str.to_date(strict=False).fill_null(d.str.to_datetime(strict=False).dt.date())
        frame = frame.with_columns(parsed.alias("_date"))
    else:
        frame = frame.with_columns(d.cast(pl.Date, strict=False).alias("_date"))
    bad = frame.filter(pl.col("_date").is_null())
    if bad.height:
        raise SeriesError(
            f"{path.name} row {bad['_r'][0]}: column {date_col!r} value {bad['date'][0]!r} is not a date"
        )
    covs = [c for c in frame.columns if c not in ("_r", "id", "date", "value", "_date")]
    frame, covs = drop_text_columns(frame, covs, info)
    numeric = {}
    for c in ["value", *covs]:
        name = value_col if c == "value" else c
        v = pl.col(c).cast(pl.Float64, strict=False)
        blank = pl.col(c).is_null() | (pl.col(c).cast(pl.Utf8).str.strip_chars() == "")
        bad = frame.filter(v.is_null() & ~blank)
        if bad.height:
            raise SeriesError(
                f"{path.name} row {bad['_r'][0]}: column {name!r} value {bad[c][0]!r} is not a number"
            )
        numeric[c] = v
    frame = frame.with_columns(**numeric)
    neg = frame.filter(pl.col("value") < 0)
    if neg.height:
        raise SeriesError(
            f"{path.name} row {neg['_r'][0]}: column {value_col!r} is negative ({neg['value'][0]})"
        )
    # the first row repeating an earlier (id, date), and that earlier row: with several pairs the
    # row named was the second flagged row, i.e. another pair's first (t1w, session 32)
    dup = frame.filter(~pl.struct("id", "_date").is_first_distinct())
    if dup.height:
        key, at = (dup["id"][0], dup["_date"][0]), dup["_r"][0]
        first = frame.filter((pl.col("id") == key[0]) & (pl.col("_date") == key[1]))["_r"][0]
        raise SeriesError(
            f"{path.name} row {at}: duplicate ({id_col}, {date_col}) = ({key[0]!r}, {key[1]}), "
            f"first at row {first}"
        )
    unknown = [c for c in future_known if c not in covs]
    if unknown:
        raise SeriesError(f"{path.name}: future-known covariate {unknown[0]!r} is not a column")
    freq = freq or infer_freq(frame["_date"])
    if freq == "W":  # each series on one weekday; series on different weekdays share their weeks' Mondays
        wd = (
            frame.group_by("id")
            .agg(pl.col("_date").dt.weekday().n_unique().alias("n"))
            .filter(pl.col("n") > 1)
        )
        if wd.height:
            raise SeriesError(
                f"{path.name}: weekly dates of id {wd['id'][0]!r} fall on {wd['n'][0]} different weekdays; one expected"
            )
    long = frame.select("id", pl.col("_date").alias("date"), "value", *covs)
    long = _align_weeks(long) if freq == "W" else long
    said = "each series' last value aligned to the last period (ends = own)"
    if ends == "auto" and periods is None:
        ends, why = choose_ends(long, freq)
        said = f"ends = auto: {why}"
    if ends == "own" and periods is None:
        try:
            long = own_ends(long, freq, path.name)
        except EndsError as exc:
            raise SeriesError(str(exc)) from None
        if info is not None:
            info["dates"] = said
    if info is not None:  # said beside the result: a series' missing later periods are read as 0 (fill)
        info["ended_early"] = str(ended_early(long))
    return long_to_panel(long, freq=freq, fill=fill, future_known=future_known)


def _named(raw: pl.DataFrame, name: str, wanted: dict[str, str], info: dict[str, str] | None) -> pl.DataFrame:
    """``raw`` with its id, date and value columns under the names asked for (``forecast.long_columns``:
    ``ID``/``Date``/``Value`` or Nixtla's ``unique_id``/``ds``/``y``), said in ``info['columns']``."""
    try:
        found, notes = long_columns(raw.columns, wanted)
    except ColumnChoiceError as exc:
        raise SeriesError(f"{name}: {exc}") from None
    if notes and info is not None:
        info["columns"] = ", ".join(notes)
    return raw.rename({c: n for c, n in found.items() if c != n})


def _long_csv(path: Path) -> tuple[pl.DataFrame, str]:
    """A long CSV read as ``shopmind ingest`` reads exports, and the encoding it was read as.

    The bytes (gunzipped if gzip) go through the project's one encoding sniffer
    (``shopmind.data.encoding``: BOMs, UTF-16/32 without a BOM, legacy code pages such as cp1252 and
    GBK, mixed files line by line) and the delimiter is sniffed among ``, ; tab |`` as ingest does.
    Why: polars alone read a UTF-16 file's header as ``"\ufffd\ufffdi d"`` (a baffling "missing column
    'id'") and refused a cp1252 or GBK file. A file that is not text, or with a line no codec reads
    cleanly, is refused naming the file, the line and the encoding found, never guessed at; so is a
    file whose lines decode in different codecs (ingest reads those line by line and audits them, but a
    series id read two ways would silently split one series in two).
    """
    from shopmind.data.encoding import DecodeError, decode_text
    from shopmind.data.readers import InputError, read_bytes, sniff_delimiter

    try:
        data = read_bytes(path)
    except InputError as exc:
        raise SeriesError(str(exc)) from None
    try:
        decoded = decode_text(data, path)
    except DecodeError as exc:
        raise SeriesError(str(exc)) from None
    if decoded.undecodable:
        bad = decoded.undecodable[0]
        raise SeriesError(
            f"{path.name} line {bad.line}: cannot be decoded ({bad.reason}; the file reads as "
            f"{decoded.encoding}): {bad.raw[:80]}"
        )
    if decoded.redecoded:  # ingest audits such lines (TEXT_ENCODING); a series id must read one way
        r = decoded.redecoded[0]
        raise SeriesError(
            f"{path.name}: its lines read in different encodings ({decoded.encoding}; line {r.line} reads "
            f"{r.old!r} one way, {r.new!r} as {r.encoding}), so one id could become two "
            "series: save the file as UTF-8 and run again"
        )
    if not decoded.text.strip():
        raise SeriesError(f"{path.name}: empty, expected a header line (id, date, value)")
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else sniff_delimiter(decoded.text)
    try:
        frame = pl.read_csv(decoded.text.encode("utf-8"), separator=sep, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise SeriesError(f"{path.name}: {str(exc).splitlines()[0]} (read as {decoded.encoding})") from None
    return frame, decoded.encoding


#: a date column of whole numbers below this holds period numbers (1, 2, ... per series, as M4 loaders such as
#: datasetsforecast write weekly series), not dates; an 8-digit YYYYMMDD date key is far above it
_PERIOD_MAX = 100_000
#: the date the last period of period-numbered series is placed on (a Monday, so weekly grids need no shift)
_PERIOD_END = pl.date(2000, 1, 3)


def _period_numbers(col: pl.Series) -> pl.Series | None:
    """The date column as integers when every value is a whole number in [0, ``_PERIOD_MAX``), else None."""
    if col.dtype.is_integer():
        ints = col
    elif col.dtype == pl.Utf8:
        text = col.str.strip_chars()
        if text.null_count() or not text.str.contains(r"^\d{1,6}$").all():
            return None
        ints = text.cast(pl.Int64)
    else:
        return None
    if ints.is_empty() or ints.null_count() or ints.min() < 0 or ints.max() >= _PERIOD_MAX:  # type: ignore[operator]
        return None
    return ints.cast(pl.Int64)


def _period_dates(frame: pl.DataFrame, freq: str) -> pl.DataFrame:
    """Period numbers ``_p`` as dates ``_date``, each series' last period with a value on one common date.

    Why: period numbers restart at 1 for every series (M4's series have no shared calendar and end at
    different points), so reading them as one calendar would end short series early and fill their
    later periods with zeros — the final holdout would score forecasts against invented zeros.
    Aligning the ends makes every series' own last ``h`` values its holdout, as M4 defines it.
    """
    has_value = pl.col("value").is_not_null() & (pl.col("value").cast(pl.Utf8).str.strip_chars() != "")
    last = pl.col("_p").filter(has_value).max().over("id")
    step = 7 if freq == "W" else 1
    offset = pl.duration(days=(pl.col("_p") - last.fill_null(pl.col("_p").max().over("id"))) * step)
    return frame.with_columns((_PERIOD_END + offset).alias("_date")).drop("_p")


def _align_weeks(frame: pl.DataFrame) -> pl.DataFrame:
    """Weekly dates moved to their week's Monday, so every series shares one grid."""
    return frame.with_columns(pl.col("date").dt.truncate("1w"))


def infer_freq(dates: pl.Series) -> str:
    """'D' or 'W' from the most common gap between consecutive distinct dates."""
    u = dates.unique().sort()
    if u.len() < 2:
        raise SeriesError("need at least two distinct dates to infer the frequency; pass freq")
    gap = u.diff().drop_nulls().dt.total_days().mode()[0]
    if gap == 1:
        return "D"
    if gap == 7:
        return "W"
    raise SeriesError(f"dates are {gap} days apart; supported: daily (1) or weekly (7)")
