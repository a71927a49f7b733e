"""The awkward shop of tests/test_pages_awkward_browser.py, shared with bench/pages_awkward.py.

A small canonical catalog, each product awkward in one named way, the pages a shop person opens in
the first hour, and the script that measures a page in the browser. Importing it needs nothing
beyond the standard library (no selenium, no pytest).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

LONG_WORD = "Supercalifragilisticexpialidocious" * 2 + "x" * 12  # 80 characters, no break opportunity
LONG_BRAND = "Brand" + "X" * 90
ZH_LONG = (
    "超长中文商品标题没有任何空格的不锈钢电热水壶大容量家用自动断电保温一体快速烧水壶办公室宿舍学生用品" * 3
)
DEEP = " > ".join(f"Level{i} 层{i}" for i in range(1, 11))
HTML_TITLE = "<b>Bold</b> mug &amp; saucer <script>alert(1)</script>"


def _product(pid: str, title: str, **kw: str) -> dict[str, str]:
    row = {
        "product_id": pid,
        "title": title,
        "description": f"A plain description of {pid}.",
        "category_path": "Home > Kitchen",
        "brand": "Acme",
        "price": "19.90",
        "currency": "EUR",
        "attributes": json.dumps({"colour": "red"}),
        "stock": "5",
        "image_url": "https://img.example.com/x.jpg",
        "language": "en",
    }
    row.update(kw)
    return row


def awkward_products() -> list[dict[str, str]]:
    """42 products, each awkward in one named way (a few ordinary ones give the facets some counts)."""
    many = {"colour": ", ".join(f"colour-{i}" for i in range(60)), "size": "XS, S, M, L, XL, XXL, 3XL, 4XL"}
    many |= {f"attr_{i}": f"value {i}" for i in range(25)}
    rows = [
        _product("no-price", "Kettle without a price", price="", currency=""),
        _product("no-brand", "Mug without a brand", brand=""),
        _product("no-cat", "Plate without a category", category_path=""),
        _product("no-image", "Bowl without an image", image_url=""),
        _product("no-desc", "Spoon without a description", description=""),
        _product(
            "bare",
            "Bare product",
            price="",
            currency="",
            brand="",
            category_path="",
            image_url="",
            description="",
            attributes="",
            stock="",
        ),
        _product(
            "long-title", " ".join(["Extremely long stainless steel kitchen kettle with many words"] * 6)
        ),
        _product("long-word", f"Kettle {LONG_WORD} edition"),
        _product("zh-long", ZH_LONG, currency="CNY", price="129.00", language="zh"),
        _product("cny", "电饭煲 3L", currency="CNY", price="299.00", language="zh"),
        _product("jpy", "Japanese knife 包丁", currency="JPY", price="12800"),
        _product("eur", "Dutch oven", currency="EUR", price="89.95"),
        _product("cent", "A tiny sticker", price="0.01"),
        _product("huge", "A commercial espresso machine", price="1999999.99"),
        _product("stock0", "Sold-out teapot", stock="0"),
        _product("stockneg", "Oversold frying pan", stock="-3"),
        _product("ar", "غلاية كهربائية من الفولاذ المقاوم للصدأ", brand="شركة المطبخ", language="ar"),
        _product("he", "קומקום חשמלי מנירוסטה", brand="מטבח", language="he"),
        _product("emoji", "Party mug 🎉🥳☕ with 👍🏽 emoji"),
        _product("html", HTML_TITLE, description="<i>italic</i> &lt;tag&gt; & more"),
        _product("quotes", 'The "best" chef\'s knife — 8\u2033 `backtick`', brand='O\'Reilly "Tools"'),
        _product("deep", "Deeply categorised whisk", category_path=DEEP),
        _product(
            "many-attrs",
            "Shirt with many attribute values",
            attributes=json.dumps(many),
            category_path="Clothing > Shirts",
        ),
        _product("long-brand", "Pot with a long brand", brand=LONG_BRAND),
    ]
    cats = ["Home > Kitchen", "Home > Dining", "Clothing > Shirts"]
    for i in range(18):
        rows.append(
            _product(
                f"p{i:02d}",
                f"Ordinary kitchen item {i} kettle mug",
                price=f"{5 + i}.50",
                brand=["Acme", "Zeta", "Kitchenly"][i % 3],
                category_path=cats[i % 3],
            )
        )
    return rows


def write_shop(folder: Path) -> int:
    """``folder/products.csv`` in the canonical columns (no events file: the shop has none)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = awkward_products()
    with (folder / "products.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return len(rows)


#: The pages a shop person opens in the first hour (the product pages are the awkward ones).
STORE_PAGES = ["/", "/?q=kettle", "/?q=mug", "/?q=pot", "/?sort=price_desc"] + [
    f"/product/{p}"
    for p in (
        "long-word",
        "long-brand",
        "long-title",
        "zh-long",
        "deep",
        "many-attrs",
        "html",
        "quotes",
        "bare",
        "no-price",
        "huge",
        "cent",
        "jpy",
        "ar",
        "he",
        "emoji",
        "stock0",
    )
]
DASHBOARDS = ["/dashboard/" + p for p in ("quality", "evaluation", "segments", "inventory", "pricing",
                                          "experiments", "assistant", "ads")]  # fmt: skip

#: Measured in the page: how far the page is wider than the screen, the outermost visible elements
#: that cross the screen's edge outside any scroll box, the values a script failed to fill.
MEASURE = r"""
const vw = document.documentElement.clientWidth;
const outside = [], spills = [];
for (const el of document.querySelectorAll('body *')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || getComputedStyle(el).position === 'fixed') continue;
  let scrolls = false;
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') { scrolls = true; break; }
  }
  const out = (b) => b.right > vw + 1 || b.left < -1;
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '');
  if (!scrolls && out(r) && !(el.parentElement && out(el.parentElement.getBoundingClientRect())))
    outside.push(name + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  // a box whose own text runs past its right edge (drawn over its neighbour, or cut by a scroll box)
  if (el.children.length === 0 && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1
      && getComputedStyle(el).overflowX === 'visible')
    spills.push(name + ' ' + el.clientWidth + '<' + el.scrollWidth);
}
const text = document.querySelector('main').innerText;
return {vw: vw, extra: document.documentElement.scrollWidth - vw, outside: outside, spills: spills,
        words: (text.match(/\b(NaN|undefined|null|Infinity)\b|\[object /g) || []),
        loading: text.includes('Loading…')};
"""
