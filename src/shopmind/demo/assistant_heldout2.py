"""Held-out set 2 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-03, issue 13 round 2) against the demo shop's policy documents, catalog and
orders BEFORE any change to the intent model, the seed or the policy retrieval of that round,
committed on its own first, and never used to tune anything: ``shopmind evaluate assistant``
reports it as ``heldout2``. The phrasings are new paraphrases in the way a shopper would ask
(not the policy documents' "Common questions" lines, not the seed, not the other sets), in
English, Chinese and mixed text, over every intent.

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{t}`` product title, ``{c}`` /
``{czh}`` category term, ``{col}`` / ``{colzh}`` colour, ``{p}`` price cap, ``{a}``/``{b}`` product ids.
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "if I order this afternoon, when will it be dispatched?"),
        ("zh", "加急的话多久能收到"),
    ],
    "shipping-free": [
        ("en", "how much do you charge to send an order of 30 dollars?"),
        ("zh", "买够多少钱就不用付运费了"),
        ("mixed", "运费 how much 啊"),
    ],
    "shipping-international": [
        ("en", "can you send my order to Canada?"),
        ("zh", "海外可以发货吗，要交进口税吗"),
    ],
    "shipping-tracking": [
        ("en", "I never got an email with the tracking link, where can I find it?"),
        ("mixed", "物流 tracking number 在哪看"),
    ],
    "returns-window": [
        ("en", "what is your return deadline after delivery?"),
        ("zh", "退货有时间限制吗"),
    ],
    "returns-worn": [
        ("en", "I took the tags off, can I still send it back?"),
        ("mixed", "洗过一次的 T-shirt 还能 return 吗"),
    ],
    "returns-refund": [
        ("en", "I returned a parcel last week, when will the money be back on my account?"),
        ("zh", "退货寄回去以后钱什么时候退给我"),
    ],
    "returns-how": [
        ("en", "how do I start a return?"),
        ("zh", "退货运费要自己出吗"),
    ],
    "returns-exchange": [
        ("en", "these trousers are too small, can I trade them for a larger pair?"),
        ("zh", "尺码不合适能换吗"),
    ],
    "payment-methods": [
        ("en", "can I pay with Mastercard?"),
        ("mixed", "可以用 Apple Pay 吗"),
    ],
    "payment-instalments": [
        ("en", "is there a buy now pay later option?"),
        ("zh", "可以分三期付款吗"),
    ],
    "payment-security": [
        ("en", "do you keep my credit card number on file?"),
        ("zh", "在你们网站付款安全吗"),
    ],
    "payment-failed": [
        ("en", "the payment didn't go through, is my order cancelled?"),
        ("mixed", "付款的时候 error 了怎么办"),
    ],
    "payment-invoice": [
        ("en", "can I get a receipt with my company's name on it?"),
        ("zh", "需要发票，怎么弄"),
    ],
    "warranty-period": [
        ("en", "how many months of warranty does a laptop have?"),
        ("zh", "质保期是多久"),
    ],
    "warranty-claim": [
        ("en", "my headphones stopped charging, can you repair them?"),
        ("zh", "收到的水壶有质量问题，怎么维修"),
    ],
    "warranty-exclusions": [
        ("en", "I dropped my phone and the screen cracked, is that covered?"),
        ("mixed", "不小心摔坏了 warranty 还管吗"),
    ],
}
#: order status, asked by the order's customer: (language, template with {o})
ORDER_Q = [
    ("en", "any news on order {o}?"),
    ("en", "I still haven't received {o}, where is it?"),
    ("zh", "请帮我查一下{o}的物流"),
    ("zh", "订单号{o}，到哪儿了？"),
    ("mixed", "{o} 的 status 是什么"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "what's the price of this?", True),
    ("zh", "price", "这个东西卖多少钱", True),
    ("en", "stock", "do you have this in stock right now?", True),
    ("mixed", "stock", "这个 still 有货吗", True),
    ("en", "price", "how much is the {t}?", False),
    ("zh", "price", "{t}多少钱", False),
]
#: product search with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "do you have any {col} {c} for less than ${p}?"),
    ("zh", "{p}元以内的{czh}有哪些"),
    ("mixed", "我想要{colzh}的 {c}，{p}元以下"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} vs {b}, which costs less?"),
    ("zh", "{a}跟{b}比哪个便宜"),
]
COMPLAINT_Q = [
    ("en", "I'm fed up, this is the third time my order arrives damaged"),
    ("en", "your customer service is a joke, I want to talk to a real person"),
    ("zh", "收到的衣服有破洞，太差劲了"),
    ("mixed", "物流太慢了，very annoyed"),
]
GREETING_Q = [
    ("en", "good evening, hope you are well"),
    ("zh", "早啊"),
    ("mixed", "hi 客服"),
    ("en", "cheers, that's all I needed"),
]
OOS_Q = [
    ("en", "can you book me a table for two tonight?"),
    ("en", "how do I fix the brakes on my car"),
    ("zh", "今天的汇率是多少"),
    ("mixed", "帮我 check 一下明天的航班"),
]
