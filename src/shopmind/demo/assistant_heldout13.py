"""Held-out set 13 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-05, issue 13 round 13, session 17) against the demo shop's policy documents,
catalog and orders BEFORE any change to the assistant in that round, committed on its own first,
and never used to tune anything: ``shopmind evaluate assistant`` reports it as ``heldout13``. Its
author had read the policies, the catalog's categories, the earlier sets' phrasings and
out-of-scope questions and the reports of rounds 10 to 12, but not the assistant's code (lexicon,
seed, seed generator, intent classifier, scope rules), and never ran the assistant on it. What it
adds: about a third each of English, Chinese and mixed text; 20 out-of-scope questions of kinds no
earlier set asks — voter registration, battery recycling, blood donation, marathon training, bird
watching, solar panels, time zones, a speeding-ticket appeal, chess rules, fishing bait, marriage
registration, spring-festival couplets, a property-management fee, kindergarten enrolment, guitar
chords, a wedding budget, a baby's first solid food, volunteering at a care home, telling fake
trading cards, a flatmate's debt — several told with a shop word (budget, fake, recommend, a
product kind the shop sells) or with amounts and day counts; order ids written as the shop prints
them, in lower case, after "No." with a dash ("O-0001234"), as bare digits after 订单号 /
"单号" and after "# "; an order question with the id in brackets inside a long story; order
follow-ups naming the order only as "it" / "它" / "它呢"; policy questions told with amounts,
product kinds and day counts that are not order ids or price slots; gift searches with a budget;
long rambling questions with the ask at the end, polite forms, typos, text-speak and colloquial
Chinese (拍下, 售后, 不, 没). 112 templates, 110 questions on demo seed 42 (en 38 / zh 36 / mixed 36;
the builder skips 2 product templates naming a product whose drawn title is in the other language).
The make-up tests' check for exact repeats (run on demo seeds 42, 7, 3, 11 and 5: every other set,
the seed and the generated seed) found no repeat on the first build; before any build through the
assistant, 9 phrasings were rewritten in mixed text (for the language balance) and 5 had their
amounts written in digits (same kind, intent and section).

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{ol}`` the id in lower case,
``{od}`` the id with a dash after its letter, ``{on}`` the id's digits alone (order questions only),
``{t}`` product title, ``{c}`` / ``{czh}`` category term, ``{col}`` / ``{colzh}`` colour,
``{p}`` price cap, ``{a}``/``{b}`` product ids (``{a}`` the dearer one).
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        (
            "en",
            "Good afternoon, I'm hoping to get a birthday present to my sister by Friday and it's Tuesday "
            "morning now. If I pick standard delivery, how many working days does that usually take?",
        ),
        ("zh", "现在拍下今天能发出去不，几点之前下单算当天的"),
        ("mixed", "选 standard 的话大概几个工作日能到？挺急的"),
    ],
    "shipping-free": [
        ("en", "do i have to pay for delivery on a $45 order or is it free?"),
        ("zh", "买了 180 块的东西，邮费怎么算啊"),
        ("mixed", "还差几块钱才到 free shipping，门槛到底是多少"),
    ],
    "shipping-international": [
        ("mixed", "寄到 Australia 要几天？customs 的费用谁来付"),
        ("en", "do u ship to germany? my cousin lives there n i wanna send her something"),
    ],
    "shipping-tracking": [
        ("en", "how do i follow my parcel once it's been sent out, do you text me a link or what?"),
        ("zh", "发货以后我去哪查物流信息呀"),
    ],
    "returns-window": [
        (
            "en",
            "Hi, I bought a dress for a wedding but ended up wearing a different one, so it still has the "
            "tags on. It came 25 days ago - am I still within the time limit to send it back?",
        ),
        ("zh", "退货期限是多少天呀，过了一个月还能退吗"),
        ("mixed", "买了 32 天了，还能 return 吗"),
    ],
    "returns-worn": [
        ("mixed", "jeans 洗过一次才发现太长了，还能 return 吗"),
        ("zh", "鞋子穿出去走了一天，磨脚，还能退不"),
    ],
    "returns-refund": [
        ("zh", "退货寄回去一周了，钱啥时候能退到我支付宝"),
        ("en", "once my parcel is back at your warehouse, how long till i see the refund on my visa?"),
    ],
    "returns-how": [
        ("en", "Do I need to pay for the return postage if I simply changed my mind about a lamp?"),
        ("zh", "退货的快递单要自己填吗，还是你们给打印好的"),
    ],
    "returns-exchange": [
        ("mixed", "trainers 小了半码，换大半码的要不要另外加钱"),
        ("mixed", "颜色和图片差太多了，想换个别的颜色，需要补 shipping 的钱吗"),
    ],
    "payment-methods": [
        ("zh", "能用信用卡付款不？万事达的"),
        ("mixed", "hiya，checkout 的时候能刷 Amex 吗"),
    ],
    "payment-instalments": [
        (
            "en",
            "I'm looking at a laptop for around $900, is there a way to pay it off monthly instead of all at once?",
        ),
        ("zh", "满多少可以免息分期？能分几期"),
    ],
    "payment-security": [
        ("en", "is it safe to save my card on your site? i'm a bit nervous about hackers tbh"),
        ("mixed", "你们会不会 store 我的 credit card 信息"),
    ],
    "payment-failed": [
        ("zh", "付款的时候一直提示失败，订单会被取消吗，钱扣了没有"),
        ("mixed", "payment 被 decline 了，要在多久之内重新付，不然 order 就取消了？"),
    ],
    "payment-invoice": [
        ("zh", "需要开公司抬头的发票，买了60多天了还来得及吗"),
        ("mixed", "invoice 是发到 email 还是寄纸质的"),
    ],
    "warranty-period": [
        ("en", "how long is the warranty on a bluetooth speaker compared to a scarf?"),
        ("zh", "买的机械键盘保修多久，一年吗"),
    ],
    "warranty-claim": [
        (
            "en",
            "The kettle I got in March has started leaking from the base. What do you need me to send "
            "so it can be repaired or replaced?",
        ),
        ("zh", "保温杯不保温了，才用了3个月，要怎么申请售后"),
        ("mixed", "headphones 右边没声音了，怎么走 warranty，要寄回去吗"),
    ],
    "warranty-exclusions": [
        ("mixed", "face cream 开封用了几次就过敏了，warranty 管不管"),
        ("en", "my son dropped my phone in the bath - would the warranty cover that or not?"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["do you take paypal?"], "and if the payment fails, do i lose my order?", "payment-failed"),
    ("zh", ["保修期是多久啊"], "那不小心摔坏的也管吗", "warranty-exclusions"),
    ("mixed", ["可以用 Alipay 吗"], "那 invoice 怎么开", "payment-invoice"),
    ("zh", ["满多少包邮啊"], "那加急的话几天到", "shipping-times"),
]
#: one question, two policy sections of one intent: (language, text, [section, section]);
#: a correct answer cites both
TWO_SECTION_Q = [
    (
        "en",
        "do you ship to japan, and once it's sent how do i keep track of it?",
        ["shipping-international", "shipping-tracking"],
    ),
    ("zh", "收到货多少天内能退？退了以后钱多久能回来", ["returns-window", "returns-refund"]),
    ("mixed", "刷卡付款安全吗？还有能不能 split 成 3 期", ["payment-security", "payment-instalments"]),
    (
        "en",
        "what isn't covered by your warranty, and if something is covered, what do i send you to claim?",
        ["warranty-exclusions", "warranty-claim"],
    ),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    (
        "en",
        "Good evening, sorry to bother you. I placed an order ({o}) about a week ago for my daughter's "
        "birthday on the 21st and I'm starting to worry. Could you check whether it has been dispatched?",
    ),
    ("zh", "订单号：{o}，麻烦看下到哪儿了"),
    ("mixed", "{ol} 这单 status 是啥"),
    ("en", "where's order No. {od} at?"),
    ("zh", "订单号{on}，东西发了没"),
    ("mixed", "请问 order # {o} 什么时候能送到，3 天前就付款了"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["hello, i'm asking about {o}"], "has it been delivered or is it still on the way?"),
    ("zh", ["订单号是{o}"], "它到哪一步了"),
    ("mixed", ["我有个 order {o}"], "它呢，delivered 了没"),
    ("zh", ["查一下{o}吧"], "它发出来没有啊，都好几天了"),
    ("en", ["could you look up an order for me?"], "sure, it's {o}"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    (
        "en",
        "is {o} on its way yet? and if the shoes don't fit, how long do i have to send them back?",
        "returns-window",
    ),
    ("zh", "{o}到了没？到了以后要是坏了怎么申请保修", "warranty-claim"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "my friend placed order {o}, what did she buy and where is it being sent?"),
    ("zh", "我老公下的单{o}，帮我看看他买了啥"),
    ("mixed", "帮我 boss 查下 order {o} 的 status，他自己没空"),
    ("en", "found {o} written on a sticky note at work, whose order is it and what's in it?"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "hi, how much is this? can't see the price on my phone", True),
    ("zh", "stock", "这款还有现货不？今天就想下单", True),
    ("mixed", "colour", "这个 item 是什么 colour 的", True),
    ("en", "stock", "is the {t} in stock at the moment?", False),
    ("zh", "colour", "{t}是什么颜色的呀", False),
    ("mixed", "price", "{t} 的价格是多少呀，thx", False),
    ("en", "price", "what would this one set me back?", True),
    ("mixed", "stock", "这款 stock 还剩多少", True),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("colour", "price"), "what colour is the {t} and how much is it?", False),
    ("zh", ("stock", "price"), "这个还有吗？多少钱一件", True),
]
#: product search with a price cap (and a colour where the template names one): gifts and
#: recommendations told with a budget
SEARCH_Q = [
    (
        "en",
        "my dad's birthday is coming up and he's impossible to buy for... maybe a {c}? budget is ${p} max",
    ),
    ("zh", "送女朋友的礼物，想要{colzh}的{czh}，预算不超过{p}元"),
    ("mixed", "有什么 {czh} 可以推荐吗，不要超过 {p} 块，送人当 gift"),
    ("en", "looking for a {col} {c}, nothing over {p} dollars please"),
    ("zh", "{p}以内的{czh}有啥好的"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "show me a {c} for under ${p}", "do those come in {col} too?"),
    ("zh", "想买{czh}，{p}块以内", "有{colzh}的没"),
    ("mixed", "{czh} 有推荐吗，budget {p} 元以内", "那 {col} 的呢"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "trying to decide between {a} and {b} - which costs less?"),
    ("zh", "{b}跟{a}对比一下，哪个更便宜"),
    ("mixed", "{a} 还是 {b}，哪个 cheaper 一点"),
]
COMPLAINT_Q = [
    (
        "en",
        "honestly the worst online shopping experience i've had, the chat keeps going round in circles "
        "and nobody actually reads my messages",
    ),
    ("zh", "快递员直接把包裹扔在门口，下雨全淋湿了，你们到底管不管"),
    ("mixed", "等了两个礼拜才到，packaging 还全是破的，very disappointed"),
    ("mixed", "说好的 free gift 没给，客服还爱答不理的，太气人了"),
]
GREETING_Q = [
    ("mixed", "晚上好 hello，hope you're well"),
    ("zh", "早上好呀"),
    ("mixed", "OK 明白了，thank you 哈"),
    ("en", "that's sorted then, thanks so much for your help!"),
]
#: kinds no earlier set asks: voter registration, battery recycling, blood donation, marathon
#: training, birds, solar panels, time zones, a speeding ticket, chess, fishing, marriage
#: registration, couplets, a property fee, kindergarten, guitar, a wedding budget, baby food,
#: volunteering, fake trading cards, a flatmate's debt
OOS_Q = [
    ("en", "how do i register to vote before the local elections next month?"),
    ("en", "which bin do old AA batteries go in, recycling or general waste?"),
    ("en", "i'd like to give blood for the first time - is there an upper age limit?"),
    ("en", "what's a sensible 16 week plan to get ready for my first marathon?"),
    ("en", "there's a little bird with a red chest singing at dawn in my garden, what is it likely to be?"),
    ("mixed", "屋顶朝北装 solar panels 划算吗"),
    ("en", "if it's 9am in london, what time is it in sydney?"),
    ("en", "i got a speeding ticket in the post but my wife was driving that day, how do i appeal it?"),
    ("zh", "象棋里马走日是什么意思"),
    ("zh", "野钓用什么饵料比较容易上鱼"),
    ("zh", "结婚登记需要带哪些证件"),
    ("zh", "春联的上联和下联怎么区分，各贴哪边"),
    ("zh", "物业费一年一千八是不是收贵了"),
    ("zh", "孩子上幼儿园报名要准备什么材料"),
    ("mixed", "吉他 beginner 应该先练哪几个 chords"),
    ("mixed", "婚礼 budget 五万块，酒席和摄影怎么分配比较合理"),
    ("mixed", "宝宝 6 个月了，可以开始加 solid food 了吗"),
    ("mixed", "想去养老院做 volunteer，需要办什么手续"),
    ("mixed", "Pokémon 卡牌怎么辨别是不是 fake 的"),
    ("mixed", "室友借了我 800 块一直不还，怎么 remind 他比较不尴尬"),
]
