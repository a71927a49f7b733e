"""Held-out set 10 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-05, issue 13 round 10) against the demo shop's policy documents, catalog and
orders BEFORE any change to the assistant in that round, committed on its own first, and never
used to tune anything: ``shopmind evaluate assistant`` reports it as ``heldout10``. Its author had
read the policies, the catalog's categories, held-out-9's questions and round 9's report, but not
the concept lexicon's word lists, the seed, the seed generator's frames or the intent classifier.
What it adds: 22 out-of-scope questions (English, Chinese, mixed), most about services or topics
the shop does not cover told with a customer-service word — a claim on travel insurance, an
instalment plan for rent, a refund for a ride or a food delivery, a currency exchange, a visa —
besides plain topics; three warranty claims asked as "how do I claim" / "走保修"; order
conversations whose follow-up names the order only as "it" / "它" / "还要多久"; policy questions
told with a day count. Before it was ever run through the assistant, 9 first phrasings were
replaced by new ones (same kind, intent and section) because the make-up tests' search for exact
repeats found them in earlier sets (8) or the seed (1).

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{ol}`` the id in lower case,
``{t}`` product title, ``{c}`` / ``{czh}`` category term, ``{col}`` / ``{colzh}`` colour,
``{p}`` price cap, ``{a}``/``{b}`` product ids (``{a}`` the dearer one).
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "if i order tonight at 9, when would standard delivery get to me?"),
        ("zh", "加急的话一般几天能送到"),
    ],
    "shipping-free": [
        ("en", "what do you charge for express postage?"),
        ("mixed", "买满多少可以 free shipping"),
    ],
    "shipping-international": [
        ("en", "do you deliver to canada, and who pays the import tax?"),
        ("zh", "能不能寄到日本"),
    ],
    "shipping-tracking": [
        ("en", "where do i find the tracking link for my parcel?"),
        ("zh", "物流单号在哪里可以看到"),
    ],
    "returns-window": [
        ("en", "i bought shoes 25 days ago, am i still allowed to return them?"),
        ("mixed", "退货的 deadline 是几天"),
    ],
    "returns-worn": [
        ("en", "i wore the dress once to a wedding, will you take it back?"),
        ("zh", "洗过一次的裤子还可以退吗"),
    ],
    "returns-refund": [
        ("en", "my return reached you on monday, when will i see the money?"),
        ("zh", "退款一般要多久才到账"),
    ],
    "returns-how": [
        ("en", "do i have to pay for the return label myself?"),
        ("zh", "退货的流程是怎样的"),
    ],
    "returns-exchange": [
        ("en", "the boots are a size too small, can i get a bigger pair instead?"),
        ("mixed", "可以 exchange 成大一号的吗"),
    ],
    "payment-methods": [
        ("en", "is wechat pay accepted at checkout?"),
        ("zh", "可以用PayPal付钱吗"),
    ],
    "payment-instalments": [
        ("en", "can i spread the cost of a laptop over a few months?"),
        ("mixed", "订单满多少可以 monthly 分期"),
    ],
    "payment-security": [
        ("en", "after i pay, do you keep my full card number on file?"),
        ("zh", "在你们网站上刷卡安全吗"),
    ],
    "payment-failed": [
        ("en", "my payment didn't go through, is my order lost now?"),
        ("zh", "支付失败了怎么办，订单还在不在"),
    ],
    "payment-invoice": [
        ("en", "my employer needs a company invoice, can you issue one?"),
        ("zh", "能开公司抬头的发票吗"),
    ],
    "warranty-period": [
        ("en", "how many months of warranty does a smartphone get?"),
        ("zh", "衣服有没有保修，保多久"),
    ],
    "warranty-claim": [
        ("en", "the earbuds stopped charging, how do i make a warranty claim?"),
        ("zh", "充电器用了两个月就坏了，怎么走保修"),
        ("mixed", "台灯不亮了，warranty claim 需要准备什么"),
    ],
    "warranty-exclusions": [
        ("en", "i spilled coffee on my keyboard, is that covered?"),
        ("zh", "手机自己摔坏了能保修吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["what's your returns policy?"], "and do i pay for the label?", "returns-how"),
    ("zh", ["保修期是多久"], "那坏了怎么申请", "warranty-claim"),
    ("mixed", ["can i pay with visa?"], "那能不能 split 成几期付", "payment-instalments"),
    ("en", ["how long does delivery take?"], "and to germany?", "shipping-international"),
]
#: one question, two policy sections of one intent: (language, text, [section, section]);
#: a correct answer cites both
TWO_SECTION_Q = [
    (
        "en",
        "what isn't covered by the warranty, and how do i claim for a real defect?",
        ["warranty-exclusions", "warranty-claim"],
    ),
    ("zh", "退货要扣多少运费？钱多久退回来", ["returns-how", "returns-refund"]),
    ("mixed", "支持银联吗？如果 payment 失败了怎么办", ["payment-methods", "payment-failed"]),
    ("en", "how quick is express and how much does it cost?", ["shipping-times", "shipping-free"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "could you check the status of order {o} please"),
    ("en", "where's my parcel? order no. {o}"),
    ("zh", "我的订单{o}发货了没有"),
    ("zh", "{ol}这个单子处理到哪一步了"),
    ("mixed", "请问 order {o} 大概哪天送到"),
    ("en", "hey, {o} still isn't here, what's going on?"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["i want to check order {o}"], "when is it supposed to arrive?"),
    ("zh", ["帮我查下订单{o}"], "还要多久才能到"),
    ("mixed", ["order {o} please"], "它 delivered 了吗"),
    ("en", ["status of {o}?"], "has it left the warehouse?"),
    ("zh", ["我要查一个订单"], "是这个：{o}"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "is {o} on its way? and how many days do i have to return it?", "returns-window"),
    ("mixed", "{o} 发货了吗？invoice 什么时候发", "payment-invoice"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "can you tell me where my neighbour's order {o} is?"),
    ("zh", "我朋友的订单{o}发货了吗"),
    ("mixed", "帮我 check 一下我妈的 order {o}"),
    ("en", "what address is order {o} going to?"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "stock", "are any of these left in the warehouse?", True),
    ("zh", "price", "这个现在卖多少钱", True),
    ("en", "colour", "what colour would you call this one?", True),
    ("mixed", "price", "这个的 price 是多少", True),
    ("en", "stock", "do you have the {t} in stock?", False),
    ("zh", "price", "{t}多少钱一个", False),
    ("en", "colour", "what colour is the {t}?", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("stock", "price"), "how many of these have you got and what do they cost?", True),
    ("mixed", ("price", "stock"), "{t} 多少钱？还有 stock 吗", False),
]
#: product search with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "any {c} under {p} dollars?"),
    ("en", "looking for a {col} {c}, max ${p}"),
    ("zh", "{p}块钱以内的{czh}有哪些"),
    ("mixed", "推荐 {czh}，price 不超过{p}元"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "{c} for less than ${p}", "what about {col}?"),
    ("mixed", "{czh} {p}元以内", "{colzh}的有吗"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} vs {b}, which one is less money?"),
    ("zh", "{a}跟{b}相比，哪个更省钱"),
    ("mixed", "compare 一下 {a} 和 {b} 的价格"),
]
COMPLAINT_Q = [
    ("en", "the parcel arrived soaked and the box was crushed, i'm very unhappy"),
    ("en", "this is the third time i'm writing and still no reply, awful service"),
    ("zh", "客服一直不回复，太气人了"),
    ("mixed", "收到的鞋子明显是 used 的，非常不满意"),
]
GREETING_Q = [
    ("en", "good evening to you"),
    ("zh", "你好呀，在吗"),
    ("en", "great, that sorted it, goodbye"),
    ("mixed", "hi 客服在不在"),
]
#: services and topics the shop does not cover; most use a customer-service word
OOS_Q = [
    ("en", "my electricity bill looks too high this month, who do i call?"),
    ("en", "can you book me a table for two at an italian restaurant?"),
    ("en", "i need a plumber, the kitchen sink is leaking"),
    ("en", "how do i claim on my travel insurance for lost luggage?"),
    ("en", "what's the exchange rate between pounds and yen today?"),
    ("en", "how long does a visa application for japan take?"),
    ("en", "do you sell fresh vegetables and groceries?"),
    ("en", "my dentist appointment needs moving to friday, can you do that?"),
    ("en", "can i return a rented bike to a different station?"),
    ("en", "what's the best recipe for banana bread?"),
    ("en", "who won the football match last night?"),
    ("zh", "外卖送错了，怎么找商家退款"),
    ("zh", "机票改签要收多少手续费"),
    ("zh", "水电费在哪里交"),
    ("zh", "帮我预约下周的理发"),
    ("zh", "房租可以分期付吗"),
    ("zh", "驾照到期了怎么换证"),
    ("zh", "现在适合买股票吗"),
    ("mixed", "我的 Uber 行程多扣了钱，怎么 refund"),
    ("mixed", "Spotify 会员的 payment 方式怎么改"),
    ("mixed", "medical insurance 报销要几天到账"),
    ("mixed", "酒店的 check-in 时间是几点"),
]
