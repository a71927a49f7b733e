"""Fault injection: for each defect class, does the quality gate find exactly the rows that have it?

Real data is dirty already, so for each real dataset (Online Retail, CrowdFlower) the gate runs
on the adapter's frames:

1. on the batch as it is: the *baseline* detections, a set of (table, row, code);
2. after injecting, per defect class, ``--per-class`` defects at seeded random rows chosen among
   rows with **no** baseline detection (so an injected row has exactly one known defect), in two
   rounds from the same baseline: the row-local classes together, then the statistical classes
   (price and quantity outliers, category minority) alone, because thousands of row-local edits
   move the medians those are judged by. What the row-local round does to the statistical
   classes is reported as *side effects*, not hidden. Existing rows keep their ``_row`` id,
   appended rows get new ids after the last one.

Per class (table, code): ``detected`` = rows carrying the code after injection (quarantine code,
accepted ``_flags``, or an audit record for a repair) minus rows that carried it in the baseline;
``recall = |detected & injected| / |injected|``, ``precision = |detected & injected| / |detected|``.
Detections that were not injected for the class are false positives, split into ``fp_clean``
(a row without any injected defect: a clean row wrongly judged) and ``fp_defect`` (an extra code
on a row injected with another class). ``lost`` counts baseline detections of the class that
disappeared after injection (the injection changed a statistic another row was judged by).

The demo shop (``shopmind.demo``) is scored twice: against the generator's own ground truth
(its clean rows are clean, so nothing is subtracted), and with the same injections as the real
data on top (baseline = the generator's defects). The account is checked for every gate run:
accepted + quarantined == input rows (appended rows included), every input ``_row`` exactly once.

How the defects are injected (raw representation kept: strings stay strings):

- in place, on an existing clean row: text repairs (mojibake, HTML, whitespace, traditional
  Chinese), empty description, and all event/judgment value defects;
- as an appended copy with a fresh product id for product defects that quarantine a product or
  change its price (placeholder title, price <= 0, price outlier, unknown currency, ...): a
  quarantined real product would turn its events into unknown-item events and a changed price
  would move the reference of the x100 price check, which would measure the cascade, not the class;
- as appended rows where the defect is a relation between rows: exact and near duplicates
  (the later copy is the defect), older product copies, returns without a purchase, and bot
  sessions (new sessions of views of existing products at machine-like timing).

Sizes: product price outliers are set 1.5-3x the check's threshold above their group's median
(at most 2 % of a group); price unit errors are x100 or /100 of a purchase priced at its item's
reference (within 2.3 %), as the check compares against that reference; quantity outliers are a
plain x1000 (a unit slip), *not* sized to the threshold, so an item whose quantities spread widely
can hide one, and that is reported as a miss. At most one purchase per item is changed over all
event classes, so no item's quantity statistics are judged on two injected rows.

    python bench/quality_faults.py --data ../shared/data --seed 0 --per-class 200 \\
        --out bench/results/quality_faults.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from tqdm import tqdm

from shopmind.config import GateConfig
from shopmind.data.model import CATEGORY_SEP, FLAGS, ITEMLESS_EVENT_TYPES, ROW, SCHEMAS, SOURCE_LINE, Batch
from shopmind.demo.generator import sloppy_cp1252
from shopmind.quality.coerce import coerce
from shopmind.quality.gate import AccountError, GateResult, run_gate

Key = tuple[str, str]  # (table, code)
Detections = dict[Key, set[int]]

#: Fixed "now" for Online Retail (invoices end 2011-12-09): future timestamps are after the data.
ONLINE_RETAIL_NOW = datetime(2012, 1, 1, tzinfo=UTC)
#: Codes that are not row defects (batch measurements) or happen before the frames exist.
NOT_ROW_LEVEL = {
    "MALFORMED_LINE": "a line the reader cannot split; the bench injects into parsed frames "
    "(covered by tests/test_readers.py)",
    "COMPLETENESS": "batch-level measurement",
    "TS_UNIT": "batch-level note",
    "TS_TIMEZONE": "batch-level note",
    "BATCH_FRESHNESS": "batch-level measurement",
    "BATCH_VOLUME": "needs a previous run in a store",
    "BATCH_DRIFT": "needs a previous run in a store",
}

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


# --- detections and scoring -------------------------------------------------------------------


def detections(result: GateResult, shift: dict[str, tuple[int, int]] | None = None) -> Detections:
    """(table, code) -> rows carrying the code: quarantine codes, accepted flags, audit codes.

    ``shift`` maps a table to (first malformed row id, rows appended): the gate numbers malformed
    lines after the frame's rows, so appending rows moves them; the baseline is aligned with it.
    """
    out: Detections = defaultdict(set)
    for table, t in result.tables.items():
        parts = [
            t.quarantine.select(pl.col("row_no").alias("r"), pl.col("codes").alias("c")).explode("c"),
            t.accepted.select(pl.col(ROW).alias("r"), pl.col(FLAGS).alias("c")).explode("c"),
            t.audit.select(pl.col(ROW).alias("r"), pl.col("code").alias("c")),
        ]
        frame = pl.concat(parts).drop_nulls().unique()
        if shift and table in shift:
            start, k = shift[table]
            frame = frame.with_columns(pl.when(pl.col("r") >= start).then(pl.col("r") + k).otherwise("r"))
        for code, rows in frame.group_by("c").agg("r").iter_rows():
            out[(table, code)] = set(rows)
    return dict(out)


def rows_with_any(dets: Detections, table: str) -> set[int]:
    return set().union(*[rows for (t, _), rows in dets.items() if t == table])


@dataclass
class ClassScore:
    table: str
    code: str
    action: str
    injected: int
    detected: int
    tp: int
    fp_clean: int
    fp_defect: int
    lost: int
    missed_rows: list[int] = field(default_factory=list)
    fp_clean_rows: list[int] = field(default_factory=list)
    fp_defect_on: dict[str, int] = field(default_factory=dict)  # injected class -> rows with this extra code
    round: str = ""

    @property
    def key(self) -> str:
        return f"{self.table}/{self.code}"

    @property
    def recall(self) -> float | None:
        return self.tp / self.injected if self.injected else None

    @property
    def precision(self) -> float | None:
        return self.tp / self.detected if self.detected else None

    @property
    def clean_precision(self) -> float | None:
        """Precision counting only false positives on clean rows (not extra codes on defective rows)."""
        n = self.tp + self.fp_clean
        return self.tp / n if n else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "round": self.round, "table": self.table, "code": self.code, "action": self.action,
            "injected": self.injected,
            "detected": self.detected, "tp": self.tp, "recall": self.recall, "precision": self.precision,
            "clean_precision": self.clean_precision, "fp_clean": self.fp_clean, "fp_defect": self.fp_defect,
            "lost": self.lost, "missed_rows": self.missed_rows[:10], "fp_clean_rows": self.fp_clean_rows[:10],
            "fp_defect_on": self.fp_defect_on,
        }  # fmt: skip


def score(truth: Detections, after: Detections, base: Detections | None, cfg: GateConfig) -> list[ClassScore]:
    """Per class: new detections (after minus base) against the injected rows.

    Classes reported: every injected class, and every class with a new or a lost detection.
    """
    base = base or {}
    defect_rows: dict[str, set[int]] = defaultdict(set)
    injected_as: dict[tuple[str, int], str] = {}
    for (table, code), rows in truth.items():
        defect_rows[table] |= rows
        injected_as.update({(table, r): code for r in rows})
    keys = set(truth) | {k for k in set(after) | set(base) if after.get(k, set()) ^ base.get(k, set())}
    out = []
    for table, code in sorted(keys):
        injected = truth.get((table, code), set())
        before = base.get((table, code), set())
        now = after.get((table, code), set())
        detected = now - before
        tp = detected & injected
        fp = detected - injected
        fp_defect = fp & defect_rows[table]
        fp_clean = fp - fp_defect
        action = cfg.unknown_items if code == "EVT_ITEM_UNKNOWN" else cfg.code(code).action
        on: dict[str, int] = defaultdict(int)
        for r in fp_defect:
            on[injected_as[(table, r)]] += 1
        out.append(
            ClassScore(
                table,
                code,
                action,
                len(injected),
                len(detected),
                len(tp),
                len(fp_clean),
                len(fp_defect),
                len(before - now),
                sorted(injected - detected),
                sorted(fp_clean),
                dict(sorted(on.items())),
            )  # fmt: skip
        )
    return out


def check_account(
    result: GateResult, frames: dict[str, pl.DataFrame], n_malformed: dict[str, int]
) -> dict[str, Any]:
    """accepted + quarantined == input and every input row id exactly once, per table."""
    tables: dict[str, Any] = {}
    ok = set(result.tables) == set(frames) | {t for t, n in n_malformed.items() if n}
    for table, frame in frames.items():
        t = result.tables.get(table)
        m = n_malformed.get(table, 0)
        expected = set(frame[ROW].to_list()) | set(range(frame.height, frame.height + m))
        if t is None:
            tables[table] = {"input": frame.height + m, "ok": False}
            ok = False
            continue
        ids = pl.concat([t.accepted[ROW], t.quarantine["row_no"]])
        good = (
            t.accepted.height + t.quarantine.height == frame.height + m
            and ids.n_unique() == ids.len()
            and set(ids.to_list()) == expected
        )
        tables[table] = {
            "input": frame.height + m,
            "accepted": t.accepted.height,
            "quarantined": t.quarantine.height,
            "ok": good,
        }
        ok = ok and good
    return {"ok": ok, "tables": tables}


# --- injection --------------------------------------------------------------------------------


class NotApplicable(Exception):
    """The class cannot be injected into this dataset; the message says why."""


class Injector:
    """Injects defects into a copy of a batch's raw frames and records where (the ground truth)."""

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

    # products: in place (the product stays in the catalog) --------------------------------

    def text_rows(self, col: str, extra: pl.Expr | None = None) -> list[dict[str, Any]]:
        self.need("products", col)
        pool = self.pool("products").filter(pl.col(col).is_not_null())
        if extra is not None:
            pool = pool.filter(extra)
        return self.pick("products", pool, self.n)

    def raw_text(self, table: str, col: str, row: int) -> str:
        return str(self.raw[table][col][row]).strip()

    def products_text_mojibake(self) -> int:
        rows = []
        for r in self.text_rows("title"):
            title = self.raw_text("products", "title", r[ROW])
            if title.isascii():
                word = self.choice(MOJIBAKE_WORDS)
                title = f"{title} {word.upper() if title.isupper() else word}"
            self.edit("products", r[ROW], title=sloppy_cp1252(title))
            rows.append(r[ROW])
        return self.record(("products", "TEXT_MOJIBAKE"), rows)

    def products_text_html(self) -> int:
        col = "description" if self.has("products", "description") else "title"
        if col == "title":
            self.notes["products/TEXT_HTML"] = "no description column: HTML injected into titles"
        rows = []
        for r in self.text_rows(col):
            self.edit(
                "products", r[ROW], **{col: html_wrap(self.raw_text("products", col, r[ROW]), col != "title")}
            )
            rows.append(r[ROW])
        return self.record(("products", "TEXT_HTML"), rows)

    def products_text_whitespace(self) -> int:
        rows = []
        for r in self.text_rows("title", pl.col("title").str.contains(" ")):
            title = self.raw_text("products", "title", r[ROW])
            if " " not in title:
                continue
            gap = self.choice(["  ", " \t", "\u00a0", " \u3000 "])
            self.edit("products", r[ROW], title=title.replace(" ", gap, 1))
            rows.append(r[ROW])
        return self.record(("products", "TEXT_WHITESPACE"), rows)

    def products_text_t2s(self) -> int:
        if not self.cfg.traditional_to_simplified:
            raise NotApplicable(
                "traditional -> simplified conversion is off for this dataset (not a Chinese shop)"
            )
        import opencc

        s2t = opencc.OpenCC("s2t").convert
        cjk = pl.col("title").str.contains(r"[\x{4e00}-\x{9fff}]")
        rows = []
        candidates = self.pool("products").filter(pl.col("title").is_not_null() & cjk)
        if candidates.is_empty():
            raise NotApplicable("no Chinese titles")
        for r in self.pick("products", candidates, self.n):
            title = self.raw_text("products", "title", r[ROW])
            traditional = s2t(title)
            if traditional == title:
                self.used["products"].discard(r[ROW])
                continue
            self.edit("products", r[ROW], title=traditional)
            rows.append(r[ROW])
        return self.record(("products", "TEXT_T2S"), rows)

    def products_desc_missing(self) -> int:
        rows = []
        for r in self.text_rows("description"):
            self.edit("products", r[ROW], description=self.blank("products", "description"))
            rows.append(r[ROW])
        return self.record(("products", "PRD_DESC_MISSING"), rows)

    def products_dup_id(self) -> int:
        """Older copy of a product. With a timestamp the copy is older and is the defect; without
        one the gate keeps the last arrival, so the appended copy is the newer version and the
        original row is the stale duplicate."""
        self.need("products", "product_id")
        pool = self.pool("products").filter(pl.col("product_id").is_not_null())
        rows = []
        for r in self.pick("products", pool, self.n):
            key = next((c for c in ("updated_at", "created_at") if self.has("products", c) and r[c]), None)
            if key is None:
                self.append("products", r[ROW])
                rows.append(r[ROW])
                self.notes["products/PRD_DUP_ID"] = (
                    "no timestamps: the latest arrival is kept, so the appended copy is the newer "
                    "version and the original row is the stale duplicate"
                )
                continue
            older = r[key] - timedelta(days=float(self.rng.uniform(1, 30)))
            older = older.replace(microsecond=0)
            if not self.ts_ok("products", key, older):
                continue
            rows.append(self.append("products", r[ROW], **{key: older}))
        return self.record(("products", "PRD_DUP_ID"), rows)

    # products: appended copies with a fresh id ---------------------------------------------

    def fresh_copies(
        self,
        code: str,
        change: Callable[[dict[str, Any]], dict[str, Any] | None],
        pool: pl.DataFrame | None = None,
    ) -> int:
        pool = self.pool("products") if pool is None else pool
        if pool.is_empty():
            raise NotApplicable("no eligible source rows")
        order = self.rng.permutation(pool.height)[: self.n]
        rows = []
        for r in pool[order.tolist()].to_dicts():
            values = change(r)
            if values is None:
                continue
            pid = f"{r['product_id']}-bench{self.counter + 1:06d}"
            self.counter += 1
            rows.append(self.append("products", r[ROW], product_id=pid, **values))
        return self.record(("products", code), rows)

    def products_required_missing(self) -> int:
        self.need("products", "title")
        return self.fresh_copies("REQUIRED_MISSING", lambda r: {"title": self.blank("products", "title")})

    def products_type_error(self) -> int:
        return self.type_error("products", lambda cols: self.fresh_copies("TYPE_ERROR", cols))

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

    def products_title_placeholder(self) -> int:
        self.need("products", "title")
        titles = [t for t in self.cfg.placeholder_titles if t.strip()] + list(EXTRA_PLACEHOLDERS)

        def change(_: dict[str, Any]) -> dict[str, Any]:
            t = self.choice(titles)
            return {"title": self.choice([t, t.upper(), t.title()])}

        return self.fresh_copies("PRD_TITLE_PLACEHOLDER", change)

    def products_price_nonpositive(self) -> int:
        self.need("products", "price")
        pool = self.pool("products").filter(pl.col("price") > 0)
        return self.fresh_copies(
            "PRD_PRICE_NONPOSITIVE",
            lambda r: {"price": 0.0 if self.rng.random() < 0.5 else -r["price"]},
            pool,
        )

    def products_price_outlier(self) -> int:
        self.need("products", "price")
        typed = self.typed["products"]
        grp = pl.concat_str(
            [
                pl.col("category_path").fill_null(""),
                pl.lit("|"),
                pl.col("currency").fill_null(""),
            ]
        )
        stats = (
            typed.with_columns(grp.alias("_grp"), pl.when(pl.col("price") > 0).then(pl.col("price").log()).alias("_lp"))
            .with_columns(pl.col("_lp").median().over("_grp").alias("_med"), pl.col("_lp").count().over("_grp").alias("_n"))
            .with_columns((pl.col("_lp") - pl.col("_med")).abs().median().over("_grp").alias("_mad"))
        )  # fmt: skip
        min_n = max(self.cfg.min_group_size, 10)
        pool = stats.filter(
            pl.col(ROW).is_in(self.pool("products")[ROW].implode())
            & (pl.col("_n") >= min_n)
            & pl.col("_lp").is_not_null()
        )
        if pool.is_empty():
            raise NotApplicable(f"no price group with >= {min_n} priced products")
        cap: dict[str, int] = {}
        rows = []
        for r in pool[self.rng.permutation(pool.height).tolist()].to_dicts():
            if len(rows) >= self.n:
                break
            g = r["_grp"]
            if cap.get(g, 0) >= max(1, int(0.02 * r["_n"])):
                continue
            cap[g] = cap.get(g, 0) + 1
            threshold = self.cfg.price_mad_k * max(1.4826 * r["_mad"], 0.1)
            price = round(math.exp(r["_med"] + float(self.rng.uniform(1.5, 3.0)) * threshold), 2)
            pid = f"{r['product_id']}-bench{self.counter + 1:06d}"
            self.counter += 1
            rows.append(self.append("products", r[ROW], product_id=pid, price=price))
        self.notes["products/PRD_PRICE_OUTLIER"] = (
            "copies priced 1.5-3x the check's threshold above their group's median log price; "
            "at most 2 % of a group (groups of >= 10)"
        )
        return self.record(("products", "PRD_PRICE_OUTLIER"), rows)

    def products_currency_unknown(self) -> int:
        self.need("products", "price", "currency")
        pool = self.pool("products").filter(pl.col("price").is_not_null())
        return self.fresh_copies(
            "PRD_CURRENCY_UNKNOWN", lambda r: {"currency": self.choice(BAD_CURRENCIES)}, pool
        )

    def products_category_inconsistent(self) -> int:
        """A path whose second level is filed under another top level, once per (level, wrong top)."""
        self.need("products", "category_path")
        sep = CATEGORY_SEP.strip()
        paths = self.typed["products"]["category_path"].drop_nulls().to_list()
        split = [[p.strip() for p in path.split(sep)] for path in paths]
        tops = sorted({s[0] for s in split})
        node = defaultdict(int)
        edges = set()
        for s in split:
            if len(s) >= 2:
                node[s[1]] += 1
                edges.add((s[1], s[0]))
        pool = self.pool("products").filter(pl.col("category_path").is_not_null())
        taken = set()
        rows = []
        for r in pool[self.rng.permutation(pool.height).tolist()].to_dicts():
            if len(rows) >= self.n:
                break
            s = [p.strip() for p in r["category_path"].split(sep)]
            if len(s) < 2 or node[s[1]] < 40:
                continue
            wrong = [t for t in tops if t != s[0] and (s[1], t) not in edges and (s[1], t) not in taken]
            if not wrong:
                continue
            top = self.choice(wrong)
            taken.add((s[1], top))
            pid = f"{r['product_id']}-bench{self.counter + 1:06d}"
            self.counter += 1
            path = CATEGORY_SEP.join([top, *s[1:]])
            rows.append(self.append("products", r[ROW], product_id=pid, category_path=path))
        self.notes["products/PRD_CATEGORY_INCONSISTENT"] = (
            "second level moved under another top level, at most once per (level, wrong top), "
            "levels used >= 40 times"
        )
        return self.record(("products", "PRD_CATEGORY_INCONSISTENT"), rows)

    def products_stock_negative(self) -> int:
        self.need("products", "stock")
        return self.fresh_copies("PRD_STOCK_NEGATIVE", lambda r: {"stock": -int(self.rng.integers(1, 50))})

    def out_of_scale(self, scale: tuple[float, float]) -> float:
        lo, hi = scale
        return float(self.choice([lo - 1, lo - 0.5, hi + 0.5, hi + 1, hi + 5, 10 * hi]))

    def products_rating_range(self) -> int:
        self.need("products", "rating")
        return self.fresh_copies(
            "PRD_RATING_RANGE", lambda r: {"rating": self.out_of_scale(self.rating_scale)}
        )

    # events ---------------------------------------------------------------------------------

    def events_pool(self) -> pl.DataFrame:
        """Clean events that can change in place without changing the verdict on another row: no
        returns, no purchase of a (user, item) that has a return (it may be the return's link), no
        event of an (actor, item, type, query) that has a near duplicate (it may be the original)."""
        self.need("events")
        if "events:inplace" in self._pools:
            return self._pools["events:inplace"]
        typed = self.typed["events"].with_columns(pl.coalesce("user_id", "session_id").alias("_actor"))
        returns = typed.filter(pl.col("type") == "return").select("user_id", "item_id").drop_nulls().unique()
        near_keys = ["_actor", "item_id", "type", "query"]
        near_rows = pl.Series(sorted(self.base_dets.get(("events", "EVT_DUP_NEAR"), set())), dtype=pl.Int64)
        near = typed.filter(pl.col(ROW).is_in(near_rows.implode())).select(near_keys).unique()
        pool = (
            self.pool("events")
            .filter(pl.col("type").is_null() | (pl.col("type") != "return"))
            .join(returns, on=["user_id", "item_id"], how="anti", nulls_equal=False)
            .with_columns(pl.coalesce("user_id", "session_id").alias("_actor"))
            .join(near, on=near_keys, how="anti", nulls_equal=True)
            .drop("_actor")
        )
        self._pools["events:inplace"] = pool
        return pool

    def events_inplace(self, code: str, pool: pl.DataFrame, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> int:  # fmt: skip
        rows = []
        for r in self.pick("events", pool, self.n):
            values = change(r)
            if values is None:
                continue
            self.edit("events", r[ROW], **values)
            rows.append(r[ROW])
        return self.record(("events", code), rows)

    def purchases(self) -> pl.DataFrame:
        return self.events_pool().filter(pl.col("type") == "purchase")

    def events_required_missing(self) -> int:
        cols = [c for c in ("event_id", "type", "timestamp") if self.has("events", c)]
        return self.events_inplace(
            "REQUIRED_MISSING",
            self.events_pool(),
            lambda r: {(c := self.choice(cols)): self.blank("events", c)},
        )

    def events_type_error(self) -> int:
        self.need("events")
        return self.type_error(
            "events", lambda change: self.events_inplace("TYPE_ERROR", self.events_pool(), change)
        )

    def events_type_unknown(self) -> int:
        self.need("events", "type")
        if not self.string_col("events", "type"):
            raise NotApplicable("type column is not text")
        return self.events_inplace(
            "EVT_TYPE_UNKNOWN", self.events_pool(), lambda r: {"type": self.choice(BAD_TYPES)}
        )

    def events_item_missing(self) -> int:
        self.need("events", "item_id")
        pool = self.events_pool().filter(
            pl.col("item_id").is_not_null() & ~pl.col("type").is_in(sorted(ITEMLESS_EVENT_TYPES))
        )
        return self.events_inplace(
            "EVT_ITEM_MISSING", pool, lambda r: {"item_id": self.blank("events", "item_id")}
        )

    def events_user_missing(self) -> int:
        self.need("events", "user_id")
        types = [t for t in self.cfg.require_user_types if t != "return"]
        pool = self.events_pool().filter(pl.col("user_id").is_not_null() & pl.col("type").is_in(types))
        return self.events_inplace(
            "EVT_USER_MISSING", pool, lambda r: {"user_id": self.blank("events", "user_id")}
        )

    def events_dup_exact(self) -> int:
        rows = [self.append("events", r[ROW]) for r in self.pick("events", self.events_pool(), self.n)]
        return self.record(("events", "EVT_DUP_EXACT"), rows)

    def events_id_conflict(self) -> int:
        """An event id reused by a later, different event: the later row is the defect."""
        self.need("events", "event_id")
        picked = self.pick("events", self.events_pool(), 2 * self.n)
        rows = []
        for a, b in zip(picked[::2], picked[1::2], strict=False):
            first, later = sorted((a, b), key=lambda r: r[ROW])
            self.edits["events"]["event_id"][later[ROW]] = self.raw["events"]["event_id"][first[ROW]]
            rows.append(later[ROW])
        return self.record(("events", "EVT_ID_CONFLICT"), rows)

    def events_dup_near(self) -> int:
        """A copy of a browsing event with a new id, 1 s later (the copy is the defect); only events
        whose next same (actor, item, type, query) event is > window + 1.5 s away, so the copy
        does not become a near duplicate's predecessor."""
        self.need("events", "timestamp")
        types = list(self.cfg.near_duplicate_types)
        ev = self.typed["events"].with_columns(pl.coalesce("user_id", "session_id").alias("_actor"))
        keys = ["_actor", "item_id", "type", "query"]
        nxt = (
            ev.sort([*keys, "timestamp", ROW], nulls_last=True)
            .with_columns(pl.col("timestamp").shift(-1).over(keys).alias("_next"))
            .select(ROW, "_next")
        )
        window = timedelta(seconds=self.cfg.near_duplicate_seconds + 1.5)
        pool = (
            self.events_pool()
            .filter(pl.col("type").is_in(types) & pl.coalesce("user_id", "session_id").is_not_null())
            .join(nxt, on=ROW, how="left")
            .filter(pl.col("_next").is_null() | (pl.col("_next") - pl.col("timestamp") > window))
        )
        if pool.is_empty():
            raise NotApplicable(f"no browsing events ({', '.join(types)}) to duplicate")
        rows = []
        for r in self.pick("events", pool, self.n):
            ts = r["timestamp"] + timedelta(seconds=1)
            if not self.ts_ok("events", "timestamp", ts):
                continue
            rows.append(self.append("events", r[ROW], event_id=self.new_id("bench-near-"), timestamp=ts))
        return self.record(("events", "EVT_DUP_NEAR"), rows)

    def events_ts_future(self) -> int:
        self.need("events", "timestamp")

        def change(r: dict[str, Any]) -> dict[str, Any] | None:
            ts = r["timestamp"]
            try:
                later = ts.replace(year=ts.year + 5)
            except ValueError:  # 29 February
                later = ts.replace(year=ts.year + 5, day=28)
            return {"timestamp": later} if self.ts_ok("events", "timestamp", later) else None

        pool = self.events_pool().filter(pl.col("timestamp").is_not_null())
        return self.events_inplace("EVT_TS_FUTURE", pool, change)

    def events_qty_sign(self) -> int:
        self.need("events", "quantity")
        pool = self.purchases().filter(pl.col("quantity") > 0)
        return self.events_inplace("EVT_QTY_SIGN", pool, lambda r: {"quantity": -r["quantity"]})

    def events_qty_outlier(self) -> int:
        # A x1000 slip on a typical order: x1000 of max(row, item median). A slip on a row far below
        # the median (1 -> 1000 where 900-unit orders are real) lands inside the item's own range and
        # is not an outlier by any statistic, so it would measure nothing about the check.
        self.need("events", "quantity")
        pool = self.purchases().filter(pl.col("quantity") > 0)
        pool = pool.with_columns(pl.col("quantity").median().over("item_id").alias("_item_median"))
        return self.events_inplace(
            "EVT_QTY_OUTLIER",
            pool,
            lambda r: {"quantity": int(max(r["quantity"], round(r["_item_median"]))) * 1000},
        )

    def events_price_nonpositive(self) -> int:
        self.need("events", "price")
        pool = self.purchases().filter(pl.col("price") > 0)
        return self.events_inplace(
            "EVT_PRICE_NONPOSITIVE",
            pool,
            lambda r: {"price": 0.0 if self.rng.random() < 0.5 else -r["price"]},
        )

    def events_price_unit(self) -> int:
        """x100 or /100 of a purchase priced at its item's reference (the catalog price, else the
        item's median price here), which is what the check compares against."""
        self.need("events", "price")
        ev = self.typed["events"]
        median = (
            ev.filter(pl.col("price") > 0).group_by("item_id").agg(pl.col("price").median().alias("_median"))
        )
        pool = self.purchases().filter(pl.col("price") > 0).join(median, on="item_id", how="left")
        if self.catalog is not None:
            cat = self.catalog.select(pl.col("product_id").alias("item_id"), pl.col("price").alias("_cat"))
            pool = pool.join(cat, on="item_id", how="left")
        else:
            pool = pool.with_columns(pl.lit(None, pl.Float64).alias("_cat"))
        pool = pool.with_columns(pl.coalesce("_cat", "_median").alias("_ref")).filter(
            (pl.col("price") / pl.col("_ref")).log10().abs() < 0.01
        )
        self.notes["events/EVT_PRICE_UNIT"] = (
            "half x100, half /100, of purchases priced within 2.3 % of the reference"
        )
        return self.events_inplace(
            "EVT_PRICE_UNIT",
            pool,
            lambda r: {"price": r["price"] * (100.0 if self.rng.random() < 0.5 else 0.01)},
        )

    def events_currency_unknown(self) -> int:
        self.need("events", "currency")
        pool = self.events_pool().filter(pl.col("currency").is_not_null())
        return self.events_inplace(
            "EVT_CURRENCY_UNKNOWN", pool, lambda r: {"currency": self.choice(BAD_CURRENCIES)}
        )

    def events_rating_range(self) -> int:
        self.need("events", "rating")
        pool = self.events_pool().filter(pl.col("rating").is_not_null())
        if pool.is_empty():
            raise NotApplicable("no rated events")
        return self.events_inplace(
            "EVT_RATING_RANGE", pool, lambda r: {"rating": self.out_of_scale(self.rating_scale)}
        )

    def known_pool(self) -> pl.DataFrame:
        if self.catalog is None:
            raise NotApplicable("no products table: nothing is known or unknown")
        known = self.catalog.select(
            pl.col("product_id").alias("item_id"), pl.col("created_at").alias("_created")
        )
        return self.events_pool().join(known, on="item_id", how="inner")

    def events_item_unknown(self) -> int:
        return self.events_inplace(
            "EVT_ITEM_UNKNOWN", self.known_pool(), lambda r: {"item_id": self.new_id("BENCH-UNKNOWN-")}
        )

    def events_before_product(self) -> int:
        self.need("events", "timestamp")
        pool = self.known_pool().filter(pl.col("_created").is_not_null() & pl.col("timestamp").is_not_null())
        if pool.is_empty():
            raise NotApplicable("no product creation times")

        def change(r: dict[str, Any]) -> dict[str, Any] | None:
            ts = (r["_created"] - timedelta(days=float(self.rng.uniform(1, 30)))).replace(microsecond=0)
            return {"timestamp": ts} if self.ts_ok("events", "timestamp", ts) else None

        return self.events_inplace("EVT_BEFORE_PRODUCT", pool, change)

    def events_return_unlinked(self) -> int:
        """A return of an item by a customer who never bought it (appended; the return is the defect)."""
        self.need("events", "user_id", "item_id", "type")
        ev = self.typed["events"]
        users = ev["user_id"].drop_nulls().unique().sort().to_list()
        bought = set(
            ev.filter(pl.col("type") == "purchase").select("user_id", "item_id").drop_nulls().iter_rows()
        )
        pool = self.purchases().filter(pl.col("user_id").is_not_null() & pl.col("item_id").is_not_null())
        if pool.is_empty() or len(users) < 2:
            raise NotApplicable("no purchases by known customers")
        rows = []
        for r in self.pick("events", pool, self.n):
            user = next(
                (u for u in (self.choice(users) for _ in range(50)) if (u, r["item_id"]) not in bought), None
            )
            if user is None:
                continue
            values: dict[str, Any] = {
                "type": "return",
                "user_id": user,
                "event_id": self.new_id("bench-ret-"),
            }
            if self.has("events", "quantity") and r["quantity"] is not None:
                values["quantity"] = -abs(r["quantity"])
            if self.has("events", "session_id"):
                values["session_id"] = values["event_id"]
            if self.has("events", "order_id") and r["order_id"] is not None:
                values["order_id"] = f"C{r['order_id']}"
            rows.append(self.append("events", r[ROW], **values))
        return self.record(("events", "EVT_RETURN_UNLINKED"), rows)

    def events_bot_session(self) -> int:
        """New sessions of views of distinct existing products, each tripping the bot rules:
        all of them (brief), the rate rule only, the regular-timing rule only, the breadth rule only."""
        self.need("events", "timestamp", "item_id", "type")
        bot = self.cfg.bot
        latest = self.pool("events")["timestamp"].max()  # clean rows: a future-dated defect is no guide
        if latest is None:
            raise NotApplicable("no timestamps")
        end = min(latest, self.now - timedelta(days=1))  # type: ignore[type-var]
        start = (end - timedelta(days=3)).replace(second=0, microsecond=0)
        if self.catalog is not None:
            old = pl.col("created_at").is_null() | (pl.col("created_at") < start - timedelta(hours=1))
            items = self.catalog.filter(old)["product_id"].drop_nulls()
        else:
            items = self.pool("events")["item_id"].drop_nulls()
        items = items.unique().sort().to_list()
        shapes = {  # name: (events, gap sampler in seconds)
            "all rules": (bot.max_distinct_items + 100, lambda k: np.ones(k)),
            "rate": (bot.min_events + 10, lambda k: self.rng.integers(0, 3, k).astype(float)),
            "regular": (bot.regular_min_events + 5, lambda k: np.full(k, 45.0)),
            "breadth": (bot.max_distinct_items + 20, lambda k: self.rng.integers(4, 21, k).astype(float)),
        }
        need = max(n for n, _ in shapes.values())
        if len(items) < need:
            raise NotApplicable(f"needs {need} distinct products, the catalog has {len(items)}")
        rows: list[int] = []
        t0 = start
        described = []
        for name, (n, gaps) in shapes.items():
            session = self.new_id("bench-bot-")
            chosen = [items[i] for i in self.rng.choice(len(items), n, replace=False)]
            offsets = np.concatenate([[0.0], np.cumsum(gaps(n - 1))])
            times = [t0 + timedelta(seconds=float(s)) for s in offsets]
            if not all(self.ts_ok("events", "timestamp", t) for t in times):
                raise NotApplicable("session times not representable in the source's time zone")
            for i, (item, ts) in enumerate(zip(chosen, times, strict=True)):
                values = {"event_id": f"{session}-{i:04d}", "type": "view", "timestamp": ts, "item_id": item}
                if self.has("events", "session_id"):
                    values["session_id"] = session
                elif self.has("events", "user_id"):
                    values["user_id"] = session
                rows.append(self.append("events", None, **values))
            g = np.diff(offsets)
            described.append(
                f"{name}: {n} views, {(n - 1) / max(offsets[-1], 1e-9):.2f}/s, gap cv {g.std(ddof=1) / g.mean():.2f}"
            )
            t0 = times[-1] + timedelta(minutes=10)
        self.notes["events/EVT_BOT_SESSION"] = "; ".join(described) + " (size fixed, not --per-class)"
        return self.record(("events", "EVT_BOT_SESSION"), rows)

    # judgments ------------------------------------------------------------------------------

    def judgments_inplace(self, code: str, change: Callable[[dict[str, Any]], dict[str, Any]], pool: pl.DataFrame | None = None) -> int:  # fmt: skip
        self.need("judgments")
        pool = self.pool("judgments") if pool is None else pool
        rows = []
        for r in self.pick("judgments", pool, self.n):
            self.edit("judgments", r[ROW], **change(r))
            rows.append(r[ROW])
        return self.record(("judgments", code), rows)

    def judgments_required_missing(self) -> int:
        self.need("judgments")
        cols = [c for c in ("query", "product_id", "relevance") if self.has("judgments", c)]
        return self.judgments_inplace(
            "REQUIRED_MISSING", lambda r: {(c := self.choice(cols)): self.blank("judgments", c)}
        )

    def judgments_type_error(self) -> int:
        self.need("judgments")
        return self.type_error("judgments", lambda change: self.judgments_inplace("TYPE_ERROR", change))

    def judgments_relevance_range(self) -> int:
        self.need("judgments", "relevance")
        return self.judgments_inplace(
            "JDG_RELEVANCE_RANGE", lambda r: {"relevance": self.out_of_scale(self.relevance_scale)}
        )

    def judgments_product_unknown(self) -> int:
        if self.catalog is None:
            raise NotApplicable("no products table: nothing is known or unknown")
        return self.judgments_inplace(
            "JDG_PRODUCT_UNKNOWN", lambda r: {"product_id": self.new_id("bench-unknown-")}
        )

    def judgments_dup(self) -> int:
        """A later judgment of the same (query, product) is appended: the gate keeps the latest,
        so the original row is the stale duplicate (the defect); the copy carries a valid grade."""
        self.need("judgments", "query", "product_id")
        pool = self.pool("judgments").filter(
            pl.col("query").is_not_null() & pl.col("product_id").is_not_null()
        )
        grades = (
            self.raw["judgments"]
            .filter(pl.col(ROW).is_in(pool[ROW].implode()))["relevance"]
            .unique()
            .to_list()
        )
        rows = []
        for r in self.pick("judgments", pool, self.n):
            self.append("judgments", r[ROW], relevance=self.choice(sorted(grades, key=str)))
            rows.append(r[ROW])
        return self.record(("judgments", "JDG_DUP"), rows)


#: Injection order: restrictive classes first (they need particular rows), row-local ones last.
CLASSES: tuple[tuple[str, str, Callable[[Injector], int]], ...] = (
    ("products", "PRD_DUP_ID", Injector.products_dup_id),
    ("products", "TEXT_T2S", Injector.products_text_t2s),
    ("products", "TEXT_MOJIBAKE", Injector.products_text_mojibake),
    ("products", "TEXT_HTML", Injector.products_text_html),
    ("products", "TEXT_WHITESPACE", Injector.products_text_whitespace),
    ("products", "PRD_DESC_MISSING", Injector.products_desc_missing),
    ("products", "REQUIRED_MISSING", Injector.products_required_missing),
    ("products", "TYPE_ERROR", Injector.products_type_error),
    ("products", "PRD_TITLE_PLACEHOLDER", Injector.products_title_placeholder),
    ("products", "PRD_PRICE_NONPOSITIVE", Injector.products_price_nonpositive),
    ("products", "PRD_PRICE_OUTLIER", Injector.products_price_outlier),
    ("products", "PRD_CURRENCY_UNKNOWN", Injector.products_currency_unknown),
    ("products", "PRD_CATEGORY_INCONSISTENT", Injector.products_category_inconsistent),
    ("products", "PRD_STOCK_NEGATIVE", Injector.products_stock_negative),
    ("products", "PRD_RATING_RANGE", Injector.products_rating_range),
    ("events", "EVT_PRICE_UNIT", Injector.events_price_unit),
    ("events", "EVT_QTY_OUTLIER", Injector.events_qty_outlier),
    ("events", "EVT_DUP_NEAR", Injector.events_dup_near),
    ("events", "EVT_BEFORE_PRODUCT", Injector.events_before_product),
    ("events", "EVT_RETURN_UNLINKED", Injector.events_return_unlinked),
    ("events", "EVT_RATING_RANGE", Injector.events_rating_range),
    ("events", "EVT_CURRENCY_UNKNOWN", Injector.events_currency_unknown),
    ("events", "EVT_QTY_SIGN", Injector.events_qty_sign),
    ("events", "EVT_PRICE_NONPOSITIVE", Injector.events_price_nonpositive),
    ("events", "EVT_USER_MISSING", Injector.events_user_missing),
    ("events", "EVT_ITEM_UNKNOWN", Injector.events_item_unknown),
    ("events", "EVT_ITEM_MISSING", Injector.events_item_missing),
    ("events", "EVT_DUP_EXACT", Injector.events_dup_exact),
    ("events", "EVT_ID_CONFLICT", Injector.events_id_conflict),
    ("events", "EVT_TS_FUTURE", Injector.events_ts_future),
    ("events", "EVT_TYPE_UNKNOWN", Injector.events_type_unknown),
    ("events", "REQUIRED_MISSING", Injector.events_required_missing),
    ("events", "TYPE_ERROR", Injector.events_type_error),
    ("events", "EVT_BOT_SESSION", Injector.events_bot_session),
    ("judgments", "JDG_DUP", Injector.judgments_dup),
    ("judgments", "JDG_RELEVANCE_RANGE", Injector.judgments_relevance_range),
    ("judgments", "JDG_PRODUCT_UNKNOWN", Injector.judgments_product_unknown),
    ("judgments", "REQUIRED_MISSING", Injector.judgments_required_missing),
    ("judgments", "TYPE_ERROR", Injector.judgments_type_error),
)


# --- running a dataset ----------------------------------------------------------------------


@dataclass
class DatasetReport:
    name: str
    description: str
    now: datetime
    input_rows: dict[str, dict[str, int]]  # run -> table -> rows
    classes: list[ClassScore]  # injected classes (and, for a generator's truth, any detected class)
    side_effects: list[ClassScore]  # classes not injected in a round whose detections changed there
    not_applicable: dict[str, str]
    notes: dict[str, str]
    account: list[dict[str, Any]]
    seconds: float

    @property
    def account_ok(self) -> bool:
        return all(a["ok"] for a in self.account)

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "now": self.now.isoformat(),
            "input_rows": self.input_rows,
            "classes": [c.as_dict() for c in self.classes],
            "side_effects": [c.as_dict() for c in self.side_effects],
            "not_applicable": self.not_applicable,
            "notes": self.notes,
            "account": self.account,
            "account_ok": self.account_ok,
            "seconds": round(self.seconds, 2),
        }


def _malformed(batch: Batch) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for m in batch.meta.get("malformed", []) or []:  # type: ignore[union-attr]
        counts[str(m.get("table"))] += 1
    return dict(counts)


def gate(
    batch: Batch, cfg: GateConfig, now: datetime, label: str
) -> tuple[GateResult | None, dict[str, Any]]:
    """Run the gate; an AccountError (raised by the gate itself) is a broken account, not a crash."""
    frames = batch.tables()
    try:
        result = run_gate(batch, cfg, now=now)
    except AccountError as exc:
        return None, {"run": label, "ok": False, "error": str(exc)}
    acc = check_account(result, frames, _malformed(batch))  # type: ignore[arg-type]
    return result, {"run": label, **acc}


#: Classes judged against statistics of other rows (medians, MADs, shares). They are injected
#: in a round of their own: the row-local round changes thousands of rows, which moves those
#: statistics (e.g. an item's purchase count drops below the group minimum) and would be
#: scored against these classes. What the row-local round does to them is reported as side effects.
STATISTICAL: frozenset[Key] = frozenset(
    {
        ("events", "EVT_QTY_OUTLIER"),
        ("products", "PRD_PRICE_OUTLIER"),
        ("products", "PRD_CATEGORY_INCONSISTENT"),
    }
)
ROUNDS: tuple[tuple[str, Callable[[Key], bool]], ...] = (
    ("row-local", lambda k: k not in STATISTICAL),
    ("statistical", lambda k: k in STATISTICAL),
)


def run_injection(
    name: str, description: str, batch: Batch, cfg: GateConfig, now: datetime, seed: int, per_class: int,
    base: GateResult | None = None, progress: bool = True,
    rounds: tuple[tuple[str, Callable[[Key], bool]], ...] = ROUNDS,
) -> DatasetReport:  # fmt: skip
    """Baseline gate run; per round, inject its applicable classes, gate again, score new detections."""
    t0 = time.perf_counter()
    rep = DatasetReport(name, description, now, {}, [], [], {}, {}, [], 0.0)
    if base is None:
        base, acc = gate(batch, cfg, now, "baseline")
        rep.account.append(acc)
        if base is None:
            rep.seconds = time.perf_counter() - t0
            return rep
    malformed = _malformed(batch)
    for i, (round_name, selected) in enumerate(rounds):
        inj = Injector(batch, base, cfg, now, seed + i, per_class)
        classes = [c for c in CLASSES if selected((c[0], c[1])) and c[0] in inj.raw]
        for table, code, method in tqdm(
            classes, desc=f"{name}: {round_name}", leave=False, disable=not progress
        ):
            try:
                method(inj)
            except NotApplicable as exc:
                rep.not_applicable[f"{table}/{code}"] = str(exc)
        rep.notes.update(inj.notes)
        if not inj.truth:
            continue
        out = inj.batch_out()
        after, acc = gate(out, cfg, now, f"injected, {round_name} round")
        rep.account.append(acc)
        rep.input_rows[round_name] = {t: f.height for t, f in out.tables().items()}
        if after is None:
            continue
        shift = {t: (f.height, inj.next_row[t] - f.height) for t, f in inj.raw.items() if malformed.get(t)}
        for s in score(inj.truth, detections(after), detections(base, shift), cfg):
            s.round = round_name
            (rep.classes if s.injected else rep.side_effects).append(s)
    rep.classes.sort(key=lambda c: (c.table, c.code))
    rep.seconds = time.perf_counter() - t0
    return rep


def run_ground_truth(name: str, description: str, batch: Batch, defects: pl.DataFrame, cfg: GateConfig,
                     now: datetime) -> tuple[DatasetReport, GateResult | None]:  # fmt: skip
    """Score the gate against a generator's own ground truth (clean rows are clean: no baseline).
    Any detection of a class the generator did not inject counts as a false positive here."""
    t0 = time.perf_counter()
    result, acc = gate(batch, cfg, now, "generator batch")
    rep = DatasetReport(name, description, now, {"generator": {t: f.height for t, f in batch.tables().items()}},
                        [], [], {}, {}, [acc], 0.0)  # fmt: skip
    if result is not None:
        truth: Detections = defaultdict(set)
        for table, row, code in defects.select("table", "row", "code").iter_rows():
            truth[(table, code)].add(int(row))
        rep.classes = score(dict(truth), detections(result), None, cfg)
        for c in rep.classes:
            c.round = "generator"
    rep.seconds = time.perf_counter() - t0
    return rep, result


# --- output -----------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def format_report(rep: DatasetReport) -> str:
    lines = [f"== {rep.name}: {rep.description}", f"   now = {rep.now.isoformat()}; {rep.seconds:.1f} s"]
    for run, rows in rep.input_rows.items():
        lines.append(f"   input rows [{run}]: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    head = (
        f"   {'class':<34} {'round':<11} {'action':<10} {'injected':>8} {'detected':>8} {'tp':>6} {'recall':>7} "
        f"{'precision':>9} {'clean-prec':>10} {'fp_clean':>8} {'fp_defect':>9} {'lost':>5}"
    )
    lines += [head, "   " + "-" * (len(head) - 3)]
    for c in rep.classes:
        lines.append(
            f"   {c.key:<34} {c.round:<11} {c.action:<10} {c.injected:>8,} {c.detected:>8,} {c.tp:>6,} "
            f"{_pct(c.recall):>7} {_pct(c.precision):>9} {_pct(c.clean_precision):>10} {c.fp_clean:>8,} "
            f"{c.fp_defect:>9,} {c.lost:>5,}"
        )
    for c in rep.classes:
        if c.missed_rows:
            lines.append(f"   missed {c.key}: rows {', '.join(map(str, c.missed_rows[:8]))}"
                         + (" ..." if len(c.missed_rows) > 8 else ""))  # fmt: skip
        for other, n in c.fp_defect_on.items():
            lines.append(f"   extra code {c.key} on {n:,} rows injected as {c.table}/{other}")
    for c in rep.side_effects:
        lines.append(
            f"   side effect [{c.round} round, {c.key} not injected]: {c.fp_clean:,} new on clean rows, "
            f"{c.fp_defect:,} new on injected rows, {c.lost:,} baseline detections lost"
        )
    for key, note in rep.notes.items():
        lines.append(f"   note {key}: {note}")
    for key, why in rep.not_applicable.items():
        lines.append(f"   n/a  {key}: {why}")
    for acc in rep.account:
        if "error" in acc:
            lines.append(f"   account [{acc['run']}]: BROKEN - {acc['error']}")
            continue
        parts = [
            f"{t} {a['input']:,} = {a.get('accepted', 0):,} + {a.get('quarantined', 0):,}{'' if a['ok'] else ' BROKEN'}"
            for t, a in acc["tables"].items()
        ]
        lines.append(f"   account [{acc['run']}]: {'ok' if acc['ok'] else 'BROKEN'} ({'; '.join(parts)})")
    return "\n".join(lines)


def summarise(reports: list[DatasetReport]) -> dict[str, Any]:
    injected = [(r.name, c) for r in reports for c in r.classes if c.injected]
    full = [(n, c) for n, c in injected if c.recall == 1.0]
    with_det = [(r.name, c) for r in reports for c in r.classes if c.detected]
    worst = min(with_det, key=lambda nc: nc[1].precision or 0.0, default=None)
    worst_clean = min(
        ((n, c) for n, c in with_det if c.clean_precision is not None),
        key=lambda nc: nc[1].clean_precision or 0.0,
        default=None,
    )
    side = [(r.name, c) for r in reports for c in r.side_effects]
    return {
        "classes_injected": len(injected),
        "classes_full_recall": len(full),
        "below_full_recall": [f"{n}:{c.key} {_pct(c.recall)}" for n, c in injected if c.recall != 1.0],
        "min_precision": worst[1].precision if worst else None,
        "min_precision_class": f"{worst[0]}:{worst[1].key}" if worst and worst[1].precision != 1.0 else None,
        "min_clean_precision": worst_clean[1].clean_precision if worst_clean else None,
        "min_clean_precision_class": (
            f"{worst_clean[0]}:{worst_clean[1].key}"
            if worst_clean and worst_clean[1].clean_precision != 1.0
            else None
        ),
        "fp_clean_rows": sum(c.fp_clean for r in reports for c in r.classes),
        "fp_defect_rows": sum(c.fp_defect for r in reports for c in r.classes),
        "side_effect_new_clean": sum(c.fp_clean for _, c in side),
        "side_effect_lost": sum(c.lost for _, c in side),
        "side_effects": [
            f"{n}:{c.key} ({c.round}) +{c.fp_clean} clean/+{c.fp_defect} injected/-{c.lost}" for n, c in side
        ],
        "account_ok": all(r.account_ok for r in reports),
    }


# --- main -----------------------------------------------------------------------------------


def _seed(seed: int, name: str) -> int:
    return seed * 1_000_003 + zlib.crc32(name.encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Inject each defect class at known rows into real data and the demo shop; "
        "report per-class recall and precision of the quality gate and check the row account.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("SHOPMIND_DATA", "../shared/data")),
                        help="shared data root (online-retail/, crowdflower/); a missing folder is skipped")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seed of row selection and injected values")
    parser.add_argument("--per-class", type=int, default=200, help="defects injected per class and dataset")
    parser.add_argument("--demo-seed", type=int, default=42, help="seed of the demo shop generator")
    parser.add_argument(
        "--datasets", default="online-retail,crowdflower,demo", help="comma-separated subset to run"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/quality_faults.json"))
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    wanted = {d.strip() for d in args.datasets.split(",") if d.strip()}
    progress = not args.no_progress

    from shopmind.data.adapters import get_adapter
    from shopmind.demo.generator import generate

    reports: list[DatasetReport] = []
    skipped: dict[str, str] = {}
    plan = [d for d in ("online-retail", "crowdflower", "demo") if d in wanted]
    for dataset in tqdm(plan, desc="datasets", disable=not progress):
        if dataset == "online-retail":
            folder = args.data / "online-retail"
            if not folder.is_dir():
                skipped[dataset] = f"{folder} not found"
                print(f"skipping online-retail: {folder} not found", file=sys.stderr)
                continue
            batch = get_adapter("online-retail").load(folder / "online_retail.csv.gz")
            reports.append(
                run_injection(
                    "online-retail",
                    "UCI Online Retail (invoice lines -> purchase/return events + derived products); "
                    f"now fixed at {ONLINE_RETAIL_NOW.date()} so that 'future' means after the data's last "
                    "invoice (2011-12-09), not after today",
                    batch,
                    GateConfig(),
                    ONLINE_RETAIL_NOW,
                    _seed(args.seed, dataset),
                    args.per_class,
                    progress=progress,
                )  # fmt: skip
            )
        elif dataset == "crowdflower":
            folder = args.data / "crowdflower"
            if not folder.is_dir():
                skipped[dataset] = f"{folder} not found"
                print(f"skipping crowdflower: {folder} not found", file=sys.stderr)
                continue
            batch = get_adapter("crowdflower").load(folder / "train.csv")
            reports.append(
                run_injection(
                    "crowdflower",
                    "CrowdFlower search relevance (products with HTML descriptions + judgments 1-4); no events",
                    batch,
                    GateConfig(),
                    datetime(2016, 1, 1, tzinfo=UTC),
                    _seed(args.seed, dataset),
                    args.per_class,
                    progress=progress,
                )  # fmt: skip
            )
        else:
            shop = generate(seed=args.demo_seed)
            end = datetime.fromisoformat(str(shop.batch.meta["generator"]["end"]))  # type: ignore[index]
            now = end + timedelta(days=1)
            cfg = GateConfig(traditional_to_simplified=True)
            truth_rep, result = run_ground_truth(
                "demo-shop (generator truth)",
                f"generate(seed={args.demo_seed}) scored against the generator's own defect list "
                "(traditional->simplified on; now = generator end + 1 day)",
                shop.batch, shop.defects, cfg, now,
            )  # fmt: skip
            reports.append(truth_rep)
            if result is not None:
                reports.append(
                    run_injection(
                        "demo-shop + injected",
                        "the same demo batch with the bench's injections on rows the gate found clean "
                        "(baseline = the generator's defects)",
                        shop.batch,
                        cfg,
                        now,
                        _seed(args.seed, dataset),
                        args.per_class,
                        base=result,
                        progress=progress,
                    )  # fmt: skip
                )

    for rep in reports:
        print(format_report(rep))
        print()
    summary = summarise(reports)
    print(
        f"SUMMARY: {summary['classes_full_recall']}/{summary['classes_injected']} injected classes at 100 % recall"
        + (f" (below: {', '.join(summary['below_full_recall'])})" if summary["below_full_recall"] else "")
        + f"; min precision {_pct(summary['min_precision'])}"
        + (f" ({summary['min_precision_class']})" if summary["min_precision_class"] else "")
        + f"; min clean-row precision {_pct(summary['min_clean_precision'])}"
        + (f" ({summary['min_clean_precision_class']})" if summary["min_clean_precision_class"] else "")
        + f"; false positives on clean rows {summary['fp_clean_rows']:,}, extra codes on defective rows "
        + f"{summary['fp_defect_rows']:,}; side effects on classes not injected in a round: "
        + f"{summary['side_effect_new_clean']:,} new on clean rows, {summary['side_effect_lost']:,} lost"
        + f"; account {'ok' if summary['account_ok'] else 'BROKEN'}"
    )
    payload = {
        "benchmark": "quality_faults",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": {
            "data": str(args.data),
            "seed": args.seed,
            "per_class": args.per_class,
            "demo_seed": args.demo_seed,
            "datasets": sorted(wanted),
        },  # fmt: skip
        "python": sys.version.split()[0],
        "polars": pl.__version__,
        "skipped": skipped,
        "not_row_level": NOT_ROW_LEVEL,
        "datasets": {r.name: r.as_dict() for r in reports},
        "summary": summary,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if summary["account_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
