"""Held-out set 11 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-05, issue 13 round 11) against the demo shop's policy documents, catalog and
orders BEFORE any change to the assistant in that round, committed on its own first, and never
used to tune anything: ``shopmind evaluate assistant`` reports it as ``heldout11``. Its author had
read the policies, the catalog's categories, the earlier sets' out-of-scope questions and the
reports of rounds 9 and 10, but not the assistant's code (lexicon, seed, seed generator, intent
classifier, scope rules). What it adds: about a third each of English, Chinese and mixed text;
20 out-of-scope questions of kinds no earlier set asks — another shop's or platform's orders and
policies (Amazon, IKEA, Taobao, eBay), bank and card fees, personal courier rates, tenancy
deposits, a removal service, health and nutrition, sums with numbers, account and software help —
many told with a refund / shipping / return word; gift and recommendation searches with a budget;
order follow-ups naming the order only as "it" / "它" / "它呢"; policy questions told with
amounts, day counts and clock times that are not order ids or price slots; long rambling questions
with the ask at the end, polite forms, typos and colloquial Chinese. Before it was ever run through
the assistant, 6 first phrasings were replaced by new ones (same kind, intent and section) because a
search for exact repeats (the make-up tests' check, on demo seeds 42, 7, 3, 11 and 5) found them in
earlier sets: three on every seed, and three colour follow-ups that repeat only for some drawn colours.

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{ol}`` the id in lower case,
``{t}`` product title, ``{c}`` / ``{czh}`` category term, ``{col}`` / ``{colzh}`` colour,
``{p}`` price cap, ``{a}``/``{b}`` product ids (``{a}`` the dearer one).
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("zh", "我下午五点多下的单，今天还能发出去吗"),
        ("mixed", "standard 快递一般几个 working days 能到啊"),
        (
            "en",
            "hiya, sorry to bother you, i'm going away a week on saturday and i'd really like my new "
            "trainers before then, so roughly how many days does normal delivery take?",
        ),
    ],
    "shipping-free": [
        ("en", "if my basket comes to $45 do i still have to pay postage?"),
        ("zh", "买了280块的东西要付运费吗"),
    ],
    "shipping-international": [
        ("mixed", "可以 ship 到 new zealand 吗"),
        ("mixed", "寄到 brazil 我表哥那里要多久"),
    ],
    "shipping-tracking": [
        ("zh", "发货以后去哪里看物流信息啊"),
        ("mixed", "tracking link 一般会发到哪里"),
    ],
    "returns-window": [
        ("mixed", "收到货 already 一个月零两天了，还能退吗"),
        ("en", "pls how many days have i got to send stuff back"),
        (
            "en",
            "so basically i bought a dress for a party that got cancelled, it still has the tags on and "
            "i never wore it, it came about two and a half weeks ago - can i still return it?",
        ),
    ],
    "returns-worn": [
        ("zh", "穿过一次出门的外套能退不"),
        ("en", "i washed the jeans once before noticing they're too long, can they still be returned?"),
    ],
    "returns-refund": [
        ("en", "you got my returned parcel yesterday, how soon will the refund show up on my paypal?"),
        ("mixed", "refund 一般几个工作日到账"),
    ],
    "returns-how": [
        ("zh", "东西不想要了，怎么寄回去"),
        ("en", "do you guys take a label fee out of my refund if nothing's wrong with the item?"),
    ],
    "returns-exchange": [
        ("zh", "鞋码买小了，能免费换一双大一码的吗"),
        ("en", "could i possibly swap this top for the same one in a medium, please?"),
    ],
    "payment-methods": [
        ("mixed", "结账的时候能用 Google Pay 吗"),
        ("zh", "支持信用卡付款吗，比如万事达"),
    ],
    "payment-instalments": [
        ("en", "my basket is $180, can i pay it off in three goes?"),
        ("zh", "两千块的手机能分三期吗，要利息吗"),
    ],
    "payment-security": [
        ("mixed", "你们会 save 我的 credit card 信息吗"),
        ("en", "is it safe to type my card details on this site? kinda nervous tbh"),
    ],
    "payment-failed": [
        ("zh", "付款的时候提示银行卡被拒了，订单会被取消吗"),
        ("mixed", "payment declined 了，多久之内要重新付"),
    ],
    "payment-invoice": [
        (
            "en",
            "i need a receipt with my company's name on it for an order from 2 months ago, still possible?",
        ),
        ("zh", "电子发票一般下单后多久发到邮箱"),
        ("mixed", "可以补开一张 VAT invoice 吗，东西是上个月买的"),
    ],
    "warranty-period": [
        ("mixed", "laptop 的 warranty 有几年"),
        ("en", "how long's the guarentee on a frying pan?"),
    ],
    "warranty-claim": [
        ("zh", "买的电水壶三个月就不加热了，怎么弄保修"),
        (
            "en",
            "the bluetooth speaker i got in march won't switch on any more, what's the process to get it "
            "sorted under warranty?",
        ),
        ("mixed", "耳机 broken 了，怎么申请 repair"),
    ],
    "warranty-exclusions": [
        ("en", "my toddler dropped my phone in the bath, would the warranty pay for that?"),
        ("zh", "开封过的粉底液能走保修吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("zh", ["运费怎么收"], "那寄到国外呢", "shipping-international"),
    ("en", ["can i return something i didn't like?"], "what if i've worn it once already?", "returns-worn"),
    ("mixed", ["warranty 多久"], "那怎么 claim 啊", "warranty-claim"),
    ("en", ["do you accept alipay?"], "and is the payment handled by a secure provider?", "payment-security"),
]
#: one question, two policy sections of one intent: (language, text, [section, section]);
#: a correct answer cites both
TWO_SECTION_Q = [
    ("zh", "退货期是多久？退货运费谁出", ["returns-window", "returns-how"]),
    (
        "en",
        "do you deliver abroad, and once it's shipped how do i follow it?",
        ["shipping-international", "shipping-tracking"],
    ),
    (
        "mixed",
        "满多少可以免息分期？另外 company invoice 怎么申请",
        ["payment-instalments", "payment-invoice"],
    ),
    ("zh", "保修期多长？自己摔坏的算不算", ["warranty-period", "warranty-exclusions"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("zh", "麻烦帮我看下{o}到哪了，谢谢"),
    ("zh", "订单 {ol} 咋还没到"),
    ("mixed", "hello，我的 order 号码是 {o}，现在什么 status"),
    ("en", "Good morning, would you kindly let me know whether order {o} has been dispatched?"),
    ("en", "ordr {o} wheres it at"),
    ("mixed", "{o}这单 delivered 了没有啊，我买了2件"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("zh", ["订单{o}是给我爸买的"], "它呢，到了没有"),
    ("en", ["i placed order {o} on tuesday"], "has it shipped or not yet?"),
    ("mixed", ["我想问下 order {o}"], "它什么时候能 arrive"),
    ("en", ["quick question about {o}"], "did it get delivered already?"),
    ("mixed", ["帮我查个 order"], "number 是 {o}"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("zh", "{o}到哪了？要是坏了保修多久", "warranty-period"),
    ("en", "where is {o} right now? and how long do refunds take if i send it back?", "returns-refund"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "my flatmate's order {o} - can you tell me what's in it?"),
    ("zh", "我老公下的单{o}，帮我查查到哪了"),
    ("mixed", "我男朋友的 order {o} 是送到哪个地址"),
    ("en", "i'm writing on behalf of my aunt, order {o}, has it been delivered?"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("zh", "stock", "这款现在还有现货不", True),
    ("mixed", "colour", "这个是什么 colour 的", True),
    ("en", "price", "hey how much r these", True),
    ("en", "stock", "could you tell me if the {t} is available to order right now?", False),
    ("zh", "colour", "{t}是什么颜色的", False),
    ("mixed", "price", "{t} 的 price 多少", False),
    ("zh", "price", "请问这件多少钱呀", True),
    ("en", "stock", "is this still in stock or sold out?", True),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("zh", ("price", "stock"), "这个多少钱？还剩几件", True),
    ("en", ("colour", "price"), "what colour is the {t} and how much is it?", False),
]
#: product search with a price cap (and a colour where the template names one): gifts and
#: recommendations told with a budget
SEARCH_Q = [
    ("en", "need a birthday gift for a friend - maybe a {c}? budget is ${p}"),
    ("zh", "想送朋友一个{czh}当礼物，预算{p}元以内，有推荐吗"),
    ("mixed", "有没有 {col} 的 {czh}，budget {p} 块以内"),
    ("en", "my 10 year old wants a {c}, anything below {p} dollars?"),
    ("zh", "{p}元以下{colzh}的{czh}有吗"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "show me a {c} under ${p}", "any in {col} instead?"),
    ("zh", "{p}元以内的{czh}", "那要{colzh}的呢"),
    ("mixed", "{czh} under {p} 元 有哪些", "换成 {col} 的看看"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "between {a} and {b}, which would cost me less?"),
    ("zh", "{a}和{b}比一下，哪个便宜点"),
    ("mixed", "{a} or {b}，哪个 cheaper"),
]
COMPLAINT_Q = [
    ("en", "i was promised a call back two days ago and nobody rang, this is really poor"),
    ("zh", "快递员态度很差还把我的包裹扔在门口，我要投诉"),
    ("mixed", "你们的 customer service 真的太差了，等了一个小时都没人理"),
    ("en", "honestly the worst online shop i've ever used, i want to speak to a manager"),
]
GREETING_Q = [
    ("zh", "早上好～"),
    ("en", "hello there, hope you're having a nice day"),
    ("mixed", "ok 明白了，thank you 啦"),
    ("zh", "好的没问题了，拜拜"),
]
#: kinds no earlier set asks: another shop's or platform's orders and policies, bank and card
#: fees, personal courier rates, tenancy, removals, health, sums, account and software help
OOS_Q = [
    ("en", "my bank charged me an overdraft fee by mistake, how do i get it refunded?"),
    ("en", "what's the return policy at ikea for opened furniture?"),
    ("en", "my parcel from amazon is three days late, can you chase it for me?"),
    ("en", "do you offer a removal service to move my furniture to a new flat?"),
    ("en", "can you recommend a good lawyer for a tenancy dispute?"),
    ("en", "what's a 15% tip on an $84 dinner bill?"),
    ("zh", "信用卡年费可以申请退吗"),
    ("zh", "顺丰寄一份文件到广州要多少钱"),
    ("zh", "淘宝买的衣服怎么申请退货"),
    ("zh", "社保卡丢了去哪里补办"),
    ("zh", "孩子发烧到38度5，需要去医院吗"),
    ("zh", "租房押金房东不退怎么办"),
    ("zh", "银行转账转错人了，钱能追回来吗"),
    ("mixed", "我的 iCloud 空间满了怎么 upgrade"),
    ("mixed", "一根 banana 大概有多少 calories"),
    ("mixed", "帮我查一下我的 credit score"),
    ("mixed", "Zoom 会议的 link 怎么分享给同事"),
    ("mixed", "这道题怎么解：3x + 5 = 20，help"),
    ("mixed", "家里 WiFi 密码忘了怎么 reset"),
    ("mixed", "eBay 上卖东西的 fee 怎么算"),
]
