"""The injector's state and the operations every defect class uses (see ``bench/quality_faults.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import ROW, SCHEMAS, SOURCE_LINE, Batch
from shopmind.quality.coerce import coerce
from shopmind.quality.gate import GateResult

from .scoring import Detections, Key, detections, rows_with_any

# "1,234": a thousand or one point two - the gate reads certain local forms ("12,5", "1.234,5": quality.numbers),
# so the injected local-format number is the ambiguous one it must still quarantine
BAD_NUMBERS = ("1,234", "£4.99", "N/A", "ten", "4.99 GBP", "1.2.3")
BAD_DATES = ("31/02/2011 10:00", "2011-13-01 09:00:00", "yesterday", "2011-02-30", "12:00 PM")
BAD_CURRENCIES = ("RMB", "EURO", "£", "US$", "GPB", "YUAN", "XYZ")
BAD_TYPES = ("pageview", "impression", "checkout", "page_view", "addtocart")
EXTRA_PLACEHOLDERS = ("X7", "a", "Q")  # too short (< 3 chars), not in the placeholder list
MOJIBAKE_WORDS = ("café", "crème", "naïve", "noël", "señor", "jalapeño")
#: Row keys: a row sharing its key with another row is never changed in place.
KEYS = {"products": ["product_id"], "events": ["event_id"], "judgments": ["query", "product_id"]}


def html_wrap(text: str, block: bool) -> str:
    """Text as an HTML export would carry it: paragraphs or bold, '&' and ' and ' as '&amp;'."""
    text = text.replace("&", "&amp;").replace(" and ", " &amp; ")
    if not block:
        return f"<b>{text}</b>"
    parts = [p for p in text.replace("。", "。\n").replace(". ", ".\n").split("\n") if p.strip()]
    return "".join(f"<p>{p.strip()}</p>" for p in parts) + "<br>"


# --- injection --------------------------------------------------------------------------------


class NotApplicable(Exception):
    """The class cannot be injected into this dataset; the message says why."""


class InjectorBase:
    """What every defect class needs: a copy of a batch's raw and typed frames, the clean rows it may
    change, edits and appended rows in the raw representation, and where it injected (the ground truth)."""

    def __init__(
        self, batch: Batch, base: GateResult, cfg: GateConfig, now: datetime, seed: int, per_class: int
    ) -> None:
        self.batch = batch
        self.now = now
        self.cfg = cfg
        self.n = per_class
        self.rng = np.random.default_rng(seed)
        self.raw = batch.tables()
        for table, frame in self.raw.items():
            if not frame[ROW].equals(pl.Series(ROW, range(frame.height), dtype=frame[ROW].dtype)):
                raise ValueError(f"{table}: _row is not 0..n-1 in order")
        tz = str(batch.meta.get("timezone", cfg.timezone))
        self.tz = ZoneInfo(tz)
        self.typed = {t: coerce(f, SCHEMAS[t], tz).frame for t, f in self.raw.items()}  # type: ignore[index]
        self.base_dets = detections(base)
        self.dirty = {t: rows_with_any(self.base_dets, t) for t in self.raw}
        self._pools: dict[str, pl.DataFrame] = {}
        self.used: dict[str, set[int]] = defaultdict(set)
        self.used_items: set[str] = set()
        self.edits: dict[str, dict[str, dict[int, Any]]] = defaultdict(lambda: defaultdict(dict))
        self.appends: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.next_row = {t: f.height for t, f in self.raw.items()}
        self.truth: Detections = {}
        self.notes: dict[str, str] = {}
        self.rating_scale = tuple(batch.meta.get("rating_scale", cfg.rating_scale))  # type: ignore[arg-type]
        self.relevance_scale = tuple(batch.meta.get("relevance_scale", cfg.relevance_scale))  # type: ignore[arg-type]
        products = base.tables.get("products")
        self.catalog = (
            products.accepted.select("product_id", "created_at", "price") if products is not None else None
        )
        self.counter = 0

    # raw values ---------------------------------------------------------------------------

    def _local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.tz).replace(tzinfo=None)

    def ts_ok(self, table: str, col: str, dt: datetime) -> bool:
        """A UTC time survives the raw column: naive local text is read back as the same instant
        (the second pass of a repeated autumn hour would be read as the first)."""
        dtype = self.raw[table].schema[col]
        if dtype == pl.String or (isinstance(dtype, pl.Datetime) and dtype.time_zone is None):
            return self._local(dt).replace(tzinfo=self.tz).astimezone(UTC) == dt
        return True

    def to_raw(self, table: str, col: str, value: Any) -> Any:
        dtype = self.raw[table].schema[col]
        if value is None:
            return None
        if dtype == pl.String:
            if isinstance(value, datetime):
                local = self._local(value)
                text = local.strftime("%Y-%m-%d %H:%M:%S")
                return text + (f".{local.microsecond:06d}" if local.microsecond else "")
            if isinstance(value, float):
                return f"{value:.10g}"
            return str(value)
        if isinstance(dtype, pl.Datetime):
            if not isinstance(value, datetime):
                raise TypeError(f"{table}.{col}: {value!r} is not a datetime")
            return value if dtype.time_zone else self._local(value)
        if dtype.is_integer():
            return int(value)
        if dtype.is_float():
            return float(value)
        return value

    def has(self, table: str, *cols: str) -> bool:
        return table in self.raw and all(c in self.raw[table].columns for c in cols)

    def need(self, table: str, *cols: str) -> None:
        if table not in self.raw:
            raise NotApplicable(f"no {table} table")
        missing = [c for c in cols if c not in self.raw[table].columns]
        if missing:
            raise NotApplicable(f"no {', '.join(missing)} column in {table}")

    def string_col(self, table: str, col: str) -> bool:
        return self.raw[table].schema[col] == pl.String

    def blank(self, table: str, col: str) -> Any:
        """An empty value in the column's representation: '' or '  ' for text, null otherwise."""
        if self.string_col(table, col):
            return ["", "  ", None][int(self.rng.integers(3))]
        return None

    def choice(self, values: Iterable[Any]) -> Any:
        values = list(values)
        return values[int(self.rng.integers(len(values)))]

    # rows ---------------------------------------------------------------------------------

    def pool(self, table: str) -> pl.DataFrame:
        """Typed rows of ``table`` without any baseline detection and whose key no other row has
        (changing the first of two rows with one key would change the verdict on the second)."""
        if table not in self._pools:
            dirty = pl.Series(sorted(self.dirty[table]), dtype=pl.Int64)
            key = KEYS[table]
            shared = pl.len().over(key) > 1
            if table == "judgments":
                shared = shared & pl.col("query").is_not_null() & pl.col("product_id").is_not_null()
            else:
                shared = shared & pl.col(key[0]).is_not_null()
            self._pools[table] = self.typed[table].filter(~pl.col(ROW).is_in(dirty.implode()) & ~shared)
        return self._pools[table]

    def pick(self, table: str, pool: pl.DataFrame, n: int) -> list[dict[str, Any]]:
        """``n`` random unused rows of ``pool`` (typed values). At most one purchase per item is
        picked over all event classes, so an item's quantity statistics stay clean."""
        rows = pool[ROW].to_list()
        per_item = table == "events" and "item_id" in pool.columns and "type" in pool.columns
        items = pool["item_id"].to_list() if per_item else None
        types = pool["type"].to_list() if per_item else None
        used = self.used[table]
        chosen: list[int] = []
        for i in self.rng.permutation(len(rows)):
            if len(chosen) >= n:
                break
            if rows[i] in used:
                continue
            if items is not None and types is not None and types[i] == "purchase":
                if items[i] in self.used_items:
                    continue
                self.used_items.add(items[i])
            used.add(rows[i])
            chosen.append(int(i))
        return pool[chosen].to_dicts() if chosen else []

    def edit(self, table: str, row: int, **values: Any) -> None:
        for col, value in values.items():
            self.edits[table][col][row] = self.to_raw(table, col, value)

    def append(self, table: str, source: int | None, **values: Any) -> int:
        frame = self.raw[table]
        d = dict(frame.row(source, named=True)) if source is not None else dict.fromkeys(frame.columns)
        for col, value in values.items():
            d[col] = self.to_raw(table, col, value)
        row = self.next_row[table]
        self.next_row[table] += 1
        d[ROW] = row
        if SOURCE_LINE in d:
            d[SOURCE_LINE] = None
        self.appends[table].append(d)
        return row

    def new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:06d}"

    def frames(self) -> dict[str, pl.DataFrame]:
        out = {}
        for table, frame in self.raw.items():
            cols = []
            for col, changes in self.edits[table].items():
                series = frame[col].clone()
                idx = list(changes)
                series.scatter(idx, pl.Series(col, [changes[r] for r in idx], dtype=series.dtype))
                cols.append(series)
            if cols:
                frame = frame.with_columns(cols)
            if self.appends[table]:
                frame = pl.concat([frame, pl.DataFrame(self.appends[table], schema=frame.schema)])
            out[table] = frame
        return out

    def batch_out(self) -> Batch:
        return Batch(source=self.batch.source, meta=self.batch.meta, **self.frames())  # type: ignore[arg-type]

    def record(self, key: Key, rows: Iterable[int]) -> int:
        rows = set(rows)
        if not rows:
            raise NotApplicable("no eligible rows")
        self.truth[key] = rows
        return len(rows)

    # shared by several tables' classes ----------------------------------------------------

    def type_error(
        self, table: str, inject: Callable[[Callable[[dict[str, Any]], dict[str, Any]]], int]
    ) -> int:
        """A value the column's type cannot hold, in a column the source delivers as text."""
        schema = SCHEMAS[table].columns  # type: ignore[index]
        cols = [
            c
            for c, dtype in schema.items()
            if c in self.raw[table].columns and dtype != pl.Utf8 and self.string_col(table, c)
        ]
        if not cols:
            raise NotApplicable(f"{table}: every typed column arrives typed (no text to mistype)")

        def bad(_: dict[str, Any]) -> dict[str, Any]:
            col = self.choice(cols)
            is_date = isinstance(schema[col], pl.Datetime)
            return {col: self.choice(BAD_DATES if is_date else BAD_NUMBERS)}

        self.notes[f"{table}/TYPE_ERROR"] = f"bad text in {', '.join(cols)}"
        return inject(bad)

    def out_of_scale(self, scale: tuple[float, float]) -> float:
        lo, hi = scale
        return float(self.choice([lo - 1, lo - 0.5, hi + 0.5, hi + 1, hi + 5, 10 * hi]))
