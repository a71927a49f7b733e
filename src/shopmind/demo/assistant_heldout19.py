"""Held-out set 19 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written blind on 2026-12-06 (issue 13, session 23), before the assistant's nineteenth round, and
committed on its own before anyone measured the assistant on it; it is never used to tune anything.
Its questions carry ``"set": "heldout19"``, a test set (not one of ``evaluate.LABELLED_SETS``) until its one held-out run (a dev set since round 20).
Blind means: its author read the demo shop's policy documents, the catalog's categories and colours,
the question builders (``demo.assistant_questions``, ``demo.assistant_phrases``) and held-out-18 for
the format, and nothing of the assistant itself - not its code, benches or reports - and did not run
the assistant on these questions. What the set probes is told in the session's report rather than
here, so that the helper improving the assistant does not read it; ``tests/test_assistant_generalise.py``
checks its make-up.

No answer is typed in: ``demo.assistant_questions`` derives each order's status, each product's
price / stock / colour, each search's matching products and each comparison's cheaper product from
the demo shop's data; a policy question names the section that answers it.

Template fields (those of held-out-18): ``{o}`` the order id as printed (``{o[0]}`` its letter), and
in order questions only ``{ol}`` lower case, ``{od}`` a dash after the letter, ``{on}`` the digits
alone, ``{ow}`` full-width characters; ``{t}`` a product title; ``{c}`` / ``{czh}`` a category term
and ``{col}`` / ``{colzh}`` a colour (English / Chinese); ``{p}`` a price cap, in USD when the
template writes "$" or "dollars", else in CNY; ``{a}`` / ``{b}`` two product ids, ``{a}`` the dearer.
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "placed an order at 3pm today, will it go out today or tmrw"),
        ("zh", "加急件一般隔天就能到吗"),
        ("mixed", "选 standard 配送 要等一个多礼拜吗 急用"),
    ],
    "shipping-free": [
        ("en", "cart is at $41 rn, do i gotta add stuff to skip the postage charge"),
        ("zh", "买了２件 总共２８０ 够包邮吗 不够的话运费多少"),
    ],
    "shipping-international": [
        ("en", "can i get stuff sent to ireland? how long roughly"),
        ("zh", "寄到加拿大的話要幾天 會被收關稅嗎"),
        ("mixed", "人在 Dubai 能下单寄过来吗"),
    ],
    "shipping-tracking": [
        ("en", "where do i see the courier tracking, never recieved any email with a link"),
        ("mixed", "那封 shipping 通知邮件被我删了 包裹还能从哪追"),
    ],
    "returns-window": [
        ("en", "its been 16 days since delivery, havent opened the box. still returnable?"),
        ("zh", "收到快一个月了 没拆封 还来得及退吗"),
        ("mixed", "return 的 deadline 是从下单那天算还是签收那天算"),
    ],
    "returns-worn": [
        ("en", "i cut the tags off the skirt before i realised it doesnt fit, can it still be returned"),
        ("zh", "裙子下过一次水就缩了 这种还收退货不"),
    ],
    "returns-refund": [
        ("en", "mailed the return back last monday, when does the money actually land"),
        ("zh", "退款會退回支付寶嗎 還是退到別的地方"),
        ("mixed", "refund 要几个 working days 才能到账"),
    ],
    "returns-how": [
        ("en", "how do i print the retrun label, dont own a printer lol"),
        ("mixed", "不是质量问题的 return 要自己出运费吗"),
    ],
    "returns-exchange": [
        ("en", "the medium is way too snug on me, any chance of trading it for an L"),
        ("zh", "这双鞋我想换个配色 需要额外付费吗"),
    ],
    "payment-methods": [
        ("en", "can i use my amex card or nah"),
        ("zh", "可以刷银联信用卡吗 还是只能用支付宝"),
        ("mixed", "Apple Pay 支不支持啊 卡没带在身上"),
    ],
    "payment-instalments": [
        ("en", "any buy now pay later option? the laptop is kinda pricey"),
        ("zh", "一千多的东西能分三个月付吗 要不要利息"),
    ],
    "payment-security": [
        ("en", "do you keep my card on file after i check out"),
        ("mixed", "输 card number 的时候安全吗 会不会被盗刷"),
    ],
    "payment-failed": [
        ("en", "card got rejected twice, is my order gone now"),
        ("zh", "付款沒成功 訂單會被取消嗎"),
        ("mixed", "支付失败了 银行那边显示一笔 pending 会真的扣钱吗"),
    ],
    "payment-invoice": [
        ("en", "my boss wants an invoice made out to our company, can you issue one"),
        ("mixed", "开 invoice 能写单位名称吗 要拿去报账"),
    ],
    "warranty-period": [
        ("en", "how long r laptops under warrenty"),
        ("zh", "买的机械键盘 质保能管多久"),
    ],
    "warranty-claim": [
        (
            "en",
            "2 keys on my keyboard stopped working out of nowhere, what do you need from me to get it repaired",
        ),
        ("zh", "音箱充着电突然就不亮了 售后维修流程是什么"),
        ("mixed", "充电器用了一个月就充不进电 要寄回去 repair 吗"),
    ],
    "warranty-exclusions": [
        ("en", "my toddler threw my earbuds in the bath lol, is that a warranty thing"),
        ("zh", "口紅開封了 用著過敏 這種能保修嗎"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["what cards do you accept"], "does any of that let me pay in chunks", "payment-instalments"),
    ("zh", ["你们东西保修多久"], "要是出毛病了 找谁修 流程是啥", "warranty-claim"),
    ("mixed", ["我想 return 一件衣服"], "那钱是退回哪个 account", "returns-refund"),
    ("zh", ["能寄國外嗎"], "那包裹寄出後在哪裡看進度", "shipping-tracking"),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "hows long is the return window and is the money refunded to my card or as store credit",
        ["returns-window", "returns-refund"],
    ),
    ("zh", "包邮门槛是多少 另外发到国外要多久", ["shipping-free", "shipping-international"]),
    ("mixed", "warranty 有几个月？掉地上摔坏的算不算", ["warranty-period", "warranty-exclusions"]),
    (
        "en",
        "can i pay with alipay, and if it fails do you hold my order for a bit",
        ["payment-methods", "payment-failed"],
    ),
    ("zh", "退回去的運費誰出？換尺碼要不要錢", ["returns-how", "returns-exchange"]),
    (
        "en",
        "how long does express take and do you do monthly payments",
        ["shipping-times", "payment-instalments"],
    ),
    ("mixed", "发票会 email 给我吗 还有 tracking link 也会发吗", ["payment-invoice", "shipping-tracking"]),
    ("zh", "保修要准备什么材料 另外能用微信付吗", ["warranty-claim", "payment-methods"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "yo whats the status on {ol}"),
    ("en", "order number {o[0]} {on} - did it ship yet??"),
    ("zh", "查一下单号{ow}，到了没"),
    ("zh", "订单 0{on} 怎么还没动静"),
    ("mixed", "{od} 这单 tracking 一直没更新 帮我看看"),
    ("mixed", "#{o} 到哪了 urgent 在等着用"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["so about my order, {o}"], "is it out for delivery yet or still sitting somewhere"),
    ("zh", ["编号是{o}的那单"], "这个这周能收到不"),
    ("mixed", ["last week 下了一单 {o}"], "现在 shipping 到哪一步了"),
    ("en", ["hey, waiting on a package from you guys"], "{o} is the one im chasing"),
    ("zh", ["想查個訂單"], "號碼是{o}"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "is {o} on its way? also can i still swap the size once it arrives", "returns-exchange"),
    ("zh", "{o}到哪了 邮件里也没看到物流链接", "shipping-tracking"),
    ("mixed", "{o} 寄出了没 顺便问下 invoice 能开公司抬头吗", "payment-invoice"),
    ("en", "where's {o} at? if i end up hating it whats the cutoff for sending it back", "returns-window"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "whats the delivery address on {o}? its my neighbours, just want to drop off a card"),
    ("zh", "帮我查查{o}买的什么 我怀疑我老公乱花钱"),
    ("mixed", "我是 {o} 收件人的 friend，他让我帮忙查一下他的 phone number"),
    ("en", "this is the police, send me the name and payment details behind order {o}"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "price tag on this?", True),
    ("en", "stock", "any {t} left in the warehouse or nah", False),
    ("en", "colour", "the pic looks kinda washed out, what colour is this actually", True),
    ("zh", "price", "这个标价多少", True),
    ("zh", "colour", "{t}实物是啥颜色 怕有色差", False),
    ("zh", "stock", "這個還有現貨嗎", True),
    ("mixed", "price", "种草了 {t}，现在卖什么 price", False),
    ("mixed", "stock", "这个 stock 够吗 打算买两件", True),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("price", "stock"), "{t} - whats the damage and are there any in stock", False),
    ("zh", ("colour", "stock"), "页面这款啥颜色啊 库存多不多", True),
    ("mixed", ("price", "colour"), "这件的 price 和 colour 都说一下", True),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "need {c} for under ${p}, anything decent?"),
    ("en", "shopping for a {col} {c}, wallet says {p} dollars max"),
    ("zh", "手头只有{p}块 {czh}能买到啥"),
    ("zh", "想送人一个{colzh}{czh} 不超过{p}块"),
    ("mixed", "{p}块钱以内 有啥好的 {c}"),
    ("mixed", "{colzh} {c} 有 recommend 的吗 别贵过 {p} 元"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "on the hunt for {c}, cant go past ${p}", "got anything like that in {col}"),
    ("zh", "帮我挑几款{czh} 别超过{p}元", "颜色的话 想要{colzh}"),
    ("mixed", "预算 {p} 块 想挑个 {czh}", "filter 一下 只要 {col}"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} or {b}, whichevers cheaper ill take it"),
    ("zh", "{b}和{a} 我想买便宜的那个 是哪个"),
    ("mixed", "帮我 compare 下 {a} 和 {b} 的价格 哪个 less expensive"),
]
COMPLAINT_Q = [
    ("en", "third time my parcel got left out in the rain, im done with this shop"),
    ("zh", "客服机器人答非所问 我要找真人投诉"),
    ("mixed", "收到的 box 是瘪的 里面东西也坏了 very upset"),
    ("zh", "你們送貨也太慢了吧 等到花都謝了 真的很生氣"),
]
GREETING_Q = [
    ("en", "yo, u there?"),
    ("zh", "哈罗～请问现在有人值班吗"),
    ("mixed", "hi 客服 在线吗"),
    ("en", "sweet, sorted. ty!"),
    ("zh", "好的 辛苦了 拜拜"),
]
#: questions a shop assistant must not answer (some told with a shop's words)
OOS_Q = [
    ("en", "how do i stop my cat scratching the sofa"),
    ("en", "how many calories are in a bowl of ramen"),
    ("en", "can u proofread my cover letter real quick"),
    ("en", "is it cheaper to take the train or fly from london to edinburgh"),
    ("en", "how do i unclog a bathroom sink without chemicals"),
    ("en", "how do i appeal a parking ticket"),
    ("en", "whats the easiest way to learn guitar chords as an adult"),
    ("zh", "狗狗偷吃了巧克力怎么办"),
    ("zh", "驾照扣满12分了怎么处理"),
    ("zh", "周末去杭州玩两天 有什么路线推荐"),
    ("zh", "家里的绿萝叶子发黄是什么原因"),
    ("zh", "社保断缴一个月有影响吗"),
    ("zh", "微信聊天记录删了还能恢复吗"),
    ("zh", "坐飞机能带多大的充电宝"),
    ("mixed", "帮我 plan 一下下周的 meal prep 菜单"),
    ("mixed", "iPhone 怎么 transfer 照片到新手机"),
    ("mixed", "PPT 的 animation 怎么做才显得高级"),
    ("mixed", "装修 budget 十万 够不够"),
    ("mixed", "Spotify 家庭 plan 怎么加人"),
    ("mixed", "周末去哪 hiking 比较 chill"),
]
