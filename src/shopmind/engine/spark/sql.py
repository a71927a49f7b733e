"""The few spellings where Spark SQL differs from the SQL text in ``quality/checks.py``.

The checks stay written once; this maps the dialect, nothing else, and each rule says why:

- ``extract(epoch from ts)``: Polars gives float seconds (with the fraction); Spark's EPOCH is a
  DECIMAL, so the same number is taken as ``unix_micros(ts) / 1e6`` in DOUBLE.
- ``count(DISTINCT x) OVER (...)``: Spark has no DISTINCT window aggregates; the size of the
  window's ``collect_set`` is the same count (both ignore NULL).
- ``x / 100`` (a float divided by a number literal): Polars multiplies by the literal's
  reciprocal, which differs from IEEE division in the last bit for ~13 % of values (Online Retail
  row 323876: 852.8 / 100 is 8.528 in Polars, 8.527999999999999 divided); Spark is told to do
  the same multiplication, so a repaired price is the same number on both engines.
"""

from __future__ import annotations

import re

_EPOCH = re.compile(r"extract\s*\(\s*epoch\s+from\s+([A-Za-z_][A-Za-z_0-9]*)\s*\)", re.IGNORECASE)
_COUNT_DISTINCT_OVER = re.compile(
    r"count\s*\(\s*DISTINCT\s+([A-Za-z_][A-Za-z_0-9]*)\s*\)\s*OVER\s*\(([^()]*)\)", re.IGNORECASE
)


_DIV_LITERAL = re.compile(r"/\s*(\d+(?:\.\d+)?)(?![\w.])")


def to_spark(sql: str) -> str:
    """``sql`` (a checks.py expression) in Spark's dialect, meaning the same."""
    sql = _DIV_LITERAL.sub(r"* (1D / \1D)", sql)
    sql = _EPOCH.sub(r"(CAST(unix_micros(\1) AS DOUBLE) / 1000000D)", sql)
    return _COUNT_DISTINCT_OVER.sub(r"size(collect_set(\1) OVER (\2))", sql)
