"""The demo's catalogue: products over the category tree, their texts, and graded relevance.

Why a module of its own: everything downstream (shoppers, judgments, the products table)
reads the catalogue's ground truth (leaf, colour, material, brand, sizes, price in USD), and
``_grade`` is the one definition of how relevant a product is to a wanted thing, shared by the
simulated searches and the judgment sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopmind.demo import vocab as V
from shopmind.demo.clock import _DAY, _HOUR, _SECOND
from shopmind.demo.tree import (
    _BASE_GRADE,
    _BRANDS,
    _COLOUR_KEYS,
    _COLOUR_WEIGHT,
    _KIND_KEYS,
    _LEAF_COLOURS,
    _LEAF_KIND,
    _LEAF_MATERIALS,
    _LEAF_MEDIAN,
    _LEAF_TOP,
    _LEAF_WEIGHT,
    _MATERIAL_KEYS,
    _NL,
    _SIZE_INDEX,
    _TOP_BRANDS,
    _TOP_NAMES,
    _leaf_path,
    _Spec,
)


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
