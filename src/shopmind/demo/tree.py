"""The demo's category tree as index tables, and the query concepts a shopper asks for.

Why a module of its own: :mod:`shopmind.demo.vocab` holds the shop's words as plain data; the
catalogue, the shoppers' searches and the judged queries all need the same numeric view of it
(leaf -> middle level / top level / size kind / median price, allowed colours and materials,
brands per top level, complements) and the same rendering of a wanted thing (``_Spec``) as an
English or Chinese query. Building these tables once here keeps the three agreeing on what a
leaf, a brand or a query concept is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopmind.data.model import CATEGORY_SEP
from shopmind.demo import vocab as V

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


def _leaf_path(lf: int, top: int | None = None) -> str:
    leaf = V.LEAVES[lf]
    top_name = _TOP_NAMES[_LEAF_TOP[lf] if top is None else top]
    return CATEGORY_SEP.join((top_name, leaf.mid, leaf.name))
