"""Held-out set 5 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-04, issue 13 round 5) against the demo shop's policy documents, catalog and
orders BEFORE any change to the assistant in that round (the question-splitting fix included),
committed on its own first, and never used to tune anything: ``shopmind evaluate assistant``
reports it as ``heldout5``. Its author did not read the concept lexicon's word lists, the seed or
the seed generator's frames while writing it. What it adds over the other sets: policy questions
that tell a bit of the shopper's story before asking ("bought a coat 3 weeks ago and never wore
it, can i still send it back?"), amounts and sizes in a policy question that are not price slots
("my basket is $40", "a size 42"), one-topic messages joined by "and"/a comma that are still one
question, two-section questions across two topics of one intent, and an order question followed
by a policy question in Chinese — in English, Chinese and mixed text. Before it was ever run, 7
first phrasings were replaced by new ones (same intent and section) because the test that no
labelled question is a seed utterance or another set's question found them there (4 in the seed,
3 in other sets).

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{ol}`` the id in lower case,
``{t}`` product title, ``{c}`` / ``{czh}`` category term, ``{col}`` / ``{colzh}`` colour,
``{p}`` price cap, ``{a}``/``{b}`` product ids (``{a}`` the dearer one).
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "i need it by friday, if i order today will standard delivery make it"),
        ("zh", "今天下午三点下单，今天能发出吗"),
    ],
    "shipping-free": [
        ("en", "my basket is $40, will i have to pay for delivery?"),
        ("zh", "加急快递运费要多少"),
    ],
    "shipping-international": [
        ("en", "do you deliver to australia and who pays the import tax"),
        ("mixed", "可以 ship 到新加坡吗"),
    ],
    "shipping-tracking": [
        ("en", "is there a way to see where my parcel is right now"),
        ("zh", "物流信息在哪里看"),
    ],
    "returns-window": [
        ("en", "bought a coat 3 weeks ago and never wore it, can i still send it back?"),
        ("zh", "签收十天了还能退吗"),
    ],
    "returns-worn": [
        ("en", "i cut the labels off already, can i still return the top"),
        ("zh", "洗过一次的衣服能退吗"),
    ],
    "returns-refund": [
        ("en", "sent my return back last week, when will the refund show up on my card"),
        ("mixed", "refund 一般几天能退回来"),
    ],
    "returns-how": [
        ("en", "do i need to print something to return an item"),
        ("zh", "退货要自己付运费吗"),
    ],
    "returns-exchange": [
        ("en", "can i swap these boots for a size 42"),
        ("zh", "尺码小了想换大一码"),
    ],
    "payment-methods": [
        ("en", "can i pay with wechat pay"),
        ("zh", "可以刷万事达卡吗"),
    ],
    "payment-instalments": [
        ("en", "is there a buy now pay later option"),
        ("mixed", "可以 pay in instalments 吗"),
    ],
    "payment-security": [
        ("en", "is it safe to put my card number on your website"),
        ("zh", "你们会保存我的银行卡信息吗"),
    ],
    "payment-failed": [
        ("en", "my payment didnt go through, what now"),
        ("zh", "付款的时候一直显示错误"),
    ],
    "payment-invoice": [
        ("en", "can i get a vat invoice with my company name on it"),
        ("zh", "电子发票什么时候发给我"),
    ],
    "warranty-period": [
        ("en", "whats the warranty on a laptop"),
        ("zh", "保修多长时间"),
    ],
    "warranty-claim": [
        ("en", "my headphones stopped charging after two months. what do i do"),
        ("mixed", "the kettle 坏了，可以 repair 吗"),
    ],
    "warranty-exclusions": [
        ("en", "i spilled coffee on my keyboard, will the warranty fix it"),
        ("zh", "摔坏了保修吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["what's your return policy?"], "and if i already wore it once?", "returns-worn"),
    ("zh", ["你们发国外吗"], "大概要多少天", "shipping-international"),
    ("mixed", ["can i pay in instalments"], "最低要买多少钱", "payment-instalments"),
]
#: one question, two policy sections of one intent: (language, text, [section, section]);
#: a correct answer cites both
TWO_SECTION_Q = [
    ("en", "do you take paypal and is my card info stored anywhere", ["payment-methods", "payment-security"]),
    ("zh", "退货期限是多久？退款多久能到账？", ["returns-window", "returns-refund"]),
    ("en", "how much is express shipping? and how fast is it", ["shipping-free", "shipping-times"]),
    ("mixed", "warranty 多久？坏了怎么申请", ["warranty-period", "warranty-claim"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "can you check order {o} for me"),
    ("en", "when will {o} arrive"),
    ("en", "status {ol}"),
    ("zh", "我的订单{o}到哪了"),
    ("zh", "{o}这个单怎么还没动静"),
    ("mixed", "帮我 check 一下 {o}"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["hi, question about my order"], "its {o}"),
    ("zh", ["我想查一下订单{o}"], "发货了吗"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "is {o} delivered? also when would a refund reach me", "returns-refund"),
    ("zh", "{o}到了吗？不喜欢的话可以换吗", "returns-exchange"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "whats in order {o}"),
    ("zh", "帮我看看{o}的物流"),
    ("mixed", "{o} 到哪了 please"),
    ("en", "track {o} for me, it's my sister's"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "stock", "do you still have this one", True),
    ("zh", "price", "这个现在卖多少", True),
    ("mixed", "colour", "这个是什么 colour", True),
    ("en", "price", "what does the {t} cost", False),
    ("zh", "price", "{t}多少钱一件", False),
    ("en", "stock", "is the {t} in stock right now", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("stock", "colour"), "is this in stock and what colour is it", True),
    ("zh", ("colour", "price"), "这个什么颜色？价格多少？", True),
]
#: product search with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "looking for {c}, budget is {p} dollars"),
    ("en", "{col} {c} no more than ${p}"),
    ("zh", "不超过{p}元的{czh}"),
    ("mixed", "{czh} under {p} 元"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "cheap {c} under ${p}", "any in {col}?"),
    ("zh", "{czh}，{p}元以内", "{colzh}的有吗"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} or {b}, which costs less"),
    ("zh", "{a}和{b}哪个价格低"),
    ("mixed", "{a} 和 {b} which one is cheaper"),
]
COMPLAINT_Q = [
    ("en", "i've been waiting 3 weeks and still nothing, absolutely unacceptable"),
    ("en", "you sent me the wrong item and nobody is helping"),
    ("zh", "东西质量太差了，非常不满意"),
    ("mixed", "你们的 customer service 太差了"),
]
GREETING_Q = [
    ("en", "evening! anyone around?"),
    ("zh", "你好，有人吗"),
    ("en", "thanks a lot, have a nice day"),
    ("mixed", "hello，在吗"),
]
OOS_Q = [
    ("en", "what's the capital of australia"),
    ("en", "whats a good recipe for banana bread"),
    ("zh", "北京明天天气如何"),
    ("zh", "帮我订一张去上海的机票"),
    ("mixed", "推荐一部好看的 movie"),
    ("en", "who won the football game last night"),
]
