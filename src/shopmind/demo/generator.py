"""A seeded generator of a bilingual (Chinese + English) demo shop with known defects.

``generate`` builds the three canonical tables of :mod:`shopmind.data.model` for an invented
shop: a catalogue over a three-level category tree, the click stream of simulated shoppers
with latent tastes (categories, colours, price level), and graded relevance judgments for
about 150 search queries computed from the generator's ground truth. Into these clean tables it
injects defects of the quality gate's classes (:mod:`shopmind.quality.codes`) and returns the
list of defective rows as ground truth, so that the gate's precision and recall can be measured.

Guarantees (tested in ``tests/test_demo.py``):

- the same arguments give byte-identical frames;
- every defective row carries exactly one defect and is listed once in ``DemoShop.defects``;
- clean rows pass every check of the gate's classes (no future timestamps, positive prices,
  ISO currencies, no duplicates or near-duplicates, no bot-like sessions, quantities 1-3,
  every return linked to an earlier purchase of the same user and item, ...);
- products whose row is quarantined or flagged for a value defect (price, currency, stock,
  rating, title, category) get no events and no judgments, so a gate that drops them does not
  turn clean events into unknown-item events.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.data.model import CATEGORY_SEP, ROW, SCHEMAS, Batch
from shopmind.demo import vocab as V

SOURCE = "demo-shop"

_US = 1_000_000
_SECOND = _US
_HOUR = 3600 * _US
_DAY = 86_400 * _US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

PRODUCT_DEFECTS: tuple[str, ...] = (
    "TEXT_MOJIBAKE",
    "TEXT_HTML",
    "TEXT_T2S",
    "PRD_DUP_ID",
    "PRD_TITLE_PLACEHOLDER",
    "PRD_PRICE_NONPOSITIVE",
    "PRD_PRICE_OUTLIER",
    "PRD_CURRENCY_UNKNOWN",
    "PRD_CATEGORY_INCONSISTENT",
    "PRD_STOCK_NEGATIVE",
    "PRD_RATING_RANGE",
)
EVENT_DEFECTS: tuple[str, ...] = (
    "EVT_TYPE_UNKNOWN",
    "EVT_DUP_EXACT",
    "EVT_DUP_NEAR",
    "EVT_TS_FUTURE",
    "EVT_QTY_SIGN",
    "EVT_QTY_OUTLIER",
    "EVT_PRICE_NONPOSITIVE",
    "EVT_PRICE_UNIT",
    "EVT_ITEM_UNKNOWN",
    "EVT_USER_MISSING",
    "EVT_BOT_SESSION",
    "EVT_RETURN_UNLINKED",
    "EVT_BEFORE_PRODUCT",
)
JUDGMENT_DEFECTS: tuple[str, ...] = ("JDG_RELEVANCE_RANGE", "JDG_DUP")
#: Product defects that change a value the gate quarantines or flags: such products get no
#: events and no judgments (the text defects are repaired, so their products stay in use).
_VALUE_DEFECTS = frozenset(PRODUCT_DEFECTS) - {"TEXT_MOJIBAKE", "TEXT_HTML", "TEXT_T2S", "PRD_DUP_ID"}

#: Relative session starts per local hour (night is quiet, evening is busy).
# fmt: off
_HOUR_WEIGHTS = np.array([1.0, 0.6, 0.35, 0.25, 0.2, 0.3, 0.6, 1.0, 1.5, 2.0, 2.2, 2.3,
                          2.5, 2.3, 2.2, 2.2, 2.3, 2.5, 2.8, 3.2, 3.5, 3.2, 2.5, 1.6])
# fmt: on
_HOUR_WEIGHTS = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()


@dataclass
class DemoShop:
    """The generated shop: a batch for the gate plus the ground truth behind it."""

    batch: Batch
    #: Defective rows: ``table`` (products|events|judgments), ``row`` (the row's ``_row``), ``code``.
    defects: pl.DataFrame
    #: Latent tastes of the simulated shoppers (for evaluating recommendations).
    users: pl.DataFrame = field(default_factory=pl.DataFrame)


# --- the category tree as index tables ---------------------------------------------------

_TOP_NAMES = list(V.TOPS)
_MID_NAMES = list(V.MIDS)
_LEAF_NAMES = [leaf.name for leaf in V.LEAVES]
_COLOUR_KEYS = list(V.COLOURS)
_MATERIAL_KEYS = list(V.MATERIALS)
_KIND_KEYS = list(V.SIZE_KINDS)
_NL = len(V.LEAVES)
_LEAF_MID = np.array([_MID_NAMES.index(leaf.mid) for leaf in V.LEAVES])
_LEAF_TOP = np.array([_TOP_NAMES.index(V.MIDS[leaf.mid][0]) for leaf in V.LEAVES])
_LEAF_KIND = np.array([_KIND_KEYS.index(leaf.size) if leaf.size else -1 for leaf in V.LEAVES])
_LEAF_MEDIAN = np.array([leaf.price_usd for leaf in V.LEAVES])
_LEAF_COLOURS = [np.array([_COLOUR_KEYS.index(c) for c in leaf.colours]) for leaf in V.LEAVES]
_LEAF_MATERIALS = [
    np.array([_MATERIAL_KEYS.index(m) for m in leaf.materials], dtype=np.int64) for leaf in V.LEAVES
]
_LEAF_COLOUR_SETS = [frozenset(int(c) for c in cols) for cols in _LEAF_COLOURS]
_COLOUR_WEIGHT = np.array([w for (_, _, w) in V.COLOURS.values()])
_TOP_WEIGHT = np.array([w for (_, w) in V.TOPS.values()])
_LEAF_WEIGHT = np.array([leaf.weight for leaf in V.LEAVES]) * _TOP_WEIGHT[_LEAF_TOP]
_LEAF_WEIGHT = _LEAF_WEIGHT / _LEAF_WEIGHT.sum()
# brands flattened: index -> (top, en, zh)
_BRANDS = [(t, en, zh) for t, top in enumerate(_TOP_NAMES) for (en, zh) in V.BRANDS[top]]
_BRAND_TOP = np.array([b[0] for b in _BRANDS])
_TOP_BRANDS = [np.flatnonzero(t == _BRAND_TOP) for t in range(len(_TOP_NAMES))]
_COMPLEMENTS = [tuple(_LEAF_NAMES.index(c) for c in V.COMPLEMENTS.get(leaf.name, ())) for leaf in V.LEAVES]
# size value -> index in each kind (-1 where the kind lacks it)
_SIZE_VALUES = sorted({v for kind in V.SIZE_KINDS.values() for v in kind.values})
_SIZE_INDEX = {
    v: np.array([kind.values.index(v) if v in kind.values else -1 for kind in V.SIZE_KINDS.values()])
    for v in _SIZE_VALUES
}


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@dataclass(frozen=True)
class _Concept:
    term_en: str
    term_zh: str
    leaves: tuple[int, ...]
    siblings: tuple[int, ...]
    complements: tuple[int, ...]
    material_in_term: bool


def _concepts() -> tuple[list[_Concept], list[int], list[int]]:
    """Query concepts: one per leaf, then the multi-leaf groups. Also leaf -> concept maps."""
    out: list[_Concept] = []
    materials = [m[0].lower() for m in V.MATERIALS.values()]
    for i, leaf in enumerate(V.LEAVES):
        sib = tuple(int(j) for j in np.flatnonzero(_LEAF_MID[i] == _LEAF_MID) if j != i)
        comp = tuple(c for c in _COMPLEMENTS[i] if c != i)
        mat = any(m in leaf.query_en for m in materials)
        out.append(_Concept(leaf.query_en, leaf.query_zh, (i,), sib, comp, mat))
    group_of = [-1] * _NL
    for en, zh, names in V.GROUPS:
        leaves = tuple(_LEAF_NAMES.index(n) for n in names)
        comp = tuple(sorted({c for lf in leaves for c in _COMPLEMENTS[lf]} - set(leaves)))
        for lf in leaves:
            group_of[lf] = len(out)
        out.append(_Concept(en, zh, leaves, (), comp, False))
    return out, list(range(_NL)), group_of


_CONCEPTS, _LEAF_CONCEPT, _LEAF_GROUP = _concepts()


def _base_grades(c: _Concept) -> np.ndarray:
    base = np.zeros(_NL, dtype=np.int64)
    base[list(c.complements)] = 1
    base[list(c.siblings)] = 2
    base[list(c.leaves)] = 3
    return base


#: concept -> grade of each leaf before attributes are compared
_BASE_GRADE = [_base_grades(c) for c in _CONCEPTS]


@dataclass(frozen=True)
class _Spec:
    """What a shopper is looking for (ground truth of a query)."""

    concept: int
    colour: int = -1
    material: int = -1
    brand: int = -1
    size: str = ""
    cap_usd: int = 0


def _render(spec: _Spec, lang: str) -> str:
    c = _CONCEPTS[spec.concept]
    if lang == "en":
        parts = []
        if spec.brand >= 0:
            parts.append(_BRANDS[spec.brand][1])
        if spec.colour >= 0:
            parts.append(V.COLOURS[_COLOUR_KEYS[spec.colour]][0].lower())
        if spec.material >= 0:
            parts.append(V.MATERIALS[_MATERIAL_KEYS[spec.material]][0].lower())
        parts.append(c.term_en)
        if spec.size:
            parts.append(f"size {spec.size}" if _is_body_size(spec.size) else spec.size)
        if spec.cap_usd:
            parts.append(f"under {spec.cap_usd}")
        return " ".join(parts)
    text = ""
    if spec.brand >= 0:
        brand = _BRANDS[spec.brand][2]
        text += brand if _has_cjk(brand) else brand + " "
    if spec.colour >= 0:
        text += V.COLOURS[_COLOUR_KEYS[spec.colour]][1]
    if spec.material >= 0:
        text += V.MATERIALS[_MATERIAL_KEYS[spec.material]][1]
    text += c.term_zh
    if spec.size:
        text += " " + (f"{spec.size}码" if _is_body_size(spec.size) else _size_zh(spec.size))
    if spec.cap_usd:
        text += f" {int(spec.cap_usd * V.CNY_PER_USD)}元以内"
    return text


def _is_body_size(value: str) -> bool:
    return value.isdigit() or value in ("XS", "S", "M", "L", "XL", "XXL")


def _size_zh(value: str) -> str:
    for kind in V.SIZE_KINDS.values():
        if value in kind.values:
            return kind.values_zh[kind.values.index(value)]
    return value


# --- the catalogue ------------------------------------------------------------------------


@dataclass
class _Catalog:
    n: int
    leaf: np.ndarray
    lang: np.ndarray  # 0 en, 1 zh
    colour: np.ndarray
    material: np.ndarray  # -1: none
    brand: np.ndarray
    size_lo: np.ndarray  # index into the leaf's size kind; -1: none
    size_hi: np.ndarray
    style: np.ndarray  # -1: none
    price: np.ndarray  # listed, in the product's currency
    price_usd: np.ndarray  # listed price in USD (CNY / rate)
    stock: np.ndarray
    rating: np.ndarray
    created: np.ndarray  # us since epoch
    updated: np.ndarray
    pop: np.ndarray
    anchor: np.ndarray  # bool: guaranteed products (never made defective)
    title: list[str]
    description: list[str]
    attributes: list[list[dict[str, str]]]

    @property
    def currency(self) -> np.ndarray:
        return np.where(self.lang == 1, "CNY", "USD")

    def category_path(self, i: int, top: int | None = None) -> str:
        return _leaf_path(int(self.leaf[i]), top)


def _leaf_path(lf: int, top: int | None = None) -> str:
    leaf = V.LEAVES[lf]
    top_name = _TOP_NAMES[_LEAF_TOP[lf] if top is None else top]
    return CATEGORY_SEP.join((top_name, leaf.mid, leaf.name))


def _build_catalog(rng: np.random.Generator, n: int, start_us: int, end_us: int) -> _Catalog:
    # Anchors guarantee coverage at small sizes: every leaf in both languages, red dresses too.
    a_leaf: list[int] = []
    a_lang: list[int] = []
    a_colour: list[int] = []
    dress_leaves = [i for i, leaf in enumerate(V.LEAVES) if leaf.mid == "Dresses"]
    red = _COLOUR_KEYS.index("red")
    if n >= 4 * len(dress_leaves):
        for lf in dress_leaves:
            for lang in (0, 1, 0, 1):
                a_leaf.append(lf)
                a_lang.append(lang)
                a_colour.append(red)
    if n >= len(a_leaf) + 4 * _NL:
        for lf in range(_NL):
            for lang in (0, 1):
                a_leaf.append(lf)
                a_lang.append(lang)
                a_colour.append(-1)
    n_rest = n - len(a_leaf)
    leaf = np.concatenate([np.array(a_leaf, dtype=np.int64), rng.choice(_NL, n_rest, p=_LEAF_WEIGHT)])
    lang = np.concatenate([np.array(a_lang, dtype=np.int64), (rng.random(n_rest) < 0.4).astype(np.int64)])
    forced = np.concatenate([np.array(a_colour, dtype=np.int64), np.full(n_rest, -1)])
    anchor = np.arange(n) < len(a_leaf)
    perm = rng.permutation(n)
    leaf, lang, forced, anchor = leaf[perm], lang[perm], forced[perm], anchor[perm]

    colour = np.zeros(n, dtype=np.int64)
    material = np.full(n, -1, dtype=np.int64)
    size_lo = np.full(n, -1, dtype=np.int64)
    size_hi = np.full(n, -1, dtype=np.int64)
    for lf in range(_NL):
        idx = np.flatnonzero(leaf == lf)
        if len(idx) == 0:
            continue
        allowed = _LEAF_COLOURS[lf]
        w = _COLOUR_WEIGHT[allowed] / _COLOUR_WEIGHT[allowed].sum()
        colour[idx] = rng.choice(allowed, len(idx), p=w)
        if len(_LEAF_MATERIALS[lf]):
            material[idx] = rng.choice(_LEAF_MATERIALS[lf], len(idx))
        kind = _LEAF_KIND[lf]
        if kind >= 0:
            spec = V.SIZE_KINDS[_KIND_KEYS[kind]]
            nv = len(spec.values)
            if spec.ranged:
                lo = rng.integers(0, nv - 1, len(idx))
                hi = lo + 1 + (rng.random(len(idx)) * (nv - 1 - lo)).astype(np.int64)
            else:
                lo = rng.integers(0, nv, len(idx))
                hi = lo
            size_lo[idx], size_hi[idx] = lo, hi
    colour = np.where(forced >= 0, forced, colour)

    top = _LEAF_TOP[leaf]
    brand = np.zeros(n, dtype=np.int64)
    for t, brands in enumerate(_TOP_BRANDS):
        idx = np.flatnonzero(top == t)
        w = 1.0 / np.arange(1, len(brands) + 1) ** 0.7
        brand[idx] = rng.choice(brands, len(idx), p=w / w.sum())
    style = np.where(rng.random(n) < 0.45, rng.integers(0, 1000, n), -1)
    style = np.where(style >= 0, style % np.array([len(V.STYLES[_TOP_NAMES[t]]) for t in top]), -1)

    brand_factor = rng.uniform(0.8, 1.3, len(_BRANDS))
    median = _LEAF_MEDIAN[leaf]
    raw = median * brand_factor[brand] * np.exp(rng.normal(0.0, 0.22, n))
    raw = np.clip(raw, 0.55 * median, 1.8 * median)
    cny = np.round(raw * V.CNY_PER_USD)
    cny = np.where(cny >= 50, np.floor(cny / 10) * 10 + 9, np.maximum(cny, 1.0))
    price = np.where(lang == 1, cny, np.floor(raw) + 0.99)
    price_usd = np.where(lang == 1, price / V.CNY_PER_USD, price)

    stock = np.where(rng.random(n) < 0.08, 0, np.minimum(rng.geometric(1 / 80, n), 999)).astype(np.int64)
    rating = np.round(np.clip(rng.normal(4.2, 0.45, n), 1.0, 5.0), 1)
    created = start_us - (rng.uniform(0.0, 180.0, n) * _DAY).astype(np.int64)
    created = created // _SECOND * _SECOND
    updated = created + (rng.uniform(0.05, 1.0, n) * (end_us - _HOUR - created)).astype(np.int64)
    updated = updated // _SECOND * _SECOND
    pop = (rng.permutation(n) + 1.0) ** -1.0

    cat = _Catalog(
        n, leaf, lang, colour, material, brand, size_lo, size_hi, style, price, price_usd, stock,
        rating, created, updated, pop, anchor, [], [], [],
    )  # fmt: skip
    desc_len = rng.choice(np.array([1, 2, 3]), n, p=[0.15, 0.5, 0.35])
    for i in range(n):
        title, description, attrs = _texts(cat, i, int(desc_len[i]))
        cat.title.append(title)
        cat.description.append(description)
        cat.attributes.append(attrs)
    return cat


def _describe_noun(noun: str) -> str:
    return " ".join(w if w.isupper() else w.lower() for w in noun.split(" "))


def _texts(cat: _Catalog, i: int, n_sentences: int) -> tuple[str, str, list[dict[str, str]]]:
    leaf = V.LEAVES[cat.leaf[i]]
    top_name = _TOP_NAMES[_LEAF_TOP[cat.leaf[i]]]
    _, brand_en, brand_zh = _BRANDS[cat.brand[i]]
    col_en, col_zh, _ = V.COLOURS[_COLOUR_KEYS[cat.colour[i]]]
    mat_en, mat_zh = V.MATERIALS[_MATERIAL_KEYS[cat.material[i]]] if cat.material[i] >= 0 else ("", "")
    style_en, style_zh = V.STYLES[top_name][cat.style[i]] if cat.style[i] >= 0 else ("", "")
    kind = V.SIZE_KINDS[leaf.size] if leaf.size else None
    size_en = size_zh = ""
    if kind is not None:
        lo, hi = int(cat.size_lo[i]), int(cat.size_hi[i])
        size_en = "/".join(kind.values[lo : hi + 1])
        size_zh = "/".join(kind.values_zh[lo : hi + 1])
    mid_use_en, mid_use_zh = V.MIDS[leaf.mid][2], V.MIDS[leaf.mid][3]
    feat_en, feat_zh = V.TOP_FEATURES[top_name]
    if cat.lang[i] == 0:
        gender = {"women": "Women's", "men": "Men's"}.get(leaf.gender or "", "")
        words = [brand_en, gender, style_en, col_en, mat_en, leaf.noun_en]
        if kind is not None and not kind.ranged:
            words.append(size_en)
        title = " ".join(w for w in words if w)
        desc_words = " ".join(w for w in (col_en.lower(), mat_en.lower(), _describe_noun(leaf.noun_en)) if w)
        plural = leaf.noun_en.endswith("s") and not leaf.noun_en.endswith("ss")
        article = "A pair of" if plural else ("An" if desc_words[0] in "aeiou" else "A")
        sentences = [f"{article} {desc_words} by {brand_en}.", mid_use_en, feat_en]
        description = " ".join(sentences[:n_sentences])
        attrs = [{"key": "colour", "value": col_en.lower()}]
        if mat_en:
            attrs.append({"key": "material", "value": mat_en.lower()})
        if kind is not None:
            attrs.append({"key": kind.key_en, "value": size_en})
    else:
        gender = {"women": "女士", "men": "男士"}.get(leaf.gender or "", "")
        title = f"{brand_zh} {gender}{style_zh}{col_zh}{mat_zh}{leaf.noun_zh}"
        if kind is not None and not kind.ranged:
            title += " " + size_zh
        mid_zh = V.MIDS[leaf.mid][1]
        sentences = [f"这款{col_zh}{mat_zh}{leaf.noun_zh}属于{brand_zh}{mid_zh}系列。", mid_use_zh, feat_zh]
        description = "".join(sentences[:n_sentences])
        attrs = [{"key": "颜色", "value": col_zh}]
        if mat_zh:
            attrs.append({"key": "材质", "value": mat_zh})
        if kind is not None:
            attrs.append({"key": kind.key_zh, "value": size_zh})
    return title, description, attrs


def _grade(cat: _Catalog, spec: _Spec, idx: np.ndarray) -> np.ndarray:
    """Graded relevance 0-3 of products ``idx`` for ``spec``, from the ground truth only.

    3: the asked-for category and every asked-for attribute; each missed attribute (colour,
    material, brand, size, price cap) costs one grade, down to 1. A sibling category (same
    middle level) starts at 2; a complementary category (bought together) is 1; else 0.
    """
    leaf = cat.leaf[idx]
    base = _BASE_GRADE[spec.concept][leaf]
    miss = np.zeros(len(idx), dtype=np.int64)
    if spec.colour >= 0:
        miss += cat.colour[idx] != spec.colour
    if spec.material >= 0:
        miss += cat.material[idx] != spec.material
    if spec.brand >= 0:
        miss += cat.brand[idx] != spec.brand
    if spec.size:
        kind = _LEAF_KIND[leaf]
        pos = np.where(kind >= 0, _SIZE_INDEX[spec.size][kind], -1)
        ok = (pos >= 0) & (cat.size_lo[idx] <= pos) & (pos <= cat.size_hi[idx])
        miss += ~ok
    if spec.cap_usd:
        miss += cat.price_usd[idx] > spec.cap_usd
    return np.where(base >= 2, np.maximum(base - miss, 1), base)


# --- shoppers -----------------------------------------------------------------------------


@dataclass
class _Users:
    n: int
    lang: np.ndarray  # 0 en, 1 zh
    tz: np.ndarray  # hours east of UTC
    tastes: list[np.ndarray]  # preferred leaves
    colours: np.ndarray  # (n, 2) preferred colours
    level: np.ndarray  # price level (1.0 = the leaf's median)
    rate: np.ndarray  # sessions per day


def _build_users(rng: np.random.Generator, n: int) -> _Users:
    lang = (rng.random(n) < 0.4).astype(np.int64)
    tz = np.where(lang == 1, 8, rng.choice(np.array([-8, -5, 0, 1]), n, p=[0.25, 0.35, 0.25, 0.15]))
    top_w = _TOP_WEIGHT / _TOP_WEIGHT.sum()
    persona = rng.choice(len(_TOP_NAMES), n, p=top_w)
    k = rng.integers(2, 4, n)
    tastes = []
    owns = [np.flatnonzero(t == _LEAF_TOP) for t in range(len(_TOP_NAMES))]
    every = np.arange(_NL)

    def taken(pool: np.ndarray, chosen: list[int]) -> np.ndarray:
        """``np.isin(pool, chosen)`` for the 1-3 chosen leaves (isin's set-up cost dominated)."""
        mask = pool == chosen[0]
        for c in chosen[1:]:
            mask |= pool == c
        return mask

    for u in range(n):
        own = owns[persona[u]]
        chosen: list[int] = []
        while len(chosen) < k[u]:
            pool = own if (not chosen or rng.random() < 0.6) else every
            w = _LEAF_WEIGHT[pool].copy()
            if chosen:
                w[taken(pool, chosen)] = 0.0
            if w.sum() == 0:
                pool, w = every, _LEAF_WEIGHT.copy()
                w[taken(pool, chosen)] = 0.0
            chosen.append(int(rng.choice(pool, p=w / w.sum())))
        tastes.append(np.array(chosen))
    cw = _COLOUR_WEIGHT / _COLOUR_WEIGHT.sum()
    colours = np.array([rng.choice(len(_COLOUR_KEYS), 2, replace=False, p=cw) for _ in range(n)])
    level = np.exp(rng.normal(0.0, 0.25, n))
    rate = np.exp(rng.normal(math.log(0.19), 0.7, n))
    return _Users(n, lang, tz, tastes, colours, level, rate)


class _Stream:
    """Clean events as they happen, one tuple per event."""

    # columns: user, session, type, item, ts, quantity, price, currency, query, rating, order, position
    def __init__(self, limit: int) -> None:
        self.rows: list[tuple] = []
        self.limit = limit
        self.sessions = 0
        self.orders = 0

    def emit(self, user, session, type_, item, ts, qty=None, price=None, cur=None, query=None, rating=None, order=-1, pos=None) -> int:  # fmt: skip
        if ts > self.limit:
            return -1
        self.rows.append((user, session, type_, item, ts, qty, price, cur, query, rating, order, pos))
        return len(self.rows) - 1


class _Draws:
    """Buffered scalar draws: numpy's scalar calls are slow, its vector calls are not."""

    def __init__(self, rng: np.random.Generator, size: int = 1 << 15) -> None:
        self.rng, self.size = rng, size
        self._u: list[float] = []
        self._g: list[int] = []

    def u(self) -> float:
        """A uniform draw in [0, 1)."""
        if not self._u:
            self._u = self.rng.random(self.size).tolist()
        return self._u.pop()

    def gap(self) -> int:
        """Seconds to minutes between two actions of a session, in microseconds (ms steps)."""
        if not self._g:
            s = np.clip(self.rng.lognormal(math.log(20.0), 0.8, self.size), 3.0, 600.0)
            self._g = ((s * 1000).astype(np.int64) * 1000).tolist()
        return self._g.pop()

    def between(self, lo: float, hi: float) -> int:
        """Microseconds (ms steps) uniform between ``lo`` and ``hi`` seconds."""
        return int((lo + (hi - lo) * self.u()) * 1000) * 1000

    def index(self, n: int) -> int:
        return min(int(self.u() * n), n - 1)


class _Simulator:
    def __init__(self, rng: np.random.Generator, cat: _Catalog, users: _Users, usable: np.ndarray, start_us: int, end_us: int, days: int) -> None:  # fmt: skip
        self.rng, self.cat, self.users = rng, cat, users
        self.draw = _Draws(rng)
        self.start_us, self.end_us, self.days = start_us, end_us, days
        self.stream = _Stream(end_us - 60 * _SECOND)
        self.leaf_items = [np.flatnonzero((cat.leaf == lf) & usable) for lf in range(_NL)]
        self.concept_items = [
            np.concatenate([self.leaf_items[lf] for lf in c.leaves + c.siblings]) for c in _CONCEPTS
        ]
        self.log_pop = np.log(cat.pop)
        self.currency = cat.currency.tolist()
        self.price = cat.price.tolist()
        self.colour = cat.colour.tolist()
        self.leaf = cat.leaf.tolist()
        self.log_ratio = np.log(cat.price_usd / _LEAF_MEDIAN[cat.leaf])
        self.leaf_cdf = np.cumsum(_LEAF_WEIGHT)
        self.user_colours = [tuple(int(c) for c in row) for row in users.colours]
        self.user_tastes = [[int(lf) for lf in t] for t in users.tastes]
        self.followups: list[tuple[int, int, int]] = []  # (purchase row, kind 0 return / 1 rate, user)
        self.linked: set[int] = set()  # purchase rows a return refers to
        self.cache: dict[int, np.ndarray] = {}  # leaf -> pick weights of the current user
        self.aff = np.zeros(cat.n)  # affinity of the current user to every product (see run)
        self.graded: dict[_Spec, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # see search_candidates
        self.arange = np.arange(1, 21, dtype=np.int64)
        self.all_items = np.arange(cat.n)

    # -- helpers
    def affinity(self, u: int, items: np.ndarray) -> np.ndarray:
        cat, us = self.cat, self.users
        col = cat.colour[items]
        c0, c1 = self.user_colours[u]
        w = np.where((col == c0) | (col == c1), 3.0, 1.0)
        w = w * np.where(cat.lang[items] == us.lang[u], 1.0, 0.25)
        d = self.log_ratio[items] - math.log(us.level[u])
        return w * np.exp(-(d**2) / (2 * 0.3**2))

    def search_candidates(self, spec: _Spec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Products a search for ``spec`` can show (grade >= 2), their grades and the fixed part
        of their score (``3 * grade + log popularity``), computed once per distinct spec: about
        10k searches ask ~1k distinct specs, and grading was ~0.3 s of numpy calls on small arrays."""
        hit = self.graded.get(spec)
        if hit is None:
            cand = self.concept_items[spec.concept]
            if len(cand):
                g = _grade(self.cat, spec, cand)
                cand, g = cand[g >= 2], g[g >= 2]
            else:
                g = np.zeros(0, dtype=np.int64)
            hit = self.graded[spec] = (cand, g, 3.0 * g + self.log_pop[cand])
        return hit

    def sample(self, weights: np.ndarray, k: int) -> np.ndarray:
        """Positions of ``k`` draws without replacement, proportional to ``weights``."""
        keys = self.rng.exponential(1.0, len(weights)) / np.maximum(weights, 1e-300)
        k = min(k, int(np.count_nonzero(weights)))
        return keys.argsort(kind="stable")[:k]

    def pick(self, u: int, leaf: int, k: int, extra: np.ndarray | None = None) -> list[int]:
        items = self.leaf_items[leaf]
        if len(items) == 0 or k <= 0:
            return []
        w = self.cache.get(leaf)
        if w is None:
            w = self.cache[leaf] = self.cat.pop[items] * self.aff[items]
        if extra is not None:
            w = w * extra
        return items[self.sample(w, k)].tolist()

    def user_spec(self, u: int, leaf: int) -> _Spec:
        d, lv = self.draw, V.LEAVES[leaf]
        concept = _LEAF_CONCEPT[leaf]
        if _LEAF_GROUP[leaf] >= 0 and d.u() < 0.3:
            concept = _LEAF_GROUP[leaf]
        colour = material = brand = -1
        size, cap = "", 0
        liked = [c for c in self.user_colours[u] if c in _LEAF_COLOUR_SETS[leaf]]
        if liked and d.u() < 0.45:
            colour = liked[d.index(len(liked))]
        mats = _LEAF_MATERIALS[leaf]
        if len(mats) and not _CONCEPTS[concept].material_in_term and d.u() < 0.08:
            material = int(mats[d.index(len(mats))])
        if d.u() < 0.06:
            brands = _TOP_BRANDS[_LEAF_TOP[leaf]]
            brand = int(brands[d.index(len(brands))])
        if lv.size and d.u() < 0.06:
            values = V.SIZE_KINDS[lv.size].values
            size = values[d.index(len(values))]
        if d.u() < 0.06:
            want = lv.price_usd * self.users.level[u] * 1.1
            cap = next((c for c in (20, 30, 50, 100, 150, 200, 300, 500, 1000, 1500) if c >= want), 2000)
        return _Spec(concept, colour, material, brand, size, cap)

    # -- one session
    def session(self, u: int, t: int) -> int:
        d, cat, st, us = self.draw, self.cat, self.stream, self.users
        sid = st.sessions
        st.sessions += 1
        tastes = self.user_tastes[u]
        liked = self.user_colours[u]
        if d.u() < 0.8:
            leaf = tastes[d.index(len(tastes))]
        else:
            leaf = min(int(np.searchsorted(self.leaf_cdf, d.u(), side="right")), _NL - 1)
        viewed: list[int] = []
        if d.u() < 0.45:
            spec = self.user_spec(u, leaf)
            st.emit(u, sid, "search", -1, t, query=_render(spec, "zh" if us.lang[u] == 1 else "en"))
            cand, _, fixed = self.search_candidates(spec)
            if len(cand):
                noise = self.rng.gumbel(0.0, 1.0, len(cand))
                score = fixed + noise + (cat.lang[cand] == us.lang[u])
                results = cand[np.argsort(-score, kind="stable")[:20]]
                k = 1 + int(self.rng.poisson(1.2))
                w = self.aff[results] / self.arange[: len(results)]
                for r in np.sort(self.sample(w, k)).tolist():
                    item = int(results[r])
                    t += d.gap()
                    st.emit(u, sid, "click", item, t, pos=r + 1)
                    t += d.between(3.0, 8.0)
                    st.emit(u, sid, "view", item, t)
                    viewed.append(item)
        else:
            for item in self.pick(u, leaf, 1 + int(self.rng.poisson(3.5))):
                t += d.gap()
                st.emit(u, sid, "view", item, t)
                viewed.append(item)
        if d.u() < 0.2:  # a look at another favourite category
            other = tastes[d.index(len(tastes))]
            for item in self.pick(u, other, 1 + int(self.rng.poisson(1.5))):
                t += d.gap()
                st.emit(u, sid, "view", item, t)
                viewed.append(item)
        cart: list[tuple[int, int]] = []
        in_cart: set[int] = set()
        for item in dict.fromkeys(viewed):
            p = 0.06 + 0.10 * (self.colour[item] in liked) + 0.06 * (self.leaf[item] in tastes)
            if d.u() < p:
                t += d.gap()
                q = 1 if d.u() < 0.85 else 2
                if st.emit(u, sid, "add_to_cart", item, t, qty=q) >= 0:
                    cart.append((item, q))
                    in_cart.add(item)
            elif d.u() < 0.03:
                t += d.gap()
                st.emit(u, sid, "wishlist", item, t)
        bought = [(item, q) for item, q in cart if d.u() < 0.55]
        if not bought:
            return t
        extra: list[tuple[int, int]] = []
        for item, _ in bought:
            comps = _COMPLEMENTS[self.leaf[item]]
            if not comps or d.u() >= 0.45:
                continue
            comp = comps[d.index(len(comps))]
            same = np.where(cat.colour[self.leaf_items[comp]] == self.colour[item], 3.0, 1.0)
            pick = self.pick(u, comp, 1, same)
            if not pick or pick[0] in in_cart:
                continue
            ci = pick[0]
            t += d.gap()
            st.emit(u, sid, "view", ci, t)
            t += d.gap()
            if st.emit(u, sid, "add_to_cart", ci, t, qty=1) >= 0:
                extra.append((ci, 1))
                in_cart.add(ci)
        order = st.orders
        st.orders += 1
        for item, q in bought + extra:
            t += d.between(5.0, 40.0)
            if d.u() < 0.03:
                q += 1
            row = st.emit(u, sid, "purchase", item, t, qty=q, price=self.price[item], cur=self.currency[item], order=order)  # fmt: skip
            if row < 0:
                continue
            if d.u() < 0.05:
                self.followups.append((row, 0, u))
            if d.u() < 0.1:
                self.followups.append((row, 1, u))
        return t

    def run(self) -> _Stream:
        rng, us, st = self.rng, self.users, self.stream
        for u in range(us.n):
            n_s = max(1, int(rng.poisson(us.rate[u] * self.days)))
            day = rng.integers(0, self.days, n_s)
            hour = (rng.choice(24, n_s, p=_HOUR_WEIGHTS) - us.tz[u]) % 24
            starts = self.start_us + day * _DAY + hour * _HOUR + (rng.random(n_s) * _HOUR).astype(np.int64)
            starts = np.sort(np.minimum(starts, self.end_us - 3 * _HOUR)) // 1000 * 1000
            prev_end = -(10**18)
            self.cache = {}
            # one vector call per user instead of one per pick/search (elementwise, so the same values)
            self.aff = self.affinity(u, self.all_items)
            for s in starts.tolist():
                t0 = max(s, prev_end + 15 * 60 * _SECOND)
                prev_end = self.session(u, t0)
        # returns and ratings, each in a short session of its own, days after the purchase
        for row, kind, u in self.followups:
            _, _, _, item, ts, qty, price, cur, _, _, order, _ = st.rows[row]
            if kind == 0:
                t = ts + int(rng.uniform(1.0, 14.0) * _DAY) // 1000 * 1000
                if t <= st.limit:
                    back = -int(rng.integers(1, qty + 1)) if qty > 1 else -1
                    st.emit(u, st.sessions, "return", item, t, qty=back, price=price, cur=cur, order=order)
                    st.sessions += 1
                    self.linked.add(row)
            else:
                t = ts + int(rng.uniform(2.0, 20.0) * _DAY) // 1000 * 1000
                if t <= st.limit:
                    r = float(np.clip(round(rng.normal(self.cat.rating[item], 0.8)), 1, 5))
                    st.emit(u, st.sessions, "rate", item, t, rating=r)
                    st.sessions += 1
        return st


# --- judgments ----------------------------------------------------------------------------


def _judgment_specs(rng: np.random.Generator) -> list[_Spec]:
    def concept_of(name: str) -> int:
        return _LEAF_NAMES.index(name)

    group = {en: _NL + i for i, (en, _, _) in enumerate(V.GROUPS)}
    black, red = _COLOUR_KEYS.index("black"), _COLOUR_KEYS.index("red")
    leather = _MATERIAL_KEYS.index("leather")
    specs = [
        _Spec(group["dress"], colour=red),
        _Spec(concept_of("Wireless Earbuds")),
        _Spec(concept_of("Leather Shoes")),
        _Spec(group["boots"], colour=black, material=leather, size="42"),
        _Spec(concept_of("Running Shoes"), cap_usd=100),
        _Spec(concept_of("Maxi Dresses"), colour=red, material=_MATERIAL_KEYS.index("silk")),
    ]
    specs += [_Spec(c) for c in range(len(_CONCEPTS))]

    def common(values: list[np.ndarray]) -> list[int]:
        out = set(values[0].tolist())
        for v in values[1:]:
            out &= set(v.tolist())
        return sorted(out)

    extras = {"colour": 8, "material": 4, "brand": 3, "size": 2, "cap": 2}
    for kind, want in extras.items():
        made = 0
        for c in rng.permutation(len(_CONCEPTS)).tolist():
            if made >= want:
                break
            leaves = _CONCEPTS[c].leaves
            lead = V.LEAVES[leaves[0]]
            if kind == "colour":
                opts = common([_LEAF_COLOURS[lf] for lf in leaves])
                if not opts:
                    continue
                spec = _Spec(int(c), colour=int(opts[rng.integers(len(opts))]))
            elif kind == "material":
                opts = common([_LEAF_MATERIALS[lf] for lf in leaves])
                if not opts or _CONCEPTS[c].material_in_term:
                    continue
                spec = _Spec(int(c), material=int(opts[rng.integers(len(opts))]))
            elif kind == "brand":
                brands = _TOP_BRANDS[_LEAF_TOP[leaves[0]]]
                spec = _Spec(int(c), brand=int(brands[rng.integers(len(brands))]))
            elif kind == "size":
                if not lead.size or len(leaves) > 1:
                    continue
                values = V.SIZE_KINDS[lead.size].values
                spec = _Spec(int(c), size=values[rng.integers(len(values))])
            else:
                cap = next(
                    v for v in (20, 30, 50, 100, 150, 200, 300, 500, 1000, 1500) if v >= lead.price_usd
                )
                spec = _Spec(int(c), cap_usd=cap)
            if spec in specs:
                continue
            specs.append(spec)
            made += 1
    return specs


def _build_judgments(
    rng: np.random.Generator, cat: _Catalog, usable: np.ndarray
) -> list[tuple[str, str, int, int]]:
    """Rows (query, query_id, product index, grade) in judging order."""
    pool = np.flatnonzero(usable)
    seen: dict[str, int] = {}
    rows: list[tuple[str, str, int, int]] = []
    for spec in _judgment_specs(rng):
        grades = _grade(cat, spec, pool)
        g_of = dict(zip(pool.tolist(), grades.tolist(), strict=True))
        same_top = np.isin(
            _LEAF_TOP[cat.leaf[pool]], [_LEAF_TOP[lf] for lf in _CONCEPTS[spec.concept].leaves]
        )
        for lang in ("en", "zh"):
            query = _render(spec, lang)
            if query in seen:
                continue
            seen[query] = len(seen)
            qid = f"Q{len(seen):04d}"
            n_target = int(rng.integers(20, 41))
            picked: list[np.ndarray] = []
            left = n_target
            for g, share in ((3, 0.4), (2, 0.3), (1, 0.1)):
                cand = pool[grades == g]
                k = min(len(cand), max(1, round(share * n_target)), left)
                if k > 0:
                    picked.append(rng.choice(cand, k, replace=False))
                    left -= k
            neg = pool[grades == 0]
            if left > 0 and len(neg):
                w = np.where(same_top[grades == 0], 4.0, 1.0)
                picked.append(rng.choice(neg, min(left, len(neg)), replace=False, p=w / w.sum()))
            items = rng.permutation(np.concatenate(picked)) if picked else np.array([], dtype=np.int64)
            rows.extend((query, qid, int(i), int(g_of[int(i)])) for i in items)
    return rows


# --- defects ------------------------------------------------------------------------------


def _budget(rate: float, n_rows: int, n_classes: int) -> int:
    if rate <= 0:
        return 0
    return max(1, round(rate * n_rows / n_classes))


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


def _ts_series(values: list[int]) -> pl.Series:
    return pl.Series(values, dtype=pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _events_frame(
    rng: np.random.Generator,
    stream: _Stream,
    linked: set[int],
    cat: _Catalog,
    usable: np.ndarray,
    n_users: int,
    rate: float,
    start_us: int,
    end_us: int,
) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    rows = [list(r) for r in stream.rows]
    n = len(rows)
    ts = np.array([r[4] for r in rows], dtype=np.int64)
    types = np.array([r[2] for r in rows], dtype=object)
    items = np.array([r[3] for r in rows], dtype=np.int64)
    k = _budget(rate, n, len(EVENT_DEFECTS))
    used = np.zeros(n, dtype=bool)
    is_vc = (types == "view") | (types == "click")
    is_purchase = types == "purchase"
    link = np.zeros(n, dtype=bool)
    link[list(linked)] = True
    n_purch = np.bincount(items[is_purchase], minlength=cat.n)
    hit = np.zeros(cat.n, dtype=np.int64)  # purchase defects per item
    # arrival key per row (new rows are appended with their own key)
    arrival = ts.astype(np.float64).tolist()
    code_of: dict[int, str] = {}
    exact_of: dict[int, int] = {}

    def take(mask: np.ndarray, count: int, per_item: int = 0) -> list[int]:
        """Up to ``count`` unused rows of ``mask``. With ``per_item``: only items bought at least
        that often, and at most one defect per ``per_item`` purchases of the item (so the item's
        median stays clean); without: rows of items that have no defect yet come first."""
        cand = rng.permutation(np.flatnonzero(mask & ~used))
        if not per_item:
            cand = cand[np.argsort(hit[items[cand]] > 0, kind="stable")]
        out: list[int] = []
        for i in cand.tolist():
            if len(out) >= count:
                break
            it = items[i]
            if per_item and (n_purch[it] < per_item or hit[it] >= n_purch[it] // per_item):
                continue
            if it >= 0:
                hit[it] += 1
            out.append(i)
            used[i] = True
        return out

    def add(row: list, key: float, code: str) -> int:
        rows.append(row)
        arrival.append(key)
        code_of[len(rows) - 1] = code
        return len(rows) - 1

    if k:
        # in-place defects on purchases first (they need items with enough clean purchases)
        clean_purchase = is_purchase & ~link
        for n_done, i in enumerate(take(clean_purchase, 2 * k, per_item=5)):
            if n_done % 2 == 0:
                rows[i][6] = round(rows[i][6] * 100, 2)
                code_of[i] = "EVT_PRICE_UNIT"
            else:
                rows[i][5] = int(rng.integers(500, 5001))
                code_of[i] = "EVT_QTY_OUTLIER"
        for i in take(clean_purchase, k):
            rows[i][5] = -rows[i][5]
            code_of[i] = "EVT_QTY_SIGN"
        for i in take(clean_purchase, k):
            rows[i][6] = 0.0 if rng.random() < 0.5 else -rows[i][6]
            code_of[i] = "EVT_PRICE_NONPOSITIVE"
        for i in take((clean_purchase | (types == "add_to_cart")), k):
            rows[i][0] = -1
            code_of[i] = "EVT_USER_MISSING"
        for i in take(is_vc, k):
            rows[i][2] = str(rng.choice(V.UNKNOWN_EVENT_TYPES))
            code_of[i] = "EVT_TYPE_UNKNOWN"
        for i in take(is_vc, k):
            rows[i][4] = end_us + int(rng.uniform(1.0, 5.0) * 365 * _DAY) // 1000 * 1000
            code_of[i] = "EVT_TS_FUTURE"
        for i in take(is_vc, k):
            rows[i][3] = f"P{int(rng.integers(10000, 100000))}x" if rng.random() < 0.5 else f"SKU-{int(rng.integers(10**5, 10**6))}"  # fmt: skip
            code_of[i] = "EVT_ITEM_UNKNOWN"
        for i in take(is_vc, k):
            rows[i][4] = int(cat.created[items[i]]) - int(rng.uniform(1.0, 30 * 24.0) * _HOUR) // 1000 * 1000
            code_of[i] = "EVT_BEFORE_PRODUCT"
        # new rows
        for i in take(is_vc, k):
            copy = list(rows[i])
            copy[4] = rows[i][4] + int(rng.uniform(0.3, 1.5) * 1000) * 1000
            add(copy, float(copy[4]), "EVT_DUP_NEAR")
        for i in take(types != "return", k):
            j = add(list(rows[i]), float(ts[i]) + rng.uniform(0.5, 600.0) * _SECOND, "EVT_DUP_EXACT")
            exact_of[j] = i
        users_with_events = np.unique([r[0] for r in stream.rows])
        bought: dict[int, set[int]] = {}
        for r in stream.rows:
            if r[2] == "purchase":
                bought.setdefault(r[0], set()).add(r[3])
        usable_items = np.flatnonzero(usable)
        cur = cat.currency
        made, attempts = 0, 0
        while made < k and attempts < 50 * k and len(usable_items) and len(users_with_events):
            attempts += 1
            u = int(rng.choice(users_with_events))
            item = int(rng.choice(usable_items))
            if item in bought.get(u, set()):
                continue
            made += 1
            t = int(rng.integers(start_us, end_us - 120 * _SECOND)) // 1000 * 1000
            row = [u, stream.sessions, "return", item, t, -1, float(cat.price[item]), str(cur[item]), None, None, -1, None]  # fmt: skip
            stream.sessions += 1
            add(row, float(t), "EVT_RETURN_UNLINKED")
        # bot sessions: a new user viewing hundreds of distinct products, exactly 1 s apart
        n_bot_rows, bot = 0, 0
        while n_bot_rows < k or bot == 0:
            size = min(int(rng.integers(300, 1001)), len(usable_items))
            if size == 0:
                break
            picks = rng.choice(usable_items, size, replace=False)
            t0 = int(rng.integers(start_us, end_us - (size + 120) * _SECOND)) // 1000 * 1000
            sid = stream.sessions
            stream.sessions += 1
            for j, item in enumerate(picks.tolist()):
                t = t0 + j * _SECOND
                add([n_users + bot, sid, "view", item, t, None, None, None, None, None, -1, None], float(t), "EVT_BOT_SESSION")  # fmt: skip
            n_bot_rows += size
            bot += 1

    n_all = len(rows)
    if n_all == 0:
        return pl.DataFrame(schema={ROW: pl.Int64, **SCHEMAS["events"].columns}), []
    order = np.argsort(np.array(arrival), kind="stable")
    position = np.empty(n_all, dtype=np.int64)
    position[order] = np.arange(n_all)
    # event ids in arrival order; an exact duplicate repeats the id of its original
    exact = np.zeros(n_all, dtype=bool)
    exact[list(exact_of)] = True
    number = np.cumsum(~exact[order])
    for j, i in exact_of.items():
        number[position[j]] = number[position[i]]
    cols = list(zip(*[rows[j] for j in order.tolist()], strict=True))
    user, sess, type_, item, t, qty, price, cur, query, rating, order_no, pos = cols
    item_known = np.array([-1 if isinstance(x, str) else x for x in item], dtype=np.int64)
    item_text = [x if isinstance(x, str) else None for x in item]
    raw = pl.DataFrame(
        {
            "number": number,
            "user": np.array(user, dtype=np.int64),
            "sess": _first_seen_rank(np.array(sess, dtype=np.int64)),
            "order_no": _first_seen_rank(np.array(order_no, dtype=np.int64)),
            "item": item_known,
            "item_text": pl.Series(item_text, dtype=pl.Utf8),
        }
    )
    width = max(7, len(str(n_all)))
    uwidth = max(4, len(str(n_users + 100)))
    pwidth = max(5, len(str(cat.n)))

    def ident(col: str, prefix: str, w: int, offset: int = 0) -> pl.Expr:
        c = pl.col(col)
        text = pl.lit(prefix) + (c + offset).cast(pl.Utf8).str.zfill(w)
        return pl.when(c >= 0).then(text).otherwise(None)

    ids = raw.select(
        ident("number", "E", width).alias("event_id"),
        ident("user", "U", uwidth, 1).alias("user_id"),
        ident("sess", "S", 6, 1).alias("session_id"),
        pl.coalesce(pl.col("item_text"), ident("item", "P", pwidth, 1)).alias("item_id"),
        ident("order_no", "O", 7, 1).alias("order_id"),
    )
    columns = SCHEMAS["events"].columns
    values = {"type": type_, "quantity": qty, "price": price, "currency": cur, "query": query, "rating": rating, "position": pos}  # fmt: skip
    data: dict[str, pl.Series] = {ROW: pl.Series(np.arange(n_all), dtype=pl.Int64)}
    for name, dtype in columns.items():
        if name == "timestamp":
            data[name] = _ts_series(list(t))
        elif name in ids.columns:
            data[name] = ids[name]
        else:
            data[name] = pl.Series(list(values[name]), dtype=dtype)
    defects = sorted((int(position[j]), code) for j, code in code_of.items())
    return pl.DataFrame(data), defects


def _first_seen_rank(keys: np.ndarray) -> np.ndarray:
    """Rank of each key by its first appearance (0, 1, ...); negative keys stay -1."""
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(uniq))
    out = rank[inverse]
    neg = uniq < 0
    if neg.any():
        # ranks were counted including the negative key; remove it
        bad = rank[neg][0]
        out = np.where(out > bad, out - 1, out)
        out[keys < 0] = -1
    return out


def _judgments_frame(rng: np.random.Generator, rows: list[tuple[str, str, int, int]], n_products: int, rate: float) -> tuple[pl.DataFrame, list[tuple[int, str]]]:  # fmt: skip
    n = len(rows)
    k = _budget(rate, n, len(JUDGMENT_DEFECTS))
    rel = [float(r[3]) for r in rows]
    base = list(range(n))
    key = [float(i) for i in range(n)]
    code_of: dict[int, str] = {}
    chosen = rng.permutation(n)[: min(n, 2 * k)].tolist() if k else []
    for i in chosen[:k]:
        rel[i] = float(rng.choice([7.0, -2.0, 4.0, 5.0, -1.0, 10.0]))
        code_of[i] = "JDG_RELEVANCE_RANGE"
    # a stale earlier judgment of the same (query, product): the earlier row is the defect
    copies: list[float] = []
    for i in chosen[k:]:
        base.append(i)
        key.append(float(rng.uniform(0.0, i)) - 0.5)
        copies.append(float(rng.integers(0, 4)))
    order = np.argsort(np.array(key), kind="stable").tolist()
    width = max(5, len(str(n_products)))
    out_rel, defects = [], []
    for r, j in enumerate(order):
        if j >= n:
            out_rel.append(copies[j - n])
            defects.append((r, "JDG_DUP"))
        else:
            out_rel.append(rel[j])
            if j in code_of:
                defects.append((r, code_of[j]))
    frame = pl.DataFrame(
        {
            ROW: pl.Series(np.arange(len(order)), dtype=pl.Int64),
            "query": [rows[base[j]][0] for j in order],
            "product_id": [f"P{rows[base[j]][2] + 1:0{width}d}" for j in order],
            "relevance": pl.Series(out_rel, dtype=pl.Float64),
            "query_id": [rows[base[j]][1] for j in order],
        }
    )
    return frame, defects


# --- public API ---------------------------------------------------------------------------


def generate(
    seed: int = 42,
    n_products: int = 3000,
    n_users: int = 1500,
    days: int = 60,
    defect_rate: float = 0.02,
    end: datetime = datetime(2026, 10, 31, tzinfo=UTC),
) -> DemoShop:
    """Generate the demo shop. Same arguments, byte-identical frames.

    ``defect_rate`` is the fraction of rows per table that get a defect, spread evenly over
    the table's defect classes (at least one row per class when positive; a bot session
    always has 300-1000 rows). ``end`` is the time of the last event; events cover ``days``
    days before it.
    """
    if n_products < 1 or n_users < 1 or days < 1:
        raise ValueError("n_products, n_users and days must be positive")
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    end_us = (end - _EPOCH) // timedelta(microseconds=1)
    start_us = end_us - days * _DAY
    seeds = np.random.SeedSequence(seed).spawn(8)
    rngs = [np.random.default_rng(s) for s in seeds]

    cat = _build_catalog(rngs[0], n_products, start_us, end_us)
    picks = _pick_product_defects(rngs[1], cat, defect_rate)
    usable = np.ones(cat.n, dtype=bool)
    for code, rows in picks.items():
        if code in _VALUE_DEFECTS:
            usable[rows] = False
    users = _build_users(rngs[2], n_users)
    sim = _Simulator(rngs[3], cat, users, usable, start_us, end_us, days)
    stream = sim.run()
    judged = _build_judgments(rngs[4], cat, usable)

    products, p_def = _products_frame(rngs[5], cat, picks)
    events, e_def = _events_frame(rngs[6], stream, sim.linked, cat, usable, n_users, defect_rate, start_us, end_us)  # fmt: skip
    judgments, j_def = _judgments_frame(rngs[7], judged, cat.n, defect_rate)

    defects = pl.DataFrame(
        {
            "table": ["products"] * len(p_def) + ["events"] * len(e_def) + ["judgments"] * len(j_def),
            "row": pl.Series([r for r, _ in p_def + e_def + j_def], dtype=pl.Int64),
            "code": [c for _, c in p_def + e_def + j_def],
        },
        schema={"table": pl.Utf8, "row": pl.Int64, "code": pl.Utf8},
    )
    meta: dict[str, object] = {
        "relevance_scale": (0.0, 3.0),
        "rating_scale": (1.0, 5.0),
        "generator": {
            "name": "shopmind.demo",
            "seed": seed,
            "n_products": n_products,
            "n_users": n_users,
            "days": days,
            "defect_rate": defect_rate,
            "end": end.isoformat(),
        },
    }
    batch = Batch(source=SOURCE, products=products, events=events, judgments=judgments, meta=meta)
    uwidth = max(4, len(str(n_users + 100)))
    users_frame = pl.DataFrame(
        {
            "user_id": [f"U{u + 1:0{uwidth}d}" for u in range(n_users)],
            "language": ["zh" if x == 1 else "en" for x in users.lang],
            "taste_categories": [[_leaf_path(int(lf)) for lf in t] for t in users.tastes],
            "colours": [[_COLOUR_KEYS[c] for c in row] for row in users.colours],
            "price_level": pl.Series(users.level, dtype=pl.Float64),
            "sessions_per_day": pl.Series(users.rate, dtype=pl.Float64),
        }
    )
    return DemoShop(batch=batch, defects=defects, users=users_frame)


def write(shop: DemoShop, out_dir: Path) -> dict[str, Path]:
    """Write the three tables and the defect ground truth as Parquet files into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    frames = {
        "products": shop.batch.products,
        "events": shop.batch.events,
        "judgments": shop.batch.judgments,
        "defects": shop.defects,
    }
    for name, frame in frames.items():
        if frame is None:
            continue
        path = out_dir / f"{name}.parquet"
        frame.write_parquet(path)
        paths[name] = path
    return paths
