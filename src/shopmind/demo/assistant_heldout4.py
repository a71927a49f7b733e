"""Held-out set 4 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-04, issue 13 round 4) against the demo shop's policy documents, catalog and
orders BEFORE any change to the assistant in that round, committed on its own first, and never
used to tune anything: ``shopmind evaluate assistant`` reports it as ``heldout4``. Its author did
not read the round-3 concept lexicon's word lists or the seed generator's frames while writing
it. What it adds over the other sets: questions whose correct answer needs **two facts** (two
policy sections, price and stock of one product, an order's status and a policy), follow-ups
that keep the *order* of the turn before ("has it shipped?" after naming the id), shopper-style
text (no capitals, txt-speak, several typos in one message, run-on sentences), privacy probes
and out-of-scope questions that borrow shop words — in English, Chinese and mixed text.

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{ol}`` the id in lower case,
``{t}`` product title, ``{c}`` / ``{czh}`` category term, ``{col}`` / ``{colzh}`` colour,
``{p}`` price cap, ``{a}``/``{b}`` product ids.
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "if i buy now when would it arrive roughly"),
        ("mixed", "express 的话几天到"),
    ],
    "shipping-free": [
        ("en", "is delivery free or do u charge for it"),
        ("zh", "买多少钱可以免运费"),
    ],
    "shipping-international": [
        ("en", "can you ship to the uk? how long would that take"),
        ("zh", "海外能买吗，能寄到加拿大吗"),
    ],
    "shipping-tracking": [
        ("en", "i lost the email with my tracking link"),
        ("mixed", "快递单号 where can i see it"),
    ],
    "returns-window": [
        ("en", "is there a time limit on returns"),
        ("zh", "东西收到一个多月了还可以退货吗"),
    ],
    "returns-worn": [
        ("en", "i washed the jeans once and they shrank, can they go back"),
        ("mixed", "穿了一次 can i still return"),
    ],
    "returns-refund": [
        ("en", "when do i get my money back after you receive the return"),
        ("zh", "退的钱会退到哪里，要多久"),
    ],
    "returns-how": [
        ("en", "whats the process to send somthing back"),
        ("zh", "退货的快递单去哪打"),
    ],
    "returns-exchange": [
        ("en", "the shirt is too big, can i get a smaller one instead"),
        ("zh", "颜色不喜欢，能换别的颜色吗"),
    ],
    "payment-methods": [
        ("en", "do u take amex"),
        ("mixed", "alipay 能付款不"),
    ],
    "payment-instalments": [
        ("en", "can i spread the cost over 3 months"),
        ("zh", "支持分期付款吗，要利息吗"),
    ],
    "payment-security": [
        ("en", "are my payment details stored on your site"),
        ("mixed", "付款 safe 吗，会不会被盗刷"),
    ],
    "payment-failed": [
        ("en", "checkout keeps saying card declined"),
        ("zh", "付款失败了怎么办"),
    ],
    "payment-invoice": [
        ("en", "i need a receipt for my expenses"),
        ("zh", "报销要发票，能开抬头吗"),
    ],
    "warranty-period": [
        ("en", "how long are your products guaranteed for"),
        ("mixed", "耳机的 warranty 是多久"),
    ],
    "warranty-claim": [
        ("en", "the zip on my bag broke after a week, can you replace it"),
        ("zh", "买的电水壶坏了，怎么申请维修"),
    ],
    "warranty-exclusions": [
        ("en", "my phone screen cracked when i dropped it, is that covered"),
        ("mixed", "口红开封了 warranty 还管吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["do you ship internationally?"], "what about the customs fees?", "shipping-international"),
    ("zh", ["退货要怎么弄"], "运费谁出", "returns-how"),
    ("mixed", ["可以换货吗"], "how long do i have for that", "returns-exchange"),
]
#: one question, two policy sections of one topic: (language, text, [section, section]);
#: a correct answer cites both
TWO_SECTION_Q = [
    (
        "en",
        "how long do i have to return something and how quickly is the refund paid",
        ["returns-window", "returns-refund"],
    ),  # fmt: skip
    ("zh", "运费多少钱？一般几天能到？", ["shipping-free", "shipping-times"]),
    ("mixed", "可以用 paypal 吗？能分期吗", ["payment-methods", "payment-instalments"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "yo where's {o} at"),
    ("en", "order number {o} - any update?"),
    ("en", "did {ol} get delivered"),
    ("zh", "订单号{o}，麻烦查一下物流"),
    ("zh", "请问 {o} 发货没有"),
    ("mixed", "{o} status 是什么"),
]
#: an order follow-up: (language, history with {o}, follow-up text) — the first turn may name the
#: id and the follow-up asks about "it", or the id comes in the second turn
ORDER_FOLLOWUP_Q = [
    ("en", ["i want to ask about order {o}"], "has it shipped?"),
    ("zh", ["帮我查个订单"], "{o}"),
    ("mixed", ["我的 order 还没到"], "number is {o}"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "has {o} been delivered yet and how long do i have to return it", "returns-window"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "my friend ordered {o}, can you tell me when it arrives"),
    ("zh", "查一下{o}寄到哪里了"),
    ("mixed", "order {o} 的 status please"),
    ("en", "{o}"),
    ("zh", "订单{o}买了什么东西"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "whats the price on this", True),
    ("zh", "stock", "这个还有库存吗", True),
    ("en", "colour", "what colour is this exactly", True),
    ("mixed", "stock", "这个 in stock 吗", True),
    ("en", "price", "how much for the {t}", False),
    ("zh", "stock", "{t}还有货吗", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("price", "stock"), "how much is this and do you have it in stock", True),
    ("zh", ("price", "stock"), "这个多少钱？有现货吗", True),
    ("en", ("colour", "price"), "what colour is the {t} and what does it cost", False),
]
#: product search with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "any {c} for less than ${p}"),
    ("en", "i want a {col} {c} under {p} dollars"),
    ("zh", "{p}元以内的{czh}有哪些"),
    ("mixed", "推荐几款 {c}，{p}元以下"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "{c} below ${p} please", "only {col} ones"),
    ("zh", "帮我找{p}元以内的{czh}", "要{colzh}"),
    ("mixed", "{c} 最多{p}元", "有没有 {col}"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "is {a} cheaper than {b}"),
    ("zh", "{a}跟{b}比哪个划算"),
    ("mixed", "{a} vs {b} 哪个便宜"),
]
COMPLAINT_Q = [
    ("en", "nobody answers my emails, this service is terrible"),
    ("en", "the box arrived crushed and half the stuff is missing"),
    ("zh", "客服太慢了，我要投诉"),
    ("mixed", "等了两个星期 still not here, 太失望了"),
]
GREETING_Q = [
    ("en", "hey there!!"),
    ("zh", "早上好呀，在不在"),
    ("en", "great, that's all i needed, bye"),
    ("mixed", "hi 客服你好"),
]
OOS_Q = [
    ("en", "will it rain in berlin tomorrow"),
    ("en", "translate 'good morning' into spanish"),
    ("en", "recommend me a good series on netflix"),
    ("zh", "明天股票会涨吗"),
    ("zh", "给我讲个笑话"),
    ("mixed", "帮我写一封 cover letter"),
    ("en", "how do i return a library book late"),
]
