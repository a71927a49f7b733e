"""A first mapping TOML for a shop's own export, drafted from its header (`shopmind mapping FILE`).

The ``table`` format needs a mapping from the export's column names to the canonical ones;
writing it by hand from `docs/DATA_MODEL.md` is the first-hour step where a new user stops.
Most exports name their columns in a handful of ways (Shopify, WooCommerce, Magento, an
order-line export, a Chinese back office), so the draft matches normalised header names
against those spellings, picks the table whose columns match best, and says in comments what
it could not place. It is a draft: the user reads it, fixes it and passes it to
``--mapping``; nothing is ingested from a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from shopmind.data.model import SCHEMAS, SOURCE_LINE, TABLES, TableName

#: canonical column -> header spellings, normalised by ``_key`` (lower case, letters and digits
#: only, CJK kept). Per table, because ``price`` or ``query`` mean different things in each.
ALIASES: dict[TableName, dict[str, tuple[str, ...]]] = {
    "products": {
        "product_id": ("productid", "id", "sku", "variantsku", "itemid", "item", "handle", "stockcode",
                       "productcode", "articleid", "articlenumber", "asin", "goodsid", "商品id", "商品编号",
                       "货号", "编号", "sku编码", "商品编码"),
        "title": ("title", "name", "productname", "producttitle", "itemname", "商品名称",
                  "标题", "名称", "商品标题", "品名"),
        "description": ("description", "bodyhtml", "body", "longdescription", "productdescription",
                        "shortdescription", "details", "描述", "商品描述", "详情", "商品详情"),
        "category_path": ("categorypath", "category", "categories", "type", "producttype", "productcategory",
                          "googleproductcategory", "类目", "分类", "商品分类", "类别", "品类"),
        "brand": ("brand", "vendor", "manufacturer", "make", "品牌", "厂商"),
        "price": ("price", "variantprice", "regularprice", "saleprice", "unitprice", "listprice", "价格",
                  "售价", "单价", "销售价"),
        "currency": ("currency", "currencycode", "币种", "货币"),
        "stock": ("stock", "qty", "quantity", "inventory", "variantinventoryqty", "inventoryquantity",
                  "stockquantity", "instock", "库存", "库存数量", "数量"),
        "rating": ("rating", "averagerating", "stars", "评分"),
        "created_at": ("createdat", "created", "dateadded", "publishedat", "published", "上架时间", "创建时间"),
        "updated_at": ("updatedat", "updated", "lastmodified", "modified", "更新时间"),
        "image_url": ("imageurl", "imagesrc", "image", "images", "imagelink", "picture", "图片", "主图", "图片链接"),
        "language": ("language", "lang", "locale", "语言"),
    },
    "events": {
        "event_id": ("eventid", "id", "logid", "事件id"),
        "type": ("type", "eventtype", "event", "action", "behavior", "behaviortype", "行为", "行为类型"),
        "timestamp": ("timestamp", "time", "datetime", "date", "eventtime", "invoicedate", "orderdate",
                      "createdat", "时间", "日期", "下单时间", "时间戳"),
        "user_id": ("userid", "user", "customerid", "customer", "memberid", "membernumber", "visitorid",
                    "buyerid", "用户id", "用户", "会员id", "客户id"),
        "session_id": ("sessionid", "session", "会话id"),
        "item_id": ("itemid", "productid", "sku", "stockcode", "item", "product", "goodsid", "商品id", "商品编号"),
        "quantity": ("quantity", "qty", "amount", "count", "数量", "购买数量"),
        "price": ("price", "unitprice", "itemprice", "单价", "价格"),
        "currency": ("currency", "currencycode", "币种"),
        "query": ("query", "searchterm", "searchquery", "keyword", "keywords", "搜索词", "关键词"),
        "rating": ("rating", "stars", "score", "评分"),
        "order_id": ("orderid", "order", "ordernumber", "invoiceno", "invoice", "invoicenumber", "订单号",
                     "订单id", "订单编号"),
        "position": ("position", "rank", "pos", "位置"),
    },
    "judgments": {
        "query": ("query", "searchterm", "searchquery", "keyword", "查询", "搜索词"),
        "product_id": ("productid", "productuid", "itemid", "sku", "docid", "商品id"),
        "relevance": ("relevance", "grade", "label", "score", "judgment", "medianrelevance", "相关性", "标注"),
        "query_id": ("queryid", "qid"),
    },
}  # fmt: skip


@dataclass
class Draft:
    """The drafted mapping and what the user must look at before using it."""

    table: TableName
    columns: dict[str, str]  # source column -> canonical column
    constants: dict[str, str] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)  # source columns the draft did not map
    returns: str | None = None  # "negative_quantity": the export's negative lines are returns
    missing: list[str] = field(default_factory=list)  # required canonical columns not found

    @property
    def needs_currency(self) -> bool:
        """Prices without a currency column: the gate quarantines them unless a constant is set."""
        mapped = set(self.columns.values())
        return "price" in mapped and "currency" not in mapped and "currency" not in self.constants

    def toml(self, source: str) -> str:
        """The draft as a mapping TOML with comments; loads with ``readers.load_mapping``."""
        lines = [
            f"# Draft mapping for {_toml_key(source)}, made by `shopmind mapping` from its header: check every line,",
            "# then: shopmind ingest <file> --format table --mapping <this file>",
            f'table = "{self.table}"',
        ]
        if self.returns:
            lines.append(
                f'returns = "{self.returns}"  # purchase lines with a quantity below 0 are returns '
                "(delete this line if your export writes returns another way)"
            )
        lines += [
            "",
            "[columns]  # column in the file = canonical column (docs/DATA_MODEL.md)",
        ]
        lines += [f'{_toml_key(src)} = "{dst}"' for src, dst in self.columns.items()]
        if self.constants or self.needs_currency:
            lines += ["", "[constants]  # canonical column = the value every row gets"]
            lines += [f'{k} = "{v}"' for k, v in self.constants.items()]
        if self.needs_currency:
            lines.append(
                '# currency = "EUR"  # the file has prices but no currency column: a price without its '
                "ISO 4217 currency is quarantined; uncomment with the shop's currency"
            )
        for col in self.missing:
            lines.append(
                f"# required {col}: no column of the file looks like it; map one or set it in [constants]"
            )
        if self.unplaced:
            lines.append(
                "# not mapped (ignored at ingest): " + ", ".join(_toml_key(u) for u in self.unplaced)
            )
        return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z\u3400-\u9fff]", "", name.lower())


def _toml_key(name: str) -> str:
    """A bare key when TOML allows one, else a basic string with every character TOML forbids
    there escaped (quotes, backslashes, control characters: headers can hold anything)."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return name
    body = "".join(
        "\\" + ch if ch in '"\\' else f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch
        for ch in name
    )
    return f'"{body}"'


def _match(headers: list[str], table: TableName) -> dict[str, str]:
    """Source column -> canonical column, each used once, in the aliases' order of preference."""
    keys = {h: _key(h) for h in headers}
    out: dict[str, str] = {}
    for canonical, aliases in ALIASES[table].items():
        for alias in aliases:  # the list is ordered by how surely a spelling means the column
            hit = next((h for h in headers if keys[h] == alias and h not in out), None)
            if hit is not None:
                out[hit] = canonical
                break
    return out


def draft(headers: list[str], table: TableName | None = None) -> Draft:
    """The mapping for a file with these column names; ``table`` forces the canonical table,
    else the one whose required columns are best covered (then the most columns) wins."""
    headers = [h for h in headers if h != SOURCE_LINE]
    if table is not None and table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, not {table!r}")
    candidates: list[TableName] = [table] if table else list(TABLES)
    scored = []
    for t in candidates:
        m = _match(headers, t)
        required = SCHEMAS[t].required
        covered = sum(1 for c in m.values() if c in required)
        implied = 1 if t == "events" and _looks_like_order_lines(m) else 0  # type and id are made
        scored.append(((covered + implied) / len(required), len(m), t, m))
    _, _, best, columns = max(scored, key=lambda s: (s[0], s[1], -TABLES.index(s[2])))
    result = Draft(best, columns)
    mapped = set(columns.values())
    if best == "events":
        if "type" not in mapped and _looks_like_order_lines(columns):
            result.constants["type"] = "purchase"
            if "quantity" in mapped:
                result.returns = "negative_quantity"  # else those lines are quarantined (EVT_QTY_SIGN)
        mapped |= {"event_id"}  # made from each row's content when the file has none
    result.missing = [c for c in SCHEMAS[best].required if c not in mapped and c not in result.constants]
    result.unplaced = [h for h in headers if h not in columns]
    return result


def _looks_like_order_lines(columns: dict[str, str]) -> bool:
    """An order-line export (invoice, item, quantity, date) is a file of purchases."""
    mapped = set(columns.values())
    return "timestamp" in mapped and "item_id" in mapped and bool(mapped & {"order_id", "quantity"})


def draft_for_file(path: Path, table: TableName | None = None) -> Draft:
    """Read the file's head the way ingest reads it (any encoding, delimiter, Parquet, JSON Lines) and draft."""
    from shopmind.data.readers import read_head

    return draft(list(read_head(path).frame.columns), table)
