"""Graded relevance judgments for the demo's queries, and the judgments table with its defects.

Why a module of its own: the judged queries (one per concept plus attribute variants, in
English and Chinese) are the search evaluation's ground truth; their choice and grading
(``_grade`` on the catalogue's ground truth) is independent of the click stream.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from shopmind.data.model import ROW
from shopmind.demo import vocab as V
from shopmind.demo.catalog import _Catalog, _grade
from shopmind.demo.defects import JUDGMENT_DEFECTS, _budget
from shopmind.demo.tree import (
    _COLOUR_KEYS,
    _CONCEPTS,
    _LEAF_COLOURS,
    _LEAF_MATERIALS,
    _LEAF_NAMES,
    _LEAF_TOP,
    _MATERIAL_KEYS,
    _NL,
    _TOP_BRANDS,
    _render,
    _Spec,
)
from shopmind.quality.codes import CODES


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


def _judgments_frame(rng: np.random.Generator, rows: list[tuple[str, str, int, int]], n_products: int, rate: float) -> tuple[pl.DataFrame, list[tuple[int, str]]]:  # fmt: skip
    n = len(rows)
    k = _budget(rate, n, len(JUDGMENT_DEFECTS))
    # the out-of-scale rows are a share of the table with its k stale copies added: kept at or under
    # the gate's threshold for them (an error), so a demo shop of any size publishes; rounding the
    # budget up made 46 of 4,597 rows (1.0007 %) for 600 products and the demo's own gate held it
    limit = CODES["JDG_RELEVANCE_RANGE"].threshold
    k = min(k, int(limit * n / (1.0 - limit)))
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
