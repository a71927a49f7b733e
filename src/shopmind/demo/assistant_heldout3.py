"""Held-out set 3 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-04, issue 13 round 3) against the demo shop's policy documents, catalog and
orders BEFORE any change to the intent model, the seed, the slots or the answers of that round,
committed on its own first, and never used to tune anything: ``shopmind evaluate assistant``
reports it as ``heldout3``. What it adds over the other sets: paraphrases in a shopper's own
words (not the policy documents' vocabulary), typos and missing punctuation, short
follow-ups that only make sense after an earlier turn, order ids typed in other formats (lower
case, with "#"), more privacy probes (someone else's order, no customer id) and more
out-of-scope questions — in English, Chinese and mixed text.

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{t}`` product title, ``{c}`` /
``{czh}`` category term, ``{col}`` / ``{colzh}`` colour, ``{p}`` price cap, ``{a}``/``{b}`` product ids.
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "how soon would a parcel get to me if i order today"),
        ("zh", "下单以后一般几天能到"),
        ("mixed", "我今天下午下单 today 能发出吗"),
    ],
    "shipping-free": [
        ("en", "do i have to pay postage on a small order?"),
        ("zh", "运费怎么算的"),
        ("en", "whats the delivery cost for expres?"),
    ],
    "shipping-international": [
        ("en", "do you deliver to australia"),
        ("zh", "能不能发到美国，大概多久"),
        ("mixed", "寄到 Germany 要交 tax 吗"),
    ],
    "shipping-tracking": [
        ("en", "how can i follow where my package is"),
        ("zh", "怎么查快递到哪了"),
    ],
    "returns-window": [
        ("en", "i changed my mind about a dress i got 2 weeks ago, can i still return it?"),
        ("zh", "买了二十天了还能退吗"),
        ("en", "how long is the retrun period"),
    ],
    "returns-worn": [
        ("en", "can i send back shoes i wore outside once"),
        ("zh", "标签弄丢了可以退吗"),
    ],
    "returns-refund": [
        ("en", "still no refund after sending the item back, how long does it usually take"),
        ("mixed", "退款什么时候到我的 PayPal"),
    ],
    "returns-how": [
        ("en", "where do i get a return shipping label"),
        ("zh", "退货要怎么操作"),
        ("en", "do i pay anything to return something i just didn't like"),
    ],
    "returns-exchange": [
        ("en", "i'd like the same sweater in another colour instead"),
        ("mixed", "鞋子小了 want to 换大一码"),
    ],
    "payment-methods": [
        ("en", "do you accept wechat pay"),
        ("zh", "能用PayPal吗"),
        ("en", "wich payment methods do u have"),
    ],
    "payment-instalments": [
        ("en", "can i pay for a laptop over a few months?"),
        ("mixed", "可以 installment 付款吗"),
    ],
    "payment-security": [
        ("en", "is my card info safe with you"),
        ("zh", "信用卡信息会不会泄露"),
    ],
    "payment-failed": [
        ("en", "my bank rejected the payment, what happens to my order now"),
        ("zh", "支付没成功，订单会被取消吗"),
    ],
    "payment-invoice": [
        ("en", "how do i get a vat invoice for my order"),
        ("mixed", "公司报销需要 invoice"),
    ],
    "warranty-period": [
        ("en", "whats the warrenty on electronics"),
        ("zh", "手机保修几年"),
    ],
    "warranty-claim": [
        ("en", "the blender i bought is faulty, what do i do"),
        ("mixed", "耳机左边没声音了 warranty 怎么申请"),
    ],
    "warranty-exclusions": [
        ("en", "i spilled coffee on my laptop, will the warranty pay for it?"),
        ("zh", "自己弄坏的能保修吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["how long do i have to return something?"], "and can i exchange it instead?", "returns-exchange"),
    ("zh", ["你们支持哪些付款方式"], "那可以分期吗", "payment-instalments"),
    ("mixed", ["shipping 要几天"], "寄到国外呢？", "shipping-international"),
]
#: order status, asked by the order's customer: (language, template with {o}); ``{ol}`` = the id in lower case
ORDER_Q = [
    ("en", "wheres my oder {o}"),
    ("en", "has #{o} shipped yet?"),
    ("en", "can you check on {ol} for me please"),
    ("zh", "我想查下订单{o}"),
    ("zh", "{o}这单怎么还没送到啊"),
    ("mixed", "my order {o} 到了没"),
]
#: an order follow-up: the id comes in the second turn
ORDER_FOLLOWUP_Q = [
    ("en", ["hi, i have a question about my order"], "it's {o}"),
    ("zh", ["我的快递还没收到"], "订单号是{o}"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "what's in order {o}? when was it delivered"),
    ("zh", "帮我查一下{o}的收货地址和状态"),
    ("mixed", "check 一下 order {o}"),
    ("en", "status of {o}"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "how much is it", True),
    ("en", "stock", "is this availble?", True),
    ("zh", "colour", "这个是什么颜色的", True),
    ("mixed", "price", "这款 how much", True),
    ("en", "stock", "do you still have the {t}?", False),
    ("zh", "price", "请问{t}现在什么价格", False),
]
#: product search with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "looking for {c} max ${p}"),
    ("en", "need a {col} {c}, budget {p} dollars"),
    ("zh", "预算{p}元，想买{colzh}{czh}"),
    ("mixed", "有没有 {c} 不超过{p}元的"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "show me {c} under ${p}", "do you have them in {col}?"),
    ("zh", "{p}元以下的{czh}", "有{colzh}的吗"),
    ("mixed", "{c} 预算{p}元", "{col} 的呢"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "between {a} and {b} which one is cheaper"),
    ("mixed", "{a} 还是 {b} cheaper？"),
]
COMPLAINT_Q = [
    ("en", "this is ridiculous, i've been waiting 3 weeks and still nothing"),
    ("en", "the item i received is not what i ordered, very disappointed"),
    ("zh", "你们怎么回事，发错货了"),
    ("mixed", "质量太差了 worst shopping experience"),
]
GREETING_Q = [
    ("en", "hello there, quick question"),
    ("zh", "您好，请问有人吗"),
    ("en", "ok thank you so much!"),
    ("mixed", "好的 thanks"),
]
OOS_Q = [
    ("en", "what's the best way to cook salmon"),
    ("en", "can you help me with my maths homework"),
    ("en", "who is the president of france"),
    ("zh", "附近有什么好吃的餐厅"),
    ("zh", "帮我算一下我的个人所得税"),
    ("mixed", "推荐一首好听的 song"),
]
