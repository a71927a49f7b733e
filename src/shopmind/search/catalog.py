"""A columnar product table for filtering, sorting and faceting search results.

Why a separate table: the lexical and dense indexes answer "which products match, how well";
filters, sort keys and facet counts need *values* (price, brand, category, attributes) for
every product of a result set that may hold tens of thousands of rows. Keeping those values
as numpy columns indexed by a dense row number makes a filter one boolean mask and a facet
one ``bincount``, instead of a Python loop over hits.

Layout: row ``r`` is one version of one product. ``upsert`` appends rows (and tombstones the
previous version of a changed product: ``live[r] = False``); ``compact`` drops dead rows.
Strings with few distinct values are dictionary-encoded:

- ``brand_code[r]``: index into ``brands`` (values folded by ``normalize``, so "ACME" and
  "acme" are one brand; the first spelling seen is shown), -1 when missing;
- ``cat_codes[level][r]``: index into ``cat_values[level]``, the *prefix path* down to that
  level ("Men", "Men > Outerwear", ...), -1 when the product's path is shallower;
- attributes as coordinate lists ``attr_row`` / ``attr_pair`` (a product may carry several
  values of one key), with ``pair_key[pair]`` and ``pairs[pair] = (key, value)``.

Currencies: ``currency_code[r]`` indexes ``currencies`` (upper-cased codes), -1 when missing;
a price is only compared with prices of its own currency unless exchange rates are given
(``price_in``).

Numbers: ``price`` (NaN = missing), ``stock`` (NaN = unknown), ``created`` (microseconds
since the epoch, ``NO_TIME`` when missing) and ``popularity`` (event weight, 0 when none).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.data.model import ATTRIBUTES, CATEGORY_SEP, SHOP_ONLY_ATTRIBUTES, UTC_DATETIME
from shopmind.search.money import round_money, row_factors
from shopmind.search.query import Filters
from shopmind.text.analysis import normalize

#: Columns the catalog keeps per product (the rest of a product row is not needed to answer).
COLUMNS: dict[str, pl.DataType] = {
    "product_id": pl.Utf8,
    "title": pl.Utf8,
    "description": pl.Utf8,
    "brand": pl.Utf8,
    "category_path": pl.Utf8,
    "price": pl.Float64,
    "currency": pl.Utf8,
    "stock": pl.Int64,
    "created_at": UTC_DATETIME,
    "language": pl.Utf8,
    "attributes": ATTRIBUTES,
}
#: Columns a search hit shows.
DISPLAY: tuple[str, ...] = (
    "product_id", "title", "description", "brand", "category_path", "price", "currency", "stock", "language",
)  # fmt: skip
NO_TIME = np.iinfo(np.int64).min
#: Weight of an event type in a product's popularity (a purchase says more than a view;
#: returns and cart removals say nothing positive). Types not listed count 0.
EVENT_WEIGHTS: dict[str, float] = {
    "view": 1.0,
    "click": 1.0,
    "rate": 1.0,
    "wishlist": 2.0,
    "add_to_cart": 2.0,
    "purchase": 4.0,
}


def fold(value: object) -> str:
    """The key a value is matched and grouped by: NFKC, lowercase, collapsed whitespace."""
    return normalize(str(value)) if value is not None else ""


def split_path(path: object) -> list[str]:
    """Category levels of a path ("A > B" / "A>B" -> ["A", "B"]), empty levels dropped."""
    if path is None:
        return []
    return [p.strip() for p in str(path).split(CATEGORY_SEP.strip()) if p.strip()]


def canonical_frame(products: pl.DataFrame) -> pl.DataFrame:
    """``products`` reduced to ``COLUMNS`` (missing columns as nulls, ids as strings, one row
    per id: the last one wins, as in ``LexicalIndex.upsert``)."""
    cols = []
    for name, dtype in COLUMNS.items():
        if name in products.columns:
            col = pl.col(name)
            if name == "attributes" and products.schema[name] != ATTRIBUTES:
                cols.append(pl.lit(None, dtype=ATTRIBUTES).alias(name))
                continue
            cols.append(col.cast(dtype, strict=False) if products.schema[name] != dtype else col)
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    frame = products.select(cols).filter(pl.col("product_id").is_not_null() & (pl.col("product_id") != ""))
    # the shop's own terms (its cost, a competitor's price: SHOP_ONLY_ATTRIBUTES) are not indexed: a
    # facet ``attr.cost`` or a filter ``cost:12.50`` answered every shopper with the shop's costs
    own = pl.element().struct.field("key").str.strip_chars().str.to_lowercase().is_in(SHOP_ONLY_ATTRIBUTES)
    frame = frame.with_columns(pl.col("attributes").list.eval(pl.element().filter(~own)))
    return frame.unique("product_id", keep="last", maintain_order=True)


class _Dict:
    """Folded key -> code, with the first spelling seen kept for display."""

    def __init__(self) -> None:
        self.code: dict[str, int] = {}
        self.display: list[str] = []
        self._raw: dict[str, int] = {}  # spelling -> code: fold (NFKC) once per distinct spelling

    def get(self, value: str) -> int:
        c = self._raw.get(value)
        if c is not None:
            return c
        c = self._raw[value] = self._code(value)
        return c

    def _code(self, value: str) -> int:
        key = fold(value)
        c = self.code.get(key)
        if c is None:
            c = self.code[key] = len(self.display)
            self.display.append(value)
        return c

    def __len__(self) -> int:
        return len(self.display)


class Catalog:
    """Columnar product values with tombstones; see the module docstring for the layout."""

    def __init__(self) -> None:
        self.frame = pl.DataFrame(schema=COLUMNS)
        self.ids: list[str] = []
        self.pos: dict[str, int] = {}
        self.live = np.zeros(0, dtype=bool)
        self.price = np.zeros(0)
        self.stock = np.zeros(0)
        self.created = np.zeros(0, dtype=np.int64)
        self.popularity = np.zeros(0)
        self._brands = _Dict()
        self.brand_code = np.zeros(0, dtype=np.int32)
        self._curs = _Dict()
        self.currency_code = np.zeros(0, dtype=np.int32)
        self._cats: list[_Dict] = []
        self.cat_codes: list[np.ndarray] = []
        self._keys = _Dict()
        self._pairs: dict[tuple[int, str], int] = {}
        self.pairs: list[tuple[str, str]] = []
        self.pair_key = np.zeros(0, dtype=np.int32)
        self.attr_row = np.zeros(0, dtype=np.int32)
        self.attr_pair = np.zeros(0, dtype=np.int32)
        #: product_id -> popularity, remembered so an upserted product keeps its history
        self._pop_by_id: dict[str, float] = {}
        self.generation = 0  # bumped when rows are renumbered (compaction)
        self._display: dict[str, list[object]] = {}
        self._display_rows = 0
        #: attribute key -> ((attribute entries, generation) it was built at, row -> first value)
        self._first: dict[str, tuple[tuple[int, int], dict[int, str]]] = {}

    # ------------------------------------------------------------------ properties
    def __len__(self) -> int:
        return len(self.pos)

    @property
    def n_rows(self) -> int:
        return len(self.ids)

    @property
    def brands(self) -> list[str]:
        return self._brands.display

    @property
    def currencies(self) -> list[str]:
        return self._curs.display

    def currency_of(self, code: str | None) -> int:
        """The code of currency ``code`` in ``currencies``, -1 when no product uses it."""
        return self._curs.code.get(fold(code), -1) if code else -1

    def price_in(self, currency: str | None, rates: dict[str, float] | None = None) -> np.ndarray:
        """Per row, the price as a number comparable in ``currency``: converted with ``rates``
        when given, else the row's own price when it is in ``currency`` and NaN otherwise
        (NaN compares False: such a row passes no price bound). ``None``: the raw prices."""
        if not currency:
            return self.price
        if rates:
            return self.price * row_factors(self.currency_code, self.currencies, rates, currency.upper())
        code = self.currency_of(currency)
        return (
            np.where(self.currency_code == code, self.price, np.nan)
            if code >= 0
            else np.full_like(self.price, np.nan)
        )

    @property
    def keys(self) -> list[str]:
        return self._keys.display

    def cat_values(self, level: int) -> list[str]:
        return self._cats[level].display

    @property
    def depth(self) -> int:
        return len(self.cat_codes)

    def knows_category(self, path: str) -> bool:
        """Whether a product of the catalog ever had this category path (or one below it), as
        the category filter matches it (levels, folded)."""
        parts = split_path(path)
        return (
            0 < len(parts) <= self.depth and fold(CATEGORY_SEP.join(parts)) in self._cats[len(parts) - 1].code
        )

    def knows_brand(self, brand: str) -> bool:
        """Whether a product of the catalog ever had this brand (folded, as the filter matches)."""
        return fold(brand) in self._brands.code

    def knows_key(self, key: str) -> bool:
        """Whether a product of the catalog ever had this attribute key (folded)."""
        return fold(key) in self._keys.code

    def rows_of(self, ids: Iterable[object]) -> np.ndarray:
        """Live rows of the given product ids (unknown ids skipped)."""
        out = [self.pos[str(i)] for i in ids if str(i) in self.pos]
        return np.asarray(out, dtype=np.int64)

    # ------------------------------------------------------------------ building
    def upsert(self, products: pl.DataFrame) -> np.ndarray:
        """Append the products as new rows (older versions tombstoned); returns the new rows."""
        frame = canonical_frame(products)
        if frame.height == 0:
            return np.zeros(0, dtype=np.int64)
        start = self.n_rows
        new_ids = frame["product_id"].to_list()
        for pid in new_ids:
            old = self.pos.get(pid)
            if old is not None:
                self.live[old] = False
        n = frame.height
        rows = np.arange(start, start + n, dtype=np.int64)
        self.frame = pl.concat([self.frame, frame], how="vertical_relaxed")
        self.ids.extend(new_ids)
        for i, pid in enumerate(new_ids):
            self.pos[pid] = start + i
        self.live = np.concatenate([self.live, np.ones(n, dtype=bool)])
        self.price = np.concatenate(
            [self.price, frame["price"].fill_null(np.nan).to_numpy().astype(np.float64)]
        )
        self.stock = np.concatenate(
            [self.stock, frame["stock"].cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)]
        )
        created = frame["created_at"].dt.epoch("us").fill_null(NO_TIME).to_numpy().astype(np.int64)
        self.created = np.concatenate([self.created, created])
        pop = np.asarray([self._pop_by_id.get(pid, 0.0) for pid in new_ids], dtype=np.float64)
        self.popularity = np.concatenate([self.popularity, pop])
        self._encode_strings(frame, start)
        return rows

    def _encode_strings(self, frame: pl.DataFrame, start: int) -> None:
        n = frame.height
        brand = np.full(n, -1, dtype=np.int32)
        for i, b in enumerate(frame["brand"].to_list()):
            if b is not None and b.strip():
                brand[i] = self._brands.get(b.strip())
        self.brand_code = np.concatenate([self.brand_code, brand])
        cur = np.full(n, -1, dtype=np.int32)
        for i, c in enumerate(frame["currency"].to_list()):
            if c is not None and c.strip():
                cur[i] = self._curs.get(c.strip().upper())
        self.currency_code = np.concatenate([self.currency_code, cur])
        # category prefix paths per level
        paths = [split_path(p) for p in frame["category_path"].to_list()]
        depth = max((len(p) for p in paths), default=0)
        while len(self.cat_codes) < depth:
            self._cats.append(_Dict())
            self.cat_codes.append(np.full(start, -1, dtype=np.int32))
        new = [np.full(n, -1, dtype=np.int32) for _ in self.cat_codes]
        for i, parts in enumerate(paths):
            for lv in range(len(parts)):
                new[lv][i] = self._cats[lv].get(CATEGORY_SEP.join(parts[: lv + 1]))
        self.cat_codes = [np.concatenate([c, m]) for c, m in zip(self.cat_codes, new, strict=True)]
        # attributes (coordinate lists)
        rows: list[int] = []
        codes: list[int] = []
        pair_key = self.pair_key.tolist()
        folded: dict[str, str] = {}  # attribute values repeat across products: fold each once
        for i, attrs in enumerate(frame["attributes"].to_list()):
            for a in attrs or ():
                k, v = a.get("key"), a.get("value")
                if k is None or v is None or not str(k).strip() or not str(v).strip():
                    continue
                kc = self._keys.get(str(k).strip())
                fv = folded.get(v)
                if fv is None:
                    fv = folded[v] = fold(v)
                pk = (kc, fv)
                pc = self._pairs.get(pk)
                if pc is None:
                    pc = self._pairs[pk] = len(self.pairs)
                    self.pairs.append((self._keys.display[kc], str(v).strip()))
                    pair_key.append(kc)
                rows.append(start + i)
                codes.append(pc)
        self.pair_key = np.asarray(pair_key, dtype=np.int32)
        self.attr_row = np.concatenate([self.attr_row, np.asarray(rows, dtype=np.int32)])
        self.attr_pair = np.concatenate([self.attr_pair, np.asarray(codes, dtype=np.int32)])

    def delete(self, product_ids: Iterable[object]) -> int:
        """Tombstone products; unknown ids are ignored. Returns how many were deleted."""
        n = 0
        for pid in product_ids:
            r = self.pos.pop(str(pid), None)
            if r is not None:
                self.live[r] = False
                n += 1
        return n

    def set_popularity(self, events: pl.DataFrame | None) -> None:
        """Popularity of each product from ``events``: the sum of ``EVENT_WEIGHTS`` of its
        events (``item_id``); products without events get 0."""
        self._pop_by_id = {}
        if events is not None and events.height and {"item_id", "type"} <= set(events.columns):
            weights = pl.DataFrame({"type": list(EVENT_WEIGHTS), "w": list(EVENT_WEIGHTS.values())})
            agg = (
                events.select(pl.col("item_id").cast(pl.Utf8), pl.col("type").cast(pl.Utf8))
                .drop_nulls()
                .join(weights, on="type", how="inner")
                .group_by("item_id")
                .agg(pl.col("w").sum())
            )
            self._pop_by_id = dict(zip(agg["item_id"].to_list(), agg["w"].to_list(), strict=True))
        self.popularity = np.asarray([self._pop_by_id.get(p, 0.0) for p in self.ids], dtype=np.float64)

    def compact(self) -> np.ndarray:
        """Drop dead rows; returns ``old_to_new`` (-1 for dropped rows). Dictionaries are
        rebuilt from the live rows, so values no live product has disappear."""
        keep = np.flatnonzero(self.live)
        old_to_new = np.full(self.n_rows, -1, dtype=np.int64)
        old_to_new[keep] = np.arange(len(keep))
        frame = self.frame[keep.tolist()] if len(keep) else self.frame.clear()
        pop = dict(self._pop_by_id)
        self.__init__()  # type: ignore[misc]
        self._pop_by_id = pop
        self.upsert(frame)
        self.generation += 1
        return old_to_new

    # ------------------------------------------------------------------ filtering
    def mask(self, filters: Filters | None, rates: dict[str, float] | None = None) -> np.ndarray:
        """Live rows passing every constraint of ``filters`` (see ``Filters``); price bounds
        are read in ``filters.currency`` (see ``price_in``)."""
        m = self.live.copy()
        if filters is None or filters.is_empty():
            return m
        if filters.categories:
            m &= self._category_mask(filters.categories)
        if filters.brands:
            codes = [
                self._brands.code[k] for k in (fold(b) for b in filters.brands) if k in self._brands.code
            ]
            m &= np.isin(self.brand_code, np.asarray(codes, dtype=np.int32))
        if filters.price_min is not None or filters.price_max is not None:
            price = self.price_in(filters.currency, rates)
            if filters.price_min is not None:
                m &= price >= filters.price_min  # NaN compares False: unknown price is excluded
            if filters.price_max is not None:
                m &= price <= filters.price_max
        for key, values in filters.attributes:
            m &= self._attribute_mask(key, values)
        for group in filters.attribute_any:
            any_m = np.zeros(self.n_rows, dtype=bool)
            for key, values in group:
                any_m |= self._attribute_mask(key, values)
            m &= any_m
        if filters.in_stock:
            m &= ~(self.stock <= 0)  # unknown stock (NaN) is not known to be out of stock: kept
        return m

    def _category_mask(self, categories: Sequence[str]) -> np.ndarray:
        m = np.zeros(self.n_rows, dtype=bool)
        for c in categories:
            parts = split_path(c)
            if not parts or len(parts) > self.depth:
                continue
            lv = len(parts) - 1
            code = self._cats[lv].code.get(fold(CATEGORY_SEP.join(parts)))
            if code is not None:
                m |= self.cat_codes[lv] == code
        return m

    def _attribute_mask(self, key: str, values: Sequence[str]) -> np.ndarray:
        m = np.zeros(self.n_rows, dtype=bool)
        kc = self._keys.code.get(fold(key))
        if kc is None:
            return m
        codes = [self._pairs[(kc, fold(v))] for v in values if (kc, fold(v)) in self._pairs]
        if codes:
            m[self.attr_row[np.isin(self.attr_pair, np.asarray(codes, dtype=np.int32))]] = True
        return m

    # ------------------------------------------------------------------ rows for display
    def records(self, rows: Sequence[int]) -> list[dict[str, object]]:
        """The displayed columns (``DISPLAY``) of ``rows`` as dicts, in order. Served from
        per-column Python lists: gathering rows of a polars frame costs milliseconds per
        call on a large catalog, a list index costs nothing."""
        if not len(rows):
            return []
        if self._display_rows != self.n_rows:
            done = self._display_rows
            part = self.frame.slice(done).select(DISPLAY)
            for c in DISPLAY:
                self._display.setdefault(c, []).extend(part[c].to_list())
            self._display_rows = self.n_rows
        cols = [(c, self._display[c]) for c in DISPLAY]
        out = [{c: vals[int(r)] for c, vals in cols} for r in rows]
        for rec in out:  # money as the currency writes it (0.82, not 0.8200000000000001)
            if rec["price"] is not None:
                rec["price"] = round_money(rec["price"], rec["currency"])
        return out

    def attribute_first(self, key: str, rows: Sequence[int]) -> list[str | None]:
        """Each row's value of attribute ``key`` (the first it lists; None without one), for what a hit
        shows beside its columns (the crossed-out ``compare_at_price``). One row -> value map per key,
        built on first use and again when attributes were added or rows renumbered."""
        kc = self._keys.code.get(fold(key))
        if kc is None or not len(rows):
            return [None] * len(rows)
        # each array read once, cut to their common length: a live upsert appends to attr_row, then to
        # attr_pair (after pair_key), so a search in between sees one longer than the other
        a_rows, a_pairs = self.attr_row, self.attr_pair
        n = min(len(a_rows), len(a_pairs))
        stamp = (n, self.generation)
        cached = self._first.get(key)
        if cached is None or cached[0] != stamp:
            a_rows, a_pairs, pairs = a_rows[:n], a_pairs[:n], self.pairs
            mask = self.pair_key[a_pairs] == kc
            by_row: dict[int, str] = {}
            for r, pc in zip(a_rows[mask].tolist(), a_pairs[mask].tolist(), strict=True):
                by_row.setdefault(r, pairs[pc][1])
            cached = self._first[key] = (stamp, by_row)
        return [cached[1].get(int(r)) for r in rows]

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path | str) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.frame.write_parquet(folder / "catalog.parquet")
        np.save(folder / "live.npy", self.live)
        (folder / "popularity.json").write_text(json.dumps(self._pop_by_id), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path | str) -> Catalog:
        folder = Path(folder)
        cat = cls()
        cat._pop_by_id = json.loads((folder / "popularity.json").read_text(encoding="utf-8"))
        frame = pl.read_parquet(folder / "catalog.parquet")
        live = np.load(folder / "live.npy")
        # rows are re-appended one version at a time so that dead versions stay dead
        cat._append_all(frame, live)
        return cat

    def _append_all(self, frame: pl.DataFrame, live: np.ndarray) -> None:
        """Rebuild from a saved frame whose rows may repeat an id (older versions dead)."""
        self.frame = frame
        self.ids = frame["product_id"].to_list()
        self.live = live.astype(bool).copy()
        self.pos = {pid: r for r, pid in enumerate(self.ids) if self.live[r]}
        self.price = frame["price"].fill_null(np.nan).to_numpy().astype(np.float64)
        self.stock = frame["stock"].cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)
        self.created = frame["created_at"].dt.epoch("us").fill_null(NO_TIME).to_numpy().astype(np.int64)
        self.popularity = np.asarray([self._pop_by_id.get(p, 0.0) for p in self.ids], dtype=np.float64)
        self._encode_strings(frame, 0)
