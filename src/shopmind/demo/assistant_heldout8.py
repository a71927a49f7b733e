"""Held-out set 8 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-04, issue 13 round 8) against the demo shop's policy documents, catalog and
orders BEFORE any change to the assistant in that round, committed on its own first, and never
used to tune anything: ``shopmind evaluate assistant`` reports it as ``heldout8``. Its author had
read the policies, the earlier labelled sets' templates and round 7's report, but not the concept
lexicon's word lists, the seed or the seed generator's frames. What it adds over the other sets:
more order conversations: four follow-ups name the order of the turn before only as "it" /
"这单" / "它" (dispatched?, arrived?, sent out?, when will it arrive?), one gives the id after a
vague first turn; policy
questions asked as a small story with a date or a count in them ("bought it on the 2nd", "two
jumpers"), out-of-scope questions that use a return / refund / delivery word about goods or
services the shop does not sell (a rental car, a train ticket, a food delivery), stock asked in
plain words, and comparisons phrased as "which one would you pick" — in English, Chinese and
mixed text. Before it was ever run, 7 first phrasings were replaced by new ones (same kind,
intent and section) because the make-up tests' search for exact repeats found them in earlier sets
(6), the seed or the seed generator's utterances (1).

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{ol}`` the id in lower case,
``{t}`` product title, ``{c}`` / ``{czh}`` category term, ``{col}`` / ``{colzh}`` colour,
``{p}`` price cap, ``{a}``/``{b}`` product ids (``{a}`` the dearer one).
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "roughly how many working days will standard post take to reach me?"),
        ("mixed", "加急 express 要几天"),
    ],
    "shipping-free": [
        ("en", "my basket is $40, am i going to be charged for delivery?"),
        ("zh", "买多少钱以上不收运费"),
    ],
    "shipping-international": [
        ("en", "we're moving to canada next month, will you still be able to deliver to us there?"),
        ("zh", "海外订单要交进口税吗"),
    ],
    "shipping-tracking": [
        ("en", "is there a link where i can watch where my delivery is?"),
        ("zh", "快递单号怎么查"),
    ],
    "returns-window": [
        (
            "en",
            "bought a dress on the 2nd and it arrived on the 5th, what's the last day i can send it back?",
        ),
        ("zh", "退货最晚可以在签收后几天内申请"),
    ],
    "returns-worn": [
        ("en", "i washed the jumper once and it shrank a bit, is a return still possible?"),
        ("zh", "衣服穿过一次还能退货吗"),
    ],
    "returns-refund": [
        ("en", "you've had my parcel back since monday, when does the refund land?"),
        ("mixed", "refund 多久能到账"),
    ],
    "returns-how": [
        ("en", "where do i get a return label from?"),
        ("zh", "退货的运单费是多少"),
    ],
    "returns-exchange": [
        ("en", "the shoes are half a size too small, can i get the next size up instead?"),
        ("zh", "尺码不合适可以换大一码吗"),
    ],
    "payment-methods": [
        ("en", "can i pay with my wechat wallet?"),
        ("mixed", "能不能用 PayPal 付"),
    ],
    "payment-instalments": [
        ("en", "could i spread the payment for a laptop over a few months with no interest?"),
        ("zh", "买电脑可以分几期付款"),
    ],
    "payment-security": [
        ("en", "does your site keep a copy of my credit card number?"),
        ("zh", "网上付款安不安全"),
    ],
    "payment-failed": [
        ("en", "the bank blocked my payment, how long do i have before the order is gone?"),
        ("zh", "付款的时候一直提示失败怎么办"),
    ],
    "payment-invoice": [
        ("en", "i need a receipt with my company name on it for expenses"),
        ("zh", "公司报销要发票，去哪里申请"),
    ],
    "warranty-period": [
        ("en", "how many months of guarantee come with headphones?"),
        ("zh", "衣服有保修期吗，多长时间"),
    ],
    "warranty-claim": [
        ("en", "the zip on my backpack broke after two weeks, how do i get it repaired?"),
        ("zh", "耳机一边没声音了，怎么申请维修"),
    ],
    "warranty-exclusions": [
        ("en", "i dropped my phone case in the pool, does the guarantee cover that?"),
        ("zh", "自己不小心摔坏的能保修吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["do you deliver abroad?"], "how long would that take?", "shipping-international"),
    ("zh", ["怎么退货"], "那退款什么时候到", "returns-refund"),
    ("mixed", ["可以用 Alipay 吗"], "那 payment 失败了怎么办", "payment-failed"),
    ("en", ["what's your warranty like?"], "and what isn't covered?", "warranty-exclusions"),
]
#: one question, two policy sections of one intent: (language, text, [section, section]);
#: a correct answer cites both
TWO_SECTION_Q = [
    (
        "en",
        "what does postage cost and how quick is express?",
        ["shipping-free", "shipping-times"],
    ),
    ("zh", "几天内可以退？退货要自己付运费吗", ["returns-window", "returns-how"]),
    (
        "en",
        "is paying by card on your site safe, and can i get an invoice for it?",
        ["payment-security", "payment-invoice"],
    ),
    ("mixed", "warranty 多久？坏了怎么 claim", ["warranty-period", "warranty-claim"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "is there an update for my order {o}?"),
    ("en", "has my parcel {o} left your warehouse"),
    ("en", "status of {ol} please"),
    ("zh", "我的订单{o}现在是什么状态"),
    ("zh", "{o}签收了没"),
    ("mixed", "{o} 的 delivery status 是什么"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["i have a question about {o}"], "has it been dispatched yet?"),
    ("en", ["order {o} please"], "did it arrive?"),
    ("zh", ["帮我看一下{o}"], "这单发出去了吗"),
    ("mixed", ["order {o} 帮我查查"], "它什么时候能到"),
    ("en", ["where's my stuff"], "order no. is {o}"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "is {o} on its way? and how much is express shipping?", "shipping-free"),
    ("zh", "{o}到了没？到了以后多少天内能退", "returns-window"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "my neighbour asked me to check {o} for her"),
    ("zh", "帮朋友查一下{o}寄到哪了"),
    ("mixed", "我老公的 order {o} 到了吗"),
    ("en", "what's the delivery address on {o}?"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "what does this cost?", True),
    ("zh", "stock", "这件库存还有多少", True),
    ("en", "colour", "what colour is this one exactly?", True),
    ("mixed", "price", "这件的 price 是多少钱", True),
    ("en", "stock", "are there any {t} left in stock?", False),
    ("zh", "colour", "{t}是什么颜色的", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("colour", "price"), "what colour is the {t} and how much is it?", False),
    ("zh", ("price", "stock"), "这个多少钱，现在有现货吗", True),
]
#: product search with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "show me {c} for less than ${p}"),
    ("en", "looking for a {col} {c}, budget {p} dollars"),
    ("zh", "{p}元以内的{czh}有哪些"),
    ("mixed", "有没有 {p} 元以下的{czh} recommend 一下"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "i want {c}, max ${p}", "any in {col}?"),
    ("mixed", "{czh} 预算 {p} 元", "{colzh}的有吗"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} vs {b}: which costs less?"),
    ("zh", "{a}跟{b}比，哪个便宜"),
    ("mixed", "{a} 和 {b} 哪个 price 低"),
]
COMPLAINT_Q = [
    ("en", "third time i've contacted you about this and still no answer, i'm fed up"),
    ("en", "the parcel arrived soaking wet and half the stuff is ruined, unacceptable"),
    ("zh", "你们客服态度太差了，我要投诉"),
    ("mixed", "送来的东西 wrong size 又错了，真的很生气"),
]
GREETING_Q = [
    ("en", "hello there, is this the help chat?"),
    ("zh", "你好，在吗？想咨询一下"),
    ("en", "great, that's all i needed, cheers"),
    ("mixed", "hi 你好呀"),
]
OOS_Q = [
    ("en", "can i return my rental car a day early"),
    ("en", "how do i get a refund for a cancelled train ticket"),
    ("en", "what's the weather going to be like tomorrow in berlin"),
    ("zh", "外卖一直没送到，能退款吗"),
    ("zh", "给我讲个笑话吧"),
    ("mixed", "我的 flight 延误了可以 refund 吗"),
    ("en", "do you do car insurance quotes"),
]
