"""Product defect classes: in place on clean rows, or as appended copies with a fresh id."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import polars as pl

from shopmind.data.model import CATEGORY_SEP, ROW
from shopmind.demo.generator import sloppy_cp1252

from .inject_base import (
    BAD_CURRENCIES,
    EXTRA_PLACEHOLDERS,
    MOJIBAKE_WORDS,
    InjectorBase,
    NotApplicable,
    html_wrap,
)


class ProductFaults(InjectorBase):
    """The ``products_*`` classes of ``CLASSES``."""

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

    def fresh_copy(self, r: dict[str, Any], **values: Any) -> int:
        """Append a copy of product row ``r`` under a fresh id (``<id>-benchNNNNNN``) with ``values``
        changed: the product it copies keeps its verdict, so its events are not touched."""
        return self.append("products", r[ROW], product_id=self.new_id(f"{r['product_id']}-bench"), **values)

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
            rows.append(self.fresh_copy(r, **values))
        return self.record(("products", code), rows)

    def products_required_missing(self) -> int:
        self.need("products", "title")
        return self.fresh_copies("REQUIRED_MISSING", lambda r: {"title": self.blank("products", "title")})

    def products_type_error(self) -> int:
        return self.type_error("products", lambda cols: self.fresh_copies("TYPE_ERROR", cols))

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
            rows.append(self.fresh_copy(r, price=price))
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
            rows.append(self.fresh_copy(r, category_path=CATEGORY_SEP.join([top, *s[1:]])))
        self.notes["products/PRD_CATEGORY_INCONSISTENT"] = (
            "second level moved under another top level, at most once per (level, wrong top), "
            "levels used >= 40 times"
        )
        return self.record(("products", "PRD_CATEGORY_INCONSISTENT"), rows)

    def products_stock_negative(self) -> int:
        self.need("products", "stock")
        return self.fresh_copies("PRD_STOCK_NEGATIVE", lambda r: {"stock": -int(self.rng.integers(1, 50))})

    def products_rating_range(self) -> int:
        self.need("products", "rating")
        return self.fresh_copies(
            "PRD_RATING_RANGE", lambda r: {"rating": self.out_of_scale(self.rating_scale)}
        )
