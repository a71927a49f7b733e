"""Answer templates per intent and language, filled only with retrieved facts.

Every template's fixed words contain no digit, so any number, date or id in a composed answer
comes from a fact (the guard checks it anyway). A composer returns the text plus the fact
texts it used (the guard's allowed set) and its citations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shopmind.search.money import format_money

_STATUS = {
    "en": {
        "placed": "placed (not shipped yet)",
        "shipped": "shipped",
        "delivered": "delivered",
        "returned": "returned",
    },  # fmt: skip
    "zh": {"placed": "已下单（尚未发货）", "shipped": "已发货", "delivered": "已签收", "returned": "已退货"},
}
_DATE_WORDS = {
    "en": {
        "placed_at": "placed on",
        "shipped_at": "shipped on",
        "delivered_at": "delivered on",
        "returned_at": "returned on",
    },  # fmt: skip
    "zh": {
        "placed_at": "下单日期",
        "shipped_at": "发货日期",
        "delivered_at": "签收日期",
        "returned_at": "退货日期",
    },
}


@dataclass
class Composed:
    text: str
    facts: list[str] = field(default_factory=list)
    citations: list[dict[str, str]] = field(default_factory=list)
    suggested: list[str] = field(default_factory=list)


def _d(v: datetime) -> str:
    return v.strftime("%Y-%m-%d")


def order_answer(order: dict, titles: dict[str, str], lang: str) -> Composed:
    """Status, the dates it has and the items of one order (the customer's own)."""
    oid = order["order_id"]
    st = _STATUS[lang][order["status"]]
    dates = [
        (k, order[k]) for k in ("placed_at", "shipped_at", "delivered_at", "returned_at") if order.get(k)
    ]
    items = [(it["product_id"], it["quantity"]) for it in order["items"]]
    if lang == "zh":
        parts = [f"订单{oid}状态：{st}。"]
        parts.append("，".join(f"{_DATE_WORDS['zh'][k]}{_d(v)}" for k, v in dates) + "。")
        parts.append("商品：" + "；".join(f"{titles.get(p, p)}（{p}）× {q}" for p, q in items) + "。")
    else:
        parts = [f"Order {oid} is {st}:"]
        parts.append(", ".join(f"{_DATE_WORDS['en'][k]} {_d(v)}" for k, v in dates) + ".")
        parts.append("Items: " + "; ".join(f"{titles.get(p, p)} ({p}) x {q}" for p, q in items) + ".")
    facts = [oid, *(_d(v) for _, v in dates), *(f"{p} {titles.get(p, '')} {q}" for p, q in items)]
    return Composed(" ".join(parts), facts, [{"type": "order", "id": oid}])


def order_refused(oid: str | None, lang: str, signed_in: bool) -> Composed:
    """No order data: no id given, no customer id, or not this customer's order (same words)."""
    if oid is None:
        text = "请提供您的订单号，我来帮您查询。" if lang == "zh" else "Please tell me your order number and I will look it up."  # fmt: skip
        return Composed(text)
    if not signed_in:
        text = (
            f"请先登录，我才能查询订单{oid}。"
            if lang == "zh"
            else f"Please sign in so I can look up order {oid}."
        )
    else:
        text = (
            f"您的账户下没有找到订单{oid}。"
            if lang == "zh"
            else f"I can't find an order {oid} on your account."
        )
    return Composed(text, [oid])


def policy_answer(section: object, lang: str, more: tuple[object, ...] = ()) -> Composed:
    """The retrieved policy section (and ``more`` sections a multi-part question asked about),
    quoted in the customer's language, each cited."""
    parts, facts, cites = [], [], []
    for s in (section, *more):
        heading, body = s.heading(lang), s.body(lang)  # type: ignore[attr-defined]
        parts.append(f"{heading}：{body}" if lang == "zh" else f"{heading}: {body}")
        facts.extend(f"{h} {b}" for h, b in s.text.values())  # type: ignore[attr-defined]
        cites.append({"type": "policy", "id": s.id})  # type: ignore[attr-defined]
    return Composed(("" if lang == "zh" else " ").join(parts), facts, cites)


#: What the assistant says for a product without a price (a catalog may list one "on request").
NO_PRICE = {"en": "no price listed", "zh": "暂无标价"}


def _price(p: dict, lang: str = "en") -> str:
    """The price as its tag reads on the storefront in the answer's language ("€19.90"; a yuan
    price "¥459.00" in Chinese, "CN¥459.00" in English), or that none is listed ("costs ." was said)."""
    shown = format_money(
        p.get("price"), p.get("currency"), trim=False, lang="zh-Hans" if lang == "zh" else "en"
    )
    return shown or NO_PRICE["zh" if lang == "zh" else "en"]


def product_fact(p: dict) -> str:
    """Everything the assistant may say about one product, as text for the guard."""
    attrs = " ".join(f"{a['key']} {a['value']}" for a in p.get("attributes") or [])
    return f"{p['product_id']} {p['title']} {p['price']} {p.get('currency')} stock {p.get('stock')} {attrs}"


def product_answer(p: dict, field_: str | list[str], lang: str, colour: str | None) -> Composed:
    """Price, stock and/or colour of one product: every field the shopper asked for, in one
    sentence ("how much is it and is it in stock?" needs both facts); the colour is skipped when
    the catalog has none, and with nothing left the price is given."""
    pid, title = p["product_id"], p["title"]
    fields = [f for f in ([field_] if isinstance(field_, str) else field_) if f != "colour" or colour]
    n = p.get("stock") or 0
    if lang == "zh":
        price = f"售价{_price(p, lang)}" if p.get("price") is not None else NO_PRICE["zh"]
        say = {"stock": f"有货，库存{n}件" if n > 0 else "目前缺货", "colour": f"颜色是{colour}", "price": price}  # fmt: skip
    else:
        price = f"costs {_price(p)}" if p.get("price") is not None else f"has {NO_PRICE['en']}"
        say = {"stock": f"is in stock ({n} available)" if n > 0 else "is out of stock", "colour": f"is {colour}", "price": price}  # fmt: skip
    phrases = [say[f] for f in dict.fromkeys(fields or ["price"])]
    if lang == "zh" and phrases[0] == say["colour"]:
        phrases[0] = "的" + phrases[0]  # "X的颜色是黑色"
    text = (
        f"{title}（{pid}）{'，'.join(phrases)}。"
        if lang == "zh"
        else f"{title} ({pid}) {' and '.join(phrases)}."
    )
    return Composed(text, [product_fact(p)], [{"type": "product", "id": pid}], [pid])


def search_answer(products: list[dict], lang: str) -> Composed:
    """Up to three matching products with prices, or that nothing matches."""
    if not products:
        text = (
            "抱歉，没有找到符合条件的商品。" if lang == "zh" else "Sorry, I found no product matching that."
        )
        return Composed(text)
    lines = [f"{p['title']}（{p['product_id']}）{_price(p, lang)}" if lang == "zh" else f"{p['title']} ({p['product_id']}), {_price(p)}" for p in products]  # fmt: skip
    head = "为您找到：" if lang == "zh" else "Here is what I found: "
    sep = "；" if lang == "zh" else "; "
    return Composed(
        head + sep.join(lines),
        [product_fact(p) for p in products],
        [{"type": "product", "id": p["product_id"]} for p in products],
        [p["product_id"] for p in products],
    )


def compare_answer(products: list[dict], lang: str) -> Composed:
    """Prices side by side and the cheaper one (only within one currency)."""
    facts = [product_fact(p) for p in products]
    cites = [{"type": "product", "id": p["product_id"]} for p in products]
    ids = [p["product_id"] for p in products]
    listing = ("；" if lang == "zh" else "; ").join(
        f"{p['title']} ({p['product_id']}) {_price(p, lang)}" for p in products
    )
    unpriced = [p["product_id"] for p in products if p.get("price") is None]
    if unpriced:  # was a TypeError (None < float) when one of the two had no price
        tail = f"{'、'.join(unpriced)}暂无标价，无法比较。" if lang == "zh" else f"{', '.join(unpriced)} has no price listed, so I can't compare them."  # fmt: skip
        return Composed(f"{listing}。{tail}" if lang == "zh" else f"{listing}. {tail}", facts, cites, ids)
    if len({p.get("currency") for p in products}) > 1:
        tail = "价格币种不同，无法直接比较。" if lang == "zh" else "They are priced in different currencies, so I can't compare them directly."  # fmt: skip
        return Composed(f"{listing}。{tail}" if lang == "zh" else f"{listing}. {tail}", facts, cites, ids)
    cheap = min(products, key=lambda p: p["price"])
    if lang == "zh":
        text = f"{listing}。更便宜的是{cheap['product_id']}。"
    else:
        text = f"{listing}. The cheaper one is {cheap['product_id']}."
    return Composed(text, facts, cites, ids)


CANNED = {
    "greeting": {
        "en": "Hello! I can help with orders, shipping, returns, payment and our products.",
        "zh": "您好！我可以帮您查询订单、配送、退换货、支付和商品信息。",
    },  # fmt: skip
    "complaint": {
        "en": "I'm sorry about this. I'm passing your message to a colleague who will get back to you.",
        "zh": "非常抱歉给您带来不好的体验，我已将您的问题转给人工客服，会尽快联系您。",
    },  # fmt: skip
    "out_of_scope": {
        "en": "I can only help with this shop's orders, shipping, returns, payment and products. Shall I connect you with a colleague?",
        "zh": "我只能回答本店订单、配送、退换货、支付和商品相关的问题，需要为您转接人工客服吗？",
    },  # fmt: skip
    "unsure": {
        "en": "I'm not sure I understood. Shall I connect you with a colleague?",
        "zh": "抱歉，我不太确定您的意思，需要为您转接人工客服吗？",
    },  # fmt: skip
    "person": {  # round 29: a request for a person, or a yes to the offer of one (``person``)
        "en": "Of course. I'm passing your message to a colleague who will get back to you.",
        "zh": "好的，已为您转接人工客服，会尽快联系您。",
    },  # fmt: skip
    "ask_product": {
        "en": "Which product do you mean? Open its page or tell me its name.",
        "zh": "请问是哪件商品？可以打开商品页面或告诉我商品名称。",
    },  # fmt: skip
}
