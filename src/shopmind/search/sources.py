"""What query understanding and query text are read from (issue 18, items 5 and 6).

- **Trusted rows**: products the gate *flagged* (accepted, but with a category or price it
  doubts: ``UNDERSTANDING_FLAGS``) stay searchable, but do not teach query understanding its
  vocabulary: one miscategorised dress under "Beauty" must not make "red dress" read as
  "Beauty > Dresses". ``flagged_ids`` finds them in the store's ``_flags`` column; the engine
  saves the ids with the release so a loaded engine rebuilds the same understanding.
- **Script**: the gate's ``traditional_to_simplified`` converts product text with OpenCC t2s;
  queries get the same conversion (``simplified``) so 紅色連衣裙 is understood, matched and
  highlighted as 红色连衣裙. A catalog whose Chinese titles are mostly traditional
  (``is_traditional``) keeps queries as typed.
"""

from __future__ import annotations

import polars as pl

from shopmind.data.model import FLAGS
from shopmind.quality.repair import to_simplified
from shopmind.text.analysis import _CJK_RUN

#: Gate flags that make a product's category or price untrustworthy vocabulary.
UNDERSTANDING_FLAGS: frozenset[str] = frozenset({"PRD_CATEGORY_INCONSISTENT", "PRD_PRICE_OUTLIER"})
#: Share of Chinese titles that OpenCC t2s changes above which a catalog counts as written in
#: traditional characters (queries are then not converted).
TRADITIONAL_SHARE = 0.2


def flagged_ids(products: pl.DataFrame) -> frozenset[str]:
    """Ids of products whose gate flags (``_flags``) include an ``UNDERSTANDING_FLAGS`` code."""
    if FLAGS not in products.columns or "product_id" not in products.columns:
        return frozenset()
    if not isinstance(products.schema[FLAGS], pl.List):
        return frozenset()
    wanted = sorted(UNDERSTANDING_FLAGS)
    bad = products.filter(pl.col(FLAGS).list.eval(pl.element().is_in(wanted)).list.any())
    return frozenset(bad["product_id"].cast(pl.Utf8).to_list())


def is_traditional(products: pl.DataFrame, sample: int = 2000) -> bool:
    """Whether the catalog's Chinese titles are mostly written in traditional characters
    (more than ``TRADITIONAL_SHARE`` of a sample change under OpenCC t2s)."""
    if "title" not in products.columns:
        return False
    titles = [t for t in products["title"].head(50 * sample).to_list() if t and _CJK_RUN.search(t)][:sample]
    if not titles:
        return False
    changed = sum(to_simplified(t) != t for t in titles)
    return changed > TRADITIONAL_SHARE * len(titles)


def simplified(text: str) -> str:
    """``text`` with traditional Chinese characters converted (OpenCC t2s, as the gate does)."""
    return to_simplified(text) if _CJK_RUN.search(text) else text
