"""Held-out set 6 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-04, issue 13 round 6) against the demo shop's policy documents, catalog and
orders BEFORE any change to the assistant in that round, committed on its own first, and never
used to tune anything: ``shopmind evaluate assistant`` reports it as ``heldout6``. Its author had
read the policies, the earlier labelled sets and their reported misses, but not the concept
lexicon's word lists, the seed or the seed generator's frames. What it adds over the other sets:
a few questions in traditional Chinese characters (a shopper from Hong Kong or Taiwan), polite
full sentences beside terse ones, amounts in a policy question that are not price slots ("split
a $300 order"), policy questions about a fee or a deadline asked from the shopper's side ("who
pays the postage when i send something back"), an order + policy question about tracking, and
privacy probes by a relative — in English, Chinese and mixed text. Before it was ever run, 4
first phrasings were replaced by new ones (same intent and section) because a text search for
exact repeats found them in the seed (1) or in held-out-2 (3).

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{ol}`` the id in lower case,
``{t}`` product title, ``{c}`` / ``{czh}`` category term, ``{col}`` / ``{colzh}`` colour,
``{p}`` price cap, ``{a}``/``{b}`` product ids (``{a}`` the dearer one).
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "what time do i need to order by for it to go out today?"),
        ("zh", "周五晚上下的单，周一能到吗"),
    ],
    "shipping-free": [
        ("en", "how much more do i need to spend to get free delivery"),
        ("zh", "差多少钱才能包邮"),
    ],
    "shipping-international": [
        ("en", "Do you post to New Zealand, and roughly how long does it take?"),
        ("zh", "在日本可以下单吗，寄得过来吗"),
    ],
    "shipping-tracking": [
        ("en", "the shipping email never came, how do i track my package?"),
        ("mixed", "tracking link 在哪里找"),
    ],
    "returns-window": [
        ("en", "I received these trainers 25 days ago and haven't worn them, is it too late to return them?"),
        ("zh", "收到貨後多久內可以退貨？"),
    ],
    "returns-worn": [
        ("en", "i wore the dress to a party, can i still return it?"),
        ("zh", "吊牌剪掉了还能退货吗"),
    ],
    "returns-refund": [
        ("en", "how many days until my refund comes through?"),
        ("zh", "退货寄回去了，钱什么时候退给我"),
    ],
    "returns-how": [
        ("en", "who pays the postage when i send something back?"),
        ("mixed", "怎么 return 一件商品"),
    ],
    "returns-exchange": [
        ("en", "the trousers are too tight, could i get them one size up instead"),
        ("zh", "买错颜色了，可以换成黑色的吗"),
    ],
    "payment-methods": [
        ("en", "do you accept google pay or only cards?"),
        ("zh", "可以用信用卡付款嗎"),
    ],
    "payment-instalments": [
        ("en", "can i split a $300 order into monthly payments"),
        ("zh", "买电脑能分三期吗"),
    ],
    "payment-security": [
        ("en", "do your staff see my credit card number when i pay?"),
        ("zh", "用银行卡在这里买东西会不会不安全"),
    ],
    "payment-failed": [
        ("en", "the payment page gave me an error and my order is stuck, what should i do"),
        ("zh", "银行卡被拒了，订单还在吗"),
    ],
    "payment-invoice": [
        ("en", "where's my invoice? i didn't get one by email"),
        ("zh", "能开公司发票吗"),
    ],
    "warranty-period": [
        ("en", "do headphones come with a two year guarantee?"),
        ("zh", "衣服有保修吗，多长时间"),
    ],
    "warranty-claim": [
        ("en", "my desk lamp stopped turning on, how do i get it repaired"),
        ("zh", "收到的耳机有质量问题，怎么申请换新"),
    ],
    "warranty-exclusions": [
        ("en", "my kid dropped the speaker and it cracked, would you fix that for free?"),
        ("zh", "正常使用磨损了保修管吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["how long does delivery take?"], "and for express?", "shipping-times"),
    ("zh", ["保修期多久"], "摔坏的也管吗", "warranty-exclusions"),
    ("mixed", ["do you ship to 香港?"], "要交税吗", "shipping-international"),
]
#: one question, two policy sections: (language, text, [section, section]); a correct answer cites both
TWO_SECTION_Q = [
    (
        "en",
        "what's the return deadline, and do i have to pay for the return label?",
        ["returns-window", "returns-how"],
    ),
    ("zh", "能用支付宝吗？可以开发票吗？", ["payment-methods", "payment-invoice"]),
    (
        "en",
        "how long is the warranty on electronics and what isn't covered?",
        ["warranty-period", "warranty-exclusions"],
    ),
    ("mixed", "运费多少？can you ship to korea?", ["shipping-free", "shipping-international"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "any update on my parcel, order {o}?"),
    ("en", "Hi, I'd like to know the status of my order {o}, thanks"),
    ("en", "{ol} where is it"),
    ("zh", "订单{o}现在什么状态"),
    ("zh", "请帮我查询一下{o}的配送进度"),
    ("mixed", "order {o} 什么时候能到"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["can you look up {o}"], "when will it get here?"),
    ("mixed", ["我的 parcel 还没到"], "订单号 {o} 谢谢"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "did {o} arrive? if so can i still exchange it for another colour", "returns-exchange"),
    ("mixed", "{o} shipped 了吗？怎么 track 包裹", "shipping-tracking"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "what's the delivery address on {o}"),
    ("zh", "{o}是谁买的"),
    ("mixed", "我帮朋友查 order {o}"),
    ("en", "i'm the buyer's husband, where is order {o}"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "what's this one going for?", True),
    ("zh", "stock", "这款还剩几件", True),
    ("en", "colour", "what colour would i get with this", True),
    ("mixed", "price", "这个 cost 多少", True),
    ("en", "stock", "are there any {t} left?", False),
    ("zh", "colour", "{t}是什么颜色", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("colour", "price"), "what colour is this and how much", True),
    ("zh", ("stock", "price"), "{t}有货吗？多少钱？", False),
]
#: product search with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "show me some {c} under {p} dollars"),
    ("en", "i'm after a {col} {c}, up to ${p}"),
    ("zh", "想买{czh}，{p}块钱以内"),
    ("mixed", "{colzh} {c} below {p} 元"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "{c} for under ${p}", "got any {col} ones?"),
    ("zh", "{p}元以下的{czh}有吗", "{colzh}有没有"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} vs {b} - which one's the better price?"),
    ("zh", "{a}和{b}，哪个便宜一点"),
    ("mixed", "{a} 跟 {b} 比 which is less expensive"),
]
COMPLAINT_Q = [
    ("en", "my parcel was left in the rain and everything is soaked, i'm furious"),
    ("en", "third time i'm writing about this, i want to speak to a manager"),
    ("zh", "快递员态度太恶劣了"),
    ("mixed", "package 破了，东西也坏了，很生气"),
]
GREETING_Q = [
    ("en", "good morning :)"),
    ("zh", "你好，請問有人在嗎"),
    ("en", "cheers, that helps"),
    ("mixed", "ok 谢谢你啦"),
]
OOS_Q = [
    ("en", "how many moons does jupiter have"),
    ("en", "can you book me a taxi to the station"),
    ("en", "how do i return a rental car at the airport"),
    ("zh", "今天人民币兑美元汇率多少"),
    ("zh", "帮我写一首关于秋天的诗"),
    ("mixed", "帮我 debug 一下这段 python 代码"),
]
