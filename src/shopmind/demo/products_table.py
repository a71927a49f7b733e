"""The products table: the catalogue as canonical rows, with product defects injected.

Why a module of its own: which products get which defect (a fixed budget per class, never an
anchor product, at most one price outlier per group in eight) and how each defect changes a
row (mojibake, HTML, traditional characters, duplicates arriving earlier, ...) is the products
table's ground truth, separate from how the catalogue is made.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from shopmind.data.model import ROW, SCHEMAS
from shopmind.demo import vocab as V
from shopmind.demo.catalog import _Catalog
from shopmind.demo.clock import _SECOND, _ts_series
from shopmind.demo.defects import PRODUCT_DEFECTS, _budget
from shopmind.demo.tree import _BRANDS, _LEAF_TOP, _NL, _TOP_NAMES


def sloppy_cp1252(text: str) -> str:
    """``text`` encoded as UTF-8 and read back as Windows-1252 (bytes it lacks as Latin-1): the
    mojibake real feeds carry (a strict ``decode("cp1252", errors="replace")`` would destroy the
    five bytes cp1252 lacks beyond repair)."""
    out = []
    for b in text.encode("utf-8"):
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


def _to_traditional(text: str) -> str:
    return "".join(V.S2T.get(ch, ch) for ch in text)


def _pick_product_defects(rng: np.random.Generator, cat: _Catalog, rate: float) -> dict[str, np.ndarray]:
    k = _budget(rate, cat.n, len(PRODUCT_DEFECTS))
    free = ~cat.anchor.copy()
    out: dict[str, np.ndarray] = {}
    nonascii = np.array([not t.isascii() for t in cat.title])
    t2s_ok = np.array(
        [lang == 1 and _to_traditional(t) != t for t, lang in zip(cat.title, cat.lang, strict=True)]
    )
    html_ok = np.array([(" and " in d) or ("、" in d) for d in cat.description])
    group = cat.leaf * 2 + cat.lang
    group_size = np.bincount(group, minlength=2 * _NL)
    for code in PRODUCT_DEFECTS:
        ok = free.copy()
        if code == "TEXT_MOJIBAKE":
            ok &= nonascii
        elif code == "TEXT_T2S":
            ok &= t2s_ok
        elif code == "TEXT_HTML":
            ok &= html_ok
        elif code == "PRD_PRICE_OUTLIER":
            ok &= group_size[group] >= 8
        cand = np.flatnonzero(ok)
        chosen = np.sort(rng.choice(cand, min(k, len(cand)), replace=False)) if k else cand[:0]
        if code == "PRD_PRICE_OUTLIER" and len(chosen):
            # at most one outlier per (leaf, currency) group in ten, so medians stay clean
            keep, used = [], np.zeros(2 * _NL, dtype=np.int64)
            for i in chosen:
                if used[group[i]] < group_size[group[i]] // 8:
                    keep.append(i)
                    used[group[i]] += 1
            chosen = np.array(keep, dtype=np.int64)
        free[chosen] = False
        out[code] = chosen
    return out


def _products_frame(rng: np.random.Generator, cat: _Catalog, picks: dict[str, np.ndarray]) -> tuple[pl.DataFrame, list[tuple[int, str]]]:  # fmt: skip
    width = max(5, len(str(cat.n)))
    pid = [f"P{i + 1:0{width}d}" for i in range(cat.n)]
    title = list(cat.title)
    description = list(cat.description)
    category = [cat.category_path(i) for i in range(cat.n)]
    price = cat.price.astype(np.float64).copy()
    currency = cat.currency.astype(object)
    stock = cat.stock.copy()
    rating = cat.rating.copy()
    code_of: dict[int, str] = {}
    group = cat.leaf * 2 + cat.lang
    for code, rows in picks.items():
        for i in rows.tolist():
            code_of[i] = code
            if code == "TEXT_MOJIBAKE":
                title[i] = sloppy_cp1252(title[i])
            elif code == "TEXT_HTML":
                parts = re.split(r"(?<=[.。]) ?", description[i])
                html = "".join(f"<p>{p}</p>" for p in parts if p) + "<br>"
                description[i] = html.replace(" and ", " &amp; ").replace("、", " &amp; ")
            elif code == "TEXT_T2S":
                title[i] = _to_traditional(title[i])
            elif code == "PRD_TITLE_PLACEHOLDER":
                title[i] = str(rng.choice(V.PLACEHOLDER_TITLES))
            elif code == "PRD_PRICE_NONPOSITIVE":
                price[i] = 0.0 if rng.random() < 0.5 else -price[i]
            elif code == "PRD_PRICE_OUTLIER":
                med = float(np.median(cat.price[group == group[i]]))
                price[i] = round(med * float(rng.uniform(50.0, 200.0)), 2)
            elif code == "PRD_CURRENCY_UNKNOWN":
                currency[i] = str(rng.choice(V.BAD_CURRENCIES))
            elif code == "PRD_CATEGORY_INCONSISTENT":
                true_top = int(_LEAF_TOP[cat.leaf[i]])
                wrong = int(rng.choice([t for t in range(len(_TOP_NAMES)) if t != true_top]))
                category[i] = cat.category_path(i, top=wrong)
            elif code == "PRD_STOCK_NEGATIVE":
                stock[i] = -int(rng.integers(1, 50))
            elif code == "PRD_RATING_RANGE":
                rating[i] = float(rng.choice([7.0, -1.0, 0.0, 10.0, 6.5]))
    # arrival order: catalogue export by product id; an older copy of a duplicated product
    # arrives earlier (from a previous export) with an older updated_at.
    base_idx = list(range(cat.n))
    key = [float(i) for i in base_idx]
    is_copy = [False] * cat.n
    updated = cat.updated.copy().tolist()
    stock_l = stock.tolist()
    for i in picks.get("PRD_DUP_ID", np.array([], dtype=np.int64)).tolist():
        base_idx.append(i)
        key.append(float(rng.uniform(0.0, i)) - 0.5)
        is_copy.append(True)
        span = int(cat.updated[i] - cat.created[i])
        updated.append(int(cat.created[i] + int(span * rng.uniform(0.1, 0.9)) // _SECOND * _SECOND))
        stock_l.append(int(stock[i]) + int(rng.integers(1, 30)))
    order = np.argsort(np.array(key), kind="stable")
    rows = [base_idx[j] for j in order]
    defects: list[tuple[int, str]] = []
    for r, j in enumerate(order.tolist()):
        if is_copy[j]:
            defects.append((r, "PRD_DUP_ID"))
        elif base_idx[j] in code_of and code_of[base_idx[j]] != "PRD_DUP_ID":
            defects.append((r, code_of[base_idx[j]]))
    frame = pl.DataFrame(
        {
            ROW: pl.Series(np.arange(len(rows)), dtype=pl.Int64),
            "product_id": [pid[i] for i in rows],
            "title": [title[i] for i in rows],
            "description": [description[i] for i in rows],
            "category_path": [category[i] for i in rows],
            "brand": [_BRANDS[cat.brand[i]][2 if cat.lang[i] == 1 else 1] for i in rows],
            "price": pl.Series([float(price[i]) for i in rows], dtype=pl.Float64),
            "currency": [str(currency[i]) for i in rows],
            "attributes": pl.Series(
                [cat.attributes[i] for i in rows], dtype=SCHEMAS["products"].columns["attributes"]
            ),
            "stock": pl.Series([stock_l[j] for j in order.tolist()], dtype=pl.Int64),
            "rating": pl.Series([float(rating[i]) for i in rows], dtype=pl.Float64),
            "created_at": _ts_series([int(cat.created[i]) for i in rows]),
            "updated_at": _ts_series([updated[j] for j in order.tolist()]),
            "image_url": [f"https://img.demo-shop.example/p/{pid[i]}.jpg" for i in rows],
            "language": ["zh" if cat.lang[i] == 1 else "en" for i in rows],
        }
    )
    return frame, defects
