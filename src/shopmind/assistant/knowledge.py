"""What the assistant answers from: the order table (validated row by row) and policy sections.

Orders are not a canonical table of the quality gate (whose checks are SQL over products,
events and judgments), so they are validated here, on load, with the gate's conventions: every
row is either accepted or rejected with a stable reason code and a detail naming the column,
and ``accepted + rejected == input`` is asserted. An order the assistant cannot trust is never
quoted to a customer.

Policy documents are Markdown: ``# Title`` then ``## Heading {#section-id}`` sections, each
optionally with a ``Common questions: ...`` (``常见问题：...``) line of the ways customers ask
for it, which is indexed for retrieval and never quoted in an answer. One
document per topic and language (``returns.en.md``, ``returns.zh.md``); sections with the same
anchor in two languages are one passage. A section without an anchor is an error naming the
file and line, because citations are by anchor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

#: Order statuses the assistant knows how to explain.
STATUSES: tuple[str, ...] = ("placed", "shipped", "delivered", "returned")
#: The date a status needs (status -> columns that must be set).
_NEEDS = {
    "placed": ("placed_at",),
    "shipped": ("placed_at", "shipped_at"),
    "delivered": ("placed_at", "shipped_at", "delivered_at"),
    "returned": ("placed_at", "returned_at"),
}
_DATES = ("placed_at", "shipped_at", "delivered_at", "returned_at")


class KnowledgeError(ValueError):
    """Bad knowledge input (a file, a column, a section): the message names what and where."""


@dataclass(frozen=True)
class Rejected:
    """One order row the validation refused."""

    row: int
    order_id: str | None
    code: str
    detail: str


def validate_orders(
    orders: pl.DataFrame, product_ids: set[str] | None = None
) -> tuple[pl.DataFrame, list[Rejected]]:
    """Split ``orders`` into accepted rows and rejected rows with reasons (first failure per row).

    Checks: required columns present (else ``KnowledgeError``), order id present and unique
    (every copy of a duplicated id is rejected: which one is true is unknowable), customer id
    present, status known, the dates the status implies present, dates in order
    (placed <= shipped <= delivered, placed <= returned), at least one item, every item in the
    catalog (when ``product_ids`` is given) with a positive quantity and price.
    """
    missing = [
        c for c in ("order_id", "customer_id", "status", "placed_at", "items") if c not in orders.columns
    ]
    if missing:
        raise KnowledgeError(f"orders: missing column(s) {', '.join(missing)}")
    for c in _DATES:
        if c not in orders.columns:
            orders = orders.with_columns(pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias(c))
    counts = orders.group_by("order_id").len()
    dup = set(counts.filter(pl.col("len") > 1)["order_id"].drop_nulls().to_list())
    keep: list[int] = []
    rejected: list[Rejected] = []
    for i, r in enumerate(orders.iter_rows(named=True)):
        reason = _order_reason(r, dup, product_ids)
        if reason is None:
            keep.append(i)
        else:
            rejected.append(Rejected(i, r.get("order_id"), reason[0], reason[1]))
    assert len(keep) + len(rejected) == orders.height  # the account: nothing lost
    accepted = orders[keep] if keep else orders.clear()
    return accepted, rejected


def _order_reason(r: dict, dup: set[str], product_ids: set[str] | None) -> tuple[str, str] | None:
    oid = r.get("order_id")
    if not oid:
        return "ORD_ID_MISSING", "order_id is empty"
    if oid in dup:
        return "ORD_DUP_ID", f"order_id {oid} appears more than once"
    if not r.get("customer_id"):
        return "ORD_CUSTOMER_MISSING", "customer_id is empty"
    status = r.get("status")
    if status not in STATUSES:
        return "ORD_STATUS_UNKNOWN", f"status {status!r} is not one of {', '.join(STATUSES)}"
    for c in _NEEDS[status]:
        if r.get(c) is None:
            return "ORD_STATUS_DATES", f"status {status} needs {c}"
    p, s, d, ret = (r.get(c) for c in _DATES)
    for a, b, na, nb in ((p, s, "placed_at", "shipped_at"), (s, d, "shipped_at", "delivered_at"), (p, ret, "placed_at", "returned_at")):  # fmt: skip
        if a is not None and b is not None and b < a:
            return "ORD_DATES_ORDER", f"{nb} {b:%Y-%m-%d} is before {na} {a:%Y-%m-%d}"
    items = r.get("items") or []
    if not items:
        return "ORD_ITEMS_EMPTY", "items is empty"
    for k, it in enumerate(items):
        pid = it.get("product_id")
        if product_ids is not None and pid not in product_ids:
            return "ORD_ITEM_UNKNOWN", f"items[{k}].product_id {pid!r} is not in the catalog"
        if not (it.get("quantity") or 0) > 0 or not (it.get("price") or 0) > 0:
            return "ORD_ITEM_VALUE", f"items[{k}] needs a positive quantity and price"
    return None


# ------------------------------------------------------------------ policies
_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*(?:\{#(?P<id>[A-Za-z0-9_-]+)\})?\s*$")
#: A section line listing how customers ask for it: retrieval text, not part of the answer.
_QUESTIONS = re.compile(r"^\s*(?:common questions|questions|常见问题)\s*[:：]\s*", re.I)
_NAME = re.compile(r"^(?P<topic>[a-z0-9_-]+)\.(?P<lang>[a-z]{2})\.md$")


@dataclass
class Section:
    """One policy passage: the same anchor in every language the shop wrote it in."""

    id: str
    topic: str
    #: language -> (heading, body)
    text: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: language -> the section's "Common questions:" line (indexed for retrieval, never quoted)
    questions: dict[str, str] = field(default_factory=dict)

    def body(self, lang: str) -> str:
        """The body in ``lang``, else English, else any language present."""
        for key in (lang, "en", *self.text):
            if key in self.text:
                return self.text[key][1]
        return ""

    def heading(self, lang: str) -> str:
        for key in (lang, "en", *self.text):
            if key in self.text:
                return self.text[key][0]
        return self.id


def parse_policy(text: str, topic: str, lang: str, source: str, into: dict[str, Section]) -> None:
    """Add the ``##`` sections of one Markdown document to ``into`` (by anchor)."""
    current: tuple[str, str] | None = None
    lines: list[str] = []

    def flush() -> None:
        if current is None:
            return
        sid, title = current
        body = " ".join(x.strip() for x in lines if x.strip() and not _QUESTIONS.match(x))
        asked = " ".join(_QUESTIONS.sub("", x).strip() for x in lines if _QUESTIONS.match(x))
        sec = into.setdefault(sid, Section(sid, topic))
        if sec.topic != topic:
            raise KnowledgeError(f"{source}: section {sid!r} is also in topic {sec.topic!r}")
        if lang in sec.text:
            raise KnowledgeError(f"{source}: section {sid!r} appears twice in {lang}")
        sec.text[lang] = (title, body)
        if asked:
            sec.questions[lang] = asked

    for n, line in enumerate(text.splitlines(), 1):
        m = _HEADING.match(line)
        if m:
            flush()
            if not m.group("id"):
                raise KnowledgeError(f"{source}:{n}: section {m.group('title')!r} has no {{#id}} anchor")
            current, lines = (m.group("id"), m.group("title")), []
        elif current is not None and not line.startswith("# "):
            lines.append(line)
    flush()


def load_policies(folder: Path | str | None = None, texts: dict[str, str] | None = None) -> list[Section]:
    """Sections from ``<topic>.<lang>.md`` files in ``folder`` or from ``{name: text}``."""
    docs: dict[str, str] = dict(texts or {})
    if folder is not None:
        folder = Path(folder)
        if not folder.is_dir():
            raise KnowledgeError(f"policies: {folder} is not a folder")
        for p in sorted(folder.glob("*.md")):
            docs[p.name] = p.read_text(encoding="utf-8")
    sections: dict[str, Section] = {}
    for name in sorted(docs):
        m = _NAME.match(name)
        if not m:
            raise KnowledgeError(f"policies: {name!r} is not named <topic>.<lang>.md")
        parse_policy(docs[name], m.group("topic"), m.group("lang"), name, sections)
    if not sections:
        raise KnowledgeError("policies: no sections found")
    return list(sections.values())
